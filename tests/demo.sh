#!/bin/sh
# demo.sh -- `make demo`: Loa end to end, on this machine only.  Starts a
# private redis-server (temp dir, unix socket, appendonly on) and the loa
# daemon with the console provider, imports Hanoi's wards and a sample
# directory of residents, previews a ward notice, sends it and the other
# announcements in conf/examples/ with `loactl send --wait`, shows the
# messages as residents would get them and the job summaries; then a
# resident answers: the mock provider (tests/mock) posts a signed Zalo
# user_send_text to the daemon's /webhooks/zalo, and `loactl inbox` shows
# it in the ward's inbox.  Then it stops everything.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$ROOT/build}
D=$(mktemp -d /tmp/loa-demo.XXXXXX)
SOCK=$D/redis.sock
LOA_PID=""
MOCK_PID=""

cleanup() {
	if [ -n "$LOA_PID" ] && kill -0 "$LOA_PID" 2>/dev/null; then
		kill -TERM "$LOA_PID"
		wait "$LOA_PID" 2>/dev/null
	fi
	if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
		kill -TERM "$MOCK_PID"
		wait "$MOCK_PID" 2>/dev/null
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

# The mock plays Zalo: it takes the Zalo section's token refresh and
# signs the resident's event with the OA secret (the app secret too: the
# mock has one key for both).
"$B/loa-mock" -p 0 -P "$D/mock.port" -z R0-demo \
    -c '{"zalo_app_id":"4242","zalo_secret_key":"demo-oa-secret"}' \
    >"$D/mock.out" 2>&1 &
MOCK_PID=$!
n=0
until [ -s "$D/mock.port" ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || { echo "demo: loa-mock did not start" >&2; exit 1; }
	sleep 0.1
done
MOCK_URL=http://127.0.0.1:$(cat "$D/mock.port")
printf 'demo-oa-secret\n' > "$D/zalo.secret"
printf 'R0-demo\n' > "$D/zalo.refresh"
chmod 600 "$D/zalo.secret" "$D/zalo.refresh"

cat > "$D/loa.conf" <<CONF
[redis]
url = unix://$SOCK

[daemon]
log = $D/delivery.log
plugin_dir = $B/plugins

[http]
listen = 127.0.0.1:0

[provider.console]
plugin = console
output = $D/console.out

# The ward's Zalo Official Account, at the mock: residents' messages come
# to /webhooks/zalo.  weight = 0: it sends nothing, every notice of the
# demo goes to the console provider.
[provider.zalo]
plugin = zalo_zns
channel = zalo
weight = 0
base_url = $MOCK_URL
oauth_url = $MOCK_URL
app_id = 4242
app_secret_file = $D/zalo.secret
refresh_token_file = $D/zalo.refresh
oa_secret_file = $D/zalo.secret
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

# Bà Nguyễn Thị Lan (hk01 in residents.csv, Zalo user id 5871230000101,
# ward 00070) answers on Zalo; the mock signs the event as Zalo does.
echo
echo "== A resident answers on Zalo (the mock posts a signed user_send_text to /webhooks/zalo)"
PORT=$(sed -n 's/.*http: listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$D/loa.err" | head -n 1)
if [ -z "$PORT" ]; then
	echo "demo: loa is not listening" >&2
	rc=1
else
	curl -sS -H 'Content-Type: application/json' --data-binary \
	    "{\"provider\":\"zalo\",\"url\":\"http://127.0.0.1:$PORT/webhooks/zalo\",\"from\":\"5871230000101\",\"text\":\"Nhà tôi ở ngõ 5 bị ngập\"}" \
	    "$MOCK_URL/_mock/inbound" > "$D/inbound.json" || rc=1
	jq -r '"  /webhooks/zalo answered \(.status): \(.answers[0] | rtrimstr("\n"))"' \
	    "$D/inbound.json" || rc=1
	[ "$(jq -r .status "$D/inbound.json" 2>/dev/null)" = 200 ] || rc=1
fi
echo
echo "== loactl inbox --ward 00070 (what the ward's residents wrote back)"
$CTL inbox --ward 00070 || rc=1

echo
echo "== Stopping loa (SIGTERM) and redis-server"
kill -TERM "$LOA_PID"
wait "$LOA_PID"
echo "  loa exited with status $?"
LOA_PID=""
sed 's/^/  /' "$D/loa.err"
exit $rc
