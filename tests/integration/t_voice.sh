#!/bin/sh
# t_voice.sh -- residents' voice (issue 16) end to end: the mock's POST
# /_mock/inbound builds the providers' real inbound requests (a signed
# Zalo OA event, a signed Twilio SMS form) and posts them to a real
# daemon's /webhooks/<name>, whose plugins read them (inbound()) into the
# inbox.  A reply is stored once (a replay stores nothing), with the
# resident, ward and the job that reached them; loactl inbox and GET
# /v1/inbox show it by ward and job, to that ward's drafter only.  "TU
# CHOI" from a linked follower opts the resident out (the next job skips
# them) and is acknowledged by one OA text; "DANG KY <phone>" from an
# unknown follower links the uid to the resident with that phone, who is
# then reached by OA (zalo.text, by user id) and acknowledged; a
# Zalo-uid-only resident is reached; a uid that said STOP before it was
# imported is skipped by the gate and by preview, and reached again once
# loactl optout remove --zalo takes it out (a resident the keyword gave
# opt_out=1 keeps it); unsigned and wrongly signed events change
# nothing (401); a Twilio SMS finds its resident by phone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -z R0-first -c '{"zalo_app_id":"4242","zalo_secret_key":"oa-secret-key","twilio_auth_token":"twilio-auth","zalo_followers":["u1","u2","u3"]}' ||
    exit 1
# The mock checks the refresh's app secret and signs events with one
# key (zalo_secret_key): here the app secret and the OA secret agree.
printf 'oa-secret-key\n' > "$T/zalo.oa"
printf 'oa-secret-key\n' > "$T/zalo.secret"
printf 'R0-first\n' > "$T/zalo.refresh"
printf 'twilio-auth\n' > "$T/twilio.auth"
chmod 600 "$T/zalo.oa" "$T/zalo.secret" "$T/zalo.refresh" "$T/twilio.auth"
# Twilio signs the URL it posts to: the daemon listens on a port known
# before it starts, named in status_callback.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
write_base_conf a
sed -i "s/^listen = 127.0.0.1:0$/listen = 127.0.0.1:$PORT/" "$T/a.conf"
cat >> "$T/a.conf" <<CONF
[inbox]
ack_optout = Loa: đã dừng gửi
ack_linked = Loa: đã liên kết
$(zalo_section)
oa_secret_file = $T/zalo.oa
$(oa_section)
[provider.twilio]
plugin = twilio
channel = sms
base_url = $MOCK_URL
account_sid = AC0123456789abcdef0123456789abcdef
auth_token_file = $T/twilio.auth
from = +15005550006
status_callback = $URL/webhooks/twilio
CONF
check "loa -t accepts it" $LOA -t -c "$T/a.conf"

dir_wards
dir_resident r1 00070 84912000001 name An zalo_uid u1
R SADD loa:zalo:u1:residents r1 >/dev/null
dir_resident r2 00070 84912000002 name Binh
# r3: a Zalo user id, no phone
R HSET loa:resident:r3 ward 00004 name Chi zalo_uid u3 >/dev/null
R SADD loa:ward:00004:residents r3 >/dev/null
R SADD loa:zalo:u3:residents r3 >/dev/null
dir_resident r4 00004 84912000004 name Dung
start_loa a || { cat "$T/a.out"; exit 1; }
wait_for 10 "first token" grep -q "access token refreshed" "$T/a.out"

C() { $LOACTL -c "$T/a.conf" "$@"; }
n_inbox() { R XLEN loa:inbox; }
last() { R XREVRANGE loa:inbox + - COUNT 1 | awk -v f="$1" 'NR % 2 == 0 && $0 == f { getline; print; exit }'; }
# zalo FROM TEXT [extra JSON members]: the mock posts a Zalo user_send_text
zalo() {
	mock_call POST /_mock/inbound -H 'Content-Type: application/json' \
	    --data-binary "{\"provider\":\"zalo\",\"url\":\"$URL/webhooks/zalo\",\"from\":\"$1\",\"text\":\"$2\"${3:+,$3}}"
	printf '%s' "$MOCK_BODY" > "$T/inb.json"
}
inb() { jq -r "$1" "$T/inb.json"; }
oa_to() { mock_records | jq -r --arg u "$1" 'select(.provider == "zalo_oa" and .to == $u) | .text'; }

cat > "$T/j1.json" <<'EOF'
{"id":"j1","channels":["zalo","sms"],"sms":{"text":"Cat nuoc {{name}}"},
 "zalo":{"text":"Thông báo cắt nước {{name}}"},"audience":{"wards":["00070","00004"]}}
EOF
submit "$T/j1.json" >/dev/null
wait_for 20 "j1 done" state_is j1 done
is "the uid-only resident r3 reached by OA" "$(oa_to u3)" "Thông báo cắt nước Chi"
is "r1 (phone and uid) by OA: ZNS has no template" "$(oa_to u1)" "Thông báo cắt nước An"
is "r2 and r4 by Twilio SMS" "$(mock_count_to 84912000002):$(mock_count_to 84912000004)" 1:1
is "j1: 4 sent" "$(job_field j1 sent)" 4

# A reply from u1, posted twice: stored once.
zalo u1 "Nhà tôi ở ngõ 5 bị ngập" '"msg_id":"zm1","times":2'
is "a signed reply, twice: 200 200" "$(inb '.statuses | map(tostring) | join(" ")')" "200 200"
is "stored by the first, not the replay" "$(inb '[.answers[] | fromjson | .stored] | map(tostring) | join(" ")')" "1 0"
is "one entry" "$(n_inbox)" 1
is "its resident, ward, job, channel" "$(last resident) $(last ward) $(last job) $(last channel)" "r1 00070 j1 zalo"
is "the text as written" "$(last text)" "Nhà tôi ở ngõ 5 bị ngập"
is "loactl inbox --ward 00070" "$(C inbox --ward 00070 --json | jq -r '.[0].text')" "Nhà tôi ở ngõ 5 bị ngập"
is "loactl inbox --ward 00004: nothing" "$(C inbox --ward 00004 --json | jq length)" 0
is "loactl inbox --job j1" "$(C inbox --job j1 --json | jq -r '[.[].resident] | join(" ")')" r1
is "j1 answered 1" "$(job_field j1 answered)" 1
D70="Authorization: Bearer $(C token add d70 --wards 00070)"
D04="Authorization: Bearer $(C token add d04 --wards 00004)"
is "GET /v1/inbox: the drafter of 00070 sees it" "$(hook GET /v1/inbox -H "$D70") $(body '.[0].msg_id')" "200 zm1"
is "... the drafter of 00004 does not" "$(hook GET /v1/inbox -H "$D04") $(body length)" "200 0"

# Unsigned and wrongly signed: 401, nothing changes.
zalo u1 "TU CHOI" '"sign":false'
is "unsigned: 401" "$(inb .status)" 401
zalo u1 "TU CHOI" '"sign":"wrong"'
is "wrongly signed: 401" "$(inb .status)" 401
is "nothing stored, nobody opted out" "$(n_inbox) [$(R HGET loa:resident:r1 opt_out)] $(R SCARD loa:optout:zalo)" "1 [] 0"

# TU CHOI from u1 (linked to r1): r1 opted out, acknowledged by OA.
zalo u1 "Từ chối"
is "TU CHOI: 200, stored" "$(inb .status) $(inb '.answers[0] | fromjson | .stored')" "200 1"
is "keyword optout, opted_out" "$(last keyword) $(last action) $(last resident)" "optout opted_out r1"
is "r1 opted out, u1 in optout:zalo" "$(R HGET loa:resident:r1 opt_out) $(R SISMEMBER loa:optout:zalo u1)" "1 1"
wait_for 10 "the acknowledgement to u1" grep -q 'đã dừng gửi' "$MOCK_REC"
is "one OA text to u1: the ack" "$(oa_to u1 | grep -c 'Loa: đã dừng gửi')" 1
check "the ack logged: job -, reason ack" grep -q '"job":"-","channel":"zalo","provider":"oa","to":"u1","attempt":1,"status":"sent","reason":"ack"' "$T/a.delivery.log"

# DANG KY from u2, an unknown follower: linked to r2, acknowledged.
zalo u2 "Đăng ký 0912 000 002"
is "DANG KY: linked to r2" "$(last action) $(last resident) $(R HGET loa:resident:r2 zalo_uid)" "linked r2 u2"
is "the uid index" "$(R SMEMBERS loa:zalo:u2:residents)" r2
wait_for 10 "the acknowledgement to u2" sh -c "grep -q 'đã liên kết' '$MOCK_REC'"
is "one OA text to u2: the ack" "$(oa_to u2)" "Loa: đã liên kết"

# STOP from u9, unknown; then r5 is imported with that uid.
zalo u9 "STOP"
is "STOP from an unknown uid: opted_out, nobody" "$(last action) [$(last resident)] $(R SISMEMBER loa:optout:zalo u9)" "opted_out [] 1"
check "u9 is no follower: its ack failed, logged" grep -q '"job":"-","channel":"zalo","provider":"oa","to":"u9".*"status":"failed","reason":"ack:zalo_-213"' "$T/a.delivery.log"
R HSET loa:resident:r5 ward 00004 name Em zalo_uid u9 phone 84912000005 >/dev/null
R SADD loa:ward:00004:residents r5 >/dev/null
R SADD loa:phone:84912000005:residents r5 >/dev/null
sed 's/"j1"/"j2"/' "$T/j1.json" > "$T/j2.json"
C preview "$T/j2.json" --json > "$T/j2.preview"
is "preview: r1 and r5 opted out" "$(jq -c '.audience.skipped | [.opted_out, .total]' "$T/j2.preview")" "[2,2]"
submit "$T/j2.json" >/dev/null
wait_for 20 "j2 done" state_is j2 done
is "j2 skips r1 and r5 (opted_out)" "$(out j2 r1 | cut -d: -f1) $(out j2 r5 | cut -d: -f1) $(job_field j2 skipped)" "skipped skipped 2"
is "r2, now linked, gets the OA message by user id" "$(oa_to u2 | grep -c 'Thông báo cắt nước Binh')" 1
is "j2: r2, r3 and r4 sent" "$(job_field j2 sent)" 3

# Undoing a Zalo opt-out: loactl optout remove --zalo takes the id out
# of loa:optout:zalo; r5 (skipped by its uid only) is reached again,
# while r1 keeps the opt_out=1 the keyword gave it.
is "optout list --zalo: u1 and u9" "$(C optout list --zalo | tr '\n' ' ')" "u1 u9 "
is "optout remove --zalo u9 u1" "$(C optout remove --zalo u9 u1 | tr '\n' '|')" \
    "zalo:u9 no longer opted out|zalo:u1 no longer opted out|"
is "  the set is empty" "$(R SCARD loa:optout:zalo)" 0
is "  r1 keeps opt_out=1" "$(R HGET loa:resident:r1 opt_out)" 1
C optout check --zalo u1 > "$T/oc.out"
is "check --zalo u1: still opted out by the directory (exit 0)" "$? $(cat "$T/oc.out")" \
    "0 zalo:u1 opted out by the directory: resident r1 in ward 00070"
C optout check --zalo u9 > "$T/oc.out"
is "check --zalo u9: not opted out (exit 1)" "$? $(cat "$T/oc.out")" "1 zalo:u9 not opted out"
C preview "$T/j2.json" --json > "$T/j2b.preview"
is "preview: only r1 opted out now" "$(jq -c '.audience.skipped | [.opted_out, .total]' "$T/j2b.preview")" "[1,1]"

# Twilio: an inbound SMS finds its resident by phone.
mock_call POST /_mock/inbound -H 'Content-Type: application/json' \
    --data-binary "{\"provider\":\"twilio\",\"url\":\"$URL/webhooks/twilio\",\"from\":\"+84912000004\",\"text\":\"Cảm ơn phường\"}"
printf '%s' "$MOCK_BODY" > "$T/inb.json"
is "Twilio inbound SMS: 200, stored" "$(inb .status) $(inb '.answers[0] | fromjson | .stored')" "200 1"
is "its resident, ward, channel, job" "$(last resident) $(last ward) $(last channel) $(last job)" "r4 00004 sms j2"
is "the drafter of 00004 sees it now" "$(hook GET /v1/inbox -H "$D04") $(body '[.[].text] | join(",")')" "200 Cảm ơn phường"
check "the phone masked" sh -c "! grep -q 84912000004 '$T/body' && ! $LOACTL -c '$T/a.conf' inbox --json | grep -q 84912000004"
mock_call POST /_mock/inbound -H 'Content-Type: application/json' \
    --data-binary "{\"provider\":\"twilio\",\"url\":\"$URL/webhooks/twilio\",\"from\":\"+84912000004\",\"text\":\"x\",\"sign\":\"wrong\"}"
is "Twilio wrongly signed: 401" "$(printf '%s' "$MOCK_BODY" | jq .status)" 401
check "no text or uid in the daemon's log" sh -c "! grep -q -e 'ngõ 5' -e 'Cảm ơn' -e 'Đăng ký' '$T/a.out'"
stop_loa a
done_testing
