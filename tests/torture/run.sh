#!/bin/sh
# run.sh -- `make check-torture`: the seeded randomized scenarios of
# tests/torture (README.md there).  Runs every seed of tests/torture/corpus,
# then TORTURE_RUNS (default 3) new random seeds; with TORTURE_SEED=N only
# seed N.  Each seed runs seed.sh under a watchdog (TORTURE_WATCHDOG
# seconds, default 420: a hang fails, never blocks); its output is shown
# as it comes.  Ends with the failing seeds, how to replay them, and a
# plain "N passed, N failed" line counting checks; exits 1 when a check
# failed.
#   BUILD=$PWD/build sh tests/torture/run.sh
#   TORTURE_SEED=1234 sh tests/torture/run.sh      (KEEP=1 keeps its files)
dir=$(cd "$(dirname "$0")" && pwd)
RUNS=${TORTURE_RUNS:-3}
WATCHDOG=${TORTURE_WATCHDOG:-420}
out=$(mktemp -d /tmp/loa-torture.XXXXXX)

# A seed killed by the watchdog may leave its processes: kill what its
# temp dir lists (pid files), then remove it (unless KEEP=1).
reap() {
	local t p
	[ -s "$1" ] || return 0
	t=$(cat "$1")
	[ -d "$t" ] || return 0
	for p in "$t"/*.pid; do
		[ -f "$p" ] || continue
		kill -9 "$(cat "$p")" 2>/dev/null
	done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$t"
}
cleanup() {
	local f
	for f in "$out"/*.tdir; do [ -f "$f" ] && reap "$f"; done
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

case ${TORTURE_SEED:-} in
"")
	seeds=$(sed -e 's/#.*//' "$dir/corpus" | tr -s ' \t' '\n\n' | grep .)
	n=0
	while [ $n -lt "$RUNS" ]; do
		seeds="$seeds $(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
		n=$((n + 1))
	done
	;;
*[!0-9]*)
	echo "TORTURE_SEED must be a number" >&2
	exit 2
	;;
*)
	seeds=$TORTURE_SEED
	;;
esac

pass=0
fail=0
bad=""
start=$(date +%s)
for s in $seeds; do
	t0=$(date +%s)
	# the seed's output as it comes, and into $out/s.log; its exit status
	# into $out/s.rc
	{
		TORTURE_TDIR_FILE=$out/$s.tdir timeout -k 5 "$WATCHDOG" \
		    sh "$dir/seed.sh" "$s" 2>&1
		echo $? > "$out/$s.rc"
	} | tee "$out/$s.log"
	reap "$out/$s.tdir"
	rc=$(cat "$out/$s.rc")
	last=$(grep '^torture seed [0-9]*: [0-9]* passed, [0-9]* failed$' "$out/$s.log" | tail -1)
	p=$(printf '%s\n' "$last" | sed -n 's/^torture seed [0-9]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$last" | sed -n 's/^torture seed [0-9]*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=0
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - seed $s: killed by the ${WATCHDOG} s watchdog"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - seed $s: seed.sh exited $rc without a failed check"
		f=1
	fi
	[ "$f" -ne 0 ] && bad="$bad $s"
	pass=$((pass + p))
	fail=$((fail + f))
	echo "# seed $s: $p passed, $f failed in $(( $(date +%s) - t0 )) s"
done
echo "# torture: $(echo $seeds | wc -w) seed(s) in $(( $(date +%s) - start )) s"
if [ -n "$bad" ]; then
	echo "# failing seeds:$bad"
	for s in $bad; do echo "#   replay: TORTURE_SEED=$s make check-torture"; done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
