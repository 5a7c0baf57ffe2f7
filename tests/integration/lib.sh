# lib.sh -- shared by the integration tests (sourced, POSIX sh).
#
# Every test gets a private temp dir with its own redis-server on a unix
# socket (appendonly on, no RDB), real loa daemons started from configs
# written here, and helpers that wait with a deadline (a hang fails the
# check instead of blocking the suite).  Checks print TAP-like lines; the
# last line is "NAME: N passed, N failed".  KEEP=1 keeps the temp dir.
#
# VALGRIND=1: $LOA and $LOACTL run under valgrind's memcheck
# (tests/valgrind.sh), every deadline of wait_for and stop_pid is
# TIME_SCALE (6) times longer, and done_testing fails the test for each
# process valgrind found a memory error or a leak in.  Tests bound to
# real time skip what cannot hold under valgrind with vg_skip.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOA=$BUILD/loa
LOACTL=$BUILD/loactl
TNAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/loa-$TNAME.XXXXXX")
PASS=0
FAIL=0
SOCK=$T/redis.sock
TIME_SCALE=1
if [ "${VALGRIND:-0}" = 1 ]; then
	TIME_SCALE=${TIME_SCALE_VALGRIND:-6}
	VG_LOGS=$T/valgrind
	export VG_LOGS
	mkdir -p "$VG_LOGS" "$T/vg"
	for p in loa loactl; do
		printf '#!/bin/sh\nexec sh "%s/tests/valgrind.sh" "%s/%s" "$@"\n' \
		    "$ROOT" "$BUILD" "$p" > "$T/vg/$p"
		chmod +x "$T/vg/$p"
	done
	LOA=$T/vg/loa
	LOACTL=$T/vg/loactl
	echo "# under valgrind: deadlines $TIME_SCALE times longer"
fi

cleanup() {
	for p in "$T"/*.pid; do
		[ -f "$p" ] || continue
		kill -9 "$(cat "$p")" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { PASS=$((PASS + 1)); echo "ok - $*"; }
fail() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

# check "what" command...: passes when the command succeeds.
check() {
	local what
	what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# is "what" GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "#   got '$2', want '$3'"
	fi
}

# vg_skip WHAT: under valgrind, say that a check bound to real time is
# skipped and return 0 (the caller skips it); else return 1.
vg_skip() {
	[ "${VALGRIND:-0}" = 1 ] || return 1
	echo "# skipped under valgrind: $*"
	return 0
}

# Under valgrind, a failed check for each process whose log reports a
# memory error or a leak, with the report.  Daemons still running are
# stopped first (SIGTERM), so that their leaks are counted too.
vg_check() {
	local f
	[ "${VALGRIND:-0}" = 1 ] || return 0
	for f in "$T"/*.pid; do
		[ -f "$f" ] && [ "$f" != "$T/redis.pid" ] || continue
		kill -CONT "$(cat "$f")" 2>/dev/null	# a frozen one too
		stop_pid "$f" TERM "$(basename "$f" .pid)" >/dev/null
	done
	for f in "$VG_LOGS"/*.log; do
		[ -f "$f" ] || continue
		if sh "$ROOT/tests/valgrind.sh" --verdict "$f" >"$f.bad"; then
			fail "valgrind: $(basename "$f" .log)"
			sed 's/^/#   /' "$f.bad" | head -60
		fi
		rm -f "$f" "$f.bad"
	done
}

done_testing() {
	vg_check
	echo "$TNAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

R() { redis-cli -s "$SOCK" "$@"; }

start_redis() {
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
	    --dir "$T" --appendonly yes --save "" --daemonize yes \
	    --pidfile "$T/redis.pid" --logfile "$T/redis.log" || return 1
	wait_for 10 "redis up" sh -c "redis-cli -s '$SOCK' ping 2>/dev/null | grep -q PONG"
}

stop_redis() {
	R shutdown >/dev/null 2>&1
	wait_for 10 "redis down" sh -c "! [ -S '$SOCK' ] || ! redis-cli -s '$SOCK' ping >/dev/null 2>&1"
	rm -f "$T/redis.pid"
}

# wait_for SECONDS "what" command...: poll every 0.1 s until it succeeds
# (SECONDS times TIME_SCALE).
wait_for() {
	local limit what n
	limit=$1
	what=$2
	shift 2
	n=0
	while ! "$@"; do
		n=$((n + 1))
		if [ $n -ge $((limit * 10 * TIME_SCALE)) ]; then
			echo "# timed out after $((limit * TIME_SCALE))s waiting for $what"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# write_base_conf NAME [extra config lines]: $T/NAME.conf for a test
# daemon, without providers (plugins from $BUILD/plugins).
write_base_conf() {
	local name l
	name=$1
	shift
	{
		echo "[redis]"
		echo "url = unix://$SOCK"
		echo "[daemon]"
		echo "log = $T/$name.delivery.log"
		echo "plugin_dir = $BUILD/plugins"
		echo "claim_timeout = 2s"
		echo "shutdown_timeout = 5s"
		echo "max_job_size = 16m"
		echo "max_recipients = 200000"
		echo "consumer = $name"
		for l in "$@"; do echo "$l"; done
		echo "[http]"
		echo "listen = 127.0.0.1:0"
	} > "$T/$name.conf"
}

# write_conf NAME [extra [daemon] lines]: the same with the console
# provider writing to $T/console.out.
write_conf() {
	write_base_conf "$@"
	{
		echo "[provider.console]"
		echo "plugin = console"
		echo "output = $T/console.out"
	} >> "$T/$1.conf"
}

# start_loa NAME: run the daemon in the background, wait until it runs.
start_loa() {
	local n
	# The output is appended to: a daemon started again under the same
	# name is up when its own start-up line is there, not the last one's.
	n=$(grep -c "started as consumer" "$T/$1.out" 2>/dev/null)
	n=${n:-0}
	$LOA -c "$T/$1.conf" >>"$T/$1.out" 2>&1 &
	echo $! > "$T/$1.pid"
	wait_for 10 "loa $1 started" sh -c \
	    "[ \$(grep -c 'started as consumer' '$T/$1.out') -gt $n ]"
}

# stop_pid PIDFILE SIGNAL WHAT: signal the process and wait (20 s times
# TIME_SCALE at most, then SIGKILL); returns its exit status (137 for
# KILL).
stop_pid() {
	local pid n rc
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	kill -"$2" "$pid" 2>/dev/null
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -ge $((200 * TIME_SCALE)) ]; then
			echo "# $3 did not stop in $((20 * TIME_SCALE)) s"
			kill -9 "$pid"
			break
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	rc=$?
	rm -f "$1"
	return $rc
}

# stop_loa NAME [SIGNAL]: signal the daemon and wait for it.
stop_loa() {
	stop_pid "$T/$1.pid" "${2:-TERM}" "loa $1"
}

# http_port NAME: the port daemon NAME's listener took (listen = ...:0),
# from the line it logged.
http_port() {
	sed -n 's/.*http: listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$T/$1.out" | head -n 1
}

# submit FILE: XADD the job as it is; prints the entry id.
submit() {
	redis-cli -s "$SOCK" -x XADD loa:jobs '*' job < "$1"
}

job_field() { R HGET "loa:job:$1" "$2"; }

state_is() { [ "$(job_field "$1" state)" = "$2" ]; }

# wait_sent ID N SECONDS: until the console has at least N lines of ID.
wait_sent() {
	wait_for "$3" "$2 messages of $1" sh -c "[ \$(cat '$T/console.out' 2>/dev/null | grep -c '\"job\":\"$1\"') -ge $2 ]"
}

# gen_job ID N [TEXT]: a job with N recipients 0912000000.. in $T/ID.json
gen_job() {
	awk -v id="$1" -v n="$2" -v text="${3:-Xin chào {{name}}}" 'BEGIN {
		printf "{\"id\":\"%s\",\"channels\":[\"sms\"],", id
		printf "\"sms\":{\"text\":\"%s\"},\"recipients\":[", text
		for (i = 0; i < n; i++)
			printf "%s{\"phone\":\"0912%06d\",\"name\":\"R%d\",\"ward\":\"%05d\"}",
			    (i ? "," : ""), i, i, (i % 7) * 10
		printf "]}"
	}' > "$T/$1.json"
}

# dir_wards: three wards in Redis, 00070 Phường Hoàn Kiếm (district Hoàn
# Kiếm), 00004 Phường Ba Đình and 00008 Phường Ngọc Hà (district Ba Đình),
# and the directory column to_dan_pho.
dir_wards() {
	R HSET loa:ward:00070 name "Phường Hoàn Kiếm" district "Hoàn Kiếm" >/dev/null
	R HSET loa:ward:00004 name "Phường Ba Đình" district "Ba Đình" >/dev/null
	R HSET loa:ward:00008 name "Phường Ngọc Hà" district "Ba Đình" >/dev/null
	R SADD loa:wards 00070 00004 00008 >/dev/null
	R SADD loa:directory:columns to_dan_pho >/dev/null
}

# dir_resident ID WARD PHONE [field value ...]: a resident in Redis, as
# "loactl import residents" stores one, member of its ward.
dir_resident() {
	local id ward phone
	id=$1 ward=$2 phone=$3
	shift 3
	R HSET "loa:resident:$id" phone "$phone" ward "$ward" "$@" >/dev/null
	R SADD "loa:ward:$ward:residents" "$id" >/dev/null
	R SADD "loa:phone:$phone:residents" "$id" >/dev/null
}

# make_directory NWARDS PER_WARD: wards W0000.. with PER_WARD residents
# each (ids W0000-000000.., phones 0912000000 upwards), made inside Redis.
make_directory() {
	R EVAL "
local nw, per = tonumber(ARGV[1]), tonumber(ARGV[2])
local k = 0
for w = 0, nw - 1 do
  local code = string.format('W%04d', w)
  redis.call('HSET', 'loa:ward:' .. code, 'name', 'Ward ' .. w, 'district', 'D')
  redis.call('SADD', 'loa:wards', code)
  for r = 0, per - 1 do
    local id = string.format('%s-%06d', code, r)
    redis.call('HSET', 'loa:resident:' .. id, 'phone', string.format('849%08d', 12000000 + k),
      'name', 'R' .. k, 'ward', code, 'opt_out', '0')
    redis.call('SADD', 'loa:ward:' .. code .. ':residents', id)
    k = k + 1
  end
end
return k" 0 "$1" "$2"
}

# span_ms LOG JOB: ms between the first and the last "sent" of JOB in the
# delivery log LOG.
span_ms() {
	jq -r --arg j "$2" 'select(.job == $j and .status == "sent") | .ts' "$1" |
	    sed 's/^.*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)+07:00$/\1 \2 \3/' |
	    awk '{ t = ($1 * 3600 + $2 * 60 + $3) * 1000; if (NR == 1 || t < lo) lo = t; if (t > hi) hi = t }
		END { printf "%.0f", hi - lo }'
}

# Console lines for job ID, and how many distinct phones they reached.
sent_lines() { cat "$T/console.out" 2>/dev/null | grep -c "\"job\":\"$1\""; }
sent_unique() {
	grep "\"job\":\"$1\"" "$T/console.out" 2>/dev/null |
	    sed 's/.*"to":"\([0-9]*\)".*/\1/' | sort -u | wc -l | tr -d ' '
}
