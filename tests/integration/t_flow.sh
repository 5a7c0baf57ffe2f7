#!/bin/sh
# t_flow.sh -- flow control with two daemons sharing one provider: the
# provider's rate holds across both (measured from the delivery logs),
# a small job is not held back by a large one of the same priority, and
# loactl provider pause/resume stops and restarts sending in every daemon
# within a second.
. "$(dirname "$0")/lib.sh"

RATE=1500
N=15000
start_redis || exit 1
for d in a b; do
	write_conf $d
	printf 'rate = %s/s\n' $RATE >> "$T/$d.conf"
	start_loa $d || exit 1
done
gen_job big $N
submit "$T/big.json" >/dev/null
wait_sent big 2000 20
printf '%s' '{"id":"small","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0987000001"},{"phone":"0987000002"},{"phone":"0987000003"}]}' > "$T/small.json"
submit "$T/small.json" >/dev/null
wait_for 5 "small done" state_is small done
is "a small job is not held back by a large one" "$(job_field big state)" sending

# Pause: within a second nothing more goes out, in either daemon.
$LOACTL -r "unix://$SOCK" provider pause console >/dev/null
is "loactl provider pause exits 0" "$?" 0
sleep 1.2
n1=$(sent_lines big)
sleep 1.5
n2=$(sent_lines big)
is "nothing sent while paused" "$n2" "$n1"
check "both daemons say so" sh -c "grep -q 'paused by an operator' '$T/a.out' && grep -q 'paused by an operator' '$T/b.out'"
$LOACTL -r "unix://$SOCK" provider list > "$T/list.out"
check "provider list shows it paused" grep -q "console.*PAUSED" "$T/list.out"
$LOACTL -r "unix://$SOCK" provider resume console >/dev/null
wait_for 3 "sending again" sh -c "[ \$(grep -c '\"job\":\"big\"' '$T/console.out') -gt $n2 ]"
check "resumed within a second" test "$?" -eq 0

wait_for 60 "big done" state_is big done
is "big: all sent" "$(job_field big sent)" $N
is "each recipient once" "$(sent_unique big)" $N
check "both daemons sent part of it" sh -c "grep -q '\"job\":\"big\"' '$T/a.delivery.log' && grep -q '\"job\":\"big\"' '$T/b.delivery.log'"

# The rate: messages per second over the busiest 5 s after the resume,
# both daemons together.
rate=$(cat "$T/a.delivery.log" "$T/b.delivery.log" | jq -r 'select(.job == "big" and .status == "sent") | .ts' |
    sed 's/^.*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)+07:00$/\1 \2 \3/' |
    awk '{ print $1 * 3600 + $2 * 60 + $3 }' | sort -n | awk -v last="$(date +%s)" '
	{ t[NR] = $1 }
	END {
		# window of 5 s starting 1 s after the resume gap
		best = 0
		for (i = 1; i <= NR; i++) {
			j = i
			while (j <= NR && t[j] - t[i] < 5) j++
			if (j - i > best) best = j - i
		}
		printf "%.0f", best / 5
	}')
echo "# measured $rate msg/s over the busiest 5 s with two daemons (rate = $RATE/s)"
lo=$((RATE * 95 / 100))
hi=$((RATE * 105 / 100))
check "rate within 5% ($rate of $RATE/s)" test "$rate" -ge $lo -a "$rate" -le $hi
stop_loa a
stop_loa b
done_testing
