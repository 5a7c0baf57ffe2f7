#!/bin/sh
# f_freeze.sh -- scenario 4: one of two daemons sharing a 20,000-resident
# broadcast is frozen (SIGSTOP) past the claim timeout.  The other claims
# its work and finishes the broadcast; the frozen one, resumed (SIGCONT),
# sends nothing more.  Requests the frozen daemon had already handed to
# the provider, or whose outcomes it had not yet recorded, may be sent
# again by the other one: only residents in flight at the freeze (marked
# "~"), each reported maybe_duplicate.
. "$(dirname "$0")/lib-faults.sh"

N=20000
fault_start $N 10
fault_daemons "a b"
audience_job fz normal
submit "$T/fz.json" >/dev/null
mock_wait_records 5000 60
apid=$(cat "$T/a.pid")
kill -STOP "$apid"
t_stop=$(now_ms)
in_flight_ids fz "$T/window.1"
echo "# a frozen with $(wc -l < "$MOCK_REC") records at the mock, $(held_by a) work entries held, $(wc -l < "$T/window.1") residents in flight"
check "a holds work when frozen" test "$(held_by a)" -gt 0
wait_for 120 "fz done by b" state_is fz done
t_done=$(now_ms)
check "frozen past the claim timeout ($((t_done - t_stop)) ms)" test $((t_done - t_stop)) -gt 2000
is "a's work all claimed by b" "$(held_by a)" 0
check "b says it claimed" grep -q claimed "$T/b.out"
kill -CONT "$apid"
t_cont=$(now_ms)
# Resumed: answers to its old requests arrive, its chunks turn out to be
# someone else's.  Give it time to do whatever it would do.
sleep 5
check "a alive after SIGCONT" kill -0 "$apid"
after=$(jq -r --argjson c "$t_cont" 'select(.data.by == "a" and .ts_ms >= $c) | .to' "$MOCK_REC" | wc -l)
# a, resumed, must not send the deliveries it had queued for the provider
# before the freeze: b claimed and finished their work entries.
is "a sends nothing after SIGCONT" "$after" 0
during=$(jq -r --argjson s "$t_stop" --argjson c "$t_cont" 'select(.data.by == "a" and .ts_ms >= $s and .ts_ms < $c) | .to' "$MOCK_REC" | wc -l)
echo "# a's requests accepted while it was frozen (sent before the freeze): $during"
is "a holds nothing after SIGCONT" "$(held_by a)" 0
ledger_check fz kills
echo "# b sent $(jq -r 'select(.data.by == "b") | .to' "$MOCK_REC" | wc -l), a $(jq -r 'select(.data.by == "a") | .to' "$MOCK_REC" | wc -l); duplicates $(fig dups), maybe_duplicate $(fig maybe_duplicate)"
took
stop_loa a
is "a stops with 0" "$?" 0
stop_loa b
done_testing
