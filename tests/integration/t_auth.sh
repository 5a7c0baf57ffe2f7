#!/bin/sh
# t_auth.sh -- the ward office over HTTP and loactl: accounts, named
# tokens, sessions and CSRF, roles and wards on every job route (allowed
# and refused callers; approve/reject/retry here by role and ward, the
# approval itself in t_approval), the login lock, the audit trail;
# one-time passwords (must_change) and POST /v1/session/password.
. "$(dirname "$0")/lib.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
write_conf a 'retention = 1d'
sed -i "s|^listen = .*|&\ntoken_file = $T/token\nsession_idle = 2m|" "$T/a.conf"
CTL() { $LOACTL -c "$T/a.conf" "$@"; }

start_redis || exit 1
dir_wards
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
req() {
	local m p
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X "$m" \
	    --max-time $((15 * TIME_SCALE)) "$@" "$URL$p"
}
ADMIN="Authorization: Bearer $TOKEN"
head_has() { tr -d '\r' < "$T/head" | grep -qi -- "$1"; }
jqe() { jq -e "$@" >/dev/null 2>&1; }
# job ID WARD...: explicit recipients, one per ward ("-": none)
job() {
	local id w i
	id=$1
	shift
	i=0
	printf '{"id":"%s","channels":["sms"],"sms":{"text":"Xin chào"},"recipients":[' "$id"
	for w in "$@"; do
		[ $i -gt 0 ] && printf ','
		if [ "$w" = - ]; then
			printf '{"phone":"09120000%02d","name":"R"}' $i
		else
			printf '{"phone":"09120000%02d","name":"R","ward":"%s"}' $i "$w"
		fi
		i=$((i + 1))
	done
	printf ']}'
}
aud() { printf '{"id":"%s","channels":["sms"],"sms":{"text":"Xin chào"},"audience":{"%s":%s}}' "$1" "$2" "$3"; }
audit_has() { R XRANGE loa:audit - + | tr '\n' ' ' | grep -q -- "$1"; }

# loactl: accounts and tokens.
out=$(CTL token add hk --wards 00070)
is "token add" "$?" 0
HK=$out
check "the token is loa_ and 43 characters" sh -c "echo '$HK' | grep -qx 'loa_[A-Za-z0-9_-]\{43\}'"
check "stored only as its digest" sh -c "! redis-cli -s '$SOCK' HGETALL loa:token:hk | grep -q -- '$HK' && [ \$(redis-cli -s '$SOCK' HGET loa:token:hk digest | wc -c) -eq 65 ]"
check "not in the audit trail" sh -c "! redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -q -- '$HK'"
CTL token add hk --wards 00070 2>/dev/null
is "token add twice: exit 1" "$?" 1
CTL token add x --role admin --all 2>/dev/null
is "token --role admin: bad usage" "$?" 2
CTL token add x 2>/dev/null
is "token without --wards or --all: bad usage" "$?" 2
CTL token add t70 --wards 70 2>"$T/err"
is "token add --wards 70 (not a code in the directory): exit 1" "$?" 1
check "... naming the ward" grep -q 'ward 70 is not in the directory' "$T/err"
echo "drafter pass 1" | CTL user add u99 --role drafter --wards 00070,99999 --password-stdin 2>/dev/null
is "user add with one unknown ward: exit 1" "$?" 1
is "... and nothing made" "$(R EXISTS loa:user:u99 loa:token:t70)" 0
CTL token add 'a:b' --all 2>/dev/null
is "token name with ':': bad usage" "$?" 2
for n in admin Stream system; do
	CTL token add $n --all 2>/dev/null
	is "token add $n (the audit's own name): bad usage" "$?" 2
done
ALL=$(CTL token add sysall --all)
OLD=$(CTL token add old --all)
is "token revoke" "$(CTL token revoke old)" "token old revoked"
check "token list: no digest" sh -c "! $LOACTL -c '$T/a.conf' token list --json | grep -q digest"
is "token list --json" "$(CTL token list --json | jq -r '[.[] | .name + ":" + .revoked] | join(" ")')" "hk:0 old:1 sysall:0"
echo "approver pass 1" | CTL user add an --role approver --wards 00004,00008 --password-stdin >/dev/null
is "user add an" "$?" 0
echo "admin pass 12" | CTL user add boss --role admin --all --password-stdin >/dev/null
echo "drafter pass 1" | CTL user add dee --role drafter --wards 00070 --password-stdin >/dev/null
out=$(CTL user add otp --role approver --all)
check "one-time password printed" sh -c "echo '$out' | grep -q 'password [A-Za-z0-9_-]\{22\} (shown once'"
OTP_OUT=$out
is "password stored as Argon2id" "$(R HGET loa:user:an pw | cut -c1-10)" '$argon2id$'
echo "short" | CTL user add sh --role drafter --all --password-stdin 2>/dev/null
is "a short password: exit 1" "$?" 1
CTL user add nor --all 2>/dev/null
is "user add without --role: bad usage" "$?" 2
echo "admin pass 12" | CTL user add admin --role admin --all --password-stdin 2>/dev/null
is "user add admin (the audit's own name): bad usage" "$?" 2
CTL token add Resident --all >/dev/null 2>&1
is "token add Resident (the audit's name for a resident's keyword): bad usage" "$?" 2
echo "drafter pass 1" | CTL user add hk --role drafter --all --password-stdin 2>"$T/err"
is "user add hk (a token's name): exit 1" "$?" 1
check "... says the name is taken" grep -q 'hk: an account or a token of that name exists' "$T/err"
CTL token add dee --all >/dev/null 2>&1
is "token add dee (an account's name): exit 1" "$?" 1
is "user list" "$(CTL user list --json | jq -r '[.[].name] | join(" ")')" "an boss dee otp"
check "user list: no hash" sh -c "! $LOACTL -c '$T/a.conf' user list --json | grep -q argon"

# Credentials.
is "no credentials: 401" "$(req GET /v1/jobs)" 401
is "an unknown token of the right shape: 401" "$(req GET /v1/jobs -H "Authorization: Bearer loa_$(printf '%043d' 0)")" 401
is "a revoked token: 401" "$(req GET /v1/jobs -H "Authorization: Bearer $OLD")" 401
is "the admin token: 200" "$(req GET /v1/jobs -H "$ADMIN")" 200
is "a named token: 200" "$(req GET /v1/jobs -H "Authorization: Bearer $HK")" 200
is "a session id of the right shape no one made: 401" "$(req GET /v1/jobs -H "Cookie: loa_session=$(printf '%043d' 0)")" 401
check "no token in the daemon's log" sh -c "! grep -q -e '$HK' -e '$TOKEN' '$T/a.out'"

# Scope: the token of ward 00070.
HKA="Authorization: Bearer $HK"
job j70 00070 00070 > "$T/j70.json"
is "submit within its ward: 202" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/j70.json")" 202
check "j70 done" wait_for 15 "j70 done" state_is j70 done
is "submitted_by is the token" "$(job_field j70 submitted_by)" hk
is "GET shows submitted_by" "$(req GET /v1/jobs/j70 -H "$HKA")/$(jq -r .submitted_by "$T/body")" 200/hk
check "submit audited" audit_has "actor hk action submit target j70"
job j4 00070 00004 > "$T/j4.json"
is "a recipient in another ward: 403" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/j4.json")" 403
check "403 says why" jqe '.error | test("outside")' "$T/body"
check "denied audited" audit_has "actor hk action denied target j4"
job jn 00070 - > "$T/jn.json"
is "a recipient without a ward: 403" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/jn.json")" 403
aud a70 wards '["00070"]' > "$T/a70.json"
is "audience of its ward: 202" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/a70.json")" 202
aud abd districts '["Ba Đình"]' > "$T/abd.json"
is "a district outside: 403" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/abd.json")" 403
aud aall all true > "$T/aall.json"
is "audience all: 403" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/aall.json")" 403
is "nothing refused reached the stream" "$(R HEXISTS loa:job:j4 state)$(R HEXISTS loa:job:abd state)$(R HEXISTS loa:job:aall state)" 000
is "the admin token submits the district: 202" "$(req POST /v1/jobs -H "$ADMIN" --data-binary @"$T/abd.json")" 202
check "abd accepted" wait_for 15 "abd accepted" sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET loa:job:abd state)\" ]"
is "submitted_by admin" "$(job_field abd submitted_by)" admin
is "another ward's job: GET 403" "$(req GET /v1/jobs/abd -H "$HKA")" 403
is "its own: GET 200" "$(req GET /v1/jobs/j70 -H "$HKA")" 200
is "no such job: 404" "$(req GET /v1/jobs/nosuch -H "$HKA")" 404
is "listing: only its ward's jobs" "$(req GET /v1/jobs -H "$HKA")/$(jq -r '[.[].job] | sort | join(" ")' "$T/body")" "200/a70 j70"
is "listing for all: every job" "$(req GET /v1/jobs -H "Authorization: Bearer $ALL")/$(jq -r '[.[].job] | sort | join(" ")' "$T/body")" "200/a70 abd j70"
R HSET loa:job:s70 state scheduled total 1 queued_upto 0 >/dev/null
job s70 00070 | R -x SET loa:job:s70:spec >/dev/null
R HSET loa:job:s4 state scheduled total 1 queued_upto 0 >/dev/null
job s4 00004 | R -x SET loa:job:s4:spec >/dev/null
is "cancel another ward's job: 403" "$(req POST /v1/jobs/s4/cancel -H "$HKA")" 403
is "s4 untouched" "$(job_field s4 state)" scheduled
is "cancel its own: 200" "$(req POST /v1/jobs/s70/cancel -H "$HKA")" 200
check "cancel audited" audit_has "actor hk action cancel target s70"
is "retry another ward's job: 403" "$(req POST /v1/jobs/abd/retry -H "$HKA")" 403
check "... audited as denied" audit_has "actor hk action denied target abd"
is "retry its own: 200" "$(req POST /v1/jobs/j70/retry -H "$HKA")/$(jq -r .retried "$T/body")" 200/0
check "retry audited" audit_has "actor hk action retry target j70"
is "approve with a drafter token: 403" "$(req POST /v1/jobs/j70/approve -H "$HKA")/$(jq -r .error "$T/body")" "403/your role does not allow it"
check "... audited as denied" audit_has "actor hk action denied target j70 from 127.0.0.1 detail your role"
is "reject with a drafter token: 403" "$(req POST /v1/jobs/j70/reject -H "$HKA" -d '{"reason":"x"}')" 403
is "approve a job not awaiting approval (admin token): 409" "$(req POST /v1/jobs/j70/approve -H "$ADMIN")" 409
is "wards: only its own" "$(req GET /v1/wards -H "$HKA")/$(jq -c '[.[].code]' "$T/body")" '200/["00070"]'
is "wards for all" "$(req GET /v1/wards -H "$ADMIN")/$(jq -c '[.[].code] | sort' "$T/body")" '200/["00004","00008","00070"]'
check "wards: names and districts" jqe 'map(select(.code == "00004"))[0] | .name == "Phường Ba Đình" and .district == "Ba Đình"' "$T/body"
is "status for a drafter token: 403 (every ward's jobs)" "$(req GET /v1/status -H "$HKA")" 403
is "status for the admin token: 200" "$(req GET /v1/status -H "$ADMIN")" 200
is "audit for a drafter token: 403" "$(req GET /v1/audit -H "$HKA")" 403
is "audit for the admin token: 200" "$(req GET /v1/audit -H "$ADMIN")" 200
check "audit: newest first, the fields" jqe '.[0] | has("ts") and has("actor") and has("action") and has("target") and has("from")' "$T/body"

# Sessions.
# login USER PASSWORD [curl options]
login() {
	local u p
	u=$1
	p=$2
	shift 2
	req POST /v1/session --data-binary "{\"user\":\"$u\",\"password\":\"$p\"}" "$@"
}
is "login, wrong password: 401" "$(login an 'approver pass 2')" 401
is "login, no such user: 401" "$(login nobody 'approver pass 2')" 401
is "login, not JSON: 400" "$(req POST /v1/session --data-binary 'user=an')" 400
is "login: 200" "$(login an 'approver pass 1')" 200
check "cookie: HttpOnly, SameSite=Strict, Path=/, not Secure" sh -c "tr -d '\r' < '$T/head' | grep -i '^set-cookie: loa_session=' | grep HttpOnly | grep 'SameSite=Strict' | grep 'Path=/' | grep -vq Secure"
SID=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')
CSRF=$(jq -r .csrf "$T/body")
check "the answer: user, role, wards, csrf" jqe '.user == "an" and .role == "approver" and .wards == ["00004","00008"] and (.csrf | length) == 43' "$T/body"
check "session stored by digest" sh -c "[ \$(redis-cli -s '$SOCK' EXISTS loa:session:\$(printf %s '$SID' | sha256sum | cut -c1-64)) = 1 ] && ! redis-cli -s '$SOCK' --scan --pattern 'loa:session:*' | grep -q -- '$SID'"
check "login audited with the address" audit_has "actor an action login target an from 127.0.0.1"
check "login_failed audited" audit_has "actor an action login_failed target an"
is "login behind https: Secure" "$(login an 'approver pass 1' -H 'X-Forwarded-Proto: https')" 200
check "Secure" head_has '^set-cookie: loa_session=.*; Secure'
CK="Cookie: loa_session=$SID"
is "GET /v1/session: 200" "$(req GET /v1/session -H "$CK")" 200
check "who: an, csrf" jqe ".user == \"an\" and .kind == \"user\" and .csrf == \"$CSRF\"" "$T/body"
check "idle expiry set" sh -c "t=\$(redis-cli -s '$SOCK' PTTL loa:session:\$(printf %s '$SID' | sha256sum | cut -c1-64)); [ \$t -gt 100000 ] && [ \$t -le 120000 ]"
job b4 00004 00008 > "$T/b4.json"
is "POST with the cookie, no CSRF header: 403" "$(req POST /v1/jobs -H "$CK" --data-binary @"$T/b4.json")" 403
is "POST with a wrong CSRF header: 403" "$(req POST /v1/jobs -H "$CK" -H "X-CSRF-Token: ${CSRF}x" --data-binary @"$T/b4.json")" 403
is "POST with the CSRF header: 202" "$(req POST /v1/jobs -H "$CK" -H "X-CSRF-Token: $CSRF" --data-binary @"$T/b4.json")" 202
check "b4 accepted" wait_for 15 "b4 accepted" sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET loa:job:b4 state)\" ]"
is "submitted_by the account" "$(job_field b4 submitted_by)" an
is "GET with the cookie: 200" "$(req GET /v1/jobs/b4 -H "$CK")" 200
is "GET of 00070's job: 403" "$(req GET /v1/jobs/j70 -H "$CK")" 403
is "audit for an approver: 403" "$(req GET /v1/audit -H "$CK")" 403
is "logout without CSRF: 403" "$(req DELETE /v1/session -H "$CK")" 403
is "logout: 200" "$(req DELETE /v1/session -H "$CK" -H "X-CSRF-Token: $CSRF")" 200
check "cookie cleared" head_has '^set-cookie: loa_session=;.*Max-Age=0'
is "the old cookie after logout: 401" "$(req GET /v1/session -H "$CK")" 401

# A password change and a disabling end sessions; the lock.
login dee 'drafter pass 1' >/dev/null
DCK="Cookie: loa_session=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')"
is "dee's session works" "$(req GET /v1/session -H "$DCK")" 200
echo "drafter pass 2" | CTL user passwd dee --password-stdin >/dev/null
is "after passwd: 401" "$(req GET /v1/session -H "$DCK")" 401
is "the old password: 401" "$(login dee 'drafter pass 1')" 401
is "the new one: 200" "$(login dee 'drafter pass 2')" 200
DCK="Cookie: loa_session=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')"
CTL user disable dee >/dev/null
is "after disable: the session 401" "$(req GET /v1/session -H "$DCK")" 401
is "after disable: login 401" "$(login dee 'drafter pass 2')" 401
for i in 1 2 3 4; do login boss "wrong $i" >/dev/null; done
is "the fifth failure locks: 429" "$(login boss 'wrong 5')" 429
is "locked: the right password 429" "$(login boss 'admin pass 12')" 429
check "lock audited" audit_has "action login_failed target boss from 127.0.0.1 detail account locked"
R HSET loa:user:boss locked_until 0 >/dev/null
is "unlocked: 200" "$(login boss 'admin pass 12')" 200
BCK="Cookie: loa_session=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')"
is "audit for an admin account: 200" "$(req GET '/v1/audit?actor=hk&limit=2' -H "$BCK")" 200
check "actor filter and limit" jqe 'length == 2 and all(.actor == "hk")' "$T/body"
is "audit since now+: empty" "$(req GET "/v1/audit?since=$(( $(date +%s) + 3600 ))000" -H "$BCK")/$(jq length "$T/body")" 200/0
is "audit since RFC 3339" "$(req GET '/v1/audit?since=2020-01-01T00:00:00%2B07:00&limit=1' -H "$BCK")/$(jq length "$T/body")" 200/1
is "audit: unknown parameter 400" "$(req GET '/v1/audit?user=x' -H "$BCK")" 400
is "audit: bad since 400" "$(req GET '/v1/audit?since=yesterday' -H "$BCK")" 400
is "audit: bad limit 400" "$(req GET '/v1/audit?limit=0' -H "$BCK")" 400

# loactl's own acts, and loactl audit.
R HSET loa:job:c1 state scheduled total 1 queued_upto 0 >/dev/null
CTL cancel c1 >/dev/null
check "loactl cancel audited as cli:<user>" audit_has "actor cli:$(id -un) action cancel target c1 from local"
check "token_add, token_revoke, user_add, user_disable audited" sh -c "for a in token_add token_revoke user_add user_disable user_passwd; do redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -qx \$a || exit 1; done"
is "loactl audit --actor hk --json" "$(CTL audit --actor hk --json | jq -r '[.[].action] | unique | join(" ")')" "cancel denied retry submit"
is "loactl audit --since 1h --limit 1" "$(CTL audit --since 1h --limit 1 --json | jq length)" 1
CTL audit --since soon 2>/dev/null
is "loactl audit --since bad: bad usage" "$?" 2
check "loactl audit: a table" sh -c "$LOACTL -c '$T/a.conf' audit | head -1 | grep -q '^TIME  *ACTOR  *ACTION  *TARGET  *FROM'"

# A reload is an act too: the daemon's own ("system"), from which daemon.
kill -HUP "$(cat "$T/a.pid")"
wait_for 10 "reloaded" grep -q 'reloaded ' "$T/a.out"
check "reload audited" audit_has "actor system action reload target $T/a.conf from [^ ]* detail 1 provider"
cp "$T/a.conf" "$T/a.conf.good"
printf '[nosuchsection]\nx = 1\n' >> "$T/a.conf"
kill -HUP "$(cat "$T/a.pid")"
wait_for 10 "reload refused" grep -q 'reload refused' "$T/a.out"
check "a refused reload audited too" audit_has "action reload target $T/a.conf from [^ ]* detail refused"
cp "$T/a.conf.good" "$T/a.conf"

# session: CK (the cookie header) and CSRF of the session just opened
session() {
	CK="Cookie: loa_session=$(tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p')"
	CSRF=$(jq -r .csrf "$T/body")
}
# pwchange OLD NEW [curl options]: POST /v1/session/password as $CK
pwchange() {
	local o n
	o=$1
	n=$2
	shift 2
	req POST /v1/session/password -H "$CK" \
	    --data-binary "{\"password\":\"$o\",\"new_password\":\"$n\"}" "$@"
}
MUST='change the one-time password first (POST /v1/session/password)'

# One-time passwords: loactl's own passwords only (otp above).
check "the password printed, to be changed" sh -c "echo '$OTP_OUT' | grep -q 'to be changed at the first login'"
PW1=$(echo "$OTP_OUT" | sed -n 's/.*: password \([A-Za-z0-9_-]*\) (shown once.*/\1/p')
is "must_change set" "$(R HGET loa:user:otp must_change)" 1
echo "chosen pass 1" | CTL user add cho --role drafter --all --password-stdin >/dev/null
is "--password-stdin: not must_change" "$(R HGET loa:user:cho must_change)" 0
is "user list --json shows it" "$(CTL user list --json | jq -r '[.[] | .name + ":" + .must_change] | join(" ")')" "an:0 boss:0 cho:0 dee:0 otp:1"

# A chosen password: the console at once.
is "login with a chosen password: 200" "$(login cho 'chosen pass 1')" 200
check "... must_change false" jqe '.must_change == false' "$T/body"
session
CHO=$CK
CHO_CSRF=$CSRF
is "... GET /v1/jobs: 200" "$(req GET /v1/jobs -H "$CHO")" 200

# A one-time password: only the session and the change.
is "login with the one-time password: 200" "$(login otp "$PW1")" 200
check "... must_change true" jqe '.must_change == true and .user == "otp" and .role == "approver"' "$T/body"
session
OTP=$CK
OTP_CSRF=$CSRF
login otp "$PW1" >/dev/null
session
OTHER=$CK
is "GET /v1/session: 200" "$(req GET /v1/session -H "$OTP")" 200
check "... must_change true" jqe '.must_change == true' "$T/body"
is "GET /v1/jobs before the change: 403" "$(req GET /v1/jobs -H "$OTP")" 403
check "... says what to do" jqe ".error == \"$MUST\"" "$T/body"
is "GET /v1/status: 403" "$(req GET /v1/status -H "$OTP")" 403
is "GET /v1/wards: 403" "$(req GET /v1/wards -H "$OTP")" 403
printf '{"id":"m1","channels":["sms"],"sms":{"text":"x"},"audience":{"all":true}}' > "$T/m1.json"
is "POST /v1/jobs with the CSRF header: 403" "$(req POST /v1/jobs -H "$OTP" -H "X-CSRF-Token: $OTP_CSRF" --data-binary @"$T/m1.json")/$(jq -r .error "$T/body")" "403/$MUST"
is "... nothing queued" "$(R EXISTS loa:job:m1)" 0
is "GET /v1/providers: 403" "$(req GET /v1/providers -H "$OTP")" 403
echo "$PW1" | CTL approve nosuch --as otp 2> "$T/err"
is "loactl approve --as otp: exit 1" "$?" 1
check "... with the same words" grep -qF "otp: $MUST" "$T/err"
echo "$PW1" | CTL reject nosuch --as otp --reason "x" 2> "$T/err"
is "loactl reject --as otp: exit 1, the same words" "$? $(grep -cF "$MUST" "$T/err")" "1 1"

# POST /v1/session/password: refused callers.
CK=$OTP
is "no credentials: 401" "$(req POST /v1/session/password --data-binary '{}')" 401
is "a token: 400" "$(req POST /v1/session/password -H "Authorization: Bearer $TOKEN" --data-binary "{\"password\":\"$PW1\",\"new_password\":\"new pass 12\"}")" 400
is "GET: 405" "$(req GET /v1/session/password -H "$OTP")" 405
is "no CSRF header: 403" "$(pwchange "$PW1" 'otp new pass 1')" 403
is "... unchanged" "$(R HGET loa:user:otp must_change)" 1
is "a wrong CSRF header: 403" "$(pwchange "$PW1" 'otp new pass 1' -H "X-CSRF-Token: x$OTP_CSRF")" 403
H="X-CSRF-Token: $OTP_CSRF"
is "not JSON: 400" "$(req POST /v1/session/password -H "$OTP" -H "$H" --data-binary 'password=x')" 400
is "no new_password: 400" "$(req POST /v1/session/password -H "$OTP" -H "$H" --data-binary "{\"password\":\"$PW1\"}")" 400
head -c 5000 /dev/zero | tr '\0' a > "$T/big"
is "a body over 4096 bytes: 413" "$(req POST /v1/session/password -H "$OTP" -H "$H" --data-binary @"$T/big")" 413
is "a short new password: 400" "$(pwchange "$PW1" short -H "$H")/$(jq -r .error "$T/body")" "400/password: want 10 to 1024 bytes"
is "the old one again: 400" "$(pwchange "$PW1" "$PW1" -H "$H")" 400
check "... says so" jqe '.error | test("differ")' "$T/body"
is "a wrong old password: 401" "$(pwchange 'not the password' 'otp new pass 1' -H "$H")/$(jq -r .error "$T/body")" "401/wrong password"
is "... counted as a failed login" "$(R HGET loa:user:otp fails)" 1
check "... audited login_failed" audit_has "actor otp action login_failed target otp from 127.0.0.1"
is "... the session goes on" "$(req GET /v1/session -H "$OTP")" 200
is "... still must_change" "$(R HGET loa:user:otp must_change)" 1

# The change.
is "the right old password: 200" "$(pwchange "$PW1" 'otp new pass 1' -H "$H")" 200
check "... the answer" jqe '.user == "otp" and .password == "changed"' "$T/body"
is "must_change cleared, fails reset" "$(R HMGET loa:user:otp must_change fails | tr '\n' ' ')" "0 0 "
is "stored as Argon2id" "$(R HGET loa:user:otp pw | cut -c1-10)" '$argon2id$'
check "the new password nowhere in clear" sh -c "! redis-cli -s '$SOCK' --scan | while read -r k; do redis-cli -s '$SOCK' DUMP \"\$k\"; done | grep -aq 'otp new pass 1' && ! grep -q 'otp new pass 1' '$T/a.out'"
check "audited password_change" audit_has "actor otp action password_change target otp from 127.0.0.1"
is "this session goes on: 200" "$(req GET /v1/session -H "$OTP")" 200
check "... must_change false now" jqe '.must_change == false and .user == "otp"' "$T/body"
is "... and may do the rest: GET /v1/jobs 200" "$(req GET /v1/jobs -H "$OTP")" 200
is "the other session of otp ended: 401" "$(req GET /v1/session -H "$OTHER")" 401
is "cho's session untouched: 200" "$(req GET /v1/session -H "$CHO")" 200
is "login with the old password: 401" "$(login otp "$PW1")" 401
is "login with the new one: 200" "$(login otp 'otp new pass 1')" 200
check "... must_change false" jqe '.must_change == false' "$T/body"
echo 'otp new pass 1' | CTL approve nosuch --as otp 2> "$T/err"
is "loactl approve --as otp after the change: no longer refused for it" "$(grep -cF "$MUST" "$T/err")" 0
check "... (the job is what is missing)" grep -q 'nosuch' "$T/err"

# loactl user passwd: a new one-time password, or a chosen one.
CTL user passwd otp > "$T/out"
is "user passwd without --password-stdin: must_change again" "$(R HGET loa:user:otp must_change)" 1
PW2=$(sed -n 's/.*: password \([A-Za-z0-9_-]*\) (shown once.*/\1/p' "$T/out")
is "... login says so" "$(login otp "$PW2")/$(jq -r .must_change "$T/body")" 200/true
session
is "... and the gate is back" "$(req GET /v1/jobs -H "$CK")" 403
echo "chosen pass 2" | CTL user passwd otp --password-stdin >/dev/null
is "user passwd --password-stdin: not must_change" "$(R HGET loa:user:otp must_change)" 0
is "... login: must_change false" "$(login otp 'chosen pass 2')/$(jq -r .must_change "$T/body")" 200/false

# Any account changes its own password, not only a must_change one.
is "cho (a chosen password) changes it: 200" "$(req POST /v1/session/password -H "$CHO" -H "X-CSRF-Token: $CHO_CSRF" --data-binary '{"password":"chosen pass 1","new_password":"chosen pass 9"}')" 200
is "... the new one logs in" "$(login cho 'chosen pass 9')" 200
session
CHO=$CK
CHO_CSRF=$CSRF
# The old password is checked as a login is: the fifth failure locks.
CHO_PW=$(R HGET loa:user:cho pw)
for i in 1 2 3 4; do
	req POST /v1/session/password -H "$CHO" -H "X-CSRF-Token: $CHO_CSRF" --data-binary "{\"password\":\"wrong $i xxxx\",\"new_password\":\"chosen pass 8\"}" >/dev/null
	sleep 0.3
done
is "the fifth wrong old password: 401, locked" "$(req POST /v1/session/password -H "$CHO" -H "X-CSRF-Token: $CHO_CSRF" --data-binary '{"password":"wrong 5 xxxx","new_password":"chosen pass 8"}')/$(jq -r .error "$T/body")" \
    "401/wrong password: the account is now locked for 15 minutes"
is "... then the right one: 429" "$(req POST /v1/session/password -H "$CHO" -H "X-CSRF-Token: $CHO_CSRF" --data-binary '{"password":"chosen pass 9","new_password":"chosen pass 8"}')" 429
is "... and the login: 429" "$(login cho 'chosen pass 9')" 429
check "... the password unchanged" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:user:cho pw)\" = '$CHO_PW' ]"

# Argon2id under the logins' limit: many changes at once, some 503.
echo "flood pass 1" | CTL user add fl --role drafter --all --password-stdin >/dev/null
login fl 'flood pass 1' >/dev/null
session
pids=""
for i in $(seq 1 16); do
	# Queued checks take their turn (seconds each under valgrind).
	curl -s -o /dev/null -w '%{http_code}\n' \
	    --max-time $((20 * TIME_SCALE)) -X POST \
	    -H "$CK" -H "X-CSRF-Token: $CSRF" --data-binary \
	    '{"password":"not it at all","new_password":"flood pass 2"}' \
	    "$URL/v1/session/password" >> "$T/flood" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "sixteen at once: some 503 (at most 8 Argon2id checks wait or run)" grep -q '^503$' "$T/flood"
echo "# sixteen at once, the answers: $(sort "$T/flood" | uniq -c | tr -s " \n" " ")"
check "... the others refused as wrong (401, or 429 once locked)" sh -c "[ \$(grep -c '^401$' '$T/flood') -ge 1 ] && [ \$(grep -vc -e '^401$' -e '^429$' -e '^503$' '$T/flood') -eq 0 ]"

stop_loa a
done_testing
