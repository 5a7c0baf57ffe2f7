#!/bin/sh
# t_stop_slow.sh -- SIGTERM while a slow provider holds requests longer
# than shutdown_timeout: the daemon gives them up and exits 0 in time;
# the next daemon sends them again (eSMS answers 124 for the repeated
# RequestId), every resident is reached once and accounted for.
# serial: shutdown deadlines
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock || exit 1
printf 'k\n' > "$T/k"
printf 's\n' > "$T/s"
chmod 600 "$T/k" "$T/s"
ESMS="[provider.esms]
plugin = esms
base_url = $MOCK_URL
api_key_file = $T/k
secret_key_file = $T/s
brandname = UBND
timeout = 30s"
write_base_conf a "$ESMS"
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 2s/' "$T/a.conf"
start_loa a || exit 1
mock_config '{"delay_ms":8000}'
gen_job slow 20
submit "$T/slow.json" >/dev/null
wait_for 10 "requests in flight" sh -c "[ \$(curl -s $MOCK_URL/_mock/stats | jq .requests) -ge 20 ]"
t0=$(date +%s)
stop_loa a
is "SIGTERM exits 0" "$?" 0
t1=$(date +%s)
check "within shutdown_timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 4
check "said it gave up requests" grep -q "unanswered" "$T/a.out"
mock_config '{"delay_ms":0}'
write_base_conf b "$ESMS"
start_loa b || exit 1
wait_for 30 "slow done" state_is slow done
is "all sent" "$(job_field slow sent)" 20
is "each resident once at the provider" "$(mock_records | jq -r .to | sort -u | wc -l)" 20
is "no second message" "$(mock_records | wc -l)" 20
check "the resends were duplicate RequestIds" test "$(mock_stat duplicates)" -ge 20
is "so none is a possible duplicate" "$(grep -c maybe_duplicate "$T/b.delivery.log")" 0
stop_loa b
done_testing
