/*
 * report.c -- delivery reports: a provider tells us what became of a
 * message it accepted.
 *
 * The HTTP listener takes a provider's call on /webhooks/<name> and hands
 * it to that provider's plugin (report()), which checks where it comes
 * from and reads it.  What it reports is applied in Redis by one script
 * (loa_script_report): the delivery is found through the index the
 * ledger keeps for providers that report (msgid:<provider>:<id>), its
 * outcome moves from sent to delivered or failed, never back, and the
 * job's counters follow.  A report whose send is not recorded yet (the
 * provider can be quicker than our ledger) is kept in reports:early and
 * tried again by the sweep, once a second, round-robin from a cursor, so
 * that however many reports for messages not ours wait there (another
 * system on the same account, or forged ones) each is tried within
 * early_reports_max / REPORT_SWEEP_BATCH seconds.  Each is kept for
 * REPORT_HOLD_MS, then dropped and counted (unmatched); the queue holds
 * at most early_reports_max, and when full the oldest is dropped
 * (counted, and said once per episode).  Each report applied is one
 * delivery-log line and one event, like every other outcome.
 *
 * Message ids come from outside: each goes through the daemon's one
 * check (loa_provider_id_take) before it can reach a key or a log line.
  */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"

#define REPORT_HOLD_MS	(60LL * 60 * 1000)	/* an hour */
#define REPORT_SWEEP_BATCH 500		/* early reports tried per sweep */

static int			sweeping;
static int			early_full;	/* in an episode of drops */
static unsigned long long	early_dropped;	/* ... dropped in it */

/* A reason as the ledger keeps it: printable, no tab, short. */
static void
clean_reason(const char *in, char *out, size_t len)
{
	size_t	i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (in[i] > ' ' && in[i] < 0x7f) ? in[i] : '_';
	out[i] = '\0';
}

/*
 * The providers whose message ids a report to provider may name, comma
 * separated, provider first: those sharing its credentials (the
 * `credentials` key, either way, one level), since one Zalo Official
 * Account has one webhook for its ZNS and OA messages.  report.lua
 * tries msgid:<p>:<id> for each.
 */
static void
report_group(const char *provider, char *buf, size_t size)
{
	const char	*grp, *g;
	size_t		 len;
	int		 i;

	snprintf(buf, size, "%s", provider);
	grp = provider;
	for (i = 0; i < loa->nproviders; i++)
		if (strcmp(loa->providers[i].conf->name, provider) == 0 &&
		    (g = loa_provider_conf_get(loa->providers[i].conf,
		    "credentials")) != NULL)
			grp = g;
	for (i = 0; i < loa->nproviders; i++) {
		const char *n = loa->providers[i].conf->name;
		g = loa_provider_conf_get(loa->providers[i].conf,
		    "credentials");
		if (strcmp(n, provider) == 0 || !(strcmp(n, grp) == 0 ||
		    (g != NULL && strcmp(g, grp) == 0)))
			continue;
		len = strlen(buf);
		if (len + 1 + strlen(n) < size)
			snprintf(buf + len, size - len, ",%s", n);
	}
}

/*
 * The script call for the final reports among reps (those still pending
 * are left out).  Returns how many went in; 0: nothing to send.
 */
int
report_argv(struct loa_argv *av, const char *provider,
    const struct loa_report *reps, int n)
{
	char	why[sizeof(reps->reason)], id[sizeof(reps->provider_id)];
	char	group[1024];
	int	i, k = 0;

	loa_script_argv(av, loa_script_report, loa->cfg.prefix);
	loa_argv_addf(av, "%lld", loa_now_ms());
	loa_argv_addf(av, "%lld", REPORT_HOLD_MS);
	loa_argv_addf(av, "%d", loa->cfg.early_reports_max);
	loa_argv_addf(av, "%d", REPORT_SWEEP_BATCH);
	for (i = 0; i < n; i++) {
		if (reps[i].status == LOA_REPORT_PENDING)
			continue;
		memcpy(id, reps[i].provider_id, sizeof(id));
		if (!loa_provider_id_take(provider, id, sizeof(id),
		    "a delivery report")) {
			metrics_report(provider, REPORT_BAD_ID);
			continue;
		}
		if (id[0] == '\0')
			continue;
		clean_reason(reps[i].reason, why, sizeof(why));
		report_group(provider, group, sizeof(group));
		loa_argv_add(av, group);
		loa_argv_add(av, id);
		loa_argv_add(av, reps[i].status == LOA_REPORT_DELIVERED ?
		    "delivered" : "failed");
		loa_argv_add(av, why);
		k++;
	}
	return k;
}

/* Element i of an answer, or "" (loa_reply_str). */
static const char *
el(const redisReply *r, size_t i)
{
	return loa_reply_str(r, i);
}

/* One report the script applied: its delivery-log line and event. */
static void
applied(const redisReply *r)
{
	struct outcome	o;

	memset(&o, 0, sizeof(o));
	o.provider = el(r, 1);
	o.provider_id = el(r, 2);
	o.status = el(r, 3);
	o.reason = el(r, 4)[0] != '\0' ? el(r, 4) : NULL;
	o.job = el(r, 5);
	o.item = el(r, 6);
	o.resident = o.item;
	o.channel = el(r, 7);
	o.ward = el(r, 8);
	o.to = el(r, 9);
	o.to_shown = 1;		/* stored as the log shows it */
	o.http = -1;
	o.ms = -1;
	ledger_event(&o, 0);
}

/* The first provider of a report_group() list, into buf. */
static const char *
first_name(const char *list, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(list, ","), list);
	return buf;
}

/*
 * Read the script's answer: log what was applied, count each result in
 * counts (REPORT_RESULTS of them).  sweep: an "early" answer means
 * dropped unmatched.  Returns -1 when the answer is not the script's.
 */
int
report_results(const redisReply *rep, int sweep, int *counts)
{
	enum report_result	 res;
	const redisReply	*r;
	char			 name[LOA_NAME_MAX + 1];
	size_t			 i;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < rep->elements; i++) {
		r = rep->element[i];
		if (r->type != REDIS_REPLY_ARRAY || r->elements < 5)
			continue;
		if (strcmp(el(r, 0), "ok") == 0 && r->elements == 10) {
			applied(r);
			res = REPORT_APPLIED;
		} else if (strcmp(el(r, 0), "final") == 0)
			res = REPORT_FINAL;
		else if (strcmp(el(r, 0), "gone") == 0)
			res = REPORT_GONE;
		else if (strcmp(el(r, 0), "early") == 0)
			res = sweep ? REPORT_UNMATCHED : REPORT_EARLY;
		else if (strcmp(el(r, 0), "unmatched") == 0)
			res = REPORT_UNMATCHED;
		else if (strcmp(el(r, 0), "dropped") == 0)
			res = REPORT_DROPPED;
		else
			continue;
		counts[res]++;
		metrics_report(first_name(el(r, 1), name, sizeof(name)), res);
	}
	ledger_flush();
	if (counts[REPORT_DROPPED] > 0) {
		if (!early_full)
			log_warnx("delivery reports: the queue of early "
			    "reports is full (early_reports_max %d); the "
			    "oldest are dropped", loa->cfg.early_reports_max);
		early_full = 1;
		early_dropped += (unsigned long long)counts[REPORT_DROPPED];
	}
	return 0;
}

static void
sweep_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	int	counts[REPORT_RESULTS] = { 0 };

	(void)r;
	(void)arg;
	sweeping = 0;
	if (report_results(rep, 1, counts) == -1)
		return;
	/* The last element: how many wait.  An episode of drops ends. */
	if (early_full && rep->elements > 0 &&
	    rep->element[rep->elements - 1]->type == REDIS_REPLY_INTEGER &&
	    rep->element[rep->elements - 1]->integer <
	    loa->cfg.early_reports_max * 9LL / 10) {
		log_info("delivery reports: the queue of early reports has "
		    "room again; %llu dropped while it was full",
		    early_dropped);
		early_full = 0;
		early_dropped = 0;
	}
	if (counts[REPORT_UNMATCHED] == 0)
		return;
	log_warnx("%d delivery report%s matched no message of ours within "
	    "%lld minutes; dropped", counts[REPORT_UNMATCHED],
	    counts[REPORT_UNMATCHED] == 1 ? "" : "s",
	    REPORT_HOLD_MS / 60000);
}

/* From the cron, once a second: the reports that came early. */
void
report_sweep(void)
{
	struct loa_argv	av;

	if (sweeping)
		return;
	(void)report_argv(&av, "", NULL, 0);
	if (loa_redis_cmdv(loa->rc, sweep_cb, NULL, &av) == 0)
		sweeping = 1;
	loa_argv_free(&av);
}
