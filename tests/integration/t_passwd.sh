#!/bin/sh
# t_passwd.sh -- one-time passwords (issue 15): an account loactl made a
# password for (user add|passwd without --password-stdin) logs in, is
# told must_change and may only see or end its session and change the
# password (POST /v1/session/password); loactl approve|reject --as
# refuses it.  The change itself: allowed and refused callers, the old
# password checked as a login (counted, locked), the new one judged,
# every other session of the account ended, this one kept, audited.
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
URL=http://127.0.0.1:$(http_port a)
req() {
	local m p
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X "$m" \
	    --max-time 15 "$@" "$URL$p"
}
jqe() { jq -e "$@" >/dev/null 2>&1; }
audit_has() { R XRANGE loa:audit - + | tr '\n' ' ' | grep -q -- "$1"; }
# login USER PASSWORD: CK (the cookie header) and CSRF of the new session
login() {
	req POST /v1/session --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}"
}
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

# Who must change: loactl's own passwords only.
CTL user add otp --role approver --all > "$T/out"
is "user add without --password-stdin" "$?" 0
check "the password printed, to be changed" grep -q 'to be changed at the first login' "$T/out"
PW1=$(sed -n 's/.*: password \([A-Za-z0-9_-]*\) (shown once.*/\1/p' "$T/out")
is "must_change set" "$(R HGET loa:user:otp must_change)" 1
echo "chosen pass 1" | CTL user add cho --role drafter --all --password-stdin >/dev/null
is "--password-stdin: not must_change" "$(R HGET loa:user:cho must_change)" 0
is "user list --json shows it" "$(CTL user list --json | jq -r '[.[] | .name + ":" + .must_change] | join(" ")')" "cho:0 otp:1"

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
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 15 -X POST \
	    -H "$CK" -H "X-CSRF-Token: $CSRF" --data-binary \
	    '{"password":"not it at all","new_password":"flood pass 2"}' \
	    "$URL/v1/session/password" >> "$T/flood" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "ten at once: some 503 (at most 8 Argon2id a second)" grep -q '^503$' "$T/flood"
check "... the others refused as wrong (401, or 429 once locked)" sh -c "[ \$(grep -c '^401$' '$T/flood') -ge 1 ] && [ \$(grep -vc -e '^401$' -e '^429$' -e '^503$' '$T/flood') -eq 0 ]"

stop_loa a
done_testing
