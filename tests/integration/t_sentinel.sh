#!/bin/sh
# t_sentinel.sh -- Redis Sentinel: loa and loactl find the master through
# three real sentinels and follow two failovers, each in the middle of a
# broadcast: the master killed (kill -9), then a planned SENTINEL
# FAILOVER.  Two redis-servers on 127.0.0.1 (free TCP ports: replication
# and Sentinel speak TCP), replication set up.  After each: the job is
# done, every recipient has exactly one final outcome (job counters and
# delivery log), everyone was reached, and a recipient the console saw
# twice is one logged maybe_duplicate.  Also: the appendonly warning
# (server A runs with it on, B off: said once after the move to B, not
# before) and a Redis whose CONFIG command is renamed.
#
# What this does not test: a failover that loses writes Redis had
# acknowledged (asynchronous replication; see README, "Redis high
# availability").  Killing a master on loopback loses none (the replica
# is fed before the client is answered), and the planned failover runs
# with min-replicas-to-write 1 on the old master, so that it refuses
# writes as soon as its replica is promoted.
# serial: failover timings
. "$(dirname "$0")/lib.sh"

N=3000
PICKED=""

# free_port: a TCP port nothing listens on or was picked by this test.
free_port() {
	local p hex
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 30000 + 20000 ))
		hex=$(printf '%04X' "$p")
		case " $PICKED " in *" $p "*) continue ;; esac
		if ! grep -q ":$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null
		then
			PICKED="$PICKED $p"
			echo "$p"
			return
		fi
	done
}

# start_server NAME PORT [options]: a redis-server on 127.0.0.1:PORT.
start_server() {
	local name port
	name=$1
	port=$2
	shift 2
	redis-server --port "$port" --bind 127.0.0.1 --dir "$T" \
	    --dbfilename "$name.rdb" --appenddirname "$name.aof" --save "" \
	    --daemonize yes --pidfile "$T/$name.pid" --logfile "$T/$name.log" \
	    --repl-diskless-sync-delay 0 "$@" || return 1
	wait_for 10 "$name up" sh -c "redis-cli -p $port ping 2>/dev/null | grep -q PONG"
}

# start_sentinel NAME PORT: a sentinel watching server A as mymaster.
start_sentinel() {
	{
		echo "port $2"
		echo "bind 127.0.0.1"
		echo "dir $T"
		echo "daemonize yes"
		echo "pidfile $T/$1.pid"
		echo "logfile $T/$1.log"
		echo "sentinel monitor mymaster 127.0.0.1 $PA 2"
		echo "sentinel down-after-milliseconds mymaster 1000"
		echo "sentinel failover-timeout mymaster 10000"
	} > "$T/$1.sentinel.conf"
	redis-server "$T/$1.sentinel.conf" --sentinel || return 1
	wait_for 10 "$1 up" sh -c "redis-cli -p $2 ping 2>/dev/null | grep -q PONG"
}

master_port() {
	redis-cli -p "$S1" sentinel get-master-addr-by-name mymaster | tail -1
}
M() { redis-cli -p "$(master_port)" "$@"; }
mfield() { M HGET "loa:job:$1" "$2"; }
mstate_is() { [ "$(mfield "$1" state)" = "$2" ]; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
count() { grep -c -e "$1" "$2"; }
role_is() { redis-cli -p "$1" role 2>/dev/null | head -1 | grep -qx "$2"; }
synced() { redis-cli -p "$1" info replication | grep -q "master_link_status:up"; }

# ledger ID: the checks after a broadcast.
ledger() {
	local md dups bad
	is "$1: state done" "$(mfield "$1" state)" done
	is "$1: total" "$(mfield "$1" total)" $N
	is "$1: all accounted as sent" "$(mfield "$1" sent)" $N
	is "$1: one final outcome per recipient in the delivery log" \
	    "$(grep "\"job\":\"$1\"" "$T/a.delivery.log" | grep -e '"status":"sent"' -e '"status":"maybe_duplicate"' | sed 's/.*"resident":"\([^"]*\)".*/\1/' | sort -u | wc -l | tr -d ' ')" $N
	is "$1: no recipient with two final outcomes" \
	    "$(grep "\"job\":\"$1\"" "$T/a.delivery.log" | grep -c -e '"status":"sent"' -e '"status":"maybe_duplicate"')" $N
	is "$1: everyone reached" "$(sent_unique "$1")" $N
	dups=$(( $(sent_lines "$1") - N ))
	md=$(grep "\"job\":\"$1\"" "$T/a.delivery.log" | grep -c '"status":"maybe_duplicate"')
	is "$1: counted maybe_duplicate as logged" "$(mfield "$1" maybe_duplicate | sed 's/^$/0/')" "$md"
	# Every delivery the console saw twice is logged maybe_duplicate.
	bad=$(grep "\"job\":\"$1\"" "$T/console.out" |
	    sed 's/.*"delivery_id":"\([0-9a-f]*\)".*/\1/' | sort | uniq -d |
	    while read -r id; do
		grep "\"provider_id\":\"$id\"" "$T/a.delivery.log" |
		    grep -q '"status":"maybe_duplicate"' || echo "$id"
	    done | wc -l | tr -d ' ')
	is "$1: console saw each at most once, but for maybe_duplicate ($dups seen twice, $md logged)" "$bad" 0
	echo "# $1: $N recipients, $(mfield "$1" sent) sent, $md maybe_duplicate, $dups second sends"
}

# follow JOB T0 PORT: the time from T0 (the failover began) until the
# sentinels name the master on PORT, and until loa records outcomes of
# JOB there.
follow() {
	local t1 v0
	wait_for 30 "the sentinels to name 127.0.0.1:$3" sh -c \
	    "[ \"\$(redis-cli -p $S1 sentinel get-master-addr-by-name mymaster | tail -1)\" = $3 ]"
	t1=$(now_ms)
	v0=$(redis-cli -p "$3" HGET "loa:job:$1" sent)
	if ! wait_for 30 "loa to record on the new master" sh -c \
	    "[ \"\$(redis-cli -p $3 HGET loa:job:$1 sent)\" -gt ${v0:-0} ]"
	then
		fail "$1: loa follows the failover"
		return
	fi
	pass "$1: loa follows the failover"
	echo "# $1: the sentinels named the new master after $((t1 - $2)) ms;" \
	    "loa recorded outcomes there after $(( $(now_ms) - $2 )) ms"
}

# replica_ok PORT: the sentinels hold the server on PORT a good replica.
replica_ok() {
	redis-cli -p "$S1" sentinel replicas mymaster | awk -v n="127.0.0.1:$1" '
	    $0 == "name" { getline; cur = $0 }
	    $0 == "flags" { getline; if (cur == n) f = $0 }
	    $0 == "master-link-status" { getline; if (cur == n) l = $0 }
	    END { exit !(f == "slave" && l == "ok") }'
}
quiet() { "$@" >/dev/null; }

PA=$(free_port)
PB=$(free_port)
S1=$(free_port)
S2=$(free_port)
S3=$(free_port)
DEAD=$(free_port)		# a sentinel that is not there
start_server A "$PA" --appendonly yes || exit 1
start_server B "$PB" --appendonly no --replicaof 127.0.0.1 "$PA" || exit 1
wait_for 10 "B in sync with A" synced "$PB"
for s in 1 2 3; do
	eval "start_sentinel s$s \$S$s" || exit 1
done
wait_for 10 "sentinels see the replica" sh -c \
    "redis-cli -p $S1 sentinel replicas mymaster | grep -q 127.0.0.1:$PB"

write_conf a
sed -i "s|^url = .*|sentinels = 127.0.0.1:$DEAD, 127.0.0.1:$S1, [127.0.0.1]:$S2,127.0.0.1:$S3\nmaster_name = mymaster|" "$T/a.conf"
echo "rate = 500/s" >> "$T/a.conf"
check "config with sentinels checks" $LOA -t -c "$T/a.conf"
start_loa a || exit 1
check "master found through the sentinels" wait_for 10 "the master" \
    grep -q "redis: master of mymaster is 127.0.0.1:$PA" "$T/a.out"

# loactl asks the sentinels too (the first is not there).
gen_job k1 $N
check "loactl send through the sentinels" quiet $LOACTL -c "$T/a.conf" send "$T/k1.json"
wait_sent k1 $((N / 3)) 20
is "no appendonly warning for A (appendonly yes)" "$(count 'appendonly is off' "$T/a.out")" 0

# 1. The master dies.
t0=$(now_ms)
kill -9 "$(cat "$T/A.pid")"
rm -f "$T/A.pid"
follow k1 "$t0" "$PB"
check "the move to B said" grep -q "redis: master of mymaster is now 127.0.0.1:$PB" "$T/a.out"
wait_for 30 "k1 done" mstate_is k1 done
ledger k1
is "appendonly warning once, after the move to B (appendonly no)" "$(count 'appendonly is off' "$T/a.out")" 1
check "... naming B" grep -q "appendonly is off: a Redis crash can lose acknowledged work (127.0.0.1:$PB" "$T/a.out"
check "loactl status finds the new master" sh -c "$LOACTL -c '$T/a.conf' status k1 | grep -q done"

# 2. A planned failover back to A.  A comes back as B's replica; B takes
# writes only while its replica is with it.
start_server A "$PA" --appendonly yes --replicaof 127.0.0.1 "$PB" || exit 1
wait_for 15 "A in sync with B" synced "$PA"
wait_for 20 "the sentinels to take A as a replica" replica_ok "$PA"
M CONFIG SET min-replicas-to-write 1 >/dev/null
gen_job k2 $N
check "loactl send" quiet $LOACTL -c "$T/a.conf" send "$T/k2.json"
wait_sent k2 $((N / 3)) 20
t0=$(now_ms)
check "SENTINEL FAILOVER" sh -c "redis-cli -p $S1 sentinel failover mymaster | grep -q OK"
follow k2 "$t0" "$PA"
check "the move back to A said" grep -q "redis: master of mymaster is now 127.0.0.1:$PA" "$T/a.out"
wait_for 30 "k2 done" mstate_is k2 done
ledger k2
check "the daemon is on A" role_is "$PA" master
is "moves said once each" "$(count 'redis: master of mymaster is now' "$T/a.out")" 2
stop_loa a
is "SIGTERM exits 0" "$?" 0

# loactl when no sentinel answers.
sed "s|^sentinels = .*|sentinels = 127.0.0.1:$DEAD|" "$T/a.conf" > "$T/dead.conf"
$LOACTL -c "$T/dead.conf" status k1 >/dev/null 2>"$T/dead.err"
is "loactl without sentinels exits 1" "$?" 1
check "... saying why" grep -q "no sentinel named the master of mymaster (127.0.0.1:$DEAD: " "$T/dead.err"

# appendonly cannot be checked: CONFIG renamed away.
redis-server --port 0 --unixsocket "$T/c.sock" --unixsocketperm 700 \
    --dir "$T" --appenddirname c.aof --appendonly yes --save "" \
    --rename-command CONFIG "" --daemonize yes --pidfile "$T/C.pid" \
    --logfile "$T/C.log" || exit 1
wait_for 10 "c up" sh -c "redis-cli -s '$T/c.sock' ping 2>/dev/null | grep -q PONG"
write_conf c
sed -i "s|^url = .*|url = unix://$T/c.sock|" "$T/c.conf"
start_loa c || exit 1
wait_for 5 "appendonly check" grep -q "appendonly" "$T/c.out"
check "appendonly could not be checked, said" grep -q "redis: appendonly could not be checked on unix://$T/c.sock" "$T/c.out"
is "... once" "$(count 'appendonly' "$T/c.out")" 1
stop_loa c
done_testing
