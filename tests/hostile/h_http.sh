#!/bin/sh
# h_http.sh -- the HTTP listener against hostile clients (issue 12),
# replayed against a running daemon:
#
#  1. internal keys: GET /v1/jobs/<id>:phones (and :out, :spec, :wards,
#     URL-encoded forms) is refused 400 or 404 and no answer holds a
#     phone; GET /v1/jobs/<id> shows the documented state fields only
#     (README "Job state and counters"), not what the engine keeps in
#     the hash (parked:<entry>, expanded, ...) (finding 2).
. "$(dirname "$0")/../integration/lib.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer $TOKEN"

# conf NAME: a daemon with the console provider and a token.
conf() {
	write_conf "$1" "max_inflight = 32"
	sed -i 's/^max_job_size = .*/max_job_size = 1m/' "$T/$1.conf"
	sed -i "/^listen = /a token_file = $T/token" "$T/$1.conf"
}
port_of() {
	sed -n 's/.*http: listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$T/$1.out" | head -n 1
}
jqe() { jq -e "$@" >/dev/null 2>&1; }
# req METHOD PATH [curl options]: the status; the body in $T/body.
req() {
	local m p
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" --max-time 5 "$@" \
	    "$URL$p"
}

start_redis || exit 1

# --- 1. internal keys and fields ---------------------------------------
conf a
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(port_of a)
URL=http://127.0.0.1:$PORT
# An audience job: its phones -> residents map is kept in loa:job:h1:phones.
make_directory 1 3 >/dev/null
printf '%s' '{"id":"h1","channels":["sms"],"sms":{"text":"Xin chao {{name}}"},"audience":{"wards":["W0000"]}}' \
    > "$T/h1.json"
is "submit h1" "$(req POST /v1/jobs -H "$AUTH" --data-binary @"$T/h1.json")" 202
check "h1 done" wait_for 15 "h1 done" state_is h1 done
check "h1's phones are in its internal hash" \
    [ "$(R HLEN loa:job:h1:phones)" -ge 3 ]
# What the engine keeps in the hash beside the counters (a parked work
# entry, the expansion flag).
R HSET loa:job:h1 parked:1700000000000-0 1 queued_upto 3 >/dev/null
: > "$T/answers"
for p in 'h1:phones' 'h1%3Aphones' 'h1%3aphones' 'h1%253Aphones' \
    'h1:out' 'h1:spec' 'h1:wards' 'h1%3Aout' 'h1:phones/' 'h1/:phones' \
    '..%2Fh1:phones' 'h1:phones?x=1'; do
	code=$(req GET "/v1/jobs/$p" -H "$AUTH")
	check "GET /v1/jobs/$p refused ($code)" \
	    sh -c "[ '$code' = 400 ] || [ '$code' = 404 ]"
	cat "$T/body" >> "$T/answers"
done
code=$(req POST "/v1/jobs/h1:phones/cancel" -H "$AUTH")
check "POST /v1/jobs/h1:phones/cancel refused ($code)" \
    sh -c "[ '$code' = 400 ] || [ '$code' = 404 ]"
cat "$T/body" >> "$T/answers"
req GET '/v1/jobs/h1:phones' -H "$AUTH" >/dev/null
is "the 400 states the id rule" "$(jq -r .error "$T/body")" \
    "job id: want 1 to 128 ASCII letters, digits, '-', '_' or '.'"
is "GET /v1/jobs/h1 200" "$(req GET /v1/jobs/h1 -H "$AUTH")" 200
cat "$T/body" >> "$T/answers"
check "no phone in any answer" sh -c "! grep -Eq '84912000|0912000' '$T/answers'"
bad=$(jq -r 'keys[] | select(test("^(job|state|total|queued|sent|delivered|failed|skipped|expired|cancelled|maybe_duplicate|created_at|finished_at|priority|entry|error)$|^(ch:(sms|zalo)|ward:[A-Za-z0-9._-]+):(sent|delivered|failed|skipped|expired|cancelled|maybe_duplicate)$") | not)' \
    "$T/body" 2>/dev/null | tr '\n' ' ')
is "GET shows documented fields only" "$bad" ""
check "GET still shows state and counters" jqe \
    '.state == "done" and .sent == 3 and .["ch:sms:sent"] == 3 and .["ward:W0000:sent"] == 3' "$T/body"
stop_loa a

done_testing
