#!/bin/sh
# t_ops_check.sh -- loa -t makes the checks start-up makes: for each
# config of a table, loa -t and the daemon started on it agree (both exit
# 1 saying the same problem, or -t says OK and the daemon starts).
# Relative secret names are looked up in $CREDENTIALS_DIRECTORY, else in
# [daemon] credentials_dir, never in the current directory (loa, loa -t
# and loactl).  loa -V; the version in the start-up line; the operational
# log stamps its lines unless standard error is the journal.
. "$(dirname "$0")/lib.sh"

unset JOURNAL_STREAM CREDENTIALS_DIRECTORY
start_redis || exit 1

# A working directory holding every secret name used relatively below:
# finding one there would be the bug.
mkdir -p "$T/cwd" "$T/creds" "$T/store" "$T/empty"
for d in "$T/cwd" "$T/creds" "$T/store" "$T"; do
	printf 'tok-3f9a1c0e5b7d2a4c6e8f\n' > "$d/api-token"
	printf 'k-api\n' > "$d/esms.key"
	printf 'k-secret\n' > "$d/esms.secret"
	chmod 600 "$d/api-token" "$d/esms.key" "$d/esms.secret"
done
cp "$T/api-token" "$T/open.token"
chmod 644 "$T/open.token"
VERSION=$(sed -n 's/^#define LOA_VERSION[^"]*"\(.*\)".*/\1/p' "$ROOT/daemon/loa.h")

# conf NAME [daemon lines] [-- [http] lines [-- more sections]]: a
# daemon config (lib.sh's, sections opened again after it: a key given
# twice takes the later value).
conf() {
	local name l sect
	name=$1
	shift
	write_base_conf "$name"
	sect=daemon
	echo "[daemon]" >> "$T/$name.conf"
	for l in "$@"; do
		if [ "$l" != -- ]; then
			echo "$l"
		elif [ $sect = daemon ]; then
			sect=http
			echo "[http]"
		else
			sect=more
		fi
	done >> "$T/$name.conf"
}

# daemon NAME ENV...: start loa on $T/NAME.conf from $T/cwd; DRC is its
# exit status, or "started" (then it is stopped).
daemon() {
	local name pid n
	name=$1
	shift
	# The output of an earlier run of the same name must not be read as
	# this one's: the background shell may truncate it only later.
	rm -f "$T/$name.out"
	(cd "$T/cwd" && exec env "$@" $LOA -c "$T/$name.conf") \
	    > "$T/$name.out" 2>&1 &
	pid=$!
	echo "$pid" > "$T/$name.pid"
	n=0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt $((300 * TIME_SCALE)) ] &&
	    ! grep -q "started as consumer" "$T/$name.out" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	if grep -q "started as consumer" "$T/$name.out" 2>/dev/null; then
		stop_loa "$name"
		DRC=started
	else
		if kill -0 "$pid" 2>/dev/null; then
			echo "# $name: alive but not started after $((n / 10)) s:"
			sed 's/^/#   /' "$T/$name.out" | tail -5
		fi
		stop_loa "$name"
		DRC=$?
	fi
}

# want NAME "MESSAGE" ENV...: loa -t and the daemon exit 1, both saying
# MESSAGE.  ENV: variables for both (e.g. CREDENTIALS_DIRECTORY=...).
want() {
	local name msg out
	name=$1
	msg=$2
	shift 2
	out=$(cd "$T/cwd" && env "$@" $LOA -t -c "$T/$name.conf" 2>&1)
	is "$name: loa -t exits 1" "$?" 1
	case "$out" in
	*"$msg"*) pass "$name: loa -t says it" ;;
	*) fail "$name: loa -t: want '$msg', got '$out'" ;;
	esac
	daemon "$name" "$@"
	is "$name: the daemon exits 1" "$DRC" 1
	check "$name: the daemon says it" grep -qF "$msg" "$T/$name.out"
}

# good NAME ENV...: loa -t says OK and the daemon starts.
good() {
	local name out
	name=$1
	shift
	out=$(cd "$T/cwd" && env "$@" $LOA -t -c "$T/$name.conf" 2>&1)
	is "$name: loa -t exits 0" "$?" 0
	case "$out" in
	*"configuration OK"*) pass "$name: loa -t says OK" ;;
	*) fail "$name: loa -t: $out" ;;
	esac
	daemon "$name" "$@"
	is "$name: the daemon starts" "$DRC" started
}

ESMS_REL="[provider.esms]
plugin = esms
channel = sms
base_url = http://127.0.0.1:9
api_key_file = esms.key
secret_key_file = esms.secret
brandname = UBND-HK"

# --- the table ----------------------------------------------------------
conf listen_port -- "listen = 8080"
want listen_port "http listen 8080: want ADDRESS:PORT"
conf listen_range -- "listen = 127.0.0.1:99999"
want listen_range "http listen 127.0.0.1:99999: want ADDRESS:PORT, port 0 to 65535"
conf token_missing -- "token_file = $T/nosuch.token"
want token_missing "[http] token_file $T/nosuch.token: No such file or directory"
conf token_open -- "token_file = $T/open.token"
want token_open "[http] token_file $T/open.token: readable by group or others (mode 644); chmod 600 it"
conf redis_pw "[redis]" "password_file = $T/nosuch.pw"
want redis_pw "[redis] password_file $T/nosuch.pw: No such file or directory"
conf plugin_dir "plugin_dir = $T/noplugins" -- -- "[provider.p]" "plugin = esms"
want plugin_dir "[provider.p] plugin: $T/noplugins/esms.so: cannot open shared object file"
conf dlog_dir "log = $T/nodir/delivery.log"
want dlog_dir "delivery log $T/nodir/delivery.log: directory $T/nodir: No such file or directory"
# The consumer name becomes part of a key (daemon:<consumer>).
conf consumer_colon "consumer = a:b"
want consumer_colon "[daemon] consumer: want 1 to 128 ASCII letters, digits, '-', '_' or '.', not \"a:b\""
# Every problem is said, not only the first.
conf several -- "listen = 8080" "token_file = $T/nosuch.token"
want several "http listen 8080: want ADDRESS:PORT"
check "several: the second problem said too" grep -qF "[http] token_file $T/nosuch.token" "$T/several.out"
check "several: counted" grep -qF "several.conf: 2 problems" "$T/several.out"

# Relative names: $CREDENTIALS_DIRECTORY first, then credentials_dir.
conf rel_creds -- "token_file = api-token" -- "$ESMS_REL"
good rel_creds "CREDENTIALS_DIRECTORY=$T/creds"
conf rel_store "credentials_dir = $T/store" -- "token_file = api-token" -- "$ESMS_REL"
good rel_store
want rel_store "$T/empty/esms.key (esms.key in \$CREDENTIALS_DIRECTORY): No such file or directory" "CREDENTIALS_DIRECTORY=$T/empty"
conf rel_missing "credentials_dir = $T/empty" -- "token_file = api-token"
want rel_missing "[http] token_file $T/empty/api-token (api-token in credentials_dir): No such file or directory"
printf 'abc\n' > "$T/store/short.token"
chmod 600 "$T/store/short.token"
conf rel_short "credentials_dir = $T/store" -- "token_file = short.token"
want rel_short "[http] token_file $T/store/short.token (short.token in credentials_dir): too short"
conf rel_default -- "token_file = api-token"
if [ ! -e /etc/credstore/api-token ]; then
	want rel_default "/etc/credstore/api-token (api-token in credentials_dir): No such file or directory"
fi
conf rel_bad "credentials_dir = store"
out=$($LOA -t -c "$T/rel_bad.conf" 2>&1)
is "credentials_dir relative: loa -t exits 1" "$?" 1
check "credentials_dir relative: said" sh -c "echo '$out' | grep -qF '[daemon] credentials_dir: want an absolute directory'"

# --- loactl reads the Redis password by the same rule --------------------
printf 'redis-pw-1\n' > "$T/store/redis.pw"
chmod 600 "$T/store/redis.pw"
cat > "$T/ctl.conf" <<EOF
[redis]
url = unix://$SOCK
password_file = redis.pw
[daemon]
credentials_dir = $T/store
EOF
R CONFIG SET requirepass redis-pw-1 >/dev/null
(cd "$T/cwd" && $LOACTL -c "$T/ctl.conf" dead) > "$T/ctl.out" 2>&1
is "loactl: the password from credentials_dir works" "$?" 0
(cd "$T/cwd" && env CREDENTIALS_DIRECTORY="$T/empty" $LOACTL -c "$T/ctl.conf" dead) > "$T/ctl2.out" 2>&1
is "loactl: missing in \$CREDENTIALS_DIRECTORY: exit 1" "$?" 1
check "loactl: names the path tried" grep -qF "$T/empty/redis.pw (redis.pw in \$CREDENTIALS_DIRECTORY)" "$T/ctl2.out"
redis-cli -s "$SOCK" -a redis-pw-1 --no-auth-warning CONFIG SET requirepass "" >/dev/null

# --- -V, usage, the start-up line, timestamps ----------------------------
is "loa -V" "$($LOA -V 2>&1)" "loa $VERSION"
$LOA -V >/dev/null 2>&1
is "loa -V exits 0" "$?" 0
check "loa -h lists -V" sh -c "$LOA -h 2>&1 | grep -q '^usage: loa \[-[a-zA-Z]*V'"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'
conf plain
daemon plain
is "plain: started" "$DRC" started
check "start-up line names the version" grep -qE "^$TS loa: info: loa $VERSION started as consumer plain " "$T/plain.out"
check "every line starts with the time" sh -c "! grep -vE '^$TS loa: ' '$T/plain.out'"
check "the delivery log's ts has the same shape" sh -c "jq -r .ts '$T/plain.delivery.log' 2>/dev/null | head -1 | grep -qE '^$TS\$' || ! [ -s '$T/plain.delivery.log' ]"
daemon plain JOURNAL_STREAM=8:1234
is "journal: started" "$DRC" started
check "journal: priority prefix, no time" grep -q "^<6>loa $VERSION started as consumer plain " "$T/plain.out"
check "journal: no line carries the time" sh -c "! grep -qE '$TS' '$T/plain.out'"

# --- lines about one job start "job ID: " --------------------------------
conf jobs
start_loa jobs || exit 1
printf '%s' '{"id":"okjob","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000301"}]}' > "$T/okjob.json"
printf '%s' '{"id":"badjob","channels":["sms"]}' > "$T/badjob.json"
submit "$T/okjob.json" >/dev/null
submit "$T/badjob.json" >/dev/null
wait_for 10 "both jobs logged" sh -c "grep -q 'job okjob: ' '$T/jobs.out' && grep -q 'job badjob: ' '$T/jobs.out'"
check "accepted: job okjob: ... (1 recipients, normal)" grep -qE "^$TS loa: info: job okjob: [a-z]+ \\(1 recipients, normal\\)\$" "$T/jobs.out"
check "rejected: job badjob: rejected: why" grep -qE "^$TS loa: warning: job badjob: rejected: " "$T/jobs.out"
check "every line naming a job starts job ID:" sh -c "! grep -E ' job (okjob|badjob)[^:]' '$T/jobs.out'"
stop_loa jobs
done_testing
