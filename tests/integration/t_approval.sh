#!/bin/sh
# t_approval.sh -- two-person approval (issue 15): [approval] required =
# never | district | all | always, min_recipients, urgent = bypass |
# approve, expire; a held job sends nothing, survives a restart of the
# daemon, is approved by someone other than its submitter (loactl
# approve, POST /v1/jobs/<id>/approve) and then sent, or rejected with a
# reason (loactl reject, POST /v1/jobs/<id>/reject) or expires; loactl
# --as USER with the password on stdin (role, scope, wrong password, the
# login lock); accounts (loactl user add) with a session and CSRF, and
# named tokens, over HTTP: a drafter's job approved by an approver of its
# wards, refused to its submitter, to a drafter, to an approver of other
# wards, without CSRF; POST /v1/jobs/<id>/retry within and outside the
# caller's wards.  Allowed and refused callers for each.  loactl status
# shows submitted_by, approved_by, rejected_by and reject_reason (escaped).
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
	curl -s -o "$T/body" -w '%{http_code}' --max-time $((15 * TIME_SCALE)) \
	    -X "$m" "$@" "$URL$p"
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
# login USER PASSWORD: POST /v1/session; $CK and $CSRF are its session
login() {
	req POST /v1/session -D "$T/head" --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" >/dev/null
	CK="Cookie: loa_session=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')"
	CSRF=$(body .csrf)
}
audit_has() { R XRANGE loa:audit - + | tr '\n' ' ' | grep -q -- "$1"; }
# user NAME ROLE WARDS: an account, its password "NAME password 1"
user() {
	echo "$1 password 1" | CTL user add "$1" --role "$2" $([ "$3" = all ] && echo --all || echo --wards "$3") --password-stdin >/dev/null
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
check "... and is told why" grep -q "d1: $ME: you submitted it; another person must approve it" "$T/err"
check "... audited as denied" audit_has "actor $ME action denied target d1 from local detail you submitted it"
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

# loactl status shows who submitted, approved or rejected, and why
CTL status d1 > "$T/st.out"
is "status d1: submitted and approved by" "$(grep -E '^(submitted|approved|rejected|reason) ' "$T/st.out" | tr -s ' ' | tr '\n' '|')" \
    "submitted $ME|approved admin|"
CTL status x1 > "$T/st.out"
is "status x1: submitted, rejected by, the reason" "$(grep -E '^(submitted|approved|rejected|reason) ' "$T/st.out" | tr -s ' ' | tr '\n' '|')" \
    "submitted stream|rejected admin|reason Sai ngày họp|"
is "status x1 --json: the same fields" "$(CTL status x1 --json | jq -r '[.submitted_by, .rejected_by, .reject_reason, .approved_by] | map(tostring) | join("|")')" \
    "stream|admin|Sai ngày họp|null"
# A reason from outside is escaped on the terminal, as loactl audit does.
R HSET loa:job:x1 reject_reason "$(printf 'Sai\033[2J\nngày\342\200\256x')" >/dev/null
CTL status x1 > "$T/st.out"
is "status x1: a hostile reason on one line, escaped" "$(grep '^reason ' "$T/st.out")" 'reason    Sai\x1b[2J\nngày\u202ex'
check "  no escape byte on the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$T/st.out'"
is "  --json escapes it too" "$(CTL status x1 --json | grep -c "$(printf '\033')")" 0
R HSET loa:job:x1 reject_reason "Sai ngày họp" >/dev/null

# loactl --as USER, the password on stdin: real accounts (loactl user add)
user bob approver 00070
user carol approver all
user dave drafter all
user erin admin all
CTL user disable erin >/dev/null
user frank approver 00004,00008
job x2 '{"districts":["Ba Đình"]}'
xadd x2 carol
check "x2 (by carol) awaits approval" held x2
echo 'bob password 1' | CTL approve x2 --as bob 2> "$T/err"
is "--as bob, scope 00070 only: exit 1" $? 1
check "... outside his wards" grep -q "x2: bob: the job reaches wards outside yours" "$T/err"
check "... audited as denied" audit_has "actor bob action denied target x2 from local"
echo 'wrong password 1' | CTL approve x2 --as carol 2> "$T/err"
is "--as carol, wrong password: exit 1" $? 1
check "... said without the password" sh -c "grep -q 'wrong password' '$T/err' && ! grep -q 'wrong password 1' '$T/err'"
check "... counted as a failed login" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:user:carol fails) = 1 ]"
check "... audited login_failed from local" audit_has "actor carol action login_failed target carol from local"
echo 'nobody password 1' | CTL approve x2 --as nobody 2> "$T/err"
is "--as an unknown user: exit 1, the same words" "$? $(grep -c 'wrong password, or the account is unknown' "$T/err")" "1 1"
echo 'erin password 1' | CTL approve x2 --as erin 2> "$T/err"
is "--as a disabled admin: exit 1, the same words" "$? $(grep -c 'wrong password, or the account is unknown' "$T/err")" "1 1"
echo 'dave password 1' | CTL approve x2 --as dave 2> "$T/err"
is "--as a drafter: exit 1" "$? $(grep -c 'only an approver or an admin' "$T/err")" "1 1"
check "... audited as denied" audit_has "actor dave action denied target x2"
echo 'carol password 1' | CTL approve x2 --as carol 2> "$T/err"
is "--as carol, its submitter: exit 1" "$? $(grep -c 'carol: you submitted it' "$T/err")" "1 1"
is "... her right password reset the count" "$(R HGET loa:user:carol fails)" 0
CTL approve x2 --as 'a:b' < /dev/null 2> "$T/err"
is "--as a bad name: exit 2" $? 2
CTL approve x2 --as frank < /dev/null 2> "$T/err"
is "--as without a password on stdin: exit 1" $? 1
is "x2 still waits" "$(job_field x2 state)" awaiting_approval
echo 'frank password 1' | CTL reject x2 --as frank --reason "Trùng lịch" > "$T/out"
is "--as frank, an approver of Ba Đình, rejects: exit 0" $? 0
is "... rejected by frank" "$(R HMGET loa:job:x2 state rejected_by reject_reason | tr '\n' '|')" \
    "rejected_by_approver|frank|Trùng lịch|"
check "... audited from local" audit_has "actor frank action reject target x2 from local detail Trùng lịch"
job x6 '{"districts":["Hoàn Kiếm"]}'
xadd x6 carol
check "x6 (by carol, Hoàn Kiếm: ward 00070) awaits approval" held x6
for i in 1 2 3 4; do echo "wrong $i password" | CTL approve x6 --as bob 2>/dev/null; done
echo 'wrong 5 password' | CTL approve x6 --as bob 2> "$T/err"
check "the fifth wrong password locks bob" grep -q 'now locked' "$T/err"
echo 'bob password 1' | CTL approve x6 --as bob 2> "$T/err"
is "locked: the right password is refused too" "$? $(grep -c 'too many failed logins' "$T/err")" "1 1"
check "... the lock audited" audit_has "actor bob action login_failed target bob from local detail account locked"
is "... and locks the console login as well: 429" "$(req POST /v1/session --data-binary '{"user":"bob","password":"bob password 1"}')" 429
R HSET loa:user:bob locked_until 0 >/dev/null
echo 'bob password 1' | CTL approve x6 --as bob > "$T/out"
is "unlocked: bob, an approver of 00070, approves x6: exit 0" $? 0
is "... approved_by bob" "$(job_field x6 approved_by)" bob
check "... sent" wait_sent x6 1 15

# Over HTTP with accounts and named tokens: a drafter's job.
user dee drafter 00004,00008
login dee 'dee password 1'
DEE=$CK
DEE_CSRF=$CSRF
job b1 '{"districts":["Ba Đình"]}'
is "dee (drafter of Ba Đình) submits with her session: 202" \
    "$(req POST /v1/jobs -H "$DEE" -H "X-CSRF-Token: $DEE_CSRF" --data-binary @"$T/b1.json")" 202
check "b1 awaits approval" held b1
is "... submitted by dee" "$(job_field b1 submitted_by)" dee
is "dee approving her own job: 403 (a drafter)" \
    "$(req POST /v1/jobs/b1/approve -H "$DEE" -H "X-CSRF-Token: $DEE_CSRF")" 403
check "... audited as denied" audit_has "actor dee action denied target b1"
login bob 'bob password 1'
is "bob (approver of 00070) approving b1: 403" \
    "$(req POST /v1/jobs/b1/approve -H "$CK" -H "X-CSRF-Token: $CSRF") $(body .error)" \
    "403 the job reaches wards outside yours"
check "... audited as denied" audit_has "actor bob action denied target b1"
is "bob rejecting it: 403 too" \
    "$(req POST /v1/jobs/b1/reject -H "$CK" -H "X-CSRF-Token: $CSRF" -d '{"reason":"x"}')" 403
login frank 'frank password 1'
FRANK=$CK
FRANK_CSRF=$CSRF
is "frank (approver of Ba Đình) without the CSRF header: 403" "$(req POST /v1/jobs/b1/approve -H "$FRANK")" 403
is "... with a wrong one: 403" "$(req POST /v1/jobs/b1/approve -H "$FRANK" -H "X-CSRF-Token: x$FRANK_CSRF")" 403
is "b1 still waits" "$(job_field b1 state)" awaiting_approval
is "frank approves b1 with his session and CSRF: 200" \
    "$(req POST /v1/jobs/b1/approve -H "$FRANK" -H "X-CSRF-Token: $FRANK_CSRF") $(body .approved_by)" "200 frank"
check "... sent to both Ba Đình residents" wait_sent b1 2 15
is "... approved_by frank, submitted_by dee" "$(job_field b1 approved_by) $(job_field b1 submitted_by)" "frank dee"
check "... audited" audit_has "actor frank action approve target b1 from 127.0.0.1"
job b2 '{"districts":["Ba Đình"]}'
is "frank submits b2: 202" "$(req POST /v1/jobs -H "$FRANK" -H "X-CSRF-Token: $FRANK_CSRF" --data-binary @"$T/b2.json")" 202
check "b2 awaits approval" held b2
is "frank approving his own b2: 403" \
    "$(req POST /v1/jobs/b2/approve -H "$FRANK" -H "X-CSRF-Token: $FRANK_CSRF") $(body .error)" \
    "403 you submitted this job; another person must decide on it"
check "... audited as denied" audit_has "actor frank action denied target b2 from 127.0.0.1 detail you submitted"
req DELETE /v1/session -H "$FRANK" -H "X-CSRF-Token: $FRANK_CSRF" >/dev/null
is "frank's session after logout: 401" "$(req POST /v1/jobs/b2/reject -H "$FRANK" -H "X-CSRF-Token: $FRANK_CSRF" -d '{"reason":"x"}')" 401
DR=$(CTL token add drb --wards 00004,00008)
AP=$(CTL token add apb --wards 00004,00008 --role approver)
is "a drafter token approving b2: 403" "$(req POST /v1/jobs/b2/approve -H "Authorization: Bearer $DR")" 403
is "an approver token of Ba Đình approves b2: 200" \
    "$(req POST /v1/jobs/b2/approve -H "Authorization: Bearer $AP") $(body .approved_by)" "200 apb"
check "... sent" wait_sent b2 2 15

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
is "dee (drafter of Ba Đình) retrying a1 (all wards): 403" \
    "$(req POST /v1/jobs/a1/retry -H "$DEE" -H "X-CSRF-Token: $DEE_CSRF")" 403
check "... audited as denied" audit_has "actor dee action denied target a1 from 127.0.0.1 detail the job reaches wards outside yours"
is "... without CSRF: 403" "$(req POST /v1/jobs/b1/retry -H "$DEE")" 403
R HSET loa:job:b1:out r2 failed:sms >/dev/null
R HINCRBY loa:job:b1 failed 1 >/dev/null
is "dee retrying b1 (her wards): 200, one recipient" \
    "$(req POST /v1/jobs/b1/retry -H "$DEE" -H "X-CSRF-Token: $DEE_CSRF") $(body .retried)" "200 1"
check "... sent again" wait_sent b1 3 15
check "... audited" audit_has "actor dee action retry target b1 from 127.0.0.1"
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
