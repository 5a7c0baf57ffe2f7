/*
 * ctl-preview.c -- "loactl preview FILE [--resident ID] [--json]": what a
 * job will send, shown before it is sent.  Nothing is written to Redis.
 *
 * The job (FILE "-": standard input) is checked with loa_job_parse(), as
 * "send" checks it, but not with loa_job_check_supported(): a preview of
 * a ward, district or "all" audience is what an official needs before the
 * daemon delivers one.  Then, reading only:
 *
 *  - the audience.  Explicit "recipients" are counted per ward (their
 *    "ward" field, "(none)" without one), with how many the daemon skips
 *    before sending, in the order of deliver.c: a phone in
 *    <prefix>optout (opted_out), a phone seen earlier in the job
 *    (duplicate), then no usable channel, reported as bad_phone when the
 *    phone is what is wrong, else no_channel.  The cost counts only the
 *    others.  An "audience" is resolved in the directory:
 *    {"wards":[...]} needs the hash <prefix>ward:<code> of every code
 *    (an unknown code is reported and the preview exits 1, since the
 *    daemon rejects such a job); {"districts":[...]} is every code of the
 *    set <prefix>wards whose hash field "district" is one of the names,
 *    byte for byte (a name that matches no ward is an error too);
 *    {"all":true} is every code of <prefix>wards.  Each ward shows its
 *    name and the SCARD of <prefix>ward:<code>:residents (opt-outs are
 *    not subtracted: that would need every resident's hash).  As in the
 *    daemon, a ward is known by the "name" field of its hash, and the
 *    templates of an audience job may only use the directory columns
 *    listed in <prefix>directory:columns besides Loa's own variables and
 *    the job's (loa_job_check_columns()); otherwise the daemon rejects
 *    the job, and the preview says so and exits 1.
 *  - one sample resident: --resident ID picks a recipient of the job by
 *    its "id" or as "#N" (0-based), or for an audience the directory
 *    resident <prefix>resident:<ID>; by default the job's first recipient
 *    or the first member SSCAN returns from the first non-empty ward.
 *    Its ward's hash gives {{ward_name}} and {{district}}.
 *  - each of the job's channels rendered for that sample with
 *    loa_render(), the daemon's own code: the SMS text as it will be sent
 *    with its encoding, characters, units and segments (and too_long
 *    against max_segments), the Zalo template id and data, or why the
 *    render fails (missing_var and the variable).  SMS unicode is the
 *    job's sms.unicode, else the "unicode" key of the first SMS provider
 *    section of the configuration, else "never".
 *  - an estimated SMS cost, when an SMS provider section sets
 *    price_per_segment: residents x the sample's segments x the price,
 *    which assumes every resident gets the sample's segment count by SMS.
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
 * name, code and value from the job or the directory.  --json prints all
 * of it as one JSON object, through loa_neutral_json() (no raw control).
 *
 * Exit status: 0 when the preview is made, 1 when the job is invalid,
 * names unknown wards or districts or variables the directory lacks, the
 * --resident is not found, or Redis fails; 2 on bad usage.  A render
 * failure for the sample is part of the preview, not an error: the
 * daemon accepts the job and fails only that resident on that channel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define PREVIEW_USAGE	"preview FILE [--resident ID] [--json]"
#define PREVIEW_SSCAN	"100"		/* COUNT hint of each SSCAN step */
#define PV_BATCH	256		/* commands per pipelined round trip */


enum pv_skip {				/* why a recipient is skipped */
	PV_SKIP_OPTED_OUT = 0,
	PV_SKIP_DUPLICATE,
	PV_SKIP_BAD_PHONE,
	PV_SKIP_NO_CHANNEL,
	PV_SKIP_COUNT
};
static const char *const pv_skip_names[] = {
	"opted_out", "duplicate", "bad_phone", "no_channel"
};

struct pv_ward {
	char		*code;		/* NULL: recipients without a ward */
	char		*name;		/* from the directory; NULL: none */
	char		*district;
	int		 known;		/* its hash has a name */
	long long	 count;		/* residents or recipients */
	long long	 skipped;	/* recipients skipped before sending */
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
	int			 bad;	/* exit 1 at the end */

	/* The audience. */
	struct pv_ward		*w;
	size_t			 nw;
	json_t			*wmap;	/* code -> index into w */
	long long		 total;
	long long		 skip[PV_SKIP_COUNT];
	long long		 nskipped;
	char			**unknown;	/* wards or districts */
	size_t			 nunknown;
	const char		*unknown_what;
	char			*columns_err;	/* a variable no column has */

	/* The sample. */
	int			 have_sample;
	const char		*source;	/* "job" or "directory" */
	int			 index;		/* in the job, or -1 */
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

/*
 * Send the n commands of cmds at once and read their replies into out,
 * for the caller to free.  A lost connection or an error reply exits 1,
 * as with ctl_command().
 */
static void
pv_pipeline(const struct loa_argv *cmds, size_t n, redisReply **out)
{
	size_t	 i;
	void	*reply;

	for (i = 0; i < n; i++)
		if (redisAppendCommandArgv(ctl_redis, cmds[i].argc,
		    (const char **)cmds[i].argv, cmds[i].len) != REDIS_OK)
			ctl_redis_fail();
	for (i = 0; i < n; i++) {
		if (redisGetReply(ctl_redis, &reply) != REDIS_OK ||
		    reply == NULL)
			ctl_redis_fail();
		out[i] = reply;
	}
	for (i = 0; i < n; i++)
		if (out[i]->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "loactl: redis: %s %s: %s\n",
			    cmds[i].argv[0], cmds[i].argv[1], out[i]->str);
			exit(1);
		}
}

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

/* The ward of code (NULL: no ward), added when new. */
static struct pv_ward *
pv_ward(struct preview *pv, const char *code)
{
	const char	*k;
	json_t		*idx;
	struct pv_ward	*w;

	if (code != NULL && *code == '\0')
		code = NULL;	/* "ward": "" is no ward */
	k = code != NULL ? code : "";
	if ((idx = json_object_get(pv->wmap, k)) != NULL)
		return &pv->w[json_integer_value(idx)];
	pv->w = xreallocarray(pv->w, pv->nw + 1, sizeof(*pv->w));
	w = &pv->w[pv->nw];
	memset(w, 0, sizeof(*w));
	w->code = code != NULL ? xstrdup(code) : NULL;
	json_object_set_new_nocheck(pv->wmap, k,
	    json_integer((json_int_t)pv->nw));
	pv->nw++;
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

/* Sort the wards by code, "(none)" last, and rebuild the map. */
static void
pv_wards_sort(struct preview *pv)
{
	size_t	i;

	if (pv->nw > 0)	/* pv->w may be NULL then */
		qsort(pv->w, pv->nw, sizeof(*pv->w), pv_ward_cmp);
	json_object_clear(pv->wmap);
	for (i = 0; i < pv->nw; i++)
		json_object_set_new_nocheck(pv->wmap, pv->w[i].code != NULL ?
		    pv->w[i].code : "", json_integer((json_int_t)i));
}

static void
pv_ward_clear(struct pv_ward *w)
{
	free(w->code);
	free(w->name);
	free(w->district);
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
 * Look every ward (with a code) up in the directory: its hash gives
 * known, name and district; with residents set, SCARD of its residents
 * set gives count.
 */
static void
pv_wards_fetch(struct preview *pv, int residents)
{
	struct loa_argv	*cmds;
	redisReply	**rep;
	size_t		 i, n = 0, per = residents ? 2 : 1, k;
	size_t		*which;

	cmds = xcalloc(pv->nw * per + 1, sizeof(*cmds));
	which = xcalloc(pv->nw + 1, sizeof(*which));
	for (i = 0; i < pv->nw; i++) {
		if (pv->w[i].code == NULL)
			continue;
		which[n / per] = i;
		loa_argv_add(&cmds[n], "HGETALL");
		loa_argv_take(&cmds[n++], loa_key_ward(ctl_cfg.prefix,
		    pv->w[i].code));
		if (residents) {
			loa_argv_add(&cmds[n], "SCARD");
			loa_argv_take(&cmds[n++], loa_key_ward_residents(
			    ctl_cfg.prefix, pv->w[i].code));
		}
	}
	rep = xcalloc(n + 1, sizeof(*rep));
	pv_pipeline(cmds, n, rep);
	for (k = 0; k < n; k += per) {
		struct pv_ward *w = &pv->w[which[k / per]];
		w->name = pv_hfield(rep[k], "name");
		w->known = w->name != NULL;
		w->district = pv_hfield(rep[k], "district");
		if (residents && rep[k + 1]->type == REDIS_REPLY_INTEGER)
			w->count = rep[k + 1]->integer;
	}
	for (k = 0; k < n; k++) {
		freeReplyObject(rep[k]);
		loa_argv_free(&cmds[k]);
	}
	free(rep);
	free(cmds);
	free(which);
}

static void
pv_unknown(struct preview *pv, const char *what, const char *s)
{
	pv->unknown = xreallocarray(pv->unknown, pv->nunknown + 1,
	    sizeof(*pv->unknown));
	pv->unknown[pv->nunknown++] = xstrdup(s);
	pv->unknown_what = what;
	pv->bad = 1;
}

/* Why the daemon would skip recipient rc before sending, or NULL. */
static const char *
pv_skip_reason(const struct loa_job *job, const struct loa_recipient *rc,
    int *which)
{
	int			 i;
	enum loa_channel	 ch;

	if (rc->opted_out) {
		*which = PV_SKIP_OPTED_OUT;
		return pv_skip_names[*which];
	}
	if (rc->dup_of >= 0) {
		*which = PV_SKIP_DUPLICATE;
		return pv_skip_names[*which];
	}
	for (i = 0; i < job->nchannels; i++) {
		ch = job->channels[i];
		if (!(rc->channels & (1u << ch)))
			continue;
		if (rc->phone_ok || (ch == LOA_CH_ZALO &&
		    rc->zalo_uid != NULL))
			return NULL;
	}
	*which = rc->phone_raw != NULL && !rc->phone_ok ?
	    PV_SKIP_BAD_PHONE : PV_SKIP_NO_CHANNEL;
	return pv_skip_names[*which];
}

/*
 * Mark the recipients of the job whose phone is in <prefix>optout, as
 * the daemon's gate does, PV_BATCH phones per round trip.
 */
static void
pv_optouts(struct preview *pv)
{
	struct loa_job	*job = pv->job;
	struct loa_argv	 cmds[PV_BATCH];
	redisReply	*rep[PV_BATCH];
	int		 idx[PV_BATCH], i, n = 0, k;
	char		*key;

	key = loa_key_optout(ctl_cfg.prefix);
	for (i = 0; i <= job->nrcpt; i++) {
		if (i < job->nrcpt && job->rcpt[i].phone_ok &&
		    job->rcpt[i].dup_of < 0) {
			loa_argv_init(&cmds[n]);
			loa_argv_add(&cmds[n], "SISMEMBER");
			loa_argv_add(&cmds[n], key);
			loa_argv_add(&cmds[n], job->rcpt[i].phone);
			idx[n++] = i;
		}
		if (n == 0 || (n < PV_BATCH && i < job->nrcpt))
			continue;
		pv_pipeline(cmds, n, rep);
		for (k = 0; k < n; k++) {
			job->rcpt[idx[k]].opted_out =
			    rep[k]->type == REDIS_REPLY_INTEGER &&
			    rep[k]->integer == 1;
			freeReplyObject(rep[k]);
			loa_argv_free(&cmds[k]);
		}
		n = 0;
	}
	free(key);
	/* A duplicate shares the phone of the recipient it repeats. */
	for (i = 0; i < job->nrcpt; i++)
		if (job->rcpt[i].dup_of >= 0)
			job->rcpt[i].opted_out =
			    job->rcpt[job->rcpt[i].dup_of].opted_out;
}

/* Explicit recipients: count them per ward, and the ones skipped. */
static void
pv_audience_recipients(struct preview *pv)
{
	const struct loa_job	*job = pv->job;
	struct pv_ward		*w;
	int			 i, which;

	pv_optouts(pv);
	for (i = 0; i < job->nrcpt; i++) {
		w = pv_ward(pv, job->rcpt[i].ward);
		w->count++;
		pv->total++;
		if (pv_skip_reason(job, &job->rcpt[i], &which) != NULL) {
			w->skipped++;
			pv->skip[which]++;
			pv->nskipped++;
		}
	}
	pv_wards_sort(pv);
	pv_wards_fetch(pv, 0);		/* names, for the reader */
}

/* Every code of the set <prefix>wards, as wards of the preview. */
static void
pv_all_wards(struct preview *pv)
{
	redisReply	*r;
	char		*key;
	size_t		 i;

	key = loa_key_wards(ctl_cfg.prefix);
	r = ctl_commandl("SMEMBERS", key, NULL);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			pv_ward(pv, r->element[i]->str);
	freeReplyObject(r);
	free(key);
	pv_wards_sort(pv);
}

/*
 * Keep only the wards with a name (as the daemon does) and, when names
 * is not NULL, whose district is one of them; a name that matches no
 * ward is unknown.
 */
static void
pv_filter(struct preview *pv, json_t *names)
{
	json_t		*v;
	size_t		 i, k, kept = 0;
	int		*matched;
	const char	*d;

	matched = xcalloc(json_array_size(names) + 1, sizeof(*matched));
	for (i = 0; i < pv->nw; i++) {
		int keep = names == NULL && pv->w[i].known;
		d = pv->w[i].district;
		json_array_foreach(names, k, v) {
			if (pv->w[i].known && d != NULL &&
			    strcmp(d, json_string_value(v)) == 0) {
				matched[k] = 1;
				keep = 1;
			}
		}
		if (keep)
			pv->w[kept++] = pv->w[i];
		else
			pv_ward_clear(&pv->w[i]);
	}
	pv->nw = kept;
	pv_wards_sort(pv);
	json_array_foreach(names, k, v) {
		if (!matched[k])
			pv_unknown(pv, "district", json_string_value(v));
	}
	free(matched);
}

/*
 * The daemon rejects an audience job whose templates use a variable that
 * is neither Loa's, nor the job's, nor a column of the directory.
 */
static void
pv_check_columns(struct preview *pv)
{
	redisReply	*r;
	json_t		*cols;
	char		*key, err[512];
	size_t		 i;

	key = loa_key_columns(ctl_cfg.prefix);
	r = ctl_commandl("SMEMBERS", key, NULL);
	free(key);
	cols = json_array();
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			json_array_append_new(cols,
			    pv_jstr(r->element[i]->str));
	freeReplyObject(r);
	if (loa_job_check_columns(pv->job, cols, err, sizeof(err)) == -1) {
		pv->columns_err = xstrdup(err);
		pv->bad = 1;
	}
	json_decref(cols);
}

/* An audience of the directory: the wards and their residents. */
static void
pv_audience_directory(struct preview *pv)
{
	json_t	*v;
	size_t	 i;

	switch (pv->job->audience) {
	case LOA_AUD_WARDS:
		json_array_foreach(pv->job->audience_list, i, v)
			pv_ward(pv, json_string_value(v));
		pv_wards_fetch(pv, 1);
		for (i = 0; i < pv->nw; i++)
			if (!pv->w[i].known)
				pv_unknown(pv, "ward", pv->w[i].code);
		break;
	case LOA_AUD_DISTRICTS:
		pv_all_wards(pv);
		pv_wards_fetch(pv, 1);
		pv_filter(pv, pv->job->audience_list);
		break;
	default:
		pv_all_wards(pv);
		pv_wards_fetch(pv, 1);
		pv_filter(pv, NULL);
		break;
	}
	for (i = 0; i < pv->nw; i++)
		if (pv->w[i].known)
			pv->total += pv->w[i].count;
	pv_check_columns(pv);
}

/* The first member SSCAN returns from a non-empty ward, or NULL. */
static char *
pv_first_resident(struct preview *pv)
{
	redisReply	*r, *members;
	char		*key, *cursor, *id = NULL;
	size_t		 i;

	for (i = 0; i < pv->nw && id == NULL; i++) {
		if (!pv->w[i].known || pv->w[i].count <= 0)
			continue;
		key = loa_key_ward_residents(ctl_cfg.prefix,
		    pv->w[i].code);
		cursor = xstrdup("0");
		do {
			r = ctl_commandl("SSCAN", key, cursor, "COUNT",
			    PREVIEW_SSCAN, NULL);
			free(cursor);
			if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
			    r->element[0]->type != REDIS_REPLY_STRING) {
				freeReplyObject(r);
				break;
			}
			cursor = xstrdup(r->element[0]->str);
			members = r->element[1];
			if (members->type == REDIS_REPLY_ARRAY &&
			    members->elements > 0 &&
			    members->element[0]->type == REDIS_REPLY_STRING)
				id = xstrdup(members->element[0]->str);
			freeReplyObject(r);
			if (id != NULL || strcmp(cursor, "0") == 0) {
				free(cursor);
				break;
			}
		} while (1);
		free(key);
	}
	return id;
}

/*
 * The directory resident id as the sample: its hash through
 * loa_recipient_from_hash(), opted out by its flag or <prefix>optout.
 */
static void
pv_sample_directory(struct preview *pv, const char *id)
{
	redisReply	*r;
	const char	**kv;
	size_t		*len, i, n;
	char		*key;

	key = loa_key_resident(ctl_cfg.prefix, id);
	r = ctl_commandl("HGETALL", key, NULL);
	free(key);
	n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
	kv = xcalloc(2 * n + 1, sizeof(*kv));
	len = xcalloc(2 * n + 1, sizeof(*len));
	for (i = 0; i < 2 * n; i++) {
		kv[i] = r->element[i]->str != NULL ? r->element[i]->str : "";
		len[i] = r->element[i]->str != NULL ? r->element[i]->len : 0;
	}
	pv->holder = json_object();
	loa_recipient_from_hash(&pv->dir_rc, pv->holder, id, kv, len, n);
	free(kv);
	free(len);
	freeReplyObject(r);
	pv->dir_found = n > 0;
	pv->rc = &pv->dir_rc;
	pv->source = "directory";
	pv->index = -1;
	pv->have_sample = 1;

	if (pv->dir_rc.phone_ok && !pv->dir_rc.opted_out) {
		key = loa_key_optout(ctl_cfg.prefix);
		r = ctl_commandl("SISMEMBER", key, pv->dir_rc.phone, NULL);
		pv->dir_rc.opted_out = r->type == REDIS_REPLY_INTEGER &&
		    r->integer == 1;
		freeReplyObject(r);
		free(key);
	}

	/* In the audience: its ward is one of them and lists it. */
	pv->in_audience = 0;
	if (pv->dir_rc.ward != NULL &&
	    json_object_get(pv->wmap, pv->dir_rc.ward) != NULL) {
		key = loa_key_ward_residents(ctl_cfg.prefix,
		    pv->dir_rc.ward);
		r = ctl_commandl("SISMEMBER", key, id, NULL);
		pv->in_audience = r->type == REDIS_REPLY_INTEGER &&
		    r->integer == 1;
		freeReplyObject(r);
		free(key);
	}
}

/*
 * Choose the sample (see the top of the file).  Returns 0, or -1 when
 * --resident names nobody.
 */
static int
pv_sample(struct preview *pv, const char *want)
{
	const struct loa_job	*job = pv->job;
	char			*end, *id;
	long			 n;
	int			 i;

	if (job->audience == LOA_AUD_RECIPIENTS) {
		pv->index = -1;
		if (want == NULL)
			pv->index = 0;
		else if (want[0] == '#' && want[1] >= '0' && want[1] <= '9') {
			errno = 0;
			n = strtol(want + 1, &end, 10);
			if (*end == '\0' && errno == 0 && n < job->nrcpt)
				pv->index = (int)n;
		} else
			for (i = 0; i < job->nrcpt; i++)
				if (job->rcpt[i].id != NULL &&
				    strcmp(job->rcpt[i].id, want) == 0) {
					pv->index = i;
					break;
				}
		if (pv->index < 0)
			return -1;
		pv->rc = &job->rcpt[pv->index];
		pv->source = "job";
		pv->in_audience = 1;
		pv->have_sample = 1;
		return 0;
	}
	if (want != NULL) {
		pv_sample_directory(pv, want);
		return pv->dir_found ? 0 : -1;
	}
	if ((id = pv_first_resident(pv)) == NULL) {
		pv->no_sample = xstrdup(pv->total == 0 ? "the audience has "
		    "no residents" : "no resident found in the audience's "
		    "wards");
		return 0;
	}
	pv_sample_directory(pv, id);
	free(id);
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

static const struct pv_render *
pv_sms(const struct preview *pv)
{
	int	i;

	for (i = 0; i < pv->nrend; i++)
		if (pv->rend[i].ch == LOA_CH_SMS)
			return &pv->rend[i];
	return NULL;
}

/* Residents counted in the cost: those not skipped before sending. */
static long long
pv_cost_count(const struct preview *pv)
{
	return pv->total - pv->nskipped;
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
	long long		 k, known;

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
		if (pv->job->audience == LOA_AUD_WARDS && !w->known)
			continue;	/* listed as unknown below */
		s = pv_show(w->code != NULL ? w->code : "(none)");
		k = w->count;
		what = explicit ? plural(k, "recipient", "recipients") :
		    plural(k, "resident", "residents");
		printf("ward %-*s  %*lld %s", width, s, nwidth, k, what);
		free(s);
		if (explicit && w->skipped > 0)
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
	for (i = 0; i < pv->nunknown; i++) {
		s = pv_show(pv->unknown[i]);
		printf("unknown %s %s: not in the directory\n",
		    pv->unknown_what, s);
		free(s);
	}
	if (explicit) {
		printf("total %lld %s, %lld skipped before sending "
		    "(opted_out %lld, duplicate %lld, bad_phone %lld, "
		    "no_channel %lld), %lld to send\n", pv->total,
		    plural(pv->total, "recipient", "recipients"),
		    pv->nskipped, pv->skip[PV_SKIP_OPTED_OUT],
		    pv->skip[PV_SKIP_DUPLICATE], pv->skip[PV_SKIP_BAD_PHONE],
		    pv->skip[PV_SKIP_NO_CHANNEL], pv->total - pv->nskipped);
	} else {
		for (i = 0, known = 0; i < pv->nw; i++)
			known += pv->job->audience != LOA_AUD_WARDS ||
			    pv->w[i].known;
		printf("total %lld %s in %lld %s\n", pv->total,
		    plural(pv->total, "resident", "residents"), known,
		    plural(known, "ward", "wards"));
	}
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
	const struct pv_render	*sms = pv_sms(pv);
	char			 price[64], total[64];
	long long		 n = pv_cost_count(pv);
	int			 segs;

	if (pv->price == NULL || sms == NULL)
		return;
	if (!pv->have_sample || sms->r.text == NULL || (!sms->ok &&
	    strcmp(sms->r.reason, "too_long") != 0)) {
		printf("estimated SMS cost: not estimated: the sample's SMS "
		    "did not render\n");
		return;
	}
	if (!sms->ok) {
		printf("estimated SMS cost: not estimated: the sample's SMS "
		    "is too_long and would not be sent\n");
		return;
	}
	segs = sms->r.sms.segments;
	pv_fmtnum(pv->price->price_per_segment, price, sizeof(price));
	pv_fmtnum((double)n * segs * pv->price->price_per_segment, total,
	    sizeof(total));
	printf("estimated SMS cost: %lld x %d %s x %s = %s\n", n, segs,
	    plural(segs, "segment", "segments"), price, total);
	printf("  (price_per_segment of [provider.%s]; assumes each of the "
	    "%lld %s%s gets the SMS, with as many segments as the "
	    "sample)\n", pv->price->name, n, pv->job->audience ==
	    LOA_AUD_RECIPIENTS ? "recipients" : "residents",
	    pv->job->audience == LOA_AUD_RECIPIENTS ? " not skipped" : "");
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
	pv_print_sample(pv);
	if (pv->have_sample)
		for (i = 0; i < pv->nrend; i++) {
			printf("\n");
			pv_print_render(pv, &pv->rend[i]);
		}
	if (pv->price != NULL && pv_sms(pv) != NULL)
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
		if (pv->job->audience == LOA_AUD_WARDS && !w->known)
			continue;
		o = json_object();
		json_object_set_new(o, "code", pv_jstr(w->code));
		json_object_set_new(o, "name", pv_jmask(w->name));
		json_object_set_new(o, "district", pv_jmask(w->district));
		json_object_set_new(o, explicit ? "recipients" : "residents",
		    json_integer(w->count));
		if (explicit)
			json_object_set_new(o, "skipped",
			    json_integer(w->skipped));
		json_array_append_new(wards, o);
	}
	json_object_set_new(a, "wards", wards);
	json_object_set_new(a, "total", json_integer(pv->total));
	if (explicit) {
		skip = json_object();
		for (i = 0; i < PV_SKIP_COUNT; i++)
			json_object_set_new(skip, pv_skip_names[i],
			    json_integer(pv->skip[i]));
		json_object_set_new(skip, "total", json_integer(pv->nskipped));
		json_object_set_new(a, "skipped", skip);
		json_object_set_new(a, "to_send",
		    json_integer(pv->total - pv->nskipped));
	} else {
		unknown = json_array();
		for (i = 0; i < pv->nunknown; i++)
			json_array_append_new(unknown, pv_jstr(pv->unknown[i]));
		json_object_set_new(a, pv->job->audience == LOA_AUD_DISTRICTS ?
		    "unknown_districts" : "unknown_wards", unknown);
		json_object_set_new(a, "columns_error",
		    pv_jmask(pv->columns_err));
	}
	return a;
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
	const struct pv_render	*sms = pv_sms(pv);
	json_t			*o;
	long long		 n = pv_cost_count(pv);
	int			 segs;

	if (pv->price == NULL || sms == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "provider", json_string(pv->price->name));
	json_object_set_new(o, "price_per_segment",
	    pv_jnum(pv->price->price_per_segment));
	json_object_set_new(o, "recipients", json_integer(n));
	if (!pv->have_sample || !sms->ok) {
		json_object_set_new(o, "segments", json_null());
		json_object_set_new(o, "total", json_null());
		json_object_set_new(o, "note", json_string(!pv->have_sample ||
		    sms->r.reason == NULL || strcmp(sms->r.reason,
		    "too_long") != 0 ? "the sample's SMS did not render" :
		    "the sample's SMS is too_long and would not be sent"));
		return o;
	}
	segs = sms->r.sms.segments;
	json_object_set_new(o, "segments", json_integer(segs));
	json_object_set_new(o, "total",
	    pv_jnum((double)n * segs * pv->price->price_per_segment));
	json_object_set_new(o, "note", json_string("assumes every recipient "
	    "counted gets the SMS with as many segments as the sample"));
	return o;
}

static void
pv_print_json(const struct preview *pv)
{
	json_t	*o, *arr;
	int	 i;

	o = json_object();
	json_object_set_new(o, "job", pv_jstr(pv->job->id));
	json_object_set_new(o, "ok", json_boolean(!pv->bad));
	json_object_set_new(o, "audience", pv_json_audience(pv));
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
	size_t	i;
	int	k;

	for (i = 0; i < pv->nw; i++)
		pv_ward_clear(&pv->w[i]);
	free(pv->w);
	json_decref(pv->wmap);
	for (i = 0; i < pv->nunknown; i++)
		free(pv->unknown[i]);
	free(pv->unknown);
	for (k = 0; k < pv->nrend; k++)
		loa_rendered_clear(&pv->rend[k].r);
	json_decref(pv->holder);
	free(pv->ward_name);
	free(pv->district);
	free(pv->no_sample);
	free(pv->unicode_from);
	free(pv->columns_err);
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
	int		 ch, nops, json = 0, which;

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
	if (pv.job->audience == LOA_AUD_RECIPIENTS)
		pv_audience_recipients(&pv);
	else
		pv_audience_directory(&pv);
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
	if (pv.have_sample) {
		pv.skip_reason = pv_skip_reason(pv.job, pv.rc, &which);
		pv_sample_ward(&pv);
		pv_render(&pv);
	}

	if (json)
		pv_print_json(&pv);
	else
		pv_print(&pv);
	fflush(stdout);
	for (i = 0; i < pv.nunknown; i++) {
		s = pv_show(pv.unknown[i]);
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
	ch = pv.bad ? 1 : 0;
	pv_free(&pv);
	return ch;
}
