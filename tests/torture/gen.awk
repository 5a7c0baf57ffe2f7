# gen.awk -- the world generator of the torture test (tests/torture).
#
#   awk -v seed=N -v dir=$T -v mock=$MOCK_URL -v wards=conf/wards/hanoi.csv \
#       -f tests/torture/gen.awk
#
# From one seed (and nothing else: its own Park-Miller generator, so mawk
# and gawk draw the same numbers) it writes into dir:
#
#   world.env       shell variables (sourced): providers, daemons, jobs,
#                   the mock's answer mix, rate limits, the liveness bound
#   world.txt       the world in words ("# " lines, printed by seed.sh)
#   providers.tsv   name kind channel rate carriers max_inflight
#                   max_attempts weight (kind = the mock's provider name)
#   providers.conf  their [provider.NAME] sections (weights @W_name@,
#                   filled in by seed.sh, changed on a reload)
#   weights.0..     the weights of each reload (name weight)
#   wards.csv       the wards imported (the first of conf/wards/hanoi.csv)
#   residents.csv   the directory (loactl import residents)
#   jK.json         the jobs, K = 1..3
#   jobs.tsv        job priority kind(audience|explicit) channels encoding
#                   segments recipients
#   expect.tsv      one line per recipient of every job: job key phone
#                   what carrier logkey; key is "#index" (explicit) or
#                   the resident id, phone the E.164 form ("-" when not
#                   a phone), what: ok, bad_phone, duplicate, opted_out,
#                   logkey the recipient's name in the delivery log (its
#                   "id" when it has one, else the key)
#   events.tsv      t_ms kind arg1 arg2, sorted by time (from the submit)
#   codes.json      per-phone error codes for the mock (Zalo -118)
#
# The world: 1-4 providers (distinct plugins among esms, speedsms, twilio,
# http_json = the mock's "generic", zalo_zns; at least one SMS), each with a
# rate drawn log-uniform from 1/s to 5000/s, some with a carriers list;
# 1-3 daemons; 1-3 jobs (urgent/normal/bulk) to ward audiences of the
# directory or to explicit recipients, SMS texts of 1-10 segments (GSM-7
# with "unicode": "never", UCS-2 with "always" or "auto"), channels sms,
# zalo or zalo then sms; a mock answer mix (5xx, 429 with Retry-After,
# drops before and after accepting, late and slow answers, garbage 200s);
# events (kill -9 and restart, SIGSTOP/SIGCONT, SIGHUP with new weights,
# provider pause/resume, a burst of 429s with an absurd Retry-After).
#
# Sizes: the jobs' recipients are chosen so that sending all of them takes
# TWORLD (2-10 s) even if every message went to the slowest provider that
# can carry it (each SMS costing its segments; a provider carries a
# carrier it names, or any carrier when it has no list, or anything when
# no provider is either: the daemon's route_choose), at most 3000 per job.
# The liveness bound is 1.5 x the time this worst case takes with the
# recipients drawn (throughput also capped by max_inflight / latency),
# plus a retry budget from the answer mix and max_attempts, plus each
# event's cost, plus 20 s.  Events fall within the time the sending takes
# when all goes well (messages shared out by weight).

function rnd() {
	rs = (rs * 48271) % 2147483647
	return rs / 2147483647
}
function ri(lo, hi) { return lo + int(rnd() * (hi - lo + 1)) }
function pick(n) { return 1 + int(rnd() * n) }
function chance(p) { return rnd() < p }
function min(a, b) { return a < b ? a : b }
function max(a, b) { return a > b ? a : b }

# A phone of carrier c, unique in the world: "84" + prefix + 7 digits.
function phone_of(c,    p) {
	p = cprefix[c, pick(ncprefix[c])]
	nphone++
	return "84" p sprintf("%07d", nphone)
}

# The way people write it: national, +84 with spaces, 84..., 0xxx xxx xxx.
function written(e,    nsn, k) {
	nsn = substr(e, 3)
	k = pick(4)
	if (k == 1) return "0" nsn
	if (k == 2) return "+84 " substr(nsn, 1, 2) " " substr(nsn, 3, 3) " " substr(nsn, 6)
	if (k == 3) return "84" nsn
	return "0" substr(nsn, 1, 3) " " substr(nsn, 4, 3) " " substr(nsn, 7)
}

# A carrier drawn by the world's carrier weights.
function carrier(    u, c) {
	u = rnd() * cwsum
	for (c = 1; c <= NCAR; c++) {
		u -= cw[c]
		if (u < 0) return c
	}
	return NCAR
}

# Body text of exactly n characters (Vietnamese words, NFC, lengths from
# the table: awk's length() counts bytes in mawk), then dots.
function body(n,    s, len, w, tries) {
	if (n < 5) {
		s = ""
		while (n-- > 0) s = s "."
		return s
	}
	s = word[1]
	len = wlen[1]
	for (tries = 0; tries < 400 && len < n; tries++) {
		w = pick(NWORD)
		if (len + 1 + wlen[w] <= n) {
			s = s " " word[w]
			len += 1 + wlen[w]
		}
		if (n - len < 3) break
	}
	while (len < n) { s = s "."; len++ }
	return s
}

BEGIN {
	rs = (seed % 2147483646) + 1
	for (i = 0; i < 20; i++) rnd()

	# Carriers and their prefixes (daemon/phone.c).
	NCAR = split("viettel mobifone vinaphone vietnamobile gmobile reddi itel", cname, " ")
	split("32 33 34 35 36 37 38 39 86 96 97 98", t, " "); for (i in t) cprefix[1, i] = t[i]; ncprefix[1] = 12
	split("70 76 77 78 79 89 90 93", t, " "); for (i in t) cprefix[2, i] = t[i]; ncprefix[2] = 8
	split("81 82 83 84 85 88 91 94", t, " "); for (i in t) cprefix[3, i] = t[i]; ncprefix[3] = 8
	split("52 56 58 92", t, " "); for (i in t) cprefix[4, i] = t[i]; ncprefix[4] = 4
	split("59 99", t, " "); for (i in t) cprefix[5, i] = t[i]; ncprefix[5] = 2
	cprefix[6, 1] = "55"; ncprefix[6] = 1
	cprefix[7, 1] = "87"; ncprefix[7] = 1

	# Words and their lengths in characters (all of the BMP, so UTF-16
	# units = characters; "never" maps each to one GSM-7 letter).
	NWORD = split("Thông báo cắt điện nước phường lịch tiêm chủng họp tổ dân phố ngày giờ khẩn cấp bão lũ sơ tán Hà Nội đường sửa chữa trạm biến áp xin cảm ơn", word, " ")
	split("5 3 3 4 4 6 4 4 5 3 2 3 3 4 3 4 3 3 2 2 3 2 3 5 3 4 4 4 2 3 3 2", wlen, " ")

	# ---- providers ----
	split("esms speedsms twilio http_json zalo_zns", plug, " ")
	split("esms speed twilio generic zalo", pname, " ")
	split("esms speedsms twilio generic zalo", pkind, " ")
	for (i = 1; i <= 5; i++) order[i] = i
	for (i = 5; i > 1; i--) { j = pick(i); t0 = order[i]; order[i] = order[j]; order[j] = t0 }
	NP = pick(4)
	nsms = 0
	for (i = 1; i <= NP; i++) { P[i] = order[i]; if (P[i] != 5) nsms++ }
	if (nsms == 0) { P[1] = pick(4); nsms = 1 }
	haszalo = 0
	for (i = 1; i <= NP; i++) {
		k = P[i]
		chan[i] = k == 5 ? "zalo" : "sms"
		if (k == 5) { haszalo = 1; zp = i }
		rate[i] = int(exp(rnd() * log(5000)) + 0.5)
		if (rate[i] < 1) rate[i] = 1
		inflight[i] = (chance(0.3) ? 8 : (chance(0.5) ? 16 : 64))
		maxatt[i] = ri(3, 5)
		carr[i] = ""
		if (chan[i] == "sms" && chance(0.4)) {
			for (c = 1; c <= NCAR; c++)
				if (chance(0.35)) carr[i] = carr[i] (carr[i] == "" ? "" : ",") cname[c]
			if (carr[i] == "") carr[i] = cname[pick(NCAR)]
		}
	}
	# Carrier weights (skewed), and who can carry each carrier's SMS:
	# providers naming it first, then (when those are paused or their
	# circuit is open) providers without a list; when there are neither,
	# any SMS provider (the daemon's route_choose).  el[c, 1..nel[c]]
	# are all of them, for the worst case; the first nfirst[c] the ones
	# taking it when all goes well.
	cwsum = 0
	for (c = 1; c <= NCAR; c++) { cw[c] = rnd() * rnd() + 0.01; cwsum += cw[c] }
	for (c = 1; c <= NCAR; c++) {
		nel[c] = 0
		for (i = 1; i <= NP; i++)
			if (chan[i] == "sms" && ("," carr[i] ",") ~ ("," cname[c] ","))
				el[c, ++nel[c]] = i
		nfirst[c] = nel[c]
		for (i = 1; i <= NP; i++)
			if (chan[i] == "sms" && carr[i] == "")
				el[c, ++nel[c]] = i
		if (nfirst[c] == 0) nfirst[c] = nel[c]
		if (nel[c] == 0) {
			for (i = 1; i <= NP; i++)
				if (chan[i] == "sms")
					el[c, ++nel[c]] = i
			nfirst[c] = nel[c]
		}
	}

	# ---- the mock's answer mix ----
	ratecheck = chance(0.4)
	f5 = (chance(0.5) ? 0 : (chance(0.5) ? 0.02 : (chance(0.6) ? 0.1 : 0.25)))
	f429 = ratecheck ? 0 : (chance(0.6) ? 0 : (chance(0.5) ? 0.02 : 0.1))
	split("0 1 2 date", rav, " ")
	ra = rav[pick(4)]
	drop = chance(0.6) ? 0 : (chance(0.5) ? 0.01 : 0.05)
	dropa = chance(0.5) ? 0 : (chance(0.5) ? 0.01 : 0.05)
	split("0 0 0 0 20 100 300", dv, " ")
	delay = dv[pick(7)] + 0
	g_bad = chance(0.6) ? 0 : (chance(0.5) ? 0.01 : 0.03)
	g_empty = chance(0.6) ? 0 : (chance(0.5) ? 0.01 : 0.03)
	g_trunc = chance(0.6) ? 0 : (chance(0.5) ? 0.01 : 0.03)
	g_huge = chance(0.7) ? 0 : (chance(0.5) ? 0.01 : 0.03)
	slow = chance(0.6) ? 0 : (chance(0.5) ? 0.05 : 0.2)
	split("200 1500 3000", sv, " ")
	slowms = slow > 0 ? sv[pick(3)] + 0 : 0
	mix = sprintf("{\"seed\":%d,\"fail_5xx\":%s,\"fail_429\":%s,\"drop\":%s,\"drop_after\":%s,\"delay_ms\":%d",
	    seed % 1000000007, f5, f429, drop, dropa, delay)
	if (f429 > 0 && ra != "0") mix = mix sprintf(",\"retry_after\":\"%s\"", ra)
	mix = mix "}"
	newmix = sprintf("{\"bad_200\":%s,\"empty_200\":%s,\"truncated\":%s,\"huge_200\":%s,\"slow\":%s,\"slow_ms\":%d}",
	    g_bad, g_empty, g_trunc, g_huge, slow, slowms)
	rl = ""
	if (ratecheck)
		for (i = 1; i <= NP; i++)
			rl = rl (rl == "" ? "" : ",") sprintf("\"%s\":%d", pkind[P[i]], rate[i])
	rl = "{" rl "}"

	# Per-request latency and what it does to a provider's throughput
	# (max_inflight requests under way at once, per daemon).
	lat = delay + slow * min(slowms, 2000) / 2 + 10
	for (i = 1; i <= NP; i++)
		eff[i] = min(rate[i], inflight[i] * 1000 / lat)

	# ---- jobs ----
	NJ = pick(3)
	TWORLD = 2 + rnd() * 8
	fsum = 0
	for (j = 1; j <= NJ; j++) { fr[j] = 0.3 + rnd(); fsum += fr[j] }
	split("urgent normal bulk", prios, " ")
	# Wards: the first ones of hanoi.csv; each audience job gets its own.
	nwards = 0
	while ((getline line < wards) > 0) {
		if (nwards++ == 0) { header = line; continue }
		wline[nwards - 1] = line
		split(line, t, ",")
		wcode[nwards - 1] = t[1]
	}
	nwards--
	wused = 0
	nres = 0
	for (j = 1; j <= NJ; j++) {
		prio[j] = prios[pick(3)]
		kind[j] = chance(0.5) ? "audience" : "explicit"
		if (haszalo) {
			u = rnd()
			chs[j] = u < 0.45 ? "zalo,sms" : (u < 0.8 ? "sms" : "zalo")
		} else
			chs[j] = "sms"
		seg[j] = pick(10)
		u = rnd()
		uni[j] = u < 0.5 ? "never" : (u < 0.85 ? "always" : "auto")
		per = uni[j] == "never" ? 153 : 67
		single = uni[j] == "never" ? 160 : 70
		# More than one segment: longer than a single message too (a
		# 68-character UCS-2 text of "2 segments" fits in one of 70).
		if (seg[j] == 1) L = ri(24, single)
		else L = ri(max(per * (seg[j] - 1), single) + 1, per * seg[j])
		# "#J1 " + body + " " + the 13-character name
		bodyt[j] = body(L - 18)
		msgseg = seg[j]
		# Time per recipient on the busiest provider, as if every
		# message it could carry went to it.
		for (i = 1; i <= NP; i++) pl[i] = 0
		if (chs[j] ~ /zalo/) pl[zp] += 1
		if (chs[j] ~ /sms/)
			for (c = 1; c <= NCAR; c++)
				for (k = 1; k <= nel[c]; k++)
					pl[el[c, k]] += cw[c] / cwsum * msgseg
		worst = 0
		for (i = 1; i <= NP; i++) if (pl[i] / eff[i] > worst) worst = pl[i] / eff[i]
		tj = TWORLD * fr[j] / fsum
		n = worst > 0 ? int(tj / worst) : 3000
		n = min(n, int(tj * 1500))
		if (n > 3000) n = 3000
		if (n < 1) n = 1
		nrec[j] = n
	}

	# Recipients.  Directory: residents of the job's own wards (1-2).
	# Explicit: written forms of phones, a few bad ones, a few repeated
	# phones (skipped "duplicate"), some phones of directory residents.
	print "id,name,phone,ward,opt_out" > (dir "/residents.csv")
	ndirphones = 0
	for (j = 1; j <= NJ; j++) {
		if (kind[j] != "audience") continue
		nw = (nrec[j] >= 2 && chance(0.5)) ? 2 : 1
		jw[j] = ""
		for (w = 1; w <= nw; w++) {
			wused++
			jwc[j, w] = wcode[wused]
			jw[j] = jw[j] (w > 1 ? "," : "") wcode[wused]
		}
		for (r = 1; r <= nrec[j]; r++) {
			nres++
			id = sprintf("r%05d", nres)
			c = carrier()
			e = phone_of(c)
			oo = chance(0.03) ? 1 : 0
			wc = jwc[j, 1 + (r - 1) % nw]
			printf "%s,Cư dân %06d,%s,%s,%d\n", id, nres, written(e), wc, oo > (dir "/residents.csv")
			printf "j%d\t%s\t%s\t%s\t%s\t%s\n", j, id, e, oo ? "opted_out" : "ok", cname[c], id > (dir "/expect.tsv")
			rcar[j, r] = c
			if (!oo) dirphone[++ndirphones] = e
			if (!oo) dircar[ndirphones] = c
		}
	}
	print header > (dir "/wards.csv")
	for (w = 1; w <= max(wused, 1); w++) print wline[w] > (dir "/wards.csv")

	for (j = 1; j <= NJ; j++) {
		f = dir "/j" j ".json"
		printf "{\"id\":\"j%d\",\"priority\":\"%s\",\"sender\":\"UBND\",", j, prio[j] > f
		nch = split(chs[j], cl, ",")
		printf "\"channels\":[" > f
		for (k = 1; k <= nch; k++) printf "%s\"%s\"", (k > 1 ? "," : ""), cl[k] > f
		printf "]," > f
		if (chs[j] ~ /sms/)
			printf "\"sms\":{\"text\":\"#{{jt}} {{body}} {{name}}\",\"unicode\":\"%s\",\"max_segments\":%d},", uni[j], (chance(0.5) ? 10 : 255) > f
		if (chs[j] ~ /zalo/)
			printf "\"zalo\":{\"template_id\":\"231768\",\"data\":{\"ma\":\"{{jt}}\",\"ten\":\"{{name}}\",\"noi_dung\":\"{{body}}\"}}," > f
		printf "\"vars\":{\"jt\":\"J%d\",\"body\":\"%s\"},", j, bodyt[j] > f
		if (kind[j] == "audience") {
			nw = split(jw[j], t, ",")
			printf "\"audience\":{\"wards\":[" > f
			for (k = 1; k <= nw; k++) printf "%s\"%s\"", (k > 1 ? "," : ""), t[k] > f
			printf "]}}" > f
		} else {
			printf "\"recipients\":[" > f
			for (r = 1; r <= nrec[j]; r++) {
				u = rnd()
				if (r > 1 && u < 0.02) {
					# a phone this job already has
					e = rphone[j, pick(r - 1)]
					if (e == "-") e = phone_of(carrier())
					what = "duplicate"
					c = rcar_e[e]
					ph = written(e)
				} else if (u < 0.04) {
					e = "-"
					what = "bad_phone"
					c = 0
					ph = chance(0.5) ? "0123 456" : "+1 202 555 0100"
				} else if (u < 0.14 && ndirphones > 0) {
					k = pick(ndirphones)
					e = dirphone[k]
					c = dircar[k]
					what = "ok"
					ph = written(e)
				} else {
					c = carrier()
					e = phone_of(c)
					what = "ok"
					ph = written(e)
				}
				if (e != "-") rcar_e[e] = c
				# the first holder of a phone in the job is "ok"
				if (what == "duplicate" && !((j, e) in jphone)) what = "ok"
				if (what == "ok" && ((j, e) in jphone)) what = "duplicate"
				if (e != "-") jphone[j, e] = 1
				rphone[j, r] = e
				# half of them with an id (the delivery log shows it)
				lk = chance(0.5) ? sprintf("x%d-%d", j, r) : ""
				printf "%s{\"phone\":\"%s\",\"name\":\"Cư dân %06d\"%s}", (r > 1 ? "," : ""), ph, r, (lk == "" ? "" : ",\"id\":\"" lk "\"") > f
				printf "j%d\t#%d\t%s\t%s\t%s\t%s\n", j, r - 1, e, what, c ? cname[c] : "-", lk == "" ? "#" (r - 1) : lk > (dir "/expect.tsv")
			}
			printf "]}" > f
		}
		close(f)
	}

	# weights at the start (weights.0) and after each reload
	for (i = 1; i <= NP; i++) {
		wt[i] = pick(3)
		printf "%s %d\n", pname[P[i]], wt[i] > (dir "/weights.0")
	}

	# ---- loads ----
	# Load of each provider: every message it could carry (a Zalo job
	# with SMS behind it loads both), from the recipients drawn.
	close(dir "/expect.tsv")
	while ((getline line < (dir "/expect.tsv")) > 0) {
		split(line, t, "\t")
		j = substr(t[1], 2) + 0
		if (t[4] != "ok") continue
		nmsg++
		# Zalo: some residents have no Zalo account (-118: SMS instead)
		if (haszalo && !(t[3] in coded) && chance(0.05)) {
			coded[t[3]] = 1
			codes = codes (codes == "" ? "" : ",") sprintf("\"%s\":-118", t[3])
		}
		if (chs[j] ~ /zalo/) load[zp] += 1
		if (chs[j] ~ /sms/) {
			for (c = 1; c <= NCAR; c++) if (cname[c] == t[5]) break
			for (k = 1; k <= nel[c]; k++) load[el[c, k]] += seg[j]
		}
		# as the weights share it out, Zalo first
		if (chs[j] ~ /zalo/) oload[zp] += 1
		else if (nfirst[c] > 0) {
			ws = 0
			for (k = 1; k <= nfirst[c]; k++) ws += wt[el[c, k]]
			for (k = 1; k <= nfirst[c]; k++) oload[el[c, k]] += seg[j] * wt[el[c, k]] / ws
		}
	}
	close(dir "/expect.tsv")
	topt = 0
	for (i = 1; i <= NP; i++) if (oload[i] / eff[i] > topt) topt = oload[i] / eff[i]
	topt += nmsg / 3000

	# ---- daemons and events ----
	ND = pick(3)
	NE = ri(0, 4)
	ne = 0
	ekind_n = split(ratecheck ? "kill stop hup pause" : "kill stop hup pause burst", ek, " ")
	extra = 0
	for (e = 1; e <= NE; e++) {
		k = ek[pick(ekind_n)]
		if (k == "burst" && nburst++) k = "hup"	# one burst at most
		# within the time the sending should take when all goes well
		et = int(200 + rnd() * max(800, 900 * topt))
		if (k == "kill") {
			s = pick(ND); d = ri(200, 2000)
			ev[++ne] = sprintf("%d\tkill\t%d\t-", et, s)
			ev[++ne] = sprintf("%d\tstart\t%d\t-", et + d, s)
			extra += 2 + d / 1000 + 3
		} else if (k == "stop") {
			s = pick(ND); d = ri(1000, 4000)
			ev[++ne] = sprintf("%d\tstop\t%d\t-", et, s)
			ev[++ne] = sprintf("%d\tcont\t%d\t-", et + d, s)
			extra += d / 1000 + 2
		} else if (k == "hup") {
			nreload++
			ev[++ne] = sprintf("%d\thup\t%d\t-", et, nreload)
			extra += 2
		} else if (k == "pause") {
			i = pick(NP); d = ri(1000, 4000)
			ev[++ne] = sprintf("%d\tpause\t%s\t-", et, pname[P[i]])
			ev[++ne] = sprintf("%d\tresume\t%s\t-", et + d, pname[P[i]])
			extra += d / 1000
		} else {
			d = ri(500, 2000)
			ev[++ne] = sprintf("%d\tburst\t-\t-", et)
			ev[++ne] = sprintf("%d\tcalm\t-\t-", et + d)
			# README: retries back off up to 60 s
			extra += 60 + 2
		}
	}
	# sort the events by time (insertion sort; a handful)
	for (a = 2; a <= ne; a++) {
		x = ev[a]; split(x, t, "\t"); b = a - 1
		while (b >= 1) { split(ev[b], t2, "\t"); if (t2[1] + 0 <= t[1] + 0) break; ev[b + 1] = ev[b]; b-- }
		ev[b + 1] = x
	}
	printf "" > (dir "/events.tsv")
	for (a = 1; a <= ne; a++) print ev[a] > (dir "/events.tsv")

	for (w = 1; w <= nreload; w++)
		for (i = 1; i <= NP; i++)
			printf "%s %d\n", pname[P[i]], pick(3) > (dir "/weights." w)

	# ---- providers.conf / providers.tsv ----
	f = dir "/providers.conf"
	printf "" > (dir "/providers.tsv")
	for (i = 1; i <= NP; i++) {
		k = P[i]
		printf "[provider.%s]\nplugin = %s\nchannel = %s\n", pname[k], plug[k], chan[i] > f
		if (k == 1) {
			printf "base_url = %s\napi_key_file = %s/esms.key\nsecret_key_file = %s/esms.secret\nbrandname = UBND-HK\n", mock, dir, dir > f
		} else if (k == 2) {
			printf "base_url = %s\ntoken_file = %s/speed.token\nsender = UBND-HK\n", mock, dir > f
		} else if (k == 3) {
			printf "base_url = %s\naccount_sid = AC0123456789abcdef0123456789abcdef\nauth_token_file = %s/twilio.auth\nfrom = +15005550006\n", mock, dir > f
		} else if (k == 4) {
			printf "url = %s/generic/send\n", mock > f
			print "body = {\"to\":\"{{to}}\",\"text\":\"{{text}}\",\"ref\":\"{{delivery_id}}\",\"job\":\"{{job}}\"}" > f
			printf "success_field = ok\nid_field = message_id\n" > f
		} else {
			printf "base_url = %s\noauth_url = %s\napp_id = 4242\napp_secret_file = %s/zalo.secret\nrefresh_token_file = %s/zalo.refresh\n", mock, mock, dir, dir > f
		}
		printf "rate = %d/s\nmax_inflight = %d\ntimeout = 2s\nmax_attempts = %d\nweight = @W_%s@\n", rate[i], inflight[i], maxatt[i], pname[k] > f
		if (carr[i] != "") printf "carriers = %s\n", carr[i] > f
		printf "%s\t%s\t%s\t%d\t%s\t%d\t%d\n", pname[k], pkind[k], chan[i], rate[i], carr[i] == "" ? "-" : carr[i], inflight[i], maxatt[i] > (dir "/providers.tsv")
	}

	tz = 0; tsms = 0
	for (i = 1; i <= NP; i++) {
		x = load[i] / eff[i]
		if (chan[i] == "zalo") tz = x
		else if (x > tsms) tsms = x
	}
	send = tz + tsms + nmsg / 1500
	maxm = 0
	for (i = 1; i <= NP; i++) if (maxatt[i] > maxm) maxm = maxatt[i]
	retry = 0
	faulty = f5 + f429 + drop + dropa + g_bad + g_empty + g_trunc + g_huge + slow > 0
	if (faulty)
		for (a = 1; a < maxm; a++) retry += min(60, 0.5 * 2 ^ a)
	if (slowms > 2000) retry += maxm * 2
	retry += maxm * delay / 1000
	if (f429 > 0) retry += 3 * (ra == "date" ? 3 : (ra + 0 > 0 ? ra + 0 : 1))
	if (f5 + drop >= 0.05) retry += 15
	if (haszalo) retry += 2
	bound = int(1.5 * send + retry + extra + 20 + 0.999)

	# ---- world.env / world.txt ----
	f = dir "/world.env"
	printf "NP=%d\nND=%d\nNJ=%d\nRATECHECK=%d\nHASZALO=%d\n", NP, ND, NJ, ratecheck, haszalo > f
	printf "MIX='%s'\nNEWMIX='%s'\nRATE_LIMIT='%s'\n", mix, newmix, rl > f
	printf "{\"zalo_codes\":{%s}}\n", codes > (dir "/codes.json")
	printf "TWORLD=%.1f\nSEND=%.1f\nRETRY=%.1f\nEXTRA=%.1f\nBOUND=%d\nNMSG=%d\n", TWORLD, send, retry, extra, bound, nmsg > f
	printf "JOBS='" > f
	for (j = 1; j <= NJ; j++) printf "%sj%d", (j > 1 ? " " : ""), j > f
	printf "'\n" > f
	printf "" > (dir "/jobs.tsv")
	for (j = 1; j <= NJ; j++)
		printf "j%d\t%s\t%s\t%s\t%s\t%d\t%d\n", j, prio[j], kind[j], chs[j], uni[j], seg[j], nrec[j] > (dir "/jobs.tsv")

	f = dir "/world.txt"
	printf "# world: %d provider(s), %d daemon(s), %d job(s), %d messages; sending takes ~%.1f s if all goes well, %.1f s at worst (%.1f s planned); liveness bound %d s = 1.5 x %.1f + retries %.1f + events %.1f + 20\n", NP, ND, NJ, nmsg, topt, send, TWORLD, bound, send, retry, extra > f
	for (i = 1; i <= NP; i++)
		printf "# provider %s (%s): %s, rate %d/s%s, max_inflight %d, max_attempts %d%s\n", pname[P[i]], plug[P[i]], chan[i], rate[i], ratecheck ? " (mock limit the same)" : "", inflight[i], maxatt[i], carr[i] == "" ? "" : ", carriers " carr[i] > f
	for (j = 1; j <= NJ; j++)
		printf "# job j%d: %s, %s%s, %d recipients, channels %s, sms %s %d segment(s)\n", j, prio[j], kind[j], kind[j] == "audience" ? " (wards " jw[j] ")" : "", nrec[j], chs[j], uni[j], seg[j] > f
	printf "# mock: %s + %s%s\n", mix, newmix, ratecheck ? ", rate_limit " rl : "" > f
}
