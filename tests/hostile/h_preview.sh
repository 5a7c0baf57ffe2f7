#!/bin/sh
# h_preview.sh -- POST /v1/preview cannot be made to hold the audience
# in memory nor to run without bound (issue 15, capi.c): a preview of a
# ward of NRES residents streams it (the daemon's peak RSS grows by less
# than PREVIEW_PEAK_MB, while the residents' hashes alone would take
# several times that), the daemon keeps answering meanwhile, at most
# CAPI_PREVIEWS_MAX (2) previews run at once (429 with Retry-After
# beyond, before the body is read), a client that hangs up mid-preview
# frees its place, and the answer counts every resident.
# serial: measures RSS and latency
. "$(dirname "$0")/../integration/lib.sh"

PEAK_MB=${PREVIEW_PEAK_MB:-40}
NRES=${PREVIEW_NRES:-200000}
bounds=1
case "$BUILD" in *san*) bounds=0;; esac
if [ "${VALGRIND:-0}" = 1 ]; then
	bounds=0
	NRES=5000
fi
bound() {
	if [ $bounds = 0 ]; then
		echo "# skipped here: $1"
		return
	fi
	check "$@"
}
TOKEN=t0k-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
write_conf a
sed -i "s|^listen = .*|&\ntoken_file = $T/token|" "$T/a.conf"
start_redis || exit 1
printf '%s\n' 'code,name,district' '00070,Phường Hoàn Kiếm,Hoàn Kiếm' \
    > "$T/wards.csv"
$LOACTL -c "$T/a.conf" import wards "$T/wards.csv" > /dev/null
# NRES residents of ward 00070, written straight in (an import of this
# size takes long): ids r1.., distinct mobile phones, a name each.
R EVAL "for i = 1, tonumber(ARGV[1]) do
	redis.call('HSET', 'loa:resident:r' .. i, 'ward', '00070',
	    'phone', string.format('8491%07d', i), 'name', 'Cư dân ' .. i)
	redis.call('SADD', 'loa:ward:00070:residents', 'r' .. i)
end
return 1" 0 "$NRES" > /dev/null
is "the ward has $NRES residents" "$(R SCARD loa:ward:00070:residents)" "$NRES"

start_loa a || { cat "$T/a.out"; exit 1; }
PID=$(cat "$T/a.pid")
URL=http://127.0.0.1:$(http_port a)
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
printf '%s' '{"audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"Kính gửi {{name}}: mất nước ngày mai ở {{ward_name}}"}}' \
    > "$T/job.json"
# preview OUT: POST the job, the status code in OUT.code, body in OUT.
preview() {
	curl -s -o "$T/$1" -w '%{http_code}' --max-time 120 \
	    -H "Authorization: Bearer $TOKEN" --data-binary @"$T/job.json" \
	    "$URL/v1/preview" > "$T/$1.code"
}

rss0=$(kb VmRSS)
hwm0=$(kb VmHWM)
echo "# before: VmRSS $((rss0 / 1024)) MB, VmHWM $((hwm0 / 1024)) MB"
start=$(date +%s%N)
preview one
ms=$((($(date +%s%N) - start) / 1000000))
echo "# one preview of $NRES residents: $ms ms"
is "one preview: 200" "$(cat "$T/one.code")" 200
is "it counts every resident" "$(jq -c '[.audience.total, .audience.to_send, .renders[0].sent]' "$T/one")" \
    "[$NRES,$NRES,$NRES]"
hwm1=$(kb VmHWM)
echo "# after: VmHWM $((hwm1 / 1024)) MB (grew $(((hwm1 - hwm0) / 1024)) MB)"
bound "peak RSS grew by less than $PEAK_MB MB" \
    [ $((hwm1 - hwm0)) -lt $((PEAK_MB * 1024)) ]

# Two previews at once run; a third is refused while they do.
preview p1 &
bg1=$!
preview p2 &
bg2=$!
sleep 0.5	# both sent; each takes seconds (see "one preview" above)
code=$(curl -s -D "$T/third.head" -o "$T/third" -w '%{http_code}' \
    --max-time 10 -H "Authorization: Bearer $TOKEN" \
    --data-binary @"$T/job.json" "$URL/v1/preview")
is "a third at once: 429" "$code" 429
check "with Retry-After" grep -qi '^Retry-After: ' "$T/third.head"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    -H "Authorization: Bearer loa_$(printf '%043d' 0)" \
    --data-binary @"$T/job.json" "$URL/v1/preview")
is "a forged token meanwhile: 401, not 429" "$code" 401
start=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz")
ms=$((($(date +%s%N) - start) / 1000000))
is "healthz answers meanwhile" "$code" 200
echo "# healthz during two previews: $ms ms"
wait $bg1 $bg2
is "the first of two: 200" "$(cat "$T/p1.code")" 200
is "the second of two: 200" "$(cat "$T/p2.code")" 200
is "both count every resident" "$(jq -r .audience.total "$T/p1") $(jq -r .audience.total "$T/p2")" "$NRES $NRES"

# Clients that hang up mid-preview free their places.
for i in 1 2; do
	curl -s -o /dev/null --max-time 0.3 -H "Authorization: Bearer $TOKEN" \
	    --data-binary @"$T/job.json" "$URL/v1/preview"
done
# A shut connection may be a client that still reads (httpserv.c): the
# previews run to their end, their answers fail, their places are freed.
check "their places are freed" wait_for 60 "a preview accepted again" sh -c \
    "curl -s -o /dev/null -w '%{http_code}' --max-time 120 -H 'Authorization: Bearer $TOKEN' --data-binary @'$T/job.json' '$URL/v1/preview' | grep -q 200"
check "the daemon is still up" kill -0 "$PID"
rss2=$(kb VmRSS)
echo "# at the end: VmRSS $((rss2 / 1024)) MB"
bound "it gave back what the previews took (RSS within $PEAK_MB MB of the start)" \
    [ $((rss2 - rss0)) -lt $((PEAK_MB * 1024)) ]
stop_loa a
done_testing
