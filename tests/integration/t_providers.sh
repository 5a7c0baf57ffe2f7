#!/bin/sh
# t_providers.sh -- real plugins against the mock provider on loopback:
# eSMS under 20% 5xx and 10% 429 reaches every resident exactly once; a
# provider down for 30 s opens its circuit, nothing is lost, the circuit
# closes when it is back; carrier routing splits SMS between eSMS
# (Viettel) and SpeedSMS (the others).
# serial: circuit timings of a 30 s outage
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -c '{"seed":7}' || exit 1
printf 'speed-token\n' > "$T/speed.token"
chmod 600 "$T/speed.token"

ESMS="$(esms_section)
max_attempts = 8
timeout = 2s"

# 1. 20% 5xx and 10% 429: everyone reached exactly once.
N=2000
write_base_conf a "$ESMS"
start_loa a || exit 1
check "loa -t accepts the plugin config" $LOA -t -c "$T/a.conf"
mock_config '{"fail_5xx":0.2,"fail_429":0.1,"retry_after":"1"}'
gen_job flaky $N "Mat dien {{name}}"
submit "$T/flaky.json" >/dev/null
wait_for 90 "flaky done" state_is flaky done
is "all sent" "$(job_field flaky sent)" $N
is "each resident recorded once by the provider" "$(mock_records | jq -r 'select(.provider == "esms") | .to' | sort -u | wc -l)" $N
is "no second message" "$(mock_records | grep -c '"provider":"esms"')" $N
check "5xx were injected ($(mock_stat http_5xx))" test "$(mock_stat http_5xx)" -gt 100
check "429 were injected ($(mock_stat http_429))" test "$(mock_stat http_429)" -gt 50
retries=$(grep -c '"status":"retry"' "$T/a.delivery.log")
check "retries logged ($retries)" test "$retries" -gt 150
maxatt=$(jq -r 'select(.job == "flaky" and .status == "sent") | .attempt' "$T/a.delivery.log" | sort -n | tail -1)
check "attempts within max_attempts ($maxatt <= 8)" test "$maxatt" -le 8
check "RequestId is the delivery id" sh -c "mock_records() { cat '$MOCK_REC'; }; mock_records | head -1 | jq -e '.id | test(\"^[0-9a-f]{32}$\")' >/dev/null"
mock_reset
: > "$MOCK_REC"

# 2. Down for 30 s, then back.
N=300
gen_job outage $N
# Part 1's 5xx may already have opened and closed the circuit once: only
# what the log says from here on counts.
from=$(($(wc -l < "$T/a.out") + 1))
since() { tail -n "+$from" "$T/a.out"; }
mock_config '{"down":true}'
submit "$T/outage.json" >/dev/null
wait_for 10 "circuit open" sh -c "tail -n +$from '$T/a.out' | grep -q 'provider esms: circuit open'"
check "circuit opened" sh -c "tail -n +$from '$T/a.out' | grep -q 'provider esms: circuit open'"
sleep 30
is "nothing recorded while down" "$(mock_records | wc -l)" 0
is "job still sending" "$(job_field outage state)" sending
mock_config '{"down":false}'
wait_for 60 "outage done" state_is outage done
is "outage: all sent" "$(job_field outage sent)" $N
is "outage: none failed" "$(job_field outage failed)" 0
check "circuit closed again" sh -c "tail -n +$from '$T/a.out' | grep -q 'provider esms: circuit closed'"
is "said once that it opened" "$(since | grep -c 'provider esms: circuit open')" 1
stop_loa a
mock_reset
: > "$MOCK_REC"

# 3. Carrier routing: Viettel (03x, 09[678]) to eSMS, the others to SpeedSMS.
write_base_conf b "$ESMS
carriers = viettel
[provider.speed]
plugin = speedsms
channel = sms
base_url = $MOCK_URL
token_file = $T/speed.token
sender = UBND-HK
carriers = vinaphone,mobifone"
start_loa b || exit 1
cat > "$T/route.json" <<JSON
{"id":"route","channels":["sms"],"sms":{"text":"x"},"recipients":[
 {"phone":"0981000001"},{"phone":"0351000002"},{"phone":"0912000003"},
 {"phone":"0901000004"},{"phone":"0771000005"},{"phone":"0868000006"}]}
JSON
submit "$T/route.json" >/dev/null
wait_for 20 "route done" state_is route done
is "route: all sent" "$(job_field route sent)" 6
is "Viettel numbers through eSMS" "$(mock_records | jq -r 'select(.provider == "esms") | .to' | sort | tr '\n' ' ')" "84351000002 84868000006 84981000001 "
is "Vinaphone and MobiFone through SpeedSMS" "$(mock_records | jq -r 'select(.provider == "speedsms") | .to' | sort | tr '\n' ' ')" "84771000005 84901000004 84912000003 "
stop_loa b
mock_reset
: > "$MOCK_REC"

# 4. Answers that come too late (timeout 1 s, answers after 1.5 s): eSMS
# de-duplicates by RequestId, so the resend is answered 124 and counted
# sent once; SpeedSMS does not, so the resend is a possible duplicate and
# reported as such.
write_base_conf c "$ESMS
timeout = 1s
carriers = viettel
[provider.speed]
plugin = speedsms
channel = sms
base_url = $MOCK_URL
token_file = $T/speed.token
sender = UBND-HK
timeout = 1s
max_attempts = 8
carriers = vinaphone"
sed -i 's/^timeout = 2s$//' "$T/c.conf"
start_loa c || exit 1
mock_config '{"delay_ms":1500}'
printf '%s' '{"id":"late","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0981000001"},{"phone":"0912000002"}]}' > "$T/late.json"
submit "$T/late.json" >/dev/null
sleep 2.5
mock_config '{"delay_ms":0}'
wait_for 30 "late done" state_is late done
is "late: both sent" "$(job_field late sent)" 2
is "eSMS: one message despite the resend" "$(mock_count_to 84981000001)" 1
check "eSMS: the resend was a duplicate RequestId" test "$(mock_stat duplicates)" -ge 1
check "eSMS: counted sent, not maybe_duplicate" grep -q '"to":"8498\*\*\*\*001".*"status":"sent"' "$T/c.delivery.log"
check "SpeedSMS: the resend reported as maybe_duplicate" grep -q '"to":"8491\*\*\*\*002".*"status":"maybe_duplicate"' "$T/c.delivery.log"
is "job counter" "$(job_field late maybe_duplicate)" 1
stop_loa c
done_testing
