#!/bin/sh
# bench.sh -- Loa's benchmark (make bench): figures, not pass/fail.
#
# Everything runs on this machine, on loopback: a private redis-server
# (unix socket, appendonly yes, as in production) started afresh for each
# part, one loa daemon (three in "faults"), and the mock provider
# (build/loa-mock) that speaks eSMS (or the generic JSON API with
# BENCH_PLUGIN=http_json).  The directory is imported with `loactl
# import` from generated CSV files and the job is one broadcast to whole
# wards, through the real plugin.
#
# Parts (BENCH_PARTS, default "throughput ceiling urgent rate faults
# urgent_lowrate"):
#
#   throughput  for each N of BENCH_N: messages per second from the
#               enqueue (the XADD's entry id, Redis's clock) to the last
#               request the provider received (the mock's record file);
#               CPU seconds per 10,000 messages of the daemon and of
#               Redis (utime + stime of /proc/PID/stat, from the enqueue
#               to the job's end); the daemon's peak RSS (VmHWM) and
#               Redis's used_memory_peak.
#   ceiling     the mock's own ceiling: wrk against the same endpoint
#               with the same kind of body (a new RequestId each), as
#               many connections as loa uses; loa's best throughput as a
#               fraction of it.
#   urgent      an urgent job of 10 residents sent while a bulk broadcast
#               (BENCH_URGENT_BULK residents) is in flight, BENCH_TRIES
#               times: p50 and p99 from the enqueue to the provider
#               receiving each message.
#   rate        the provider limited to BENCH_RATE/s in loa's config, the
#               mock answering 429 above that many per second: the rate
#               achieved and the 429s.
#   faults      throughput under ordinary provider errors: three daemons
#               sharing the Redis and the provider (max_attempts =
#               BENCH_FAULT_ATTEMPTS), one broadcast to BENCH_FAULT_N
#               residents, twice: the mock clean, then answering 10 %
#               5xx and 5 % 429, without Retry-After (the daemon's own
#               backoff; the mock's retry_after would also go on its
#               5xx answers).  For each:
#               messages/s from the enqueue to the last message the
#               provider accepted, the time to the job's "done" (every
#               recipient final), the mock's 5xx and 429, the daemons'
#               retries, how many ended failed; and faulty / clean.
#   urgent_lowrate
#               the provider at BENCH_LOWRATE/s (loa's rate, and the
#               mock answering 429 above it): a bulk broadcast of
#               BENCH_LOWRATE_BULK residents, then, once it is a second
#               under way, an urgent job of 1 resident every ~1 s
#               (BENCH_LOWRATE_TRIES times, without waiting for the last
#               one): p50, p99 and max from the enqueue to the provider
#               receiving it.  Then fairness: a normal job of 400 and,
#               1 s later, a normal job of 5: when the small one is done
#               and how many of the big one's messages went out before.
#
# Output: a table on standard output, then the same figures as JSON
# lines (also written to BENCH_OUT, default $BUILD/bench/results.jsonl).
# Progress goes to standard error.  The machine is shared: other work
# running at the same time lowers the figures, so each part also reports
# the CPU time the rest of the machine used meanwhile ("other_cpu_s").
#
# Knobs (environment):
#   BENCH_QUICK=1         a short run (N=20000, a 20000 bulk, 10 tries,
#                         a 10 s rate test, 3 s of wrk, 10000 residents
#                         for faults, 5 low-rate tries)
#   BENCH_N="100000 1000000"
#   BENCH_PARTS="throughput ceiling urgent rate faults urgent_lowrate"
#   BENCH_PLUGIN=esms     or http_json
#   BENCH_URGENT_BULK=200000  BENCH_TRIES=50 (when set, also the low-rate
#                         tries)
#   BENCH_FAULT_N=50000  BENCH_FAULT_ATTEMPTS=8  BENCH_FAULT_SEED=42
#   BENCH_FAULT_WAIT=600  (seconds a fault run may take to be done)
#   BENCH_FAULT_MOCK='{"fail_5xx":0.10,"fail_429":0.05,"seed":42}'
#                         the mock's config for the faulty run
#   BENCH_LOWRATE=40  BENCH_LOWRATE_TRIES=20
#   BENCH_LOWRATE_BULK=1000 (or rate x (tries + 5) if more)
#   BENCH_RATE=500  BENCH_RATE_SECS=30
#   BENCH_WRK_SECS=8  BENCH_CONNS=64 (the provider's max_inflight)
#   BENCH_KEEP=1          keep the temporary directory
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOA=$BUILD/loa
LOACTL=$BUILD/loactl
MOCK=$BUILD/loa-mock

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	d_n=20000 d_bulk=20000 d_tries=10 d_rsecs=10 d_wrk=3
	d_fn=10000 d_ltries=5
else
	d_n="100000 1000000" d_bulk=200000 d_tries=50 d_rsecs=30 d_wrk=8
	d_fn=50000 d_ltries=20
fi
BENCH_N=${BENCH_N:-$d_n}
BENCH_PARTS=${BENCH_PARTS:-throughput ceiling urgent rate faults urgent_lowrate}
# BENCH_TRIES, when set, is the number of tries of both urgent parts.
BENCH_LOWRATE_TRIES=${BENCH_LOWRATE_TRIES:-${BENCH_TRIES:-$d_ltries}}
BENCH_PLUGIN=${BENCH_PLUGIN:-esms}
BENCH_URGENT_BULK=${BENCH_URGENT_BULK:-$d_bulk}
BENCH_TRIES=${BENCH_TRIES:-$d_tries}
BENCH_RATE=${BENCH_RATE:-500}
BENCH_RATE_SECS=${BENCH_RATE_SECS:-$d_rsecs}
BENCH_WRK_SECS=${BENCH_WRK_SECS:-$d_wrk}
BENCH_CONNS=${BENCH_CONNS:-64}
BENCH_FAULT_N=${BENCH_FAULT_N:-$d_fn}
BENCH_FAULT_ATTEMPTS=${BENCH_FAULT_ATTEMPTS:-8}
BENCH_FAULT_SEED=${BENCH_FAULT_SEED:-42}
BENCH_FAULT_WAIT=${BENCH_FAULT_WAIT:-600}
BENCH_LOWRATE=${BENCH_LOWRATE:-40}
# enough bulk to outlast the tries (one a second, from its second second)
d_lbulk=$((BENCH_LOWRATE * (BENCH_LOWRATE_TRIES + 5)))
[ "$d_lbulk" -lt 1000 ] && d_lbulk=1000
BENCH_LOWRATE_BULK=${BENCH_LOWRATE_BULK:-$d_lbulk}
BENCH_OUT=${BENCH_OUT:-$BUILD/bench/results.jsonl}
PER_WARD=10000			# residents per ward of the bulk directory

for p in "$LOA" "$LOACTL" "$MOCK"; do
	[ -x "$p" ] || { echo "bench: $p missing (make all)" >&2; exit 1; }
done
for c in redis-server redis-cli jq curl awk; do
	command -v $c >/dev/null || { echo "bench: $c missing" >&2; exit 1; }
done
case "$BENCH_PLUGIN" in
esms|http_json) ;;
*) echo "bench: BENCH_PLUGIN must be esms or http_json" >&2; exit 2 ;;
esac

T=$(mktemp -d /tmp/loa-bench.XXXXXX)
SOCK=$T/redis.sock
REC=$T/mock.jsonl
RESULTS=$T/results.jsonl
: > "$RESULTS"

cleanup() {
	for p in "$T"/*.pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { echo "# $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
R() { redis-cli -s "$SOCK" "$@"; }
now_ms() { date +%s%3N; }

# wait_for SECONDS command...: poll every 0.1 s.
wait_for() {
	local n limit
	limit=$(($1 * 10))
	shift
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -ge $limit ] && return 1
		sleep 0.1
	done
}

# CPU ticks (user + system) of a process, and of the whole machine.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# ---- Redis, mock, daemon ------------------------------------------------

start_redis() {
	rm -rf "$T/appendonlydir"
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
	    --dir "$T" --appendonly yes --save "" --daemonize yes \
	    --pidfile "$T/redis.pid" --logfile "$T/redis.log" ||
	    die "redis-server did not start"
	wait_for 10 sh -c "redis-cli -s '$SOCK' ping 2>/dev/null | grep -q PONG" ||
	    die "redis did not answer"
	REDIS_PID=$(cat "$T/redis.pid")
}

# CPU ticks of the daemons (all of LOA_PIDS), Redis, the mock and the
# whole machine, in that order ("a b c d"); cpu_delta BEFORE AFTER N: the
# JSON object of CPU seconds per 10,000 messages, and the rest of the
# machine's CPU seconds.
cpu_now() {
	local p d
	d=0
	for p in $LOA_PIDS; do d=$((d + $(ticks "$p"))); done
	echo "$d $(ticks "$REDIS_PID") $(ticks "$MOCK_PID") $(machine_ticks)"
}
cpu_delta() {
	echo "$1 $2" | awk -v hz="$HZ" -v n="$3" '{
		d = ($5 - $1) / hz; r = ($6 - $2) / hz; m = ($7 - $3) / hz
		o = ($8 - $4) / hz - d - r - m
		printf "{\"cpu_s_per_10k\":{\"daemon\":%.3f,\"redis\":%.3f,\"mock\":%.3f},\"other_cpu_s\":%.1f}",
		    d * 10000 / n, r * 10000 / n, m * 10000 / n, o
	}'
}

stop_redis() {
	local pid
	pid=$(cat "$T/redis.pid")
	R shutdown nosave >/dev/null 2>&1
	wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
	rm -f "$T/redis.pid"
	rm -rf "$T/appendonlydir"
}

# The AOF rewrite of a freshly imported directory happens now, not in
# the middle of the measurement.
settle_redis() {
	R BGREWRITEAOF >/dev/null
	wait_for 120 sh -c "redis-cli -s '$SOCK' INFO persistence |
	    grep -q '^aof_rewrite_in_progress:0'" || say "AOF rewrite still running"
	sleep 0.5
}

redis_info() { R INFO "$1" | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }

start_mock() {
	"$MOCK" -p 0 -P "$T/mock.port" -l "$REC" >>"$T/mock.out" 2>&1 &
	echo $! > "$T/mock.pid"
	MOCK_PID=$!
	wait_for 10 test -s "$T/mock.port" || die "mock did not start"
	MOCK_URL=http://127.0.0.1:$(cat "$T/mock.port")
}

# A fresh mock state (config, counters, remembered ids) and record file.
mock_fresh() {
	curl -fsS -o /dev/null -X POST "$MOCK_URL/_mock/reset" ||
	    die "mock reset"
	[ $# -gt 0 ] && { curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	    --data-binary "$1" "$MOCK_URL/_mock/config" || die "mock config"; }
	: > "$REC"	# the mock appends: it goes on at the new end
}

mock_stat() { curl -fsS "$MOCK_URL/_mock/stats" | jq -r ".$1"; }

# write_conf [extra provider lines...]: $T/loa.conf (consumer "bench",
# delivery log $T/loa.delivery.log).  write_conf_as NAME [lines...]:
# the same as $T/NAME.conf for a daemon NAME (consumer "bench-NAME",
# delivery log $T/NAME.delivery.log); daemons that share the Redis must
# have different names.
write_conf() { write_conf_as loa "$@"; }
write_conf_as() {
	local l name
	name=$1
	shift
	printf 'k-bench' > "$T/api.key"
	printf 's-bench' > "$T/secret.key"
	chmod 600 "$T/api.key" "$T/secret.key"
	{
		echo "[redis]"
		echo "url = unix://$SOCK"
		echo "[daemon]"
		echo "plugin_dir = $BUILD/plugins"
		echo "log = $T/$name.delivery.log"
		[ "$name" = loa ] && echo "consumer = bench" ||
		    echo "consumer = bench-$name"
		echo "[http]"
		echo "listen = 127.0.0.1:0"
		echo "[provider.bench]"
		echo "plugin = $BENCH_PLUGIN"
		echo "channel = sms"
		echo "max_inflight = $BENCH_CONNS"
		if [ "$BENCH_PLUGIN" = esms ]; then
			echo "base_url = $MOCK_URL"
			echo "api_key_file = $T/api.key"
			echo "secret_key_file = $T/secret.key"
			echo "brandname = UBND-HK"
		else
			echo "url = $MOCK_URL/generic/send"
			echo "success_field = ok"
			echo "success_value = true"
			echo "id_field = message_id"
			echo "error_field = error.code"
		fi
		for l in "$@"; do echo "$l"; done
	} > "$T/$name.conf"
}

# start_loa [NAME]: the daemon of $T/NAME.conf (default loa); its pid in
# $T/NAME.pid and LOA_PID, added to LOA_PIDS (whose CPU cpu_now sums).
start_loa() {
	local name
	name=${1:-loa}
	: > "$T/$name.delivery.log"
	: > "$T/$name.out"
	"$LOA" -c "$T/$name.conf" >>"$T/$name.out" 2>&1 &
	echo $! > "$T/$name.pid"
	LOA_PID=$!
	LOA_PIDS="$LOA_PIDS $LOA_PID"
	wait_for 10 grep -q "started as consumer" "$T/$name.out" ||
	    { cat "$T/$name.out" >&2; die "loa $name did not start"; }
}

# stop_loa [NAME]: SIGTERM, then SIGKILL after 30 s.
stop_loa() {
	local name pid
	name=${1:-loa}
	pid=$(cat "$T/$name.pid")
	kill -TERM "$pid" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$T/$name.pid"
	LOA_PIDS=$(echo "$LOA_PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
}
LOA_PIDS=

# ---- the directory ------------------------------------------------------

# import_directory NWARDS PER_WARD PREFIX PHONE0: wards PREFIX0000..,
# PER_WARD residents each, phones from PHONE0 (national, 10 digits) up.
import_directory() {
	awk -v w="$1" -v p="$3" 'BEGIN {
		print "code,name,district"
		for (i = 0; i < w; i++)
			printf "%s%04d,Phường %s %d,Hoàn Kiếm\n", p, i, p, i
	}' > "$T/wards.csv"
	awk -v w="$1" -v per="$2" -v p="$3" -v ph="$4" 'BEGIN {
		split("Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi Đỗ Hồ", ho, " ")
		split("Văn Thị Minh Thu Đức Ngọc Quang Thanh", dem, " ")
		split("An Bình Cường Dũng Hà Hương Lan Mai Nam Sơn Tú Yến", ten, " ")
		print "id,phone,ward,name"
		for (i = 0; i < w; i++)
			for (r = 0; r < per; r++) {
				k = i * per + r
				printf "%s%04d-%05d,0%d,%s%04d,%s %s %s\n", p, i, r,
				    ph + k, p, i, ho[k % 10 + 1], dem[k % 8 + 1],
				    ten[k % 12 + 1]
			}
	}' > "$T/residents.csv"
	"$LOACTL" -r "unix://$SOCK" import wards "$T/wards.csv" >/dev/null ||
	    die "import wards"
	"$LOACTL" -r "unix://$SOCK" import residents "$T/residents.csv" \
	    >/dev/null || die "import residents"
	rm -f "$T/residents.csv"
}

# ward_list NWARDS PREFIX: "P0000","P0001",...
ward_list() {
	awk -v w="$1" -v p="$2" 'BEGIN {
		for (i = 0; i < w; i++) printf "%s\"%s%04d\"", (i ? "," : ""), p, i
	}'
}

TEXT='{{sender}} thông báo: Kính gửi {{name}}, cắt điện 8h-11h ngày 28/11 để bảo dưỡng lưới điện. Chi tiết: 024.3825.1234.'

# job ID PRIORITY WARDS-JSON: the job's JSON on standard output.
job() {
	printf '{"id":"%s","priority":"%s","sender":"UBND phường Hoàn Kiếm","audience":{"wards":[%s]},"channels":["sms"],"sms":{"text":"%s"}}' \
	    "$1" "$2" "$3" "$TEXT"
}

# submit FILE: XADD it; prints the entry's time (ms, Redis's clock).
submit() {
	redis-cli -s "$SOCK" -x XADD loa:jobs '*' job < "$1" | cut -d- -f1
}

job_state() { R HGET "loa:job:$1" state; }
job_field() { R HGET "loa:job:$1" "$2"; }

# ---- results ------------------------------------------------------------

# emit JSON: one result line.
emit() { echo "$1" >> "$RESULTS"; }

# ---- parts --------------------------------------------------------------

BEST_RATE=0

part_throughput() {
	local n w ent t_end cpu0 cpu1 done_ms dt rate hwm peak dir sent
	n=$1
	w=$(( (n + PER_WARD - 1) / PER_WARD ))
	say "throughput: N=$n ($w wards): importing"
	start_redis
	import_directory "$w" "$PER_WARD" B 912000000
	settle_redis
	dir=$(redis_info memory used_memory)
	mock_fresh
	write_conf
	start_loa
	job "bulk-$n" bulk "$(ward_list "$w" B)" > "$T/job.json"
	cpu0=$(cpu_now)
	say "throughput: N=$n: sending"
	ent=$(submit "$T/job.json")
	wait_for 3600 sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:bulk-$n state)\" = done ]" ||
	    die "job bulk-$n did not finish"
	done_ms=$(now_ms)
	cpu1=$(cpu_now)
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$LOA_PID/status")
	peak=$(redis_info memory used_memory_peak)
	sent=$(job_field "bulk-$n" sent)
	t_end=$(tail -n 1 "$REC" | jq -r .ts_ms)
	stop_loa
	stop_redis
	[ "$sent" = "$n" ] || say "throughput: only $sent of $n sent"
	dt=$((t_end - ent))
	rate=$(awk -v n="$n" -v dt="$dt" 'BEGIN { printf "%.0f", n * 1000 / dt }')
	[ "$rate" -gt "$BEST_RATE" ] && BEST_RATE=$rate
	emit "$(jq -cn --argjson n "$n" --argjson ms "$dt" --argjson rate "$rate" \
	    --argjson sent "$sent" --argjson records "$(wc -l < "$REC")" \
	    --argjson cpu "$(cpu_delta "$cpu0" "$cpu1" "$n")" \
	    --argjson wall "$(awk -v a="$ent" -v b="$done_ms" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" \
	    --argjson hwm "$hwm" --argjson peak "$peak" --argjson dir "$dir" \
	    '{part:"throughput", n:$n, msgs_per_s:$rate, ms:$ms, sent:$sent,
	      provider_records:$records, wall_s:$wall,
	      daemon_peak_rss_kib:$hwm, redis_used_memory_peak:$peak,
	      redis_used_memory_directory:$dir} + $cpu')"
	say "throughput: N=$n: $rate msg/s"
}

part_ceiling() {
	local body rps
	if ! command -v wrk >/dev/null; then
		say "ceiling: wrk not installed, skipped"
		return
	fi
	say "ceiling: wrk -c$BENCH_CONNS -d${BENCH_WRK_SECS}s"
	mock_fresh
	if [ "$BENCH_PLUGIN" = esms ]; then
		path=/MainService.svc/json/SendMultipleMessage_V4_post_json/
		body='{"ApiKey":"k-bench","SecretKey":"s-bench","Phone":"84912%06d","Content":"UBND phuong Hoan Kiem thong bao: Kinh gui Nguyen Van An, cat dien 8h-11h ngay 28/11 de bao duong luoi dien. Chi tiet: 024.3825.1234.","Brandname":"UBND-HK","SmsType":"2","IsUnicode":"0","Sandbox":"0","RequestId":"%032x"}'
	else
		path=/generic/send
		body='{"to":"84912%06d","text":"UBND phuong Hoan Kiem thong bao: Kinh gui Nguyen Van An, cat dien 8h-11h ngay 28/11 de bao duong luoi dien. Chi tiet: 024.3825.1234.","id":"%032x"}'
	fi
	cat > "$T/wrk.lua" <<EOF
local n = 0
local hdr = { ["Content-Type"] = "application/json" }
request = function()
	n = n + 1
	return wrk.format("POST", "$path", hdr,
	    string.format('$body', n % 1000000, n))
end
EOF
	wrk -t1 -c"$BENCH_CONNS" -d"${BENCH_WRK_SECS}s" -s "$T/wrk.lua" \
	    "$MOCK_URL$path" > "$T/wrk.out" 2>&1
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$T/wrk.out")
	[ -n "$rps" ] || { cat "$T/wrk.out" >&2; say "ceiling: wrk failed"; return; }
	emit "$(jq -cn --argjson rps "$rps" --argjson c "$BENCH_CONNS" \
	    --argjson acc "$(mock_stat accepted)" --argjson best "$BEST_RATE" \
	    '{part:"ceiling", mock_requests_per_s:$rps, connections:$c,
	      accepted:$acc, loa_best_msgs_per_s:$best,
	      loa_fraction:(if $best > 0 then (($best / $rps * 1000 | round) / 1000) else null end)}')"
	say "ceiling: $rps requests/s"
}

part_urgent() {
	local bw i b ent st1 st2 cpu0 cpu1 n0
	bw=$(( (BENCH_URGENT_BULK + PER_WARD - 1) / PER_WARD ))
	say "urgent: $BENCH_TRIES tries under a $BENCH_URGENT_BULK bulk: importing"
	start_redis
	import_directory "$bw" "$PER_WARD" B 912000000
	import_directory "$BENCH_TRIES" 10 U 983000000
	settle_redis
	mock_fresh
	write_conf
	start_loa
	b=0
	: > "$T/urgent.tsv"
	cpu0=$(cpu_now)
	for i in $(seq 0 $((BENCH_TRIES - 1))); do
		st1=$(job_state "bulk-$b" 2>/dev/null)
		if [ "$i" = 0 ] || [ "$st1" = done ]; then
			b=$((b + 1))
			job "bulk-$b" bulk "$(ward_list "$bw" B)" > "$T/bulk.json"
			submit "$T/bulk.json" >/dev/null
			# in flight: the provider is receiving it
			n0=$(mock_stat accepted)
			wait_for 30 sh -c "[ \$(curl -fsS '$MOCK_URL/_mock/stats' | jq .accepted) -gt $((n0 + 2000)) ]"
		fi
		sleep "0.$(awk -v s="$i" 'BEGIN { srand(s); printf "%d", 100 + rand() * 200 }')"
		job "urgent-$i" urgent "\"$(printf 'U%04d' "$i")\"" > "$T/urgent.json"
		ent=$(submit "$T/urgent.json")
		wait_for 30 sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:urgent-$i state)\" = done ]" ||
		    say "urgent-$i did not finish in 30 s"
		st2=$(job_state "bulk-$b")
		printf '%s\t%s\t%s\n' "$i" "$ent" \
		    "$([ "$st2" != done ] && echo 1 || echo 0)" >> "$T/urgent.tsv"
	done
	cpu1=$(cpu_now)
	stop_loa
	stop_redis
	# phone -> try: urgent ward Uiiii holds 10 phones from 0983000000 + 10 i
	jq -r 'select(.to | startswith("84983")) | "\(.to)\t\(.ts_ms)"' "$REC" |
	    awk -F'\t' -v tsv="$T/urgent.tsv" '
		BEGIN { while ((getline l < tsv) > 0) { split(l, f, "\t"); ent[f[1]] = f[2]; busy[f[1]] = f[3] } }
		{ try = int((substr($1, 3) - 983000000) / 10); print $2 - ent[try], busy[try], try }
	    ' > "$T/lat.txt"
	emit "$(awk -v tries="$BENCH_TRIES" -v bulk="$BENCH_URGENT_BULK" \
	    -v other="$(cpu_delta "$cpu0" "$cpu1" 1 | jq .other_cpu_s)" '
		{ lat[NR] = $1; if ($2 == 1) busy++; if ($1 > last[$3]) last[$3] = $1 }
		END {
			n = NR
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (lat[j] < lat[i]) { t = lat[i]; lat[i] = lat[j]; lat[j] = t }
			m = 0; for (k in last) jl[++m] = last[k]
			for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
				if (jl[j] < jl[i]) { t = jl[i]; jl[i] = jl[j]; jl[j] = t }
			printf "{\"part\":\"urgent\",\"tries\":%d,\"messages\":%d,\"bulk\":%d,", tries, n, bulk
			printf "\"p50_ms\":%d,\"p99_ms\":%d,\"max_ms\":%d,", lat[int((n - 1) * 0.50) + 1], lat[int((n - 1) * 0.99) + 1], lat[n]
			printf "\"job_p50_ms\":%d,\"job_p99_ms\":%d,", jl[int((m - 1) * 0.50) + 1], jl[int((m - 1) * 0.99) + 1]
			printf "\"messages_while_bulk_in_flight\":%d,\"other_cpu_s\":%s}\n", busy + 0, other
		}' "$T/lat.txt")"
	say "urgent: done"
}

part_rate() {
	local n t0 first last ach r429 retries maxsec
	n=$((BENCH_RATE * BENCH_RATE_SECS))
	say "rate: $n messages at $BENCH_RATE/s"
	start_redis
	import_directory 1 "$n" R 912000000
	settle_redis
	mock_fresh "{\"rate_limit\":{\"$( [ "$BENCH_PLUGIN" = esms ] && echo esms || echo generic )\":$BENCH_RATE}}"
	write_conf "rate = $BENCH_RATE/s"
	start_loa
	job rate normal '"R0000"' > "$T/job.json"
	submit "$T/job.json" >/dev/null
	wait_for $((BENCH_RATE_SECS * 3 + 60)) sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:rate state)\" = done ]" ||
	    say "rate: job did not finish"
	r429=$(mock_stat http_429)
	retries=$(grep -c '"status":"retry"' "$T/loa.delivery.log")
	stop_loa
	stop_redis
	jq -r .ts_ms "$REC" > "$T/ts.txt"
	emit "$(awk -v rate="$BENCH_RATE" -v r429="$r429" -v retries="$retries" '
		{ t[NR] = $1; s = int($1 / 1000); sec[s]++ }
		END {
			n = NR; dt = (t[n] - t[1]) / 1000
			ach = dt > 0 ? (n - 1) / dt : 0
			for (k in sec) if (sec[k] > mx) mx = sec[k]
			printf "{\"part\":\"rate\",\"configured_per_s\":%d,\"messages\":%d,", rate, n
			printf "\"achieved_per_s\":%.1f,\"error_pct\":%.2f,", ach, (ach - rate) * 100 / rate
			printf "\"busiest_second\":%d,\"http_429\":%d,\"retries\":%d}\n", mx, r429, retries
		}' "$T/ts.txt")"
	say "rate: done"
}

# ms_of TIME: milliseconds since the epoch of a job's created_at or
# finished_at (ISO 8601 or milliseconds); empty when there is none.
ms_of() {
	case $1 in
	'') ;;
	*[!0-9.]*) date -d "$1" +%s%3N 2>/dev/null ;;
	*) echo "${1%%.*}" ;;
	esac
}

# wait_done SECONDS JOB: until JOB is done; prints when it was (ms,
# finished_at, else the time it was seen done), or nothing at the
# deadline.
wait_done() {
	local f
	wait_for "$1" sh -c "[ \"\$(redis-cli -s '$SOCK' HGET loa:job:$2 state)\" = done ]" ||
	    return 1
	f=$(ms_of "$(job_field "$2" finished_at)")
	[ -n "$f" ] && echo "$f" || now_ms
}

# A fault run: BENCH_FAULT_N residents, three daemons sharing the Redis
# and the provider, one broadcast.  fault_run LABEL MOCK-CONFIG: the
# run's figures as a JSON object on standard output.
fault_run() {
	local label cfg n w per ent cpu0 cpu1 fin t_end d sent failed total ms mx
	label=$1
	cfg=$2
	w=$(( (BENCH_FAULT_N + PER_WARD - 1) / PER_WARD ))
	per=$(( (BENCH_FAULT_N + w - 1) / w ))
	n=$((w * per))
	say "faults/$label: $n residents, 3 daemons: importing"
	start_redis
	import_directory "$w" "$per" B 912000000
	settle_redis
	mock_fresh "$cfg"
	for d in d1 d2 d3; do
		write_conf_as $d "max_attempts = $BENCH_FAULT_ATTEMPTS"
		start_loa $d
	done
	job "faults-$label" bulk "$(ward_list "$w" B)" > "$T/job.json"
	cpu0=$(cpu_now)
	say "faults/$label: sending"
	ent=$(submit "$T/job.json")
	if fin=$(wait_done "$BENCH_FAULT_WAIT" "faults-$label"); then
		:
	else
		fin=
		say "faults/$label: not done after $BENCH_FAULT_WAIT s" \
		    "($(job_field "faults-$label" sent) sent)"
	fi
	cpu1=$(cpu_now)
	sent=$(job_field "faults-$label" sent)
	failed=$(job_field "faults-$label" failed)
	total=$(job_field "faults-$label" total)
	t_end=$(jq -r .ts_ms "$REC" | sort -n | tail -n 1)
	ms=$((${t_end:-$ent} - ent))
	curl -fsS "$MOCK_URL/_mock/stats" > "$T/stats.json"
	cat "$T"/d?.delivery.log > "$T/faults-$label.log"
	mx=$(grep -o '"attempt":[0-9]*' "$T/faults-$label.log" | cut -d: -f2 | sort -n | tail -n 1)
	for d in d1 d2 d3; do stop_loa $d; done
	stop_redis
	jq -cn --argjson n "$n" --argjson total "${total:-0}" \
	    --argjson sent "${sent:-0}" --argjson failed "${failed:-0}" \
	    --argjson ms "$ms" --argjson done_ms "$([ -n "$fin" ] && echo $((fin - ent)) || echo null)" \
	    --argjson records "$(wc -l < "$REC")" --slurpfile st "$T/stats.json" \
	    --argjson retries "$(grep -c '"status":"retry"' "$T/faults-$label.log")" \
	    --argjson retries_429 "$(grep '"status":"retry"' "$T/faults-$label.log" | grep -c '"http":429,')" \
	    --argjson max_att "${mx:-0}" \
	    --argjson circuit "$(cat "$T"/d?.out | grep -c 'circuit open')" \
	    --argjson cpu "$(cpu_delta "$cpu0" "$cpu1" "$n")" '
	    {n:$n, total:$total, sent:$sent, failed:$failed,
	     msgs_per_s:(if $ms > 0 then ($sent * 1000 / $ms | round) else null end),
	     ms_to_last_accepted:$ms, done_ms:$done_ms,
	     msgs_per_s_to_done:(if $done_ms then ($sent * 1000 / $done_ms | round) else null end),
	     provider_records:$records, requests:$st[0].requests,
	     http_5xx:$st[0].http_5xx, http_429:$st[0].http_429,
	     retries:$retries, retries_429:$retries_429, max_attempt:$max_att,
	     circuit_opened:$circuit} + $cpu'
}

part_faults() {
	local clean faulty cfg
	cfg=${BENCH_FAULT_MOCK:-"{\"fail_5xx\":0.10,\"fail_429\":0.05,\"seed\":$BENCH_FAULT_SEED}"}
	clean=$(fault_run clean '{}')
	say "faults/clean: $(echo "$clean" | jq .msgs_per_s) msg/s"
	faulty=$(fault_run faulty "$cfg")
	say "faults/faulty: $(echo "$faulty" | jq .msgs_per_s) msg/s"
	emit "$(jq -cn --argjson c "$clean" --argjson f "$faulty" \
	    --argjson att "$BENCH_FAULT_ATTEMPTS" --argjson mc "$cfg" '
	    def ratio(a; b): if a and b and b > 0 then ((a / b * 1000 | round) / 1000) else null end;
	    {part:"faults", n:$c.n, daemons:3, max_attempts:$att, mock:$mc,
	     clean:$c, faulty:$f,
	     ratio:ratio($f.msgs_per_s; $c.msgs_per_s),
	     ratio_to_done:ratio($f.msgs_per_s_to_done; $c.msgs_per_s_to_done)}')"
	say "faults: done"
}

# pct SORTED-FILE P: the P-th percentile (nearest rank below) of a file
# of sorted numbers, one a line.
pct() {
	awk -v p="$2" '{ v[NR] = $1 } END { if (NR) print v[int((NR - 1) * p) + 1]; else print "null" }' "$1"
}

part_urgent_lowrate() {
	local rate pv i ent t0 next ent_big ent_small fin_small small_last \
	    r429 retries bulk_last cpu0 cpu1
	rate=$BENCH_LOWRATE
	pv=$( [ "$BENCH_PLUGIN" = esms ] && echo esms || echo generic )
	say "urgent_lowrate: $BENCH_LOWRATE_TRIES urgent tries under a $BENCH_LOWRATE_BULK bulk at $rate/s: importing"
	start_redis
	import_directory 1 "$BENCH_LOWRATE_BULK" L 912000000
	import_directory "$BENCH_LOWRATE_TRIES" 1 U 983000000
	import_directory 1 400 F 986000000
	import_directory 1 5 S 987000000
	settle_redis
	mock_fresh "{\"rate_limit\":{\"$pv\":$rate}}"
	write_conf "rate = $rate/s"
	start_loa
	cpu0=$(cpu_now)
	job lowrate-bulk bulk '"L0000"' > "$T/bulk.json"
	submit "$T/bulk.json" > "$T/bulk.ent"
	# The bulk is under way (a second of it at the provider) before the
	# first urgent job.
	wait_for 30 sh -c "[ \$(curl -fsS '$MOCK_URL/_mock/stats' | jq .accepted) -ge $rate ]" ||
	    say "urgent_lowrate: the bulk did not start"
	: > "$T/lowrate.tsv"
	t0=$(now_ms)
	for i in $(seq 0 $((BENCH_LOWRATE_TRIES - 1))); do
		# every ~1 s (0.8 to 1.2 s apart), whatever the last one's fate
		next=$((t0 + i * 1000 + $(awk -v s="$i" 'BEGIN { srand(s + 100); printf "%d", rand() * 400 - 200 }')))
		while [ "$(now_ms)" -lt "$next" ]; do sleep 0.02; done
		job "urgent-$i" urgent "\"$(printf 'U%04d' "$i")\"" > "$T/urgent.json"
		ent=$(submit "$T/urgent.json")
		printf '%s\t%s\n' "$i" "$ent" >> "$T/lowrate.tsv"
	done
	for i in $(seq 0 $((BENCH_LOWRATE_TRIES - 1))); do
		wait_done 60 "urgent-$i" >/dev/null || say "urgent-$i not done"
	done
	wait_done $((BENCH_LOWRATE_BULK * 3 / rate + 60)) lowrate-bulk >/dev/null ||
	    say "urgent_lowrate: the bulk did not finish"
	r429=$(mock_stat http_429)
	retries=$(grep -c '"status":"retry"' "$T/loa.delivery.log")
	cp "$REC" "$T/lowrate.rec"
	# latency per try, and whether bulk messages went out after it (the
	# bulk still in flight when the urgent message reached the provider)
	bulk_last=$(jq -r 'select(.to | startswith("84912")) | .ts_ms' "$REC" | sort -n | tail -n 1)
	jq -r 'select(.to | startswith("84983")) | "\(.to)\t\(.ts_ms)"' "$REC" |
	    awk -F'\t' -v tsv="$T/lowrate.tsv" -v bl="${bulk_last:-0}" '
		BEGIN { while ((getline l < tsv) > 0) { split(l, f, "\t"); ent[f[1]] = f[2] } }
		{ try = substr($1, 3) - 983000000; print $2 - ent[try], ($2 < bl ? 1 : 0) }
	    ' | sort -n > "$T/lowlat.txt"
	cut -d' ' -f1 "$T/lowlat.txt" > "$T/lowlat1.txt"

	say "urgent_lowrate: fairness, 5 recipients 1 s after 400 at $rate/s"
	mock_fresh "{\"rate_limit\":{\"$pv\":$rate}}"
	job fair-big normal '"F0000"' > "$T/big.json"
	job fair-small normal '"S0000"' > "$T/small.json"
	ent_big=$(submit "$T/big.json")
	while [ "$(now_ms)" -lt $((ent_big + 1000)) ]; do sleep 0.02; done
	ent_small=$(submit "$T/small.json")
	fin_small=$(wait_done 60 fair-small) || { fin_small=; say "fair-small not done in 60 s"; }
	wait_done $((400 * 3 / rate + 60)) fair-big >/dev/null || say "fair-big not done"
	cpu1=$(cpu_now)
	stop_loa
	stop_redis
	small_last=$(jq -r 'select(.to | startswith("84987")) | .ts_ms' "$REC" | sort -n | tail -n 1)
	jq -r 'select(.to | startswith("84986")) | .ts_ms' "$REC" > "$T/big.ts"
	emit "$(jq -cn --argjson rate "$rate" --argjson tries "$BENCH_LOWRATE_TRIES" \
	    --argjson bulk "$BENCH_LOWRATE_BULK" --argjson n "$(wc -l < "$T/lowlat.txt")" \
	    --argjson p50 "$(pct "$T/lowlat1.txt" 0.50)" --argjson p99 "$(pct "$T/lowlat1.txt" 0.99)" \
	    --argjson max "$(pct "$T/lowlat1.txt" 1)" \
	    --argjson busy "$(awk '$2 == 1 { n++ } END { print n + 0 }' "$T/lowlat.txt")" \
	    --argjson r429 "$r429" --argjson retries "$retries" \
	    --argjson small_done "$([ -n "$fin_small" ] && echo $((fin_small - ent_small)) || echo null)" \
	    --argjson small_last "$([ -n "$small_last" ] && echo $((small_last - ent_small)) || echo null)" \
	    --argjson big_before "$(awk -v e="${small_last:-9999999999999}" '$1 <= e { n++ } END { print n + 0 }' "$T/big.ts")" \
	    --argjson big_before_enq "$(awk -v e="$ent_small" '$1 < e { n++ } END { print n + 0 }' "$T/big.ts")" \
	    --argjson big_sent "$(wc -l < "$T/big.ts")" \
	    --argjson r429f "$(mock_stat http_429)" \
	    --argjson other "$(cpu_delta "$cpu0" "$cpu1" 1 | jq .other_cpu_s)" '
	    {part:"urgent_lowrate", rate_per_s:$rate, tries:$tries, bulk:$bulk,
	     messages:$n, p50_ms:$p50, p99_ms:$p99, max_ms:$max,
	     messages_while_bulk_in_flight:$busy, http_429:$r429, retries:$retries,
	     fairness:{big:400, small:5, small_after_ms:1000,
	       small_done_ms:$small_done, small_last_message_ms:$small_last,
	       big_sent_before_small_done:$big_before,
	       big_sent_before_small_enqueued:$big_before_enq,
	       big_sent_while_small_waited:($big_before - $big_before_enq),
	       big_recorded:$big_sent, http_429:$r429f},
	     other_cpu_s:$other}')"
	say "urgent_lowrate: done"
}

# ---- main ---------------------------------------------------------------

# The revision; "+dirty" when the daemon's sources differ from it (the
# binaries are what was last built: their time is in the JSON too).
if [ -z "${BENCH_REV:-}" ]; then
	BENCH_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ "$BENCH_REV" != unknown ] &&
	    { ! git -C "$ROOT" diff --quiet HEAD -- daemon plugins include tests/mock ||
	      [ -n "$(git -C "$ROOT" ls-files -o --exclude-standard -- daemon plugins include tests/mock)" ]; }; then
		BENCH_REV=$BENCH_REV+dirty
	fi
fi

say "results also in $BENCH_OUT; temporary files in $T"
start_mock
emit "$(jq -cn --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
    --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
    --arg redis "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
    --arg plugin "$BENCH_PLUGIN" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg rev "$BENCH_REV" --arg built "$(date -u -r "$LOA" +%Y-%m-%dT%H:%M:%SZ)" \
    --arg start "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{part:"machine", cpu:$cpu, cores:$cores, kernel:$kernel, redis:$redis,
      plugin:$plugin, loadavg_at_start:$load, revision:$rev,
      loa_built:$built, started:$start}')"
for part in $BENCH_PARTS; do
	case $part in
	throughput) for n in $BENCH_N; do part_throughput "$n"; done ;;
	ceiling) part_ceiling ;;
	urgent) part_urgent ;;
	rate) part_rate ;;
	faults) part_faults ;;
	urgent_lowrate) part_urgent_lowrate ;;
	*) die "unknown part $part" ;;
	esac
done

sh "$ROOT/tests/bench/table.sh" "$RESULTS"
echo
cat "$RESULTS"
mkdir -p "$(dirname "$BENCH_OUT")"
cp "$RESULTS" "$BENCH_OUT"
