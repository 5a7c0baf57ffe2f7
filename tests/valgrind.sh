#!/bin/sh
# valgrind.sh -- run a program under valgrind's memcheck, as `make check
# VALGRIND=1` runs the unit tests and every loa and loactl of the
# integration tests:
#
#	sh tests/valgrind.sh PROGRAM [ARGS...]
#
# Any memory error, and any block definitely or indirectly lost at exit,
# makes the program exit 99 (what is still reachable at exit is not a
# leak: libraries keep such memory on purpose).  With VG_LOGS=DIR the
# report goes to DIR/PROGRAM.PID.log, else to standard error; vg_verdict
# below reads such a log.  Suppressions of known errors inside the
# libraries Loa uses are in tests/valgrind.supp.
#
#	sh tests/valgrind.sh --deps		install valgrind if missing
#	sh tests/valgrind.sh --verdict LOG	what in LOG is an error or leak
set -u
if [ "${1:-}" = --deps ]; then
	# --deps: install valgrind when missing (as root), or say how.
	command -v valgrind >/dev/null 2>&1 && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "VALGRIND=1 needs valgrind; run: sudo apt-get update &&" \
		    "sudo apt-get install -y valgrind" >&2
		exit 1
	fi
	echo "valgrind: installing valgrind"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null &&
	    apt-get install -y -q --no-install-recommends valgrind >/dev/null
	exit
fi
if [ "${1:-}" = --verdict ]; then
	# --verdict LOG: the lines of LOG that report an error or a leak
	# (valgrind's warnings aside); none: exit 1.
	grep -v -e '^==[0-9]*== *$' -e '^==[0-9]*== Warning: ' "$2" | grep .
	exit
fi
name=$(basename "$1")
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --num-callers=30 \
    --suppressions="$(dirname "$0")/valgrind.supp" \
    ${VG_LOGS:+--log-file="$VG_LOGS/$name.%p.log"} "$@"
