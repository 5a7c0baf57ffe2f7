#!/bin/sh
# t_systemd.sh -- the operator surface as installed: `make install` puts
# the unit, the sysusers and logrotate files and the three man pages under
# DESTDIR; the man pages render without a warning; the unit passes
# `systemd-analyze verify` and rates 2.0 or better in `systemd-analyze
# security`; the sysusers file makes the user; logrotate rotates with the
# shipped rules.  No systemd needs to run: every tool works on files.  A
# check whose tool is missing (systemd-analyze, groff, logrotate, ...) is
# skipped with a "# skipped:" line and counts neither way.
# serial: runs systemd tools on this machine
. "$(dirname "$0")/lib.sh"

S=$T/stage
MAN=$S/usr/local/share/man
UNIT=$S/usr/local/lib/systemd/system/loa.service
have() { command -v "$1" >/dev/null 2>&1; }
skip() { echo "# skipped: $*"; }
# A copy of the build: PREFIX=/opt/loa rebuilds what compiles the plugin
# directory in, which must not change the binaries other tests run.
cp -a "$BUILD" "$T/b"

make -s -C "$ROOT" B="$T/b" install DESTDIR="$S" \
    PREFIX=/usr/local >"$T/install.out" 2>&1
is "make install exits 0" "$?" 0
for f in usr/local/share/man/man8/loa.8 usr/local/share/man/man1/loactl.1 \
    usr/local/share/man/man5/loa.conf.5 \
    usr/local/lib/systemd/system/loa.service \
    usr/local/lib/sysusers.d/loa.conf etc/logrotate.d/loa; do
	check "installed $f" test -f "$S/$f"
	is "$f is mode 644" "$(stat -c %a "$S/$f" 2>/dev/null)" 644
done
check "PREFIX=/usr/local: the unit is installed as it is in systemd/" \
    cmp -s "$ROOT/systemd/loa.service" "$UNIT"
check "the unit runs the installed daemon" \
    grep -qx 'ExecStart=/usr/local/sbin/loa -c /etc/loa/loa.conf' "$UNIT"
check "the installed daemon is there" test -x "$S/usr/local/sbin/loa"
for l in Type=notify NotifyAccess=main WatchdogSec=30s User=loa \
    'ExecReload=/bin/kill -HUP $MAINPID' LogsDirectory=loa; do
	check "unit has $l" grep -qx "$l" "$UNIT"
done

# Another PREFIX: the unit follows it.
make -s -C "$ROOT" B="$T/b" install DESTDIR="$T/opt" \
    PREFIX=/opt/loa >"$T/install2.out" 2>&1
is "make install PREFIX=/opt/loa exits 0" "$?" 0
check "PREFIX=/opt/loa: the unit runs /opt/loa/sbin/loa" grep -qx \
    'ExecStart=/opt/loa/sbin/loa -c /etc/loa/loa.conf' \
    "$T/opt/opt/loa/lib/systemd/system/loa.service"
check "PREFIX=/opt/loa: man pages under it" \
    test -f "$T/opt/opt/loa/share/man/man8/loa.8"
check "nothing outside DESTDIR" sh -c '! test -e /opt/loa/share/man/man8/loa.8'

# The man pages render without a warning.
if have groff; then
	for m in man8/loa.8 man1/loactl.1 man5/loa.conf.5; do
		groff -ww -mandoc -Tutf8 "$MAN/$m" >"$T/man.out" \
		    2>"$T/man.err"
		check "$m renders" test -s "$T/man.out"
		check "$m: no groff warning" test ! -s "$T/man.err"
		[ -s "$T/man.err" ] && sed 's/^/#   /' "$T/man.err"
	done
else
	skip "no groff: man pages not rendered"
fi
if have mandoc; then
	for m in man8/loa.8 man1/loactl.1 man5/loa.conf.5; do
		check "$m: mandoc -Tlint has no warning" \
		    mandoc -Tlint -W warning,stop "$MAN/$m"
	done
fi

# systemd-analyze on a copy of the installed unit whose ExecStart points
# at the staged daemon (verify insists that the program exists), with
# MANPATH on the staged pages (verify checks Documentation=man:...).
if have systemd-analyze; then
	mkdir -p "$T/unit"
	sed "s|^ExecStart=/usr/local/sbin/loa|ExecStart=$S/usr/local/sbin/loa|" \
	    "$UNIT" >"$T/unit/loa.service"
	manopt=""
	if ! have man; then
		skip "no man: Documentation= pages not checked"
		manopt="--man=no"
	fi
	(cd "$T" && MANPATH=$MAN systemd-analyze verify $manopt \
	    unit/loa.service) >"$T/verify.out" 2>&1
	is "systemd-analyze verify exits 0" "$?" 0
	check "systemd-analyze verify says nothing" test ! -s "$T/verify.out"
	sed 's/^/#   /' "$T/verify.out"
	systemd-analyze security --offline=yes "$T/unit/loa.service" \
	    >"$T/security.out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for loa\.service: \([0-9][0-9.]*\).*/\1/p' \
	    "$T/security.out")
	echo "# systemd-analyze security: exposure ${score:-?}"
	check "security exposure $score is 2.0 or lower" \
	    awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.0) }'
else
	skip "no systemd-analyze: unit not verified or rated"
fi

# The sysusers file makes the user and group loa (in a scratch root).
if have systemd-sysusers; then
	mkdir -p "$T/root/etc"
	systemd-sysusers --root="$T/root" \
	    "$S/usr/local/lib/sysusers.d/loa.conf" >/dev/null 2>&1
	is "systemd-sysusers exits 0" "$?" 0
	check "sysusers: user loa, no login" grep -q \
	    '^loa:x:[0-9]*:[0-9]*:.*:/nonexistent:/usr/sbin/nologin$' \
	    "$T/root/etc/passwd"
	check "sysusers: group loa" grep -q '^loa:x:' "$T/root/etc/group"
else
	skip "no systemd-sysusers: sysusers file not tried"
fi

# logrotate with the shipped rules on a scratch directory: the owner is
# this user (loa may not exist here) and postrotate leaves a mark instead
# of signalling a service.
check "logrotate signals the service" grep -q \
    'systemctl kill -s HUP loa.service' "$S/etc/logrotate.d/loa"
if have logrotate; then
	mkdir -p "$T/log"
	echo '{"status":"sent"}' >"$T/log/delivery.log"
	sed -e "s|/var/log/loa/|$T/log/|" \
	    -e "s|create 0640 loa loa|create 0640 $(id -un) $(id -gn)|" \
	    -e "s|systemctl kill -s HUP loa.service.*|touch $T/postrotate|" \
	    "$S/etc/logrotate.d/loa" >"$T/logrotate.conf"
	logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" \
	    >"$T/logrotate.out" 2>&1
	is "logrotate exits 0" "$?" 0
	check "rotated to delivery.log.1 (delaycompress)" \
	    test -f "$T/log/delivery.log.1"
	check "new delivery.log created" test -f "$T/log/delivery.log"
	is "new delivery.log is mode 640" \
	    "$(stat -c %a "$T/log/delivery.log" 2>/dev/null)" 640
	check "postrotate ran" test -f "$T/postrotate"
else
	skip "no logrotate: rotation not tried"
fi

done_testing
