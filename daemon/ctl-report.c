/*
 * ctl-report.c -- "loactl report ID [--csv] [--ward CODE]... [--unmasked]":
 * who a job reached, per ward, and who officials must still see in person.
 *
 * A job's outcome hash <prefix>job:<ID>:out maps each recipient that has
 * been queued to its outcome: for an audience job the item is the
 * resident id, for explicit recipients "#<index>" into the spec's
 * "recipients".  Values: "sent:<channel>", "maybe_duplicate:<channel>",
 * "delivered:<channel>" (reached); "failed:<channel>" (failed);
 * "skipped:[channel]", "expired:", "cancelled:" (final, unreached); "."
 * queued, "~" or "~N" being sent, "r:N:CI:DUE" waiting for a retry on
 * the job's channel CI (not final: unreached for now); loa_rstate_parse()
 * (store.c) reads them.
 *
 * The hash is read with HSCAN (COUNT 1000), so a million-entry hash never
 * blocks Redis.  For each batch the residents' ward, name, phone and
 * "tổ dân phố" (var:to_dan_pho) come from <prefix>resident:<id> in one
 * pipeline (the directory as it is now: a resident who moved since the
 * job is reported in the new ward); explicit recipients carry them in
 * the spec.  Counts per ward stay in memory (a few numbers per ward);
 * the failed and unreached residents are spooled to an unlinked
 * temporary file, chained per ward, and read back one ward at a time to
 * be sorted and printed, so memory grows with the largest ward's list,
 * not with the job.
 *
 * Audience residents that expansion has not reached yet have no entry
 * and are not listed (the footer compares the entries with the job's
 * total).  Explicit recipients without an entry yet are listed as
 * queued.  Why an unreached recipient was not reached (the "reason" of
 * its final event: opted_out, a provider's error, ...) is in
 * <prefix>job:<ID>:why, which record.lua keeps beside the outcome hash;
 * the CSV has it as its last column (reason), read with one HMGET per
 * HSCAN batch, masked and neutralised like the other cells.
 *
 * Phone numbers are masked ("8491****678") and ids, names and tổ dân phố
 * go through ctl_mask(), unless --unmasked: officials who must call
 * residents get the full numbers, so such output must be handled like
 * the directory itself.
 *
 * Names and codes come from the directory and from jobs, and officials
 * open the CSV in a spreadsheet: every text cell goes through
 * ctl_oneline() (controls, C1 and bidi controls as visible escapes), and
 * every CSV cell through loa_neutral_csv() (the same, then "'" before a
 * cell a spreadsheet would take for a formula, then RFC 4180 quoting).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uniwidth.h>

#include "ctl.h"

#define REPORT_USAGE	"report ID [--csv] [--ward CODE]... [--unmasked]"
#define REPORT_SCAN	"1000"
#define CSV_HEADER	"ward,ward_name,resident,name,phone,status,channel," \
			"reason"
#define NFIELDS		7	/* of a spooled row */

enum outcome {
	OUT_REACHED = 0,
	OUT_FAILED,
	OUT_UNREACHED,
	OUT_COUNT
};

struct ward {
	char		*code;		/* "" for recipients without a ward */
	char		*name;		/* NULL: unknown */
	long long	 n[OUT_COUNT];
	long long	 last;		/* spool offset of its newest row; -1 */
	size_t		 rows;
};

/* Header of a spooled row; the payload is NFIELDS NUL-terminated strings. */
struct spool_hdr {
	long long	 prev;		/* the ward's previous row; -1 */
	size_t		 len;
};

/* A row read back from the spool; the strings point into buf. */
struct row {
	char		*buf;
	const char	*id, *name, *phone, *status, *channel, *group, *reason;
};

struct report {
	const char	 *id;
	int		  csv;
	int		  unmasked;
	char		**only;		/* --ward codes */
	int		  nonly;
	int		  audience;	/* items are resident ids */
	json_t		 *spec;
	json_t		 *rcpt;		/* the spec's recipients (borrowed) */
	json_t		 *channels;	/* the spec's channels (borrowed) */
	unsigned char	 *seen;		/* explicit: recipient has an entry */
	size_t		  nrcpt;
	struct ward	 *w;
	size_t		  nw;
	json_t		 *index;	/* ward code -> position in w */
	FILE		 *spool;
	long long	  entries;	/* outcome entries scanned */
};

/* Non-zero when code passes the --ward filter. */
static int
wanted(const struct report *rp, const char *code)
{
	int	i;

	if (rp->nonly == 0)
		return 1;
	for (i = 0; i < rp->nonly; i++)
		if (strcmp(rp->only[i], code) == 0)
			return 1;
	return 0;
}

/*
 * The ward of code, added when new; NULL when --ward leaves it out.  The
 * pointer is good until the next ward is added.
 */
static struct ward *
ward_get(struct report *rp, const char *code)
{
	struct ward	*w;
	json_t		*pos;

	if (!wanted(rp, code))
		return NULL;
	if ((pos = json_object_get(rp->index, code)) != NULL)
		return &rp->w[json_integer_value(pos)];
	rp->w = xreallocarray(rp->w, rp->nw + 1, sizeof(*rp->w));
	w = &rp->w[rp->nw];
	memset(w, 0, sizeof(*w));
	w->code = xstrdup(code);
	w->last = -1;
	json_object_set_new(rp->index, code, json_integer((json_int_t)rp->nw));
	rp->nw++;
	return w;
}

/*
 * Classify outcome value v: the status word into status ("queued",
 * "sending", "retry" for the steps before a final outcome) and the
 * channel into channel (possibly empty).
 */
static enum outcome
classify(const struct report *rp, const char *v, char *status, size_t slen,
    char *channel, size_t clen)
{
	struct loa_rstate	 o;
	const char		*name;

	channel[0] = '\0';
	loa_rstate_parse(v, &o);
	switch (o.kind) {
	case LOA_RS_QUEUED:
		snprintf(status, slen, "queued");
		return OUT_UNREACHED;
	case LOA_RS_SENDING:
		snprintf(status, slen, "sending");
		return OUT_UNREACHED;
	case LOA_RS_RETRY:
		snprintf(status, slen, "retry");
		if (o.ci >= 0 && (name = json_string_value(json_array_get(
		    rp->channels, o.ci))) != NULL)
			snprintf(channel, clen, "%s", name);
		return OUT_UNREACHED;
	case LOA_RS_FINAL:
		break;
	}
	snprintf(status, slen, "%s", o.status);
	snprintf(channel, clen, "%s", o.channel);
	if (loa_rstate_reached(&o))
		return OUT_REACHED;
	if (loa_rstate_failed(&o))
		return OUT_FAILED;
	return OUT_UNREACHED;
}

/* Free text for display: masked unless --unmasked.  The caller frees. */
static char *
shown(const struct report *rp, const char *s)
{
	return rp->unmasked ? xstrdup(s) : ctl_mask(s);
}

/* A phone for display: normalized when it can be, masked unless asked. */
static void
shown_phone(const struct report *rp, const char *raw, char *out, size_t len)
{
	char	e164[LOA_PHONE_MAX];

	if (loa_phone_normalize(raw, e164) == 0)
		raw = e164;
	if (rp->unmasked)
		snprintf(out, len, "%s", raw);
	else
		loa_phone_mask(raw, out, len);
}

/* Append a row to ward w's chain in the spool. */
static void
spool_row(struct report *rp, struct ward *w, const char *const f[NFIELDS])
{
	struct spool_hdr	 h;
	struct loa_buf		 b;
	long long		 off;
	int			 i;

	loa_buf_init(&b);
	for (i = 0; i < NFIELDS; i++)
		loa_buf_add(&b, f[i], strlen(f[i]) + 1);
	if ((off = ftello(rp->spool)) == -1)
		fatal("report: temporary file");
	h.prev = w->last;
	h.len = b.len;
	if (fwrite(&h, sizeof(h), 1, rp->spool) != 1 ||
	    fwrite(b.data, 1, b.len, rp->spool) != b.len)
		fatal("report: temporary file");
	w->last = off;
	w->rows++;
	loa_buf_free(&b);
}

/*
 * Account for one recipient: its ward code, display id, name, phone (as
 * stored), tổ dân phố, outcome value and why it was not reached ("" when
 * the daemon recorded no reason).
 */
static void
tally(struct report *rp, const char *code, const char *id, const char *name,
    const char *phone, const char *group, const char *value,
    const char *why)
{
	struct ward	*w;
	const char	*f[NFIELDS];
	char		 status[32], channel[32], ph[64];
	char		*sid, *sname, *sgroup, *swhy;
	enum outcome	 o;

	if ((w = ward_get(rp, code)) == NULL)
		return;
	o = classify(rp, value, status, sizeof(status), channel,
	    sizeof(channel));
	w->n[o]++;
	if (o == OUT_REACHED)
		return;
	shown_phone(rp, phone, ph, sizeof(ph));
	sid = shown(rp, id);
	sname = shown(rp, name);
	sgroup = shown(rp, group);
	swhy = shown(rp, why);	/* a provider's words may quote a phone */
	f[0] = sid;
	f[1] = sname;
	f[2] = ph;
	f[3] = status;
	f[4] = channel;
	f[5] = sgroup;
	f[6] = swhy;
	spool_row(rp, w, f);
	free(swhy);
	free(sid);
	free(sname);
	free(sgroup);
}

/* A string member of a JSON object, or "". */
static const char *
jstr(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Element i of a string-or-nil array reply, or "". */
static const char *
rstr(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_STRING)
		return "";
	return r->element[i]->str;
}

/*
 * One HSCAN batch of an audience job: fetch the residents in one
 * pipeline, then account for each.  A resident no longer in the
 * directory counts in no ward ("").
 */
static void
batch_directory(struct report *rp, const redisReply *kv,
    const redisReply *why)
{
	const char	*argv[6] = { "HMGET", NULL, "ward", "name", "phone",
	    "var:to_dan_pho" };
	redisReply	**res;
	void		*reply;
	char		*key;
	size_t		 i, n = kv->elements / 2;

	res = xcalloc(n == 0 ? 1 : n, sizeof(*res));
	for (i = 0; i < n; i++) {
		key = loa_key_resident(ctl_cfg.prefix, kv->element[2 * i]->str);
		argv[1] = key;
		if (redisAppendCommandArgv(ctl_redis, 6, argv, NULL) !=
		    REDIS_OK)
			ctl_redis_fail();
		free(key);
	}
	for (i = 0; i < n; i++) {
		if (redisGetReply(ctl_redis, &reply) != REDIS_OK ||
		    reply == NULL)
			ctl_redis_fail();
		res[i] = reply;	/* an error reply reads as no resident */
	}
	for (i = 0; i < n; i++) {
		tally(rp, rstr(res[i], 0), kv->element[2 * i]->str,
		    rstr(res[i], 1), rstr(res[i], 2), rstr(res[i], 3),
		    kv->element[2 * i + 1]->str, rstr(why, i));
		freeReplyObject(res[i]);
	}
	free(res);
}

/* Account for explicit recipient i with outcome value and reason why. */
static void
tally_recipient(struct report *rp, size_t i, const char *value,
    const char *why)
{
	json_t		*rc = json_array_get(rp->rcpt, i);
	char		 item[32];
	const char	*id = jstr(rc, "id");

	snprintf(item, sizeof(item), "#%zu", i);
	tally(rp, jstr(rc, "ward"), id[0] != '\0' ? id : item,
	    jstr(rc, "name"), jstr(rc, "phone"),
	    jstr(json_object_get(rc, "vars"), "to_dan_pho"), value, why);
}

/*
 * One HSCAN batch of an explicit-recipients job.  An item that names no
 * recipient of the spec, or one already seen (HSCAN may repeat an entry),
 * is passed over.
 */
static void
batch_explicit(struct report *rp, const redisReply *kv,
    const redisReply *why)
{
	const char	*item;
	char		*end;
	unsigned long	 idx;
	size_t		 i;

	for (i = 0; i + 1 < kv->elements; i += 2) {
		item = kv->element[i]->str;
		if (item[0] != '#' || item[1] < '0' || item[1] > '9')
			continue;
		idx = strtoul(item + 1, &end, 10);
		if (*end != '\0' || idx >= rp->nrcpt || rp->seen[idx])
			continue;
		rp->seen[idx] = 1;
		tally_recipient(rp, idx, kv->element[i + 1]->str,
		    rstr(why, i / 2));
	}
}

/*
 * The reasons the daemon recorded for the items of one HSCAN batch (kv:
 * item, value, ...), from <prefix>job:<ID>:why in one HMGET: element i
 * for item i, nil when none.  NULL for an empty batch.
 */
static redisReply *
reasons(const struct report *rp, const redisReply *kv)
{
	redisReply	*r;
	const char	**argv;
	size_t		 i, n = kv->elements / 2;

	if (n == 0)
		return NULL;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = "HMGET";
	argv[1] = loa_key_job_why(ctl_cfg.prefix, rp->id);
	for (i = 0; i < n; i++)
		argv[i + 2] = kv->element[2 * i]->str;
	r = ctl_command((int)n + 2, argv, NULL);
	free((char *)argv[1]);
	free(argv);
	return r;
}

/* Read the outcome hash, HSCAN batch by batch. */
static void
scan(struct report *rp)
{
	redisReply	*r, *kv, *why;
	char		*key, *cursor;
	size_t		 i;

	key = loa_key_job_out(ctl_cfg.prefix, rp->id);
	cursor = xstrdup("0");
	do {
		r = ctl_commandl("HSCAN", key, cursor, "COUNT", REPORT_SCAN,
		    NULL);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			fatalx("HSCAN: unexpected reply");
		free(cursor);
		cursor = xstrdup(r->element[0]->str);
		kv = r->element[1];
		for (i = 0; i < kv->elements; i++)
			if (kv->element[i]->type != REDIS_REPLY_STRING)
				fatalx("HSCAN: unexpected reply");
		rp->entries += kv->elements / 2;
		why = reasons(rp, kv);
		if (rp->audience)
			batch_directory(rp, kv, why);
		else
			batch_explicit(rp, kv, why);
		if (why != NULL)
			freeReplyObject(why);
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	free(cursor);
	free(key);

	/* Explicit recipients not gated yet wait in the work queue. */
	for (i = 0; !rp->audience && i < rp->nrcpt; i++)
		if (!rp->seen[i])
			tally_recipient(rp, i, ".", "");
}

/*
 * The wards the job reaches (<prefix>job:<ID>:wards, JSON [[code, name,
 * district], ...]) are shown even when nothing was recorded for them;
 * so are the --ward codes.
 */
static void
add_job_wards(struct report *rp)
{
	redisReply	*r;
	json_t		*list, *e;
	char		*key;
	size_t		 i;
	int		 k;

	for (k = 0; k < rp->nonly; k++)
		ward_get(rp, rp->only[k]);
	key = loa_key_job_wards(ctl_cfg.prefix, rp->id);
	r = ctl_commandl("GET", key, NULL);
	free(key);
	if (r->type == REDIS_REPLY_STRING &&
	    (list = json_loads(r->str, 0, NULL)) != NULL) {
		json_array_foreach(list, i, e)
			if (json_is_string(json_array_get(e, 0)))
				ward_get(rp, json_string_value(
				    json_array_get(e, 0)));
		json_decref(list);
	}
	freeReplyObject(r);
}

/* Ward names from <prefix>ward:<code>, in one pipeline. */
static void
ward_names(struct report *rp)
{
	const char	*argv[3] = { "HGET", NULL, "name" };
	redisReply	*r;
	void		*reply;
	char		*key;
	size_t		 i;

	for (i = 0; i < rp->nw; i++) {
		key = loa_key_ward(ctl_cfg.prefix, rp->w[i].code);
		argv[1] = key;
		if (redisAppendCommandArgv(ctl_redis, 3, argv, NULL) !=
		    REDIS_OK)
			ctl_redis_fail();
		free(key);
	}
	for (i = 0; i < rp->nw; i++) {
		if (redisGetReply(ctl_redis, &reply) != REDIS_OK ||
		    reply == NULL)
			ctl_redis_fail();
		r = reply;
		if (r->type == REDIS_REPLY_STRING && rp->w[i].code[0] != '\0')
			rp->w[i].name = xstrdup(r->str);
		freeReplyObject(r);
	}
}

/* Wards by code, the recipients without a ward last. */
static int
ward_cmp(const void *a, const void *b)
{
	const struct ward	*wa = a, *wb = b;

	if ((wa->code[0] == '\0') != (wb->code[0] == '\0'))
		return wa->code[0] == '\0' ? 1 : -1;
	return strcmp(wa->code, wb->code);
}

/* Failed first, then by tổ dân phố, then by id ("r2" before "r10"). */
static int
row_cmp(const void *a, const void *b)
{
	const struct row	*ra = a, *rb = b;
	int			 fa, fb, c;

	fa = strcmp(ra->status, "failed") == 0;
	fb = strcmp(rb->status, "failed") == 0;
	if (fa != fb)
		return fb - fa;
	if ((c = strcmp(ra->group, rb->group)) != 0)
		return c;
	return strverscmp(ra->id, rb->id);
}

/* Read ward w's rows back from the spool, sorted; returns their number. */
static size_t
load_rows(struct report *rp, const struct ward *w, struct row **out)
{
	struct spool_hdr	 h;
	struct row		*rows, *r;
	const char		*p;
	long long		 off;
	size_t			 n = 0;

	rows = xcalloc(w->rows == 0 ? 1 : w->rows, sizeof(*rows));
	for (off = w->last; off != -1 && n < w->rows; off = h.prev) {
		if (fseeko(rp->spool, off, SEEK_SET) == -1 ||
		    fread(&h, sizeof(h), 1, rp->spool) != 1)
			fatal("report: temporary file");
		r = &rows[n++];
		r->buf = xmalloc(h.len);
		if (fread(r->buf, 1, h.len, rp->spool) != h.len)
			fatal("report: temporary file");
		p = r->buf;
		r->id = p;
		p += strlen(p) + 1;
		r->name = p;
		p += strlen(p) + 1;
		r->phone = p;
		p += strlen(p) + 1;
		r->status = p;
		p += strlen(p) + 1;
		r->channel = p;
		p += strlen(p) + 1;
		r->group = p;
		p += strlen(p) + 1;
		r->reason = p;
	}
	if (n > 0)	/* rows may be NULL then: qsort() wants an array */
		qsort(rows, n, sizeof(*rows), row_cmp);
	*out = rows;
	return n;
}

static void
rows_free(struct row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(rows[i].buf);
	free(rows);
}

/* Display width of UTF-8 text s in terminal columns. */
static int
width(const char *s)
{
	int	w = u8_strwidth((const uint8_t *)s, "UTF-8");

	return w < 0 ? (int)strlen(s) : w;
}

/* s, with control characters blanked, "-" when empty, padded to cols. */
static void
cell(const char *s, int cols, int last)
{
	char	*one = ctl_oneline(s[0] != '\0' ? s : "-");
	int	 pad = cols - width(one);

	fputs(one, stdout);
	if (!last)
		printf("%*s", pad > 0 ? pad + 2 : 2, "");
	free(one);
}

/* The wider of cur and the width s takes as cell() prints it. */
static int
max_width(int cur, const char *s)
{
	char	*one = ctl_oneline(s[0] != '\0' ? s : "-");
	int	 w = width(one);

	free(one);
	return w > cur ? w : cur;
}

/* printf("%s", s) for text from Redis or a job: made safe to print. */
static void
put(const char *fmt, const char *s)
{
	char	*one = ctl_oneline(s);

	printf(fmt, one);
	free(one);
}

/* The rows of one ward as an indented table. */
static void
text_rows(const struct row *rows, size_t n)
{
	int	 wid = 8, wname = 4, wph = 5, wst = 6, wch = 7, groups = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		wid = max_width(wid, rows[i].id);
		wname = max_width(wname, rows[i].name);
		wph = max_width(wph, rows[i].phone);
		wst = max_width(wst, rows[i].status);
		wch = max_width(wch, rows[i].channel);
		if (rows[i].group[0] != '\0')
			groups = 1;
	}
	printf("  ");
	cell("resident", wid, 0);
	cell("name", wname, 0);
	cell("phone", wph, 0);
	cell("status", wst, 0);
	cell("channel", wch, !groups);
	if (groups)
		cell("to_dan_pho", 0, 1);
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("  ");
		cell(rows[i].id, wid, 0);
		cell(rows[i].name, wname, 0);
		cell(rows[i].phone, wph, 0);
		cell(rows[i].status, wst, 0);
		cell(rows[i].channel, wch, !groups);
		if (groups)
			cell(rows[i].group, 0, 1);
		printf("\n");
	}
}

/* A ward's name for the text output. */
static const char *
ward_name(const struct ward *w)
{
	if (w->code[0] == '\0')
		return "(no ward)";
	return w->name != NULL ? w->name : "";
}

/* Right-aligned count in cols columns. */
static void
num(long long v, int cols, int last)
{
	printf("%*lld%s", cols, v, last ? "\n" : "  ");
}

static void
print_text(struct report *rp, const redisReply *job)
{
	struct row	*rows;
	struct ward	*w;
	const char	*state, *total, *v;
	char		*line, *masked;
	long long	 sum[OUT_COUNT] = { 0, 0, 0 };
	size_t		 i, n;
	int		 wcode = 4, wname = 4, k;

	state = ctl_field(job, "state", NULL);
	total = ctl_field(job, "total", NULL);
	put("job    %s\n", rp->id);
	put("state  %s\n", state != NULL ? state : "?");
	if ((v = ctl_field(job, "error", NULL)) != NULL) {
		masked = ctl_mask(v);
		line = ctl_oneline(masked);
		printf("error  %s\n", line);
		free(line);
		free(masked);
	}
	printf("\n");

	for (i = 0; i < rp->nw; i++) {
		wcode = max_width(wcode, rp->w[i].code);
		wname = max_width(wname, ward_name(&rp->w[i]));
	}
	cell("ward", wcode, 0);
	cell("name", wname, 0);
	printf("reached  failed  unreached\n");
	for (i = 0; i < rp->nw; i++) {
		w = &rp->w[i];
		cell(w->code, wcode, 0);
		cell(ward_name(w), wname, 0);
		num(w->n[OUT_REACHED], 7, 0);
		num(w->n[OUT_FAILED], 6, 0);
		num(w->n[OUT_UNREACHED], 9, 1);
		for (k = 0; k < OUT_COUNT; k++)
			sum[k] += w->n[k];
	}
	if (rp->nw > 1) {
		cell("total", wcode, 0);
		cell(" ", wname, 0);
		num(sum[OUT_REACHED], 7, 0);
		num(sum[OUT_FAILED], 6, 0);
		num(sum[OUT_UNREACHED], 9, 1);
	}

	for (i = 0; i < rp->nw; i++) {
		w = &rp->w[i];
		if (w->rows == 0)
			continue;
		put("\n%s ", w->code[0] != '\0' ? w->code : "-");
		put("%s: ", ward_name(w));
		printf("%lld failed, %lld unreached\n", w->n[OUT_FAILED],
		    w->n[OUT_UNREACHED]);
		n = load_rows(rp, w, &rows);
		text_rows(rows, n);
		rows_free(rows, n);
	}

	printf("\n%lld outcome entries, ", rp->entries);
	put("job total %s\n", total != NULL ? total : "0");
	if (state != NULL && strcmp(state, "expanding") == 0)
		printf("still expanding: residents the expansion has not "
		    "reached yet are not counted\n");
	else if (state != NULL && (strcmp(state, "sending") == 0 ||
	    strcmp(state, "scheduled") == 0))
		printf("still %s: unreached includes residents not sent to "
		    "yet\n", state);
}

/*
 * One CSV field: neutralised, defused and quoted (loa_neutral_csv()),
 * then "," or, for the last of the row, CRLF.
 */
static void
csv_field(struct loa_buf *b, const char *s, int last)
{
	loa_buf_reset(b);
	loa_neutral_csv(b, s);
	loa_buf_adds(b, last ? "\r\n" : ",");
	fwrite(b->data, 1, b->len, stdout);
}

static void
print_csv(struct report *rp, const redisReply *job)
{
	struct loa_buf	 b;
	struct row	*rows;
	struct ward	*w;
	const char	*state;
	char		*id, *st;
	size_t		 i, j, n;

	loa_buf_init(&b);
	fputs(CSV_HEADER "\r\n", stdout);
	for (i = 0; i < rp->nw; i++) {
		w = &rp->w[i];
		if (w->rows == 0)
			continue;
		n = load_rows(rp, w, &rows);
		for (j = 0; j < n; j++) {
			csv_field(&b, w->code, 0);
			csv_field(&b, w->name != NULL ? w->name : "", 0);
			csv_field(&b, rows[j].id, 0);
			csv_field(&b, rows[j].name, 0);
			csv_field(&b, rows[j].phone, 0);
			csv_field(&b, rows[j].status, 0);
			csv_field(&b, rows[j].channel, 0);
			csv_field(&b, rows[j].reason, 1);
		}
		rows_free(rows, n);
	}
	loa_buf_free(&b);
	state = ctl_field(job, "state", NULL);
	if (state != NULL && (strcmp(state, "expanding") == 0 ||
	    strcmp(state, "sending") == 0 ||
	    strcmp(state, "scheduled") == 0)) {
		id = ctl_oneline(rp->id);
		st = ctl_oneline(state);
		fprintf(stderr, "loactl: report: job %s is still %s\n", id, st);
		free(id);
		free(st);
	}
}

/* Load the job's spec: its channels and, for explicit jobs, recipients. */
static void
load_spec(struct report *rp)
{
	redisReply	*r;
	char		*key;

	key = loa_key_job_spec(ctl_cfg.prefix, rp->id);
	r = ctl_commandl("GET", key, NULL);
	free(key);
	if (r->type == REDIS_REPLY_STRING)
		rp->spec = json_loadb(r->str, r->len, 0, NULL);
	freeReplyObject(r);
	rp->channels = json_object_get(rp->spec, "channels");
	rp->rcpt = json_object_get(rp->spec, "recipients");
	if (!rp->audience && json_is_array(rp->rcpt))
		rp->nrcpt = json_array_size(rp->rcpt);
	rp->seen = xcalloc(rp->nrcpt == 0 ? 1 : rp->nrcpt, 1);
}

static void
report_free(struct report *rp)
{
	size_t	i;

	for (i = 0; i < rp->nw; i++) {
		free(rp->w[i].code);
		free(rp->w[i].name);
	}
	free(rp->w);
	free(rp->seen);
	free(rp->only);
	json_decref(rp->index);
	json_decref(rp->spec);
	if (rp->spool != NULL)
		fclose(rp->spool);
}

int
ctl_report(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "csv",	no_argument,		NULL,	'c' },
		{ "ward",	required_argument,	NULL,	'w' },
		{ "unmasked",	no_argument,		NULL,	'u' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct report	 rp;
	redisReply	*job;
	char		*key;
	const char	*v;
	int		 ch, rc = 0;

	memset(&rp, 0, sizeof(rp));
	while ((ch = ctl_getopt(argc, argv, lo, REPORT_USAGE)) != -1) {
		switch (ch) {
		case 'c':
			rp.csv = 1;
			break;
		case 'u':
			rp.unmasked = 1;
			break;
		case 'w':
			rp.only = xreallocarray(rp.only, rp.nonly + 1,
			    sizeof(*rp.only));
			rp.only[rp.nonly++] = optarg;
			break;
		}
	}
	rp.id = ctl_job_operand("report", REPORT_USAGE);

	ctl_connect();
	key = loa_key_job(ctl_cfg.prefix, rp.id);
	job = ctl_commandl("HGETALL", key, NULL);
	free(key);
	if (job->type != REDIS_REPLY_ARRAY || job->elements == 0) {
		key = ctl_oneline(rp.id);
		fprintf(stderr, "loactl: %s: no such job\n", key);
		free(key);
		freeReplyObject(job);
		free(rp.only);
		return 1;
	}
	rp.audience = (v = ctl_field(job, "audience", NULL)) != NULL &&
	    strcmp(v, "1") == 0;
	if ((rp.spool = tmpfile()) == NULL)
		fatal("report: temporary file");
	rp.index = json_object();

	load_spec(&rp);
	add_job_wards(&rp);
	scan(&rp);
	ward_names(&rp);
	if (rp.nw > 0)
		qsort(rp.w, rp.nw, sizeof(*rp.w), ward_cmp);
	if (rp.csv)
		print_csv(&rp, job);
	else
		print_text(&rp, job);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "loactl: report: standard output: write "
		    "error\n");
		rc = 1;
	}
	freeReplyObject(job);
	report_free(&rp);
	return rc;
}
