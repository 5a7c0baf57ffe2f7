/*
 * reach.c -- a job's reach report (reach.h), one way for "loactl report"
 * and GET /v1/jobs/<id>/report.csv.
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
 * "tổ dân phố" (var:to_dan_pho) come from <prefix>resident:<id> (one
 * HMGET each, pipelined: the directory as it is now, so a resident who
 * moved since the job is reported in the new ward); explicit recipients
 * carry them in the spec.  Why an unreached recipient was not reached
 * (the "reason" of its final event) is in <prefix>job:<ID>:why, which
 * record.lua keeps beside the outcome hash: one HMGET per batch, sent
 * before the residents' so that its reply comes first.  Counts per ward
 * stay in memory (a few numbers per ward); the failed and unreached
 * residents are spooled to an unlinked temporary file, chained per
 * ward, and read back one ward at a time to be sorted and written, so
 * memory grows with the largest ward's list, not with the job.
 *
 * Audience residents that expansion has not reached yet have no entry
 * and are not listed.  Explicit recipients without an entry yet are
 * listed as queued.  The wards the job reaches (<prefix>job:<ID>:wards)
 * and the --ward codes are listed even when nothing was recorded for
 * them; ward names come from <prefix>ward:<code>.
 *
 * Phone numbers are masked ("8491****678") and ids, names, tổ dân phố
 * and reasons go through loa_mask_numbers(), unless unmasked (loactl
 * --unmasked only).  Every CSV cell goes through loa_neutral_csv()
 * (controls, C1 and bidi controls as visible escapes, "'" before a cell
 * a spreadsheet would take for a formula, RFC 4180 quoting).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "reach.h"

#define REACH_SCAN	"1000"
#define NFIELDS		7	/* of a spooled row */

enum {
	RS_SPEC = 0,	/* GET the spec */
	RS_WARDS,	/* GET the job's wards */
	RS_HSCAN,	/* an HSCAN of the outcome hash */
	RS_BATCH,	/* its reasons and residents, to send */
	RS_BATCH_SENT,
	RS_NAMES,	/* the wards' names */
	RS_DONE
};

/* Header of a spooled row; the payload is NFIELDS NUL-terminated strings. */
struct spool_hdr {
	long long	 prev;		/* the ward's previous row; -1 */
	size_t		 len;
};

/* Non-zero when code passes the --ward filter. */
static int
wanted(const struct loa_reach *rp, const char *code)
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
static struct loa_reach_ward *
ward_get(struct loa_reach *rp, const char *code)
{
	struct loa_reach_ward	*w;
	json_t			*pos;

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
static enum loa_reach_outcome
classify(const struct loa_reach *rp, const char *v, char *status,
    size_t slen, char *channel, size_t clen)
{
	struct loa_rstate	 o;
	const char		*name;

	channel[0] = '\0';
	loa_rstate_parse(v, &o);
	switch (o.kind) {
	case LOA_RS_QUEUED:
		snprintf(status, slen, "queued");
		return REACH_UNREACHED;
	case LOA_RS_SENDING:
		snprintf(status, slen, "sending");
		return REACH_UNREACHED;
	case LOA_RS_RETRY:
		snprintf(status, slen, "retry");
		if (o.ci >= 0 && (name = json_string_value(json_array_get(
		    rp->channels, o.ci))) != NULL)
			snprintf(channel, clen, "%s", name);
		return REACH_UNREACHED;
	case LOA_RS_FINAL:
		break;
	}
	snprintf(status, slen, "%s", o.status);
	snprintf(channel, clen, "%s", o.channel);
	if (loa_rstate_reached(&o))
		return REACH_REACHED;
	if (loa_rstate_failed(&o))
		return REACH_FAILED;
	return REACH_UNREACHED;
}

/* Free text for display: masked unless unmasked.  The caller frees. */
static char *
shown(const struct loa_reach *rp, const char *s)
{
	return rp->unmasked ? xstrdup(s) : loa_mask_numbers(s);
}

/* A phone for display: normalized when it can be, masked unless asked. */
static void
shown_phone(const struct loa_reach *rp, const char *raw, char *out,
    size_t len)
{
	char	e164[LOA_PHONE_MAX];

	if (loa_phone_normalize(raw, e164) == 0)
		raw = e164;
	if (rp->unmasked)
		snprintf(out, len, "%s", raw);
	else
		loa_phone_mask(raw, out, len);
}

/* Append a row to ward w's chain in the spool; -1 on a write error. */
static int
spool_row(struct loa_reach *rp, struct loa_reach_ward *w,
    const char *const f[NFIELDS])
{
	struct spool_hdr	 h;
	struct loa_buf		 b;
	long long		 off;
	int			 i, rv = -1;

	loa_buf_init(&b);
	for (i = 0; i < NFIELDS; i++)
		loa_buf_add(&b, f[i], strlen(f[i]) + 1);
	if ((off = ftello(rp->spool)) == -1)
		goto out;
	h.prev = w->last;
	h.len = b.len;
	if (fwrite(&h, sizeof(h), 1, rp->spool) != 1 ||
	    fwrite(b.data, 1, b.len, rp->spool) != b.len)
		goto out;
	w->last = off;
	w->rows++;
	rv = 0;
 out:
	if (rv == -1)
		snprintf(rp->err, sizeof(rp->err), "report: temporary file: "
		    "write error");
	loa_buf_free(&b);
	return rv;
}

/*
 * Account for one recipient: its ward code, display id, name, phone (as
 * stored), tổ dân phố, outcome value and why it was not reached ("" when
 * the daemon recorded no reason).  0, or -1 (rp->err).
 */
static int
tally(struct loa_reach *rp, const char *code, const char *id,
    const char *name, const char *phone, const char *group,
    const char *value, const char *why)
{
	struct loa_reach_ward	*w;
	const char		*f[NFIELDS];
	char			 status[32], channel[32], ph[64];
	char			*sid, *sname, *sgroup, *swhy;
	enum loa_reach_outcome	 o;
	int			 rv;

	if ((w = ward_get(rp, code)) == NULL)
		return 0;
	o = classify(rp, value, status, sizeof(status), channel,
	    sizeof(channel));
	w->n[o]++;
	if (o == REACH_REACHED)
		return 0;
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
	rv = spool_row(rp, w, f);
	free(swhy);
	free(sid);
	free(sname);
	free(sgroup);
	return rv;
}

/* A string member of a JSON object, or "". */
static const char *
jstr(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Element i of a string-or-nil array reply, or "" (loa_reply_str). */
static const char *
rstr(const redisReply *r, size_t i)
{
	return loa_reply_str(r, i);
}

/* Account for explicit recipient i with outcome value and reason why. */
static int
tally_recipient(struct loa_reach *rp, size_t i, const char *value,
    const char *why)
{
	json_t		*rc = json_array_get(rp->rcpt, i);
	char		 item[32];
	const char	*id = jstr(rc, "id");

	snprintf(item, sizeof(item), "#%zu", i);
	return tally(rp, jstr(rc, "ward"), id[0] != '\0' ? id : item,
	    jstr(rc, "name"), jstr(rc, "phone"),
	    jstr(json_object_get(rc, "vars"), "to_dan_pho"), value, why);
}

/*
 * The HSCAN batch of an explicit-recipients job.  An item that names no
 * recipient of the spec, or one already seen (HSCAN may repeat an entry),
 * is passed over.
 */
static int
batch_explicit(struct loa_reach *rp)
{
	const char	*item;
	char		*end;
	unsigned long	 idx;
	size_t		 i;

	for (i = 0; i < rp->nitems; i++) {
		item = rp->items[i];
		if (item[0] != '#' || item[1] < '0' || item[1] > '9')
			continue;
		idx = strtoul(item + 1, &end, 10);
		if (*end != '\0' || idx >= rp->nrcpt || rp->seen[idx])
			continue;
		rp->seen[idx] = 1;
		if (tally_recipient(rp, idx, rp->values[i], rp->whys[i]) == -1)
			return -1;
	}
	return 0;
}

static struct loa_argv *
io_add(struct loa_reach *rp)
{
	return loa_argv_push(&rp->io, &rp->nio, &rp->iocap);
}

static void
io_clear(struct loa_reach *rp)
{
	loa_argv_free_all(rp->io, &rp->nio);
}

static void
batch_clear(struct loa_reach *rp)
{
	size_t	i;

	for (i = 0; i < rp->nitems; i++) {
		free(rp->items[i]);
		free(rp->values[i]);
		free(rp->whys[i]);
	}
	free(rp->items);
	free(rp->values);
	free(rp->whys);
	rp->items = rp->values = rp->whys = NULL;
	rp->nitems = 0;
}

/* Wards by code, the recipients without a ward last. */
static int
ward_cmp(const void *a, const void *b)
{
	const struct loa_reach_ward	*wa = a, *wb = b;

	if ((wa->code[0] == '\0') != (wb->code[0] == '\0'))
		return wa->code[0] == '\0' ? 1 : -1;
	return strcmp(wa->code, wb->code);
}

/*
 * Start the report of job id (whose hash says audience "1" or not) under
 * key prefix; only (nonly codes, kept by the caller) filters the wards,
 * unmasked shows phones in full.  0, or -1 (rp->err: no temporary file).
 */
int
loa_reach_init(struct loa_reach *rp, const char *id, const char *prefix,
    int audience, char **only, int nonly, int unmasked)
{
	int	k;

	memset(rp, 0, sizeof(*rp));
	rp->id = xstrdup(id);
	rp->prefix = xstrdup(prefix);
	rp->audience = audience;
	rp->only = only;
	rp->nonly = nonly;
	rp->unmasked = unmasked;
	rp->index = json_object();
	if ((rp->spool = tmpfile()) == NULL) {
		snprintf(rp->err, sizeof(rp->err), "report: temporary file: "
		    "cannot create");
		return -1;
	}
	for (k = 0; k < rp->nonly; k++)
		ward_get(rp, rp->only[k]);
	return 0;
}

/*
 * The next step: the number of commands in rp->io to send (each reply
 * to loa_reach_feed(), in order), 0 when the report is complete (the
 * wards sorted by code), -1 on an error (rp->err).
 */
int
loa_reach_next(struct loa_reach *rp)
{
	struct loa_argv	*av;
	size_t		 i;

	io_clear(rp);
	for (;;) {
		switch (rp->stage) {
		case RS_SPEC:
			av = io_add(rp);
			loa_argv_add(av, "GET");
			loa_argv_take(av, loa_key_job_spec(rp->prefix, rp->id));
			return 1;
		case RS_WARDS:
			av = io_add(rp);
			loa_argv_add(av, "GET");
			loa_argv_take(av, loa_key_job_wards(rp->prefix,
			    rp->id));
			return 1;
		case RS_HSCAN:
			av = io_add(rp);
			loa_argv_add(av, "HSCAN");
			loa_argv_take(av, loa_key_job_out(rp->prefix, rp->id));
			loa_argv_add(av, rp->cursor);
			loa_argv_add(av, "COUNT");
			loa_argv_add(av, REACH_SCAN);
			return 1;
		case RS_BATCH:
			if (rp->nitems == 0)
				goto scanned;
			av = io_add(rp);
			loa_argv_add(av, "HMGET");
			loa_argv_take(av, loa_key_job_why(rp->prefix, rp->id));
			for (i = 0; i < rp->nitems; i++)
				loa_argv_add(av, rp->items[i]);
			for (i = 0; rp->audience && i < rp->nitems; i++) {
				av = io_add(rp);
				loa_argv_add(av, "HMGET");
				loa_argv_take(av, loa_key_resident(rp->prefix,
				    rp->items[i]));
				loa_argv_add(av, "ward");
				loa_argv_add(av, "name");
				loa_argv_add(av, "phone");
				loa_argv_add(av, "var:to_dan_pho");
			}
			rp->stage = RS_BATCH_SENT;
			return (int)rp->nio;
		case RS_BATCH_SENT:
			if (!rp->audience && batch_explicit(rp) == -1)
				return -1;
 scanned:
			batch_clear(rp);
			if (strcmp(rp->cursor, "0") != 0) {
				rp->stage = RS_HSCAN;
				break;
			}
			/* Explicit recipients not gated yet wait in the work
			 * queue. */
			for (i = 0; !rp->audience && i < rp->nrcpt; i++)
				if (!rp->seen[i] &&
				    tally_recipient(rp, i, ".", "") == -1)
					return -1;
			rp->stage = RS_NAMES;
			if (rp->nw == 0)
				break;
			for (i = 0; i < rp->nw; i++) {
				av = io_add(rp);
				loa_argv_add(av, "HGET");
				loa_argv_take(av, loa_key_ward(rp->prefix,
				    rp->w[i].code));
				loa_argv_add(av, "name");
			}
			return (int)rp->nw;
		case RS_NAMES:
			if (rp->nw > 0)
				qsort(rp->w, rp->nw, sizeof(*rp->w), ward_cmp);
			rp->stage = RS_DONE;
			return 0;
		default:
			return 0;
		}
	}
}

/*
 * Reply k (0-based, in order) to the commands loa_reach_next() returned;
 * rep NULL: none came.  0, or -1 with rp->err.
 */
int
loa_reach_feed(struct loa_reach *rp, size_t k, const redisReply *r)
{
	const redisReply	*kv;
	json_t			*list, *e;
	size_t			 i;

	if (r == NULL || (r->type == REDIS_REPLY_ERROR &&
	    rp->stage != RS_BATCH_SENT)) {
		snprintf(rp->err, sizeof(rp->err), "redis: %s",
		    r != NULL ? r->str : "no reply");
		return -1;
	}
	switch (rp->stage) {
	case RS_SPEC:
		if (r->type == REDIS_REPLY_STRING)
			rp->spec = json_loadb(r->str, r->len, 0, NULL);
		rp->channels = json_object_get(rp->spec, "channels");
		rp->rcpt = json_object_get(rp->spec, "recipients");
		if (!rp->audience && json_is_array(rp->rcpt))
			rp->nrcpt = json_array_size(rp->rcpt);
		rp->seen = xcalloc(rp->nrcpt == 0 ? 1 : rp->nrcpt, 1);
		rp->stage = RS_WARDS;
		return 0;
	case RS_WARDS:
		if (r->type == REDIS_REPLY_STRING &&
		    (list = json_loads(r->str, 0, NULL)) != NULL) {
			json_array_foreach(list, i, e)
				if (json_is_string(json_array_get(e, 0)))
					ward_get(rp, json_string_value(
					    json_array_get(e, 0)));
			json_decref(list);
		}
		strcpy(rp->cursor, "0");
		rp->stage = RS_HSCAN;
		return 0;
	case RS_HSCAN:
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(rp->cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			goto bad;
		kv = r->element[1];
		for (i = 0; i < kv->elements; i++)
			if (kv->element[i]->type != REDIS_REPLY_STRING)
				goto bad;
		memcpy(rp->cursor, r->element[0]->str, r->element[0]->len + 1);
		rp->nitems = kv->elements / 2;
		rp->items = xcalloc(rp->nitems + 1, sizeof(*rp->items));
		rp->values = xcalloc(rp->nitems + 1, sizeof(*rp->values));
		rp->whys = xcalloc(rp->nitems + 1, sizeof(*rp->whys));
		for (i = 0; i < rp->nitems; i++) {
			rp->items[i] = xstrdup(kv->element[2 * i]->str);
			rp->values[i] = xstrdup(kv->element[2 * i + 1]->str);
		}
		rp->entries += (long long)rp->nitems;
		rp->stage = RS_BATCH;
		return 0;
	case RS_BATCH_SENT:
		if (k == 0) {
			if (r->type == REDIS_REPLY_ERROR) {
				snprintf(rp->err, sizeof(rp->err), "redis: %s",
				    r->str);
				return -1;
			}
			for (i = 0; i < rp->nitems; i++)
				rp->whys[i] = xstrdup(rstr(r, i));
			return 0;
		}
		/* A resident: an error reply reads as none. */
		i = k - 1;
		if (i >= rp->nitems)
			break;
		return tally(rp, rstr(r, 0), rp->items[i], rstr(r, 1),
		    rstr(r, 2), rstr(r, 3), rp->values[i], rp->whys[i]);
	case RS_NAMES:
		if (k < rp->nw && r->type == REDIS_REPLY_STRING &&
		    rp->w[k].code[0] != '\0' && rp->w[k].name == NULL)
			rp->w[k].name = xstrdup(r->str);
		return 0;
	}
 bad:
	snprintf(rp->err, sizeof(rp->err), "redis: report: unexpected reply");
	return -1;
}

/* Failed first, then by tổ dân phố, then by id ("r2" before "r10"). */
static int
row_cmp(const void *a, const void *b)
{
	const struct loa_reach_row	*ra = a, *rb = b;
	int				 fa, fb, c;

	fa = strcmp(ra->status, "failed") == 0;
	fb = strcmp(rb->status, "failed") == 0;
	if (fa != fb)
		return fb - fa;
	if ((c = strcmp(ra->group, rb->group)) != 0)
		return c;
	return strverscmp(ra->id, rb->id);
}

/*
 * Read ward w's rows back from the spool, sorted, into *out (free with
 * loa_reach_rows_free()); returns their number, fewer when the spool
 * cannot be read.
 */
size_t
loa_reach_rows(struct loa_reach *rp, const struct loa_reach_ward *w,
    struct loa_reach_row **out)
{
	struct spool_hdr	 h;
	struct loa_reach_row	*rows, *r;
	const char		*p, **f[NFIELDS];
	long long		 off;
	size_t			 n = 0;
	int			 k;

	rows = xcalloc(w->rows == 0 ? 1 : w->rows, sizeof(*rows));
	for (off = w->last; off != -1 && n < w->rows; off = h.prev) {
		if (fseeko(rp->spool, off, SEEK_SET) == -1 ||
		    fread(&h, sizeof(h), 1, rp->spool) != 1)
			break;
		r = &rows[n];
		r->buf = xmalloc(h.len + 1);
		r->buf[h.len] = '\0';
		if (fread(r->buf, 1, h.len, rp->spool) != h.len) {
			free(r->buf);
			break;
		}
		n++;
		f[0] = &r->id;
		f[1] = &r->name;
		f[2] = &r->phone;
		f[3] = &r->status;
		f[4] = &r->channel;
		f[5] = &r->group;
		f[6] = &r->reason;
		/* NFIELDS strings, as spool_row() wrote them. */
		for (p = r->buf, k = 0; k < NFIELDS; k++) {
			*f[k] = p;
			p += strlen(p) + 1;
			if (p > r->buf + h.len)
				p = r->buf + h.len;	/* torn: "" */
		}
	}
	if (n > 0)	/* rows may be NULL then: qsort() wants an array */
		qsort(rows, n, sizeof(*rows), row_cmp);
	*out = rows;
	return n;
}

void
loa_reach_rows_free(struct loa_reach_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(rows[i].buf);
	free(rows);
}

/* One CSV field: neutralised, defused and quoted, then "," or CRLF. */
static void
csv_field(struct loa_buf *b, const char *s, int last)
{
	loa_neutral_csv(b, s);
	loa_buf_adds(b, last ? "\r\n" : ",");
}

/*
 * The CSV (header, then every failed and unreached recipient, ward by
 * ward), handed to out(arg, bytes, len) one row at a time; out returns
 * 0, or -1 to stop.  0, or -1 when out stopped.
 */
int
loa_reach_csv(struct loa_reach *rp, int (*out)(void *, const char *, size_t),
    void *arg)
{
	struct loa_buf		 b;
	struct loa_reach_row	*rows;
	struct loa_reach_ward	*w;
	size_t			 i, j, n;
	int			 rv = 0;

	if (out(arg, LOA_REACH_CSV_HEADER "\r\n",
	    strlen(LOA_REACH_CSV_HEADER "\r\n")) == -1)
		return -1;
	loa_buf_init(&b);
	for (i = 0; i < rp->nw && rv == 0; i++) {
		w = &rp->w[i];
		if (w->rows == 0)
			continue;
		n = loa_reach_rows(rp, w, &rows);
		for (j = 0; j < n && rv == 0; j++) {
			loa_buf_reset(&b);
			csv_field(&b, w->code, 0);
			csv_field(&b, w->name != NULL ? w->name : "", 0);
			csv_field(&b, rows[j].id, 0);
			csv_field(&b, rows[j].name, 0);
			csv_field(&b, rows[j].phone, 0);
			csv_field(&b, rows[j].status, 0);
			csv_field(&b, rows[j].channel, 0);
			csv_field(&b, rows[j].reason, 1);
			rv = out(arg, b.data, b.len);
		}
		loa_reach_rows_free(rows, n);
	}
	loa_buf_free(&b);
	return rv;
}

void
loa_reach_free(struct loa_reach *rp)
{
	size_t	i;

	for (i = 0; i < rp->nw; i++) {
		free(rp->w[i].code);
		free(rp->w[i].name);
	}
	free(rp->w);
	free(rp->seen);
	json_decref(rp->index);
	json_decref(rp->spec);
	if (rp->spool != NULL)
		fclose(rp->spool);
	batch_clear(rp);
	io_clear(rp);
	free(rp->io);
	free(rp->id);
	free(rp->prefix);
	memset(rp, 0, sizeof(*rp));
}
