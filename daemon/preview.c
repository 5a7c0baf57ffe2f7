/*
 * preview.c -- the figures of a preview (preview.h), recipient by
 * recipient: what "loactl preview" (ctl-preview.c, whose header says
 * what every figure means) and the daemon's POST /v1/preview (capi.c)
 * compute, and the JSON both answer.  No Redis here: the drivers send
 * the plan's commands (plan.h) and hand the replies in, so memory does
 * not grow with the audience but for the plan's set of phones seen.
 *
 * Phone numbers are masked everywhere except in the rendered messages
 * themselves (loa_mask_numbers() for free text and ids); the caller
 * neutralises the JSON (loa_neutral_json()) before it leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "preview.h"

static const char *const pv_fail_names[PV_FAIL_COUNT] = {
	"too_long", "missing_var", "bad_text"
};

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
	masked = loa_mask_numbers(s);
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
void
loa_preview_fmtnum(double v, char *out, size_t outlen)
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

/* The ward of code (NULL or "": no ward), added when new. */
static struct pv_ward *
pv_ward(struct loa_preview *pv, const char *code)
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
pv_wards_sort(struct loa_preview *pv)
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
 * The job resolved as the daemon resolves it (pv->plan): its wards (an
 * audience's, in the daemon's order, each with its name and district),
 * the unknown names and, for an audience, the variables the directory
 * lacks.
 */
void
loa_preview_resolved(struct loa_preview *pv)
{
	struct pv_ward	*w;
	size_t		 i;
	char		 err[512];

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
		l->phone = rc->phone_raw != NULL ? loa_mask_numbers(rc->phone_raw) :
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
pv_deliver(struct loa_preview *pv, const struct loa_plan_item *it)
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
		if (!loa_plan_usable(job, rc, c->ch))
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

/*
 * One recipient of the walk (a loa_plan_cb; arg is the preview):
 * counted, and rendered unless skipped.
 */
void
loa_preview_item(void *arg, const struct loa_plan_item *it)
{
	struct loa_preview	*pv = arg;
	struct pv_ward		*w;

	w = pv_ward(pv, it->ward);
	w->count++;
	pv->total++;
	if (pv->have_sample && (pv->index >= 0 ? it->index == pv->index :
	    it->rc->id != NULL && strcmp(it->rc->id, pv->sample_id) == 0)) {
		pv->in_audience = 1;
		pv->skip_reason = loa_skip_name(it->skip);
	}
	/*
	 * The default sample of an audience (plan.c): the resident whose id
	 * sorts first in the first ward that has residents, met here rather
	 * than by a scan of its own.
	 */
	if (pv->track && it->rc->id != NULL && (pv->track_ward == NULL ||
	    strcmp(pv->track_ward, it->ward) == 0)) {
		if (pv->track_ward == NULL)
			pv->track_ward = xstrdup(it->ward);
		if (pv->track_id == NULL ||
		    strcmp(it->rc->id, pv->track_id) < 0) {
			free(pv->track_id);
			pv->track_id = xstrdup(it->rc->id);
			pv->track_skip = loa_skip_name(it->skip);
		}
	}
	if (it->skip != LOA_SKIP_NONE) {
		w->skipped++;
		pv->skip[it->skip]++;
		pv->nskipped++;
		return;
	}
	pv_deliver(pv, it);
}

/*
 * Choose the sample before the walk (see ctl-preview.c): want is
 * --resident, or NULL.  0: chosen, or (an audience without want) the
 * walk will meet it; 1: fetch the directory resident pv->sample_id, then
 * loa_preview_resident(); -1: no recipient of the job is want.
 */
int
loa_preview_want(struct loa_preview *pv, const char *want)
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
	if (want == NULL) {
		pv->track = 1;
		return 0;
	}
	pv->sample_id = xstrdup(want);
	return 1;
}

/*
 * The directory resident pv->sample_id was read into pv->dir_rc (found:
 * its hash exists).  0, or -1 when it was not found.
 */
int
loa_preview_resident(struct loa_preview *pv, int found)
{
	pv->dir_found = found;
	if (!found)
		return -1;
	pv->rc = &pv->dir_rc;
	pv->source = "directory";
	pv->have_sample = 1;
	return 0;
}

/*
 * After the walk: explicit recipients' wards sorted, the default sample
 * of an audience known.  1: fetch the resident pv->sample_id, then
 * loa_preview_resident(); else 0.
 */
int
loa_preview_walked(struct loa_preview *pv)
{
	if (pv->job->audience == LOA_AUD_RECIPIENTS)
		pv_wards_sort(pv);
	if (!pv->track)
		return 0;
	pv->track = 0;
	if (pv->track_id == NULL) {
		pv->no_sample = xstrdup("the audience has no residents");
		return 0;
	}
	pv->sample_id = pv->track_id;
	pv->track_id = NULL;
	pv->in_audience = 1;
	pv->skip_reason = pv->track_skip;
	return 1;
}

/*
 * The ward hash of the sample gives {{ward_name}} and {{district}}: 1
 * with its HGETALL in av, 0 when there is none to read.
 */
int
loa_preview_ward_argv(const struct loa_preview *pv, struct loa_argv *av)
{
	loa_argv_init(av);
	if (!pv->have_sample || pv->rc->ward == NULL)
		return 0;
	loa_argv_add(av, "HGETALL");
	loa_argv_take(av, loa_key_ward(pv->prefix, pv->rc->ward));
	return 1;
}

/* A field of an HGETALL reply as a new string, or NULL when absent. */
static char *
pv_hfield(const redisReply *h, const char *field)
{
	size_t	i;

	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING &&
		    h->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(h->element[i]->str, field) == 0)
			return xstrndup(h->element[i + 1]->str,
			    h->element[i + 1]->len);
	return NULL;
}

/*
 * Its reply.  As in the daemon, a ward is known by its name, and a known
 * ward without a district has the empty one.
 */
void
loa_preview_ward_reply(struct loa_preview *pv, const redisReply *r)
{
	if ((pv->ward_name = pv_hfield(r, "name")) != NULL &&
	    (pv->district = pv_hfield(r, "district")) == NULL)
		pv->district = xstrdup("");
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
pv_providers(struct loa_preview *pv, const struct loa_config *cfg)
{
	const struct loa_provider_conf	*pc, *first = NULL;
	const char			*u;
	size_t				 i;

	/*
	 * Who sends on zalo, as plan.c's rules want it: loactl loads no
	 * plugin, so it goes by the plugin's name (zalo_oa sends by user
	 * id, the console takes anything; none configured: the console).
	 */
	loa_plan_zalo = cfg->nproviders == 0 ? LOA_PLAN_ZALO_ANY : 0;
	for (i = 0; i < cfg->nproviders; i++) {
		pc = &cfg->providers[i];
		if (pc->plugin != NULL && strcmp(pc->plugin, "zalo_oa") == 0)
			loa_plan_zalo |= LOA_PLAN_ZALO_UID;
		else if (pc->plugin != NULL && strcmp(pc->plugin,
		    "console") == 0 && (pc->channel == NULL ||
		    strcmp(pc->channel, "zalo") == 0))
			loa_plan_zalo |= LOA_PLAN_ZALO_ANY;
	}
	for (i = 0; i < cfg->nproviders; i++) {
		pc = &cfg->providers[i];
		if (!pv_sms_provider(pc))
			continue;
		if (first == NULL)
			first = pc;
		if (pv->price_from == NULL && pc->price_per_segment > 0) {
			pv->price_from = xstrdup(pc->name);
			pv->price = pc->price_per_segment;
		}
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

const char *
loa_preview_unicode_name(enum loa_sms_unicode u)
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

/* Render every channel of the job for the sample, if any. */
void
loa_preview_render(struct loa_preview *pv)
{
	const struct loa_job	*job = pv->job;
	const struct loa_recipient *rc = pv->rc;
	struct pv_render	*pr;
	int			 i;

	if (!pv->have_sample)
		return;
	if (!pv->in_audience)	/* the walk did not meet it */
		pv->skip_reason = loa_skip_name(loa_plan_skip(job, rc,
		    rc->opted_out, 0));

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
const struct pv_chan *
loa_preview_sms_chan(const struct loa_preview *pv)
{
	int	i;

	for (i = 0; i < pv->job->nchannels; i++)
		if (pv->chan[i].ch == LOA_CH_SMS)
			return &pv->chan[i];
	return NULL;
}

/* ---- JSON output ---- */

static json_t *
pv_json_audience(const struct loa_preview *pv)
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
pv_json_renders(const struct loa_preview *pv)
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
pv_json_fails(const struct loa_preview *pv)
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
pv_json_sample(const struct loa_preview *pv)
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
pv_json_render(const struct loa_preview *pv, const struct pv_render *pr)
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
		    json_string(loa_preview_unicode_name(pv->unicode)));
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
		    job->zalo_template_id != NULL ?
		    json_string(job->zalo_template_id) : json_null());
		json_object_set_new(o, "text", pr->r.zalo_text != NULL ?
		    json_string(pr->r.zalo_text) : json_null());
		data = pr->r.zalo_data != NULL ?
		    json_loads(pr->r.zalo_data, 0, NULL) : NULL;
		json_object_set_new(o, "template_data", data != NULL ? data :
		    json_null());
	}
	return o;
}


static json_t *
pv_json_cost(const struct loa_preview *pv)
{
	const struct pv_chan	*c = loa_preview_sms_chan(pv);
	json_t			*o;

	if (pv->price_from == NULL || c == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "provider", json_string(pv->price_from));
	json_object_set_new(o, "price_per_segment", pv_jnum(pv->price));
	json_object_set_new(o, "recipients", json_integer(c->sent));
	json_object_set_new(o, "segments", json_integer(c->segments));
	json_object_set_new(o, "total",
	    pv_jnum((double)c->segments * pv->price));
	return o;
}

/*
 * 0 when every recipient would get the message or is skipped,
 * PV_EXIT_FAILS when some would fail for a reason the official can fix,
 * 1 when the daemon would reject the job.
 */
int
loa_preview_status(const struct loa_preview *pv)
{
	return pv->bad ? 1 : pv->nfails > 0 ? PV_EXIT_FAILS : 0;
}

/* All of it, as "loactl preview --json" prints it. */
json_t *
loa_preview_json(const struct loa_preview *pv)
{
	json_t	*o, *arr;
	int	 i, status = loa_preview_status(pv);

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
	return o;
}

void
loa_preview_free(struct loa_preview *pv)
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
	free(pv->price_from);
	free(pv->track_ward);
	free(pv->track_id);
	free(pv->prefix);
	loa_plan_free(&pv->plan);
	loa_job_unref(pv->job);
	memset(pv, 0, sizeof(*pv));
}
/*
 * Start pv for job (a reference pv takes over) under the configuration
 * cfg, which pv does not keep: the key prefix, the SMS providers'
 * default unicode mode and price are copied.
 */
void
loa_preview_init(struct loa_preview *pv, struct loa_job *job,
    const struct loa_config *cfg)
{
	int	i;

	memset(pv, 0, sizeof(*pv));
	pv->job = job;
	pv->prefix = xstrdup(cfg->prefix);
	pv->wmap = json_object();
	pv->index = -1;
	for (i = 0; i < job->nchannels; i++) {
		pv->chan[i].ch = job->channels[i];
		pv->chan[i].missing = json_object();
	}
	pv_providers(pv, cfg);
}

