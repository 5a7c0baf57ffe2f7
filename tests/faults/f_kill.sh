#!/bin/sh
# f_kill.sh -- scenario 1: kill -9 of the daemon three times during a
# 50,000-resident broadcast (directory audience), restarted each time.
# Nothing is lost; a resident is sent twice only when it was in flight
# at a kill (marked "~" in the outcome hash when the daemon died), and
# each second send is reported maybe_duplicate.
. "$(dirname "$0")/lib-faults.sh"

N=50000
# The window at a kill: chunks gated ahead of sending (2 x max_inflight),
# outcomes not yet recorded (two ledger batches of 512), one chunk.
WINDOW=$((2 * 512 + 2 * 512 + 100))
fault_start $N 20
fault_daemons a1
audience_job big normal
submit "$T/big.json" >/dev/null
cur=a1
for k in 1 2 3; do
	mock_wait_records $((k * 12000)) 120
	stop_loa $cur KILL
	in_flight_ids big "$T/window.$k"
	check "kill $k: the dead daemon left work pending" test "$(held_by $cur)" -gt 0
	# Marks the previous daemon left and its successor has not reached
	# yet are still there: the window of this daemon is what is new.
	sort "$T/window.$k" > "$T/w.sorted"
	if [ $k -gt 1 ]; then
		sort "$T/window.$((k - 1))" | comm -23 "$T/w.sorted" - > "$T/new.$k"
	else
		cp "$T/w.sorted" "$T/new.$k"
	fi
	w=$(wc -l < "$T/new.$k")
	echo "# kill $k: $(wc -l < "$MOCK_REC") records at the mock, $(wc -l < "$T/window.$k") residents marked in flight, $w of them new, state $(job_field big state)"
	check "kill $k: in-flight window within $WINDOW ($w)" test "$w" -le $WINDOW
	cur=a$((k + 1))
	fault_daemons $cur
done
wait_for 240 "big done" state_is big done
ledger_check big kills
for k in 1 2 3; do
	d=$(awk -F'\t' 'FILENAME ~ /new/ { w[$1] = 1; next } $8 > 1 && ($1 in w) { n++ } END { print n + 0 }' \
	    "$T/new.$k" "$T/big.ledger")
	echo "# kill $k: $d residents sent twice of the $(wc -l < "$T/new.$k") newly in flight"
done
check "claims logged by the restarted daemons" sh -c "cat '$T'/a[234].out | grep -q claimed"
echo "# duplicates $(fig dups), maybe_duplicate $(fig maybe_duplicate)"
took
stop_loa $cur
is "the last daemon stops with 0" "$?" 0
done_testing
