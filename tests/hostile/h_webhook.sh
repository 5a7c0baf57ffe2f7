#!/bin/sh
# h_webhook.sh -- delivery webhooks under attack (issue 12).
#
#   1. Correctly signed Zalo events from 2010 and 2100 change nothing
#      (webhook_max_age, webhook_max_ahead), each said once; a valid
#      event replayed applies once.
#   2. 1,000 forged unmatched reports (eSMS, good token, ids of nobody's
#      messages) wait in the early queue, then a real early report comes:
#      it is applied within seconds, not starved.
#   3. The early queue never holds more than early_reports_max: the
#      oldest are dropped, counted, and said once per episode.
#   4. Message ids with control bytes or too long, from a send answer (a
#      hostile http_json provider on loopback) or a signed report, are
#      refused: never in a key, never raw in a log line.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/mock.sh"

start_redis || exit 1
start_mock -z R0-first || exit 1
printf 'oa-secret-key\n' > "$T/zalo.oa"
printf 'esms-hook-token\n' > "$T/esms.hook"
chmod 600 "$T"/zalo.* "$T/esms.hook"
write_base_conf a
cat >> "$T/a.conf" <<CONF
$(zalo_section)
oa_secret_file = $T/zalo.oa
$(esms_section)
webhook_token_file = $T/esms.hook
CONF
start_loa a || { cat "$T/a.out"; exit 1; }
webhook_url a
# zevent TS MSGID: a user_received_message body signed with our OA key;
# sets ZBODY and ZSIG.
zevent() {
	ZBODY="{\"event_name\":\"user_received_message\",\"app_id\":\"4242\",\"timestamp\":\"$1\",\"sender\":{\"id\":\"oa1\"},\"recipient\":{\"id\":\"84961000011\"},\"message\":{\"msg_id\":\"$2\",\"tracking_id\":\"x\"}}"
	ZSIG=$(printf '%s%s%s%s' 4242 "$ZBODY" "$1" oa-secret-key |
	    openssl dgst -sha256 | sed 's/.*= //')
}
zpost() {
	hook POST /webhooks/zalo -H "X-ZEvent-Signature: mac=$ZSIG" \
	    -H 'Content-Type: application/json' --data "$ZBODY"
}

cat > "$T/z1.json" <<'JOB'
{"id":"z1","channels":["zalo"],"zalo":{"template_id":"231768","data":{"ten":"A"}},
 "recipients":[{"phone":"0961000011"},{"phone":"0961000012"},{"phone":"0961000013"}]}
JOB
submit "$T/z1.json" >/dev/null
wait_for 20 "z1 done" state_is z1 done
Z1=$(pid zalo 84961000011)
Z2=$(pid zalo 84961000012)
Z3=$(pid zalo 84961000013)
check "Zalo message ids known" [ -n "$Z1" -a -n "$Z2" -a -n "$Z3" ]

# --- 1. Old and future events, replays ---
zevent 1262304000000 "$Z1"		# 2010-01-01
is "signed event from 2010: refused" "$(zpost)" 401
zevent 4102444800000 "$Z2"		# 2100-01-01
is "signed event from 2100: refused" "$(zpost)" 401
is "nothing applied, nothing held early" "$(out z1 '#0')/$(out z1 '#1')/$(job_field z1 delivered)/$(R ZCARD loa:reports:early)" sent:zalo/sent:zalo/0/0
is "the 2010 event said once" "$(grep -c 'provider zalo: delivery report refused: signed [0-9]* s ago, more than webhook_max_age (3600 s)' "$T/a.out")" 1
is "the 2100 event said once" "$(grep -c 'provider zalo: delivery report refused: signed [0-9]* s ahead of our clock, more than webhook_max_ahead (300 s)' "$T/a.out")" 1
check "no id or body in those lines" sh -c "! grep -e '$Z1' -e '$Z2' -e user_received '$T/a.out'"
zevent $(($(date +%s) * 1000 - 60000)) "$Z3"	# a minute ago
is "a fresh event: applied" "$(zpost)/$(body .applied)" 200/1
is "replayed: final, not applied" "$(zpost)/$(body .final)/$(body .applied)" 200/1/0
is "replayed again" "$(zpost)/$(body .final)" 200/1
is "applied once" "$(job_field z1 delivered)/$(out z1 '#2')" 1/delivered:zalo
zevent $(($(date +%s) * 1000 - 3500 * 1000)) "$Z1"	# 58 min ago
is "inside the window (58 min old): applied" "$(zpost)/$(body .applied)" 200/1

# --- 2. Forged unmatched reports cannot starve a real one ---
# feed N FROM: N eSMS reports for ids nobody sent, through one curl.
feed() {
	awk -v n="$1" -v f="$2" -v u="$URL" 'BEGIN {
		for (i = f; i < f + n; i++) {
			printf "url = \"%s/webhooks/esms?SMSID=forged-%06d&SendStatus=5&loa_token=esms-hook-token\"\n", u, i
			print "output = \"/dev/null\""
		}
	}' > "$T/feed.curl"
	curl -s --max-time 120 -K "$T/feed.curl"
}
feed 1000 0
is "1,000 forged reports wait" "$(R ZCARD loa:reports:early)" 1000
E9=$(early_job e1 0961000099)
is "the real report comes early" "$(hook GET "/webhooks/esms?SMSID=$E9&SendStatus=5&loa_token=esms-hook-token")/$(body .early)" 200/1
t0=$(date +%s)
check "applied within 10 s of its send, behind 1,000 forged" \
    wait_for 12 "e1 delivered" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:e1 delivered)\" = 1 ]"
echo "# applied $(( $(date +%s) - t0 )) s after it came"
is "e1: delivered" "$(out e1 '#0')" delivered:sms
mock_config '{"delay_ms":0}'
is "the forged ones still wait (for an hour)" "$(R ZCARD loa:reports:early)" 1000

# --- 3. The queue has a cap ---
sed -i '/^consumer = a$/a early_reports_max = 200' "$T/a.conf"
kill -HUP "$(cat "$T/a.pid")"
wait_for 10 "reloaded" grep -q "reloaded $T/a.conf" "$T/a.out"
wait_for 5 "the queue trimmed to its cap" sh -c "[ \$(redis-cli -s '$SOCK' ZCARD loa:reports:early) -le 200 ]"
is "trimmed to the cap" "$(R ZCARD loa:reports:early)" 200
feed 300 5000
n=$(R ZCARD loa:reports:early)
check "300 more: never above the cap ($n)" [ "$n" -le 200 ]
check "the newest kept, the oldest dropped" sh -c "redis-cli -s '$SOCK' ZRANGE loa:reports:early -1 -1 | grep -q forged-005299 && ! redis-cli -s '$SOCK' ZRANGE loa:reports:early 0 -1 | grep -q forged-000000"
is "said once for the episode" "$(grep -c 'queue of early reports is full (early_reports_max 200)' "$T/a.out")" 1
hook GET /metrics >/dev/null
check "drops counted in the metrics" grep -q '^loa_delivery_reports_total{provider="esms",result="dropped"} [1-9][0-9]*$' "$T/body"

# --- 4. Hostile message ids ---
CTL=$(printf '\001')
zevent $(date +%s)000 'ab\u0001\ncd'
is "Zalo report, control bytes in msg_id: malformed" "$(zpost)" 400
zevent $(date +%s)000 "$(head -c 200 /dev/zero | tr '\0' x)"
is "Zalo report, a 200-byte msg_id: malformed" "$(zpost)" 400
is "SMSID with a control byte: malformed" "$(hook GET "/webhooks/esms?SMSID=a%01b&SendStatus=5&loa_token=esms-hook-token")" 400
is "SMSID with a space: malformed" "$(hook GET "/webhooks/esms?SMSID=a+b&SendStatus=5&loa_token=esms-hook-token")" 400
is "SMSID of 128 bytes: malformed" "$(hook GET "/webhooks/esms?SMSID=$(head -c 128 /dev/zero | tr '\0' y)&SendStatus=5&loa_token=esms-hook-token")" 400
check "none of them waits early" sh -c "! redis-cli -s '$SOCK' ZRANGE loa:reports:early 0 -1 | grep -q -e '$CTL' -e xxxxxxxxxx -e yyyyyyyyyy -e 'a b'"

# A provider whose send answers carry hostile ids (http_json, socat),
# in daemon b alone (a would take the work too).
stop_loa a
cat > "$T/hostile.sh" <<'SH'
#!/bin/sh
# One HTTP exchange: read the request, answer with a hostile id.
len=0
while IFS= read -r line; do
	line=$(printf '%s' "$line" | tr -d '\r')
	[ -z "$line" ] && break
	case "$line" in
	[Cc]ontent-[Ll]ength:*) len=$(printf '%s' "${line#*:}" | tr -d ' ') ;;
	esac
done
[ "$len" -gt 0 ] && dd bs=1 count="$len" of=/dev/null 2>/dev/null
n=$(cat "$0.n" 2>/dev/null || echo 0)
echo $((n + 1)) > "$0.n"
if [ $((n % 2)) -eq 0 ]; then
	b='{"ok":true,"id":"ev\u0001il\nINJECTED: 1"}'
else
	b="{\"ok\":true,\"id\":\"$(head -c 300 /dev/zero | tr '\0' z)\"}"
fi
printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#b}" "$b"
SH
HPORT=
for try in 1 2 3 4 5; do
	p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000))
	socat TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork \
	    SYSTEM:"sh $T/hostile.sh" 2>>"$T/socat.err" &
	echo $! > "$T/socat.pid"
	sleep 0.3
	if kill -0 "$(cat "$T/socat.pid")" 2>/dev/null; then
		HPORT=$p
		break
	fi
done
check "hostile provider listening" [ -n "$HPORT" ]
write_base_conf b
cat >> "$T/b.conf" <<CONF
[provider.evil]
plugin = http_json
channel = sms
url = http://127.0.0.1:$HPORT/send
id_field = id
max_attempts = 1
CONF
sed -i "s|^log = .*|log = $T/b.delivery.log|" "$T/b.conf"
start_loa b || { cat "$T/b.out"; exit 1; }
printf '%s' '{"id":"h1","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0961000201"},{"phone":"0961000202"},{"phone":"0961000203"},{"phone":"0961000204"}]}' > "$T/h1.json"
submit "$T/h1.json" >/dev/null
wait_for 20 "h1 done" state_is h1 done
is "h1: all sent (the provider accepted them)" "$(job_field h1 sent)" 4
is "no msgid key for the hostile provider" "$(R --scan --pattern 'loa:msgid:evil:*' | wc -l | tr -d ' ')" 0
check "no key anywhere with a control byte" sh -c "! redis-cli -s '$SOCK' --scan | grep -q '$CTL'"
check "refusal said, naming the provider" grep -q 'provider evil: message id in a send answer refused: not 1 to 127 visible ASCII characters' "$T/b.out"
check "no control byte in any log" sh -c "! cat '$T/a.out' '$T/b.out' '$T/a.delivery.log' '$T/b.delivery.log' | grep -q '$CTL'"
check "no injected log line" sh -c "! grep -q '^INJECTED' '$T/b.out' '$T/b.delivery.log'"
check "no hostile id in the delivery log" sh -c "! grep -q -e provider_id -e zzzzzzzzzz '$T/b.delivery.log'"
stop_loa b
stop_pid "$T/socat.pid" TERM socat
done_testing
