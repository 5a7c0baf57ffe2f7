#!/bin/sh
# run-unit.sh -- run the unit test programs given as arguments (TAP) and
# print one summary line "N passed, N failed".
pass=0
fail=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	n=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -A3 '^not ok ' | head -40
		echo "FAIL $t ($f of $((n + f)) checks failed, exit $rc)"
		fail=$((fail + 1))
	else
		echo "ok   $t ($n checks)"
		pass=$((pass + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
