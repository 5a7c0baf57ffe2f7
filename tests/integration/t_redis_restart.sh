#!/bin/sh
# t_redis_restart.sh -- redis-server stopped and started again under a
# running daemon, in the middle of a broadcast: the daemon says so once,
# reconnects, and every recipient is reached exactly once.
# serial: reconnection timings
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

# 2. The scripts go by their SHA1 (EVALSHA), loaded when a link comes
# up.  A server that forgets them (SCRIPT FLUSH, here twice
# mid-broadcast) answers NOSCRIPT: the daemon makes the link again, loads
# them again and goes on; nobody is lost or sent twice.
check "scripts called by digest" sh -c "redis-cli -s '$SOCK' INFO commandstats | grep -q '^cmdstat_evalsha:'"
sha=$(grep -o '"[0-9a-f]\{40\}"' "$BUILD/gen/lua.c" | tr -d '"' | head -1)
is "the scripts are loaded on the server" "$(R SCRIPT EXISTS "$sha")" 1
gen_job rs $N
submit "$T/rs.json" >/dev/null
wait_sent rs 2000 20
R SCRIPT FLUSH >/dev/null
sleep 0.5
R SCRIPT FLUSH >/dev/null
wait_for 60 "rs done after SCRIPT FLUSH" state_is rs done
is "all sent after SCRIPT FLUSH" "$(job_field rs sent)" $N
is "each recipient once" "$(sent_unique rs)" $N
is "no second message" "$(sent_lines rs)" $N
check "NOSCRIPT said" grep -q NOSCRIPT "$T/a.out"
check "daemon still up" kill -0 "$(cat "$T/a.pid")"
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
