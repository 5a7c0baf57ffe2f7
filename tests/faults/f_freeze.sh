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
# a_reqs: a's requests from its delivery log, "start end" in ms since the
# epoch (the log's times are Hanoi time; "ms" is the request's duration).
a_reqs() {
	jq -r 'select(.ms != null and .attempt != null) |
	    (((.ts[0:19] + "Z" | fromdateiso8601) - 7 * 3600) * 1000 +
	    (.ts[20:23] | tonumber)) as $fin | "\($fin - .ms) \($fin)"' \
	    "$T/a.delivery.log"
}
# a, resumed, must not start the deliveries it had queued for the provider
# before the freeze: b claimed and finished their work entries.  What it
# had handed to its HTTP client before the freeze may still leave (a
# transfer started in the round the signal stopped): those are the
# in-flight window, each reported maybe_duplicate (ledger check below).
check "a's requests read from its log" test "$(a_reqs | wc -l)" -gt 1000
started=$(a_reqs | awk -v c="$t_cont" '$1 >= c' | wc -l)
is "a starts no request after SIGCONT" "$started" 0
pending=$(a_reqs | awk -v s="$t_stop" -v c="$t_cont" '$1 < s && $2 >= c' | wc -l)
echo "# the provider got $after requests of a after SIGCONT; a had $pending requests under way at the freeze, answered after it"
check "a's requests after SIGCONT ($after) were under way before the freeze ($pending)" test "$after" -le "$pending"
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
