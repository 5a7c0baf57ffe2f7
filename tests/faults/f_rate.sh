#!/bin/sh
# f_rate.sh -- scenario 5: three daemons share one 50,000-resident
# broadcast through one provider with rate = 2000/s.  Nobody is sent
# twice, and the rate holds in every 10 s window (sliding, measured from
# the mock's record timestamps): at most rate x 10 s.  Redis spaces the
# sends at 99 % of the rate with no burst; the 1 % left covers a daemon
# catching up after a late timer (5 ms) and the way to the mock.  The
# busiest window must also come near the rate (90 %), or the limit was
# never tested.  The busiest 1 s window is printed.
. "$(dirname "$0")/lib-faults.sh"

N=50000
RATE=2000
W=10000
fault_start $N 20
# The mock answers 429 above RATE requests in a second of its clock, as
# the providers do: none may come.
mock_config "{\"rate_limit\":{\"generic\":$RATE}}"
fault_daemons "a b c" "rate = $RATE/s"
audience_job rt bulk
submit "$T/rt.json" >/dev/null
wait_for 240 "rt done" state_is rt done
ledger_check rt once
each_sent rt "a b c"
mock_times rt
# Busiest sliding window, and the fixed windows from the first message.
busiest=$(busiest $W)
fixed=$(awk -v w=$W 'NR == 1 { s = $1 } { n[int(($1 - s) / w)]++; k = int(($1 - s) / w) }
	END { for (i = 0; i <= k; i++) printf "%d ", n[i] }' "$T/ts")
span=$(awk 'NR == 1 { s = $1 } { e = $1 } END { print e - s }' "$T/ts")
limit=$((RATE * W / 1000))
sec=$(busiest 1000)
echo "# rate $RATE/s: $N messages in $span ms; per 10 s window from the first: $fixed; busiest sliding 10 s window $busiest (limit $limit); busiest 1 s window $sec"
check "rate held in every 10 s window ($busiest <= $limit)" test "$busiest" -le "$limit"
check "the limit was reached: busiest window at least 90 % of rate ($busiest)" \
    test "$busiest" -ge $((RATE * W / 1000 * 90 / 100))
is "the provider answered no 429" "$(mock_stat http_429)" 0
took
for d in a b c; do stop_loa $d; done
done_testing
