#!/bin/sh
# t_overview.sh -- the overview (issue 14, point 4): "loactl status"
# without an id, "loactl jobs", GET /v1/status and GET /v1/jobs, the
# daemon registry (two daemons, one stops and leaves), the job index (jobs
# done, scheduled, cancelled, rejected; newest first, filtered by state),
# a paused provider, the runtime log level; and a job POST /v1/jobs
# refuses logs its reason (point 9).
. "$(dirname "$0")/lib.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"

# conf NAME: a daemon with two console providers, "spare" to be paused.
conf() {
	write_base_conf "$1" "max_inflight = 7"
	{
		echo "token_file = $T/token"
		echo "[provider.console]"
		echo "plugin = console"
		echo "output = $T/console.out"
		echo "[provider.spare]"
		echo "plugin = console"
		echo "output = $T/spare.out"
	} >> "$T/$1.conf"
}
conf a
conf b
CTL() { $LOACTL -c "$T/a.conf" "$@"; }
iso() { date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
jqe() { jq -e "$@" >/dev/null 2>&1; }

start_redis || exit 1
# A job of a version before the job index: indexed once, at start.
R HSET loa:job:old state done total 1 sent 1 priority bulk \
    created_at 2020-01-02T03:04:05.678Z >/dev/null
start_loa a || { cat "$T/a.out"; exit 1; }
start_loa b || { cat "$T/b.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer $TOKEN"
req() {
	local p
	p=$1
	shift
	curl -s -o "$T/body" -w '%{http_code}' --max-time 15 "$@" "$URL$p"
}

CTL provider pause spare >/dev/null
is "provider pause exits 0" $? 0

# Jobs in several states, one at a time so that their order is known.
gen_job d1 2
submit "$T/d1.json" >/dev/null
check "d1 done" wait_for 15 "d1 done" state_is d1 done
later=$(($(date +%s) + 3600))
for id in s1 c1; do
	printf '{"id":"%s","send_at":"%s","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001"}]}' \
	    "$id" "$(iso $later)" > "$T/$id.json"
	submit "$T/$id.json" >/dev/null
	check "$id scheduled" wait_for 10 "$id scheduled" state_is $id scheduled
	sleep 0.01
done
CTL cancel c1 >/dev/null
check "c1 cancelled" wait_for 10 "c1 cancelled" state_is c1 cancelled
printf '{"id":"r1","channels":["fax"],"recipients":[]}' > "$T/r1.json"
submit "$T/r1.json" >/dev/null
check "r1 rejected" wait_for 10 "r1 rejected" state_is r1 rejected

# loactl status without an id.
check "both daemons registered" wait_for 10 "registry" \
    sh -c "[ \$(redis-cli -s '$SOCK' SCARD loa:daemons) -eq 2 ]"
CTL status > "$T/status.txt" 2> "$T/status.err"
is "status exits 0" $? 0
check "status: daemon a, its pid and load" grep -q \
    "^daemon    a  host .*  pid $(cat "$T/a.pid")  version [0-9.]*  load 0/7 " \
    "$T/status.txt"
check "status: daemon b" grep -q "^daemon    b  host .* pid $(cat "$T/b.pid") " \
    "$T/status.txt"
check "status: ingest queue" grep -q "^queue ingest    entries 0  pending 0$" \
    "$T/status.txt"
check "status: normal work queue" grep -q "^queue normal    entries [0-9]*  pending [0-9]*$" \
    "$T/status.txt"
check "status: one scheduled" grep -q "^queue scheduled 1$" "$T/status.txt"
check "status: one dead letter" grep -q "^queue dead      1$" "$T/status.txt"
check "status: jobs by state" grep -q \
    "^jobs      scheduled 1 expanding 0 sending 0 done 2 cancelled 1 rejected 1 awaiting_approval 0 rejected_by_approver 0 expired 0$" \
    "$T/status.txt"
check "status: spare paused" grep -q "^provider  spare  *PAUSED since " "$T/status.txt"
check "status: console active" grep -q "^provider  console  *active$" "$T/status.txt"
check "status: circuits of both daemons" sh -c \
    "grep -c '^          daemon [ab] circuit closed' '$T/status.txt' | grep -qx 4"
[ "$FAIL" -eq 0 ] || cat "$T/status.txt" "$T/status.err"

CTL status --json > "$T/status.json"
is "status --json exits 0" $? 0
check "json: two daemons, names and pids" jqe --argjson pa "$(cat "$T/a.pid")" \
    '[.daemons[] | .consumer] == ["a","b"] and .daemons[0].pid == $pa and
     .daemons[0].max_inflight == 7 and (.daemons[0].version | length > 0)' \
    "$T/status.json"
check "json: queues" jqe '.queues.ingest == {"entries":0,"pending":0} and
     .queues.scheduled == 1 and .queues.dead == 1 and
     (.queues.work | keys) == ["bulk","normal","urgent"]' "$T/status.json"
check "json: jobs by state" jqe \
    '.jobs == {"done":2,"scheduled":1,"cancelled":1,"rejected":1}' "$T/status.json"
check "json: providers" jqe '[.providers[] | [.name, .paused]] ==
     [["console",false],["spare",true]] and
     ([.providers[0].circuits[] | .daemon] == ["a","b"])' "$T/status.json"

# loactl jobs.
CTL jobs > "$T/jobs.txt"
is "jobs exits 0" $? 0
is "jobs: newest first" "$(awk 'NR > 1 { print $1 }' "$T/jobs.txt" | tr '\n' ' ')" \
    "r1 c1 s1 d1 old "
check "jobs: d1's line" grep -q "^d1  *done  *normal  *[0-9T:.+-]* *2 *2 " "$T/jobs.txt"
is "jobs --state scheduled" "$(CTL jobs --state scheduled | awk 'NR > 1 { print $1 }')" s1
is "jobs --limit 2" "$(CTL jobs --limit 2 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "r1 c1 "
CTL jobs --json > "$T/jobs.json"
check "jobs --json: ids, states" jqe \
    '[.[] | [.job, .state]] == [["r1","rejected"],["c1","cancelled"],["s1","scheduled"],["d1","done"],["old","done"]]
     and .[3].total == 2 and .[3].sent == 2 and (.[3] | has("entry"))' "$T/jobs.json"
CTL jobs --state nosuch 2> "$T/err" >/dev/null
is "jobs --state nosuch exits 2" $? 2
check "and lists the states" grep -q "want one of scheduled, expanding, sending, done, cancelled, rejected" "$T/err"
CTL jobs --limit 0 2>/dev/null >/dev/null
is "jobs --limit 0 exits 2" $? 2
CTL status d1 | grep -q "^state     done$"
is "status ID still works" $? 0

# A job whose hash expired leaves the index.
R DEL loa:job:s1 >/dev/null
is "expired job not listed" "$(CTL jobs | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "r1 c1 d1 old "
is "and trimmed from the index" "$(R ZSCORE loa:index:jobs s1)" ""

# What Redis holds is escaped: a circuit field with an ESC sequence.
ESC=$(printf '\033')
R HSET loa:provider:console "circuit:ev${ESC}[2Jil" "closed 1 $(($(date +%s) * 1000))" >/dev/null
CTL status > "$T/status2.txt"
check "status: the odd daemon name shown" grep -q "daemon ev.*il circuit closed" "$T/status2.txt"
check "status: no raw ESC" sh -c "! grep -q '$ESC' '$T/status2.txt'"

# HTTP.
is "GET /v1/status without token 401" "$(req /v1/status)" 401
is "GET /v1/jobs without token 401" "$(req /v1/jobs)" 401
is "GET /v1/status 200" "$(req /v1/status -H "$AUTH")" 200
check "/v1/status: no raw ESC" sh -c "! grep -q '$ESC' '$T/body'"
check "/v1/status: the name intact in JSON" jqe \
    '[.providers[0].circuits[] | .daemon] | index("ev\u001b[2Jil") != null' "$T/body"
check "/v1/status is loactl's JSON" jqe \
    '[.daemons[] | .consumer] == ["a","b"] and .queues.dead == 1 and
     .jobs.done == 2 and .providers[1].paused == true' "$T/body"
is "GET /v1/jobs 200" "$(req /v1/jobs -H "$AUTH")" 200
check "/v1/jobs newest first" jqe '[.[] | .job] == ["r1","c1","d1","old"]' "$T/body"
is "GET /v1/jobs?state=done 200" "$(req '/v1/jobs?state=done&limit=5' -H "$AUTH")" 200
check "/v1/jobs?state=done" jqe '[.[] | .job] == ["d1","old"] and .[0].sent == 2' "$T/body"
is "GET /v1/jobs?limit=1" "$(req '/v1/jobs?limit=1' -H "$AUTH"; jq -r '.[].job' "$T/body")" "200r1"
is "bad state 400" "$(req '/v1/jobs?state=nosuch' -H "$AUTH")" 400
check "bad state: message" jqe '.error | test("^state: want one of")' "$T/body"
is "limit 1001 400" "$(req '/v1/jobs?limit=1001' -H "$AUTH")" 400
check "bad limit: message" jqe '.error == "limit: want 1 to 1000"' "$T/body"
is "unknown parameter 400" "$(req '/v1/jobs?ward=1' -H "$AUTH")" 400

# A job POST /v1/jobs refuses logs why, and from where.
is "refused job 400" "$(req /v1/jobs -H "$AUTH" --data-binary \
    '{"id":"x1","audience":{"wards":["99999"]},"channels":["sms"],"sms":{"text":"x"}}')" 400
why=$(jq -r .error "$T/body")
check "the log has the job, the client and the reason" wait_for 5 "reject line" \
    grep -qF "job x1: rejected from 127.0.0.1: $why" "$T/a.out"
is "unparsable job 400" "$(req /v1/jobs -H "$AUTH" --data-binary '{"id":"x2","channels":')" 400
check "logged without an id" wait_for 5 "reject line" \
    grep -q "job rejected from 127.0.0.1: bad JSON" "$T/a.out"

# A rejection reason that quotes a number shaped like a phone (here a
# ward code) reaches API clients masked, as loactl shows it.
R XADD loa:jobs '*' job '{"id":"x3","audience":{"wards":["84912345678"]},"channels":["sms"],"sms":{"text":"x"}}' >/dev/null
wait_for 10 "x3 rejected" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:x3 state)\" = rejected ]"
check "the stored reason has the number" sh -c "redis-cli -s '$SOCK' HGET loa:job:x3 error | grep -q 84912345678"
is "GET /v1/jobs/x3 200" "$(req /v1/jobs/x3 -H "$AUTH")" 200
check "GET /v1/jobs/x3: the number masked" jqe '(.error | test("8491\\*+678")) and (.error | contains("84912345678") | not)' "$T/body"
is "GET /v1/jobs?state=rejected 200" "$(req '/v1/jobs?state=rejected' -H "$AUTH")" 200
check "the listing masks it too" sh -c "! grep -q 84912345678 '$T/body' && grep -q x3 '$T/body'"

# The runtime log level.
is "log-level unset" "$(CTL log-level)" "default (each daemon's command line)"
CTL log-level loud 2>/dev/null
is "log-level loud exits 2" $? 2
CTL log-level debug >/dev/null
is "log-level debug exits 0" $? 0
is "log-level shows it" "$(CTL log-level)" debug
check "daemon a says so" wait_for 5 "level line" \
    grep -q "log level debug (loactl log-level)" "$T/a.out"
check "daemon b too" wait_for 5 "level line" \
    grep -q "log level debug (loactl log-level)" "$T/b.out"
check "status shows the level" sh -c "$LOACTL -c '$T/a.conf' status | grep -q '^log level debug'"
CTL log-level default >/dev/null
check "back to the command line's" wait_for 5 "level line" \
    grep -q "log level info (of the command line)" "$T/a.out"
is "said once" "$(grep -c 'log level debug' "$T/a.out")" 1

# A daemon that stops leaves the registry at once.
stop_loa b
is "b stopped cleanly" $? 0
is "one daemon left" "$(CTL status --json | jq -c '[.daemons[] | .consumer]')" '["a"]'
is "b's hash gone" "$(R EXISTS loa:daemon:b)" 0

# One that dies leaves when its entry expires (three beats, 15 s).
conf c
start_loa c || cat "$T/c.out"
check "c registered" wait_for 10 "c in the registry" \
    sh -c "$LOACTL -c '$T/a.conf' status | grep -q '^daemon    c '"
stop_loa c KILL
check "a killed daemon leaves the overview" wait_for 20 "c gone" \
    sh -c "[ \"\$($LOACTL -c '$T/a.conf' status --json | jq -c '[.daemons[] | .consumer]')\" = '[\"a\"]' ]"

stop_loa a
done_testing
