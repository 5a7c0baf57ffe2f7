#!/bin/sh
# t_www.sh -- the console's static files (daemon/www.c): GET / and
# GET /static/<file> from [http] www_dir with their types, the
# Content-Security-Policy on HTML, no-cache, and everything outside the
# directory's plain files refused: traversal (raw "..", "%2e%2e", "%2f"),
# hidden files, subdirectories, symbolic links, unknown types, long names,
# NUL, oversized files, other methods; a daemon without www_dir still
# serves its API.
. "$(dirname "$0")/lib.sh"

# A copy of the source tree's www/ with traps beside the real files.
mkdir -p "$T/www/sub" "$T/www/dir.js"
cp "$ROOT"/www/* "$T/www/"
echo 'secret outside' > "$T/secret.txt"
echo 'hidden' > "$T/www/.hidden.js"
echo 'in sub' > "$T/www/sub/x.js"
echo 'a config' > "$T/www/loa.conf"
ln -s ../secret.txt "$T/www/link.txt"
ln -s "$T/secret.txt" "$T/www/abs.txt"
head -c $((1024 * 1024 + 1)) /dev/zero > "$T/www/big.txt"
head -c $((1024 * 1024)) /dev/zero > "$T/www/max.txt"
echo 'ok' > "$T/www/plain.txt"
long=$(printf 'a%.0s' $(seq 1 61))
echo long > "$T/www/$long.txt"		# 65 bytes: over the limit
ok64=$(printf 'b%.0s' $(seq 1 60))
echo ok64 > "$T/www/$ok64.txt"		# 64 bytes: the limit

# [http] is the last section write_base_conf writes.
write_base_conf a
echo "www_dir = $T/www" >> "$T/a.conf"
write_base_conf b
echo "www_dir = $T/nowhere" >> "$T/b.conf"
start_redis || exit 1
start_loa a || { cat "$T/a.out"; exit 1; }
start_loa b || { cat "$T/b.out"; exit 1; }
URL=http://127.0.0.1:$(http_port a)
URLB=http://127.0.0.1:$(http_port b)

# req METHOD PATH [curl options]: the status; body in $T/body, head in
# $T/head.  --path-as-is: curl sends "..", as an attacker would.
req() {
	local m p
	m=$1 p=$2
	shift 2
	curl -s --path-as-is -o "$T/body" -D "$T/head" -w '%{http_code}' \
	    -X "$m" --max-time 15 "$@" "$URL$p"
}
head_has() { tr -d '\r' < "$T/head" | grep -qi -- "$1"; }
same() { cmp -s "$T/body" "$1"; }
not_secret() { ! grep -q 'secret outside\|in sub\|hidden\|a config' "$T/body"; }

# The console itself.
is "GET / 200" "$(req GET /)" 200
check "/ is index.html" same "$ROOT/www/index.html"
check "/ is HTML" head_has '^content-type: text/html; charset=utf-8$'
check "HTML has a CSP" head_has "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self';"
check "CSP forbids framing" head_has "^content-security-policy: .*frame-ancestors 'none'"
check "CSP allows no inline script" sh -c "! tr -d '\r' < '$T/head' | grep -i '^content-security-policy' | grep -q unsafe"
check "no-cache" head_has '^cache-control: no-cache$'
check "nosniff" head_has '^x-content-type-options: nosniff$'
check "index.html has no inline script" sh -c "! grep -q '<script>' '$ROOT/www/index.html' && ! grep -qi ' on[a-z]*=' '$ROOT/www/index.html'"
# The page itself: Vietnamese, each id once, each <label for> naming an
# element (tests/browser/console.py checks the page as drawn).
HTML=$ROOT/www/index.html
no_dup_ids() { [ -z "$(grep -o ' id="[^"]*"' "$HTML" | sort | uniq -d)" ]; }
labels_name_ids() {
	for i in $(grep -o ' for="[^"]*"' "$HTML" | cut -d'"' -f2); do
		grep -q " id=\"$i\"" "$HTML" || return 1
	done
}
check "index.html is in Vietnamese (lang=vi)" grep -q '^<html lang="vi">$' "$HTML"
check "index.html uses no id twice" no_dup_ids
check "index.html: every <label for> names an element" labels_name_ids
is "GET /static/index.html 200" "$(req GET /static/index.html)" 200
check "/static/index.html has the CSP too" head_has '^content-security-policy: '
is "app.js 200" "$(req GET /static/app.js)" 200
check "app.js is the file" same "$ROOT/www/app.js"
check "app.js type" head_has '^content-type: text/javascript; charset=utf-8$'
check "app.js no-cache" head_has '^cache-control: no-cache$'
is "app.css 200" "$(req GET /static/app.css)" 200
check "app.css is the file" same "$ROOT/www/app.css"
check "app.css type" head_has '^content-type: text/css; charset=utf-8$'
check "CSS has no CSP (not HTML)" sh -c "! tr -d '\r' < '$T/head' | grep -qi '^content-security-policy'"
for f in "$ROOT"/www/*; do
	n=$(basename "$f")
	is "every file of www/ served: $n" "$(req GET "/static/$n")" 200
done
is "plain.txt 200" "$(req GET /static/plain.txt)" 200
check "txt type" head_has '^content-type: text/plain; charset=utf-8$'
is "a file of exactly 1 MiB 200" "$(req GET /static/max.txt)" 200
check "... whole" sh -c "[ \$(wc -c < '$T/body') -eq 1048576 ]"
is "a name of 64 bytes 200" "$(req GET "/static/$ok64.txt")" 200

# Refused, without a byte of the file.
is "unknown file 404" "$(req GET /static/nope.js)" 404
check "404 is a JSON error" sh -c "jq -e '.error == \"no such file\"' '$T/body' >/dev/null"
check "404 no-cache" head_has '^cache-control: no-cache$'
is "/static/ alone 404 (no listing)" "$(req GET /static/)" 404
is "/static 404" "$(req GET /static)" 404
is "/index.html is not a route 404" "$(req GET /index.html)" 404
is "/static/../secret.txt 404" "$(req GET /static/../secret.txt)" 404
check "... not the secret" not_secret
is "/static/../../etc/passwd 404" "$(req GET /static/../../etc/passwd)" 404
check "... not passwd" sh -c "! grep -q root: '$T/body'"
is "/static/%2e%2e/secret.txt 404" "$(req GET /static/%2e%2e/secret.txt)" 404
is "/static/%2E%2E%2Fsecret.txt 404" "$(req GET /static/%2E%2E%2Fsecret.txt)" 404
is "/static/..%2fsecret.txt 404" "$(req GET /static/..%2fsecret.txt)" 404
is "/static/sub/x.js 404 (no subdirectory)" "$(req GET /static/sub/x.js)" 404
check "... not its content" not_secret
is "/static/sub%2fx.js 404" "$(req GET /static/sub%2fx.js)" 404
is "/static//etc/passwd 404" "$(req GET /static//etc/passwd)" 404
is "/static/.hidden.js 404" "$(req GET /static/.hidden.js)" 404
check "... not its content" not_secret
is "/static/loa.conf 404 (unknown type)" "$(req GET /static/loa.conf)" 404
check "... not its content" not_secret
is "/static/link.txt 404 (a symbolic link)" "$(req GET /static/link.txt)" 404
check "... not the secret" not_secret
is "/static/abs.txt 404 (a symbolic link out)" "$(req GET /static/abs.txt)" 404
check "... not the secret" not_secret
is "/static/dir.js 404 (a directory)" "$(req GET /static/dir.js)" 404
is "/static/big.txt 404 (over 1 MiB)" "$(req GET /static/big.txt)" 404
is "a name of 65 bytes 404" "$(req GET "/static/$long.txt")" 404
is "a 8 KiB path 404" "$(req GET "/static/$(head -c 8000 /dev/zero | tr '\0' a).js")" 404
is "a 20 KiB path 431 (head limit)" "$(req GET "/static/$(head -c 20000 /dev/zero | tr '\0' a).js")" 431
is "/static/app.js%00.txt 404" "$(req GET /static/app.js%00.txt)" 404
is "/static/app.js? query ignored 200" "$(req GET '/static/app.js?v=1')" 200
is "/static/app.js; 404" "$(req GET '/static/app.js;.txt')" 404
is "/static/app.JS 404 (types are lower case)" "$(req GET /static/app.JS)" 404
is "/static/app 404 (no extension)" "$(req GET /static/app)" 404
is "/static/.js 404" "$(req GET /static/.js)" 404
is "/static/\\..\\secret.txt 404" "$(req GET '/static/..\secret.txt')" 404

# A NUL byte in the request line: the parser refuses it (400), before www.c.
port=$(http_port a)
printf 'GET /static/app.js\000../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n' |
    socat -t 5 - "TCP:127.0.0.1:$port" > "$T/raw" 2>/dev/null
check "NUL in the path 400" sh -c "head -n 1 '$T/raw' | grep -q '^HTTP/1.1 400'"
check "... not the secret" sh -c "! grep -q 'secret outside' '$T/raw'"

# Methods.
is "POST / 405" "$(req POST / -d x)" 405
check "405 says Allow: GET" head_has '^allow: GET$'
is "PUT /static/app.js 405" "$(req PUT /static/app.js -d x)" 405
is "DELETE /static/app.js 405" "$(req DELETE /static/app.js)" 405
is "POST /static/nope 405 (method first)" "$(req POST /static/nope -d x)" 405

# The API beside it is unchanged.
is "healthz still 200" "$(req GET /healthz)" 200
is "/v1/jobs still wants credentials: 401" "$(req GET /v1/jobs)" 401
is "other paths still 404" "$(req GET /nope)" 404
check "other 404 is the API's" sh -c "jq -e '.error == \"no such path\"' '$T/body' >/dev/null"

# A daemon whose www_dir is missing: says so, serves no console, runs.
check "missing www_dir is logged" grep -q "http: no console: $T/nowhere/index.html is not readable" "$T/b.out"
is "no console: GET / 404" "$(curl -s -o "$T/body" -w '%{http_code}' "$URLB/")" 404
is "no console: healthz 200" "$(curl -s -o "$T/body" -w '%{http_code}' "$URLB/healthz")" 200
check "a daemon with a console does not log that" sh -c "! grep -q 'no console' '$T/a.out'"

# loa -t knows the key; the default is compiled in.
check "loa -t accepts www_dir" $LOA -t -c "$T/a.conf"
check "strings: default www_dir compiled in" sh -c "strings '$BUILD/loa' | grep -q '/share/loa/www'"

stop_loa a
stop_loa b
done_testing
