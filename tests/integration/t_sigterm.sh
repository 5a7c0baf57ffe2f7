#!/bin/sh
# t_sigterm.sh -- SIGTERM in the middle of a broadcast: the daemon exits 0
# in bounded time, hands its unfinished work back, and a new daemon
# finishes it: every recipient reached once, no possible duplicate.
# serial: shutdown deadlines
. "$(dirname "$0")/lib.sh"

N=50000
start_redis || exit 1
write_conf a
start_loa a || exit 1
gen_job st $N
submit "$T/st.json" >/dev/null
wait_sent st 3000 20
t0=$(date +%s)
stop_loa a
is "SIGTERM exits 0" "$?" 0
t1=$(date +%s)
check "stopped within shutdown_timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 6
sent=$(job_field st sent)
check "stopped mid-broadcast ($sent of $N)" test "$sent" -lt $N
is "nothing left unrecorded" "$(sent_lines st)" "$sent"
is "no work left pending" "$(R XPENDING loa:work:normal loa | head -1)" 0
write_conf b
start_loa b || exit 1
wait_for 60 "st done" state_is st done
is "all sent" "$(job_field st sent)" $N
is "each recipient once" "$(sent_unique st)" $N
is "no duplicates" "$(sent_lines st)" $N
is "no maybe_duplicate" "$(cat "$T"/*.delivery.log | grep -c maybe_duplicate)" 0
is "maybe_duplicate counter" "$(job_field st maybe_duplicate)" ""
stop_loa b
done_testing
