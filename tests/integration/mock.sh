# mock.sh -- helpers for tests that talk to the mock provider (sourced
# after lib.sh, POSIX sh; uses $T and $BUILD from lib.sh, curl and jq).
#
#   start_mock [loa-mock args]   start $BUILD/loa-mock on a free loopback
#                                port, recording to $T/mock.jsonl; exports
#                                MOCK_URL and MOCK_PORT; $T/mock.pid makes
#                                lib.sh's cleanup kill it
#   stop_mock                    SIGTERM, wait; returns its exit status
#   mock_config JSON             merge JSON into its config (fails on 400)
#   mock_reset                   config, counters and state back to start
#   mock_stats                   the counters as JSON
#   mock_stat NAME               one counter: requests, http_429,
#                                by_provider.zalo.accepted, ...
#   mock_state                   tokens and de-duplication state as JSON
#   mock_count_to PHONE          record lines for PHONE (84xxxxxxxxx)
#   mock_records                 the record file (every accepted message)
#   mock_wait_records N SECONDS  until the record file has N lines
#   esms_section                 print an eSMS [provider.esms] section for
#                                the mock (its key files in $T, made once)
#   webhook_url NAME             URL of daemon NAME's listener (from its
#                                log), for these:
#   hook METHOD PATH [curl args] one request to the daemon; prints the
#                                status, the body is in $T/body
#   body JQ                      a member of that body
#   pid PROVIDER PHONE           the provider's message id for that phone
#   out JOB ITEM                 the item's outcome in the job's outcome hash
#   mock_call METHOD PATH [curl args...]
#                                one request; sets MOCK_CODE (HTTP status,
#                                000 when no answer), MOCK_RC (curl's exit
#                                status) and MOCK_BODY; headers are in
#                                $T/mock.headers
#
# See tests/mock/README.md for the endpoints and config keys.

MOCK=${MOCK:-$BUILD/loa-mock}
MOCK_REC=$T/mock.jsonl

start_mock() {
	rm -f "$T/mock.port"
	"$MOCK" -p 0 -P "$T/mock.port" -l "$MOCK_REC" "$@" \
	    >>"$T/mock.out" 2>&1 &
	echo $! > "$T/mock.pid"
	wait_for 10 "mock listening" test -s "$T/mock.port" || return 1
	MOCK_PORT=$(cat "$T/mock.port")
	MOCK_URL=http://127.0.0.1:$MOCK_PORT
	export MOCK_PORT MOCK_URL
}

stop_mock() {
	stop_pid "$T/mock.pid" TERM mock
}

mock_config() {
	curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	    --data-binary "$1" "$MOCK_URL/_mock/config"
}

mock_reset() {
	curl -fsS -o /dev/null -X POST "$MOCK_URL/_mock/reset"
}

mock_stats() {
	curl -fsS "$MOCK_URL/_mock/stats"
}

mock_stat() {
	mock_stats | jq -r ".$1"
}

mock_state() {
	curl -fsS "$MOCK_URL/_mock/state"
}

mock_count_to() {
	local n
	n=$(grep -cF "\"to\":\"$1\"" "$MOCK_REC" 2>/dev/null)
	echo "${n:-0}"
}

mock_records() {
	cat "$MOCK_REC" 2>/dev/null
}

mock_wait_records() {
	wait_for "$2" "$1 mock records" \
	    sh -c "[ \$(cat '$MOCK_REC' 2>/dev/null | wc -l) -ge $1 ]"
}

mock_call() {
	local m p
	m=$1
	p=$2
	shift 2
	: > "$T/mock.body"
	MOCK_CODE=$(curl -s -o "$T/mock.body" -D "$T/mock.headers" \
	    -w '%{http_code}' -X "$m" "$@" "$MOCK_URL$p")
	MOCK_RC=$?
	MOCK_BODY=$(cat "$T/mock.body")
}

# The lines of an eSMS provider section talking to the mock; its key
# files are written (mode 600) the first time.  Callers add their own
# keys (max_attempts, timeout, carriers) after it.
esms_section() {
	if [ ! -f "$T/esms.key" ]; then
		printf 'k-api\n' > "$T/esms.key"
		printf 'k-secret\n' > "$T/esms.secret"
		chmod 600 "$T/esms.key" "$T/esms.secret"
	fi
	printf '%s\n' "[provider.esms]" "plugin = esms" "channel = sms" \
	    "base_url = $MOCK_URL" "api_key_file = $T/esms.key" \
	    "secret_key_file = $T/esms.secret" "brandname = UBND-HK"
}

# The lines of a Zalo ZNS provider section talking to the mock (started
# with -z R0-first); its app secret and refresh token files are written
# (mode 600) the first time.  Callers add their own keys (oa_secret_file,
# timeout) after it.
zalo_section() {
	if [ ! -f "$T/zalo.secret" ]; then
		printf 'R0-first\n' > "$T/zalo.refresh"
		printf 'app-secret\n' > "$T/zalo.secret"
		chmod 600 "$T/zalo.refresh" "$T/zalo.secret"
	fi
	printf '%s\n' "[provider.zalo]" "plugin = zalo_zns" "channel = zalo" \
	    "base_url = $MOCK_URL" "oauth_url = $MOCK_URL" "app_id = 4242" \
	    "app_secret_file = $T/zalo.secret" \
	    "refresh_token_file = $T/zalo.refresh"
}

# The lines of a Zalo OA provider section (zalo_oa) sharing the ZNS
# section's credentials (zalo_section first).
oa_section() {
	printf '%s\n' "[provider.oa]" "plugin = zalo_oa" "channel = zalo" \
	    "credentials = zalo" "base_url = $MOCK_URL" \
	    "oauth_url = $MOCK_URL" "app_id = 4242" \
	    "app_secret_file = $T/zalo.secret"
}

webhook_url() {
	local port
	port=$(http_port "$1")
	URL=http://127.0.0.1:$port
}

hook() {
	local m p
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" --max-time 15 "$@" \
	    "$URL$p"
}

body() { jq -r "$1" "$T/body" 2>/dev/null; }

pid() {
	mock_records | jq -r --arg p "$1" --arg to "$2" \
	    'select(.provider == $p and .to == $to) | .provider_id' | head -n 1
}

out() { R HGET "loa:job:$1:out" "$2"; }

# early_job ID PHONE: a one-recipient SMS job sent to PHONE (0…) through
# eSMS while the mock holds its answers 2.5 s, so that a delivery report
# can come before the send is recorded; prints the provider's id once the
# mock has the request.
early_has() { [ -n "$(pid esms "$1")" ]; }
early_job() {
	mock_config '{"delay_ms":2500}'
	printf '{"id":"%s","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"%s"}]}' \
	    "$1" "$2" > "$T/$1.json"
	submit "$T/$1.json" >/dev/null
	wait_for 10 "the provider has $1" early_has "84${2#0}" >&2
	pid esms "84${2#0}"
}
