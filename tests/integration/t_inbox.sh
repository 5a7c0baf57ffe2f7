#!/bin/sh
# t_inbox.sh -- what residents write back (issue 16), end to end through
# the console plugin's signed inbound form (X-Loa-Signature: the hex
# HMAC-SHA256 of the body, made here with openssl): a reply is stored once
# per msg_id with its resident, ward and job (a replay stores nothing);
# unsigned and forged ones get 401 and store nothing; an unknown sender is
# stored without a resident; TU CHOI in any spelling opts out and the
# next job skips the resident; DANG KY links a Zalo uid (linked,
# link_unknown, link_ambiguous); an oversized text is cut with
# truncated=1; loactl inbox lists per ward and job, texts escaped; the
# job counts who answered it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
printf 'inbound-secret\n' > "$T/in.secret"
chmod 600 "$T/in.secret"
write_conf a
echo "inbound_secret_file = $T/in.secret" >> "$T/a.conf"
dir_wards
dir_resident r1 00070 84912345001 name An
dir_resident r2 00070 84912345002 name Binh
dir_resident r3 00004 84912345003 name Chi
# two residents share a phone (DANG KY is then ambiguous)
dir_resident r4 00004 84912345009 name Dung
dir_resident r5 00008 84912345009 name Em
start_loa a || { cat "$T/a.out"; exit 1; }
webhook_url a

sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac inbound-secret -r | cut -d' ' -f1; }
# send BODY [SIGNATURE]: POST to /webhooks/console, prints the status
send() {
	hook POST /webhooks/console -H 'Content-Type: application/json' \
	    -H "X-Loa-Signature: ${2:-$(sign "$1")}" --data-binary "$1"
}
n_inbox() { R XLEN loa:inbox; }
last() { R XREVRANGE loa:inbox + - COUNT 1 | awk -v f="$1" 'NR % 2 == 0 && $0 == f { getline; print; exit }'; }

# A job that reaches r1 and r2 (ward 00070).
cat > "$T/j1.json" <<'EOF'
{"id":"j1","channels":["sms"],"sms":{"text":"Nước sẽ cắt ngày mai"},"audience":{"wards":["00070"]}}
EOF
submit "$T/j1.json" >/dev/null
wait_for 20 "j1 done" state_is j1 done

# a reply, stored once
B='{"from":"84912345001","channel":"sms","text":"Nhà tôi ở ngõ 5 bị ngập","msg_id":"m1","ts":1700000000000}'
is "a signed reply: 200" "$(send "$B")" 200
is "inbound 1, stored 1" "$(body .inbound) $(body .stored)" "1 1"
is "its resident, ward and job" "$(last resident) $(last ward) $(last job)" "r1 00070 j1"
is "the text as written" "$(last text)" "Nhà tôi ở ngõ 5 bị ngập"
is "sent_at from the provider's ts" "$(date -d "$(last sent_at)" +%s)" 1700000000
is "a replay: 200, stored 0" "$(send "$B") $(body .stored)" "200 0"
is "nothing added" "$(n_inbox)" 1
is "the job: answered 1" "$(job_field j1 answered)" 1

# unsigned and forged
is "unsigned: 401" "$(hook POST /webhooks/console --data-binary "$B")" 401
B2='{"from":"84912345002","channel":"sms","text":"x","msg_id":"m2"}'
is "forged: 401" "$(send "$B2" "$(sign "$B")")" 401
is "a wrong secret: 401" "$(send "$B2" "$(printf '%s' "$B2" | openssl dgst -sha256 -hmac other -r | cut -d' ' -f1)")" 401
is "nothing stored by them" "$(n_inbox)" 1
check "the body is never logged" sh -c "! grep -q 'ngõ 5' '$T/a.out' '$T/a.delivery.log'"
is "malformed: 400" "$(send '{"from":"849","channel":"fax"}')" 400

# unknown sender
is "an unknown phone" "$(send '{"from":"84987654321","channel":"sms","text":"hello","msg_id":"m3"}')" 200
is "stored without a resident" "$(body .stored) [$(last resident)] [$(last ward)]" "1 [] []"

# keywords: TU CHOI from r2 (sms), then a job skips r2
is "Từ chối" "$(send '{"from":"84912345002","channel":"sms","text":"  Từ chối. ","msg_id":"m4"}')" 200
is "keyword optout, opted_out" "$(last keyword) $(last action)" "optout opted_out"
is "the phone opted out" "$(R SISMEMBER loa:optout 84912345002)" 1
is "audited as the resident" "$(R XREVRANGE loa:audit + - COUNT 1 | sed -n '7p;9p;11p' | tr '\n' ' ')" "optout r2 console "
sed 's/"j1"/"j2"/' "$T/j1.json" > "$T/j2.json"
submit "$T/j2.json" >/dev/null
wait_for 20 "j2 done" state_is j2 done
is "the next job skips r2 (opted_out)" "$(R HGET loa:job:j2:out r2) $(R HGET loa:job:j2:out r1)" "skipped: sent:sms"
is "j2 skipped one" "$(job_field j2 skipped)" 1

# stop and HUY from Zalo: an unknown uid is opted out by uid only
is "stop from an unknown zalo user" "$(send '{"from":"uid-777","channel":"zalo","text":"STOP","msg_id":"m5"}')" 200
is "its uid opted out" "$(R SISMEMBER loa:optout:zalo uid-777) $(last action)" "1 opted_out"

# DANG KY
is "DANG KY: one resident" "$(send '{"from":"uid-42","channel":"zalo","text":"Đăng ký 0912 345 003","msg_id":"m6"}')" 200
is "linked" "$(last action) $(last resident) $(R HGET loa:resident:r3 zalo_uid)" "linked r3 uid-42"
is "the uid index" "$(R SMEMBERS loa:zalo:uid-42:residents)" r3
is "the next message from the uid finds r3" "$(send '{"from":"uid-42","channel":"zalo","text":"cảm ơn","msg_id":"m7"}') $(last resident) $(last ward)" "200 r3 00004"
send '{"from":"uid-43","channel":"zalo","text":"dang ky 0912345009","msg_id":"m8"}' >/dev/null
is "two residents: link_ambiguous" "$(last action) [$(R HGET loa:resident:r4 zalo_uid)]" "link_ambiguous []"
send '{"from":"uid-44","channel":"zalo","text":"DANGKY 0912345999","msg_id":"m9"}' >/dev/null
is "none: link_unknown" "$(last action)" link_unknown
send '{"from":"84912345001","channel":"sms","text":"DANG KY 0912345003","msg_id":"m10"}' >/dev/null
is "from sms: no link" "$(last keyword) [$(last action)]" "register []"

# oversized: cut at a character, truncated=1
BIG=$(awk 'BEGIN { for (i = 0; i < 2000; i++) printf "ấ" }')
is "an oversized text" "$(send "{\"from\":\"84912345001\",\"channel\":\"sms\",\"text\":\"$BIG\",\"msg_id\":\"m11\"}")" 200
is "truncated=1, cut at a character" "$(last truncated) $(last text | wc -c)" "1 4096"

# hostile texts: escapes and newlines shown safely by loactl
send "{\"from\":\"84912345001\",\"channel\":\"sms\",\"text\":\"a\\u001b[31mRED\\nline2\\ttab\",\"msg_id\":\"m12\"}" >/dev/null
check "loactl inbox: no escape byte on the terminal" sh -c "! $LOACTL -c '$T/a.conf' inbox --ward 00070 | grep -q \"\$(printf '\\033')\""
check "loactl inbox: one line a message" sh -c "$LOACTL -c '$T/a.conf' inbox --limit 1 | tail -1 | grep -q 'RED.*line2'"

# listing per ward and job
check "loactl inbox --ward 00004 shows only that ward" sh -c \
    "$LOACTL -c '$T/a.conf' inbox --ward 00004 --json | jq -e 'length == 2 and all(.ward == \"00004\")' >/dev/null"
check "loactl inbox --job j1" sh -c \
    "$LOACTL -c '$T/a.conf' inbox --job j1 --json | jq -e 'length >= 2 and all(.job == \"j1\")' >/dev/null"
check "phones masked in listings" sh -c \
    "! $LOACTL -c '$T/a.conf' inbox --json | grep -q 84912345001"
check "newest first" sh -c \
    "[ \"\$($LOACTL -c '$T/a.conf' inbox --json --limit 1 | jq -r '.[0].msg_id')\" = m12 ]"
check "loactl report shows answered" sh -c "$LOACTL -c '$T/a.conf' report j1 | grep -qi 'answered'"
is "loactl status shows answered" "$($LOACTL -c "$T/a.conf" status j1 | grep '^answered ')" "answered  $(job_field j1 answered)"
is "metrics: stored and bad signatures" \
    "$(curl -s "$URL/metrics" | grep -c 'loa_inbound_total{provider="console",kind="\(text\|unknown\)",result="\(stored\|bad_signature\)"}')" 2

# GET /v1/inbox, scoped like jobs
C() { $LOACTL -c "$T/a.conf" "$@"; }
D70="Authorization: Bearer $(C token add d70 --wards 00070)"
D08="Authorization: Bearer $(C token add d08 --wards 00008)"
ALL="Authorization: Bearer $(C token add all --all)"
is "a drafter of 00070" "$(hook GET /v1/inbox -H "$D70")" 200
check "sees only 00070's entries" sh -c "jq -e 'length > 0 and all(.ward == \"00070\")' '$T/body' >/dev/null"
check "phones masked, texts as JSON strings" sh -c "! grep -q 84912345001 '$T/body' && jq -e '.[0].text | type == \"string\"' '$T/body' >/dev/null"
is "a drafter of another ward sees nothing" "$(hook GET /v1/inbox -H "$D08") $(body length)" "200 0"
is "a ward outside the scope: 403" "$(hook GET '/v1/inbox?ward=00070' -H "$D08")" 403
is "scope all sees entries without a ward" "$(hook GET /v1/inbox?limit=1000 -H "$ALL") $(body '[.[] | select(.ward == "")] | length > 0')" "200 true"
is "?job=j1" "$(hook GET '/v1/inbox?job=j1' -H "$D70") $(body 'all(.job == "j1")')" "200 true"
is "inbox: limit 1001 is 400, with the bound" "$(hook GET '/v1/inbox?limit=1001' -H "$ALL") $(body .error)" "400 limit: want 1 to 1000"
is "inbox: limit 1x is 400" "$(hook GET '/v1/inbox?limit=1x' -H "$ALL")" 400
FIRST=$(hook GET '/v1/inbox?limit=1' -H "$ALL" >/dev/null; body '.[0].id')
is "?after= the newest: nothing newer" "$(hook GET "/v1/inbox?after=$FIRST" -H "$ALL") $(body length)" "200 0"
is "a bad parameter: 400" "$(hook GET '/v1/inbox?ward=../x' -H "$ALL")" 400
is "no credential: 401" "$(hook GET /v1/inbox)" 401
is "GET /v1/jobs/j1 shows answered (r1 and r2)" "$(hook GET /v1/jobs/j1 -H "$D70") $(body .answered)" "200 2"

stop_loa a
done_testing
