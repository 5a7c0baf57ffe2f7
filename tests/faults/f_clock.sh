#!/bin/sh
# f_clock.sh -- scenario 8: two daemons share a 6,000-resident broadcast
# and a provider's rate, and one of them reads Redis's answers late, by a
# different amount each time (slowlink.py: half of them held 0..40 ms), as
# a daemon on a busy or distant host does.  Its commands reach Redis on
# time.
#  - Nobody is sent twice.  (The late daemon's outcome records fell
#    seconds behind, one small batch per round trip; its finished work
#    entries, no longer touched, were claimed by the other daemon and
#    about 1,000 residents were sent twice, some not reported.)
#  - The rate holds at the provider.  Redis hands out send times on its
#    own clock; read against the moment the answer was read, the late
#    daemon's runs landed on top of the other's (512/s in the busiest
#    second, 69 in 100 ms at 500/s, and 429s).  The mock answers 429 above
#    RATE in any second of its clock: none may come, no sliding second
#    may hold more than RATE, and no 100 ms more than 120 % of a tenth
#    (a late timer's catch-up and the way to the mock; runs laid on each
#    other give far more).
# The seed is printed (SEED=N reruns it).
. "$(dirname "$0")/lib-faults.sh"

N=6000
RATE=500
SEED=${SEED:-$(date +%s)}
echo "# seed $SEED"
fault_start $N 10
mock_config "{\"rate_limit\":{\"generic\":$RATE}}"
python3 "$ROOT/tests/faults/slowlink.py" "$T/slow.sock" "$SOCK" "$SEED" 0.5 40 \
    >"$T/slowlink.out" 2>&1 &
echo $! > "$T/slowlink.pid"
wait_for 10 "slowlink listening" test -S "$T/slow.sock" || exit 1
fault_conf a "rate = $RATE/s"
fault_conf b "rate = $RATE/s"
sed -i "s|^url = unix://.*|url = unix://$T/slow.sock|" "$T/b.conf"
start_loa a || exit 1
start_loa b || exit 1
audience_job ck bulk
submit "$T/ck.json" >/dev/null
wait_for 120 "ck done" state_is ck done
ledger_check ck once
each_sent ck "a b"
mock_times ck
sec=$(busiest 1000)
tenth=$(busiest 100)
echo "# rate $RATE/s: busiest sliding second $sec, busiest 100 ms $tenth"
check "no sliding second above the rate ($sec <= $RATE)" test "$sec" -le $RATE
check "no 100 ms above 120 % of a tenth of the rate ($tenth <= $((RATE * 12 / 100)))" \
    test "$tenth" -le $((RATE * 12 / 100))
is "the provider answered no 429" "$(mock_stat http_429)" 0
took
stop_loa a
stop_loa b
kill "$(cat "$T/slowlink.pid")" 2>/dev/null
done_testing
