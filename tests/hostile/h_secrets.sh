#!/bin/sh
# h_secrets.sh -- secret and token files that are not what they seem
# (issue 12, finding 8).
#
#   loa -t reads every secret and token file the daemon will read (provider
#   secrets, [redis] password_file, [http] token_file), as the daemon
#   reads them, names the file at fault and exits 1: a FIFO (never
#   blocking), a symbolic link, a file readable by group, one owned by
#   another user, a missing one, an API token that is short, made of
#   spaces or holding one; relative names are looked up in
#   $CREDENTIALS_DIRECTORY.
#   A running daemon whose token file becomes a FIFO: SIGHUP does not
#   block (/healthz answers within 1 s), one warning, the old token works.
. "$(dirname "$0")/../integration/lib.sh"

start_redis || exit 1
TOKEN=tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/api.token"
printf 'k-api\n' > "$T/esms.key"
printf 'k-secret\n' > "$T/esms.secret"
printf 'redis-pw\n' > "$T/redis.pw"
chmod 600 "$T/api.token" "$T/esms.key" "$T/esms.secret" "$T/redis.pw"
# conf NAME TOKEN_FILE API_KEY_FILE [REDIS_PASSWORD_FILE]
conf() {
	write_base_conf "$1"
	{
		[ -n "${4:-}" ] && printf '[redis]\npassword_file = %s\n' "$4"
		printf '[http]\ntoken_file = %s\n' "$2"
		printf '%s\n' "[provider.esms]" "plugin = esms" "channel = sms" \
		    "base_url = http://127.0.0.1:9" "api_key_file = $3" \
		    "secret_key_file = $T/esms.secret" "brandname = UBND-HK"
	} >> "$T/$1.conf"
}
# lt NAME: loa -t on it, never longer than 5 s; output in $T/lt.out.
lt() {
	timeout $((5 * TIME_SCALE)) $LOA -t -c "$T/$1.conf" > "$T/lt.out" 2>&1
}
# refused WHAT NAME PATTERN: loa -t exits 1 saying PATTERN.
refused() {
	lt "$2"
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$3" "$T/lt.out"; then
		pass "loa -t: $1"
	else
		fail "loa -t: $1"
		echo "#   exit $rc (124: blocked), said:"
		sed 's/^/#   /' "$T/lt.out"
	fi
}

conf good "$T/api.token" "$T/esms.key" "$T/redis.pw"
check "loa -t: a good config" lt good

mkfifo -m 600 "$T/fifo"
conf c1 "$T/fifo" "$T/esms.key"
refused "token file a FIFO" c1 "token_file $T/fifo: not a regular file (a FIFO)"
printf 'abc\n' > "$T/short"; chmod 600 "$T/short"
conf c2 "$T/short" "$T/esms.key"
refused "token of 3 characters" c2 "token_file $T/short: too short: want at least 16 characters"
printf '                    \n' > "$T/spaces"; chmod 600 "$T/spaces"
conf c3 "$T/spaces" "$T/esms.key"
refused "token of spaces" c3 "token_file $T/spaces: holds a space"
printf 'abcdefghijkl mnopqrstuvwxyz\n' > "$T/inner"; chmod 600 "$T/inner"
conf c4 "$T/inner" "$T/esms.key"
refused "token with a space inside" c4 "token_file $T/inner: holds a space"
printf '\n' > "$T/empty"; chmod 600 "$T/empty"
conf c5 "$T/empty" "$T/esms.key"
refused "empty token" c5 "token_file $T/empty: empty"
conf c6 "$T/api.token" "$T/nosuch.key"
refused "missing provider secret" c6 "api_key_file: $T/nosuch.key: No such file"
conf c7 "$T/api.token" "$T/esms.key" "$T/nosuch.pw"
refused "missing Redis password file" c7 "\[redis\] password_file $T/nosuch.pw: No such file"
conf c8 "$T/api.token" "$T/esms.key" "$T/fifo"
refused "Redis password file a FIFO" c8 "password_file $T/fifo: not a regular file (a FIFO)"
conf c9 "$T/api.token" "$T/fifo"
refused "provider secret a FIFO" c9 "api_key_file: $T/fifo: not a regular file (a FIFO)"
ln -s "$T/esms.key" "$T/link.key"
conf c10 "$T/api.token" "$T/link.key"
refused "provider secret a symbolic link" c10 "$T/link.key: a symbolic link"
cp "$T/esms.key" "$T/group.key"; chmod 640 "$T/group.key"
conf c11 "$T/api.token" "$T/group.key"
refused "provider secret readable by group" c11 "$T/group.key: readable by group or others (mode 640)"
cp "$T/esms.key" "$T/other.key"; chmod 600 "$T/other.key"
if [ "$(id -u)" = 0 ] && chown nobody "$T/other.key" 2>/dev/null; then
	conf c12 "$T/api.token" "$T/other.key"
	refused "provider secret owned by another user" c12 "$T/other.key: owned by uid $(id -u nobody), not by the daemon's user"
else
	echo "# skipped: not root, cannot give a file to another user"
fi
mkdir -m 700 "$T/creds"
cp "$T/api.token" "$T/esms.key" "$T/creds/"
conf c13 api.token esms.key
check "loa -t: relative names in \$CREDENTIALS_DIRECTORY" env CREDENTIALS_DIRECTORY="$T/creds" timeout 5 $LOA -t -c "$T/c13.conf"
mkfifo -m 600 "$T/creds/bad.token"
conf c14 bad.token esms.key
lt_creds() { CREDENTIALS_DIRECTORY="$T/creds" lt c14; }
lt_creds
is "loa -t: a FIFO in \$CREDENTIALS_DIRECTORY, named in full" "$?/$(grep -c "token_file $T/creds/bad.token (bad.token in \$CREDENTIALS_DIRECTORY): not a regular file (a FIFO)" "$T/lt.out")" 1/1

# --- A running daemon: its token file becomes a FIFO ---
conf a "$T/api.token" "$T/esms.key"
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
api() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	    -H "Authorization: Bearer $1" "$URL/v1/jobs/none"
}
is "the token works" "$(api "$TOKEN")" 404
rm "$T/api.token"
mkfifo -m 600 "$T/api.token"
kill -HUP "$(cat "$T/a.pid")"
sleep 0.3
is "SIGHUP with a FIFO: /healthz answers within 1 s" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/healthz")" 200
wait_for 5 "the reload refused" grep -q 'reload refused' "$T/a.out"
is "one warning, naming the file" "$(grep -c "reload refused, the running config is kept: \[http\] token_file $T/api.token: not a regular file (a FIFO)" "$T/a.out")" 1
is "the old token still works" "$(api "$TOKEN")" 404
rm "$T/api.token"
printf 'short\n' > "$T/api.token"; chmod 600 "$T/api.token"
kill -HUP "$(cat "$T/a.pid")"
wait_for 5 "the second reload refused" sh -c "[ \$(grep -c 'reload refused' '$T/a.out') -ge 2 ]"
check "a short token refused on reload" grep -q "token_file $T/api.token: too short" "$T/a.out"
is "the old token still works after it" "$(api "$TOKEN")" 404
check "no token in the log" sh -c "! grep -q '$TOKEN' '$T/a.out'"
stop_loa a
done_testing
