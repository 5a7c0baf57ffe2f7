#!/bin/sh
# h_keys.sh -- no job id, ward code or recipient ward can name another
# object's Redis key.  Replays issue 12's finding 1 (vA:out writing into
# job vA's outcomes, vG:spec then vG, vE:spec after vE, a ward code
# 90001:residents), then a seeded sweep of odd ids through the stream,
# the API and loactl, and finally walks every key in Redis: each must be
# one of the documented shapes, with a name of the documented rule.
#   H_KEYS_SEED=N sh tests/hostile/run.sh h_keys     replays one sweep
. "$(dirname "$0")/../integration/lib.sh"

SEED=${H_KEYS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# seed $SEED (H_KEYS_SEED=$SEED replays)"
TOKEN=t0k-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
write_conf a
sed -i "s|^listen = .*|&\ntoken_file = $T/token|" "$T/a.conf"

start_redis || exit 1
make_directory 2 3 >/dev/null
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT

# job ID [AUDIENCE]: a job file $T/job.json; explicit recipients unless
# AUDIENCE (JSON) is given.
job() {
	if [ $# -gt 1 ]; then
		jq -cn --arg id "$1" --argjson a "$2" \
		    '{id: $id, channels: ["sms"], sms: {text: "x"}, audience: $a}'
	else
		jq -cn --arg id "$1" '{id: $id, channels: ["sms"], sms: {text: "x"},
		    recipients: [{phone: "0912000001", ward: "W0000"},
		    {phone: "0912000002", ward: "W0001"}]}'
	fi > "$T/job.json"
}
dead_count() { R XLEN loa:dead; }
# final ID: the job reached an end state
final() { case "$(job_field "$1" state)" in done|rejected|cancelled|expired) return 0;; esac; return 1; }
outs() { R HLEN "loa:job:$1:out"; }

# --- Finding 1 as reported ---------------------------------------------
job vA
submit "$T/job.json" >/dev/null
wait_for 10 "vA done" state_is vA done
is "vA: 2 outcome entries" "$(outs vA)" 2
for sfx in out spec wards phones; do
	d0=$(dead_count)
	job "vA:$sfx"
	submit "$T/job.json" >/dev/null
	wait_for 5 "vA:$sfx dead-lettered" sh -c "[ \$(redis-cli -s '$SOCK' XLEN loa:dead) -gt $d0 ]"
	check "vA:$sfx is rejected with the id rule" sh -c \
	    "redis-cli -s '$SOCK' XREVRANGE loa:dead + - COUNT 1 | grep -q 'id: want 1 to 128'"
done
is "vA keeps its 2 outcome entries" "$(outs vA)" 2
is "vA total is still 2" "$(job_field vA total)" 2
is "vA still done" "$(job_field vA state)" done

# vG:spec first, then vG: vG runs as any job.
job "vG:spec"
submit "$T/job.json" >/dev/null
job vG
submit "$T/job.json" >/dev/null
wait_for 10 "vG done" state_is vG done
is "vG sent both" "$(job_field vG sent)" 2
check "no WRONGTYPE anywhere in the log" sh -c "! grep -q WRONGTYPE '$T/a.out'"

# A ward code naming a ward's resident set: refused at once, not stuck.
for aud in '{"wards":["W0000:residents"]}' '{"wards":["W0000\n:x"]}' '{"wards":["*"]}'; do
	d0=$(dead_count)
	job "w$d0" "$aud"
	submit "$T/job.json" >/dev/null
	wait_for 5 "ward $aud dead-lettered" sh -c "[ \$(redis-cli -s '$SOCK' XLEN loa:dead) -gt $d0 ]"
	check "ward code $aud: rejected with the rule" sh -c \
	    "redis-cli -s '$SOCK' XREVRANGE loa:dead + - COUNT 1 | grep -q 'want a ward code of'"
done
d0=$(dead_count)
jq -cn '{id: "wr", channels: ["sms"], sms: {text: "x"},
    recipients: [{phone: "0912000001", ward: "W0000:residents"}]}' > "$T/job.json"
submit "$T/job.json" >/dev/null
wait_for 5 "recipient ward dead-lettered" sh -c "[ \$(redis-cli -s '$SOCK' XLEN loa:dead) -gt $d0 ]"
check "a recipient's ward code with ':' is rejected" sh -c \
    "redis-cli -s '$SOCK' XREVRANGE loa:dead + - COUNT 1 | grep -q 'ward: want a ward code'"
is "W0000's resident set is untouched" "$(R SCARD loa:ward:W0000:residents)" 3
is "and still a set" "$(R TYPE loa:ward:W0000:residents)" set

# The API: 400 for such ids, on submit and on read; nothing internal.
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 -X POST \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$T/job.json" "$URL/v1/jobs")
is "POST of a job whose recipient ward has ':' is 400" "$code" 400
job "vA:out"
code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 -X POST \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$T/job.json" "$URL/v1/jobs")
is "POST of id vA:out is 400" "$code" 400
check "and says the rule" grep -q 'want 1 to 128' "$T/body"
for p in vA:out vA:phones vA:spec vA%3Aout; do
	code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 \
	    -H "Authorization: Bearer $TOKEN" "$URL/v1/jobs/$p")
	is "GET /v1/jobs/$p is 400" "$code" 400
	check "GET /v1/jobs/$p names no phone" sh -c "! grep -q '09120000\|8491200' '$T/body'"
done

# loactl refuses such ids as bad usage, before Redis.
for c in status report cancel retry; do
	$LOACTL -c "$T/a.conf" $c vA:out >"$T/ctl.out" 2>"$T/ctl.err"
	is "loactl $c vA:out exits 2" "$?" 2
	check "loactl $c vA:out says the rule" grep -q 'a job ID is 1 to 128' "$T/ctl.err"
done
is "vA still has its 2 outcomes after all that" "$(outs vA)" 2

# --- A seeded sweep of odd ids -------------------------------------------
# 60 ids from an alphabet of valid and hostile characters, 1 to 140
# bytes; valid ones (by the rule, computed here independently) must run
# as their own job, the others must be rejected.  Ids are also given as
# suffixes of the valid ones, to aim at their keys.
awk -v seed="$SEED" 'BEGIN {
	srand(seed)
	n = split("a b Z 0 9 - _ . : : { } * ? / % \\\\ | $ # @ ~ = ,", al, " ")
	for (i = 0; i < 60; i++) {
		if (i % 5 == 4 && prev != "") {
			split("out spec wards phones residents", s, " ")
			print prev ":" s[int(rand() * 5) + 1]
			continue
		}
		len = int(rand() * rand() * 140) + 1
		hostile = rand() < 0.5 ? 0.1 : 0
		id = ""
		for (j = 0; j < len; j++) {
			c = (rand() >= hostile) ? substr("abcxyzABC0123456789-_.", int(rand() * 22) + 1, 1) : al[int(rand() * n) + 1]
			id = id c
		}
		print id
		prev = id
	}
}' > "$T/ids"
valid=0
invalid=0
: > "$T/valid"
d0=$(dead_count)
while IFS= read -r id; do
	if printf '%s' "$id" | grep -Eq '^[A-Za-z0-9._-]{1,128}$'; then
		# A valid id may repeat an earlier one: that is the documented no-op.
		grep -qxF -- "$id" "$T/valid" || { valid=$((valid + 1)); printf '%s\n' "$id" >> "$T/valid"; }
	else
		invalid=$((invalid + 1))
	fi
	job "$id"
	submit "$T/job.json" >/dev/null
done < "$T/ids"
echo "# $valid valid and $invalid invalid ids"
wait_for 20 "every valid id final" sh -c "
	while IFS= read -r id; do
		s=\$(redis-cli -s '$SOCK' HGET \"loa:job:\$id\" state)
		[ \"\$s\" = done ] || exit 1
	done < '$T/valid'"
check "every valid id ran as its own job" test "$?" -eq 0
wait_for 10 "every invalid id dead-lettered" sh -c \
    "[ \$(redis-cli -s '$SOCK' XLEN loa:dead) -ge $((d0 + invalid)) ]"
is "exactly the invalid ids were dead-lettered" "$(( $(dead_count) - d0 ))" "$invalid"
bad=0
while IFS= read -r id; do
	[ "$(outs "$id")" = 2 ] && [ "$(job_field "$id" total)" = 2 ] || { echo "# $id: $(outs "$id") outcomes, total $(job_field "$id" total)"; bad=$((bad + 1)); }
done < "$T/valid"
is "each valid job has its own 2 outcomes, no more" "$bad" 0

# --- Every key in Redis has a documented shape ----------------------------
N='[A-Za-z0-9._-]{1,128}'
R --scan > "$T/keys"
grep -Ev "^loa:(jobs|dead|events|optout|wards|schedule|reports:early|directory:columns|work:(urgent|normal|bulk)|job:$N(:(out|spec|wards|phones|why))?|ward:$N(:residents)?|resident:$N|provider:$N|rate:$N|cred:$N|msgid:$N:.+|index:jobs(:backfilled)?|daemons|daemon:$N|log_level|phone:[0-9]{1,20}:residents|audit|users|user:$N|tokens|token:$N|(tokendigest|session|login:addr):[0-9a-f]{64})\$" "$T/keys" > "$T/odd"
is "no key outside the documented shapes" "$(wc -l < "$T/odd" | tr -d ' ')" 0
head -5 "$T/odd" | sed 's/^/# odd key: /'
for k in $(grep -E "^loa:job:$N\$" "$T/keys"); do
	[ "$(R TYPE "$k")" = hash ] || echo "# $k is a $(R TYPE "$k")"
done > "$T/types"
is "every loa:job:<id> is a hash" "$(wc -l < "$T/types" | tr -d ' ')" 0
check "the daemon is still up" kill -0 "$(cat "$T/a.pid")"
stop_loa a
done_testing
