#!/bin/sh
# t_reload.sh -- SIGHUP reloads the config while messages are in flight:
# a new rate takes effect, the API token rotates, a provider replaced by
# another takes over what was queued while the old one finishes what it
# had sent, and nobody is lost or sent twice; a bad new config (syntax,
# unknown plugin, missing secret) is refused with the reason and the
# running one kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

start_redis || exit 1
start_mock -c '{"seed":3}' || exit 1
printf 'k\n' > "$T/esms.key"
printf 's\n' > "$T/esms.secret"
printf 'speed-token\n' > "$T/speed.token"
printf 'token-A-0123456789ab\n' > "$T/api.A"
printf 'token-B-0123456789ab\n' > "$T/api.B"
chmod 600 "$T"/esms.* "$T"/speed.* "$T"/api.*

ESMS() {
	printf '%s\n' "[provider.esms]" "plugin = esms" "channel = sms" \
	    "base_url = $MOCK_URL" "api_key_file = $T/esms.key" \
	    "secret_key_file = $T/esms.secret" "brandname = UBND-HK" \
	    "rate = $1"
}
SPEED() {
	printf '%s\n' "[provider.speed]" "plugin = speedsms" "channel = sms" \
	    "base_url = $MOCK_URL" "token_file = $T/speed.token" \
	    "sender = UBND-HK" "rate = $1"
}
# conf TOKENFILE PROVIDER-LINES: the daemon's config, written in place.
conf() {
	write_base_conf a
	printf 'token_file = %s\n' "$1" >> "$T/a.conf"
	printf '%s\n' "$2" >> "$T/a.conf"
}
hup() {
	kill -HUP "$(cat "$T/a.pid")"
	wait_for 5 "reload $1 handled" sh -c "[ \$(grep -c -e 'reloaded ' -e 'reload refused' '$T/a.out') -ge $1 ]"
}
api() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    -H "Authorization: Bearer $1" "$URL/v1/jobs/none"
}
# recs JOB: the mock's records of that job's phones (all jobs here use
# their own phone ranges).
recs() { mock_records | jq -r --arg p "$1" 'select(.to | startswith($p)) | .to'; }

conf "$T/api.A" "$(ESMS 100/s)"
mock_config '{"delay_ms":150}'
start_loa a || exit 1
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
is "token A before" "$(api token-A-0123456789ab)" 404

# 1. The rate goes up and the API token rotates, mid-job.
N=1000
awk -v n=$N 'BEGIN { printf "{\"id\":\"a1\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":["
	for (i = 0; i < n; i++) printf "%s{\"phone\":\"0961%06d\"}", (i ? "," : ""), i
	printf "]}" }' > "$T/a1.json"
submit "$T/a1.json" >/dev/null
wait_for 20 "200 of a1 out" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:job:a1 sent) -ge 200 ]"
conf "$T/api.B" "$(ESMS 2000/s)"
t0=$(date +%s%N)
hup 1
check "reload logged" grep -q "reloaded $T/a.conf: 1 provider" "$T/a.out"
wait_for 20 "a1 done" state_is a1 done
secs=$(( ($(date +%s%N) - t0) / 1000000 ))
check "the rest (~800) went at the new rate, in ${secs} ms (< 4000; at 100/s it takes 8000)" [ "$secs" -lt 4000 ]
is "a1: everyone sent" "$(job_field a1 sent)/$(job_field a1 failed)" $N/0
is "a1: each once at the provider" "$(recs 84961 | sort | uniq | wc -l)/$(recs 84961 | wc -l)" $N/$N
check "no maybe_duplicate" sh -c "! grep -q maybe_duplicate '$T/a.delivery.log'"
is "token A refused after the rotation (401: no valid credentials)" "$(api token-A-0123456789ab)" 401
is "token B accepted" "$(api token-B-0123456789ab)" 404

# 2. eSMS replaced by SpeedSMS while messages wait and are in flight.
conf "$T/api.B" "$(ESMS 100/s)"
hup 2
N=600
awk -v n=$N 'BEGIN { printf "{\"id\":\"b1\",\"channels\":[\"sms\"],\"sms\":{\"text\":\"y\"},\"recipients\":["
	for (i = 0; i < n; i++) printf "%s{\"phone\":\"0962%06d\"}", (i ? "," : ""), i
	printf "]}" }' > "$T/b1.json"
submit "$T/b1.json" >/dev/null
wait_for 20 "100 of b1 out" sh -c "[ \$(redis-cli -s '$SOCK' HGET loa:job:b1 sent) -ge 100 ]"
conf "$T/api.B" "$(SPEED 2000/s)"
hup 3
wait_for 20 "b1 done" state_is b1 done
is "b1: everyone sent" "$(job_field b1 sent)/$(job_field b1 failed)" $N/0
is "b1: each once, over both providers" "$(recs 84962 | sort | uniq | wc -l)/$(recs 84962 | wc -l)" $N/$N
esms=$(mock_records | jq -r 'select(.provider == "esms" and (.to | startswith("84962"))) | .to' | wc -l)
speed=$(mock_records | jq -r 'select(.provider == "speedsms" and (.to | startswith("84962"))) | .to' | wc -l)
check "eSMS sent its part ($esms) and SpeedSMS took the rest ($speed)" [ "$esms" -ge 100 -a "$speed" -ge 100 ]
check "delivery log names SpeedSMS after the reload" grep -q '"job":"b1".*"provider":"speed"' "$T/a.delivery.log"

# 3. Bad configs are refused; the running one goes on.
printf '[daemon\nmax_inflight = 5\n' > "$T/a.conf"
hup 4
check "syntax error refused with file and line" grep -q "reload refused, the running config is kept: $T/a.conf:1: syntax error" "$T/a.out"
conf "$T/api.B" "$(printf '%s\n' '[provider.x]' 'plugin = nosuch' 'channel = sms')"
hup 5
check "unknown plugin refused, named" sh -c "tail -n 2 '$T/a.out' | grep -q 'provider.x. plugin: .*nosuch.so' && tail -n 1 '$T/a.out' | grep -q 'reload refused'"
rm -f "$T/speed.token"
conf "$T/api.B" "$(SPEED 2000/s)"
hup 6
check "missing secret file refused" sh -c "tail -n 3 '$T/a.out' | grep -q 'reload refused'"
printf 'speed-token\n' > "$T/speed.token"
chmod 600 "$T/speed.token"
printf '' > "$T/api.C"
chmod 600 "$T/api.C"
conf "$T/api.C" "$(SPEED 2000/s)"
hup 7
check "empty API token refused" sh -c "tail -n 1 '$T/a.out' | grep -q 'reload refused.*empty'"
is "the old token still works" "$(api token-B-0123456789ab)" 404
printf '%s' '{"id":"c1","channels":["sms"],"sms":{"text":"z"},"recipients":[{"phone":"0963000001"}]}' > "$T/c1.json"
submit "$T/c1.json" >/dev/null
wait_for 10 "c1 done with the running config" state_is c1 done
is "c1 through SpeedSMS" "$(mock_records | jq -r 'select(.to == "84963000001") | .provider')" speedsms
check "daemon still running" kill -0 "$(cat "$T/a.pid")"
stop_loa a
is "clean exit after reloads" "$?" 0
done_testing
