/*
 * metrics.c -- the daemon's numbers, in Prometheus text format.
 *
 * Counters are kept in memory per daemon, each counting what it did, so
 * Prometheus sums them across daemons: jobs its ingest accepted, refused
 * (by a fixed reason class) and moved to loa:dead, jobs cancelled through
 * its API; recipients' final outcomes by channel, provider and status;
 * failures by reason (Loa's own reasons, a provider's code as
 * "provider"); retries and fallbacks apart from the final outcomes;
 * delivery reports; provider request latency as a histogram.  Gauges are
 * read when scraped: loa_build_info, loa_start_time_seconds, requests in
 * flight, deliveries under way, retries waiting, work entries held, each
 * provider's circuit and pause state, whether Redis is connected, and the
 * length of the shared streams (refreshed from Redis every second by the
 * cron), which every daemon reads alike: labelled scope="cluster", to be
 * aggregated with max().  No label value is empty or comes from outside
 * except provider names (loa_name_valid()); no phone number or other
 * personal data ever appears here.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"

/* Final outcomes, one per recipient (SPEC "Delivery log"). */
static const char *const finals[] = {
	"sent", "maybe_duplicate", "failed", "skipped", "expired",
	"cancelled", NULL
};
#define NFINAL		6
/* What a delivery report made of a sent message (report.c). */
static const char *const reported[] = { "delivered", "failed", NULL };
#define NREPORTED	2
/*
 * The reasons Loa itself gives a failed recipient; a provider's own code
 * ("esms_99", "http_403", ...) is counted as "provider", so the label set
 * stays this small whatever the providers answer.
 */
static const char *const reasons[] = {
	"max_attempts", "missing_var", "too_long", "bad_text", "no_provider",
	"no_channel", "bad_phone", "unconfirmed", "cannot_build",
	"cannot_encode", "credentials", "provider_down", "failing", "failed",
	"not_sent", "no_answer", "timeout", "bad_answer", "http_5xx",
	"rate_limited", "output_error", "provider", NULL
};
#define NREASON		22
/* Why the ingest refused a job: a fixed class, never the message. */
static const char *const rejects[JOB_REJECT_COUNT] = {
	"malformed", "too_large", "invalid", "unknown_audience",
	"template_column", "duplicate"
};
#define NBUCKET		9
static const double bucket_s[NBUCKET] = {
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* Per provider name ("" for none), kept across config reloads. */
struct pmetrics {
	char			*name;
	unsigned long long	 count[LOA_CH_COUNT + 1][NFINAL];
	unsigned long long	 reported[LOA_CH_COUNT + 1][NREPORTED];
	unsigned long long	 retries[LOA_CH_COUNT + 1];
	unsigned long long	 fallbacks[LOA_CH_COUNT + 1];
	unsigned long long	 reports[REPORT_RESULTS];
	/* inbound messages, by kind and result (inbox.c) */
	unsigned long long	 inbound[INBOUND_KINDS][INBOUND_RESULTS];
	unsigned long long	 lat_bucket[NBUCKET];
	unsigned long long	 lat_count;
	double			 lat_sum;
};

static struct pmetrics	*pm;
static int		 npm;
static long long	 stream_len[LOA_PRIO_COUNT + 1];	/* jobs last */
static unsigned long long failures[NREASON];
static unsigned long long jobs_accepted, jobs_dead, jobs_cancelled;
static unsigned long long jobs_rejected[JOB_REJECT_COUNT];
static double		 start_time;

static struct pmetrics *
slot(const char *provider)
{
	int	i;

	if (provider == NULL)
		provider = "";
	for (i = 0; i < npm; i++)
		if (strcmp(pm[i].name, provider) == 0)
			return &pm[i];
	pm = xreallocarray(pm, npm + 1, sizeof(*pm));
	memset(&pm[npm], 0, sizeof(*pm));
	pm[npm].name = xstrdup(provider);
	return &pm[npm++];
}

/* What became of a delivery report, as a label (and for report.c's log). */
const char *
report_result_name(enum report_result r)
{
	static const char *const names[REPORT_RESULTS] = {
		"applied", "final", "early", "gone", "unmatched",
		"bad_signature", "malformed", "dropped", "bad_id"
	};

	return (unsigned)r < REPORT_RESULTS ? names[r] : "?";
}

/* When the daemon started: loa_start_time_seconds. */
void
metrics_init(void)
{
	start_time = loa_now_ms() / 1000.0;
}

static int
lookup(const char *const *list, const char *s)
{
	int	i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/*
 * One delivery event (ledger_event): a recipient's final outcome, or
 * (final 0) a retry, a fallback or a delivery report's verdict, each
 * counted apart so that a sum of final outcomes counts recipients.
 */
void
metrics_event(const struct outcome *o, int final)
{
	struct pmetrics		*m;
	enum loa_channel	 ch;
	int			 c = LOA_CH_COUNT, s;

	if (o->channel != NULL && loa_channel_parse(o->channel, &ch) == 0)
		c = ch;
	m = slot(o->provider != NULL && *o->provider ? o->provider : NULL);
	if (final) {
		if ((s = lookup(finals, o->status)) == -1)
			return;
		m->count[c][s]++;
		if (strcmp(o->status, "failed") == 0) {
			if ((s = lookup(reasons, o->reason)) == -1)
				s = NREASON - 1;	/* the provider's */
			failures[s]++;
		}
	} else if (strcmp(o->status, "retry") == 0)
		m->retries[c]++;
	else if (strcmp(o->status, "fallback") == 0)
		m->fallbacks[c]++;
	else if ((s = lookup(reported, o->status)) != -1)
		m->reported[c][s]++;
}

/* The ingest accepted a job (accept script: "accepted", "scheduled"). */
void
metrics_job_accepted(void)
{
	jobs_accepted++;
}

/* The ingest refused a job; all but duplicates went to loa:dead. */
void
metrics_job_rejected(enum job_reject why)
{
	if ((unsigned)why >= JOB_REJECT_COUNT)
		return;
	jobs_rejected[why]++;
	if (why != JOB_REJECT_DUPLICATE)
		jobs_dead++;
}

/* A job cancelled through this daemon's API. */
void
metrics_job_cancelled(void)
{
	jobs_cancelled++;
}

/* A provider answered (or failed to) after ms milliseconds. */
void
metrics_latency(const struct provider *p, long long ms)
{
	struct pmetrics	*m = slot(p->conf->name);
	double		 s = ms / 1000.0;
	int		 i;

	for (i = 0; i < NBUCKET; i++)
		if (s <= bucket_s[i])
			m->lat_bucket[i]++;
	m->lat_count++;
	m->lat_sum += s;
}

static void
xlen_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	int	i = (int)(intptr_t)arg;

	(void)r;
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		stream_len[i] = rep->integer;
}

/* From the cron: the streams' lengths, for the queue gauges. */
void
metrics_poll(void)
{
	const char	*argv[2];
	int		 i;

	argv[0] = "XLEN";
	for (i = 0; i <= LOA_PRIO_COUNT; i++) {
		argv[1] = i < LOA_PRIO_COUNT ? loa->k_work[i] : loa->k_jobs;
		(void)loa_redis_cmd(loa->rc, xlen_cb, (void *)(intptr_t)i, 2,
		    argv, NULL);
	}
}

/* "# HELP" and "# TYPE" of one metric family. */
static void
family(struct loa_buf *b, const char *name, const char *type,
    const char *help)
{
	loa_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* A metric without labels, with its HELP and TYPE. */
static void
single(struct loa_buf *b, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	family(b, name, type, help);
	loa_buf_printf(b, "%s %llu\n", name, v);
}

static void
gauge(struct loa_buf *b, const char *name, const char *help, int v)
{
	single(b, name, "gauge", help, v > 0 ? (unsigned long long)v : 0);
}

/* A channel or provider as a label value: never empty. */
static const char *
chlabel(int c)
{
	return c < LOA_CH_COUNT ? loa_channel_name(c) : "none";
}

static const char *
plabel(const struct pmetrics *m)
{
	return m->name[0] != '\0' ? m->name : "none";
}

/* A per channel counter of each provider: retries, fallbacks. */
static void
per_channel(struct loa_buf *b, const char *name, size_t off)
{
	const unsigned long long *v;
	int	i, c;

	for (i = 0; i < npm; i++) {
		v = (const unsigned long long *)((const char *)&pm[i] + off);
		for (c = 0; c <= LOA_CH_COUNT; c++)
			if (v[c] > 0)
				loa_buf_printf(b, "%s{channel=\"%s\","
				    "provider=\"%s\"} %llu\n", name,
				    chlabel(c), plabel(&pm[i]), v[c]);
	}
}

/*
 * The exposition (text format 0.0.4; `promtool check metrics` clean:
 * every family has HELP and TYPE, counters end in _total, no label value
 * is empty).  Provider names follow loa_name_valid(), and every other
 * label value is one of the fixed lists above.
 */
void
metrics_write(struct loa_buf *b)
{
	static const char *const circuit[] = { "closed", "open", "half-open" };
	const char	*name;
	int		 i, c, s, k;

	family(b, "loa_build_info", "gauge", "The running loa's version "
	    "(always 1).");
	loa_buf_printf(b, "loa_build_info{version=\"%s\"} 1\n", LOA_VERSION);
	family(b, "loa_start_time_seconds", "gauge", "When this daemon "
	    "started, in seconds since the Unix epoch.");
	loa_buf_printf(b, "loa_start_time_seconds %.3f\n", start_time);

	single(b, "loa_jobs_accepted_total", "counter", "Jobs this daemon's "
	    "ingest accepted (sending or scheduled).", jobs_accepted);
	family(b, "loa_jobs_rejected_total", "counter", "Jobs this daemon's "
	    "ingest refused, by reason class (duplicate: the id was taken; "
	    "the others went to the dead-letter stream).");
	for (k = 0; k < JOB_REJECT_COUNT; k++)
		loa_buf_printf(b, "loa_jobs_rejected_total{reason=\"%s\"} "
		    "%llu\n", rejects[k], jobs_rejected[k]);
	single(b, "loa_jobs_dead_lettered_total", "counter", "Jobs this "
	    "daemon moved to the dead-letter stream.", jobs_dead);
	single(b, "loa_jobs_cancelled_total", "counter", "Jobs cancelled "
	    "through this daemon's HTTP API (loactl cancel is not counted "
	    "by any daemon).", jobs_cancelled);

	family(b, "loa_deliveries_total", "counter", "Final outcomes of "
	    "recipients (one each) by channel, provider and status.");
	for (i = 0; i < npm; i++) {
		name = plabel(&pm[i]);
		for (c = 0; c <= LOA_CH_COUNT; c++)
			for (s = 0; s < NFINAL; s++)
				if (pm[i].count[c][s] > 0)
					loa_buf_printf(b, "loa_deliveries_total"
					    "{channel=\"%s\",provider=\"%s\","
					    "status=\"%s\"} %llu\n", chlabel(c),
					    name, finals[s], pm[i].count[c][s]);
	}
	family(b, "loa_delivery_failures_total", "counter", "Recipients "
	    "that ended failed, by reason (provider: a provider's own "
	    "code).");
	for (k = 0; k < NREASON; k++)
		if (failures[k] > 0)
			loa_buf_printf(b, "loa_delivery_failures_total"
			    "{reason=\"%s\"} %llu\n", reasons[k], failures[k]);
	family(b, "loa_delivery_retries_total", "counter", "Attempts that "
	    "will be tried again, by channel and provider.");
	per_channel(b, "loa_delivery_retries_total",
	    offsetof(struct pmetrics, retries));
	family(b, "loa_delivery_fallbacks_total", "counter", "Recipients "
	    "moved to their next channel, by the channel and provider left.");
	per_channel(b, "loa_delivery_fallbacks_total",
	    offsetof(struct pmetrics, fallbacks));
	family(b, "loa_deliveries_reported_total", "counter", "Delivery "
	    "reports' verdicts on sent messages, by channel, provider and "
	    "status.");
	for (i = 0; i < npm; i++)
		for (c = 0; c <= LOA_CH_COUNT; c++)
			for (s = 0; s < NREPORTED; s++)
				if (pm[i].reported[c][s] > 0)
					loa_buf_printf(b,
					    "loa_deliveries_reported_total"
					    "{channel=\"%s\",provider=\"%s\","
					    "status=\"%s\"} %llu\n", chlabel(c),
					    plabel(&pm[i]), reported[s],
					    pm[i].reported[c][s]);

	family(b, "loa_provider_request_seconds", "histogram", "Time to a "
	    "provider's answer.");
	for (i = 0; i < npm; i++) {
		if ((name = pm[i].name)[0] == '\0')
			continue;
		for (k = 0; k < NBUCKET; k++)
			loa_buf_printf(b, "loa_provider_request_seconds_bucket"
			    "{provider=\"%s\",le=\"%g\"} %llu\n", name,
			    bucket_s[k], pm[i].lat_bucket[k]);
		loa_buf_printf(b, "loa_provider_request_seconds_bucket"
		    "{provider=\"%s\",le=\"+Inf\"} %llu\n"
		    "loa_provider_request_seconds_sum{provider=\"%s\"} %.3f\n"
		    "loa_provider_request_seconds_count{provider=\"%s\"} "
		    "%llu\n", name, pm[i].lat_count, name, pm[i].lat_sum,
		    name, pm[i].lat_count);
	}
	family(b, "loa_delivery_reports_total", "counter", "Delivery reports "
	    "received on /webhooks, by provider and what became of them.");
	for (i = 0; i < npm; i++)
		for (k = 0; k < REPORT_RESULTS; k++)
			if (pm[i].reports[k] > 0)
				loa_buf_printf(b, "loa_delivery_reports_total"
				    "{provider=\"%s\",result=\"%s\"} %llu\n",
				    plabel(&pm[i]), report_result_name(k),
				    pm[i].reports[k]);

	family(b, "loa_inbound_total", "counter", "Messages and events from "
	    "residents received on /webhooks, by provider, kind and result.");
	for (i = 0; i < npm; i++)
		for (k = 0; k < INBOUND_KINDS; k++)
			for (c = 0; c < INBOUND_RESULTS; c++)
				if (pm[i].inbound[k][c] > 0)
					loa_buf_printf(b, "loa_inbound_total"
					    "{provider=\"%s\",kind=\"%s\","
					    "result=\"%s\"} %llu\n",
					    plabel(&pm[i]),
					    inbound_kind_name(k),
					    inbound_result_name(c),
					    pm[i].inbound[k][c]);

	family(b, "loa_provider_circuit", "gauge", "Circuit state of each "
	    "provider in this daemon (1 for the current state).");
	for (i = 0; i < loa->nproviders; i++)
		for (k = 0; k < 3; k++)
			loa_buf_printf(b, "loa_provider_circuit{provider=\"%s\","
			    "state=\"%s\"} %d\n", loa->providers[i].conf->name,
			    circuit[k], (int)loa->providers[i].circ.st == k);
	family(b, "loa_provider_paused", "gauge", "1 while a provider is "
	    "paused (loactl provider pause), as this daemon sees it.");
	for (i = 0; i < loa->nproviders; i++)
		loa_buf_printf(b, "loa_provider_paused{provider=\"%s\"} %d\n",
		    loa->providers[i].conf->name, loa->providers[i].paused);
	/*
	 * The streams are shared: every daemon reads the same lengths, so
	 * each exports them (they stay visible while any daemon is up, with
	 * no lease to hand over) labelled scope="cluster": take max(), never
	 * sum().
	 */
	family(b, "loa_queue_entries", "gauge", "Entries in the shared "
	    "ingest and work streams, read from Redis; the same for every "
	    "daemon (scope=cluster): aggregate with max(), not sum().");
	for (i = 0; i < LOA_PRIO_COUNT; i++)
		loa_buf_printf(b, "loa_queue_entries{scope=\"cluster\","
		    "stream=\"work\",priority=\"%s\"} %lld\n",
		    loa_priority_name(i), stream_len[i]);
	loa_buf_printf(b, "loa_queue_entries{scope=\"cluster\","
	    "stream=\"jobs\",priority=\"any\"} %lld\n",
	    stream_len[LOA_PRIO_COUNT]);
	gauge(b, "loa_requests_inflight", "Provider requests under way in "
	    "this daemon.", loa->inflight);
	gauge(b, "loa_deliveries_active", "Deliveries under way in this "
	    "daemon (not waiting to retry).", loa->active);
	gauge(b, "loa_retries_pending", "Deliveries in this daemon waiting "
	    "to retry.", loa->retrying);
	gauge(b, "loa_work_entries_held", "Work stream entries this daemon "
	    "holds.", loa->nchunks);
	gauge(b, "loa_redis_connected", "1 while this daemon's Redis "
	    "connection is up.", loa_redis_up(loa->rc));
}

/* A delivery report's fate (report.c, httpd.c). */
void
metrics_report(const char *provider, enum report_result r)
{
	slot(provider)->reports[r]++;
}

/* An inbound message's fate (inbox.c); kind INBOUND_KINDS - 1: unknown. */
void
metrics_inbound(const char *provider, int kind, enum inbound_result r)
{
	if (kind < 0 || kind >= INBOUND_KINDS)
		kind = INBOUND_KINDS - 1;
	slot(provider)->inbound[kind][r]++;
}

void
metrics_free(void)
{
	int	i;

	for (i = 0; i < npm; i++)
		free(pm[i].name);
	free(pm);
	pm = NULL;
	npm = 0;
}
