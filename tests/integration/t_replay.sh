#!/bin/sh
# t_replay.sh -- Redis loses writes it had acknowledged, as after a
# failover (asynchronous replication) or a crash before the AOF reached
# the disk: mid-broadcast a snapshot is taken, loa records more outcomes,
# Redis is killed and comes back from the snapshot.  When it reconnects,
# loa sends its recently recorded outcome batches again, before it gates
# any work, so the outcomes Redis lost are back: the job ends done,
# everyone reached once, nothing sent twice.  (Without the replay the
# lost outcomes stay "in flight" and the job never ends.)
. "$(dirname "$0")/lib.sh"

N=3000
# Snapshots only (SAVE), so that what comes after one can be lost.
redis_up() {
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
	    --dir "$T" --appendonly no --save "" --dbfilename snap.rdb \
	    --daemonize yes --pidfile "$T/redis.pid" \
	    --logfile "$T/redis.log" || return 1
	wait_for 10 "redis up" sh -c "redis-cli -s '$SOCK' ping 2>/dev/null | grep -q PONG"
}
redis_up || exit 1
write_conf a
echo "rate = 300/s" >> "$T/a.conf"	# the console provider's
start_loa a || exit 1
gen_job rp $N
submit "$T/rp.json" >/dev/null
wait_sent rp 600 20
R SAVE >/dev/null
at_save=$(job_field rp sent)
sleep 1
before_kill=$(job_field rp sent)
kill -9 "$(cat "$T/redis.pid")"
wait_for 10 "redis gone" sh -c "! redis-cli -s '$SOCK' ping >/dev/null 2>&1"
rm -f "$SOCK"
# Down longer than the replay window (3 s), as a restart that loads a
# large AOF is: what it lost is still sent again.
sleep 4
redis_up || exit 1
echo "# sent counted at the snapshot: $at_save; just before the kill: $before_kill; after the restart: $(job_field rp sent)"
check "outcomes were recorded after the snapshot ($at_save -> $before_kill)" \
    test "$before_kill" -gt "$at_save"
wait_for 60 "rp done" state_is rp done
check "loa sent its recent batches again" grep -q "batches of outcomes sent again" "$T/a.out"
is "state done" "$(job_field rp state)" done
is "all counted as sent" "$(job_field rp sent)" $N
is "no maybe_duplicate" "$(job_field rp maybe_duplicate | sed "s/^$/0/")" 0
is "everyone reached" "$(sent_unique rp)" $N
is "no second message" "$(sent_lines rp)" $N
is "one outcome per recipient in the delivery log" "$(grep '"job":"rp"' "$T/a.delivery.log" | grep -c -e '"status":"sent"' -e '"status":"maybe_duplicate"')" $N
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
