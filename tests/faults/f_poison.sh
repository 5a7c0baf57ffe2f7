#!/bin/sh
# f_poison.sh -- scenario 7: poison jobs mixed into a stream of good ones.
# Each poison (bad JSON, 10 MB, bad UTF-8 of several kinds, deep nesting,
# unknown ward or district, undefined or unclosed template variables, not
# an object, no job field, ...) is dead-lettered in loa:dead with a one-
# line reason, found by its stream entry.  The good jobs around them
# (ward audiences, one ward each) are delivered as if nothing happened.
# A template "loop" (variables whose values hold {{...}}) is valid: values
# are inserted as they are and never expanded again (README, Templates),
# so it is sent once per resident with the braces as written.
. "$(dirname "$0")/lib-faults.sh"

NW=24
PER=50
fault_start $((NW * PER)) $NW
fault_daemons a
ward() { sed -n "$(($1 + 2))p" "$T/wards.csv" | cut -d, -f1; }

k=0
good() {
	printf '{"id":"good-%d","audience":{"wards":["%s"]},"channels":["sms"],"sms":{"text":"Thông báo số %d cho {{name}}"}}' \
	    $k "$(ward $k)" $k > "$T/good-$k.json"
	submit "$T/good-$k.json" >/dev/null
	k=$((k + 1))
}
# poison REASON: the job in $T/p.json, then a good job.
npoison=0
poison() {
	printf '%s\t%s\n' "$(submit "$T/p.json")" "$1" >> "$T/expect"
	npoison=$((npoison + 1))
	good
}
job() { printf '%s' "$1" > "$T/p.json"; }

good
job '{"id":"p-json","channels":["sms"],"sms":{"text":"x"},"audience":{"all":true'
poison "bad JSON"
# 10 MB of valid JSON: over max_job_size (1 MiB by default)
awk 'BEGIN { printf "{\"id\":\"p-big\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{pad}}\"},\"audience\":{\"all\":true},\"vars\":{\"pad\":\""
	for (i = 0; i < 10 * 1024; i++) printf "%1024s", ""; printf "\"}}" }' > "$T/p.json"
poison "more than the limit"
printf '{"id":"p-utf8","channels":["sms"],"sms":{"text":"Th\377\376ng b\341o"},"audience":{"all":true}}' > "$T/p.json"
poison "bad JSON"
printf '{"id":"p-overlong","channels":["sms"],"sms":{"text":"\300\257etc"},"audience":{"all":true}}' > "$T/p.json"
poison "bad JSON"
printf '{"id":"p-surrogate","channels":["sms"],"sms":{"text":"\355\240\200"},"audience":{"all":true}}' > "$T/p.json"
poison "bad JSON"
printf '{"id":"p-cut","channels":["sms"],"sms":{"text":"Th\341\273"},"audience":{"all":true}}' > "$T/p.json"
poison "bad JSON"
job '{"id":"p-lone","channels":["sms"],"sms":{"text":"\ud800x"},"audience":{"all":true}}'
poison "bad JSON"
job '{"id":"p-nul","channels":["sms"],"sms":{"text":"a\u0000b"},"audience":{"all":true}}'
poison "bad JSON"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]" }' > "$T/p.json"
poison "bad JSON"
awk 'BEGIN { printf "{\"id\":\"p-deep\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"audience\":{\"all\":true},\"vars\":"
	for (i = 0; i < 5000; i++) printf "{\"v\":"; printf "\"x\""; for (i = 0; i < 5000; i++) printf "}"; printf "}" }' > "$T/p.json"
poison "bad JSON"
job '{"id":"p-ward","channels":["sms"],"sms":{"text":"x"},"audience":{"wards":["99999"]}}'
poison "unknown ward"
job '{"id":"p-district","channels":["sms"],"sms":{"text":"x"},"audience":{"districts":["Nowhere"]}}'
poison "unknown district"
job '{"id":"p-var","channels":["sms"],"sms":{"text":"{{nobody}}"},"audience":{"all":true}}'
poison "{{nobody}}"
job '{"id":"p-open","channels":["sms"],"sms":{"text":"{{name"},"audience":{"all":true}}'
poison "not closed"
job '{"id":"p-zalo","channels":["zalo"],"zalo":{"template_id":"1","data":{"x":{"y":"{{name}}"}}},"audience":{"all":true}}'
poison "zalo.data"
job '[1,2,3]'
poison "JSON object"
job ''
poison "bad JSON"
job '{"id":"../../etc/passwd","channels":["sms"],"sms":{"text":"x"},"audience":{"all":true}}'
poison "id"
job '{"id":"p-types","channels":"sms","sms":{"text":"x"},"audience":{"all":true}}'
poison "channels"
R XADD loa:jobs '*' notjob 1 > "$T/entry" && printf '%s\tno "job" field\n' "$(cat "$T/entry")" >> "$T/expect"
npoison=$((npoison + 1))
# The "loop": {{a}} is "{{b}} {{a}}" and {{b}} is "{{a}}".
printf '{"id":"loop","audience":{"wards":["%s"]},"channels":["sms"],"sms":{"text":"{{a}}!"},"vars":{"a":"{{b}} {{a}}","b":"{{a}}"}}' \
    "$(ward 0)" > "$T/loop.json"
submit "$T/loop.json" >/dev/null
good

wait_for 60 "every good job done" sh -c "for j in \$(seq 0 $((k - 1))); do [ \"\$(redis-cli -s $SOCK HGET loa:job:good-\$j state)\" = done ] || exit 1; done"
wait_for 30 "loop done" state_is loop done
wait_for 10 "every dead letter" sh -c "[ \$(redis-cli -s $SOCK XLEN loa:dead) -ge $npoison ]"
echo "# $npoison poison jobs and $k good ones handled in $(( $(date +%s) - t0 )) s"
is "one dead letter per poison job" "$(R XLEN loa:dead)" "$npoison"
R --raw EVAL "local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  out[#out + 1] = (f.entry or '') .. '\t' .. (f.error or '') .. '\t' .. #(f.job or '')
end
return out" 1 loa:dead > "$T/dead.tsv"
while IFS='	' read -r entry reason; do
	line=$(grep "^$entry	" "$T/dead.tsv")
	err=$(printf '%s' "$line" | cut -f2)
	echo "# dead letter $entry: $err"
	case $err in
	*"$reason"*) pass "dead letter $entry says '$reason'" ;;
	*) fail "dead letter $entry says '$reason'"; echo "#   got '$err'" ;;
	esac
done < "$T/expect"
is "every reason one line, not empty" "$(awk -F'\t' 'NF != 3 || $2 == ""' "$T/dead.tsv" | wc -l)" 0
check "the 10 MB job kept cut to 4 KiB" sh -c "awk -F'\t' '\$3 > 4000 && \$3 <= 4096' '$T/dead.tsv' | grep -q ."
for id in p-json p-big p-utf8 p-ward p-district p-var p-open p-zalo p-types; do
	st=$(job_field $id state)
	case $id in
	p-ward|p-district|p-var|p-open|p-zalo|p-types) is "$id: job state rejected" "$st" rejected ;;
	*) is "$id: unreadable, nothing under its id" "$st" "" ;;
	esac
done
j=0
while [ $j -lt $k ]; do
	awk -F'\t' -v w="$(ward $j)" '$3 == w' "$T/residents.tsv" > "$T/aud.$j"
	AUDIENCE=$T/aud.$j ledger_check good-$j once
	j=$((j + 1))
done
AUDIENCE=$T/aud.0 ledger_check loop once
is "loop: sent with the braces as written" \
    "$(jq -r 'select(.data.job == "loop") | .text' "$MOCK_REC" | sort -u)" "{{b}} {{a}}!"
check "daemon still running" kill -0 "$(cat "$T/a.pid")"
is "ingest stream emptied" "$(R XLEN loa:jobs)" 0
took
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
