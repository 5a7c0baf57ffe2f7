#!/bin/sh
# t_mock_inbound.sh -- the mock's POST /_mock/inbound, against a tiny
# loopback listener (python3) that keeps every request it gets: the body
# is the provider's real one (Zalo OA event, Twilio inbound SMS form,
# generic JSON), the signature is the documented one (recomputed here
# with sha256sum and python's hmac, not with any code of Loa's), "sign":
# false sends none and "wrong" a wrong one, "times" posts the same bytes
# n times, and the mock answers with the listener's status codes and
# bodies.  Refused: URLs off loopback, a missing sender, a provider it
# does not know, signing without the secret.  No Redis, no daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

APP=app-4242
ZSEC=oa-secret-1
TTOK=twilio-token-1
GTOK='gen tok&1'

# The listener: each POST into $T/req/N.{path,headers,body}; answers
# the status named by a path /status/NNN (200 otherwise) with a JSON body.
mkdir -p "$T/req"
cat > "$T/listen.py" <<'EOF'
import http.server, os, sys
d = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = len(os.listdir(d)) // 3
        b = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        open(os.path.join(d, '%d.body' % n), 'wb').write(b)
        open(os.path.join(d, '%d.headers' % n), 'w').write(
            ''.join('%s: %s\n' % (k, v) for k, v in self.headers.items()))
        open(os.path.join(d, '%d.path' % n), 'w').write(self.path)
        st = 200
        if self.path.startswith('/status/'):
            st = int(self.path[8:11])
        out = b'{"seen":%d}' % n
        self.send_response(st)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[1] + '.tmp', 'w').write('%d\n' % s.server_address[1])
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
EOF
python3 "$T/listen.py" "$T/listen.port" "$T/req" >>"$T/listen.out" 2>&1 &
echo $! > "$T/listen.pid"
wait_for 10 "listener up" test -s "$T/listen.port" || exit 1
LP=$(cat "$T/listen.port")
L=http://127.0.0.1:$LP

start_mock -c "{\"zalo_app_id\":\"$APP\",\"zalo_secret_key\":\"$ZSEC\",\"twilio_auth_token\":\"$TTOK\",\"generic_token\":\"$GTOK\"}" ||
    exit 1

nreq() { ls "$T/req" | grep -c '\.body$'; }
hdr() { grep -i "^$2:" "$T/req/$1.headers" | sed 's/^[^:]*: *//'; }
inbound() { mock_call POST /_mock/inbound -H 'Content-Type: application/json' --data-binary "$1"; }
jb() { printf '%s' "$MOCK_BODY" | jq -r "$1"; }
# zmac N: the mac of request N as Zalo documents it.
zmac() {
	{ printf '%s' "$APP"; cat "$T/req/$1.body"
	  printf '%s%s' "$(jq -r .timestamp "$T/req/$1.body")" "$ZSEC"; } |
	    sha256sum | cut -d' ' -f1
}
# tsig N URL: Twilio's signature of request N posted to URL.
tsig() {
	python3 - "$T/req/$1.body" "$2" "$TTOK" <<'EOF'
import base64, hashlib, hmac, sys, urllib.parse
b = open(sys.argv[1]).read()
s = sys.argv[2] + ''.join(k + v for k, v in
    sorted(urllib.parse.parse_qsl(b, keep_blank_values=True)))
print(base64.b64encode(hmac.new(sys.argv[3].encode(), s.encode(),
    hashlib.sha1).digest()).decode())
EOF
}

# ---- Zalo: a text, signed, twice ----
inbound "{\"provider\":\"zalo\",\"url\":\"$L/webhooks/zalo\",\"from\":\"2512523625412515\",\"text\":\"Nh\u00e0 t\u00f4i \u1edf ng\u00f5 5 b\u1ecb ng\u1eadp\",\"msg_id\":\"msg-1\",\"times\":2}"
is "zalo: the mock answers 200" "$MOCK_CODE" 200
is "zalo: posted twice" "$(nreq)" 2
is "zalo: the listener's statuses" "$(jb '.statuses | join(",")')" "200,200"
is "zalo: the listener's answers" "$(jb '.answers | join(",")')" '{"seen":0},{"seen":1}'
is "zalo: sent" "$(jb .sent)" 2
check "zalo: the same bytes both times" cmp -s "$T/req/0.body" "$T/req/1.body"
is "zalo: path" "$(cat "$T/req/0.path")" /webhooks/zalo
is "zalo: event" "$(jq -r .event_name "$T/req/0.body")" user_send_text
is "zalo: app_id" "$(jq -r .app_id "$T/req/0.body")" "$APP"
is "zalo: sender" "$(jq -r .sender.id "$T/req/0.body")" 2512523625412515
is "zalo: msg_id" "$(jq -r .message.msg_id "$T/req/0.body")" msg-1
is "zalo: text" "$(jq -r .message.text "$T/req/0.body")" "Nhà tôi ở ngõ 5 bị ngập"
ts=$(jq -r .timestamp "$T/req/0.body")
now=$(date +%s)
c=no
[ "$(jq -r '.timestamp | type' "$T/req/0.body")" = string ] &&
    [ $((ts / 1000 - now)) -le 5 ] && [ $((now - ts / 1000)) -le 5 ] && c=yes
is "zalo: timestamp is now, in ms, as a string" "$c" yes
is "zalo: content type" "$(hdr 0 Content-Type)" application/json
is "zalo: X-ZEvent-Signature" "$(hdr 0 X-ZEvent-Signature)" "mac=$(zmac 0)"
is "zalo: the answer shows the body sent" "$(jb .body)" "$(cat "$T/req/0.body")"

# follow, image: their own shapes
inbound "{\"provider\":\"zalo\",\"url\":\"$L/webhooks/zalo\",\"event\":\"follow\",\"from\":\"777\"}"
is "zalo follow: follower.id" "$(jq -r .follower.id "$T/req/2.body")" 777
is "zalo follow: no message" "$(jq -r .message "$T/req/2.body")" null
is "zalo follow: signed" "$(hdr 2 X-ZEvent-Signature)" "mac=$(zmac 2)"
inbound "{\"provider\":\"zalo\",\"url\":\"$L/webhooks/zalo\",\"event\":\"user_send_image\",\"from\":\"777\"}"
is "zalo image: an image attachment" \
    "$(jq -r '.message.attachments[0].type' "$T/req/3.body")" image
check "zalo image: a generated msg_id" \
    [ -n "$(jq -r .message.msg_id "$T/req/3.body")" ]

# unsigned, wrongly signed
inbound "{\"provider\":\"zalo\",\"url\":\"$L/webhooks/zalo\",\"from\":\"777\",\"text\":\"x\",\"sign\":false}"
is "zalo sign false: no signature header" "$(hdr 4 X-ZEvent-Signature)" ""
inbound "{\"provider\":\"zalo\",\"url\":\"$L/webhooks/zalo\",\"from\":\"777\",\"text\":\"x\",\"sign\":\"wrong\"}"
w=$(hdr 5 X-ZEvent-Signature)
check "zalo sign wrong: a mac= of 64 hex digits" \
    sh -c "printf '%s' '$w' | grep -qE '^mac=[0-9a-f]{64}$'"
check "zalo sign wrong: not the right one" [ "$w" != "mac=$(zmac 5)" ]

# ---- Twilio: an inbound SMS form ----
inbound "{\"provider\":\"twilio\",\"url\":\"$L/webhooks/twilio?x=1\",\"from\":\"+84912345678\",\"text\":\"TU CHOI & h\u1ee7y\",\"msg_id\":\"SM42\"}"
is "twilio: 200" "$MOCK_CODE" 200
is "twilio: path and query kept" "$(cat "$T/req/6.path")" "/webhooks/twilio?x=1"
is "twilio: form" "$(hdr 6 Content-Type)" application/x-www-form-urlencoded
fields=$(python3 -c 'import sys, urllib.parse
d = dict(urllib.parse.parse_qsl(open(sys.argv[1]).read()))
print(d["MessageSid"], d["From"], d["To"], d["Body"], d["NumSegments"])' \
    "$T/req/6.body")
is "twilio: MessageSid From To Body NumSegments" "$fields" \
    "SM42 +84912345678 +15005550006 TU CHOI & hủy 1"
is "twilio: X-Twilio-Signature" "$(hdr 6 X-Twilio-Signature)" \
    "$(tsig 6 "$L/webhooks/twilio?x=1")"
inbound "{\"provider\":\"twilio\",\"url\":\"$L/webhooks/twilio\",\"from\":\"+84912345678\",\"text\":\"x\",\"sign\":\"wrong\"}"
c=no
[ -n "$(hdr 7 X-Twilio-Signature)" ] &&
    [ "$(hdr 7 X-Twilio-Signature)" != "$(tsig 7 "$L/webhooks/twilio")" ] &&
    c=yes
is "twilio sign wrong: a signature, not the right one" "$c" yes
inbound "{\"provider\":\"twilio\",\"url\":\"$L/webhooks/twilio\",\"from\":\"+84912345678\",\"event\":\"status\"}"
check "twilio status: MessageStatus, no Body" \
    sh -c "grep -q 'MessageStatus=delivered' '$T/req/8.body' && ! grep -q 'Body=' '$T/req/8.body'"

# ---- generic: JSON, the token in the query ----
inbound "{\"provider\":\"generic\",\"url\":\"$L/status/401/hook?a=b\",\"from\":\"84912345678\",\"text\":\"hi\",\"msg_id\":\"g-1\",\"ts\":1733300000000}"
is "generic: the listener's 401 passed on" "$(jb .status)" 401
is "generic: token appended, encoded" "$(cat "$T/req/9.path")" \
    "/status/401/hook?a=b&loa_token=gen+tok%261"
is "generic: body" "$(jq -c . "$T/req/9.body")" \
    '{"from":"84912345678","text":"hi","id":"g-1","ts":1733300000000}'
inbound "{\"provider\":\"generic\",\"url\":\"$L/hook\",\"from\":\"84912345678\",\"sign\":false}"
is "generic sign false: no token" "$(cat "$T/req/10.path")" /hook

# ---- refused ----
n=$(nreq)
inbound "{\"provider\":\"zalo\",\"url\":\"http://10.1.2.3:$LP/x\",\"from\":\"1\"}"
is "off loopback: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"zalo\",\"url\":\"https://127.0.0.1:$LP/x\",\"from\":\"1\"}"
is "https: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"zalo\",\"url\":\"$L/x\"}"
is "no from: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"esms\",\"url\":\"$L/x\",\"from\":\"1\"}"
is "unknown provider: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"zalo\",\"url\":\"$L/x\",\"from\":\"1\",\"times\":21}"
is "times 21: 400" "$MOCK_CODE" 400
is "nothing posted for refused requests" "$(nreq)" "$n"

# Nothing listening: status 0, the mock still answers.
inbound "{\"provider\":\"zalo\",\"url\":\"http://127.0.0.1:1/x\",\"from\":\"1\"}"
is "no listener: 200 with status 0" "$MOCK_CODE $(jb .status)" "200 0"

# Without the secrets: signing refused, unsigned still possible.
mock_reset
inbound "{\"provider\":\"zalo\",\"url\":\"$L/x\",\"from\":\"1\"}"
is "zalo without zalo_app_id: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"twilio\",\"url\":\"$L/x\",\"from\":\"+84912345678\"}"
is "twilio without its token: 400" "$MOCK_CODE" 400
inbound "{\"provider\":\"twilio\",\"url\":\"$L/x\",\"from\":\"+84912345678\",\"sign\":false}"
is "twilio unsigned without its token: sent" "$(jb .sent)" 1

stop_mock
is "the mock exits 0" "$?" 0
done_testing
