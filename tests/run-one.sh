#!/bin/sh
# run-one.sh TEST RESULTS -- run one integration or hostile test (a t_*.sh
# or h_*.sh) under the watchdog (WATCHDOG seconds), print its summary
# line (and, when it failed, its failed checks and comments) in one
# write, and leave "PASSED FAILED" in RESULTS/<name> for run.sh's totals.
t=$1
res=$2
name=$(basename "$t" .sh)
start=$(date +%s)
out=$(timeout -k 5 "$WATCHDOG" sh "$t" 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -1)
p=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(printf '%s\n' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$p" ] || p=0
[ -n "$f" ] || f=0
say=""
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	say="# $name: killed by the ${WATCHDOG}s watchdog"
	f=$((f + 1))
elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
if [ "$f" -ne 0 ]; then
	g=$(printf '%s\n' "$out" | grep -e '^not ok' -e '^#' | head -30)
	[ -z "$g" ] || say="$say${say:+
}$g"
fi
[ -z "$say" ] || say="$say
"
printf '%s%s: %s passed, %s failed (%s s)\n' "$say" "$name" "$p" "$f" \
    "$(( $(date +%s) - start ))"
echo "$p $f" > "$res/$name"
