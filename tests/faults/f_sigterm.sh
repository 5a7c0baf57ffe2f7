#!/bin/sh
# f_sigterm.sh -- scenario 2: SIGTERM during a broadcast.  Two daemons
# share a 20,000-resident broadcast; one is stopped with SIGTERM, later
# the other, and a third finishes.  A graceful stop hands its work back:
# nothing is lost, nobody is sent twice, nothing is reported
# maybe_duplicate.  The first stop comes while answers are slow, so
# requests are under way.
. "$(dirname "$0")/lib-faults.sh"

N=20000
fault_start $N 10
fault_daemons "a b"
audience_job st normal
submit "$T/st.json" >/dev/null
# term NAME: SIGTERM; it exits 0 holding nothing.
term() {
	local s
	s=$(now_ms)
	stop_loa $1 TERM
	is "SIGTERM: $1 exits 0" "$?" 0
	echo "# $1 stopped in $(( $(now_ms) - s )) ms with $(wc -l < "$MOCK_REC") records at the mock, state $(job_field st state)"
	is "$1 handed all its work back" "$(held_by $1)" 0
}
mock_wait_records 5000 60
# Answers slowed down first: requests are under way at the signal, to be
# waited for and recorded.
mock_config '{"delay_ms":400}'
sleep 0.2
term a
mock_config '{"delay_ms":0}'
mock_wait_records 11000 60
term b
check "stopped mid-broadcast" test "$(wc -l < "$MOCK_REC")" -lt $N
fault_daemons c
wait_for 120 "st done" state_is st done
ledger_check st once
check "c finished without waiting for claims" sh -c "! grep -q claimed '$T/c.out'"
took
stop_loa c
done_testing
