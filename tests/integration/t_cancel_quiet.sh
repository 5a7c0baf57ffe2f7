#!/bin/sh
# t_cancel_quiet.sh -- loactl cancel stops a job in two daemons within a
# second and every recipient is accounted for (sent or cancelled); quiet
# hours hold normal notices and let urgent ones through, with the clock
# moved by LOA_FAKE_TIME.
# serial: timings of a cancel
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
N=6000
for d in a b; do
	write_conf $d
	printf 'rate = 800/s\n' >> "$T/$d.conf"
	start_loa $d || exit 1
done
gen_job c1 $N
submit "$T/c1.json" >/dev/null
wait_sent c1 800 20
$LOACTL -r "unix://$SOCK" cancel c1 >/dev/null
is "loactl cancel exits 0" "$?" 0
sleep 1
n1=$(sent_lines c1)
sleep 1.5
is "nothing more sent a second after cancel" "$(sent_lines c1)" "$n1"
is "state cancelled" "$(job_field c1 state)" cancelled
wait_for 20 "every recipient accounted for" sh -c "[ \$((\$(redis-cli -s $SOCK HGET loa:job:c1 sent) + \$(redis-cli -s $SOCK HGET loa:job:c1 cancelled))) -eq $N ]"
sent=$(job_field c1 sent)
is "sent + cancelled = total" "$((sent + $(job_field c1 cancelled)))" $N
is "sent is what the provider got" "$(sent_lines c1)" "$sent"
$LOACTL -r "unix://$SOCK" cancel c1 2>/dev/null
is "cancelling again fails" "$?" 1
$LOACTL -r "unix://$SOCK" cancel nosuch 2>/dev/null
is "cancelling an unknown job fails" "$?" 1
stop_loa a
stop_loa b

# Quiet hours 21:00-07:00; the daemon's clock at 06:59:57 Hanoi time.
write_conf q "quiet_hours = 21:00-07:00"
LOA_FAKE_TIME=2026-11-29T06:59:57+07:00 start_loa q || exit 1
# Entry ids are per stream: make both work streams hand out the same next
# id, so that the held routine chunk and the urgent one share it.
future=$(( $(date +%s) * 1000 + 3600000 ))
for s in normal urgent; do
	redis-cli -s "$SOCK" XSETID loa:work:$s "$future-0" >/dev/null
done
printf '%s' '{"id":"routine","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001"}]}' > "$T/r.json"
printf '%s' '{"id":"alert","priority":"urgent","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000002"}]}' > "$T/u.json"
submit "$T/r.json" >/dev/null
submit "$T/u.json" >/dev/null
wait_for 2 "urgent through" state_is alert done
is "urgent goes out in quiet hours" "$(job_field alert state)" done
is "routine waits" "$(job_field routine sent)" 0
last_id() {
	redis-cli -s "$SOCK" XINFO STREAM "loa:work:$1" |
	    sed -n '/^last-generated-id$/{n;p;}'
}
is "urgent and routine work entries share an id" "$(last_id urgent)" \
    "$(last_id normal)"
wait_for 10 "routine after 07:00" state_is routine done
is "routine sent when the window opens" "$(job_field routine sent)" 1
stop_loa q
done_testing
