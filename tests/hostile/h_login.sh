#!/bin/sh
# h_login.sh -- attacks on the ward office's doors: password guessing
# (the account lock, the address limit, the same answer for nobody),
# cross-site requests (CSRF), session fixation, forged, stale and expired
# sessions, token guessing, and scope escapes (a token of one ward
# reaching another's jobs by every route and shape of job).
# serial: measures /healthz latency under a login flood
. "$(dirname "$0")/../integration/lib.sh"

TOKEN=t0k-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
write_conf a
sed -i "s|^listen = .*|&\ntoken_file = $T/token|" "$T/a.conf"
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
	    --max-time $((15 * TIME_SCALE)) "$@" "$URL$p"
}
login() {
	local u p
	u=$1
	p=$2
	shift 2
	req POST /v1/session --data-binary "{\"user\":\"$u\",\"password\":\"$p\"}" "$@"
}
sid() { tr -d '\r' < "$T/head" | sed -n 's/^[Ss]et-[Cc]ookie: loa_session=\([^;]*\);.*/\1/p'; }
digest() { printf %s "$1" | sha256sum | cut -c1-64; }
ADMIN="Authorization: Bearer $TOKEN"
PW='victim pass 1'
echo "$PW" | CTL user add victim --role approver --wards 00070 --password-stdin >/dev/null
echo "other pass 12" | CTL user add other --role drafter --all --password-stdin >/dev/null
HK=$(CTL token add hk --wards 00070)

# --- Guessing passwords ---------------------------------------------------
t0=$(date +%s%N)
login nobody 'wrong guess 1' >/dev/null
t1=$(date +%s%N)
login victim 'wrong guess 1' >/dev/null
t2=$(date +%s%N)
is "nobody and a wrong password: the same answer" "$(login nobody x)/$(cat "$T/body")" \
    '401/{"error":"wrong user or password"}'
echo "# nobody: $(( (t1 - t0) / 1000000 )) ms, victim: $(( (t2 - t1) / 1000000 )) ms"
check "nobody costs a password check too (over 5 ms)" [ $(( (t1 - t0) / 1000000 )) -ge 5 ]
for i in 2 3 4; do login victim "wrong guess $i" >/dev/null; done
is "the fifth wrong guess locks the account" "$(login victim 'wrong guess 5')" 429
VBODY=$(cat "$T/body")
is "locked: even the right password" "$(login victim "$PW")" 429
check "the lock holds 15 minutes" sh -c "u=\$(redis-cli -s '$SOCK' HGET loa:user:victim locked_until); n=\$(( \$(date +%s) * 1000 )); [ \$((u - n)) -gt 890000 ] && [ \$((u - n)) -le 901000 ]"
check "another account is not locked by it" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{\"user\":\"other\",\"password\":\"other pass 12\"}' $URL/v1/session) = 200 ]"
# Spread over accounts: the address is refused after 20 failures.
for i in $(seq 1 15); do login "spray$i" 'Winter2026!' >/dev/null; done
is "20 failures from one address: refused" "$(login other 'other pass 12')" 429
check "no password in the log, Redis or the audit trail" sh -c "! grep -rq -e 'wrong guess' -e 'Winter2026' -e '$PW' '$T/a.out' && ! redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -q -e 'wrong guess' -e 'Winter2026'"
# 7 on nobody and victim (the lock ends them), 13 sprayed until the
# address reached 20: each one recorded, none after.
is "the audit trail has every failure" "$(R XRANGE loa:audit - + | grep -cx login_failed)" 20
is "a login of 5 KiB: 413 unread" "$(head -c 5000 /dev/zero | tr '\0' a | req POST /v1/session --data-binary @-)" 413
is "a password of 2000 bytes: 401" "$(login other "$(head -c 2000 /dev/zero | tr '\0' a)")" 401
is "a user name with ':': 401" "$(login 'user:victim' x)" 401
R DEL "loa:login:addr:$(digest 127.0.0.1)" >/dev/null
R HSET loa:user:victim locked_until 0 fails 0 >/dev/null
# The lock tells nothing: a name no account has is locked the same way.
for i in 1 2 3 4; do login ghost "wrong guess $i" >/dev/null; done
is "a name no account has: the fifth guess 429, the victim's words" "$(login ghost 'wrong guess 5')/$(cat "$T/body")" "429/$VBODY"
is "... and locked after" "$(login ghost 'any')" 429
check "... for a while, then forgotten" sh -c "t=\$(redis-cli -s '$SOCK' PTTL loa:login:name:ghost); [ \$t -gt 890000 ] && [ \$t -le 900000 ]"
R DEL "loa:login:addr:$(digest 127.0.0.1)" >/dev/null

# --- Session fixation ----------------------------------------------------
FIX=$(printf 'A%.0s' $(seq 1 43))
is "login with a session id the attacker chose" "$(login victim "$PW" -H "Cookie: loa_session=$FIX")" 200
S1=$(sid)
CSRF=$(jq -r .csrf "$T/body")
check "a new id, not the attacker's" [ -n "$S1" ] && [ "$S1" != "$FIX" ]
is "the attacker's id is nobody" "$(req GET /v1/session -H "Cookie: loa_session=$FIX")" 401
is "no session stored under it" "$(R EXISTS "loa:session:$(digest "$FIX")")" 0
login victim "$PW" >/dev/null
S2=$(sid)
check "every login a new id" [ "$S2" != "$S1" ]

# --- CSRF ----------------------------------------------------------------
CK="Cookie: loa_session=$S1"
printf '{"id":"x1","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001","ward":"00070"}]}' > "$T/x1.json"
is "a cross-site POST (cookie, Origin elsewhere, no token): 403" \
    "$(req POST /v1/jobs -H "$CK" -H 'Origin: https://evil.example' --data-binary @"$T/x1.json")" 403
is "a form post (text/plain): 403" "$(req POST /v1/jobs -H "$CK" -H 'Content-Type: text/plain' --data-binary @"$T/x1.json")" 403
is "another session's CSRF value: 403" "$(req POST /v1/jobs -H "$CK" -H "X-CSRF-Token: $(jq -r .csrf "$T/body" 2>/dev/null)x" --data-binary @"$T/x1.json")" 403
is "a cross-site cancel: 403" "$(req POST /v1/jobs/x1/cancel -H "$CK")" 403
is "a cross-site logout: 403" "$(req DELETE /v1/session -H "$CK")" 403
is "nothing reached the stream" "$(R XLEN loa:jobs)" 0
check "the CSRF refusals audited" sh -c "[ \$(redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -c 'X-CSRF-Token') -ge 4 ]"
is "with its CSRF value: 202" "$(req POST /v1/jobs -H "$CK" -H "X-CSRF-Token: $CSRF" --data-binary @"$T/x1.json")" 202

# --- Forged, stale and expired sessions, guessed tokens -------------------
for i in 1 2 3 4 5; do
	f=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n' | cut -c1-43)
	[ "$(req GET /v1/session -H "Cookie: loa_session=$f")" = 401 ] || echo "# forged $f let in"
done
check "random session ids: 401" [ "$(req GET /v1/session -H "Cookie: loa_session=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n' | cut -c1-43)")" = 401 ]
is "a session id too long: 401" "$(req GET /v1/session -H "Cookie: loa_session=${S1}A")" 401
is "a session id with a bad byte: 401" "$(req GET /v1/session -H "Cookie: loa_session=$(echo "$S1" | cut -c1-42)/")" 401
# A session hash written for an id the attacker knows, with the wrong gen.
KNOWN=$(printf 'B%.0s' $(seq 1 43))
R HSET "loa:session:$(digest "$KNOWN")" user victim csrf c gen 999 >/dev/null
is "a planted session with a stale gen: 401" "$(req GET /v1/session -H "Cookie: loa_session=$KNOWN")" 401
is "and it is removed" "$(R EXISTS "loa:session:$(digest "$KNOWN")")" 0
R HSET "loa:session:$(digest "$KNOWN")" user ghost csrf c gen 1 >/dev/null
is "a planted session of no account: 401" "$(req GET /v1/session -H "Cookie: loa_session=$KNOWN")" 401
R PEXPIRE "loa:session:$(digest "$S2")" 1 >/dev/null
sleep 0.1
is "an expired session: 401" "$(req GET /v1/session -H "Cookie: loa_session=$S2")" 401
check "and the cookie is cleared" sh -c "tr -d '\r' < '$T/head' | grep -qi '^set-cookie: loa_session=;.*Max-Age=0'"
is "the session cookie is no bearer token" "$(req GET /v1/session -H "Authorization: Bearer $S1")" 401
is "a bearer token is no session cookie" "$(req GET /v1/session -H "Cookie: loa_session=$HK")" 401
is "a token one byte off: 401" "$(req GET /v1/jobs -H "Authorization: Bearer $(echo "$HK" | cut -c1-46)x")" 401
is "the token's digest as the token: 401" "$(req GET /v1/jobs -H "Authorization: Bearer $(R HGET loa:token:hk digest)")" 401

# --- Scope escapes ---------------------------------------------------------
HKA="Authorization: Bearer $HK"
jq -cn '{id:"o4",channels:["sms"],sms:{text:"x"},recipients:[{phone:"0912000002",ward:"00004"}]}' > "$T/o4.json"
req POST /v1/jobs -H "$ADMIN" --data-binary @"$T/o4.json" >/dev/null
wait_for 15 "o4 accepted" sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET loa:job:o4 state)\" ]"
esc() { is "$1" "$(req POST /v1/jobs -H "$HKA" --data-binary "$2")" 403; }
esc "audience: its ward and another" '{"id":"e1","channels":["sms"],"sms":{"text":"x"},"audience":{"wards":["00070","00004"]}}'
esc "audience: its own district's other ward" '{"id":"e2","channels":["sms"],"sms":{"text":"x"},"audience":{"districts":["Hoàn Kiếm","Ba Đình"]}}'
esc "recipients: an unknown ward" '{"id":"e3","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000003","ward":"99999"}]}'
esc "recipients: one of 3 in another ward" '{"id":"e4","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000003","ward":"00070"},{"phone":"0912000004","ward":"00070"},{"phone":"0912000005","ward":"00008"}]}'
is "none of them queued" "$(R XLEN loa:jobs)" 0
is "the same id as another ward's job: 403, not its state" "$(req POST /v1/jobs -H "$HKA" --data-binary @"$T/o4.json")" 403
is "GET another ward's job: 403" "$(req GET /v1/jobs/o4 -H "$HKA")" 403
is "GET through a dot path: no job" "$(req GET /v1/jobs/./o4 -H "$HKA" --path-as-is)" 404
is "GET with an encoded slash: 400" "$(req GET /v1/jobs/x%2Fo4 -H "$HKA")" 400
is "cancel another ward's job: 403" "$(req POST /v1/jobs/o4/cancel -H "$HKA")" 403
is "listing by state does not show it" "$(req GET '/v1/jobs?state=done' -H "$HKA")/$(jq -r 'map(.job) | index("o4")' "$T/body")" 200/null
R HSET loa:job:rj state rejected >/dev/null
R ZADD loa:index:jobs 1 rj >/dev/null
is "a job of unknown wards (rejected) is not listed" "$(req GET /v1/jobs -H "$HKA")/$(jq -r 'map(.job) | index("rj")' "$T/body")" 200/null
is "nor readable" "$(req GET /v1/jobs/rj -H "$HKA")" 403
is "audit is not for a drafter" "$(req GET /v1/audit -H "$HKA")" 403
check "each escape audited as denied" sh -c "[ \$(redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -cx denied) -ge 10 ]"
check "the daemon is still up" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/healthz) = 200 ]"

# --- A flood of logins does not stop the daemon --------------------------
# Each password check is 100 ms or more of Argon2id: on the event loop, a
# few logins a second would hold every other request (and deliveries).
# Right passwords (the address limit counts failures only), 4 at a time
# for 4 s, while /healthz is timed every 100 ms.
R DEL "loa:login:addr:$(digest 127.0.0.1)" >/dev/null
end=$(($(date +%s) + 4))
pids=
for i in 1 2 3 4; do
	while [ "$(date +%s)" -lt $end ]; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 15 \
		    --data-binary '{"user":"other","password":"other pass 12"}' \
		    "$URL/v1/session"
	done > "$T/flood.$i" &
	pids="$pids $!"
done
sleep 0.5
: > "$T/hz"
for i in $(seq 1 25); do
	curl -s -o /dev/null -w '%{time_total}\n' --max-time 15 "$URL/healthz" >> "$T/hz"
	sleep 0.1
done
wait $pids
worst=$(sort -n "$T/hz" | tail -1)
echo "# logins in 4 s: $(cat "$T"/flood.* | grep -c 200) answered 200, $(cat "$T"/flood.* | grep -c 503) 503; /healthz worst $worst s"
check "some logins went through" [ "$(cat "$T"/flood.* | grep -c 200)" -gt 0 ]
check "beyond the checker's queue: 503, nothing else" sh -c "! cat '$T'/flood.* | grep -qv -e 200 -e 503"
if [ "${VALGRIND:-0}" = 1 ]; then
	echo "# skipped under valgrind: /healthz within 100 ms"
else
	check "/healthz answered within 100 ms throughout" awk -v w="$worst" 'BEGIN { exit !(w < 0.1) }'
fi

stop_loa a
done_testing
