#!/bin/sh
# t_invalid.sh -- invalid jobs of every kind go to loa:dead with a reason
# while the good ones around them are delivered.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
write_conf a
start_loa a || exit 1

good() {
	printf '{"id":"%s","channels":["sms"],"sms":{"text":"ok"},"recipients":[{"phone":"0912000%03d"}]}' "$1" "$2"
}
i=0
n_bad=0
bad() {
	# bad ID REASON-SUBSTRING JOB
	i=$((i + 1))
	printf '%s' "$3" > "$T/bad$i.json"
	submit "$T/bad$i.json" >/dev/null
	echo "$1	$2" >> "$T/expect"
	n_bad=$((n_bad + 1))
	good "good$i" "$i" > "$T/good$i.json"
	submit "$T/good$i.json" >/dev/null
}
bad bj "bad JSON" '{"id":"bj", "channels": ['
bad utf "bad JSON" "$(printf '{"id":"utf","channels":["sms"],"sms":{"text":"\377\376"},"recipients":[{"phone":"0912000000"}]}')"
bad ch "unknown channel" '{"id":"ch","channels":["fax"],"sms":{"text":"x"},"recipients":[{"phone":"0912000000"}]}'
bad var "{{nobody}}" '{"id":"var","channels":["sms"],"sms":{"text":"{{nobody}}"},"recipients":[{"phone":"0912000000"}]}'
bad fld "unknown field" '{"id":"fld","chanels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000000"}]}'
bad ward "unknown ward \"00070\"" '{"id":"ward","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"x"}}'
bad arr "JSON object" '[1,2,3]'
bad tpl "not closed" '{"id":"tpl","channels":["sms"],"sms":{"text":"{{name"},"recipients":[{"phone":"0912000000"}]}'
bad deep "bad JSON" "$(awk 'BEGIN{for(i=0;i<5000;i++)printf "[";for(i=0;i<5000;i++)printf "]"}')"
# 17 MB: over max_job_size (16m)
awk 'BEGIN{printf "{\"id\":\"huge\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"vars\":{\"pad\":\""; for(i=0;i<17*1024;i++) printf "%1024s", ""; printf "\"},\"recipients\":[{\"phone\":\"0912000000\"}]}"}' > "$T/huge.json"
submit "$T/huge.json" >/dev/null
echo "huge	more than the limit" >> "$T/expect"
n_bad=$((n_bad + 1))
R XADD loa:jobs '*' notjob 1 >/dev/null
n_bad=$((n_bad + 1))

wait_for 20 "all good jobs done" sh -c "for j in \$(seq 1 $i); do [ \"\$(redis-cli -s $SOCK HGET loa:job:good\$j state)\" = done ] || exit 1; done"
wait_for 20 "all dead letters" sh -c "[ \$(redis-cli -s $SOCK XLEN loa:dead) -ge $n_bad ]"
is "dead letters" "$(R XLEN loa:dead)" "$n_bad"
while IFS='	' read -r id reason; do
	st=$(job_field "$id" state)
	if [ "$id" = bj ] || [ "$id" = utf ] || [ "$id" = huge ] ||
	    [ "$id" = arr ] || [ "$id" = deep ]; then
		# unreadable JSON: filed under the entry id, not its own
		check "$id: a dead letter says '$reason'" sh -c "redis-cli -s $SOCK XRANGE loa:dead - + | grep -qF -- '$reason'"
		continue
	fi
	is "$id rejected" "$st" rejected
	check "$id: reason '$reason'" sh -c "redis-cli -s $SOCK HGET loa:job:$id error | grep -qF -- '$reason'"
done < "$T/expect"
check "entry without a job field" sh -c "redis-cli -s $SOCK XRANGE loa:dead - + | grep -q 'no \"job\" field'"
multi=$(R EVAL "local n = 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  for k = 1, #e[2], 2 do
    if e[2][k] == 'error' and string.find(e[2][k + 1], '\n') then n = n + 1 end
  end
end
return n" 1 loa:dead)
is "dead-letter reasons are one line each" "$multi" 0
huge_len=$(R XRANGE loa:dead - + | awk 'length($0) > 4000 && length($0) < 5000' | wc -l)
is "an oversized job is kept truncated" "$huge_len" 1
is "every good job delivered once" "$(grep -c '"job":"good' "$T/console.out")" "$i"
check "daemon still running" kill -0 "$(cat "$T/a.pid")"
is "ingest stream emptied" "$(R XLEN loa:jobs)" 0
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
