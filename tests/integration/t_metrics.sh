#!/bin/sh
# t_metrics.sh -- /metrics as Prometheus and a dashboard read it: promtool
# check metrics is clean; loa_build_info and loa_start_time_seconds; jobs
# accepted, rejected by reason class (malformed, invalid, unknown
# audience, duplicate), dead-lettered and cancelled; final outcomes by
# channel, provider and status apart from retries and fallbacks; failures
# by a bounded reason; no empty label value; the stream gauges carry
# scope="cluster" and read the same in two daemons on one Redis; and the
# rules and dashboard in conf/monitoring pass promtool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

MON=$(dirname "$0")/../../conf/monitoring
if ! command -v promtool >/dev/null 2>&1; then
	echo "# promtool missing (Debian package prometheus; tests/deps.sh)"
	fail "promtool installed"
	done_testing
	exit 1
fi

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"

start_redis || exit 1
start_mock -z R0-first || exit 1
dir_wards
for n in a b; do
	write_base_conf $n
	echo "token_file = $T/token" >> "$T/$n.conf"
	zalo_section >> "$T/$n.conf"
	esms_section >> "$T/$n.conf"
done
# 3 and 4: Zalo cannot reach them (fallback); eSMS refuses 4 (146).
mock_config '{"zalo_codes":{"84912000003":-118,"84912000004":-118},"esms_codes":{"84912000004":146}}'
start_loa a || exit 1
webhook_url a
wait_for 10 "first token" grep -q "access token refreshed" "$T/a.out"

# scrape [NAME]: daemon NAME's /metrics into $T/metrics.
scrape() {
	curl -s --max-time 10 -o "$T/metrics" \
	    "http://127.0.0.1:$(http_port "${1:-a}")/metrics"
}
# m SERIES: the value of one series (name and labels exactly as written).
m() { awk -v s="$1" '$1 == s { print $2 }' "$T/metrics"; }
# nlog JQ: delivery log lines of daemon a that match.
nlog() { jq -c "select($1)" "$T/a.delivery.log" | wc -l | tr -d ' '; }

scrape
check "promtool check metrics, fresh daemon" sh -c "promtool check metrics < '$T/metrics'"
is "loa_build_info" "$(m 'loa_build_info{version="'"$(sed -n 's/^#define LOA_VERSION[^"]*"\(.*\)"/\1/p' "$(dirname "$0")/../../daemon/loa.h")"'"}')" 1
st=$(m loa_start_time_seconds)
check "loa_start_time_seconds is about now ($st)" awk -v t="$st" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 120 && t <= now + 1) }'

# m1: zalo then sms; 0-2 by Zalo, 3 falls back to SMS, 4 falls back and
# eSMS refuses it, 5 has no name (missing_var on both channels).
awk 'BEGIN {
	printf "{\"id\":\"m1\",\"channels\":[\"zalo\",\"sms\"],"
	printf "\"sms\":{\"text\":\"Mat dien {{name}}\"},"
	printf "\"zalo\":{\"template_id\":\"231768\",\"data\":{\"ten\":\"{{name}}\"}},\"recipients\":["
	for (i = 0; i < 6; i++)
		printf "%s{\"phone\":\"0912%06d\"%s}", (i ? "," : ""), i,
		    i < 5 ? ",\"name\":\"R" i "\"" : ""
	printf "]}"
}' > "$T/m1.json"
submit "$T/m1.json" >/dev/null
wait_for 20 "m1 done" state_is m1 done

# r1: one SMS; the first answers are 5xx, retried.
mock_config '{"fail_5xx":1}'
printf '{"id":"r1","channels":["sms"],"sms":{"text":"Nuoc"},"recipients":[{"phone":"0912000100"}]}' > "$T/r1.json"
submit "$T/r1.json" >/dev/null
wait_for 20 "a retry" grep -q '"job":"r1".*"status":"retry"' "$T/a.delivery.log"
mock_config '{"fail_5xx":0}'
wait_for 30 "r1 done" state_is r1 done

# Rejected: not JSON, no channels, an unknown ward; m1 again (duplicate).
printf 'not json' > "$T/bad1.json"
printf '{"id":"bad2","recipients":[{"phone":"0912000200"}]}' > "$T/bad2.json"
printf '{"id":"bad3","channels":["sms"],"sms":{"text":"x"},"audience":{"wards":["99999"]}}' > "$T/bad3.json"
for f in bad1 bad2 bad3 m1; do submit "$T/$f.json" >/dev/null; done
wait_for 10 "three dead letters" sh -c "[ \$(redis-cli -s '$SOCK' XLEN loa:dead) -ge 3 ]"
wait_for 10 "duplicate seen" grep -q "id already submitted" "$T/a.out"

# A scheduled job cancelled through the API.
printf '{"id":"c1","channels":["sms"],"sms":{"text":"x"},"send_at":"2099-01-01T00:00:00Z","recipients":[{"phone":"0912000300"}]}' > "$T/c1.json"
submit "$T/c1.json" >/dev/null
wait_for 10 "c1 scheduled" state_is c1 scheduled
is "cancel through the API" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $TOKEN" "$URL/v1/jobs/c1/cancel")" 200

scrape
check "promtool check metrics after the jobs" sh -c "promtool check metrics < '$T/metrics'"
check "no empty label value" sh -c "! grep -q '=\"\"' '$T/metrics'"
check "every family has HELP" sh -c "[ \$(grep -c '^# TYPE' '$T/metrics') -eq \$(grep -c '^# HELP' '$T/metrics') ]"
is "jobs accepted (m1 r1 c1)" "$(m loa_jobs_accepted_total)" 3
is "rejected malformed" "$(m 'loa_jobs_rejected_total{reason="malformed"}')" 1
is "rejected invalid" "$(m 'loa_jobs_rejected_total{reason="invalid"}')" 1
is "rejected unknown audience" "$(m 'loa_jobs_rejected_total{reason="unknown_audience"}')" 1
is "rejected duplicate" "$(m 'loa_jobs_rejected_total{reason="duplicate"}')" 1
is "dead-lettered = loa:dead" "$(m loa_jobs_dead_lettered_total)" "$(R XLEN loa:dead)"
is "cancelled" "$(m loa_jobs_cancelled_total)" 1
is "sent by Zalo" "$(m 'loa_deliveries_total{channel="zalo",provider="zalo",status="sent"}')" 3
is "sent by eSMS (3 and r1)" "$(m 'loa_deliveries_total{channel="sms",provider="esms",status="sent"}')" 2
is "failed on SMS" "$(m 'loa_deliveries_total{channel="sms",provider="esms",status="failed"}')" 2
is "final outcomes = recipients of m1 and r1" "$(awk '/^loa_deliveries_total\{/ { s += $2 } END { print s }' "$T/metrics")" 7
is "failure: the provider's code" "$(m 'loa_delivery_failures_total{reason="provider"}')" 1
is "failure: missing_var" "$(m 'loa_delivery_failures_total{reason="missing_var"}')" 1
is "fallbacks from Zalo = the log's" "$(m 'loa_delivery_fallbacks_total{channel="zalo",provider="zalo"}')" "$(nlog '.status == "fallback"')"
is "three fallbacks" "$(nlog '.status == "fallback"')" 3
r=$(nlog '.status == "retry"')
check "retries logged ($r)" [ "$r" -ge 1 ]
is "retries = the log's" "$(m 'loa_delivery_retries_total{channel="sms",provider="esms"}')" "$r"
check "no retry or fallback status among final outcomes" sh -c "! grep -Eq '^loa_deliveries_total.*status=\"(retry|fallback)\"' '$T/metrics'"
for g in loa_requests_inflight loa_deliveries_active loa_retries_pending \
    loa_work_entries_held loa_redis_connected loa_provider_paused; do
	check "$g has HELP" grep -q "^# HELP $g " "$T/metrics"
done

# Two daemons: SMS paused, a job's work stays in the stream; both export
# the same stream length, labelled scope="cluster" (max(), not sum()).
start_loa b || exit 1
$LOACTL -c "$T/a.conf" provider pause esms >/dev/null
for n in a b; do
	p=$(http_port $n)
	wait_for 10 "$n sees the pause" sh -c "curl -s http://127.0.0.1:$p/metrics | grep -qx 'loa_provider_paused{provider=\"esms\"} 1'"
done
printf '{"id":"q1","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000400"},{"phone":"0912000401"}]}' > "$T/q1.json"
submit "$T/q1.json" >/dev/null
wait_for 10 "q1 work queued" sh -c "[ \$(redis-cli -s '$SOCK' XLEN loa:work:normal) -ge 1 ]"
want=$(R XLEN loa:work:normal)
Q='loa_queue_entries{scope="cluster",stream="work",priority="normal"}'
wait_for 10 "a sees it" sh -c "curl -s http://127.0.0.1:$(http_port a)/metrics | grep -qx '$Q $want'"
scrape a
is "daemon a: work entries" "$(m "$Q")" "$want"
wait_for 10 "b sees it" sh -c "curl -s http://127.0.0.1:$(http_port b)/metrics | grep -qx '$Q $want'"
scrape b
is "daemon b: the same" "$(m "$Q")" "$want"
check "daemon b: promtool clean" sh -c "promtool check metrics < '$T/metrics'"
check "no series of loa_queue_entries without scope" sh -c "! grep '^loa_queue_entries' '$T/metrics' | grep -vq 'scope=\"cluster\"'"
$LOACTL -c "$T/a.conf" provider resume esms >/dev/null
wait_for 20 "q1 done" state_is q1 done

# The rules and the dashboard.
check "promtool check rules" promtool check rules "$MON/loa-alerts.yml"
check "promtool test rules" promtool test rules "$MON/loa-alerts.test.yml"
check "dashboard is JSON with a datasource variable" jq -e \
    '.templating.list | map(select(.type == "datasource")) | length == 1' \
    "$MON/loa-dashboard.json"
check "dashboard names only loa_ metrics that exist" sh -c "
	jq -r '.. | .expr? // empty' '$MON/loa-dashboard.json' |
	    grep -o 'loa_[a-z_]*' | sed 's/_bucket\$//; s/_count\$//; s/_sum\$//' | sort -u |
	    while read -r n; do grep -q \"^# TYPE \$n \" '$T/metrics' || { echo \"# unknown \$n\"; exit 1; }; done"

stop_loa a
stop_loa b
done_testing
