#!/bin/sh
# t_replay.sh -- Redis loses writes it had acknowledged, as after a
# failover (asynchronous replication) or a crash before the AOF reached
# the disk: mid-broadcast a snapshot is taken, loa records more outcomes,
# Redis is killed and comes back from the snapshot.  When it reconnects,
# loa sends its recently recorded outcome batches again, before it gates
# any work, so the outcomes Redis lost are back: the job ends done,
# everyone reached once, nothing sent twice.  (Without the replay the
# lost outcomes stay "in flight" and the job never ends.)
# serial: retry timings
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

# 2. Sends just before the kill.  At 2,000/s the daemon holds many
# chunks, all claimed after the snapshot, and their last outcomes (the
# batch in flight when Redis died, and those sent from leases taken
# before) are queued in memory.  Redis comes back from the snapshot: to
# it those chunks were never claimed, the daemon leaves them, and they
# come back as work to read again.  Their gates wait until Redis has the
# queued outcomes, so nobody is sent twice.  (Before, a gate could run
# first: 16 to 61 second messages in every run, and 3 in one CI run of
# part 1.)
R FLUSHALL >/dev/null
rm -f "$T/console.out"
write_conf b
echo "rate = 2000/s" >> "$T/b.conf"
start_loa b || exit 1
N2=10000
gen_job rq $N2
submit "$T/rq.json" >/dev/null
wait_sent rq 1000 60
R SAVE >/dev/null
sleep 1		# chunks claimed after the snapshot
kill -9 "$(cat "$T/redis.pid")"
wait_for 10 "redis gone" sh -c "! redis-cli -s '$SOCK' ping >/dev/null 2>&1"
rm -f "$SOCK"
sleep 1
redis_up || exit 1
wait_for 60 "rq done" state_is rq done
is "state done" "$(job_field rq state)" done
is "all counted as sent" "$(job_field rq sent)" $N2
is "everyone reached" "$(sent_unique rq)" $N2
is "no second message" "$(sent_lines rq)" $N2
is "no maybe_duplicate" "$(job_field rq maybe_duplicate | sed "s/^$/0/")" 0
stop_loa b
is "SIGTERM exits 0" "$?" 0
done_testing
