#!/bin/sh
# t_install.sh -- make install honours PREFIX and DESTDIR, and the
# installed daemon finds its installed plugins.
. "$(dirname "$0")/lib.sh"

make -s -C "$ROOT" B="$(basename "$BUILD")" install DESTDIR="$T/stage" \
    PREFIX=/opt/loa >"$T/install.out" 2>&1
is "make install exits 0" "$?" 0
for f in opt/loa/sbin/loa opt/loa/bin/loactl opt/loa/lib/loa/plugins/console.so \
    opt/loa/include/loa/provider.h etc/loa/loa.conf; do
	check "installed $f" test -f "$T/stage/$f"
done
check "loa is executable" test -x "$T/stage/opt/loa/sbin/loa"
check "nothing outside DESTDIR" sh -c "! test -e /opt/loa/sbin/loa"
printf '[provider.c]\nplugin = console\n[daemon]\nplugin_dir = %s\n' \
    "$T/stage/opt/loa/lib/loa/plugins" > "$T/p.conf"
check "installed daemon checks a config" "$T/stage/opt/loa/sbin/loa" -t -c "$T/p.conf"
done_testing
