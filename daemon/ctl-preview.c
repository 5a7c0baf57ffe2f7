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
#include "preview.h"

#define PREVIEW_USAGE	"preview FILE [--resident ID] [--json]"

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

static const char *
plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Exit 1 with plan.c's message: Redis failed under the plan. */
static void __attribute__((noreturn))
pv_plan_fail(const struct loa_preview *pv)
{
	fprintf(stderr, "loactl: %s\n", pv->plan.err);
	exit(1);
}

/*
 * Read the directory resident pv->sample_id for the sample: 0, or -1
 * when it does not exist.
 */
static int
pv_resident(struct loa_preview *pv)
{
	int	found;

	pv->holder = json_object();
	if (loa_plan_resident(&pv->plan, pv->sample_id, &pv->dir_rc,
	    pv->holder, &found) == -1)
		pv_plan_fail(pv);
	return loa_preview_resident(pv, found);
}

/* ---- text output ---- */

static void
pv_print_wards(const struct loa_preview *pv)
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
pv_print_audience(const struct loa_preview *pv)
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
pv_print_every(const struct loa_preview *pv)
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
pv_print_sample(const struct loa_preview *pv)
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
pv_print_render(const struct loa_preview *pv, const struct pv_render *pr)
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
			    "segments"), loa_preview_unicode_name(pv->unicode),
			    strcmp(pv->unicode_from, "default") == 0 ? "" :
			    "from ", strcmp(pv->unicode_from, "job") == 0 ?
			    "the job" : pv->unicode_from);
			if (job->max_segments > 0)
				printf("; max_segments %d", job->max_segments);
			printf(")\n");
		}
	} else {
		if (job->zalo_template_id != NULL) {
			s = pv_show(job->zalo_template_id);
			printf("zalo: template_id %s\n", s);
			free(s);
		}
		if (pr->r.zalo_text != NULL) {
			/* The OA text (zalo_oa), for residents with a uid. */
			s = pv_show(pr->r.zalo_text);
			printf("zalo: text (OA) %s\n", s);
			free(s);
		}
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
pv_print_cost(const struct loa_preview *pv)
{
	const struct pv_chan	*c = loa_preview_sms_chan(pv);
	char			 price[64], total[64];

	if (pv->price_from == NULL || c == NULL)
		return;
	loa_preview_fmtnum(pv->price, price, sizeof(price));
	loa_preview_fmtnum((double)c->segments * pv->price, total,
	    sizeof(total));
	printf("estimated SMS cost: %lld SMS, %lld %s x %s = %s\n", c->sent,
	    c->segments, plural(c->segments, "segment", "segments"), price,
	    total);
	printf("  (price_per_segment of [provider.%s]; the SMS of every "
	    "recipient who would get one: not skipped, not failed)\n",
	    pv->price_from);
}

static void
pv_print(const struct loa_preview *pv)
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
	if (pv->price_from != NULL && loa_preview_sms_chan(pv) != NULL)
		printf("\n");
	pv_print_cost(pv);
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
	struct loa_preview	 pv;
	struct loa_job		*job;
	struct loa_buf		 b;
	struct loa_argv		 av;
	redisReply		*r;
	json_t			*o;
	const char		*want = NULL, *name;
	char			 err[1024], **ops, *s;
	size_t			 i;
	int			 ch, nops, json = 0, status, k;

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

	name = strcmp(ops[0], "-") == 0 ? "stdin" : ops[0];
	ctl_config();
	loa_buf_init(&b);
	if (ctl_read_job(ops[0], ctl_cfg.max_job_size, &b, err,
	    sizeof(err)) == -1 || (job = loa_job_parse(b.data != NULL ?
	    b.data : "", b.len, NULL, ctl_cfg.max_job_size, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "loactl: %s: %s\n", name, err);
		loa_buf_free(&b);
		return 1;
	}
	loa_buf_free(&b);

	ctl_connect();
	loa_preview_init(&pv, job, &ctl_cfg);
	if (loa_plan_resolve(&pv.plan, ctl_redis, pv.prefix, job) == -1)
		pv_plan_fail(&pv);
	loa_preview_resolved(&pv);
	if ((k = loa_preview_want(&pv, want)) == 1)
		k = pv_resident(&pv);
	if (k == -1) {
		s = pv_show(want);
		fprintf(stderr, "loactl: %s: --resident %s: %s\n", name, s,
		    job->audience == LOA_AUD_RECIPIENTS ? "no such "
		    "recipient in the job (give its \"id\" or #N)" :
		    "no such resident in the directory");
		free(s);
		loa_preview_free(&pv);
		return 1;
	}
	if (loa_plan_walk(&pv.plan, loa_preview_item, &pv) == -1)
		pv_plan_fail(&pv);
	if (loa_preview_walked(&pv) == 1 && pv_resident(&pv) == -1) {
		fprintf(stderr, "loactl: %s: the sample resident went away "
		    "during the preview\n", name);
		loa_preview_free(&pv);
		return 1;
	}
	if (loa_preview_ward_argv(&pv, &av)) {
		r = ctl_commandv(&av);
		loa_preview_ward_reply(&pv, r);
		freeReplyObject(r);
	}
	loa_argv_free(&av);
	loa_preview_render(&pv);

	status = loa_preview_status(&pv);
	if (json) {
		o = loa_preview_json(&pv);
		ctl_print_json(o);
		json_decref(o);
	} else
		pv_print(&pv);
	fflush(stdout);
	for (i = 0; i < pv.plan.nmissing; i++) {
		s = pv_show(pv.plan.missing[i]);
		fprintf(stderr, "loactl: %s: audience: unknown %s \"%s\": the "
		    "daemon will reject this job\n", name, pv.unknown_what,
		    s);
		free(s);
	}
	if (pv.columns_err != NULL) {
		s = pv_show(pv.columns_err);
		fprintf(stderr, "loactl: %s: %s: the daemon will reject this "
		    "job\n", name, s);
		free(s);
	}
	if (status == PV_EXIT_FAILS)
		fprintf(stderr, "loactl: %s: %lld %s would fail (too_long "
		    "%lld, missing_var %lld, bad_text %lld)\n", name,
		    pv.nfails, plural(pv.nfails, "recipient", "recipients"),
		    pv.fails[PV_FAIL_TOO_LONG], pv.fails[PV_FAIL_MISSING_VAR],
		    pv.fails[PV_FAIL_BAD_TEXT]);
	loa_preview_free(&pv);
	return status;
}
