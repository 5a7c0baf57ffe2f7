#!/bin/sh
# run.sh -- run every integration test (t_*.sh) against real redis-server
# and loa processes, each under a watchdog, and print the totals.
#   BUILD=build-asan sh tests/integration/run.sh     (sanitizer build)
#   sh tests/integration/run.sh t_sigterm            (one test)
#   VALGRIND=1 sh tests/integration/run.sh           (under valgrind, lib.sh)
#   tests/hostile/run.sh runs its h_*.sh the same way (SUITE=hostile).
dir=${SUITE_DIR:-$(dirname "$0")}
suite=${SUITE:-integration}
glob=${SUITE_GLOB:-t_}
if [ "${VALGRIND:-0}" = 1 ]; then
	sh "$(dirname "$0")/../valgrind.sh" --deps || exit 1
	WATCHDOG=${WATCHDOG:-900}
else
	WATCHDOG=${WATCHDOG:-300}
fi
pass=0
fail=0
bad=""
if [ $# -gt 0 ]; then
	tests=""
	for t in "$@"; do tests="$tests $dir/$t.sh"; done
else
	tests=$(ls "$dir"/"$glob"*.sh)
fi
for t in $tests; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	out=$(timeout -k 5 "$WATCHDOG" sh "$t" 2>&1)
	rc=$?
	last=$(printf '%s\n' "$out" | tail -1)
	p=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=0
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "$name: killed by the ${WATCHDOG}s watchdog"
		f=$((f + 1))
	elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -e '^not ok' -e '^#' | head -30
		bad="$bad $name"
	fi
	echo "$last ($(( $(date +%s) - start )) s)"
done
[ -n "$bad" ] && echo "failing:$bad"
echo "$suite: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
