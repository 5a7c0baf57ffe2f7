#!/bin/sh
# s_million.sh -- a 1,000,000-resident broadcast: "loactl preview" walks
# and renders the whole audience first with its peak RSS under 100 MiB;
# the daemon's peak RSS stays under 64 MiB (memory does not grow with the
# audience), every resident is reached once.  Skipped under sanitizers (their shadow
# memory makes RSS meaningless) unless LOA_MILLION=1, and under valgrind.
. "$(dirname "$0")/../integration/lib.sh"

if vg_skip "a 1,000,000-resident broadcast takes some 20 minutes there"; then
	done_testing
	exit $?
fi
case "$BUILD" in
*san*)
	if [ "${LOA_MILLION:-0}" != 1 ]; then
		echo "# skipped under sanitizers"
		done_testing
		exit $?
	fi ;;
esac
N=1000000
start_redis || exit 1
t0=$(date +%s)
n=0
for b in 0 1 2 3 4 5 6 7 8 9; do
	# ten batches of 10 wards x 10,000 residents, so no script runs long
	R EVAL "
local b, k = tonumber(ARGV[1]), tonumber(ARGV[1]) * 100000
for w = b * 10, b * 10 + 9 do
  local code = string.format('W%04d', w)
  redis.call('HSET', 'loa:ward:' .. code, 'name', 'Ward ' .. w, 'district', 'D')
  redis.call('SADD', 'loa:wards', code)
  for r = 0, 9999 do
    local id = string.format('%s-%05d', code, r)
    redis.call('HSET', 'loa:resident:' .. id, 'phone', string.format('849%08d', 10000000 + k),
      'name', 'R' .. k, 'ward', code)
    redis.call('SADD', 'loa:ward:' .. code .. ':residents', id)
    k = k + 1
  end
end
return k" 0 $b >/dev/null
done
echo "# directory of $N made in $(( $(date +%s) - t0 )) s"
write_conf a "max_inflight = 512"
printf '%s' '{"id":"m","priority":"bulk","audience":{"all":true},"channels":["sms"],"sms":{"text":"Kinh gui {{name}}"}}' > "$T/m.json"
# The preview of the same audience, before it is sent: every resident
# walked and rendered, in bounded memory (loactl's peak RSS, /proc's
# VmHWM read by GNU time's %M).
t0=$(date +%s)
/usr/bin/time -f %M -o "$T/preview.rss" $LOACTL -c "$T/a.conf" preview \
    "$T/m.json" --json > "$T/preview.jout"
is "preview: exit 0" $? 0
t1=$(date +%s)
rss=$(tail -1 "$T/preview.rss")
echo "# preview of $N residents in $((t1 - t0)) s; loactl peak RSS $((rss / 1024)) MiB"
is "preview: every resident walked" "$(jq -c '[.audience.total, .audience.to_send, .renders[0].sent]' "$T/preview.jout")" "[$N,$N,$N]"
check "preview: peak RSS under 100 MiB ($((rss / 1024)) MiB)" test "$rss" -lt 102400
start_loa a || exit 1
pid=$(cat "$T/a.pid")
t0=$(date +%s)
submit "$T/m.json" >/dev/null
wait_for 300 "1M broadcast done" state_is m done
t1=$(date +%s)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "# $N messages in $((t1 - t0)) s; daemon peak RSS $((hwm / 1024)) MiB"
is "total" "$(job_field m total)" $N
is "all sent" "$(job_field m sent)" $N
is "every resident reached once" "$(sent_unique m)" $N
check "peak RSS under 64 MiB ($((hwm / 1024)) MiB)" test "$hwm" -lt 65536
stop_loa a
done_testing
