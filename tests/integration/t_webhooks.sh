#!/bin/sh
# t_webhooks.sh -- delivery reports on /webhooks/<provider>: eSMS's GET
# callback and SpeedSMS's POST (token in the callback URL), Twilio status
# callbacks (X-Twilio-Signature) and Zalo user_received_message
# (X-ZEvent-Signature), each with good, bad and replayed signatures; a
# report never downgrades a final status and counts once; a report that
# comes before its send is recorded is still matched; bad signatures get
# 401 and are logged without the body.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -z R0-first || exit 1
printf 'R0-first\n' > "$T/zalo.refresh"
printf 'app-secret\n' > "$T/zalo.secret"
printf 'oa-secret-key\n' > "$T/zalo.oa"
printf 'k\n' > "$T/esms.key"
printf 's\n' > "$T/esms.secret"
printf 'esms-hook-token\n' > "$T/esms.hook"
printf 'speed-token\n' > "$T/speed.token"
printf 'speed-hook-token\n' > "$T/speed.hook"
printf 'twilio-auth\n' > "$T/twilio.auth"
chmod 600 "$T"/zalo.* "$T"/esms.* "$T"/speed.* "$T"/twilio.*
TWCB=https://loa.example.gov.vn/webhooks/twilio
write_base_conf a
cat >> "$T/a.conf" <<CONF
$(zalo_section)
oa_secret_file = $T/zalo.oa
[provider.esms]
plugin = esms
channel = sms
carriers = viettel
base_url = $MOCK_URL
api_key_file = $T/esms.key
secret_key_file = $T/esms.secret
brandname = UBND-HK
callback_url = https://loa.example.gov.vn/webhooks/esms
webhook_token_file = $T/esms.hook
[provider.speed]
plugin = speedsms
channel = sms
carriers = vinaphone
base_url = $MOCK_URL
token_file = $T/speed.token
sender = UBND-HK
webhook_token_file = $T/speed.hook
[provider.twilio]
plugin = twilio
channel = sms
carriers = mobifone
base_url = $MOCK_URL
account_sid = AC0123456789abcdef0123456789abcdef
auth_token_file = $T/twilio.auth
from = +15005550006
status_callback = $TWCB
CONF
start_loa a || { cat "$T/a.out"; exit 1; }
webhook_url a

# Two residents per SMS provider (routed by carrier), two on Zalo.
cat > "$T/s1.json" <<'JOB'
{"id":"s1","channels":["sms"],"sms":{"text":"Cat nuoc sang mai"},
 "recipients":[{"phone":"0961000001"},{"phone":"0961000002"},
  {"phone":"0912000001"},{"phone":"0912000002"},
  {"phone":"0901000001"},{"phone":"0901000002"}]}
JOB
cat > "$T/z1.json" <<'JOB'
{"id":"z1","channels":["zalo"],"zalo":{"template_id":"231768","data":{"ten":"A"}},
 "recipients":[{"phone":"0961000011"},{"phone":"0961000012"}]}
JOB
submit "$T/s1.json" >/dev/null
submit "$T/z1.json" >/dev/null
wait_for 20 "s1 done" state_is s1 done
wait_for 20 "z1 done" state_is z1 done
is "s1 all sent" "$(job_field s1 sent)" 6
is "the providers split it" "$(mock_records | jq -r .provider | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')" "esms=2 speedsms=2 twilio=2 zalo=2 "

# --- eSMS: GET with the token in the query ---
E1=$(pid esms 84961000001)
E2=$(pid esms 84961000002)
check "eSMS message ids known" [ -n "$E1" -a -n "$E2" ]
is "eSMS delivered: 200" "$(hook GET "/webhooks/esms?SMSID=$E1&SendStatus=5&loa_token=esms-hook-token")" 200
is "applied once" "$(body .applied)" 1
is "job counts it delivered" "$(job_field s1 delivered)" 1
is "outcome is delivered" "$(out s1 '#0')" delivered:sms
is "sent stays (delivered is part of sent)" "$(job_field s1 sent)" 6
is "replay: 200" "$(hook GET "/webhooks/esms?SMSID=$E1&SendStatus=5&loa_token=esms-hook-token")" 200
is "replay is final, not applied" "$(body .final)/$(body .applied)" 1/0
is "replay counted once" "$(job_field s1 delivered)" 1
is "a later 'rejected' for it: 200" "$(hook GET "/webhooks/esms?SMSID=$E1&SendStatus=4&loa_token=esms-hook-token")" 200
is "delivered is not downgraded" "$(out s1 '#0')/$(job_field s1 failed)" delivered:sms/0
is "eSMS still waiting (2): 200, nothing recorded" "$(hook GET "/webhooks/esms?SMSID=$E2&SendStatus=2&loa_token=esms-hook-token")/$(body .reports)" 200/0
is "eSMS rejected: 200" "$(hook GET "/webhooks/esms?SMSID=$E2&SendStatus=4&loa_token=esms-hook-token")" 200
is "failed report moves sent to failed" "$(job_field s1 sent)/$(job_field s1 failed)/$(out s1 '#1')" 5/1/failed:sms
is "per channel too" "$(job_field s1 ch:sms:failed)" 1
is "wrong token: 401" "$(hook GET "/webhooks/esms?SMSID=$E2&SendStatus=5&loa_token=guess")" 401
is "no token: 401" "$(hook GET "/webhooks/esms?SMSID=$E2&SendStatus=5")" 401
is "unchanged by refused reports" "$(out s1 '#1')" failed:sms
check "delivered line in the delivery log" grep -q "\"provider\":\"esms\".*\"status\":\"delivered\".*\"provider_id\":\"$E1\"" "$T/a.delivery.log"
check "logged phone is masked" sh -c "grep '\"status\":\"delivered\"' '$T/a.delivery.log' | grep -q '\"to\":\"8496\\*\\*\\*\\*001\"'"
check "the same event on loa:events" sh -c "redis-cli -s '$SOCK' XREVRANGE loa:events + - COUNT 50 | grep -q '\"status\":\"delivered\"'"

# --- SpeedSMS: JSON POST, token in the query ---
S1=$(pid speedsms 84912000001)
is "SpeedSMS delivered: 200" "$(hook POST "/webhooks/speed?loa_token=speed-hook-token" -H 'Content-Type: application/json' --data "{\"type\":\"report\",\"tranId\":$S1,\"phone\":\"84912000001\",\"status\":0}")" 200
is "SpeedSMS applied" "$(body .applied)/$(out s1 '#2')" 1/delivered:sms
is "SpeedSMS wrong token: 401" "$(hook POST "/webhooks/speed?loa_token=x" -H 'Content-Type: application/json' --data "{\"type\":\"report\",\"tranId\":$S1,\"status\":0}")" 401

# --- Twilio: form POST signed with HMAC-SHA1 over URL + sorted params ---
T1=$(pid twilio 84901000001)
T2=$(pid twilio 84901000002)
# twsig PARAMS...: X-Twilio-Signature for name=value pairs.
twsig() {
	{ printf '%s' "$TWCB"; printf '%s\n' "$@" | sort | tr -d '=\n'; } |
	    openssl dgst -sha1 -hmac twilio-auth -binary | base64
}
sig=$(twsig "MessageSid=$T1" "MessageStatus=delivered" "AccountSid=AC0123456789abcdef0123456789abcdef")
is "Twilio delivered: 200" "$(hook POST /webhooks/twilio -H "X-Twilio-Signature: $sig" --data "MessageSid=$T1&MessageStatus=delivered&AccountSid=AC0123456789abcdef0123456789abcdef")" 200
is "Twilio applied" "$(body .applied)/$(out s1 '#4')" 1/delivered:sms
is "Twilio replay counts once" "$(hook POST /webhooks/twilio -H "X-Twilio-Signature: $sig" --data "MessageSid=$T1&MessageStatus=delivered&AccountSid=AC0123456789abcdef0123456789abcdef")/$(body .final)/$(job_field s1 delivered)" 200/1/3
is "Twilio tampered body: 401" "$(hook POST /webhooks/twilio -H "X-Twilio-Signature: $sig" --data "MessageSid=$T2&MessageStatus=delivered&AccountSid=AC0123456789abcdef0123456789abcdef")" 401
is "Twilio unsigned: 401" "$(hook POST /webhooks/twilio --data "MessageSid=$T2&MessageStatus=failed")" 401
sig=$(twsig "MessageSid=$T2" "MessageStatus=undelivered" "ErrorCode=30003")
is "Twilio undelivered: 200" "$(hook POST /webhooks/twilio -H "X-Twilio-Signature: $sig" --data "MessageSid=$T2&MessageStatus=undelivered&ErrorCode=30003")" 200
is "Twilio undelivered is failed" "$(out s1 '#5')" failed:sms
check "its reason logged" grep -q '"provider":"twilio".*"status":"failed","reason":"error_30003"' "$T/a.delivery.log"

# --- Zalo: sha256(app_id + body + timestamp + OA secret) ---
Z1=$(pid zalo 84961000011)
# signed now: events outside webhook_max_age / webhook_max_ahead are refused
ZTS=$(($(date +%s) * 1000 + 477))
zbody="{\"event_name\":\"user_received_message\",\"app_id\":\"4242\",\"timestamp\":\"$ZTS\",\"sender\":{\"id\":\"oa1\"},\"recipient\":{\"id\":\"84961000011\"},\"message\":{\"delivery_time\":\"1602560967000\",\"msg_id\":\"$Z1\",\"tracking_id\":\"x\"}}"
zsig=$(printf '%s%s%s%s' 4242 "$zbody" "$ZTS" oa-secret-key | openssl dgst -sha256 | sed 's/.*= //')
is "Zalo delivered: 200" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$zsig" -H 'Content-Type: application/json' --data "$zbody")" 200
is "Zalo applied" "$(body .applied)/$(out z1 '#0')" 1/delivered:zalo
is "Zalo replay counts once" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$zsig" --data "$zbody")/$(job_field z1 delivered)" 200/1
is "Zalo bad signature: 401" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$(echo "$zsig" | tr 0-9a-f 1-9a-f0)" --data "$zbody")" 401
is "Zalo tampered body: 401" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$zsig" --data "$(echo "$zbody" | sed 's/84961000011/84961000012/')")" 401

# --- Refusals are logged once, without the body ---
check "bad signature logged, naming the provider" grep -q 'http: esms: delivery report with a bad signature, refused (from 127.0.0.1)' "$T/a.out"
is "logged once a minute, not per request" "$(grep -c 'delivery report with a bad signature' "$T/a.out")" 1
check "no body, id or token in the daemon log" sh -c "! grep -q -e '$E2' -e '$Z1' -e 'hook-token' -e guess -e 84961000011 '$T/a.out'"
is "unknown provider: 404" "$(hook GET /webhooks/nosuch)" 404
is "console sends no reports: 404" "$(hook POST /webhooks/console --data x)" 404
is "PUT: 405" "$(hook PUT /webhooks/esms --data x)" 405
head -c 70000 /dev/zero | tr '\0' a > "$T/big"
is "oversized report: 413" "$(hook POST "/webhooks/esms?loa_token=esms-hook-token" --data-binary @"$T/big")" 413
is "malformed (no SMSID): 400" "$(hook GET "/webhooks/esms?SendStatus=5&loa_token=esms-hook-token")" 400

# --- A report before its send is recorded ---
E9=$(early_job e1 0961000099)
is "early report: 200" "$(hook GET "/webhooks/esms?SMSID=$E9&SendStatus=5&loa_token=esms-hook-token")" 200
is "kept for later" "$(body .early)/$(job_field e1 sent)" 1/0
is "early replay kept once" "$(hook GET "/webhooks/esms?SMSID=$E9&SendStatus=5&loa_token=esms-hook-token")/$(R ZCARD loa:reports:early)" 200/1
wait_for 15 "e1 delivered once its send is recorded" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:e1 delivered)\" = 1 ]"
is "e1: sent and delivered" "$(job_field e1 sent)/$(job_field e1 delivered)/$(out e1 '#0')" 1/1/delivered:sms
is "nothing left waiting" "$(R ZCARD loa:reports:early)" 0
mock_config '{"delay_ms":0}'

# --- Metrics ---
hook GET /metrics >/dev/null
check "metrics count applied reports" grep -q '^loa_delivery_reports_total{provider="esms",result="applied"} 3$' "$T/body"
check "metrics count bad signatures" grep -q '^loa_delivery_reports_total{provider="zalo",result="bad_signature"} 2$' "$T/body"
check "metrics count delivered reports apart from final outcomes" grep -q 'loa_deliveries_reported_total{channel="sms",provider="twilio",status="delivered"} 1' "$T/body"
stop_loa a
done_testing
