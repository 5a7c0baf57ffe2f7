#!/bin/sh
# t_deb.sh -- the Debian package as an operator gets it: `make deb` builds
# loa_<LOA_VERSION>_<arch>.deb (in $T, from a copy of the sources), lintian
# finds no error, `dpkg -i` installs it on this machine (the loa user, the
# conffiles, the unit enabled but not started), the installed loa checks
# the installed config once its documented secret exists and sends a
# first broadcast to the console, and `dpkg --purge` leaves nothing of it
# but the loa user (Debian keeps system users) and /etc/credstore (the
# administrator's secrets).
#
# Needs root (dpkg -i); CI runs as root.  Refuses to touch a loa package
# already installed.  About a minute: dpkg-buildpackage compiles it all.
# serial: dpkg installs and purges the package on this machine
. "$(dirname "$0")/lib.sh"

# The package is the same whatever checks the build: CI builds and
# installs it in its first stage, not again under the sanitizers or
# valgrind (a minute each, that proves nothing more).
if [ -n "${SANITIZE:-}" ] || [ "${VALGRIND:-0}" = 1 ]; then
	echo "# skipped under SANITIZE or VALGRIND: the first stage built it"
	done_testing
	exit
fi

VERSION=$(sed -n 's/^#define LOA_VERSION[^"]*"\([^"]*\)".*/\1/p' \
    "$ROOT/daemon/loa.h")
DEB=$T/deb/loa_${VERSION}_$(dpkg --print-architecture).deb
UNIT_LINK=/etc/systemd/system/multi-user.target.wants/loa.service
ours=0
credstore_was=0
[ -d /etc/credstore ] && credstore_was=1

# Whatever happens, a package this test installed does not stay.
undo() {
	for p in "$T"/*.pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	if [ "$ours" = 1 ] &&
	    dpkg-query -W -f='${Status}' loa 2>/dev/null | grep -q installed; then
		dpkg --purge loa >/dev/null 2>&1
	fi
	[ "$ours" = 1 ] && [ "$credstore_was" = 0 ] &&
	    rmdir /etc/credstore 2>/dev/null
	cleanup
}
trap undo EXIT

if [ "$(id -u)" -ne 0 ]; then
	fail "t_deb installs a package with dpkg -i: run it as root"
	done_testing
	exit 1
fi
if dpkg-query -W -f='${Status}' loa 2>/dev/null | grep -q installed; then
	fail "a loa package is installed on this machine ($(dpkg-query \
	    -W -f='${Version}' loa)): t_deb will not touch it"
	done_testing
	exit 1
fi

# 1. Build and lint.
make -s -C "$ROOT" deb DEBDIR="$T/deb" LINTIAN= >"$T/build.out" 2>&1
rc=$?
is "make deb exits 0" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$T/build.out" | sed 's/^/#   /'
check "make deb built $(basename "$DEB")" test -f "$DEB"
if ! [ -f "$DEB" ]; then
	done_testing
	exit 1
fi
lintian "$DEB" >"$T/lintian.out" 2>&1
is "lintian: no errors" "$(grep -c '^E:' "$T/lintian.out")" 0
grep -e '^E:' -e '^W:' "$T/lintian.out" | sed 's/^/#   lintian /'
dpkg-deb -e "$DEB" "$T/ctrl"
# Not started on install: no start or restart (an upgrade's try-restart
# only restarts a running loa); stopped before removal.
check "the unit is not started on install" \
    sh -c "! grep -Eq 'deb-systemd-invoke +(start|restart|[$]_dh_action) ' '$T/ctrl/postinst'"
check "the unit is stopped on removal" \
    grep -q 'deb-systemd-invoke stop loa.service' "$T/ctrl/prerm"
is "conffiles" "$(cat "$T/ctrl/conffiles")" \
    "$(printf '/etc/loa/loa.conf\n/etc/logrotate.d/loa')"

# 2. Install.
ours=1
dpkg -i "$DEB" >"$T/dpkg-i.out" 2>&1
rc=$?
is "dpkg -i exits 0" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/dpkg-i.out"
for f in /usr/sbin/loa /usr/bin/loactl /usr/lib/loa/plugins/console.so \
    /usr/lib/loa/plugins/zalo_zns.so /usr/include/loa/provider.h \
    /etc/loa/loa.conf /etc/logrotate.d/loa /lib/systemd/system/loa.service \
    /usr/lib/sysusers.d/loa.conf /usr/share/man/man8/loa.8.gz \
    /usr/share/man/man1/loactl.1.gz /usr/share/man/man5/loa.conf.5.gz \
    /usr/share/doc/loa/README.md.gz /usr/share/doc/loa/copyright \
    /usr/share/doc/loa/examples/ward-notice.json /usr/share/loa/monitoring/loa-alerts.yml \
    /usr/share/loa/wards/hanoi.csv; do
	check "installed $f" test -f "$f"
done
if [ -f "$ROOT/conf/loactl.bash-completion" ]; then
	check "installed bash completion" \
	    test -f /usr/share/bash-completion/completions/loactl
fi
check "the loa user exists" getent passwd loa
is "loa.conf: root:loa, mode 640" \
    "$(stat -c '%U:%G %a' /etc/loa/loa.conf 2>&1)" "root:loa 640"
is "the unit is enabled" "$(readlink "$UNIT_LINK")" \
    /lib/systemd/system/loa.service
is "the unit runs /usr/sbin/loa" \
    "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/loa.service)" \
    "/usr/sbin/loa -c /etc/loa/loa.conf"
is "plugin_dir of the installed config" \
    "$(sed -n 's/^plugin_dir *= *//p' /etc/loa/loa.conf)" \
    /usr/lib/loa/plugins
is "/var/log/loa: loa:loa, mode 750" \
    "$(stat -c '%U:%G %a' /var/log/loa 2>&1)" "loa:loa 750"
is "/etc/credstore exists, mode 700" \
    "$(stat -c %a /etc/credstore 2>&1)" 700

# 3. The installed tools.  The documented secret, handed over as
# systemd's LoadCredential= does (owned by the service user), and loa -t
# as user loa on the installed config.
chmod 711 "$T"
mkdir -m 700 "$T/cred"
head -c 32 /dev/urandom | base64 > "$T/cred/api-token"
chmod 600 "$T/cred/api-token"
chown -R loa:loa "$T/cred"
runuser -u loa -- env CREDENTIALS_DIRECTORY="$T/cred" \
    /usr/sbin/loa -t -c /etc/loa/loa.conf >"$T/t.out" 2>&1
is "loa -t -c /etc/loa/loa.conf (as loa)" "$?" 0
sed 's/^/#   /' "$T/t.out"
# loactl --version (part E), else loa -V (part A): whichever exists.
v=$(/usr/bin/loactl --version 2>/dev/null) || v=$(/usr/sbin/loa -V 2>&1)
case $v in
*"$VERSION"*)	pass "the installed tools say version $VERSION" ;;
*)		fail "the installed tools say version $VERSION"
		echo "#   got '$v'" ;;
esac

# 4. A first broadcast with the installed pieces, as in the operations
# guide: loa as user loa on the installed config (only Redis, a private
# one here, and the listen port differ), /var/log/loa as the package
# makes it, the wards and an example job the package ships.
# An urgent job: quiet hours do not hold it back.
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 777 \
    --dir "$T" --appendonly yes --save "" --daemonize yes \
    --pidfile "$T/redis.pid" --logfile "$T/redis.log"
wait_for 10 "redis up" sh -c "redis-cli -s '$SOCK' ping 2>/dev/null | grep -q PONG"
sed -e "s|^url = .*|url = unix://$SOCK|" \
    -e 's|^listen = .*|listen = 127.0.0.1:0|' /etc/loa/loa.conf > "$T/op.conf"
chmod 644 "$T/op.conf"
CREDENTIALS_DIRECTORY=$T/cred setpriv --reuid=loa --regid=loa --init-groups \
    /usr/sbin/loa -c "$T/op.conf" 2>"$T/loa.err" &
echo $! > "$T/loa.pid"
CTL="/usr/bin/loactl -c $T/op.conf"
$CTL import wards /usr/share/loa/wards/hanoi.csv >"$T/ctl.out" 2>&1
is "loactl import wards /usr/share/loa/wards/hanoi.csv" "$?" 0
$CTL import residents /usr/share/doc/loa/examples/residents.csv \
    >>"$T/ctl.out" 2>&1
is "loactl import residents (the example)" "$?" 0
$CTL send /usr/share/doc/loa/examples/flood-alert.json --wait --timeout 30 \
    >>"$T/ctl.out" 2>&1
rc=$?
is "loactl send flood-alert.json --wait" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/ctl.out" "$T/loa.err" | tail -20
check "the console provider wrote the messages" \
    test -s /var/log/loa/console.out
check "the delivery log is written" test -s /var/log/loa/delivery.log
stop_pid "$T/loa.pid" TERM loa
is "loa stops cleanly" "$?" 0

# 5. Purge.
dpkg --purge loa >"$T/purge.out" 2>&1
is "dpkg --purge exits 0" "$?" 0
check "loa is no longer installed" \
    sh -c "! dpkg-query -W -f='\${Status}' loa 2>/dev/null | grep -q installed"
for f in /usr/sbin/loa /usr/bin/loactl /usr/lib/loa /usr/include/loa \
    /etc/loa /etc/logrotate.d/loa /lib/systemd/system/loa.service \
    /usr/lib/sysusers.d/loa.conf /usr/share/doc/loa /usr/share/loa \
    /var/log/loa "$UNIT_LINK"; do
	check "purged $f" sh -c "! test -e '$f' && ! test -L '$f'"
done
done_testing
