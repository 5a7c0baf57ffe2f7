#!/bin/sh
# t_approval.sh -- two-person approval (issue 15): [approval] required =
# never | district | all | always, min_recipients, urgent = bypass |
# approve, expire; a held job sends nothing, survives a restart of the
# daemon, is approved by someone other than its submitter (loactl
# approve, POST /v1/jobs/<id>/approve) and then sent, or rejected with a
# reason (loactl reject, POST /v1/jobs/<id>/reject) or expires; loactl
# --as USER with the password on stdin (role, scope, wrong password);
# POST /v1/jobs/<id>/retry.  Allowed and refused callers for each.
. "$(dirname "$0")/lib.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
ME=cli:$(whoami)

# conf REQUIRED MIN URGENT: daemon a with that [approval] policy.
conf() {
	write_base_conf a
	{
		echo "token_file = $T/token"
		echo "[provider.console]"
		echo "plugin = console"
		echo "output = $T/console.out"
		echo "[approval]"
		echo "required = $1"
		echo "min_recipients = $2"
		echo "urgent = $3"
		echo "expire = 2h"
	} >> "$T/a.conf"
}
# restart REQUIRED MIN URGENT: daemon a again, with that policy.
restart() {
	stop_loa a
	conf "$@"
	: > "$T/a.out"
	start_loa a || { cat "$T/a.out"; exit 1; }
	PORT=$(http_port a)
	URL=http://127.0.0.1:$PORT
}
CTL() { $LOACTL -c "$T/a.conf" "$@"; }
AUTH="Authorization: Bearer $TOKEN"
req() {	# req METHOD PATH [curl args]: the status; the body in $T/body
	local m p
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' --max-time 15 -X "$m" "$@" "$URL$p"
}
body() { jq -r "$1" "$T/body" 2>/dev/null; }
# job ID AUDIENCE [PRIORITY]: a job file $T/ID.json for an audience
job() {
	printf '{"id":"%s","priority":"%s","channels":["sms"],"sms":{"text":"Kính gửi {{name}}"},"audience":%s}' \
	    "$1" "${3:-normal}" "$2" > "$T/$1.json"
}
# xadd ID [BY]: the job straight into the ingest stream, with "by" BY
xadd() {
	if [ -n "${2:-}" ]; then
		redis-cli -s "$SOCK" -x XADD loa:jobs '*' by "$2" job < "$T/$1.json" >/dev/null
	else
		submit "$T/$1.json" >/dev/null
	fi
}
held() { wait_for 10 "$1 awaiting approval" state_is "$1" awaiting_approval; }
# pwhash PASSWORD: an Argon2id string, as libsodium's crypto_pwhash_str
pwhash() {
	python3 -c '
import ctypes, sys
s = ctypes.CDLL("libsodium.so.23"); s.sodium_init()
s.crypto_pwhash_opslimit_interactive.restype = ctypes.c_size_t
s.crypto_pwhash_memlimit_interactive.restype = ctypes.c_size_t
o = ctypes.create_string_buffer(128)
s.crypto_pwhash_str(o, sys.argv[1].encode(), ctypes.c_ulonglong(len(sys.argv[1])),
    ctypes.c_ulonglong(s.crypto_pwhash_opslimit_interactive()),
    ctypes.c_size_t(s.crypto_pwhash_memlimit_interactive()))
print(o.value.decode())' "$1"
}

start_redis || exit 1
dir_wards
dir_resident r1 00070 0912000001 name An
dir_resident r2 00004 0912000002 name Binh
dir_resident r3 00008 0912000003 name Cuc
conf district 0 bypass
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT

# --- required = district ------------------------------------------------
job w1 '{"wards":["00070"]}'
CTL send "$T/w1.json" >/dev/null
check "district: a ward audience is sent at once" wait_sent w1 1 15
is "... submitted by the loactl user" "$(job_field w1 submitted_by)" "$ME"

job d1 '{"districts":["Ba Đình"]}'
CTL send "$T/d1.json" > "$T/send.out"
is "district: loactl send of a district audience exits 0" $? 0
check "... it awaits approval" held d1
is "... submitted by $ME" "$(job_field d1 submitted_by)" "$ME"
check "... with a deadline about 2h away" sh -c "
	d=\$(date -d \"\$(redis-cli -s '$SOCK' HGET loa:job:d1 approval_deadline)\" +%s)
	n=\$(date +%s); [ \$((d - n)) -gt 7100 ] && [ \$((d - n)) -le 7200 ]"
sleep 1.5
is "... nothing sent while it waits" "$(sent_lines d1)" 0
CTL approve d1 > "$T/out" 2> "$T/err"
is "the submitter may not approve it (loactl, exit 1)" $? 1
check "... and is told why" grep -q "d1: $ME submitted it; another person must approve it" "$T/err"
is "... still waiting" "$(job_field d1 state)" awaiting_approval
is "GET /v1/jobs/d1 shows it awaiting" "$(req GET /v1/jobs/d1 -H "$AUTH") $(body .state) $(body .submitted_by)" \
    "200 awaiting_approval $ME"
is "GET /v1/jobs?state=awaiting_approval lists it" \
    "$(req GET '/v1/jobs?state=awaiting_approval' -H "$AUTH") $(body '[.[].job] | join(",")')" "200 d1"
is "approve without a token: 401" "$(req POST /v1/jobs/d1/approve)" 401
is "approve with a wrong token: 401 (no valid credentials)" "$(req POST /v1/jobs/d1/approve -H 'Authorization: Bearer nope-nope-nope-nope')" 401
is "GET on approve: 405" "$(req GET /v1/jobs/d1/approve -H "$AUTH")" 405
is "an unknown job: 404" "$(req POST /v1/jobs/nope/approve -H "$AUTH")" 404
is "a bad job id: 400" "$(req POST '/v1/jobs/a:b/approve' -H "$AUTH")" 400
is "still waiting after the refusals" "$(job_field d1 state)" awaiting_approval
is "the admin token approves it: 200" "$(req POST /v1/jobs/d1/approve -H "$AUTH")" 200
is "... answers its state and approver" "$(body .state) $(body .approved_by)" "expanding admin"
check "... and it is sent to both Ba Đình residents" wait_sent d1 2 15
is "... approved_by is kept" "$(job_field d1 approved_by)" admin
is "approving it again: 409" "$(req POST /v1/jobs/d1/approve -H "$AUTH") $(body .error)" \
    "409 not awaiting approval (done)"
check "the audit trail has the approval" sh -c \
    "redis-cli -s '$SOCK' XRANGE loa:audit - + | tr '\n' ' ' | grep -q 'actor admin action approve target d1 from 127.0.0.1'"
CTL approve d1 2> "$T/err"
is "loactl approve of a job not awaiting: exit 1" $? 1
check "... saying so" grep -q "d1: not awaiting approval (done)" "$T/err"

# submitted over HTTP (by admin): admin may not approve it, loactl may
job a1 '{"all":true}'
is "POST /v1/jobs of an all audience: 202" "$(req POST /v1/jobs -H "$AUTH" --data-binary @"$T/a1.json")" 202
check "... awaits approval" held a1
is "... submitted by admin" "$(job_field a1 submitted_by)" admin
is "its submitter approving over HTTP: 403" "$(req POST /v1/jobs/a1/approve -H "$AUTH")" 403
is "rejecting it over HTTP: 403 too" "$(req POST /v1/jobs/a1/reject -H "$AUTH" -d '{"reason":"x"}')" 403
CTL approve a1 > "$T/out"
is "loactl (another person) approves it: exit 0" $? 0
check "... saying so" grep -q "job a1 approved by $ME: expanding" "$T/out"
check "... sent to all three" wait_sent a1 3 15

# urgent = bypass: an urgent all is sent at once
job u1 '{"all":true}' urgent
xadd u1
check "urgent = bypass: an urgent all is sent at once" wait_sent u1 3 15
is "... submitted by stream (no by field)" "$(job_field u1 submitted_by)" stream

# reject
job x1 '{"districts":["Hoàn Kiếm"]}'
xadd x1
check "x1 awaits approval" held x1
is "reject without a body: 400" "$(req POST /v1/jobs/x1/reject -H "$AUTH")" 400
is "reject with an empty reason: 400" "$(req POST /v1/jobs/x1/reject -H "$AUTH" -d '{"reason":""}')" 400
is "reject with a two-line reason: 400" "$(req POST /v1/jobs/x1/reject -H "$AUTH" -d '{"reason":"a\nb"}')" 400
is "reject without a token: 401" "$(req POST /v1/jobs/x1/reject -d '{"reason":"x"}')" 401
CTL reject x1 2> "$T/err"
is "loactl reject without --reason: exit 2" $? 2
CTL reject x1 --reason "$(printf 'a\033[2Jb')" 2> "$T/err"
is "loactl reject with an escape in the reason: exit 2" $? 2
is "still waiting" "$(job_field x1 state)" awaiting_approval
is "reject with a reason: 200" "$(req POST /v1/jobs/x1/reject -H "$AUTH" -d '{"reason":"Sai ngày họp"}') $(body .state) $(body .rejected_by)" \
    "200 rejected_by_approver admin"
is "... the job is over, with who and why" \
    "$(R HMGET loa:job:x1 state rejected_by reject_reason | tr '\n' '|')" "rejected_by_approver|admin|Sai ngày họp|"
is "... GET /v1/jobs/x1 shows the reason" "$(req GET /v1/jobs/x1 -H "$AUTH") $(body .reject_reason)" "200 Sai ngày họp"
check "... audited with the reason" sh -c \
    "redis-cli -s '$SOCK' XRANGE loa:audit - + | tr '\n' ' ' | grep -q 'action reject target x1 from 127.0.0.1 detail Sai ngày họp'"
sleep 1
is "... nothing was sent" "$(sent_lines x1)" 0
is "rejecting it again: 409" "$(req POST /v1/jobs/x1/reject -H "$AUTH" -d '{"reason":"x"}')" 409

# loactl --as USER, the password on stdin
R HSET loa:user:bob role approver wards 00070 pw "$(pwhash bob-pw)" disabled 0 >/dev/null
R HSET loa:user:carol role approver wards all pw "$(pwhash carol-pw)" disabled 0 >/dev/null
R HSET loa:user:dave role drafter wards all pw "$(pwhash dave-pw)" disabled 0 >/dev/null
R HSET loa:user:erin role admin wards all pw "$(pwhash erin-pw)" disabled 1 >/dev/null
job x2 '{"districts":["Ba Đình"]}'
xadd x2 carol
check "x2 (by carol) awaits approval" held x2
echo bob-pw | CTL approve x2 --as bob 2> "$T/err"
is "--as bob, scope 00070 only: exit 1" $? 1
check "... outside his wards" grep -q "x2: it reaches wards outside bob's" "$T/err"
echo wrong | CTL approve x2 --as carol 2> "$T/err"
is "--as carol, wrong password: exit 1" $? 1
check "... said without the password" sh -c "grep -q 'wrong password' '$T/err' && ! grep -q wrong-pw '$T/err'"
echo nobody-pw | CTL approve x2 --as nobody 2> "$T/err"
is "--as an unknown user: exit 1, the same words" "$? $(grep -c 'wrong password, or the account is unknown' "$T/err")" "1 1"
echo erin-pw | CTL approve x2 --as erin 2> "$T/err"
is "--as a disabled admin: exit 1" $? 1
echo dave-pw | CTL approve x2 --as dave 2> "$T/err"
is "--as a drafter: exit 1" "$? $(grep -c 'only an approver or an admin' "$T/err")" "1 1"
echo carol-pw | CTL approve x2 --as carol 2> "$T/err"
is "--as carol, its submitter: exit 1" "$? $(grep -c 'carol submitted it' "$T/err")" "1 1"
CTL approve x2 --as 'a:b' < /dev/null 2> "$T/err"
is "--as a bad name: exit 2" $? 2
is "x2 still waits" "$(job_field x2 state)" awaiting_approval
R HSET loa:user:bob wards 00004,00008 >/dev/null
echo bob-pw | CTL reject x2 --as bob --reason "Trùng lịch" > "$T/out"
is "--as bob, now covering Ba Đình, rejects: exit 0" $? 0
is "... rejected by bob" "$(R HMGET loa:job:x2 state rejected_by reject_reason | tr '\n' '|')" \
    "rejected_by_approver|bob|Trùng lịch|"

# cancel a held job; expiry (the cron sweeps the approvals set)
job x3 '{"districts":["Ba Đình"]}'
xadd x3
job x4 '{"districts":["Ba Đình"]}'
xadd x4
check "x3, x4 await approval" sh -c "$(command -v redis-cli) -s '$SOCK' ZCARD loa:approvals | grep -qx 2"
CTL cancel x3 >/dev/null
is "a held job may be cancelled" "$(job_field x3 state) $(R ZSCORE loa:approvals x3)" "cancelled "
R ZADD loa:approvals 1 x4 >/dev/null
check "a job past its approval deadline expires" wait_for 10 "x4 expired" state_is x4 expired
is "... not approved in time" "$(job_field x4 error)" "not approved in time"
is "... approving it now: 409" "$(req POST /v1/jobs/x4/approve -H "$AUTH")" 409

# a restart while a job awaits approval
job x5 '{"all":true}'
xadd x5 "$ME"
check "x5 awaits approval" held x5
restart district 0 bypass
is "after a restart x5 still awaits approval" "$(job_field x5 state)" awaiting_approval
sleep 1
is "... and nothing was sent" "$(sent_lines x5)" 0
is "retry of a job not finished (awaiting): 409" "$(req POST /v1/jobs/x5/retry -H "$AUTH")" 409
is "approved after the restart: 200" "$(req POST /v1/jobs/x5/approve -H "$AUTH")" 200
check "... and sent" wait_sent x5 3 15

# retry over HTTP: a finished job's failed recipient is sent again
R HSET loa:job:a1:out r1 failed:sms >/dev/null
R HINCRBY loa:job:a1 failed 1 >/dev/null
is "retry without a token: 401" "$(req POST /v1/jobs/a1/retry)" 401
is "retry of an unknown job: 404" "$(req POST /v1/jobs/nope/retry -H "$AUTH")" 404
is "retry of a1: 200, one recipient" "$(req POST /v1/jobs/a1/retry -H "$AUTH") $(body .retried)" "200 1"
check "... sent again" wait_sent a1 4 15
check "... and done" wait_for 10 "a1 done" state_is a1 done

# --- required = never, min_recipients = 3 -------------------------------
restart never 3 bypass
job n1 '{"districts":["Ba Đình"]}'
xadd n1
check "never: a district audience of 2 is sent" wait_sent n1 2 15
job n2 '{"all":true}'
xadd n2
check "min_recipients 3: an audience of 3 residents waits" held n2
gen_job n3 3
xadd n3
check "min_recipients 3: 3 explicit recipients wait" held n3
gen_job n4 2
xadd n4
check "... 2 are sent" wait_sent n4 2 15

# --- required = all ---------------------------------------------------------
restart all 0 bypass
job l1 '{"districts":["Ba Đình"]}'
xadd l1
check "all: a district audience is sent" wait_sent l1 2 15
job l2 '{"all":true}'
xadd l2
check "all: the audience all waits" held l2

# --- required = always, urgent = approve ----------------------------------
restart always 0 approve
gen_job v1 1
xadd v1
check "always: one recipient waits" held v1
job v2 '{"wards":["00070"]}' urgent
xadd v2
check "urgent = approve: an urgent job waits too" held v2
restart always 0 bypass
job v3 '{"wards":["00070"]}' urgent
xadd v3
check "always, urgent = bypass: an urgent job is sent" wait_sent v3 1 15

stop_loa a
done_testing
