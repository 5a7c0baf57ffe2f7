#!/bin/sh
# seed.sh SEED -- one seeded randomized scenario of the delivery engine
# (tests/torture/README.md).  Run by run.sh under a watchdog; alone:
#   BUILD=$PWD/build sh tests/torture/seed.sh 42      (KEEP=1 keeps $T)
#
# 1. A private redis-server and loa-mock on loopback (lib.sh, mock.sh).
# 2. gen.awk draws the world from the seed: providers (plugin, rate,
#    carriers, max_inflight, max_attempts), daemons, the directory, the
#    jobs, the mock's answer mix and a timetable of events.
# 3. The mock gets the answer mix (keys it does not know yet are left out
#    and said so), the directory is imported with loactl, the daemons
#    start, loactl preview confirms each job's segments, the jobs are
#    added to loa:jobs at once.
# 4. The events run at their times (ms after the submit): kill -9 of a
#    daemon and a new one in its slot, SIGSTOP/SIGCONT, SIGHUP after new
#    weights are written, provider pause/resume, a burst of 429s with an
#    absurd Retry-After.  Meanwhile and afterwards the jobs are polled
#    until every one is done or the liveness bound has passed.
# 5. The daemons are stopped (SIGCONT, SIGTERM) and the checks run:
#    the ledger and duplicates (check.awk), liveness, rate.
#
# Every line says "seed N"; the last is "torture seed N: P passed, F
# failed".  A harness failure (a process that does not start, a config
# the mock refuses) is a "not ok ... harness:" line and ends the seed.

SEED=${1:?usage: seed.sh SEED}
case $SEED in *[!0-9]*) echo "seed.sh: the seed is a number" >&2; exit 2 ;; esac
. "$(dirname "$0")/../faults/lib-faults.sh"
TT=$ROOT/tests/torture
TNAME="torture seed $SEED"
[ -n "${TORTURE_TDIR_FILE:-}" ] && echo "$T" > "$TORTURE_TDIR_FILE"
echo "torture: seed $SEED"

tpass() { pass "seed $SEED: $*"; }
tfail() { fail "seed $SEED: $*"; }
harness() {
	tfail "harness: $*"
	done_testing
	exit 1
}
# say: a "# " line with the time since the submit
say() {
	awk -v ms=$(( $(now_ms) - ${t_sub:-0} )) -v m="$*" 'BEGIN { printf "# [%.1f s] %s\n", ms / 1000, m }'
}

# ---- 1. processes ----
start_redis || harness "redis-server did not start"
start_mock -z R0-first || harness "loa-mock did not start"
printf 'k-api\n' > "$T/esms.key"
printf 'k-secret\n' > "$T/esms.secret"
printf 'speed-token\n' > "$T/speed.token"
printf 'twilio-auth\n' > "$T/twilio.auth"
printf 'app-secret\n' > "$T/zalo.secret"
printf 'R0-first\n' > "$T/zalo.refresh"
chmod 600 "$T"/*.key "$T"/*.secret "$T"/*.token "$T"/*.auth "$T"/*.refresh

# ---- 2. the world ----
awk -v seed="$SEED" -v dir="$T" -v mock="$MOCK_URL" \
    -v wards="$ROOT/conf/wards/hanoi.csv" -f "$TT/gen.awk" ||
    harness "gen.awk failed"
. "$T/world.env"
cat "$T/world.txt"

# ---- 3. the mock's answer mix ----
# mock_try JSON: POST it to /_mock/config; the HTTP status, the answer
# in $T/mock.try.
mock_try() {
	curl -sS --max-time 10 -o "$T/mock.try" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "$1" "$MOCK_URL/_mock/config"
}
# The keys being added to the mock: used where it knows them.
known=""
for k in bad_200 empty_200 truncated huge_200 slow slow_ms; do
	if [ "$(mock_try "{\"$k\":0}")" = 200 ] || ! grep -q 'unknown key' "$T/mock.try"; then
		known="$known\"$k\","
	else
		echo "# the mock does not know $k yet: not injected"
	fi
	mock_try "{\"$k\":null}" >/dev/null
done
NEWMIX=$(printf '%s' "$NEWMIX" | jq -c --argjson k "[${known%,}]" 'with_entries(select(.key as $x | $k | index($x)))')
# An absurd Retry-After for the 429 burst: as big as the mock takes.
ABSURD=99999999999999999999
if [ "$(mock_try "{\"retry_after\":\"$ABSURD\"}")" != 200 ]; then
	echo "# the mock refuses Retry-After $ABSURD; the burst uses 99999"
	ABSURD=99999
fi
mock_try '{"retry_after":null}' >/dev/null
CONFIG=$(jq -cn --argjson a "$MIX" --argjson b "$NEWMIX" --slurpfile c "$T/codes.json" \
    --argjson r "$RATE_LIMIT" '$a + $b + $c[0] + (if ($r | length) > 0 then {rate_limit: $r} else {} end)')
[ "$(mock_try "$CONFIG")" = 200 ] || harness "the mock refused its config: $(cat "$T/mock.try")"
echo "# mock config: $(printf '%s' "$CONFIG" | jq -c 'del(.zalo_codes)') and $(printf '%s' "$CONFIG" | jq '.zalo_codes | length') phones without Zalo (-118)"
# what the burst changes, and what it puts back
CALM=$(printf '%s' "$MIX" | jq -c '{fail_429: .fail_429, retry_after: (.retry_after // null)}')

# ---- the directory ----
$LOACTL_R import wards "$T/wards.csv" > "$T/import.out" 2>&1 ||
    harness "loactl import wards: $(cat "$T/import.out")"
if [ "$(wc -l < "$T/residents.csv")" -gt 1 ]; then
	$LOACTL_R import residents "$T/residents.csv" > "$T/import.out" 2>&1 ||
	    harness "loactl import residents: $(cat "$T/import.out")"
fi

# ---- the daemons: slot i runs d<i>g<generation> ----
# conf NAME RELOAD: its config with the weights of reload RELOAD.
conf() {
	write_base_conf "$1" "mask_phones = no"
	awk 'FNR == NR { w["@W_" $1 "@"] = $2; next }
	    { for (k in w) gsub(k, w[k]); print }' "$T/weights.$2" "$T/providers.conf" >> "$T/$1.conf"
}
reload=0
start_slot() {
	local g name
	g=$(( $(cat "$T/slot.$1.gen" 2>/dev/null || echo 0) + 1 ))
	echo "$g" > "$T/slot.$1.gen"
	name=d$1g$g
	echo "$name" > "$T/slot.$1"
	: > "$T/$name.out"
	conf "$name" "$reload"
	start_loa "$name" || harness "loa $name did not start: $(tail -3 "$T/$name.out")"
}
slot_pid() { cat "$T/$(cat "$T/slot.$1").pid" 2>/dev/null; }
$LOA -t -c "$(conf check 0; echo "$T/check.conf")" > "$T/check.out" 2>&1 ||
    harness "loa -t refused the config: $(cat "$T/check.out")"
i=1
while [ $i -le "$ND" ]; do start_slot $i; i=$((i + 1)); done

# ---- the jobs ----
# preview: the segments and encoding loactl computes, against gen.awk's.
while IFS='	' read -r j prio kind chans enc segs n; do
	case $chans in *sms*) ;; *) continue ;; esac
	$LOACTL_R preview "$T/$j.json" --json > "$T/$j.preview" 2>&1 </dev/null ||
	    harness "loactl preview $j: $(head -3 "$T/$j.preview")"
	got=$(jq -r '.channels[] | select(.channel == "sms") | "\(.segments) \(.encoding)"' "$T/$j.preview")
	want="$segs $([ "$enc" = never ] && echo gsm7 || echo ucs2)"
	[ "$got" = "$want" ] || harness "$j renders as '$got', gen.awk meant '$want'"
done < "$T/jobs.tsv"
t_sub=$(now_ms)
for j in $JOBS; do
	submit "$T/$j.json" > /dev/null || harness "XADD of $j failed"
done

# poll: note each job's time to done (ms after the submit) in $T/done.JOB
poll() {
	local j s
	for j in $JOBS; do
		[ -f "$T/done.$j" ] && continue
		s=$(R HGET "loa:job:$j" state)
		[ "$s" = done ] && echo $(( $(now_ms) - t_sub )) > "$T/done.$j"
		[ "$s" = rejected ] && harness "$j rejected: $(R HGET "loa:job:$j" error)"
	done
	return 0
}
all_done() {
	local j
	for j in $JOBS; do [ -f "$T/done.$j" ] || return 1; done
}

# ---- 4. events ----
disrupted=0
exec 3< "$T/events.tsv"
while read -r et kind a b <&3; do
	while [ $(( $(now_ms) - t_sub )) -lt "$et" ]; do poll; sleep 0.05; done
	case $kind in
	kill)
		if kill -0 "$(slot_pid "$a")" 2>/dev/null; then
			say "kill -9 $(cat "$T/slot.$a") (slot $a)"
			stop_pid "$T/$(cat "$T/slot.$a").pid" KILL "loa $(cat "$T/slot.$a")" </dev/null
			disrupted=1
		fi
		;;
	start)
		if ! kill -0 "$(slot_pid "$a")" 2>/dev/null; then
			start_slot "$a" </dev/null
			say "started $(cat "$T/slot.$a") in slot $a"
		fi
		;;
	stop)
		say "SIGSTOP $(cat "$T/slot.$a")"
		kill -STOP "$(slot_pid "$a")" 2>/dev/null
		disrupted=1
		;;
	cont)
		say "SIGCONT $(cat "$T/slot.$a")"
		kill -CONT "$(slot_pid "$a")" 2>/dev/null
		;;
	hup)
		reload=$a
		i=1
		while [ $i -le "$ND" ]; do
			conf "$(cat "$T/slot.$i")" "$reload"
			kill -HUP "$(slot_pid $i)" 2>/dev/null
			i=$((i + 1))
		done
		say "SIGHUP to every daemon, new weights: $(tr '\n' ' ' < "$T/weights.$reload")"
		;;
	pause|resume)
		$LOACTL_R provider "$kind" "$a" > /dev/null 2>&1 </dev/null ||
		    say "loactl provider $kind $a failed"
		say "loactl provider $kind $a"
		;;
	burst)
		mock_config "{\"fail_429\":0.3,\"retry_after\":\"$ABSURD\"}" </dev/null ||
		    harness "the mock refused the 429 burst"
		say "429 burst: 30 % of requests answered 429 with Retry-After: $ABSURD"
		;;
	calm)
		mock_config "$CALM" </dev/null || harness "the mock refused $CALM"
		say "429 burst over"
		;;
	esac
done
exec 3<&-
deadline=$((t_sub + BOUND * 1000))
while ! all_done && [ "$(now_ms)" -lt $deadline ]; do poll; sleep 0.1; done
poll
waited=$(( ($(now_ms) - t_sub) / 1000 ))
# Not done in time: what is left, before the daemons are stopped.
for j in $JOBS; do
	[ -f "$T/done.$j" ] && continue
	echo "$(job_field "$j" state)" > "$T/deadline.$j"
	R HGETALL "loa:job:$j:out" | paste - - | awk -F'\t' -v j=$j -v now="$(now_ms)" '
	$2 == "." { q++ } $2 ~ /^~/ { f++ }
	$2 ~ /^r:/ { r++; split($2, a, ":"); d = (a[4] - now) / 1000; if (r == 1 || d > far) far = d }
	END { printf "# %s at the deadline: %d queued (.), %d in flight (~), %d waiting for a retry%s\n",
	    j, q, f, r, r ? sprintf(" (the last due in %.0f s)", far) : "" }'
done

# ---- 5. stop, gather, check ----
i=1
while [ $i -le "$ND" ]; do
	n=$(cat "$T/slot.$i")
	kill -CONT "$(slot_pid $i)" 2>/dev/null
	stop_loa "$n"
	rc=$?
	[ $rc -eq 0 ] || echo "# $n exited $rc on SIGTERM"
	i=$((i + 1))
done
for j in $JOBS; do
	R HGETALL "loa:job:$j" | paste - - | sed "s/^/$j	/"
done > "$T/counters.tsv"
for j in $JOBS; do
	R HGETALL "loa:job:$j:out" | paste - - | sed "s/^/$j	/"
done > "$T/out.tsv"
# awk 1: a daemon killed mid-line leaves a line without its newline
awk 1 "$T"/*.delivery.log 2>/dev/null | jq -R -r 'fromjson? | select(.job != null and .resident != null) |
    [.job, .resident, .status, (.attempt // 0), (.reason // ""), (.provider // ""), (.channel // ""), .ts] | @tsv' \
    > "$T/log.tsv"
jq -r '[(if .provider == "zalo" then (.data.ma // "")
	else ((.text // "") | (capture("^#(?<t>J[0-9]+) ") | .t) // "") end | ascii_downcase),
	.to, .provider, .ts_ms] | @tsv' "$MOCK_REC" > "$T/mock.tsv" 2>/dev/null ||
    harness "the mock's record file does not read"

# 1, 2: the ledger and the duplicates
awk -F'\t' -v seed="$SEED" -v now="$(now_ms)" -v t0="$t_sub" -v disrupted=$disrupted -v dedupe=esms -f "$TT/check.awk" \
    "$T/expect.tsv" "$T/counters.tsv" "$T/out.tsv" "$T/log.tsv" "$T/mock.tsv" > "$T/check.tap"
cat "$T/check.tap"
PASS=$((PASS + $(grep -c '^ok' "$T/check.tap")))
FAIL=$((FAIL + $(grep -c '^not ok' "$T/check.tap")))

# 3: liveness
for j in $JOBS; do
	if [ -f "$T/done.$j" ]; then
		ms=$(cat "$T/done.$j")
		check "seed $SEED: $j: done within the bound of $BOUND s (took $((ms / 1000)).$((ms % 1000 / 100)) s)" test "$ms" -le $((BOUND * 1000))
	else
		tfail "$j: done within the bound of $BOUND s (not done after $waited s: state $(cat "$T/deadline.$j") then, $(job_field "$j" state) after the daemons stopped)"
	fi
done

# 4: rate.  Where the mock limits a provider to its configured rate (and
# injects no 429 of its own), it answered none; and at every provider the
# segments accepted in any 10 s (sliding) are at most 10 x rate plus one
# message.
while IFS='	' read -r name mkind chan rate carriers inflight maxatt; do
	if [ "$RATECHECK" = 1 ]; then
		n=$(mock_stat "by_provider.$mkind.http_429")
		is "seed $SEED: $name: no 429 from the mock limiting it to its rate of $rate/s" "$n" 0
	fi
	awk -F'\t' -v p="$mkind" -v jf="$T/jobs.tsv" '
	BEGIN { while ((getline l < jf) > 0) { split(l, t, "\t"); seg[t[1]] = t[6] } }
	$3 == p { print $4, (p == "zalo" ? 1 : seg[$1]) }' "$T/mock.tsv" | sort -n > "$T/rate.$name"
	[ -s "$T/rate.$name" ] || continue
	res=$(awk -v r="$rate" '{ t[NR] = $1; s[NR] = $2; if ($2 > mx) mx = $2 }
	END {
		j = 1; sum = 0; best = 0; j1 = 1; sum1 = 0; best1 = 0
		for (i = 1; i <= NR; i++) {
			sum += s[i]; sum1 += s[i]
			while (t[i] - t[j] >= 10000) sum -= s[j++]
			while (t[i] - t[j1] >= 1000) sum1 -= s[j1++]
			if (sum > best) best = sum
			if (sum1 > best1) best1 = sum1
		}
		print best, r * 10 + mx, best1, NR
	}' "$T/rate.$name")
	set -- $res
	check "seed $SEED: $name: at most 10 x rate + one message in any 10 s ($1 segments, limit $2; busiest second $3; $4 messages accepted)" test "$1" -le "$2"
done < "$T/providers.tsv"

echo "# mock: $(mock_stats | jq -c 'del(.by_provider) | with_entries(select(.value != 0))')"
circ=$(cat "$T"/d*.out 2>/dev/null | grep -o 'provider [a-z]*: circuit [a-z]*' | sort | uniq -c | awk '{ printf "%s%s %s x%d", (NR > 1 ? ", " : ""), $3, $5, $1 }')
[ -n "$circ" ] && echo "# circuits: $circ"
done_testing
