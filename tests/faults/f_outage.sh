#!/bin/sh
# f_outage.sh -- scenario 6: the provider goes down (every request 503)
# for 63 s in the middle of a 1,500-resident broadcast, then comes back
# answering 30 % of requests with 5xx.  The circuit opens (said once),
# probes with a wait doubling up to 30 s (README), and closes; nothing is
# lost; no resident gets more than max_attempts requests, and the
# requests the mock counted are exactly the attempts the delivery log
# shows.
. "$(dirname "$0")/lib-faults.sh"

N=1500
MAX=10
# A minute and a bit: the probes come 1, 3, 7, 15, 31 and 61 s after the
# circuit opened, so the sixth still meets the outage and the wait after
# a 30 s one is seen.
DOWN=63
fault_start $N 10 -c '{"seed":6}'
# A rate, so that the outage comes with a third of the broadcast left.
fault_daemons a "max_attempts = $MAX" "rate = 200/s"
audience_job out normal
submit "$T/out.json" >/dev/null
mock_wait_records 1000 60
mock_config '{"down":true}'
t_down=$(now_ms)
wait_for 10 "circuit open" grep -q 'provider mock: circuit open' "$T/a.out"
check "circuit opened" grep -q 'provider mock: circuit open' "$T/a.out"
sleep $DOWN
before=$(wc -l < "$MOCK_REC")
st=$(job_field out state)
check "job still under way after ${DOWN} s down ($st)" test "$st" = sending -o "$st" = expanding
mock_config '{"down":false,"fail_5xx":0.3}'
t_up=$(now_ms)
cp "$T/a.out" "$T/a.out.down"
# The mock's 5xx fall on fixed request numbers (its seed), so which
# recipient draws several in a row depends on timing.  After the outage
# a retry waits 0.5 s x 2^attempt with full jitter, at most 60 s: the
# unluckiest recipient of a run took 155 s to get through (another run
# 53 s), and up to nine waits of at most 60 s are possible.
wait_for 420 "out done" state_is out done
t_done=$(now_ms)
echo "# $before of $N sent before the outage; provider down $(( (t_up - t_down) / 1000 )) s; the rest done $(( (t_done - t_up) / 1000 )) s after it came back"
ledger_check out once
is "none failed" "$(fig failed)" 0
check "attempts within max_attempts ($(fig max_attempt) <= $MAX)" test "$(fig max_attempt)" -le $MAX
# Every request the provider answered is one line of the delivery log:
# a 5xx a retry (or the last attempt's failure), a 200 the final sent.
logged=$(jq -R -r 'fromjson? | select(.job == "out" and .http != null) | .http' "$T/a.delivery.log" | wc -l)
requests=$(mock_stat requests)
echo "# provider: $requests requests, $(mock_stat http_5xx) answered 5xx, $(mock_stat accepted) accepted; delivery log: $logged answers"
is "every request the provider saw is in the delivery log" "$logged" "$requests"
check "circuit closed again" grep -q 'provider mock: circuit closed' "$T/a.out"
# Said once: an answer that was under way may close the circuit again,
# but an "open" warning only ever follows a "closed" one.
grep -o 'provider mock: circuit \(open\|closed\)' "$T/a.out.down" | awk '{ print $4 }' > "$T/circuit.down"
is "the outage said once (no two open warnings without a close between)" \
    "$(uniq -d "$T/circuit.down" | grep -c open)" 0
is "the circuit open when the provider came back" "$(tail -1 "$T/circuit.down")" open
echo "# circuit opened $(grep -c 'provider mock: circuit open' "$T/a.out") times in all (30 % 5xx open it again now and then)"
waits=$(sed -n 's/.*provider mock: still failing.*next probe in \([0-9]*\) ms.*/\1/p' "$T/a.out" | tr '\n' ' ')
longest=$(printf '%s\n' $waits 0 | sort -n | tail -1)
echo "# waits before each probe after a failed one (ms): $waits"
# The wait doubles up to 30 s (60000, doubled from 30 s, once escaped
# the cap by equalling the provider-down hold).
check "probes wait at most 30 s (longest $longest ms)" test "$longest" -le 30000
took
stop_loa a
done_testing
