#!/bin/sh
# t_httpserv.sh -- the listener's HTTP/1.1 (daemon/httpserv.c) as clients
# use it: keep-alive, pipelined requests, HTTP/1.0, HEAD, a client that
# shuts its side after the request, Expect: 100-continue, and the
# refusals (chunked bodies 411, a head over 16 KiB 431, bad syntax 400,
# a body where none is taken 413), each a JSON error.
. "$(dirname "$0")/lib.sh"

printf 'tok-httpserv-0123456789\n' > "$T/token"
chmod 600 "$T/token"
write_conf a
sed -i "/^listen = /a token_file = $T/token" "$T/a.conf"
start_redis || exit 1
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer tok-httpserv-0123456789"

# raw BYTES: what the listener answers to them (the client shuts its side
# after sending, and reads for 2 s at most).
raw() { printf "$1" | socat -t2 - "TCP:127.0.0.1:$PORT" 2>/dev/null | tr -d '\r'; }
status_lines() { grep '^HTTP/1\.1 ' | cut -d' ' -f2 | tr '\n' ' '; }

is "keep-alive: two answers on one connection" "$(curl -sv "$URL/healthz" \
    "$URL/metrics" -o /dev/null -o /dev/null 2>&1 | grep -c 'Re-using existing connection')" 1
is "pipelined requests answered in order" "$(raw 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n' |
    status_lines)" "200 404 200 "
is "HTTP/1.0: answered and closed" "$(raw 'GET /healthz HTTP/1.0\r\n\r\n' |
    grep -c -e '^HTTP/1.1 200' -e '^Connection: close')" 2
is "HEAD: no body" "$(raw 'HEAD /nope HTTP/1.1\r\nHost: a\r\n\r\n' | tail -n 1)" ""
is "half-closed client waiting for Redis still answered" \
    "$(raw 'GET /v1/jobs/nosuch HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tok-httpserv-0123456789\r\n\r\n' |
    status_lines)" "404 "
printf '{"id":"e1","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000001"}]}' \
    > "$T/e1.json"
curl -sv -H 'Expect: 100-continue' -H "$AUTH" --data-binary @"$T/e1.json" \
    "$URL/v1/jobs" >"$T/expect.out" 2>&1
is "Expect: 100-continue, then 202" "$(grep -o '< HTTP/1.1 [0-9]*' "$T/expect.out" |
    cut -d' ' -f3 | tr '\n' ' ')" "100 202 "
is "chunked body: 411" "$(curl -s -o "$T/body" -w '%{http_code}' -H "$AUTH" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/e1.json" "$URL/v1/jobs")" 411
check "411 is a JSON error" sh -c "jq -e '.error | test(\"Content-Length\")' '$T/body' >/dev/null"
is "head over 16 KiB: 431" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' a)" "$URL/healthz")" 431
is "garbage: 400" "$(raw 'HELLO\r\n\r\n' | status_lines)" "400 "
is "conflicting Content-Length: 400" "$(raw 'POST /v1/jobs HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab' |
    status_lines)" "400 "
is "HTTP/2.0 request line: 505" "$(raw 'GET / HTTP/2.0\r\n\r\n' | status_lines)" "505 "
is "a body where none is taken: 413" "$(curl -s -o /dev/null -w '%{http_code}' \
    -X GET --data-binary x "$URL/healthz")" 413
is "401 before the body, connection closed" "$(raw 'POST /v1/jobs HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n' |
    grep -c -e '^HTTP/1.1 401' -e '^Connection: close')" 2
check "daemon alive" kill -0 "$(cat "$T/a.pid")"
stop_loa a
is "stops cleanly" "$?" 0
done_testing
