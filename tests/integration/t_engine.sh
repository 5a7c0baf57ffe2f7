#!/bin/sh
# t_engine.sh -- the delivery engine against conditions real broadcasts
# meet (each part failed on the engine before the state machine):
#  1. SMS of 3 and 10 segments through a provider with a low rate (10/s,
#     5/s) are all sent, each spending its segments' send times;
#  2. a provider whose circuit opened while another provider covers its
#     carrier gets its probe once it recovers, and closes;
#  3. answers that may follow an accepted message (a 200 with an HTML
#     page, an empty 200, a body cut short or too large, a connection
#     closed after the request) make the next send a reported
#     maybe_duplicate, never a plain "sent", and say what happened;
#  4. libcurl sends no request again by itself: the mock receives exactly
#     the attempts the delivery log shows;
#  5. config: an unknown carrier and a non-loopback http:// base_url are
#     refused by loa -t;
#  6. a delivery log on a full disk warns once, not once per flush;
#  7. recipients waiting to retry hold nothing else: with one recipient
#     of every ten answered "busy" for minutes, the other nine of every
#     ten are all sent while those still wait;
#  8. at a low rate (40/s), a small job sent after a large one of the
#     same priority is not held behind it, and an urgent one overtakes
#     what is queued at the provider;
#  9. a send that eSMS (which drops repeated RequestIds) left unanswered,
#     sent again through another provider, is a maybe_duplicate.
# serial: rates and retry timings
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -c '{"seed":11}' || exit 1
printf 'speed-token\n' > "$T/speed.token"
chmod 600 "$T/speed.token"

# SpeedSMS at the mock; more lines follow it in each part.
SPEED="[provider.speed]
plugin = speedsms
channel = sms
base_url = $MOCK_URL
token_file = $T/speed.token
sender = UBND-HK"

# 1. Many segments, low rates.
write_base_conf a "[provider.slow]
plugin = console
output = $T/slow.out
rate = 10/s"
start_loa a || exit 1
# 150 characters of Vietnamese, UCS-2: 3 segments of 67.
TEXT="UBND phường Hoàn Kiếm thông báo: cắt điện từ 8h đến 11h ngày 28/11 để bảo dưỡng lưới điện. Đề nghị bà con chủ động sắp xếp, xin trân trọng cảm ơn."
awk -v t="$TEXT" 'BEGIN {
	printf "{\"id\":\"seg3\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"%s\",\"unicode\":\"always\",\"max_segments\":10},\"recipients\":[", t
	for (i = 0; i < 5; i++) printf "%s{\"phone\":\"09120000%02d\"}", (i ? "," : ""), i
	printf "]}" }' > "$T/seg3.json"
submit "$T/seg3.json" >/dev/null
wait_for 15 "seg3 done" state_is seg3 done
is "3 segments at 10/s: all 5 sent" "$(job_field seg3 sent)" 5
is "each message is 3 UCS-2 segments" "$(grep -c '"encoding":"ucs2","segments":3' "$T/slow.out")" 5
span=$(span_ms "$T/a.delivery.log" seg3)
echo "# 5 x 3 segments at 10/s: $span ms from the first to the last"
check "3 send times each ($span ms >= 1150)" test "$span" -ge 1150
stop_loa a

write_base_conf b "[provider.slower]
plugin = console
output = $T/slower.out
rate = 5/s"
start_loa b || exit 1
# 1,430 GSM-7 characters: 10 segments of 153.
LONG=$(awk 'BEGIN { for (i = 0; i < 110; i++) printf "Thong bao %02d ", i % 100 }')
printf '{"id":"seg10","channels":["sms"],"sms":{"text":"%s","max_segments":10},"recipients":[{"phone":"0912000101"},{"phone":"0912000102"}]}' "$LONG" > "$T/seg10.json"
submit "$T/seg10.json" >/dev/null
wait_for 20 "seg10 done" state_is seg10 done
is "10 segments at 5/s: both sent" "$(job_field seg10 sent)" 2
is "each message is 10 segments" "$(grep -c '"segments":10' "$T/slower.out")" 2
span=$(span_ms "$T/b.delivery.log" seg10)
echo "# 2 x 10 segments at 5/s: $span ms apart"
check "ten send times between them ($span ms >= 1900)" test "$span" -ge 1900
stop_loa b

# 2. A circuit closes while another provider covers for it.
write_base_conf c "$SPEED
carriers = vinaphone
max_attempts = 8
[provider.generic]
plugin = http_json
channel = sms
url = $MOCK_URL/generic/send
success_field = ok
id_field = message_id
max_attempts = 8"
start_loa c || exit 1
mock_config '{"down":["speedsms"]}'
gen_job out1 30
submit "$T/out1.json" >/dev/null
wait_for 30 "out1 done" state_is out1 done
is "out1: all sent" "$(job_field out1 sent)" 30
check "speed's circuit opened" grep -q 'provider speed: circuit open' "$T/c.out"
is "speed took nothing while down" "$(mock_stat by_provider.speedsms.accepted)" 0
mock_config '{"down":false}'
sleep 2
i=0
closed=0
while [ $i -lt 10 ]; do
	gen_job "out2-$i" 10
	submit "$T/out2-$i.json" >/dev/null
	wait_for 10 "out2-$i done" state_is "out2-$i" done >/dev/null
	if grep -q 'provider speed: circuit closed' "$T/c.out"; then
		closed=1
		break
	fi
	i=$((i + 1))
done
is "the recovered provider got its probe and closed" "$closed" 1
gen_job out3 30
submit "$T/out3.json" >/dev/null
wait_for 20 "out3 done" state_is out3 done
check "Vinaphone numbers go to speed again ($(mock_stat by_provider.speedsms.accepted))" test "$(mock_stat by_provider.speedsms.accepted)" -ge 20
$LOACTL -c "$T/c.conf" provider list > "$T/list.out"
check "provider list shows c's closed circuit" grep -q "daemon c .*circuit closed" "$T/list.out"
stop_loa c
$LOACTL -c "$T/c.conf" provider list > "$T/list2.out"
check "a stopped daemon's circuit is not shown" sh -c "! grep -q 'daemon c ' '$T/list2.out'"
mock_reset
: > "$MOCK_REC"

# 3. Answers without a clear verdict, through SpeedSMS (which does not
# drop repeats): every resident the provider accepted more than once is
# reported maybe_duplicate (with reason "unconfirmed" when no attempt got
# a clear answer), one accepted once and never confirmed is at most
# failed "unconfirmed"; none is a plain "sent", none "failed" plainly.
write_base_conf d "$SPEED
timeout = 2s
max_attempts = 4"
start_loa d || exit 1
mock_config '{"bad_200":0.15,"empty_200":0.1,"truncated":0.1,"huge_200":0.1,"drop_after":0.1,"seed":5}'
N=60
gen_job unclear $N
submit "$T/unclear.json" >/dev/null
wait_for 90 "unclear done" state_is unclear done
mock_records | jq -r '.to' | sort | uniq -c | awk '{ print $2, $1 }' > "$T/accepted"
jq -r 'select(.job == "unclear" and (.status == "sent" or .status == "maybe_duplicate" or .status == "failed")) | "\(.to) \(.status) \(.reason // "")"' "$T/d.delivery.log" > "$T/final"
is "every resident has one final outcome" "$(wc -l < "$T/final")" $N
twice=$(awk '$2 > 1' "$T/accepted" | wc -l)
echo "# $twice residents accepted more than once by the provider"
check "some were accepted twice (the test tests something)" test "$twice" -gt 0
# masked phones in the log: 8491****NNN; match on the last 3 digits
# (the job's phones differ in them).
bad=$(awk 'NR == FNR { acc[substr($1, length($1) - 2)] = $2; next }
	{ k = substr($1, length($1) - 2); n = acc[k] + 0
	  if (n > 1 && $2 != "maybe_duplicate") print "not maybe_duplicate after", n, "copies:", $0
	  if (n == 0 && ($2 == "sent" || $2 == "maybe_duplicate")) print "sent without a copy:", $0
	  if (n >= 1 && $2 == "failed" && $3 != "unconfirmed") print "failed but accepted:", $0 }' "$T/accepted" "$T/final")
is "no unreported second send" "$bad" ""
check "retries say what happened" sh -c "grep '\"status\":\"retry\"' '$T/d.delivery.log' | grep -q '\"reason\":\"bad_answer\"' && grep '\"status\":\"retry\"' '$T/d.delivery.log' | grep -q '\"reason\":\"no_answer\"'"
check "no retry called a timeout (none lasted 2 s)" sh -c "! grep -q '\"reason\":\"timeout\"' '$T/d.delivery.log'"
stop_loa d
mock_reset
: > "$MOCK_REC"

# 4. Connections closed after the request, on kept-alive connections:
# libcurl must not send the request again by itself.
write_base_conf e "$SPEED
max_inflight = 2
max_attempts = 6"
start_loa e || exit 1
mock_config '{"drop_after":0.3,"seed":9}'
gen_job resend 40
submit "$T/resend.json" >/dev/null
wait_for 60 "resend done" state_is resend done
attempts=$(jq -r 'select(.job == "resend" and .provider == "speed" and .status != "fallback") | .attempt' "$T/e.delivery.log" | wc -l)
requests=$(mock_stat by_provider.speedsms.requests)
echo "# $attempts attempts logged, $requests requests received"
is "every request the provider got is a logged attempt" "$requests" "$attempts"
check "some answers were lost ($(mock_stat lost_answers))" test "$(mock_stat lost_answers)" -gt 3
stop_loa e
# The mock's config is merged, not replaced: without this, the parts
# below ran with 30 % of answers lost.
mock_reset

# 5. Config mistakes caught by loa -t.
write_base_conf f "$SPEED
carriers = vietel"
$LOA -t -c "$T/f.conf" > "$T/f.t" 2>&1
is "carriers = vietel: loa -t exits 1" "$?" 1
check "it names the carrier and the known ones" grep -q 'unknown carrier "vietel" (known: viettel' "$T/f.t"
write_base_conf g "[provider.speed]
plugin = speedsms
channel = sms
base_url = http://127.attacker.example/
token_file = $T/speed.token
sender = UBND-HK"
$LOA -t -c "$T/g.conf" > "$T/g.t" 2>&1
is "http://127.attacker.example: loa -t exits 1" "$?" 1
check "it says http is for loopback only" grep -q 'loopback host' "$T/g.t"

# 6. A full disk under the delivery log: said once, not once per flush.
write_conf h
sed -i "s|^log = .*|log = /dev/full|" "$T/h.conf"
start_loa h || exit 1
gen_job full 300
submit "$T/full.json" >/dev/null
wait_for 20 "full done" state_is full done
is "full disk: all sent" "$(job_field full sent)" 300
is "the write failure said once" "$(grep -c 'delivery log /dev/full' "$T/h.out")" 1
stop_loa h

# 7. Retries hold nothing else.  80 work entries of 10 (chunk_size 10);
# in each, one phone the provider answers "busy" (a temporary code) for
# as long as the test runs.  Every entry then waits on a retry, more than
# expansion runs ahead (51 entries) and than max_inflight (64).
write_base_conf k "max_inflight = 64" "chunk_size = 10" "[provider.generic]
plugin = http_json
channel = sms
url = $MOCK_URL/generic/send
success_field = ok
id_field = message_id
error_field = error.code
temporary_codes = busy
max_attempts = 30"
start_loa k || exit 1
codes=$(awk 'BEGIN { printf "{"; for (i = 0; i < 800; i += 10) printf "%s\"84912%06d\":\"busy\"", (i ? "," : ""), i; printf "}" }')
mock_config "{\"generic_codes\":$codes}"
gen_job held 800
submit "$T/held.json" >/dev/null
wait_for 60 "the 720 others sent" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:job:held sent) = 720 ]"
is "720 sent while 80 wait to retry" "$(job_field held sent)" 720
is "and those 80 are still waiting" "$(job_field held state)" sending
check "they did retry" sh -c "grep '\"job\":\"held\"' '$T/k.delivery.log' | grep '\"status\":\"retry\"' | grep -q busy"
is "every retry was for the busy code" "$(jq -r 'select(.status == "retry") | .reason' "$T/k.delivery.log" | sort -u)" code_busy
# The daemon's cache of parsed jobs forgets a job idle for 5 s; chunks
# waiting on retries still hold it, and must still hear of the cancel
# (they did not, with 29c3dd8, when the cache had let the job go).
sleep 6
$LOACTL -c "$T/k.conf" cancel held >/dev/null
wait_for 20 "held cancelled" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:job:held cancelled) = 80 ]"
is "cancelling ends the 80 at once" "$(job_field held cancelled)" 80
stop_loa k

# 8. Turns at a low rate.
write_base_conf m "[provider.slow40]
plugin = console
output = $T/slow40.out
rate = 40/s"
start_loa m || exit 1
gen_job big40 400
submit "$T/big40.json" >/dev/null
wait_for 10 "big40 under way" sh -c "[ \$(grep -c '\"job\":\"big40\"' '$T/slow40.out') -ge 40 ]"
before=$(grep -c '"job":"big40"' "$T/slow40.out")
printf '%s' '{"id":"small40","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0987000001"},{"phone":"0987000002"},{"phone":"0987000003"},{"phone":"0987000004"},{"phone":"0987000005"}]}' > "$T/small40.json"
printf '%s' '{"id":"urgent40","priority":"urgent","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0987000009"}]}' > "$T/urgent40.json"
submit "$T/small40.json" >/dev/null
u0=$(grep -c '"job":"big40"' "$T/slow40.out")
submit "$T/urgent40.json" >/dev/null
wait_for 15 "small40 done" state_is small40 done
after=$(grep -c '"job":"big40"' "$T/slow40.out")
echo "# the small job waited for $((after - before)) of the large one's messages"
is "small40: all sent" "$(job_field small40 sent)" 5
is "while big40 is still sending" "$(job_field big40 state)" sending
check "taking turns: at most 60 of big40's went meanwhile ($((after - before)))" test $((after - before)) -le 60
ahead=$(awk -v u0="$u0" '/"job":"urgent40"/ { print n - u0; exit } /"job":"big40"/ { n++ }' "$T/slow40.out")
check "the urgent one overtook what was queued ($ahead of big40 went before it)" test "$ahead" -le 5
# What is left of big40 goes no further (the next part's daemon would
# take it up).
$LOACTL -c "$T/m.conf" cancel big40 >/dev/null
wait_for 10 "big40 cancelled" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:job:big40 finished_at | wc -c) -gt 1 ]"
stop_loa m

# 9. eSMS times out (it may have the message), is paused, and the retry
# goes through a standby provider that cannot know eSMS's RequestId.
mock_reset
: > "$MOCK_REC"
write_base_conf n "$(esms_section)
timeout = 2s
[provider.standby]
plugin = http_json
channel = sms
url = $MOCK_URL/generic/send
success_field = ok
id_field = message_id
weight = 0"
start_loa n || exit 1
mock_config '{"delay_ms":3000}'
printf '%s' '{"id":"moved","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000777"}]}' > "$T/moved.json"
submit "$T/moved.json" >/dev/null
# Paused while its request is out (2 s before the timeout): the retry
# cannot go back to eSMS.
wait_for 10 "the request at eSMS" sh -c "[ \$(curl -fsS '$MOCK_URL/_mock/stats' | jq .by_provider.esms.requests) -ge 1 ]"
$LOACTL -c "$T/n.conf" provider pause esms >/dev/null
wait_for 10 "the eSMS timeout" grep -q '"reason":"timeout"' "$T/n.delivery.log"
mock_config '{"delay_ms":0}'
wait_for 30 "moved done" state_is moved done
is "eSMS and the standby both have it" "$(mock_count_to 84912000777)" 2
check "reported maybe_duplicate" grep -q '"job":"moved".*"provider":"standby".*"status":"maybe_duplicate"' "$T/n.delivery.log"
$LOACTL -c "$T/n.conf" provider resume esms >/dev/null
stop_loa n
done_testing
