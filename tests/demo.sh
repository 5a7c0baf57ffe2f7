#!/bin/sh
# demo.sh -- `make demo`: Loa end to end, on this machine only.  Starts a
# private redis-server (temp dir, unix socket, appendonly on) and the loa
# daemon with the console provider, imports Hanoi's wards and a sample
# directory of residents, previews a ward notice, sends it and the other
# announcements in conf/examples/ with `loactl send --wait`, shows the
# messages as residents would get them and the job summaries, and stops
# everything.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$ROOT/build}
D=$(mktemp -d /tmp/loa-demo.XXXXXX)
SOCK=$D/redis.sock
LOA_PID=""

cleanup() {
	if [ -n "$LOA_PID" ] && kill -0 "$LOA_PID" 2>/dev/null; then
		kill -TERM "$LOA_PID"
		wait "$LOA_PID" 2>/dev/null
	fi
	redis-cli -s "$SOCK" shutdown >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$D" \
    --appendonly yes --save "" --daemonize yes --logfile "$D/redis.log" \
    --pidfile "$D/redis.pid" || exit 1
n=0
until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 50 ] || { echo "demo: redis-server did not start" >&2; exit 1; }
	sleep 0.1
done

cat > "$D/loa.conf" <<CONF
[redis]
url = unix://$SOCK

[daemon]
log = $D/delivery.log

[http]
listen = 127.0.0.1:0

[provider.console]
plugin = console
output = $D/console.out
CONF

echo "== loa: checking the configuration"
"$B/loa" -t -c "$D/loa.conf" || exit 1
"$B/loa" -c "$D/loa.conf" 2>"$D/loa.err" &
LOA_PID=$!

CTL="$B/loactl -c $D/loa.conf"
echo
echo "== loactl import wards conf/wards/hanoi.csv"
$CTL import wards "$ROOT/conf/wards/hanoi.csv" || exit 1
echo
echo "== loactl import residents conf/examples/residents.csv"
$CTL import residents "$ROOT/conf/examples/residents.csv" || exit 1
echo
echo "== loactl preview ward-notice.json (what an official checks first)"
$CTL preview "$ROOT/conf/examples/ward-notice.json" || exit 1

rc=0
for job in "$ROOT"/conf/examples/*.json; do
	echo
	echo "== loactl send --wait $(basename "$job")"
	$CTL send "$job" --wait --timeout 30 || rc=1
done

echo
echo "== What residents received (console provider, one line per message)"
jq -r 'if .channel == "sms" then
	"  SMS  to \(.to)  [\(.encoding), \(.segments) segment(s)]\n       \(.text)"
    else
	"  Zalo to \(if .to != "" then .to else "uid " + .zalo_uid end)  template \(.template_id)\n       \(.data | tojson)"
    end' "$D/console.out"

echo
echo "== Delivery log (phones masked)"
jq -c '{job, resident, channel, to, status, reason} | with_entries(select(.value != null))' "$D/delivery.log" |
    sed 's/^/  /'

echo
echo "== Stopping loa (SIGTERM) and redis-server"
kill -TERM "$LOA_PID"
wait "$LOA_PID"
echo "  loa exited with status $?"
LOA_PID=""
sed 's/^/  /' "$D/loa.err"
exit $rc
