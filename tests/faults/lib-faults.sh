# lib-faults.sh -- sourced by each fault scenario (tests/faults/f_*.sh):
# tests/integration/lib.sh and mock.sh, and these helpers (POSIX sh, jq,
# awk).
#
#   fault_conf NAME [LINE...]     $T/NAME.conf: lib.sh's, with phones
#                                 unmasked in the delivery log, the default
#                                 max_job_size, and one provider "mock"
#                                 (http_json to the mock's generic API);
#                                 LINEs are added to [provider.mock]
#   fault_start N NWARDS [ARGS]   redis-server, the mock (ARGS), and the
#                                 directory (fault_directory); sets t0
#   fault_daemons "NAME..." [LINE...]
#                                 fault_conf and start_loa each
#   took                          "# took N s" since fault_start
#   fault_directory N NWARDS      import NWARDS wards (the first of
#                                 conf/wards/hanoi.csv) and N residents
#                                 spread over them with loactl import;
#                                 $T/residents.tsv: id, phone (E.164),
#                                 ward
#   audience_job ID PRIO          $T/ID.json: an SMS to every resident
#   ledger_check JOB MODE         the ledger of JOB against its audience,
#                                 $AUDIENCE (default $T/residents.tsv:
#                                 "id<TAB>phone..." lines); MODE "once": no
#                                 resident sent twice, nothing reported
#                                 maybe_duplicate (unless MAYBE_OK=1);
#                                 "kills": a second send allowed only to
#                                 residents listed in a $T/window.K (in
#                                 flight at kill K), once per kill, and
#                                 each one reported maybe_duplicate
#   in_flight_ids JOB FILE        ids marked in flight ("~") in the
#                                 outcome hash of JOB, to FILE
#   held_by CONSUMER              work entries CONSUMER holds (pending)
#   now_ms                        milliseconds since the epoch
#   each_sent JOB "NAME..."        how many of JOB each daemon sent (a
#                                 "# " line each), and a check that each
#                                 sent part of it
#   mock_times JOB                $T/ts: the mock's record times (ms) of
#                                 JOB, sorted
#   busiest MS                    the most records of $T/ts in any MS-long
#                                 sliding window
#
# The mock's record (one line per accepted message) carries the job, the
# delivery id (ref, not id: the generic API would de-duplicate an id and
# hide a second send) and which daemon sent it (by).

. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/mock.sh"

LOACTL_R="$LOACTL -r unix://$SOCK"

now_ms() { date +%s%3N; }

fault_conf() {
	local name l
	name=$1
	shift
	write_base_conf "$name"
	# Later keys win: the default job size limit (lib.sh allows 16m).
	cat >> "$T/$name.conf" <<EOF
[daemon]
max_job_size = 1m
mask_phones = no
[provider.mock]
plugin = http_json
channel = sms
url = $MOCK_URL/generic/send
body = {"to":"{{to}}","text":"{{text}}","ref":"{{delivery_id}}","job":"{{job}}","by":"$name"}
success_field = ok
id_field = message_id
EOF
	for l in "$@"; do echo "$l"; done >> "$T/$name.conf"
}

# fault_start N NWARDS [loa-mock args]: redis-server, the mock and the
# directory; t0 is the start.  Exits when one of them fails.
fault_start() {
	local n nw
	n=$1
	nw=$2
	shift 2
	t0=$(date +%s)
	start_redis || exit 1
	start_mock "$@" || exit 1
	if fault_directory "$n" "$nw"; then
		pass "directory imported"
	else
		fail "directory imported"
		exit 1
	fi
}

# fault_daemons "NAME..." [LINE...]: configure and start the daemons.
fault_daemons() {
	local d names
	names=$1
	shift
	for d in $names; do
		fault_conf "$d" "$@"
		start_loa "$d" || exit 1
	done
}

each_sent() {
	local d
	for d in $2; do
		echo "# $d sent $(jq -r "select(.data.job == \"$1\" and .data.by == \"$d\") | .to" "$MOCK_REC" | wc -l)"
		check "$d sent part of it" grep -q "\"by\":\"$d\"" "$MOCK_REC"
	done
}

mock_times() {
	jq -r "select(.data.job == \"$1\") | .ts_ms" "$MOCK_REC" | sort -n > "$T/ts"
}

busiest() {
	awk -v w="$1" '{ t[NR] = $1 } END {
	j = 1; best = 0
	for (i = 1; i <= NR; i++) {
		while (t[i] - t[j] >= w) j++
		if (i - j + 1 > best) best = i - j + 1
	}
	print best }' "$T/ts"
}

# took: the scenario's time so far.
took() {
	echo "# took $(( $(date +%s) - t0 )) s"
}

fault_directory() {
	head -n $(($2 + 1)) "$ROOT/conf/wards/hanoi.csv" > "$T/wards.csv"
	awk -F, -v n="$1" -v nw="$2" '
	NR > 1 { code[NR - 2] = $1 }
	END {
		print "id,name,phone,ward,to_dan_pho" > (dir "/residents.csv")
		for (i = 0; i < n; i++) {
			printf "r%06d,Cư dân %d,0912 %06d,%s,Tổ %d\n", i, i, i,
			    code[i % nw], i % 17 > (dir "/residents.csv")
			printf "r%06d\t84912%06d\t%s\n", i, i, code[i % nw] > (dir "/residents.tsv")
		}
	}' dir="$T" "$T/wards.csv"
	$LOACTL_R import wards "$T/wards.csv" >/dev/null &&
	    $LOACTL_R import residents "$T/residents.csv" >/dev/null
}

audience_job() {
	printf '{"id":"%s","priority":"%s","audience":{"all":true},"sender":"UBND","channels":["sms"],"sms":{"text":"{{sender}} kính gửi {{name}} ({{to_dan_pho}}, {{ward_name}}): {{body}}","unicode":"never","max_segments":2},"vars":{"body":"Cắt điện 8h-11h ngày 28/11."}}' \
	    "$1" "$2" > "$T/$1.json"
}

held_by() {
	R EVAL "local n = 0
for _, q in ipairs({'urgent', 'normal', 'bulk'}) do
  local r = redis.pcall('XPENDING', 'loa:work:' .. q, 'loa', '-', '+', 1000000, ARGV[1])
  if type(r) == 'table' and not r.err then n = n + #r end
end
return n" 0 "$1"
}

in_flight_ids() {
	R HGETALL "loa:job:$1:out" | paste - - | awk -F'\t' '$2 ~ /^~/ { print $1 }' > "$2"
}

# Every final delivery-log line and every attempt, every mock record, and
# the outcome hash, joined per resident of the audience.  Prints one
# line of figures (name=value ...) and writes the per-resident join to
# $T/JOB.ledger (id phone out nlog last_log md_log max_attempt nmock).
ledger_join() {
	local job aud
	job=$1
	aud=${AUDIENCE:-$T/residents.tsv}
	R HGETALL "loa:job:$job:out" | paste - - > "$T/$job.out.tsv"
	# awk, not cat: a daemon killed mid-line leaves a last line without
	# its newline, which must not swallow the next file's first line.
	awk 1 "$T"/*.delivery.log 2>/dev/null |
	    jq -R -r --arg j "$job" 'fromjson? | select(.job == $j and .resident != null) |
		[.resident, .status, (.attempt // 0), (.reason // "")] | @tsv' > "$T/$job.log.tsv"
	jq -r --arg j "$job" 'select(.data.job == $j) | [.to, .data.ref, .data.by, .ts_ms] | @tsv' \
	    "$MOCK_REC" > "$T/$job.mock.tsv"
	awk -F'\t' -v out="$T/$job.ledger" -v aud="$aud" '
	FILENAME == aud { n++; phone[$1] = $2; byphone[$2] = $1; next }
	FILENAME ~ /out.tsv$/ {
		if (!($1 in phone)) { out_extra++; next }
		o[$1] = $2
		next
	}
	FILENAME ~ /log.tsv$/ {
		if (!($1 in phone)) { log_extra++; next }
		if ($3 + 0 > maxatt[$1]) maxatt[$1] = $3 + 0
		if ($2 == "retry" || $2 == "fallback") next
		nlog[$1]++
		last[$1] = $2
		if ($2 == "maybe_duplicate") mdlog[$1] = 1
		next
	}
	FILENAME ~ /mock.tsv$/ {
		if (!($1 in byphone)) { mock_extra++; next }
		nm[byphone[$1]]++
		next
	}
	END {
		for (id in phone) {
			v = (id in o) ? o[id] : ""
			st = v
			sub(/:.*/, "", st)
			if (v == "") out_missing++
			else if (v == "." || v ~ /^~/ || v ~ /^r:/) out_open++
			else cnt[st]++
			if (nlog[id] == 0) log_none++
			if (nlog[id] > 1) log_multi++
			m = nm[id] + 0
			if ((st == "sent" || st == "maybe_duplicate") && m == 0) mock_missing++
			if (st != "sent" && st != "maybe_duplicate" && m > 0) mock_unexpected++
			if (m > 1) { dup_res++; dups += m - 1 }
			if (m > 1 && !(st == "maybe_duplicate" && mdlog[id])) dup_unreported++
			if (maxatt[id] > max_attempt) max_attempt = maxatt[id]
			printf "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\n", id, phone[id], v,
			    nlog[id], last[id], mdlog[id], maxatt[id], m > out
		}
		printf "audience=%d out_missing=%d out_open=%d out_extra=%d", n,
		    out_missing, out_open, out_extra
		printf " sent=%d maybe_duplicate=%d failed=%d skipped=%d expired=%d cancelled=%d",
		    cnt["sent"], cnt["maybe_duplicate"], cnt["failed"], cnt["skipped"],
		    cnt["expired"], cnt["cancelled"]
		printf " log_none=%d log_multi=%d log_extra=%d", log_none, log_multi, log_extra
		printf " mock_missing=%d mock_unexpected=%d mock_extra=%d", mock_missing,
		    mock_unexpected, mock_extra
		printf " dup_residents=%d dups=%d dup_unreported=%d max_attempt=%d\n",
		    dup_res, dups, dup_unreported, max_attempt
	}' "$aud" "$T/$job.out.tsv" "$T/$job.log.tsv" "$T/$job.mock.tsv"
}

# fig NAME: one figure of the last ledger_join line ($LEDGER).
fig() {
	printf '%s\n' "$LEDGER" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

ledger_check() {
	local job mode n f c fin
	job=$1
	mode=$2
	n=$(wc -l < "${AUDIENCE:-$T/residents.tsv}")
	LEDGER=$(ledger_join "$job")
	echo "# ledger $job: $LEDGER"
	is "$job: state done" "$(job_field "$job" state)" done
	is "$job: total is the audience" "$(job_field "$job" total)" "$n"
	fin=0
	for f in sent failed skipped expired cancelled; do
		c=$(job_field "$job" $f)
		fin=$((fin + ${c:-0}))
	done
	is "$job: final outcomes add up to the total" "$fin" "$n"
	is "$job: every resident has an outcome" "$(fig out_missing)" 0
	is "$job: no outcome left open" "$(fig out_open)" 0
	is "$job: no outcome outside the audience" "$(fig out_extra)" 0
	is "$job: counter sent = outcomes sent + maybe_duplicate" \
	    "$(job_field "$job" sent)" $(($(fig sent) + $(fig maybe_duplicate)))
	for f in maybe_duplicate failed skipped expired cancelled; do
		c=$(job_field "$job" $f)
		is "$job: counter $f = outcomes" "${c:-0}" "$(fig $f)"
	done
	is "$job: a final delivery-log line for everyone" "$(fig log_none)" 0
	is "$job: no delivery-log line outside the audience" "$(fig log_extra)" 0
	is "$job: every resident sent to reached the provider" "$(fig mock_missing)" 0
	is "$job: the provider saw nobody who is not counted sent" "$(fig mock_unexpected)" 0
	is "$job: the provider saw nobody outside the audience" "$(fig mock_extra)" 0
	is "$job: every second send reported maybe_duplicate" "$(fig dup_unreported)" 0
	case $mode in
	once)
		is "$job: one final delivery-log line each" "$(fig log_multi)" 0
		is "$job: the provider saw each resident at most once" "$(fig dups)" 0
		# Where a daemon could not know whether a message left (a
		# gate whose answer Redis took away with it), the caller sets
		# MAYBE_OK=1: reported, but not sent twice.
		[ "${MAYBE_OK:-0}" = 1 ] ||
		    is "$job: nothing reported maybe_duplicate" "$(fig maybe_duplicate)" 0
		;;
	kills)
		# A resident sent twice was in flight at a kill (in some
		# $T/window.K), once per kill at most; a second final line
		# in the delivery log is the killed daemon's, before the
		# resend's maybe_duplicate.
		cat "$T"/window.* > "$T/windows.all" 2>/dev/null
		c=$(awk -F'\t' '
		    FILENAME ~ /windows.all$/ { w[$1]++; next }
		    $8 > 1 || $4 > 1 {
			if ($8 - 1 > w[$1] + 0 || $4 - 1 > w[$1] + 0 ||
			    $3 !~ /^maybe_duplicate/ || !$6) bad++
		    }
		    END { print bad + 0 }' "$T/windows.all" "$T/$job.ledger")
		is "$job: second sends and second log lines only for residents in flight at a kill" "$c" 0
		;;
	esac
	is "$job: work streams drained" \
	    "$(($(R XLEN loa:work:urgent) + $(R XLEN loa:work:normal) + $(R XLEN loa:work:bulk)))" 0
}
