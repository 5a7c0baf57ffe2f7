#!/bin/sh
# h_http.sh -- the HTTP listener against hostile clients (issue 12,
# findings 2, 3 and 4), replayed against a running daemon:
#
#  1. internal keys: GET /v1/jobs/<id>:phones (and :out, :spec, :wards,
#     URL-encoded forms) is refused 400 or 404 and no answer holds a
#     phone; GET /v1/jobs/<id> shows the documented state fields only
#     (README "Job state and counters"), not what the engine keeps in
#     the hash (parked:<entry>, expanded, ...);
#  2. 300 connections announce ~1 MiB job bodies without a token: each
#     gets 401 right after its head, before sending its body, and the
#     daemon's peak RSS (VmHWM) grows by less than RSS_BOUND_KB;
#  3. under `ulimit -n 256`, 400 connections trickle request heads a byte
#     at a time: /healthz answers within 1 s throughout, the daemon uses
#     little CPU, a job submitted meanwhile is sent in full, no trickling
#     connection outlives the header deadline (header_timeout 3 s), and
#     max_connections is lowered below the descriptor limit (one
#     warning);
#  4. the descriptor limit of the running daemon is lowered under its
#     open descriptors (prlimit), so that accept() fails with EMFILE: one
#     warning, no busy loop, and accepting again once there is room.
#
# The attackers are tests/hostile/hclient.c, built here with cc.
# serial: slow-client deadlines
. "$(dirname "$0")/../integration/lib.sh"

HEADER_S=3
RSS_BOUND_KB=32768	# 300 heads of 16 KiB at most are 4.7 MiB; ASan adds
CPU_BOUND_PCT=20	# of one core (the busy loop of finding 4 took 100)
HZ=$(getconf CLK_TCK)

cc -std=c11 -D_GNU_SOURCE -O2 -o "$T/hclient" "$ROOT/tests/hostile/hclient.c" ||
    { echo "cannot build hclient"; exit 1; }
HC=$T/hclient

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
AUTH="Authorization: Bearer $TOKEN"

# conf NAME: a daemon with the console provider and a token; the
# listener's deadlines shortened, when this build knows those keys.
conf() {
	write_conf "$1" "max_inflight = 32"
	sed -i 's/^max_job_size = .*/max_job_size = 1m/' "$T/$1.conf"
	sed -i "/^listen = /a token_file = $T/token" "$T/$1.conf"
	cp "$T/$1.conf" "$T/$1.try"
	sed -i "/^listen = /a header_timeout = ${HEADER_S}s\\
body_timeout = 5s" "$T/$1.try"
	if $LOA -t -c "$T/$1.try" >/dev/null 2>&1; then
		mv "$T/$1.try" "$T/$1.conf"
	else
		echo "# this build has no [http] header_timeout: its defaults"
	fi
}
jqe() { jq -e "$@" >/dev/null 2>&1; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
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
PORT=$(http_port a)
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
bad=$(jq -r 'keys[] | select(test("^(job|state|total|queued|sent|delivered|failed|skipped|expired|cancelled|maybe_duplicate|created_at|finished_at|priority|entry|error|submitted_by|approved_by|rejected_by|reject_reason|approval_deadline)$|^(ch:(sms|zalo)|ward:[A-Za-z0-9._-]+):(sent|delivered|failed|skipped|expired|cancelled|maybe_duplicate)$") | not)' \
    "$T/body" 2>/dev/null | tr '\n' ' ')
is "GET shows documented fields only" "$bad" ""
check "GET still shows state and counters" jqe \
    '.state == "done" and .sent == 3 and .["ch:sms:sent"] == 3 and .["ward:W0000:sent"] == 3' "$T/body"
stop_loa a

# --- 2. unauthenticated bodies ------------------------------------------
conf b
start_loa b || { cat "$T/b.out"; exit 1; }
PORT=$(http_port b)
URL=http://127.0.0.1:$PORT
PID=$(cat "$T/b.pid")
hwm0=$(status_kb "$PID" VmHWM)
rss0=$(status_kb "$PID" VmRSS)
out=$("$HC" bodies "$PORT" 300 1040000 2000 /v1/jobs)
echo "# bodies: $out"
hwm1=$(status_kb "$PID" VmHWM)
rss1=$(status_kb "$PID" VmRSS)
echo "# VmHWM $hwm0 -> $hwm1 kB, VmRSS $rss0 -> $rss1 kB (bound +$RSS_BOUND_KB kB)"
is "300 answered 401 before their bodies" \
    "$(echo "$out" | sed -n 's/.*early401=\([0-9]*\).*/\1/p')" 300
is "no body byte sent" "$(echo "$out" | sed -n 's/.*body_bytes=\([0-9]*\).*/\1/p')" 0
check "peak RSS grew by $((hwm1 - hwm0)) kB, under $RSS_BOUND_KB" \
    [ $((hwm1 - hwm0)) -lt $RSS_BOUND_KB ]
check "RSS grew by $((rss1 - rss0)) kB, under $RSS_BOUND_KB" \
    [ $((rss1 - rss0)) -lt $RSS_BOUND_KB ]
is "healthz after" "$(req GET /healthz)" 200
check "daemon b alive" kill -0 "$PID"
stop_loa b

# --- 3. 400 trickling heads under ulimit -n 256 ---------------------------
conf c
sh -c 'ulimit -n 256 && exec "$0" -c "$1"' "$LOA" "$T/c.conf" \
    >>"$T/c.out" 2>&1 &
echo $! > "$T/c.pid"
wait_for 10 "loa c started" grep -q "started as consumer" "$T/c.out" ||
    { cat "$T/c.out"; exit 1; }
PID=$(cat "$T/c.pid")
PORT=$(http_port c)
URL=http://127.0.0.1:$PORT
is "fd limit of the daemon" "$(sed -n 's/^Max open files *\([0-9]*\).*/\1/p' /proc/$PID/limits)" 256
gen_job t1 50
"$HC" trickle "$PORT" 400 $((HEADER_S + 3)) 300 -1 > "$T/trickle.out" &
HCPID=$!
sleep 0.5
submit "$T/t1.json" >/dev/null
c0=$(cpu_ticks "$PID")
slow=0
worst=0
n=0
t0=$(date +%s%N)
while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt $(( (HEADER_S + 2) * 1000 )) ]; do
	r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 1 \
	    "$URL/healthz")
	n=$((n + 1))
	us=$(echo "$r" | awk '{ printf "%d", $2 * 1000000 }')
	[ "$us" -gt "$worst" ] && worst=$us
	[ "${r%% *}" = 200 ] || slow=$((slow + 1))
	sleep 0.2
done
c2=$(cpu_ticks "$PID")
t2=$(date +%s%N)
wait $HCPID
tr=$(cat "$T/trickle.out")
echo "# trickle: $tr"
echo "# healthz: $n tries, $slow not 200 within 1 s, slowest $worst us"
is "healthz 200 within 1 s throughout" "$slow" 0
cpu=$((c2 - c0))
span=$(( (t2 - t0) / 1000000 ))
echo "# CPU: $cpu ticks of 1/$HZ s in $span ms"
check "CPU over the attack under $CPU_BOUND_PCT % ($cpu ticks in $span ms)" \
    [ $((cpu * 1000 / HZ * 100)) -lt $((span * CPU_BOUND_PCT)) ]
check "job t1 sent in full meanwhile" wait_sent t1 50 15
is "t1 done" "$(job_field t1 state)" done
is "no trickling connection left open" \
    "$(echo "$tr" | sed -n 's/.*open_at_end=\([0-9]*\).*/\1/p')" 0
age=$(echo "$tr" | sed -n 's/.*max_age_ms=\([0-9]*\).*/\1/p')
check "none outlived the header deadline ($age ms)" \
    [ "${age:-99999}" -le $((HEADER_S * 1000 + 1000)) ]
check "the deadline answered 408" \
    [ "$(echo "$tr" | sed -n 's/.*answered408=\([0-9]*\).*/\1/p')" -gt 0 ]
is "max_connections lowered, once" "$(grep -c 'max_connections .* lowered to' "$T/c.out")" 1
na=$(grep -c 'accept.*Too many open files' "$T/c.out")
echo "# accept warnings: $na"
check "at most a few accept warnings ($na)" [ "$na" -le 3 ]

# --- 4. accept() out of descriptors ---------------------------------------
nfd=$(ls /proc/$PID/fd | wc -l)
prlimit --pid "$PID" --nofile=$((nfd + 3)):256
"$HC" trickle "$PORT" 40 $((HEADER_S + 1)) 300 -1 > "$T/trickle2.out" &
HCPID=$!
sleep 0.5
c0=$(cpu_ticks "$PID")
sleep 3
c1=$(cpu_ticks "$PID")
echo "# out of descriptors: CPU $((c1 - c0)) ticks in 3 s"
check "no busy loop out of descriptors ($((c1 - c0)) ticks in 3 s)" \
    [ $(( (c1 - c0) * 1000 / HZ * 100)) -lt $((3000 * CPU_BOUND_PCT)) ]
wait $HCPID
echo "# trickle: $(cat "$T/trickle2.out")"
ne=$(grep -c 'accept.*Too many open files' "$T/c.out")
is "EMFILE warned about once" "$ne" 1
prlimit --pid "$PID" --nofile=256:256
is "healthz within 1 s once there is room" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/healthz")" 200
check "accepting again, said once" grep -q 'http: accepting connections again' "$T/c.out"
check "daemon c alive at the end" kill -0 "$PID"
stop_loa c
is "stops cleanly" "$?" 0
done_testing
