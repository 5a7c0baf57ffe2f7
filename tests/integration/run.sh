#!/bin/sh
# run.sh -- run every integration test (t_*.sh) against real redis-server
# and loa processes, each under a watchdog, and print the totals.
#   BUILD=build-asan sh tests/integration/run.sh     (sanitizer build)
#   sh tests/integration/run.sh t_sigterm            (one test)
#   TEST_JOBS=1 sh tests/integration/run.sh          (one at a time)
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
# Tests run TEST_JOBS at a time (2; 1 under valgrind or the sanitizers,
# whose slowdown the deadlines already stretch), except those whose
# header has a line "# serial: <why>" (they measure time, rates or
# memory, or touch the machine: dpkg, systemd): those run alone, after.
jobs=${TEST_JOBS:-2}
if [ "${VALGRIND:-0}" = 1 ] || [ -n "${SANITIZE:-}" ]; then
	jobs=1
fi
if [ $# -gt 0 ]; then
	tests=""
	for t in "$@"; do tests="$tests $dir/$t.sh"; done
else
	tests=$(ls "$dir"/"$glob"*.sh)
fi
res=$(mktemp -d /tmp/loa-run.XXXXXX)
trap 'rm -rf "$res"' EXIT
export WATCHDOG
one=$(dirname "$0")/../run-one.sh
if [ "$jobs" -le 1 ]; then
	for t in $tests; do sh "$one" "$t" "$res"; done
else
	together=""
	alone=""
	for t in $tests; do
		if grep -q '^# serial:' "$t"; then
			alone="$alone $t"
		else
			together="$together $t"
		fi
	done
	# shellcheck disable=SC2086
	[ -z "$together" ] || printf '%s\n' $together |
	    xargs -P "$jobs" -I{} sh "$one" {} "$res"
	for t in $alone; do sh "$one" "$t" "$res"; done
fi
pass=0
fail=0
bad=""
for t in $tests; do
	name=$(basename "$t" .sh)
	if [ -f "$res/$name" ]; then
		read -r p f < "$res/$name"
	else
		echo "$name: no result"
		p=0
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] || bad="$bad $name"
done
[ -n "$bad" ] && echo "failing:$bad"
echo "$suite: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
