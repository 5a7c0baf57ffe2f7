#!/bin/sh
# run.sh -- run the fault scenarios (f_*.sh), each under a watchdog; print
# each one's figures (its "# " lines), what failed, its "NAME: N passed,
# N failed" line, and the totals.  f_outage spends most of its time
# waiting out a 60 s provider outage, so it runs beside the others and is
# reported last.
#   sh tests/faults/run.sh                   (every scenario)
#   sh tests/faults/run.sh f_kill f_redis    (some)
#   BUILD=$PWD/build-san sh tests/faults/run.sh   (sanitizer build)
dir=$(dirname "$0")
WATCHDOG=${WATCHDOG:-600}
out=$(mktemp -d /tmp/loa-faults.XXXXXX)
trap 'rm -rf "$out"' EXIT
trap 'exit 1' INT TERM
if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(ls "$dir"/f_*.sh | sed 's|.*/||; s|\.sh$||')
	names=$(echo $names)
fi
pass=0
fail=0
bad=""

# run NAME: the scenario under the watchdog; its output, exit status and
# seconds go to $out/NAME.{log,rc,s}.
run() {
	local start
	start=$(date +%s)
	timeout -k 5 "$WATCHDOG" sh "$dir/$1.sh" > "$out/$1.log" 2>&1
	echo $? > "$out/$1.rc"
	echo $(( $(date +%s) - start )) > "$out/$1.s"
}

report() {
	local rc last p f
	rc=$(cat "$out/$1.rc")
	last=$(tail -1 "$out/$1.log")
	p=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=0
	grep -e '^# ' -e '^not ok' "$out/$1.log"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "$1: killed by the ${WATCHDOG}s watchdog"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	[ "$f" -ne 0 ] && bad="$bad $1"
	pass=$((pass + p))
	fail=$((fail + f))
	echo "$last ($(cat "$out/$1.s") s)"
}

start=$(date +%s)
bg=""
case " $names " in
*" f_outage "*)
	run f_outage &
	bg=$!
	;;
esac
for n in $names; do
	[ "$n" = f_outage ] && continue
	run "$n"
	report "$n"
done
if [ -n "$bg" ]; then
	wait "$bg"
	report f_outage
fi
[ -n "$bad" ] && echo "failing:$bad"
echo "faults: $pass passed, $fail failed ($(( $(date +%s) - start )) s)"
[ "$fail" -eq 0 ]
