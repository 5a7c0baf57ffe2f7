# check.awk -- the ledger and duplicate checks of one torture seed
# (invariants 1 and 2 of tests/torture/README.md), as TAP lines.
#
#   awk -F'\t' -v seed=N -v now=MS -v t0=MS -v disrupted=0|1 -v dedupe=esms \
#       -f check.awk \
#       expect.tsv counters.tsv out.tsv log.tsv mock.tsv
#
# expect.tsv   job key phone what carrier logkey (gen.awk)
# counters.tsv job field value        (the job hashes loa:job:<id>)
# out.tsv      job key value          (the outcome hashes loa:job:<id>:out)
# log.tsv      job resident status attempt reason provider channel ts
#              (every daemon's delivery log, lines about a recipient)
# mock.tsv     job phone provider ts_ms  (every message the mock accepted,
#              its job read from the "#J<k> " tag of the text or Zalo's
#              "ma" field)
#
# now: the time of the check, t0: of the submit (ms since the epoch; the
# mock's times are shown as seconds after the submit).
# disrupted=1 when a daemon was killed or frozen: a recipient may then
# have a second final delivery-log line (the lost daemon's), before the
# resend's maybe_duplicate (README "What is guaranteed"), or before the
# resend's "sent" when every one of those lines is "sent" through the
# de-duplicating provider (dedupe, the [provider.NAME] of eSMS: it
# answers a repeated RequestId 124, counted sent, and records nothing),
# or when the lines are the same skip, expiry or cancellation, which the
# outcome agrees with: the lost daemon logged it (the log is written
# before Redis has the outcome, so that none is ever missing from it),
# then froze or died before Redis had it, and the daemon that took the
# work over decided it again from the same facts.
#
# A phone is the unit at the provider: the mock's records are joined to a
# recipient by (job, phone); a job's repeated phone is one group of which
# at most one recipient is sent to.

function tap(okay, what) {
	printf "%s - seed %s: %s\n", okay ? "ok" : "not ok", seed, what
}
function ex(what) {
	if (nex++ < 6) printf "#   %s\n", what
}
function isfinal(s) {
	return s == "sent" || s == "failed" || s == "skipped" ||
	    s == "expired" || s == "cancelled" || s == "maybe_duplicate"
}

FILENAME ~ /expect.tsv$/ {
	j = $1
	if (!(j in njob)) { jobs[++nj] = j; njob[j] = 0 }
	njob[j]++
	key[j, njob[j]] = $2
	isrec[j, $2] = 1
	phone[j, $2] = $3
	what[j, $2] = $4
	lkey[j, $6] = $2
	if ($3 != "-") {
		if (!((j, $3) in gsize)) gphones[j, ++ngp[j]] = $3
		gsize[j, $3]++
		gmem[j, $3, gsize[j, $3]] = $2
	}
	next
}
FILENAME ~ /counters.tsv$/ { cnt[$1, $2] = $3; next }
FILENAME ~ /out.tsv$/ {
	if (!(($1, $2) in isrec)) { oextra[$1]++; if (oextra[$1] <= 3) oex[$1] = oex[$1] " " $2 "=" $3; next }
	out[$1, $2] = $3
	next
}
FILENAME ~ /log.tsv$/ {
	if (!(($1, $2) in lkey)) { lextra[$1]++; next }
	k = lkey[$1, $2]
	seq[$1, k] = seq[$1, k] " " $3 ($5 != "" ? "(" $5 ")" : "") ($6 != "" ? "@" $6 : "")
	if (isfinal($3)) {
		nfin[$1, k]++
		if (nfin[$1, k] > 1 && ($3 != lastfin[$1, k] || $5 != lastrsn[$1, k]))
			finvar[$1, k] = 1
		lastfin[$1, k] = $3
		lastrsn[$1, k] = $5
		# a final line other than "sent" through a provider that
		# de-duplicates (eSMS: a resend is answered 124, "sent")
		if (!($3 == "sent" && $6 == dedupe)) notdd[$1, k] = 1
		if ($3 == "maybe_duplicate") logmd[$1, k] = 1
	}
	next
}
FILENAME ~ /mock.tsv$/ {
	if (!(($1, $2) in gsize)) {
		mextra++
		if (mextra <= 3) mex = mex " " $1 "/" $2 "@" $3
		next
	}
	acc[$1, $2]++
	accp[$1, $2] = accp[$1, $2] sprintf(" %s@%+.2fs", $3, ($4 - t0) / 1000)
	next
}

END {
	for (x = 1; x <= nj; x++) {
		j = jobs[x]
		n = njob[j]
		# ---- 1. the ledger ----
		st = cnt[j, "state"]
		tap(st == "done", j ": state done (" (st == "" ? "none" : st) ")")
		tap(cnt[j, "total"] == n, j ": total " cnt[j, "total"] " = its " n " recipients")
		sum = cnt[j, "sent"] + cnt[j, "failed"] + cnt[j, "skipped"] + cnt[j, "expired"] + cnt[j, "cancelled"]
		tap(sum == n, j ": counters add up to the total (sent " cnt[j, "sent"] " + failed " cnt[j, "failed"] " + skipped " cnt[j, "skipped"] " + expired " cnt[j, "expired"] " + cancelled " cnt[j, "cancelled"] " = " sum ", want " n ")")

		missing = 0; open = 0; nex = 0
		delete c
		for (i = 1; i <= n; i++) {
			k = key[j, i]
			v = (j, k) in out ? out[j, k] : ""
			s = v; sub(/:.*/, "", s)
			if (v == "") { missing++; ex("no outcome: " k " (" phone[j, k] ")") }
			else if (v == "." || v ~ /^~/ || v ~ /^r:/) {
				open++
				due = ""
				if (v ~ /^r:/) { split(v, rr, ":"); due = " (retry due in " int((rr[4] - now) / 1000) " s)" }
				ex("open: " k " = " v due "; log:" seq[j, k])
			} else c[s]++
			outst[j, k] = (v == "" || v == "." || v ~ /^~/ || v ~ /^r:/) ? "" : s
		}
		tap(missing + open + oextra[j] == 0, j ": every recipient has one final outcome (missing " missing ", still open " open ", unknown keys " oextra[j] + 0 (oex[j] != "" ? ":" oex[j] : "") ")")

		nex = 0
		bad = 0
		if (cnt[j, "sent"] != c["sent"] + c["maybe_duplicate"]) { bad++; ex("sent " cnt[j, "sent"] ", outcomes sent " c["sent"] + 0 " + maybe_duplicate " c["maybe_duplicate"] + 0) }
		split("maybe_duplicate failed skipped expired cancelled", fl, " ")
		for (f = 1; f <= 5; f++)
			if (cnt[j, fl[f]] + 0 != c[fl[f]] + 0) { bad++; ex(fl[f] " " cnt[j, fl[f]] + 0 ", outcomes " c[fl[f]] + 0) }
		tap(bad == 0, j ": counters match the outcomes (sent " c["sent"] + 0 ", maybe_duplicate " c["maybe_duplicate"] + 0 ", failed " c["failed"] + 0 ", skipped " c["skipped"] + 0 ", expired " c["expired"] + 0 ", cancelled " c["cancelled"] + 0 ")")

		# skipped as they should be: bad phones and opted-out residents;
		# one recipient per repeated phone
		nex = 0
		bad = 0
		for (i = 1; i <= n; i++) {
			k = key[j, i]
			w = what[j, k]
			if ((w == "bad_phone" || w == "opted_out") && outst[j, k] != "skipped") { bad++; ex(k " (" w ") ended " outst[j, k]) }
			if (w == "ok" && gsize[j, phone[j, k]] == 1 && outst[j, k] == "skipped") { bad++; ex(k " (" phone[j, k] ", the only one with it) skipped; log:" seq[j, k]) }
		}
		for (g = 1; g <= ngp[j]; g++) {
			p = gphones[j, g]
			if (gsize[j, p] < 2) continue
			ns = 0
			for (m = 1; m <= gsize[j, p]; m++) if (outst[j, gmem[j, p, m]] != "skipped") ns++
			if (ns > 1) { bad++; ex(p ": " ns " of the " gsize[j, p] " recipients with it not skipped") }
		}
		tap(bad == 0, j ": skips as expected (bad phones, opted out, repeated phones)")

		# the delivery log: a final line for everyone, a second only for
		# a maybe_duplicate after a kill or a freeze, agreeing with the
		# outcome
		nex = 0
		none = 0; multi = 0; disagree = 0
		for (i = 1; i <= n; i++) {
			k = key[j, i]
			if (nfin[j, k] == 0) { none++; ex("no final log line: " k "; log:" seq[j, k]) }
			else if (nfin[j, k] > 1 && !(disrupted && (outst[j, k] == "maybe_duplicate" || (outst[j, k] == "sent" && !notdd[j, k]) || (outst[j, k] ~ /^(skipped|expired|cancelled)$/ && !finvar[j, k] && lastfin[j, k] == outst[j, k])))) { multi++; ex(nfin[j, k] " final log lines: " k " (outcome " outst[j, k] "); log:" seq[j, k]) }
			else if (nfin[j, k] == 1 && outst[j, k] != "" && lastfin[j, k] != outst[j, k]) { disagree++; ex("log says " lastfin[j, k] ", outcome " outst[j, k] ": " k) }
		}
		tap(none + multi + disagree + lextra[j] == 0, j ": delivery log: one final line per recipient (none " none ", more than one " multi ", disagreeing " disagree ", unknown recipients " lextra[j] + 0 ")")

		# ---- 2. duplicates ----
		nex = 0
		groups = 0; twice = 0; unrep = 0; nosend = 0; skipacc = 0; failacc = 0
		for (g = 1; g <= ngp[j]; g++) {
			p = gphones[j, g]
			groups++
			a = acc[j, p] + 0
			md = 0; sent = 0; allskip = 1; failed = 0; who = ""
			for (m = 1; m <= gsize[j, p]; m++) {
				k = gmem[j, p, m]
				who = who " " k
				if (logmd[j, k]) md = 1
				s = outst[j, k]
				if (s == "sent" || s == "maybe_duplicate") sent = 1
				if (s != "skipped") allskip = 0
				if (s == "failed") failed = 1
			}
			if (a > 1) {
				twice++
				if (!md) { unrep++; ex("accepted " a " times, no maybe_duplicate:" who " " p ": accepted" accp[j, p] "; log:" seq[j, gmem[j, p, 1]]) }
			}
		}
		tap(unrep == 0, j ": every phone accepted more than once reported maybe_duplicate (" twice " accepted more than once, " unrep " unreported)")
		nex = 0
		for (g = 1; g <= ngp[j]; g++) {
			p = gphones[j, g]
			for (m = 1; m <= gsize[j, p]; m++) {
				k = gmem[j, p, m]
				s = outst[j, k]
				# maybe_duplicate "unconfirmed": sends that may have
				# reached a provider, none confirmed (README)
				if ((s == "sent" || (s == "maybe_duplicate" && lastrsn[j, k] != "unconfirmed")) && acc[j, p] + 0 == 0) { nosend++; ex(k " " p " counted " s ", nothing accepted; log:" seq[j, k]) }
				if (s == "failed" && acc[j, p] + 0 > 0) failacc++
			}
		}
		tap(nosend == 0, j ": every recipient counted sent was accepted by a provider (" nosend " not)")
		nex = 0
		for (g = 1; g <= ngp[j]; g++) {
			p = gphones[j, g]
			allskip = 1
			for (m = 1; m <= gsize[j, p]; m++) if (outst[j, gmem[j, p, m]] != "skipped") allskip = 0
			if (allskip && acc[j, p] + 0 > 0) { skipacc++; ex(p " skipped, but accepted" accp[j, p]) }
		}
		tap(skipacc == 0, j ": nothing accepted for skipped recipients (" skipacc ")")
		if (failacc) printf "# %s: %d recipient(s) ended failed although a provider accepted a message for them (answers lost)\n", j, failacc
	}
	tap(mextra == 0, "the mock accepted nothing outside the jobs' recipients (" mextra + 0 (mex != "" ? ":" mex : "") ")")
}
