#!/bin/sh
# t_console.sh -- the officials' console in a real browser: runs
# tests/browser/console.py (Debian's chromium, headless, through
# chromium-driver and python3-selenium) against a daemon of its own that
# serves the source tree's www/, with wards, four residents of ward
# 00070 (one opted out) and one of 00004, the console provider, an admin
# token, [approval] required = always and three accounts: drafter and
# approver of ward 00070, quantri (admin) of all; and the mock provider
# with an http_json section "sms2way" that only takes residents' replies
# (weight 0: it sends nothing), for the inbox page.  console.py's lines are this
# test's checks; AUTH, APPROVAL and CONSOLE-API are merged, so a step
# waiting for one of their routes fails (LOA_REQUIRE): nothing is
# skipped.  SCREENSHOTS=DIR also saves the main screens as PNGs there
# (docs/console/ holds the committed ones).
#
#	sh tests/integration/run.sh t_console
#	SCREENSHOTS=docs/console sh tests/integration/t_console.sh
# serial: a headless chromium (CPU) and polling deadlines
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

PY=/usr/bin/python3	# Debian's, with python3-selenium
for f in /usr/bin/chromium /usr/bin/chromedriver; do
	if ! [ -x "$f" ]; then
		fail "$f is installed (sh tests/deps.sh)"
		done_testing
		exit 1
	fi
done
if ! $PY -c 'import selenium' 2>/dev/null; then
	fail "python3-selenium is installed (sh tests/deps.sh)"
	done_testing
	exit 1
fi

start_mock -c '{"generic_token":"hook-token"}' || exit 1
printf 'hook-token\n' > "$T/hook.token"
TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token" "$T/hook.token"
write_base_conf a
{
	echo "token_file = $T/token"
	echo "www_dir = $ROOT/www"
	echo "[provider.console]"
	echo "plugin = console"
	echo "output = $T/console.out"
	echo "[provider.sms2way]"
	echo "plugin = http_json"
	echo "channel = sms"
	echo "url = $MOCK_URL/sms2way/send"
	echo "weight = 0"
	echo "webhook_token_file = $T/hook.token"
	echo "inbound_from_field = from"
	echo "inbound_text_field = text"
	echo "inbound_id_field = id"
	echo "inbound_time_field = ts"
} >> "$T/a.conf"
# Two-person approval.
printf '[approval]\nrequired = always\n' >> "$T/a.conf"
APPROVAL=1

start_redis || exit 1
dir_wards
dir_resident r1 00070 84912000001 name "Bà Lan"
dir_resident r2 00070 84912000002 name "Ông Đức"
dir_resident r3 00070 84912000003 name "Chị Hoa"
dir_resident r4 00004 84912000004 name "Anh Nam"
dir_resident r5 00070 84912000005 name "Cô Mai"
$LOACTL -c "$T/a.conf" optout add 84912000005 >/dev/null ||
    fail "loactl optout add"

# Accounts: passwords on standard input.
USERS=""
for u in drafter:drafter:--wards=00070 approver:approver:--wards=00070 \
    quantri:admin:--all; do
	name=${u%%:*}
	rest=${u#*:}
	role=${rest%%:*}
	scope=${rest#*:}
	pw=pw-$name-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	# shellcheck disable=SC2086
	if printf '%s\n' "$pw" | $LOACTL -c "$T/a.conf" user add "$name" \
	    --role "$role" $(echo "$scope" | tr = ' ') \
	    --password-stdin >"$T/user.out" 2>&1; then
		USERS="$USERS${USERS:+,}$name:$pw"
	else
		fail "loactl user add $name: $(cat "$T/user.out")"
	fi
done

# An account with a password loactl made: changed at the first login.
OTP=$($LOACTL -c "$T/a.conf" user add newbie --role drafter --wards 00070 |
    sed -n 's/.*: password \([A-Za-z0-9_-]*\) (shown once.*/\1/p')
[ -n "$OTP" ] || fail "loactl user add newbie: no one-time password"

start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
mkdir -p "$T/dl"
LOA_URL=http://127.0.0.1:$PORT LOA_SMSCOUNT=$BUILD/tests/smscount \
    LOA_USERS=$USERS LOA_OTP=newbie:$OTP LOA_WARD="00070:Phường Hoàn Kiếm" \
    LOA_APPROVAL=$APPROVAL LOA_REQUIRE=AUTH,APPROVAL,CONSOLE-API,INBOX \
    LOA_MOCK=$MOCK_URL \
    LOA_SCREENSHOTS=${SCREENSHOTS:-} LOA_DL=$T/dl \
    HOME=$T/dl timeout -k 5 240 nice -n 19 $PY "$ROOT/tests/browser/console.py" \
    > "$T/py.out" 2>"$T/py.err"
rc=$?
cat "$T/py.out"
n=$(grep -c '^ok - ' "$T/py.out")
PASS=$((PASS + n))
n=$(grep -c '^not ok - ' "$T/py.out")
FAIL=$((FAIL + n))
if [ $rc -ne 0 ] && [ "$n" -eq 0 ]; then
	fail "console.py exited $rc"
	# Python's traceback and the driver's message, not chromium's frames.
	grep -v '^#[0-9]* 0x' "$T/py.err" | sed 's/^/# /' | tail -20
fi
check "console.py finished" grep -q '^console.py: ' "$T/py.out"
check "the daemon logged no token" sh -c "! grep -q '$TOKEN' '$T/a.out'"
check "... nor a resident's text" sh -c "! grep -q 'ngập' '$T/a.out'"
is "sms2way (weight 0) sent nothing: every message by console" \
    "$(grep -c '"provider":"sms2way"' "$T/a.delivery.log") $(grep -c '"provider":"console"' "$T/a.delivery.log" | sed 's/^[1-9][0-9]*$/many/')" "0 many"
stop_loa a
done_testing
