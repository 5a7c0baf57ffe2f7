#!/bin/sh
# t_zalo_oa.sh -- Zalo OA messages by user id (zalo_oa) beside ZNS
# (zalo_zns) and SMS (eSMS), through the mock: a uid-only resident is
# reached by OA; a resident with a phone and a uid gets ZNS first (config
# order) and OA when ZNS falls back; a non-follower (-213) and an OA out
# of quota (-211) fall back to SMS; an unknown negative code fails (never
# "sent"); a job with zalo.text only reaches phone-only residents by SMS;
# both sections share one token (credentials = zalo): one refresh for
# both, at start and when the token is refused; a delivery report for an
# OA message arriving at the ZNS webhook finds it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -z R0-first || exit 1
printf 'oa-secret-key\n' > "$T/zalo.oa"
chmod 600 "$T/zalo.oa"
write_base_conf a
cat >> "$T/a.conf" <<CONF
$(zalo_section)
oa_secret_file = $T/zalo.oa
$(oa_section)
$(esms_section)
CONF
check "loa -t accepts it" $LOA -t -c "$T/a.conf"

# credentials must name another section that keeps its own
sed 's/^credentials = zalo/credentials = nosuch/' "$T/a.conf" > "$T/bad.conf"
check "credentials naming no section refused" sh -c "! $LOA -t -c '$T/bad.conf' 2>'$T/bad.err'"
check "... with a clear error" grep -q 'credentials: want the name of another' "$T/bad.err"

mock_config '{"zalo_app_id":"4242","zalo_followers":["u1","u2","u5","u8"],"zalo_codes":{"84912000002":-118,"84912000003":-118},"zalo_oa_codes":{"u7":-299}}'
start_loa a || exit 1
wait_for 10 "first token" grep -q "access token refreshed" "$T/a.out"
sleep 1
is "one refresh at start for both sections" "$(mock_stat refreshes)" 1
is "tokens kept under the ZNS section only" "$(R EXISTS loa:cred:zalo):$(R EXISTS loa:cred:oa)" 1:0

cat > "$T/o1.json" <<'JOB'
{"id":"o1","channels":["zalo","sms"],
 "sms":{"text":"SMS {{name}}"},
 "zalo":{"template_id":"231768","data":{"ten":"{{name}}"},"text":"Xin chào {{name}}"},
 "recipients":[
  {"zalo_uid":"u1","name":"A"},
  {"phone":"0912000001","zalo_uid":"u2","name":"B"},
  {"phone":"0912000002","zalo_uid":"u5","name":"C"},
  {"phone":"0912000003","zalo_uid":"u9","name":"D"},
  {"zalo_uid":"u7","name":"E"}]}
JOB
submit "$T/o1.json" >/dev/null
wait_for 20 "o1 done" state_is o1 done
is "uid-only A reached by OA" "$(mock_records | jq -r 'select(.provider == "zalo_oa" and .to == "u1") | .text')" "Xin chào A"
is "B (phone and uid) by ZNS, config order" "$(mock_count_to 84912000001):$(mock_records | jq -r 'select(.to == "u2") | .to' | wc -l)" 1:0
is "C: ZNS -118, then OA" "$(mock_records | jq -r 'select(.provider == "zalo_oa" and .to == "u5") | .text')" "Xin chào C"
check "C's fallback from ZNS logged" grep -q '"job":"o1".*"provider":"zalo".*"status":"fallback","reason":"zalo_-118"' "$T/a.delivery.log"
is "D: ZNS -118, OA -213 (not a follower), then SMS" "$(mock_records | jq -r 'select(.provider == "esms") | .to')" 84912000003
check "D's fallback from OA logged" grep -q '"job":"o1".*"provider":"oa".*"status":"fallback","reason":"zalo_-213"' "$T/a.delivery.log"
is "E: unknown negative code fails, never sent" "$(out o1 '#4' | cut -d: -f1):$(job_field o1 failed)" failed:1
check "E's reason is the code" grep -q '"job":"o1".*"status":"failed","reason":"zalo_-299"' "$T/a.delivery.log"
is "o1: 4 sent, 3 on zalo" "$(job_field o1 sent):$(job_field o1 ch:zalo:sent)" 4:3

# A job with zalo.text only: ZNS has nothing to send; a phone-only
# resident goes to SMS, a follower to OA; then the OA runs out of quota.
cat > "$T/o2.json" <<'JOB'
{"id":"o2","channels":["zalo","sms"],
 "sms":{"text":"SMS {{name}}"},
 "zalo":{"text":"Hop to dan pho {{name}}"},
 "recipients":[
  {"phone":"0912000010","name":"F"},
  {"phone":"0912000011","zalo_uid":"u8","name":"G"}]}
JOB
submit "$T/o2.json" >/dev/null
wait_for 20 "o2 done" state_is o2 done
is "phone-only F, text-only job: SMS" "$(mock_count_to 84912000010)" 1
is "G by OA (ZNS has no template)" "$(mock_records | jq -r 'select(.to == "u8") | .provider')" zalo_oa
is "no ZNS request for o2" "$(mock_records | jq -r 'select(.provider == "zalo" and (.to == "84912000010" or .to == "84912000011")) | .to' | wc -l)" 0
used=$(mock_stat by_provider.zalo_oa.accepted)
mock_config "{\"zalo_oa_quota\":$used}"
sed -e 's/"o2"/"o3"/' -e 's/0912000010/0912000020/' "$T/o2.json" > "$T/o3.json"
submit "$T/o3.json" >/dev/null
wait_for 20 "o3 done" state_is o3 done
is "quota -211: G falls back to SMS" "$(mock_count_to 84912000011)" 1
check "the quota fallback logged" grep -q '"job":"o3".*"status":"fallback","reason":"zalo_-211"' "$T/a.delivery.log"
mock_config '{"zalo_oa_quota":1000000}'

# The token is refused: OA (-201) and ZNS (-124) each ask for a refresh;
# one refresh serves both.
r0=$(mock_stat refreshes)
e0=$(mock_stat refresh_errors)
mock_config '{"expire_zalo_tokens":true}'
sed -e 's/"o1"/"o4"/' "$T/o1.json" > "$T/o4.json"
submit "$T/o4.json" >/dev/null
wait_for 20 "o4 done" state_is o4 done
is "o4 sent as o1" "$(job_field o4 sent):$(job_field o4 ch:zalo:sent)" 4:3
is "one refresh for both sections" "$(( $(mock_stat refreshes) - r0 ))" 1
is "no refused refresh token" "$(( $(mock_stat refresh_errors) - e0 ))" 0
check "OA's -201 was a refresh" grep -q '"job":"o4".*"provider":"oa".*"status":"retry","reason":"zalo_-201"' "$T/a.delivery.log"

# A delivery report for an OA message, at the ZNS section's webhook.
webhook_url a
M1=$(pid zalo_oa u1)
ZTS=$(($(date +%s) * 1000 + 123))
zbody="{\"event_name\":\"user_received_message\",\"app_id\":\"4242\",\"timestamp\":\"$ZTS\",\"sender\":{\"id\":\"oa1\"},\"recipient\":{\"id\":\"u1\"},\"message\":{\"delivery_time\":\"1602560967000\",\"msg_id\":\"$M1\"}}"
zsig=$(printf '%s%s%s%s' 4242 "$zbody" "$ZTS" oa-secret-key | openssl dgst -sha256 | sed 's/.*= //')
is "OA report at /webhooks/zalo: 200" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$zsig" -H 'Content-Type: application/json' --data "$zbody")" 200
is "OA message delivered" "$(body .applied)/$(out o1 '#0' | cut -d: -f1)" 1/delivered
is "forged report: 401" "$(hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$(echo "$zsig" | tr 0-9a-f 1-9a-f0)" --data "$zbody")" 401
check "no token, uid or text in the daemon log" sh -c "! grep -q -e app-secret -e 'Xin chào' -e '\"u1\"' '$T/a.out'"
stop_loa a
done_testing
