/*
 * ctl-preview.c -- "loactl preview FILE [--resident ID] [--json]": what a
 * job will send to every recipient, shown before it is sent.  Nothing is
 * written to Redis.
 *
 * The job (FILE "-": standard input) is checked with loa_job_parse(), as
 * "send" checks it, but not with loa_job_check_supported(): a preview of
 * a ward, district or "all" audience is what an official needs before the
 * daemon delivers one.  Then, reading only, through the plan the daemon's
 * rules are written in (plan.c, shared with "send --test" and deliver.c):
 *
 *  - the audience, resolved by the daemon's own resolve script: the wards
 *    in the daemon's order with their names and districts.  An unknown
 *    ward code or district is reported and the preview exits 1, since
 *    the daemon rejects such a job; so does a template variable of an
 *    audience job that is neither Loa's, nor the job's, nor a column of
 *    <prefix>directory:columns (loa_job_check_columns()).  Explicit
 *    recipients are counted per ward by their "ward" field ("(none)"
 *    without one), in code order; an audience's wards keep the daemon's
 *    order.
 *  - every recipient, streamed (loa_plan_walk(): a directory ward is read
 *    SSCAN step by step, each step's resident hashes and opt-outs in one
 *    pipelined round trip), so a million residents preview in bounded
 *    memory: nothing is kept per resident but a 64-bit hash of its phone
 *    for the duplicate check (16 to 32 bytes a distinct phone, see
 *    plan.c) and the counters below.  Each recipient is skipped as the
 *    daemon skips it (opted_out: the resident's opt_out flag or
 *    <prefix>optout; duplicate; bad_phone; no_channel), or else taken
 *    through the job's channels in order, as deliver.c does: a channel
 *    it takes and has an address for is rendered with loa_render(), the
 *    daemon's own code ({{ward_name}} and {{district}} from the resolved
 *    wards); the first that renders is the one it gets; one that fails
 *    (too_long, missing_var and the variable, bad_text) passes it to the
 *    next; when none renders, the recipient would fail.  (A channel no
 *    provider serves is not known to loactl: it is assumed served.)
 *    Reported per ward (recipients, skipped), per reason skipped, and per
 *    channel: how many were tried on it, sent by it, failed on it and
 *    why (per missing variable), the SMS segments of those sent, and the
 *    longest render (segments, then characters; the first such
 *    recipient, by id, masked phone and ward); then how many would fail
 *    in the end, by the last channel's reason, as the daemon records it.
 *  - one sample resident, shown in full (officials read the message): by
 *    default the job's first recipient, or for an audience the resident
 *    whose id sorts first in the first ward with residents (plan.c; "send
 *    --test" sends as the same one); --resident ID picks a recipient of
 *    the job by its "id" or as "#N" (0-based), or for an audience the
 *    directory resident <prefix>resident:<ID>, in the audience or not.
 *    Its ward's hash gives {{ward_name}} and {{district}}.  Each of the
 *    job's channels is rendered for it: the SMS text as it will be sent
 *    with its encoding, characters, units and segments (and too_long
 *    against max_segments), the Zalo template id and data, or why the
 *    render fails.  SMS unicode is the job's sms.unicode, else the
 *    "unicode" key of the first SMS provider section of the
 *    configuration, else "never".
 *  - the SMS cost, when an SMS provider section sets price_per_segment:
 *    the segments of every recipient who would get an SMS (not skipped,
 *    not opted out, not failed) x the price.
 *
 * A provider section counts as SMS when it says "channel = sms", or when
 * it is the console plugin without a channel (it serves both): loactl
 * loads no plugin, so it cannot ask the others which channels they serve.
 *
 * Phone numbers are masked everywhere except in the rendered messages
 * themselves (SMS text and Zalo data), which are shown exactly as they
 * will go out, line by line, but for controls, C1 and bidi controls,
 * which are shown as visible escapes (ctl_oneline(); Vietnamese text is
 * kept) so that a job cannot rewrite the official's screen; so is every
 * name, code and value from the job or the directory.
 *
 * --json prints all of it as one JSON object, through loa_neutral_json()
 * (no raw control):
 *
 *   job, ok (false: the daemon rejects the job), exit (the exit status)
 *   audience   type; wards|districts|all as the job says; wards: [{code,
 *              name, district, residents (recipients for explicit ones),
 *              skipped}]; total; skipped {opted_out, duplicate,
 *              bad_phone, no_channel, total}; to_send; for an audience
 *              unknown_wards|unknown_districts and columns_error
 *   renders    per channel of the job: {channel, tried, sent, segments
 *              (SMS), too_long, missing_var, missing_vars {name: count},
 *              bad_text, longest: null or {id, phone, ward, segments,
 *              chars, encoding (SMS)}}
 *   would_fail {total, too_long, missing_var, bad_text}: recipients no
 *              channel renders for, by the last reason
 *   sample     the sample resident, or null (then no_sample says why):
 *              {id, source, index|found, phone, phone_ok, zalo_uid, name,
 *              ward, ward_name, district, channels, vars, opted_out,
 *              skipped, in_audience}
 *   channels   the sample's render per channel: {channel, ok, reason,
 *              missing, usable[, unusable]} and for SMS {text, unicode,
 *              unicode_from, encoding, chars, units, segments,
 *              max_segments, too_long}, for Zalo {template_id,
 *              template_data}
 *   cost       null without a price, else {provider, price_per_segment,
 *              recipients (who get an SMS), segments, total}
 *
 * Exit status: 0 when every recipient would get the message or is
 * skipped; 3 when some recipient would fail for a reason the official can
 * fix in the job or the directory (too_long, missing_var, bad_text); 1
 * when the job is invalid, names unknown wards or districts or variables
 * the directory lacks (the daemon rejects it: this wins over 3), the
 * --resident is not found, or Redis fails; 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "plan.h"

#define PREVIEW_USAGE	"preview FILE [--resident ID] [--json]"
#define PV_EXIT_FAILS	3	/* some recipient would fail */

enum pv_fail {				/* why a render fails */
	PV_FAIL_TOO_LONG = 0,
	PV_FAIL_MISSING_VAR,
	PV_FAIL_BAD_TEXT,		/* and anything else */
	PV_FAIL_COUNT
};
static const char *const pv_fail_names[] = {
	"too_long", "missing_var", "bad_text"
};

struct pv_ward {
	char		*code;		/* NULL: recipients without a ward */
	char		*name;		/* from the directory; NULL: none */
	char		*district;
	long long	 count;		/* residents or recipients */
	long long	 skipped;	/* skipped before sending */
};

/* The longest render of a channel, and whose. */
struct pv_longest {
	int			 have;
	int			 segments;	/* SMS */
	int			 chars;
	enum loa_sms_encoding	 encoding;	/* SMS */
	char			*id;		/* masked for show */
	char			*phone;		/* masked */
	char			*ward;
};

/* What the whole audience does on one channel of the job. */
struct pv_chan {
	enum loa_channel	 ch;
	long long		 tried;		/* rendered for a recipient */
	long long		 sent;		/* ... who gets it this way */
	long long		 segments;	/* SMS, of those sent */
	long long		 fail[PV_FAIL_COUNT];
	json_t			*missing;	/* variable -> count */
	struct pv_longest	 longest;
};

struct pv_render {
	enum loa_channel	 ch;
	int			 ok;	/* loa_render() returned 0 */
	const char		*unusable; /* why the daemon passes over it */
	struct loa_rendered	 r;
};

struct preview {
	const char		*name;	/* of the file, for messages */
	struct loa_job		*job;
	struct loa_plan		 plan;
	int			 bad;	/* exit 1 at the end */

	/* The audience. */
	struct pv_ward		*w;
	size_t			 nw;
	json_t			*wmap;	/* code -> index into w */
	size_t			 wlast;	/* the last ward looked up */
	long long		 total;
	long long		 skip[LOA_SKIP_COUNT];
	long long		 nskipped;
	const char		*unknown_what;
	char			*columns_err;	/* a variable no column has */

	/* Every recipient, rendered. */
	struct pv_chan		 chan[LOA_CH_COUNT];	/* by job position */
	long long		 fails[PV_FAIL_COUNT];	/* would fail */
	long long		 nfails;

	/* The sample. */
	int			 have_sample;
	const char		*source;	/* "job" or "directory" */
	int			 index;		/* in the job, or -1 */
	char			*sample_id;	/* directory resident */
	struct loa_recipient	 dir_rc;	/* a directory resident */
	json_t			*holder;	/* its strings */
	const struct loa_recipient *rc;
	int			 dir_found;	/* its hash exists */
	int			 in_audience;
	const char		*skip_reason;	/* for this resident, or NULL */
	char			*ward_name;	/* of its ward, or NULL */
	char			*district;
	char			*no_sample;	/* why there is none */

	/* The messages and the cost. */
	enum loa_sms_unicode	 unicode;
	char			*unicode_from;
	struct pv_render	 rend[LOA_CH_COUNT];
	int			 nrend;
	const struct loa_provider_conf *price;
};

/* A copy of s for the terminal: phones masked, one line.  Caller frees. */
static char *
pv_show(const char *s)
{
	char	*masked, *line;

	masked = ctl_mask(s);
	line = ctl_oneline(masked);
	free(masked);
	return line;
}

/* A JSON string of s; bytes that are not UTF-8 become '?'. */
static json_t *
pv_jstr(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j != NULL ? j : json_string("");
}

/* A JSON string of s with phone numbers masked (free text, ids). */
static json_t *
pv_jmask(const char *s)
{
	json_t	*j;
	char	*masked;

	if (s == NULL)
		return json_null();
	masked = ctl_mask(s);
	j = pv_jstr(masked);
	free(masked);
	return j;
}

/* A price or cost as a JSON number: an integer when it is whole. */
static json_t *
pv_jnum(double v)
{
	if (v == (double)(long long)v && v < 1e15 && v > -1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* "2700", "0.0075": at most 6 decimals, no trailing zeros. */
static void
pv_fmtnum(double v, char *out, size_t outlen)
{
	char	*p;

	snprintf(out, outlen, "%.6f", v);
	if (strchr(out, '.') == NULL)
		return;
	p = out + strlen(out) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
}

static const char *
plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Exit 1 with plan.c's message: Redis failed under the plan. */
static void __attribute__((noreturn))
pv_plan_fail(const struct preview *pv)
{
	fprintf(stderr, "loactl: %s\n", pv->plan.err);
	exit(1);
}

/* The ward of code (NULL or "": no ward), added when new. */
static struct pv_ward *
pv_ward(struct preview *pv, const char *code)
{
	const char	*k;
	json_t		*idx;
	struct pv_ward	*w;

	if (code != NULL && *code == '\0')
		code = NULL;	/* "ward": "" is no ward */
	k = code != NULL ? code : "";
	/* Residents come ward by ward: most lookups are the last one. */
	if (pv->wlast < pv->nw && (code == NULL ?
	    pv->w[pv->wlast].code == NULL : pv->w[pv->wlast].code != NULL &&
	    strcmp(pv->w[pv->wlast].code, code) == 0))
		return &pv->w[pv->wlast];
	if ((idx = json_object_get(pv->wmap, k)) != NULL) {
		pv->wlast = (size_t)json_integer_value(idx);
		return &pv->w[pv->wlast];
	}
	pv->w = xreallocarray(pv->w, pv->nw + 1, sizeof(*pv->w));
	w = &pv->w[pv->nw];
	memset(w, 0, sizeof(*w));
	w->code = code != NULL ? xstrdup(code) : NULL;
	json_object_set_new_nocheck(pv->wmap, k,
	    json_integer((json_int_t)pv->nw));
	pv->wlast = pv->nw++;
	return w;
}

static int
pv_ward_cmp(const void *a, const void *b)
{
	const struct pv_ward	*wa = a, *wb = b;

	if (wa->code == NULL || wb->code == NULL)
		return (wa->code == NULL) - (wb->code == NULL);
	return strcmp(wa->code, wb->code);
}

/*
 * Explicit recipients: their wards by code, "(none)" last, with the
 * names the resolve script found.
 */
static void
pv_wards_sort(struct preview *pv)
{
	size_t		 i;
	const char	*s;

	if (pv->nw > 0)	/* pv->w may be NULL then */
		qsort(pv->w, pv->nw, sizeof(*pv->w), pv_ward_cmp);
	json_object_clear(pv->wmap);
	for (i = 0; i < pv->nw; i++) {
		json_object_set_new_nocheck(pv->wmap, pv->w[i].code != NULL ?
		    pv->w[i].code : "", json_integer((json_int_t)i));
		if ((s = loa_job_ward_info(pv->job, pv->w[i].code, 1)) != NULL)
			pv->w[i].name = xstrdup(s);
		if ((s = loa_job_ward_info(pv->job, pv->w[i].code, 2)) != NULL)
			pv->w[i].district = xstrdup(s);
	}
}

/*
 * Resolve the job as the daemon does: its wards (an audience's, in the
 * daemon's order, each with its name and district), the unknown names
 * and, for an audience, the variables the directory lacks.
 */
static void
pv_resolve(struct preview *pv)
{
	struct pv_ward	*w;
	size_t		 i;
	char		 err[512];

	if (loa_plan_resolve(&pv->plan, ctl_redis, ctl_cfg.prefix,
	    pv->job) == -1)
		pv_plan_fail(pv);
	loa_job_set_wards(pv->job, pv->plan.wards_json);
	if (pv->job->audience == LOA_AUD_RECIPIENTS)
		return;
	for (i = 0; i < pv->plan.nwards; i++) {
		w = pv_ward(pv, pv->plan.wards[i].code);
		w->name = xstrdup(pv->plan.wards[i].name);
		w->district = xstrdup(pv->plan.wards[i].district);
	}
	if (pv->plan.nmissing > 0) {
		pv->unknown_what = pv->job->audience == LOA_AUD_DISTRICTS ?
		    "district" : "ward";
		pv->bad = 1;
	}
	if (loa_job_check_columns(pv->job, pv->plan.columns, err,
	    sizeof(err)) == -1) {
		pv->columns_err = xstrdup(err);
		pv->bad = 1;
	}
}

/* Remember rc's render r on c when it is the longest so far. */
static void
pv_longest(struct pv_chan *c, const struct loa_recipient *rc, int index,
    const char *ward, const struct loa_rendered *r)
{
	struct pv_longest	*l = &c->longest;
	char			 masked[LOA_PHONE_MAX + 64];
	const char		*p;
	int			 segs = 0, chars = 0;

	if (c->ch == LOA_CH_SMS) {
		if (r->text == NULL)
			return;
		segs = r->sms.segments;
		chars = r->sms.chars;
	} else {
		if (r->zalo_data == NULL)
			return;
		for (p = r->zalo_data; *p != '\0'; p++)	/* UTF-8 */
			chars += ((unsigned char)*p & 0xc0) != 0x80;
	}
	if (l->have && (segs < l->segments || (segs == l->segments &&
	    chars <= l->chars)))
		return;
	l->have = 1;
	l->segments = segs;
	l->chars = chars;
	l->encoding = r->sms.encoding;
	free(l->id);
	free(l->phone);
	free(l->ward);
	l->id = rc->id != NULL ? xstrdup(rc->id) : xasprintf("#%d", index);
	if (rc->phone_ok) {
		loa_phone_mask(rc->phone, masked, sizeof(masked));
		l->phone = xstrdup(masked);
	} else
		l->phone = rc->phone_raw != NULL ? ctl_mask(rc->phone_raw) :
		    NULL;
	l->ward = ward != NULL ? xstrdup(ward) : NULL;
}

static enum pv_fail
pv_fail_kind(const char *reason)
{
	if (reason != NULL && strcmp(reason, "too_long") == 0)
		return PV_FAIL_TOO_LONG;
	if (reason != NULL && strcmp(reason, "missing_var") == 0)
		return PV_FAIL_MISSING_VAR;
	return PV_FAIL_BAD_TEXT;
}

/*
 * A recipient the daemon does not skip: its channels in the job's order,
 * as try_channel() takes them; the first that renders sends.
 */
static void
pv_deliver(struct preview *pv, const struct loa_plan_item *it)
{
	const struct loa_job		*job = pv->job;
	const struct loa_recipient	*rc = it->rc;
	struct loa_rendered		 r;
	struct pv_chan			*c;
	enum pv_fail			 last = PV_FAIL_BAD_TEXT;
	json_t				*n;
	int				 i;

	for (i = 0; i < job->nchannels; i++) {
		c = &pv->chan[i];
		if (!loa_plan_usable(rc, c->ch))
			continue;
		c->tried++;
		memset(&r, 0, sizeof(r));
		if (loa_render(job, rc, c->ch, pv->unicode,
		    loa_job_ward_info(job, rc->ward, 1),
		    loa_job_ward_info(job, rc->ward, 2), &r) == 0) {
			pv_longest(c, rc, it->index, it->ward, &r);
			c->sent++;
			if (c->ch == LOA_CH_SMS)
				c->segments += r.sms.segments;
			loa_rendered_clear(&r);
			return;
		}
		pv_longest(c, rc, it->index, it->ward, &r);
		last = pv_fail_kind(r.reason);
		c->fail[last]++;
		if (last == PV_FAIL_MISSING_VAR && r.missing != NULL) {
			n = json_object_get(c->missing, r.missing);
			json_object_set_new(c->missing, r.missing, json_integer(
			    (n != NULL ? json_integer_value(n) : 0) + 1));
		}
		loa_rendered_clear(&r);
	}
	pv->fails[last]++;	/* the daemon records the last reason */
	pv->nfails++;
}

/* One recipient of the walk: counted, and rendered unless skipped. */
static void
pv_item_cb(void *arg, const struct loa_plan_item *it)
{
	struct preview	*pv = arg;
	struct pv_ward	*w;

	w = pv_ward(pv, it->ward);
	w->count++;
	pv->total++;
	if (pv->have_sample && (pv->index >= 0 ? it->index == pv->index :
	    it->rc->id != NULL && strcmp(it->rc->id, pv->sample_id) == 0)) {
		pv->in_audience = 1;
		pv->skip_reason = loa_skip_name(it->skip);
	}
	if (it->skip != LOA_SKIP_NONE) {
		w->skipped++;
		pv->skip[it->skip]++;
		pv->nskipped++;
		return;
	}
	pv_deliver(pv, it);
}

/* Every recipient, streamed through pv_item_cb(). */
static void
pv_walk(struct preview *pv)
{
	int	i;

	for (i = 0; i < pv->job->nchannels; i++) {
		pv->chan[i].ch = pv->job->channels[i];
		pv->chan[i].missing = json_object();
	}
	if (loa_plan_walk(&pv->plan, pv_item_cb, pv) == -1)
		pv_plan_fail(pv);
	if (pv->job->audience == LOA_AUD_RECIPIENTS)
		pv_wards_sort(pv);
}

/* A field of an HGETALL reply as a new string, or NULL when absent. */
static char *
pv_hfield(const redisReply *h, const char *field)
{
	const char	*v;
	size_t		 len;

	if ((v = ctl_field(h, field, &len)) == NULL)
		return NULL;
	return xstrndup(v, len);
}

/*
 * Choose the sample (see the top of the file).  Returns 0, or -1 when
 * --resident names nobody.
 */
static int
pv_sample(struct preview *pv, const char *want)
{
	const struct loa_job	*job = pv->job;

	pv->index = -1;
	if (job->audience == LOA_AUD_RECIPIENTS) {
		if ((pv->index = loa_plan_recipient(job, want)) < 0)
			return -1;
		pv->rc = &job->rcpt[pv->index];
		pv->source = "job";
		pv->have_sample = 1;
		return 0;
	}
	if (want != NULL)
		pv->sample_id = xstrdup(want);
	else if (loa_plan_sample(&pv->plan, &pv->sample_id) == -1)
		pv_plan_fail(pv);
	if (pv->sample_id == NULL) {
		pv->no_sample = xstrdup("the audience has no residents");
		return 0;
	}
	pv->holder = json_object();
	if (loa_plan_resident(&pv->plan, pv->sample_id, &pv->dir_rc,
	    pv->holder, &pv->dir_found) == -1)
		pv_plan_fail(pv);
	if (!pv->dir_found)
		return -1;
	pv->rc = &pv->dir_rc;
	pv->source = "directory";
	pv->have_sample = 1;
	return 0;
}

/*
 * The ward hash of the sample: {{ward_name}} and {{district}}.  As in
 * the daemon, a ward is known by its name, and a known ward without a
 * district has the empty one.
 */
static void
pv_sample_ward(struct preview *pv)
{
	redisReply	*r;
	char		*key;

	if (pv->rc->ward == NULL)
		return;
	key = loa_key_ward(ctl_cfg.prefix, pv->rc->ward);
	r = ctl_commandl("HGETALL", key, NULL);
	if ((pv->ward_name = pv_hfield(r, "name")) != NULL &&
	    (pv->district = pv_hfield(r, "district")) == NULL)
		pv->district = xstrdup("");
	freeReplyObject(r);
	free(key);
}

/* A section that sends SMS (see the top of the file). */
static int
pv_sms_provider(const struct loa_provider_conf *pc)
{
	if (pc->channel != NULL)
		return strcmp(pc->channel, "sms") == 0;
	return pc->plugin != NULL && strcmp(pc->plugin, "console") == 0;
}

/* The default unicode mode and the provider whose price counts. */
static void
pv_providers(struct preview *pv)
{
	const struct loa_provider_conf	*pc, *first = NULL;
	const char			*u;
	size_t				 i;

	for (i = 0; i < ctl_cfg.nproviders; i++) {
		pc = &ctl_cfg.providers[i];
		if (!pv_sms_provider(pc))
			continue;
		if (first == NULL)
			first = pc;
		if (pv->price == NULL && pc->price_per_segment > 0)
			pv->price = pc;
	}
	if (pv->job->sms_unicode_set) {
		pv->unicode = pv->job->sms_unicode;
		pv->unicode_from = xstrdup("job");
	} else if (first != NULL &&
	    (u = loa_provider_conf_get(first, "unicode")) != NULL &&
	    loa_sms_unicode_parse(u, &pv->unicode) == 0)
		pv->unicode_from = xasprintf("[provider.%s]", first->name);
	else {
		pv->unicode = LOA_UNICODE_NEVER;
		pv->unicode_from = xstrdup("default");
	}
}

static const char *
pv_unicode_name(enum loa_sms_unicode u)
{
	switch (u) {
	case LOA_UNICODE_ALWAYS:
		return "always";
	case LOA_UNICODE_AUTO:
		return "auto";
	default:
		return "never";
	}
}

/* Render every channel of the job for the sample. */
static void
pv_render(struct preview *pv)
{
	const struct loa_job	*job = pv->job;
	const struct loa_recipient *rc = pv->rc;
	struct pv_render	*pr;
	int			 i;

	for (i = 0; i < job->nchannels; i++) {
		pr = &pv->rend[pv->nrend++];
		pr->ch = job->channels[i];
		pr->ok = loa_render(job, rc, pr->ch, pv->unicode,
		    pv->ward_name, pv->district, &pr->r) == 0;
		if (!(rc->channels & (1u << pr->ch)))
			pr->unusable = "the resident's channels leave it out";
		else if (pr->ch == LOA_CH_SMS && !rc->phone_ok)
			pr->unusable = "the resident has no valid phone";
		else if (pr->ch == LOA_CH_ZALO && !rc->phone_ok &&
		    rc->zalo_uid == NULL)
			pr->unusable = "the resident has no phone or zalo_uid";
	}
}

/* The SMS channel's figures, or NULL when the job sends no SMS. */
static const struct pv_chan *
pv_sms_chan(const struct preview *pv)
{
	int	i;

	for (i = 0; i < pv->job->nchannels; i++)
		if (pv->chan[i].ch == LOA_CH_SMS)
			return &pv->chan[i];
	return NULL;
}

/* ---- text output ---- */

static void
pv_print_wards(const struct preview *pv)
{
	const struct pv_ward	*w;
	const char		*what;
	char			*s;
	char			 num[32];
	size_t			 i;
	int			 width = 0, nwidth = 1, len;
	int			 explicit = pv->job->audience ==
				    LOA_AUD_RECIPIENTS;
	long long		 k;

	for (i = 0; i < pv->nw; i++) {
		s = pv_show(pv->w[i].code != NULL ? pv->w[i].code : "(none)");
		len = (int)strlen(s);
		free(s);
		if (len > width)
			width = len;
		len = snprintf(num, sizeof(num), "%lld", pv->w[i].count);
		if (len > nwidth)
			nwidth = len;
	}
	for (i = 0; i < pv->nw; i++) {
		w = &pv->w[i];
		s = pv_show(w->code != NULL ? w->code : "(none)");
		k = w->count;
		what = explicit ? plural(k, "recipient", "recipients") :
		    plural(k, "resident", "residents");
		printf("ward %-*s  %*lld %s", width, s, nwidth, k, what);
		free(s);
		if (w->skipped > 0)
			printf(", %lld skipped", w->skipped);
		if (w->name != NULL) {
			s = pv_show(w->name);
			printf("  %s", s);
			free(s);
		}
		if (w->district != NULL && w->district[0] != '\0') {
			s = pv_show(w->district);
			printf(" (%s)", s);
			free(s);
		}
		printf("\n");
	}
	for (i = 0; i < pv->plan.nmissing; i++) {
		s = pv_show(pv->plan.missing[i]);
		printf("unknown %s %s: not in the directory\n",
		    pv->unknown_what, s);
		free(s);
	}
	what = explicit ? plural(pv->total, "recipient", "recipients") :
	    plural(pv->total, "resident", "residents");
	if (explicit)
		printf("total %lld %s", pv->total, what);
	else
		printf("total %lld %s in %zu %s", pv->total, what, pv->nw,
		    plural((long long)pv->nw, "ward", "wards"));
	printf(", %lld skipped before sending (opted_out %lld, duplicate "
	    "%lld, bad_phone %lld, no_channel %lld), %lld to send\n",
	    pv->nskipped, pv->skip[LOA_SKIP_OPTED_OUT],
	    pv->skip[LOA_SKIP_DUPLICATE], pv->skip[LOA_SKIP_BAD_PHONE],
	    pv->skip[LOA_SKIP_NO_CHANNEL], pv->total - pv->nskipped);
}

static void
pv_print_audience(const struct preview *pv)
{
	const struct loa_job	*job = pv->job;
	json_t			*v;
	size_t			 i;
	char			*s;

	switch (job->audience) {
	case LOA_AUD_RECIPIENTS:
		printf("audience: %d %s listed in the job\n", job->nrcpt,
		    plural(job->nrcpt, "recipient", "recipients"));
		break;
	case LOA_AUD_ALL:
		printf("audience: all wards\n");
		break;
	default:
		printf("audience: %s", job->audience == LOA_AUD_WARDS ?
		    "wards" : "districts");
		json_array_foreach(job->audience_list, i, v) {
			s = pv_show(json_string_value(v));
			printf("%s %s", i == 0 ? "" : ",", s);
			free(s);
		}
		printf("\n");
		break;
	}
	pv_print_wards(pv);
	if (pv->columns_err != NULL) {
		s = pv_show(pv->columns_err);
		printf("rejected: %s\n", s);
		free(s);
	}
}

/* Every recipient to send, per channel, and who would fail. */
static void
pv_print_every(const struct preview *pv)
{
	const struct pv_chan	*c;
	const struct pv_longest	*l;
	const char		*k;
	json_t			*v;
	char			*s;
	int			 i;

	printf("every recipient to send, rendered as the daemon would:\n");
	for (i = 0; i < pv->job->nchannels; i++) {
		c = &pv->chan[i];
		printf("  %s: %lld tried, %lld sent", loa_channel_name(c->ch),
		    c->tried, c->sent);
		if (c->ch == LOA_CH_SMS)
			printf(" (%lld %s)", c->segments,
			    plural(c->segments, "segment", "segments"));
		printf(", %lld too_long, %lld missing_var",
		    c->fail[PV_FAIL_TOO_LONG], c->fail[PV_FAIL_MISSING_VAR]);
		if (c->fail[PV_FAIL_BAD_TEXT] > 0)
			printf(", %lld bad_text", c->fail[PV_FAIL_BAD_TEXT]);
		printf("\n");
		json_object_foreach(c->missing, k, v) {
			s = pv_show(k);
			printf("    missing_var {{%s}}: %lld\n", s,
			    (long long)json_integer_value(v));
			free(s);
		}
		l = &c->longest;
		if (!l->have)
			continue;
		printf("    longest: ");
		if (c->ch == LOA_CH_SMS)
			printf("%d %s, ", l->segments, plural(l->segments,
			    "segment", "segments"));
		printf("%d %s", l->chars, plural(l->chars, "character",
		    "characters"));
		if (c->ch == LOA_CH_SMS)
			printf(" (%s)", loa_sms_encoding_name(l->encoding));
		s = pv_show(l->id);
		printf(", %s", s);
		free(s);
		if (l->phone != NULL) {
			s = ctl_oneline(l->phone);
			printf(" %s", s);
			free(s);
		}
		if (l->ward != NULL) {
			s = pv_show(l->ward);
			printf(", ward %s", s);
			free(s);
		}
		if (c->ch == LOA_CH_SMS && pv->job->max_segments > 0 &&
		    l->segments > pv->job->max_segments)
			printf(": more than max_segments %d",
			    pv->job->max_segments);
		printf("\n");
	}
	if (pv->nfails == 0)
		printf("  would fail: none\n");
	else
		printf("  would fail: %lld %s (too_long %lld, missing_var %lld, "
		    "bad_text %lld): the job or the directory needs a fix\n",
		    pv->nfails, plural(pv->nfails, "recipient", "recipients"),
		    pv->fails[PV_FAIL_TOO_LONG],
		    pv->fails[PV_FAIL_MISSING_VAR],
		    pv->fails[PV_FAIL_BAD_TEXT]);
}


static void
pv_print_sample(const struct preview *pv)
{
	const struct loa_recipient	*rc = pv->rc;
	char				 masked[LOA_PHONE_MAX + 64];
	const char			*k, *sep = "";
	json_t				*v;
	char				*s, *line;
	int				 c;

	if (!pv->have_sample) {
		printf("sample: none: %s\n", pv->no_sample);
		return;
	}
	s = pv_show(rc->id != NULL ? rc->id : "");
	if (pv->index >= 0 && rc->id == NULL)
		printf("sample: recipient #%d of the job\n", pv->index);
	else if (pv->index >= 0)
		printf("sample: %s (recipient #%d of the job)\n", s,
		    pv->index);
	else
		printf("sample: %s (directory resident)\n", s);
	free(s);
	if (pv->index < 0 && !pv->dir_found)
		printf("  note      not in the directory\n");
	if (rc->phone_ok) {
		loa_phone_mask(rc->phone, masked, sizeof(masked));
		printf("  phone     %s\n", masked);
	} else if (rc->phone_raw != NULL) {
		s = pv_show(rc->phone_raw);
		printf("  phone     %s (not a Vietnamese mobile number)\n", s);
		free(s);
	}
	if (rc->zalo_uid != NULL) {
		s = pv_show(rc->zalo_uid);
		printf("  zalo_uid  %s\n", s);
		free(s);
	}
	if (rc->name != NULL) {
		s = pv_show(rc->name);
		printf("  name      %s\n", s);
		free(s);
	}
	if (rc->ward != NULL) {
		s = pv_show(rc->ward);
		printf("  ward      %s", s);
		free(s);
		if (pv->ward_name != NULL) {
			s = pv_show(pv->ward_name);
			printf("  %s", s);
			free(s);
		} else
			printf("  (not in the directory)");
		if (pv->district != NULL && pv->district[0] != '\0') {
			s = pv_show(pv->district);
			printf(", district %s", s);
			free(s);
		}
		printf("\n");
	}
	if (rc->channels != ~0u) {
		printf("  channels ");
		for (c = 0; c < LOA_CH_COUNT; c++)
			if (rc->channels & (1u << c)) {
				printf("%s %s", sep,
				    loa_channel_name((enum loa_channel)c));
				sep = ",";
			}
		printf("%s\n", *sep == '\0' ? " (none)" : "");
	}
	if (rc->vars != NULL && json_object_size(rc->vars) > 0) {
		printf("  vars     ");
		sep = "";
		json_object_foreach(rc->vars, k, v) {
			s = pv_show(json_string_value(v));
			line = ctl_oneline(k);
			printf("%s %s=%s", sep, line, s);
			free(line);
			free(s);
			sep = ",";
		}
		printf("\n");
	}
	if (pv->skip_reason != NULL)
		printf("  note      the daemon skips this resident: %s\n",
		    pv->skip_reason);
	if (!pv->in_audience && pv->index < 0)
		printf("  note      not in this job's audience\n");
}

/*
 * Lines of text, each after "  | ", as they are but for controls, C1
 * and bidi controls (visible escapes, loa_neutral_add()).
 */
static void
pv_print_quoted(const char *text)
{
	struct loa_buf	 b;
	const char	*nl;

	loa_buf_init(&b);
	do {
		nl = strchr(text, '\n');
		loa_buf_reset(&b);
		loa_neutral_add(&b, text, nl != NULL ? (size_t)(nl - text) :
		    strlen(text));
		printf("  | %s\n", b.data != NULL ? b.data : "");
		text = nl + 1;
	} while (nl != NULL);
	loa_buf_free(&b);
}

static void
pv_print_render(const struct preview *pv, const struct pv_render *pr)
{
	const struct loa_job		*job = pv->job;
	const struct loa_sms_info	*si = &pr->r.sms;
	char				*s;

	if (pr->ch == LOA_CH_SMS) {
		printf("sms:");
		if (pr->r.text != NULL) {
			printf(" %s, %d %s, %d %s, %d %s (unicode %s, %s%s",
			    loa_sms_encoding_name(si->encoding), si->chars,
			    plural(si->chars, "character", "characters"),
			    si->units, plural(si->units, "unit", "units"),
			    si->segments, plural(si->segments, "segment",
			    "segments"), pv_unicode_name(pv->unicode),
			    strcmp(pv->unicode_from, "default") == 0 ? "" :
			    "from ", strcmp(pv->unicode_from, "job") == 0 ?
			    "the job" : pv->unicode_from);
			if (job->max_segments > 0)
				printf("; max_segments %d", job->max_segments);
			printf(")\n");
		}
	} else {
		s = pv_show(job->zalo_template_id);
		printf("zalo: template_id %s\n", s);
		free(s);
	}
	if (!pr->ok && pr->r.reason != NULL &&
	    strcmp(pr->r.reason, "too_long") == 0)
		printf("  too_long: %d segments, more than max_segments %d: "
		    "not sent (failed, reason too_long)\n", si->segments,
		    job->max_segments);
	else if (!pr->ok && pr->r.missing != NULL) {
		s = pv_show(pr->r.missing);
		printf("%snot rendered: %s {{%s}}: this resident has no "
		    "value for it\n", pr->r.text != NULL || pr->ch !=
		    LOA_CH_SMS ? "  " : " ", pr->r.reason, s);
		free(s);
	}
	else if (!pr->ok)
		printf("%snot rendered: %s\n", pr->r.text != NULL ||
		    pr->ch != LOA_CH_SMS ? "  " : " ", pr->r.reason != NULL ?
		    pr->r.reason : "failed");
	if (pr->unusable != NULL)
		printf("  note: %s: the daemon passes over %s for it\n",
		    pr->unusable, loa_channel_name(pr->ch));
	if (pr->ch == LOA_CH_SMS && pr->r.text != NULL)
		pv_print_quoted(pr->r.text);
	else if (pr->ch == LOA_CH_ZALO && pr->r.zalo_data != NULL)
		pv_print_quoted(pr->r.zalo_data);
}


static void
pv_print_cost(const struct preview *pv)
{
	const struct pv_chan	*c = pv_sms_chan(pv);
	char			 price[64], total[64];

	if (pv->price == NULL || c == NULL)
		return;
	pv_fmtnum(pv->price->price_per_segment, price, sizeof(price));
	pv_fmtnum((double)c->segments * pv->price->price_per_segment, total,
	    sizeof(total));
	printf("estimated SMS cost: %lld SMS, %lld %s x %s = %s\n", c->sent,
	    c->segments, plural(c->segments, "segment", "segments"), price,
	    total);
	printf("  (price_per_segment of [provider.%s]; the SMS of every "
	    "recipient who would get one: not skipped, not failed)\n",
	    pv->price->name);
}

static void
pv_print(const struct preview *pv)
{
	int	i;

	if (pv->job->id != NULL)
		printf("job: %s\n", pv->job->id);
	else
		printf("job: (no id: the ingest entry id when enqueued)\n");
	pv_print_audience(pv);
	printf("\n");
	pv_print_every(pv);
	printf("\n");
	pv_print_sample(pv);
	if (pv->have_sample)
		for (i = 0; i < pv->nrend; i++) {
			printf("\n");
			pv_print_render(pv, &pv->rend[i]);
		}
	if (pv->price != NULL && pv_sms_chan(pv) != NULL)
		printf("\n");
	pv_print_cost(pv);
}

/* ---- JSON output ---- */

static json_t *
pv_json_audience(const struct preview *pv)
{
	static const char *const types[] = { "recipients", "wards",
	    "districts", "all" };
	const struct pv_ward	*w;
	json_t			*a, *wards, *o, *skip, *unknown;
	size_t			 i;
	int			 explicit = pv->job->audience ==
				    LOA_AUD_RECIPIENTS;

	a = json_object();
	json_object_set_new(a, "type", json_string(types[pv->job->audience]));
	if (!explicit)
		json_object_set(a, pv->job->audience == LOA_AUD_ALL ? "all" :
		    pv->job->audience == LOA_AUD_WARDS ? "wards" : "districts",
		    pv->job->audience == LOA_AUD_ALL ? json_true() :
		    pv->job->audience_list);
	wards = json_array();
	for (i = 0; i < pv->nw; i++) {
		w = &pv->w[i];
		o = json_object();
		json_object_set_new(o, "code", pv_jstr(w->code));
		json_object_set_new(o, "name", pv_jmask(w->name));
		json_object_set_new(o, "district", pv_jmask(w->district));
		json_object_set_new(o, explicit ? "recipients" : "residents",
		    json_integer(w->count));
		json_object_set_new(o, "skipped", json_integer(w->skipped));
		json_array_append_new(wards, o);
	}
	json_object_set_new(a, "wards", wards);
	json_object_set_new(a, "total", json_integer(pv->total));
	skip = json_object();
	for (i = 0; i < LOA_SKIP_COUNT; i++)
		json_object_set_new(skip, loa_skip_name((enum loa_skip)i),
		    json_integer(pv->skip[i]));
	json_object_set_new(skip, "total", json_integer(pv->nskipped));
	json_object_set_new(a, "skipped", skip);
	json_object_set_new(a, "to_send", json_integer(pv->total -
	    pv->nskipped));
	if (!explicit) {
		unknown = json_array();
		for (i = 0; i < pv->plan.nmissing; i++)
			json_array_append_new(unknown,
			    pv_jstr(pv->plan.missing[i]));
		json_object_set_new(a, pv->job->audience == LOA_AUD_DISTRICTS ?
		    "unknown_districts" : "unknown_wards", unknown);
		json_object_set_new(a, "columns_error",
		    pv_jmask(pv->columns_err));
	}
	return a;
}

static json_t *
pv_json_longest(const struct pv_chan *c)
{
	const struct pv_longest	*l = &c->longest;
	json_t			*o;

	if (!l->have)
		return json_null();
	o = json_object();
	json_object_set_new(o, "id", pv_jmask(l->id));
	json_object_set_new(o, "phone", pv_jstr(l->phone));
	json_object_set_new(o, "ward", pv_jstr(l->ward));
	if (c->ch == LOA_CH_SMS) {
		json_object_set_new(o, "segments", json_integer(l->segments));
		json_object_set_new(o, "encoding", json_string(
		    loa_sms_encoding_name(l->encoding)));
	}
	json_object_set_new(o, "chars", json_integer(l->chars));
	return o;
}

static json_t *
pv_json_renders(const struct preview *pv)
{
	const struct pv_chan	*c;
	json_t			*a, *o, *m, *v;
	const char		*k;
	int			 i, f;

	a = json_array();
	for (i = 0; i < pv->job->nchannels; i++) {
		c = &pv->chan[i];
		o = json_object();
		json_object_set_new(o, "channel", json_string(
		    loa_channel_name(c->ch)));
		json_object_set_new(o, "tried", json_integer(c->tried));
		json_object_set_new(o, "sent", json_integer(c->sent));
		if (c->ch == LOA_CH_SMS)
			json_object_set_new(o, "segments",
			    json_integer(c->segments));
		for (f = 0; f < PV_FAIL_COUNT; f++)
			json_object_set_new(o, pv_fail_names[f],
			    json_integer(c->fail[f]));
		m = json_object();
		json_object_foreach(c->missing, k, v) {
			char *name = loa_neutral(k);
			json_object_set(m, name, v);
			free(name);
		}
		json_object_set_new(o, "missing_vars", m);
		json_object_set_new(o, "longest", pv_json_longest(c));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
pv_json_fails(const struct preview *pv)
{
	json_t	*o;
	int	 f;

	o = json_object();
	json_object_set_new(o, "total", json_integer(pv->nfails));
	for (f = 0; f < PV_FAIL_COUNT; f++)
		json_object_set_new(o, pv_fail_names[f],
		    json_integer(pv->fails[f]));
	return o;
}


static json_t *
pv_json_sample(const struct preview *pv)
{
	const struct loa_recipient	*rc = pv->rc;
	char				 masked[LOA_PHONE_MAX + 64];
	json_t				*o, *chans, *vars, *v;
	const char			*k;
	int				 c;

	if (!pv->have_sample)
		return json_null();
	o = json_object();
	json_object_set_new(o, "id", pv_jmask(rc->id));
	json_object_set_new(o, "source", json_string(pv->source));
	if (pv->index >= 0)
		json_object_set_new(o, "index", json_integer(pv->index));
	else
		json_object_set_new(o, "found",
		    json_boolean(pv->dir_found));
	if (rc->phone_ok) {
		loa_phone_mask(rc->phone, masked, sizeof(masked));
		json_object_set_new(o, "phone", json_string(masked));
	} else
		json_object_set_new(o, "phone", pv_jmask(rc->phone_raw));
	json_object_set_new(o, "phone_ok", json_boolean(rc->phone_ok));
	json_object_set_new(o, "zalo_uid", pv_jmask(rc->zalo_uid));
	json_object_set_new(o, "name", pv_jmask(rc->name));
	json_object_set_new(o, "ward", pv_jstr(rc->ward));
	json_object_set_new(o, "ward_name", pv_jmask(pv->ward_name));
	json_object_set_new(o, "district", pv_jmask(pv->district));
	chans = json_array();
	for (c = 0; c < LOA_CH_COUNT; c++)
		if (rc->channels & (1u << c))
			json_array_append_new(chans, json_string(
			    loa_channel_name((enum loa_channel)c)));
	json_object_set_new(o, "channels", chans);
	vars = json_object();
	if (rc->vars != NULL)
		json_object_foreach(rc->vars, k, v)
			json_object_set_new(vars, k,
			    pv_jmask(json_string_value(v)));
	json_object_set_new(o, "vars", vars);
	json_object_set_new(o, "opted_out", json_boolean(rc->opted_out));
	json_object_set_new(o, "skipped", pv_jstr(pv->skip_reason));
	json_object_set_new(o, "in_audience", json_boolean(pv->in_audience));
	return o;
}

static json_t *
pv_json_render(const struct preview *pv, const struct pv_render *pr)
{
	const struct loa_job		*job = pv->job;
	const struct loa_sms_info	*si = &pr->r.sms;
	json_t				*o, *data;
	int				 too_long;

	o = json_object();
	json_object_set_new(o, "channel", json_string(
	    loa_channel_name(pr->ch)));
	json_object_set_new(o, "ok", json_boolean(pr->ok));
	json_object_set_new(o, "reason", pv_jstr(pr->r.reason));
	json_object_set_new(o, "missing", pv_jstr(pr->r.missing));
	json_object_set_new(o, "usable", json_boolean(pr->unusable == NULL));
	if (pr->unusable != NULL)
		json_object_set_new(o, "unusable", json_string(pr->unusable));
	if (pr->ch == LOA_CH_SMS) {
		too_long = pr->r.reason != NULL &&
		    strcmp(pr->r.reason, "too_long") == 0;
		json_object_set_new(o, "text", pv_jstr(pr->r.text));
		json_object_set_new(o, "unicode",
		    json_string(pv_unicode_name(pv->unicode)));
		json_object_set_new(o, "unicode_from",
		    json_string(pv->unicode_from));
		if (pr->r.text != NULL) {
			json_object_set_new(o, "encoding", json_string(
			    loa_sms_encoding_name(si->encoding)));
			json_object_set_new(o, "chars",
			    json_integer(si->chars));
			json_object_set_new(o, "units",
			    json_integer(si->units));
			json_object_set_new(o, "segments",
			    json_integer(si->segments));
		}
		json_object_set_new(o, "max_segments", job->max_segments > 0 ?
		    json_integer(job->max_segments) : json_null());
		json_object_set_new(o, "too_long", json_boolean(too_long));
	} else {
		json_object_set_new(o, "template_id",
		    json_string(job->zalo_template_id));
		data = pr->r.zalo_data != NULL ?
		    json_loads(pr->r.zalo_data, 0, NULL) : NULL;
		json_object_set_new(o, "template_data", data != NULL ? data :
		    json_null());
	}
	return o;
}


static json_t *
pv_json_cost(const struct preview *pv)
{
	const struct pv_chan	*c = pv_sms_chan(pv);
	json_t			*o;

	if (pv->price == NULL || c == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "provider", json_string(pv->price->name));
	json_object_set_new(o, "price_per_segment",
	    pv_jnum(pv->price->price_per_segment));
	json_object_set_new(o, "recipients", json_integer(c->sent));
	json_object_set_new(o, "segments", json_integer(c->segments));
	json_object_set_new(o, "total",
	    pv_jnum((double)c->segments * pv->price->price_per_segment));
	return o;
}

static void
pv_print_json(const struct preview *pv, int status)
{
	json_t	*o, *arr;
	int	 i;

	o = json_object();
	json_object_set_new(o, "job", pv_jstr(pv->job->id));
	json_object_set_new(o, "ok", json_boolean(!pv->bad));
	json_object_set_new(o, "exit", json_integer(status));
	json_object_set_new(o, "audience", pv_json_audience(pv));
	json_object_set_new(o, "renders", pv_json_renders(pv));
	json_object_set_new(o, "would_fail", pv_json_fails(pv));
	json_object_set_new(o, "sample", pv_json_sample(pv));
	if (!pv->have_sample)
		json_object_set_new(o, "no_sample", pv_jstr(pv->no_sample));
	arr = json_array();
	for (i = 0; pv->have_sample && i < pv->nrend; i++)
		json_array_append_new(arr, pv_json_render(pv, &pv->rend[i]));
	json_object_set_new(o, "channels", arr);
	json_object_set_new(o, "cost", pv_json_cost(pv));
	ctl_print_json(o);
	json_decref(o);
}

static void
pv_free(struct preview *pv)
{
	struct pv_longest	*l;
	size_t			 i;
	int			 k;

	for (i = 0; i < pv->nw; i++) {
		free(pv->w[i].code);
		free(pv->w[i].name);
		free(pv->w[i].district);
	}
	free(pv->w);
	json_decref(pv->wmap);
	for (k = 0; k < LOA_CH_COUNT; k++) {
		l = &pv->chan[k].longest;
		free(l->id);
		free(l->phone);
		free(l->ward);
		json_decref(pv->chan[k].missing);
	}
	for (k = 0; k < pv->nrend; k++)
		loa_rendered_clear(&pv->rend[k].r);
	json_decref(pv->holder);
	free(pv->sample_id);
	free(pv->ward_name);
	free(pv->district);
	free(pv->no_sample);
	free(pv->unicode_from);
	free(pv->columns_err);
	loa_plan_free(&pv->plan);
	loa_job_unref(pv->job);
}

int
ctl_preview(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "resident",	required_argument,	NULL,	'r' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct preview	 pv;
	struct loa_buf	 b;
	const char	*want = NULL;
	char		 err[1024], **ops, *s;
	size_t		 i;
	int		 ch, nops, json = 0, status;

	while ((ch = ctl_getopt(argc, argv, lo, PREVIEW_USAGE)) != -1) {
		if (ch == 'r')
			want = optarg;
		else if (ch == 'j')
			json = 1;
	}
	if ((nops = ctl_operands(&ops)) != 1)
		ctl_usage_error(PREVIEW_USAGE, "preview: %s", nops == 0 ?
		    "missing job FILE" : "one job FILE only");
	if (want != NULL && *want == '\0')
		ctl_usage_error(PREVIEW_USAGE, "preview: --resident: empty ID");

	memset(&pv, 0, sizeof(pv));
	pv.name = strcmp(ops[0], "-") == 0 ? "stdin" : ops[0];
	ctl_config();
	loa_buf_init(&b);
	if (ctl_read_job(ops[0], ctl_cfg.max_job_size, &b, err,
	    sizeof(err)) == -1 || (pv.job = loa_job_parse(b.data != NULL ?
	    b.data : "", b.len, NULL, ctl_cfg.max_job_size, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "loactl: %s: %s\n", pv.name, err);
		loa_buf_free(&b);
		return 1;
	}
	loa_buf_free(&b);

	ctl_connect();
	pv.wmap = json_object();
	pv_resolve(&pv);
	if (pv_sample(&pv, want) == -1) {
		s = pv_show(want);
		fprintf(stderr, "loactl: %s: --resident %s: %s\n", pv.name, s,
		    pv.job->audience == LOA_AUD_RECIPIENTS ? "no such "
		    "recipient in the job (give its \"id\" or #N)" :
		    "no such resident in the directory");
		free(s);
		pv_free(&pv);
		return 1;
	}
	pv_providers(&pv);
	pv_walk(&pv);
	if (pv.have_sample) {
		if (!pv.in_audience)	/* the walk did not meet it */
			pv.skip_reason = loa_skip_name(loa_plan_skip(pv.job,
			    pv.rc, pv.rc->opted_out, 0));
		pv_sample_ward(&pv);
		pv_render(&pv);
	}

	status = pv.bad ? 1 : pv.nfails > 0 ? PV_EXIT_FAILS : 0;
	if (json)
		pv_print_json(&pv, status);
	else
		pv_print(&pv);
	fflush(stdout);
	for (i = 0; i < pv.plan.nmissing; i++) {
		s = pv_show(pv.plan.missing[i]);
		fprintf(stderr, "loactl: %s: audience: unknown %s \"%s\": the "
		    "daemon will reject this job\n", pv.name, pv.unknown_what,
		    s);
		free(s);
	}
	if (pv.columns_err != NULL) {
		s = pv_show(pv.columns_err);
		fprintf(stderr, "loactl: %s: %s: the daemon will reject this "
		    "job\n", pv.name, s);
		free(s);
	}
	if (status == PV_EXIT_FAILS)
		fprintf(stderr, "loactl: %s: %lld %s would fail (too_long "
		    "%lld, missing_var %lld, bad_text %lld)\n", pv.name,
		    pv.nfails, plural(pv.nfails, "recipient", "recipients"),
		    pv.fails[PV_FAIL_TOO_LONG], pv.fails[PV_FAIL_MISSING_VAR],
		    pv.fails[PV_FAIL_BAD_TEXT]);
	pv_free(&pv);
	return status;
}
