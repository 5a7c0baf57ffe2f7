#!/bin/sh
# t_redis_restart.sh -- redis-server stopped and started again under a
# running daemon, in the middle of a broadcast: the daemon says so once,
# reconnects, and every recipient is reached exactly once.
. "$(dirname "$0")/lib.sh"

N=20000
start_redis || exit 1
write_conf a
start_loa a || exit 1
gen_job rr $N
submit "$T/rr.json" >/dev/null
wait_sent rr 2000 20
stop_redis
check "daemon survives Redis going away" kill -0 "$(cat "$T/a.pid")"
sleep 2
check "daemon still up with Redis down" kill -0 "$(cat "$T/a.pid")"
start_redis || exit 1
wait_for 60 "rr done after the restart" state_is rr done
is "state done" "$(job_field rr state)" done
is "all sent" "$(job_field rr sent)" $N
is "each recipient once on the console" "$(sent_unique rr)" $N
is "no second message" "$(sent_lines rr)" $N
lost=$(grep -c "reconnecting" "$T/a.out")
check "link loss logged once per connection ($lost lines)" test "$lost" -ge 1 -a "$lost" -le 2
check "reconnection logged" grep -q "connected again" "$T/a.out"
is "one outcome per recipient in the delivery log" "$(grep '"job":"rr"' "$T/a.delivery.log" | grep -c -e '"status":"sent"' -e '"status":"maybe_duplicate"')" $N
is "work stream empty" "$(R XLEN loa:work:normal)" 0
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
