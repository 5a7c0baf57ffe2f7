#!/bin/sh
# t_zalo.sh -- Zalo ZNS through the mock, with SMS (eSMS) behind it:
# tokens come from a refresh with rotation (the rotated refresh token is
# in Redis, the spent one refused), residents Zalo cannot reach (-118)
# fall back to SMS, and an access token refused mid-run (-124) is
# refreshed once and the messages go through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -z R0-first || exit 1
write_base_conf a
cat >> "$T/a.conf" <<CONF
$(zalo_section)
$(esms_section)
CONF
check "loa -t accepts it" $LOA -t -c "$T/a.conf"
mock_config '{"zalo_codes":{"84912000003":-118,"84912000007":-118,"84912000011":-114}}'
start_loa a || exit 1
wait_for 10 "first token" grep -q "access token refreshed" "$T/a.out"
rt1=$(R HGET loa:cred:zalo refresh_token)
check "rotated refresh token stored in Redis ($rt1)" test -n "$rt1" -a "$rt1" != R0-first
mock_call POST /v4/oa/access_token -H 'secret_key: app-secret' \
    --data 'refresh_token=R0-first&app_id=4242&grant_type=refresh_token'
check "the spent refresh token is refused by the provider" sh -c "echo '$MOCK_BODY' | jq -e '.error != 0 and .error != null' >/dev/null"

N=20
awk -v n=$N 'BEGIN {
	printf "{\"id\":\"z1\",\"channels\":[\"zalo\",\"sms\"],"
	printf "\"sms\":{\"text\":\"Mat dien {{name}}\"},"
	printf "\"zalo\":{\"template_id\":\"231768\",\"data\":{\"ten\":\"{{name}}\"}},\"recipients\":["
	for (i = 0; i < n; i++)
		printf "%s{\"phone\":\"0912%06d\",\"name\":\"R%d\"}", (i ? "," : ""), i, i
	printf "]}"
}' > "$T/z1.json"
submit "$T/z1.json" >/dev/null
wait_for 20 "z1 done" state_is z1 done
is "all sent" "$(job_field z1 sent)" $N
is "by Zalo" "$(job_field z1 ch:zalo:sent)" 17
is "fell back to SMS (-118 twice, -114 once)" "$(job_field z1 ch:sms:sent)" 3
is "SMS went to exactly those" "$(mock_records | jq -r 'select(.provider == "esms") | .to' | sort | tr '\n' ' ')" "84912000003 84912000007 84912000011 "
check "fallback logged with Zalo's code" grep -q '"status":"fallback","reason":"zalo_-118"' "$T/a.delivery.log"
check "tracking_id is the delivery id" sh -c "cat '$MOCK_REC' | jq -r 'select(.provider == \"zalo\") | .id' | head -1 | grep -Eq '^[0-9a-f]{32}$'"

# The provider stops accepting the access token: -124, one refresh, on.
mock_config '{"expire_zalo_tokens":true}'
sed 's/"z1"/"z2"/' "$T/z1.json" > "$T/z2.json"
submit "$T/z2.json" >/dev/null
wait_for 20 "z2 done" state_is z2 done
is "z2 all sent" "$(job_field z2 sent)" $N
is "z2 by Zalo after the refresh" "$(job_field z2 ch:zalo:sent)" 17
rt2=$(R HGET loa:cred:zalo refresh_token)
check "rotated again ($rt2)" test -n "$rt2" -a "$rt2" != "$rt1"
is "two refreshes in all" "$(grep -c 'access token refreshed' "$T/a.out")" 2
check "-124 seen as a retry" grep -q '"job":"z2".*"status":"retry"' "$T/a.delivery.log"
check "no token or secret in the logs" sh -c "! grep -q -e app-secret -e '$rt2' '$T/a.out' '$T/a.delivery.log'"

# Two daemons, one refresh: the token refused in both, refreshed once
# (the lock), the other daemon takes the new token from Redis.
sed -e 's/^log = .*/log = ' "$(echo "$T" | sed 's/[\/&]/\\&/g')"'\/b.delivery.log/' \
    -e 's/^consumer = a/consumer = b/' "$T/a.conf" > "$T/b.conf"
start_loa b || exit 1
wait_for 10 "b has the token" grep -q "" "$T/b.out"
r0=$(mock_stat refreshes)
e0=$(mock_stat refresh_errors)
mock_config '{"expire_zalo_tokens":true}'
sed 's/"z1"/"z3"/' "$T/z1.json" > "$T/z3.json"
submit "$T/z3.json" >/dev/null
wait_for 20 "z3 done" state_is z3 done
is "z3 all sent" "$(job_field z3 sent)" $N
is "one refresh for both daemons" "$(( $(mock_stat refreshes) - r0 ))" 1
is "no refused refresh token" "$(( $(mock_stat refresh_errors) - e0 ))" 0
stop_loa b
stop_loa a
done_testing
