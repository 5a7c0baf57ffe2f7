#!/bin/sh
# run-unit.sh -- run the unit test programs given as arguments (TAP) and
# print one summary line "N passed, N failed".  VALGRIND=1 runs each
# under valgrind's memcheck (tests/valgrind.sh): a memory error or a leak
# fails the program, with valgrind's report.
pass=0
fail=0
vg=""
if [ "${VALGRIND:-0}" = 1 ]; then
	sh "$(dirname "$0")/valgrind.sh" --deps || exit 1
	vg="sh $(dirname "$0")/valgrind.sh"
	VG_LOGS=$(mktemp -d /tmp/loa-unit-vg.XXXXXX)
	export VG_LOGS
fi
for t in "$@"; do
	out=$($vg "$t" 2>&1)
	rc=$?
	vgbad=""
	for f in ${vg:+"$VG_LOGS"/*.log}; do
		[ -f "$f" ] || continue
		if sh "$(dirname "$0")/valgrind.sh" --verdict "$f" >"$f.bad"
		then
			vgbad="$vgbad$(sed 's/^/#   /' "$f.bad" | head -60)
"
			out="$out
not ok - valgrind: $(basename "$f" .log)"
		fi
		rm -f "$f" "$f.bad"
	done
	n=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -A3 '^not ok ' | head -40
		printf '%s' "$vgbad"
		echo "FAIL $t ($f of $((n + f)) checks failed, exit $rc)"
		fail=$((fail + 1))
	else
		echo "ok   $t ($n checks)"
		pass=$((pass + 1))
	fi
done
[ -n "$vg" ] && rmdir "$VG_LOGS"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
