#!/bin/sh
# t_schedule.sh -- send_at: a scheduled job waits in Redis (not in the
# daemon), survives a restart, and goes out when its time comes, not
# before; expires_at: nothing goes out after it, the rest is counted
# expired; retention: a finished job's records are set to expire.
# serial: scheduled send times
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
write_conf a "retention = 1m"
printf 'rate = 200/s\n' >> "$T/a.conf"
start_loa a || exit 1
iso() { date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# log_ms JOB STATUS: the times (ms) of that job's delivery-log lines.
log_ms() {
	jq -r --arg j "$1" --arg s "$2" 'select(.job == $j and .status == $s) | .ts' \
	    "$T/a.delivery.log" | while read -r ts; do
		echo $(( $(date -d "$ts" +%s%N) / 1000000 ))
	done
}

# 1. Scheduled 6 s ahead, the daemon restarted in between.
at=$(( $(date +%s) + 6 ))
printf '{"id":"s1","send_at":"%s","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001"},{"phone":"0912000002"}]}' "$(iso $at)" > "$T/s1.json"
submit "$T/s1.json" >/dev/null
wait_for 5 "s1 scheduled" state_is s1 scheduled
is "waits in Redis" "$(R ZSCORE loa:schedule s1)" "${at}000"
stop_loa a
is "nothing sent before the restart" "$(sent_lines s1)" 0
start_loa a || exit 1
is "still scheduled after the restart" "$(job_field s1 state)" scheduled
wait_for 15 "s1 done" state_is s1 done
is "s1 sent after its time" "$(job_field s1 sent)" 2
first=$(log_ms s1 sent | sort -n | head -n 1)
check "not before send_at ($first >= ${at}000)" [ "$first" -ge "${at}000" ]
check "within 2 s of it" [ "$first" -lt $(( at * 1000 + 2000 )) ]
is "the schedule is empty" "$(R ZCARD loa:schedule)" 0

# 2. Expiring 2 s from now, 2000 recipients at 200/s: some go, the rest
# expire; nothing leaves after expires_at.
ex=$(( $(date +%s) + 2 ))
N=2000
awk -v n=$N -v ex="$(iso $ex)" 'BEGIN {
	printf "{\"id\":\"e1\",\"expires_at\":\"%s\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[", ex
	for (i = 0; i < n; i++) printf "%s{\"phone\":\"0912%06d\"}", (i ? "," : ""), i + 100
	printf "]}" }' > "$T/e1.json"
submit "$T/e1.json" >/dev/null
wait_for 20 "e1 finished" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:e1 state)\" = done ]"
sent=$(job_field e1 sent)
expired=$(job_field e1 expired)
is "sent + expired = total" "$((sent + expired))" $N
check "some went before expiry ($sent)" [ "$sent" -gt 0 ]
check "the rest expired ($expired)" [ "$expired" -gt 0 ]
last=$(log_ms e1 sent | sort -n | tail -n 1)
check "no send after expires_at ($last <= ${ex}000)" [ "$last" -le "${ex}000" ]
is "the provider saw exactly the sent ones" "$(sent_lines e1)" "$sent"
check "expired logged per recipient" [ "$(grep -c '"job":"e1".*"status":"expired"' "$T/a.delivery.log")" -eq "$expired" ]

# 3. Already expired when it arrives: nobody is sent anything.
printf '{"id":"e2","expires_at":"%s","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001"}]}' "$(iso $(( $(date +%s) - 60 )))" > "$T/e2.json"
submit "$T/e2.json" >/dev/null
wait_for 10 "e2 finished" sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET loa:job:e2 finished_at)\$(redis-cli -s '$SOCK' HGET loa:job:e2 error)\" ]"
is "e2 nothing sent" "$(sent_lines e2)" 0

# 4. Retention 1 min: a finished job's records expire (Redis does it).
for k in loa:job:s1 loa:job:s1:out loa:job:s1:spec; do
	ttl=$(R PTTL $k)
	check "$k expires within the retention ($ttl ms)" [ "$ttl" -gt 0 -a "$ttl" -le 60000 ]
done
stop_loa a
done_testing
