#!/bin/sh
# run.sh -- each of the store's Lua scripts alone against a private
# redis-server (unix socket, temp dir), as the daemon and loactl call
# them: EVAL of the assembled text (build/gen/lua, see daemon/lua/embed.sh).
# Every s_*.sh holds the cases of one script; the database is emptied
# before each file.  TAP-like output, totals at the end.
#   BUILD=build sh tests/store/run.sh            (every script)
#   BUILD=build sh tests/store/run.sh s_gate     (one)
dir=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$dir/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LUA=$BUILD/gen/lua
[ -f "$LUA/accept.lua" ] || { echo "store: no $LUA (make $BUILD/gen/lua.c)" >&2; exit 1; }
T=$(mktemp -d /tmp/loa-store.XXXXXX)
SOCK=$T/redis.sock
cleanup() {
	redis-cli -s "$SOCK" shutdown nosave >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$T" \
    --save "" --appendonly no --daemonize yes --pidfile "$T/redis.pid" \
    --logfile "$T/redis.log" || exit 1
n=0
while ! redis-cli -s "$SOCK" ping 2>/dev/null | grep -q PONG; do
	n=$((n + 1))
	[ $n -lt 100 ] || { echo "store: redis-server did not start" >&2; exit 1; }
	sleep 0.1
done

P=loa:
pass=0
fail=0
R() { redis-cli -s "$SOCK" "$@"; }
# ev SCRIPT ARGV...: EVAL the script with no keys (the store's convention)
ev() {
	local s
	s=$1
	shift
	redis-cli -s "$SOCK" EVAL "$(cat "$LUA/$s.lua")" 0 "$@"
}
ok() {
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "ok - $cur: $1"
	else
		fail=$((fail + 1))
		echo "not ok - $cur: $1"
	fi
}
# is WHAT GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1" 0
	else
		ok "$1" 1
		printf '#   got:  %s\n#   want: %s\n' "$(echo "$2" | tr '\n' ' ')" \
		    "$(echo "$3" | tr '\n' ' ')"
	fi
}
# A pending entry of stream $1 for consumer $2 with fields $3...: its id.
pending() {
	local s c
	s=$1
	c=$2
	shift 2
	R XGROUP CREATE "$s" loa '$' MKSTREAM >/dev/null 2>&1
	R XADD "$s" '*' "$@" >/dev/null
	R XREADGROUP GROUP loa "$c" COUNT 1 STREAMS "$s" '>' | sed -n 2p
}
lines() { printf '%s\n' "$@"; }

if [ $# -gt 0 ]; then
	files=""
	for f in "$@"; do files="$files $dir/$f.sh"; done
else
	files=$(ls "$dir"/s_*.sh)
fi
for f in $files; do
	cur=$(basename "$f" .sh)
	R flushall >/dev/null
	. "$f"
done
echo "store: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
