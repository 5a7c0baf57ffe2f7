#!/bin/sh
# t_install.sh -- make install honours PREFIX and DESTDIR, rebuilds what
# compiles a path in when PREFIX differs from the plain `make` before it,
# rewrites the installed loa.conf and unit for those paths, installs the
# docs, and make uninstall removes what it put but the config.
#
# It works on a copy of $BUILD (B=$T/b): the rebuild for another PREFIX
# must not change the binaries the other tests run.  $BUILD is a plain
# build (not SANITIZE=).
# serial: installs into system paths
. "$(dirname "$0")/lib.sh"

cp -a "$BUILD" "$T/b"
mk() {
	make -s -C "$ROOT" B="$T/b" "$@"
}

# 1. Staged (DESTDIR), PREFIX=/opt/loa after a plain make.
mk install DESTDIR="$T/stage" PREFIX=/opt/loa >"$T/install.out" 2>&1
is "make install exits 0" "$?" 0
for f in opt/loa/sbin/loa opt/loa/bin/loactl opt/loa/lib/loa/plugins/console.so \
    opt/loa/include/loa/provider.h etc/loa/loa.conf \
    opt/loa/share/doc/loa/README.md opt/loa/share/doc/loa/README-zalo_zns.md \
    opt/loa/share/doc/loa/examples/ward-notice.json \
    opt/loa/share/loa/wards/hanoi.csv opt/loa/share/loa/monitoring/loa-dashboard.json \
    opt/loa/share/loa/www/index.html opt/loa/share/loa/www/app.js \
    opt/loa/share/man/man8/loa.8 opt/loa/lib/systemd/system/loa.service; do
	check "installed $f" test -f "$T/stage/$f"
done
check "loa is executable" test -x "$T/stage/opt/loa/sbin/loa"
check "loa looks for the console in PREFIX's share/loa/www" \
    grep -q /opt/loa/share/loa/www "$T/stage/opt/loa/sbin/loa"
check "nothing outside DESTDIR" sh -c "! test -e /opt/loa/sbin/loa"
printf '[provider.c]\nplugin = console\n[daemon]\nplugin_dir = %s\n' \
    "$T/stage/opt/loa/lib/loa/plugins" > "$T/p.conf"
check "installed daemon checks a config" "$T/stage/opt/loa/sbin/loa" -t -c "$T/p.conf"
# The plugin directory compiled in is PREFIX's, not the plain make's.
printf '[provider.s]\nplugin = nosuch\n' > "$T/n.conf"
"$T/stage/opt/loa/sbin/loa" -t -c "$T/n.conf" >"$T/n.out" 2>&1
check "rebuilt for PREFIX: plugins looked for in /opt/loa/lib/loa/plugins" \
    grep -q '/opt/loa/lib/loa/plugins/nosuch\.so' "$T/n.out"
is "installed loa.conf names PREFIX's plugin_dir" \
    "$(sed -n 's/^plugin_dir *= *//p' "$T/stage/etc/loa/loa.conf")" \
    /opt/loa/lib/loa/plugins
is "the log directory, mode 750" \
    "$(stat -c %a "$T/stage/var/log/loa" 2>&1)" 750
is "installed loa.conf is mode 640" \
    "$(stat -c %a "$T/stage/etc/loa/loa.conf")" 640
is "installed unit runs PREFIX's loa" \
    "$(sed -n 's/^ExecStart=//p' "$T/stage/opt/loa/lib/systemd/system/loa.service")" \
    "/opt/loa/sbin/loa -c /etc/loa/loa.conf"

# A second install keeps the operator's config.
echo '; mine' >> "$T/stage/etc/loa/loa.conf"
mk install DESTDIR="$T/stage" PREFIX=/opt/loa >/dev/null 2>&1
check "reinstall keeps a modified loa.conf" \
    grep -q '^; mine$' "$T/stage/etc/loa/loa.conf"

# 2. make uninstall removes what install put, keeps the config.
mk uninstall DESTDIR="$T/stage" PREFIX=/opt/loa >"$T/uninstall.out" 2>&1
is "make uninstall exits 0" "$?" 0
is "only the config is left" "$(cd "$T/stage" && find . -type f)" \
    ./etc/loa/loa.conf
check "uninstall says it kept the config" \
    grep -q 'kept .*/etc/loa/loa.conf' "$T/uninstall.out"
check "plugin, doc, data and (empty) log directories removed" \
    sh -c "! test -e '$T/stage/opt/loa/lib/loa' && \
    ! test -e '$T/stage/opt/loa/share/doc/loa' && \
    ! test -e '$T/stage/opt/loa/share/loa' && \
    ! test -e '$T/stage/var/log/loa'"

# 3. A real install (no DESTDIR) in another PREFIX and LOGDIR: the
# installed config, with its secret supplied as systemd would, passes
# loa -t as installed.
INST="PREFIX=$T/inst SYSCONFDIR=$T/inst/etc LOGDIR=$T/inst/log"
# shellcheck disable=SC2086
mk install $INST >"$T/inst.out" 2>&1
is "make install PREFIX=$T/inst exits 0" "$?" 0
mkdir -m 700 "$T/cred"
printf 'an-api-token-of-32-characters-xx\n' > "$T/cred/api-token"
chmod 600 "$T/cred/api-token"
CREDENTIALS_DIRECTORY=$T/cred "$T/inst/sbin/loa" -t \
    -c "$T/inst/etc/loa/loa.conf" >"$T/t.out" 2>&1
is "installed loa -t on the installed loa.conf" "$?" 0
is "the installed loa.conf logs in LOGDIR" \
    "$(sed -n 's/^log *= *//p' "$T/inst/etc/loa/loa.conf")" \
    "$T/inst/log/delivery.log"
sed 's/^/#   /' "$T/t.out"
printf '[provider.h]\nplugin = nosuch\n' > "$T/n2.conf"
"$T/inst/sbin/loa" -t -c "$T/n2.conf" >"$T/n2.out" 2>&1
check "the installed loa looks in $T/inst/lib/loa/plugins" \
    grep -q "$T/inst/lib/loa/plugins/nosuch\\.so" "$T/n2.out"
# shellcheck disable=SC2086
mk uninstall $INST >/dev/null 2>&1
is "after uninstall only the config is left" \
    "$(cd "$T/inst" && find . -type f)" ./etc/loa/loa.conf

# 4. The shipped loa.conf agrees with loa.service: every secret it names
# (examples in comments too) is a relative name the unit loads with
# LoadCredential=, and Redis is where Debian's redis-server listens.
grep -E '^;? *[a-z_]*_file *=' "$ROOT/conf/loa.conf" |
    sed 's/^;* *[a-z_]* *= *//' > "$T/secrets"
check "the shipped loa.conf names secrets" test -s "$T/secrets"
while read -r s; do
	case $s in
	/*)	fail "secret $s is named relatively" ;;
	*)	check "loa.service loads secret $s" \
		    grep -qx "LoadCredential=$s" "$ROOT/systemd/loa.service" ;;
	esac
done < "$T/secrets"
is "the shipped Redis url is Debian's redis-server" \
    "$(sed -n 's/^url *= *//p' "$ROOT/conf/loa.conf")" redis://127.0.0.1:6379/0
done_testing
