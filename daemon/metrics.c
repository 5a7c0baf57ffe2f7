/*
 * metrics.c -- the daemon's numbers, in Prometheus text format.
 *
 * Counters are kept in memory per daemon (Prometheus sums them across
 * daemons): deliveries by channel, provider and status; provider request
 * latency as a histogram; and gauges read when scraped: requests in
 * flight, deliveries under way, retries waiting, work entries held, each
 * provider's circuit and pause state, whether Redis is connected, and the
 * length of the streams (refreshed from Redis every few seconds by the
 * cron).  No phone number or other personal data ever appears here.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"

static const char *const statuses[] = {
	"sent", "maybe_duplicate", "failed", "skipped", "expired",
	"cancelled", "retry", "fallback", "delivered", NULL
};
#define NSTATUS		9
#define NBUCKET		9
static const double bucket_s[NBUCKET] = {
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* Per provider name ("" for none), kept across config reloads. */
struct pmetrics {
	char			*name;
	unsigned long long	 count[LOA_CH_COUNT + 1][NSTATUS];
	unsigned long long	 reports[REPORT_RESULTS];
	unsigned long long	 lat_bucket[NBUCKET];
	unsigned long long	 lat_count;
	double			 lat_sum;
};

static struct pmetrics	*pm;
static int		 npm;
static long long	 stream_len[LOA_PRIO_COUNT + 1];	/* jobs last */

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

/* One delivery event (ledger_event): channel/provider may be "". */
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

void
metrics_event(const char *channel, const char *provider, const char *status)
{
	enum loa_channel	 ch;
	int			 c = LOA_CH_COUNT, s;

	if (channel != NULL && loa_channel_parse(channel, &ch) == 0)
		c = ch;
	for (s = 0; statuses[s] != NULL; s++)
		if (strcmp(statuses[s], status) == 0) {
			slot(provider != NULL && *provider ? provider :
			    NULL)->count[c][s]++;
			return;
		}
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

void
metrics_write(struct loa_buf *b)
{
	static const char *const circuit[] = { "closed", "open", "half-open" };
	const char	*name;
	int		 i, c, s, k;

	loa_buf_adds(b, "# HELP loa_deliveries_total Delivery events by "
	    "channel, provider and status.\n"
	    "# TYPE loa_deliveries_total counter\n");
	for (i = 0; i < npm; i++) {
		name = pm[i].name;
		for (c = 0; c <= LOA_CH_COUNT; c++)
			for (s = 0; s < NSTATUS; s++)
				if (pm[i].count[c][s] > 0)
					loa_buf_printf(b, "loa_deliveries_total"
					    "{channel=\"%s\",provider=\"%s\","
					    "status=\"%s\"} %llu\n",
					    c < LOA_CH_COUNT ?
					    loa_channel_name(c) : "", name,
					    statuses[s], pm[i].count[c][s]);
	}
	loa_buf_adds(b, "# HELP loa_provider_request_seconds Time to a "
	    "provider's answer.\n"
	    "# TYPE loa_provider_request_seconds histogram\n");
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
	loa_buf_adds(b, "# HELP loa_delivery_reports_total Delivery reports "
	    "received on /webhooks, by provider and what became of them.\n"
	    "# TYPE loa_delivery_reports_total counter\n");
	for (i = 0; i < npm; i++)
		for (k = 0; k < REPORT_RESULTS; k++)
			if (pm[i].reports[k] > 0)
				loa_buf_printf(b, "loa_delivery_reports_total"
				    "{provider=\"%s\",result=\"%s\"} %llu\n",
				    pm[i].name, report_result_name(k),
				    pm[i].reports[k]);
	loa_buf_adds(b, "# HELP loa_provider_circuit Circuit state of each "
	    "provider in this daemon (1 for the current state).\n"
	    "# TYPE loa_provider_circuit gauge\n");
	for (i = 0; i < loa->nproviders; i++)
		for (k = 0; k < 3; k++)
			loa_buf_printf(b, "loa_provider_circuit{provider=\"%s\","
			    "state=\"%s\"} %d\n", loa->providers[i].conf->name,
			    circuit[k], (int)loa->providers[i].circ.st == k);
	loa_buf_adds(b, "# TYPE loa_provider_paused gauge\n");
	for (i = 0; i < loa->nproviders; i++)
		loa_buf_printf(b, "loa_provider_paused{provider=\"%s\"} %d\n",
		    loa->providers[i].conf->name, loa->providers[i].paused);
	loa_buf_adds(b, "# HELP loa_queue_entries Entries in the ingest and "
	    "work streams (all daemons).\n# TYPE loa_queue_entries gauge\n");
	for (i = 0; i < LOA_PRIO_COUNT; i++)
		loa_buf_printf(b, "loa_queue_entries{stream=\"work\","
		    "priority=\"%s\"} %lld\n", loa_priority_name(i),
		    stream_len[i]);
	loa_buf_printf(b, "loa_queue_entries{stream=\"jobs\",priority=\"\"} "
	    "%lld\n", stream_len[LOA_PRIO_COUNT]);
	loa_buf_printf(b,
	    "# TYPE loa_requests_inflight gauge\nloa_requests_inflight %d\n"
	    "# TYPE loa_deliveries_active gauge\nloa_deliveries_active %d\n"
	    "# TYPE loa_retries_pending gauge\nloa_retries_pending %d\n"
	    "# TYPE loa_work_entries_held gauge\nloa_work_entries_held %d\n"
	    "# TYPE loa_redis_connected gauge\nloa_redis_connected %d\n",
	    loa->inflight, loa->active, loa->retrying, loa->nchunks,
	    loa_redis_up(loa->rc));
}

/* A delivery report's fate (report.c, httpd.c). */
void
metrics_report(const char *provider, enum report_result r)
{
	slot(provider)->reports[r]++;
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
