/*
 * deliver.c -- one recipient, from its first channel to its final outcome.
 *
 * For each item the engine dispatches: skip it when the job has expired or
 * the phone is a duplicate; walk the job's channels in order (narrowed by
 * the recipient's own list), skipping those it lacks an address for
 * (the rules are plan.c's, which loactl preview shares);
 * render; hand the request to the channel's provider; act on the plugin's
 * verdict:
 *
 *   sent       final "sent" ("maybe_duplicate" when an earlier request
 *              for it may have reached a provider without a verdict: an
 *              earlier holder of the chunk died with it in flight, or an
 *              answer never came, came cut short, or was unreadable)
 *   retry      again on the same channel after a backoff with full jitter
 *              (Retry-After honoured, capped like the backoff), up to the
 *              provider's max_attempts; a try the provider did not
 *              process (429) spends no attempt.  While it waits the
 *              delivery holds nothing: no dispatch room, no provider slot.
 *   fallback   "fallback" event, next channel
 *   failed     permanent for this channel: next channel, or final "failed"
 *   down       the provider cannot work (keys, balance): said once, loudly;
 *              next channel
 *
 * Every event goes through ledger_event(): a delivery-log line now, a
 * Redis record in the next batch.
 *
 * A delivery's state (enum delivery_state, engine.h) changes only in
 * deliver_move(), which keeps the counts of live and waiting deliveries
 * and the waiting list, the one queue this file owns.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "engine.h"
#include "plan.h"

static TAILQ_HEAD(, delivery) waiting = TAILQ_HEAD_INITIALIZER(waiting);
static const struct deliver_hooks *hooks;	/* the engine's, from main.c */

/* What the engine is told of its chunks' items (main.c wires it). */
void
deliver_init(const struct deliver_hooks *h)
{
	hooks = h;
}

static void	try_channel(struct delivery *, const char *);
static int	fallback_within(struct delivery *, struct provider *,
		    const char *, const struct loa_response *,
		    const struct loa_result *);

static void
fill_outcome(struct outcome *o, const struct chunk *ck, int i,
    const char *item)
{
	const struct loa_recipient *rc = chunk_rcpt(ck, i);

	memset(o, 0, sizeof(*o));
	o->job = ck->job_id;
	o->item = item;
	o->ward = rc->ward != NULL ? rc->ward : "";
	o->resident = rc->id != NULL ? rc->id : item;
	o->to = rc->phone_ok ? rc->phone : (rc->zalo_uid ? rc->zalo_uid : "");
	o->channel = "";
	o->provider = "";
	o->http = -1;
	o->ms = -1;
}

/* A final outcome for item i of ck, which was never dispatched. */
void
deliver_final(struct chunk *ck, int i, const char *status,
    const char *channel, const char *reason, const char *provider_id)
{
	struct outcome	o;
	char		buf[24];

	fill_outcome(&o, ck, i, chunk_item(ck, i, buf, sizeof(buf)));
	o.status = status;
	o.channel = channel;
	o.reason = reason;
	o.provider_id = provider_id;
	ledger_event(&o, 1);
	hooks->item_final(ck);
}

/*
 * Move d to state `to`: the waiting list and the counts follow.  The
 * provider queue is flow.c's: d has left it (or not entered it) already.
 */
void
deliver_move(struct delivery *d, enum delivery_state to)
{
	enum delivery_state	from = d->st;

	if (from == to)
		return;
	if (from == DS_QUEUED && d->qe.flow != NULL)
		fatalx("delivery leaves its provider queue unseen");
	if (from == DS_RETRY) {
		TAILQ_REMOVE(&waiting, d, entry);
		loa->retrying--;
		d->ck->retrying--;
		if (to != DS_DONE)
			loa->active++;
	} else if (to == DS_RETRY) {
		loa->active--;
		loa->retrying++;
		d->ck->retrying++;
		TAILQ_INSERT_TAIL(&waiting, d, entry);
	} else if (to == DS_DONE)
		loa->active--;
	d->st = to;
}

static void
emit(struct delivery *d, const char *status, const char *reason, int final,
    const struct loa_response *resp, const struct loa_result *res)
{
	struct outcome	o;

	fill_outcome(&o, d->ck, d->i, d->item);
	o.status = status;
	o.reason = reason;
	if (d->prov != NULL) {
		o.channel = d->chname;
		o.provider = d->prov->conf->name;
		o.attempt = d->attempt;
		o.ms = loa_now_ms() - d->t0;
		if (d->r.channel == LOA_CH_SMS && d->r.text != NULL) {
			o.segments = d->r.sms.segments;
			o.encoding = loa_sms_encoding_name(d->r.sms.encoding);
		}
	}
	if (resp != NULL)
		o.http = resp->http_status;
	if (res != NULL && res->provider_id[0] != '\0') {
		o.provider_id = res->provider_id;
		o.keep_id = d->prov != NULL &&
		    (d->prov->mod->flags & LOA_PROVIDER_REPORTS);
	}
	ledger_event(&o, final);
}

/*
 * Freed deliveries kept for the next ones: a delivery is a few KiB (its
 * request buffers), one per message, and the allocator's slow path for
 * blocks that size showed in profiles.  Those kept are reachable from
 * here until the process exits.
 */
#define SPARE_MAX	256

static struct delivery	*spare[SPARE_MAX];
static int		 nspare;

static struct delivery *
delivery_new(void)
{
	struct delivery	*d;

	loa->active++;
	if (nspare == 0)
		d = xcalloc(1, sizeof(*d));
	else {
		d = spare[--nspare];
		memset(d, 0, sizeof(*d));
	}
	d->st = DS_ROUTING;
	return d;
}

/* d is over: it leaves its state (and the waiting list) and is freed. */
static void
delivery_free(struct delivery *d)
{
	deliver_move(d, DS_DONE);
	if (d->retry_ev != NULL)
		event_free(d->retry_ev);
	loa_rendered_clear(&d->r);
	free(d->req.body);
	if (nspare < SPARE_MAX)
		spare[nspare++] = d;
	else
		free(d);
}

static void
finish(struct delivery *d, const char *status, const char *reason,
    const struct loa_response *resp, const struct loa_result *res)
{
	struct chunk	*ck = d->ck;

	emit(d, status, reason, 1, resp, res);
	ck->outstanding--;
	delivery_free(d);
	hooks->item_final(ck);
	wake_dispatch();
}

/* d waits in p's queue for its send time. */
static void
queue_at(struct delivery *d, struct provider *p)
{
	d->prov = p;
	deliver_move(d, DS_QUEUED);
	flow_submit(p, d);
}

static void
send_now(struct delivery *d)
{
	queue_at(d, d->prov);
}

/* d leaves the provider's queue for the transport. */
static void
go_inflight(struct delivery *d)
{
	deliver_move(d, DS_INFLIGHT);
	provider_start(d->prov, d);
}

/*
 * Flow control lets d go now: build its request with the provider's
 * current credentials and send it.  A message the plugin cannot express
 * moves on (next channel); one waiting for credentials waits.
 */
void
deliver_go(struct delivery *d)
{
	struct loa_result	 res;
	struct loa_message	*m = &d->msg;
	struct loa_job		*job = d->ck->job;

	memset(m, 0, sizeof(*m));
	m->delivery_id = d->did;
	m->job_id = job->id;
	m->channel = d->chname;
	m->to = d->rc->phone_ok ? d->rc->phone : "";
	m->zalo_uid = d->rc->zalo_uid;
	m->attempt = d->attempt;
	if (d->r.channel == LOA_CH_SMS) {
		m->text = d->r.text;
		m->encoding = loa_sms_encoding_name(d->r.sms.encoding);
		m->segments = d->r.sms.segments;
	} else {
		m->template_id = job->zalo_template_id;
		m->template_data = d->r.zalo_data;
		m->text = d->r.zalo_text;	/* OA (zalo_oa) */
	}
	free(d->req.body);
	memset(&d->req, 0, sizeof(d->req));
	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	d->t0 = loa_now_ms();
	d->cred_gen = creds_gen(d->prov);
	if (d->prov->mod->build(d->prov->state, m, &d->req, &res) == -1) {
		if (res.outcome == LOA_OUT_REFRESH) {
			creds_refresh(d->prov, d->cred_gen);
			queue_at(d, d->prov);	/* waits for them */
			return;
		}
		d->failed_any = 1;
		deliver_move(d, DS_ROUTING);
		if (res.outcome == LOA_OUT_FALLBACK && fallback_within(d,
		    d->prov, res.reason, NULL, &res))
			return;
		try_channel(d, res.reason[0] ? res.reason : "cannot_build");
		return;
	}
	go_inflight(d);
}

/* The provider d was queued on failed: send it through alt instead. */
void
deliver_resend(struct delivery *d, struct provider *alt)
{
	queue_at(d, alt);
}

/*
 * A config reload retired d's provider: the same channel through the
 * providers configured now, else on to the next channel.
 */
void
deliver_reroute(struct delivery *d)
{
	struct provider	*alt;
	int		 paused;

	deliver_move(d, DS_ROUTING);
	if ((alt = flow_route(d->r.channel, d, NULL, &paused)) != NULL)
		deliver_resend(d, alt);
	else
		try_channel(d, "no_provider");
}

/*
 * Stopping and out of time: d's request was given up unanswered.  It
 * left, so its mark stays "in flight" and whoever takes the work over
 * sends it as a possible duplicate.
 */
void
deliver_abandoned(struct delivery *d)
{
	d->sent_once = 1;
	deliver_abort(d);
}

/* flow.c moves d, queued, to alt, or (NULL) has it routed anew. */
void
deliver_moved(struct delivery *d, struct provider *alt)
{
	if (alt != NULL)
		deliver_resend(d, alt);
	else
		deliver_reroute(d);
}

/* Deliveries waiting for a retry, of ck (NULL: all), are given up. */
static void
drop_waiting(const struct chunk *ck)
{
	struct delivery	*d, *next;

	for (d = TAILQ_FIRST(&waiting); d != NULL; d = next) {
		next = TAILQ_NEXT(d, entry);
		if (ck != NULL && d->ck != ck)
			continue;
		if (d->marking)
			ledger_forget(d);
		d->ck->outstanding--;
		delivery_free(d);
	}
}

/*
 * Deliveries waiting to retry whose job was cancelled or has expired end
 * now, not when their wait (up to a minute) is over: the job's counters
 * are final at once.  Those whose in-flight mark is under way end when
 * it is in (marked_cb sends them to a queue, which ends them).
 */
void
deliver_sweep_waiting(void)
{
	struct delivery	*d, *next;

	for (d = TAILQ_FIRST(&waiting); d != NULL; d = next) {
		next = TAILQ_NEXT(d, entry);
		if (!d->marking && (d->ck->job->cancelled ||
		    delivery_expired(d)))
			deliver_expire(d);
	}
}

/* ck was lost to another daemon: its retries waiting here go. */
void
deliver_drop_chunk(const struct chunk *ck)
{
	drop_waiting(ck);
}

/* d, waiting in a queue, has passed the job's expires_at, or its job
 * was cancelled: it ends so. */
void
deliver_expire(struct delivery *d)
{
	if (d->ck->job->cancelled)
		finish(d, "cancelled", "cancelled", NULL, NULL);
	else
		finish(d, "expired", "expires_at", NULL, NULL);
}

/*
 * Stopping: d was never sent (still queued): it leaves, and its chunk's
 * hand-back resets its mark, since nothing went out for it.
 */
void
deliver_abort(struct delivery *d)
{
	struct chunk	*ck = d->ck;

	if (!d->sent_once)
		ck->gate[d->i] = d->maybe_dup ? GATE_MAYBE : GATE_NEW;
	ck->outstanding--;
	delivery_free(d);
}

/*
 * p fell back for d: the recipient cannot be reached through p's kind of
 * address (ZNS: no Zalo account for the phone; OA: not a follower, no
 * quota).  The next provider of the same channel that serves it with
 * another kind (flow_route()) takes it, after a "fallback" event naming
 * p; returns 1.  Returns 0 when there is none: the caller goes on to the
 * next channel.
 */
static int
fallback_within(struct delivery *d, struct provider *p, const char *why,
    const struct loa_response *resp, const struct loa_result *res)
{
	struct provider	*alt;
	int		 paused;

	d->kinds_done |= flow_kind(p);
	if ((alt = flow_route(d->r.channel, d, NULL, &paused)) == NULL)
		return 0;
	emit(d, "fallback", why[0] != '\0' ? why : "fallback", 0, resp, res);
	d->attempt = 1;
	d->refreshed = 0;
	deliver_resend(d, alt);
	return 1;
}

/* A channel from position ci on that the recipient can use now. */
static int
later_channel_open(const struct delivery *d, int ci)
{
	const struct loa_job	*job = d->ck->job;
	enum loa_channel	 ch;

	for (; ci < job->nchannels; ci++) {
		ch = job->channels[ci];
		if (loa_plan_usable(job, d->rc, ch) && flow_channel_open(ch))
			return 1;
	}
	return 0;
}

/*
 * Leave the current channel because of why (when there was one) and go on
 * to the next usable one; with none left the outcome is final: "failed"
 * when some channel failed, else "skipped" (bad_phone, no_channel).
 */
static void
try_channel(struct delivery *d, const char *why)
{
	struct loa_job			*job = d->ck->job;
	const struct loa_recipient	*rc = d->rc;
	enum loa_channel		 ch;
	int				 paused;

	deliver_move(d, DS_ROUTING);
	if (d->prov != NULL) {
		d->failed_any = 1;
		if (d->ci + 1 < job->nchannels)
			emit(d, "fallback", why, 0, NULL, NULL);
		d->ci++;
	}
	for (; d->ci < job->nchannels; d->ci++) {
		ch = job->channels[d->ci];
		d->kinds_done = 0;
		if (!loa_plan_usable(job, rc, ch))
			continue;
		loa_rendered_clear(&d->r);
		d->chname = loa_channel_name(ch);
		if ((d->prov = flow_route(ch, d, NULL, &paused)) == NULL) {
			why = "no_provider";
			d->failed_any = 1;
			continue;
		}
		if (paused && later_channel_open(d, d->ci + 1)) {
			/* Every provider of ch paused: the next channel. */
			why = "provider_paused";
			d->failed_any = 1;
			continue;
		}
		d->attempt = 1;
		if (loa_render(job, rc, ch, d->prov->unicode,
		    loa_job_ward_info(job, rc->ward, 1),
		    loa_job_ward_info(job, rc->ward, 2), &d->r) == -1) {
			why = d->r.reason;
			d->failed_any = 1;
			if (d->ci + 1 < job->nchannels)
				emit(d, "fallback", why, 0, NULL, NULL);
			continue;
		}
		loa_delivery_id(job->id, d->item, loa_channel_name(ch),
		    d->did);
		send_now(d);
		return;
	}
	if (d->failed_any && d->unclear >= 2)
		/*
		 * Two or more sends may have reached a provider: the
		 * resident may have it, more than once.  Reported so, as
		 * sent, never as failed.
		 */
		finish(d, "maybe_duplicate", "unconfirmed", NULL, NULL);
	else if (d->failed_any)
		/* One send may have reached it: failed, but say so. */
		finish(d, "failed", d->unclear ? "unconfirmed" : why, NULL,
		    NULL);
	else	/* no channel it can take: bad_phone or no_channel */
		finish(d, "skipped", loa_skip_name(loa_plan_unreachable(rc)),
		    NULL, NULL);
}

static void	wait_retry(struct delivery *, long long);

/*
 * Item d was waiting for a retry when its chunk changed hands (restart,
 * crash): go on with the same channel, attempt count and due time.
 */
static void
resume_retry(struct delivery *d, const struct item_retry *rt)
{
	struct loa_job	*job = d->ck->job;
	enum loa_channel ch;
	int		 paused;

	if (rt->ci >= job->nchannels) {
		try_channel(d, NULL);
		return;
	}
	ch = job->channels[rt->ci];
	d->ci = rt->ci;
	d->chname = loa_channel_name(ch);
	if ((d->prov = flow_route(ch, d, NULL, &paused)) == NULL ||
	    loa_render(job, d->rc, ch, d->prov->unicode,
	    loa_job_ward_info(job, d->rc->ward, 1),
	    loa_job_ward_info(job, d->rc->ward, 2), &d->r) == -1) {
		d->prov = NULL;
		loa_rendered_clear(&d->r);
		try_channel(d, NULL);
		return;
	}
	loa_delivery_id(job->id, d->item, d->chname, d->did);
	d->attempt = rt->attempt;
	d->sent_once = 1;
	if (rt->unclear) {
		d->maybe_dup = 1;
		d->unclear = 1;
	}
	wait_retry(d, rt->due - loa_now_ms());
}

/* Start item i of ck (the engine counted it outstanding). */
void
deliver_start(struct chunk *ck, int i)
{
	struct delivery	*d;
	long long	 now = loa_now_ms();
	char		 buf[24];
	enum loa_skip	 skip;

	d = delivery_new();
	d->ck = ck;
	d->i = i;
	d->rc = chunk_rcpt(ck, i);
	d->maybe_dup = ck->gate[i] == GATE_MAYBE;
	ck->gate[i] = GATE_SENT;
	snprintf(d->item, sizeof(d->item), "%s", chunk_item(ck, i, buf,
	    sizeof(buf)));
	d->t0 = now;
	if (ck->job->cancelled)
		finish(d, "cancelled", "cancelled", NULL, NULL);
	else if (ck->job->expires_at_ms != 0 && now >= ck->job->expires_at_ms)
		finish(d, "expired", "expires_at", NULL, NULL);
	else if ((skip = loa_plan_skip(ck->job, d->rc, d->rc->opted_out ||
	    (ck->flags[i] & ITEM_OPTED_OUT), d->rc->dup_of >= 0 ||
	    (ck->flags[i] & ITEM_DUPLICATE))) != LOA_SKIP_NONE)
		/* The rules loactl preview applies too (plan.c). */
		finish(d, "skipped", loa_skip_name(skip), NULL, NULL);
	else if (ck->retry != NULL && ck->retry[i].attempt > 0)
		resume_retry(d, &ck->retry[i]);
	else
		try_channel(d, NULL);
}

/* The in-flight mark of a retry is in Redis: send it. */
static void
marked_cb(struct loa_redis *r, struct redisReply *rep, void *arg)
{
	struct delivery	*d = arg;
	struct provider	*alt;
	int		 paused;

	(void)r;
	d->marking = 0;
	if (loa->draining)
		return;		/* handed back with its chunk */
	if (rep == NULL) {
		wait_retry(d, 1000);	/* Redis away: later */
		return;
	}
	/*
	 * The same channel, and the same provider but for another account
	 * of the same plugin that routing prefers; a provider paused or
	 * failing meanwhile passes it on (flow_submit), as does a retired
	 * one.
	 */
	alt = flow_route(d->r.channel, d, NULL, &paused);
	if (alt != NULL && alt != d->prov && alt->mod == d->prov->mod)
		d->prov = alt;
	send_now(d);
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct delivery	*d = arg;

	(void)fd;
	(void)ev;
	if (loa->draining)
		return;		/* handed back with its chunk */
	if (delivery_expired(d) || d->ck->job->cancelled) {
		deliver_expire(d);
		return;
	}
	/*
	 * Mark attempt N in flight ("~N") before it leaves, so that a crash
	 * during it is reported as a possible duplicate.
	 */
	/* It stays on the waiting list until marked. */
	d->marking = 1;
	if (ledger_mark_inflight(d->ck->job_id, d->item, d->attempt,
	    marked_cb, d) == -1) {
		d->marking = 0;
		wait_retry(d, 1000);
	}
}

static void
wait_retry(struct delivery *d, long long delay)
{
	struct timeval	tv;

	if (delay < 0)
		delay = 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if (d->retry_ev == NULL)
		d->retry_ev = evtimer_new(loa->base, retry_cb, d);
	deliver_move(d, DS_RETRY);
	evtimer_add(d->retry_ev, &tv);
	hooks->retrying(d->ck);
}

static void
schedule_retry(struct delivery *d, const struct loa_result *res)
{
	long long	delay;

	delay = backoff_delay(d->attempt, res->retry_after_ms, drand48());
	if (!res->no_attempt)
		d->attempt++;
	/* Kept in Redis: a restart resumes it, with its attempt count. */
	ledger_retry_mark(d->ck->job_id, d->item, d->attempt, d->ci,
	    loa_now_ms() + delay, d->maybe_dup || d->copy_elsewhere ||
	    d->dedup_prov[0] != '\0');
	wait_retry(d, delay);
}

/*
 * The transport's answer (or failure) for d, with the provider's slot
 * already released.  The plugin classifies it, flow control learns from
 * it (circuit breaker), and d acts.
 */
/* Retry-After of resp, in ms (capped), or -1. */
static long long
retry_after(const struct loa_response *resp)
{
	const char	*v = NULL;
	int		 i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, "Retry-After") == 0)
			v = resp->headers[i].value;
	return retry_after_parse(v, loa_now_ms());
}

/*
 * Did d's request perhaps reach the provider without a verdict?  It left
 * and no answer came, or one cut short or too large (fate), or the
 * provider answered 2xx with something the plugin cannot read (a proxy's
 * HTML page, an empty body): any of these may follow an accepted
 * message.  Returns the reason to log, or NULL.
 */
static const char *
unclear_why(enum http_fate fate, const struct loa_response *resp,
    const struct loa_result *res)
{
	switch (fate) {
	case HF_NO_ANSWER:
		return "no_answer";
	case HF_TIMEOUT:
		return "timeout";
	case HF_BAD_ANSWER:
		return "bad_answer";
	case HF_ANSWERED:
		if (resp->http_status >= 200 && resp->http_status < 300 &&
		    res->outcome == LOA_OUT_RETRY && !res->no_attempt)
			return "bad_answer";
		return NULL;
	case HF_NOT_SENT:
	default:
		return NULL;
	}
}

/*
 * Sent through p: may the resident have another copy?  Yes when an
 * unclear send went to a provider that keeps no record of delivery ids,
 * or to a provider other than p (p cannot drop a repeat it never saw),
 * or when an earlier holder of the work may have sent it (a crash) and p
 * does not drop repeats.  A provider that drops repeated delivery ids
 * (eSMS's RequestId) sent it once when every possible copy went to it.
 */
static int
possible_copy(const struct delivery *d, const struct provider *p)
{
	if (d->copy_elsewhere)
		return 1;
	if (d->dedup_prov[0] != '\0' &&
	    strcmp(d->dedup_prov, p->conf->name) != 0)
		return 1;
	return d->maybe_dup && !(p->mod->flags & LOA_PROVIDER_DEDUPES);
}

void
deliver_answer(struct delivery *d, const struct loa_response *resp,
    enum http_fate fate)
{
	struct loa_result	 res;
	struct provider		*p = d->prov, *alt;
	const char		*why;
	int			 paused;

	deliver_move(d, DS_ROUTING);	/* it acts on the answer now */
	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	p->mod->classify(p->state, &d->msg, resp, &res);
	(void)loa_provider_id_take(p->conf->name, res.provider_id,
	    sizeof(res.provider_id), "a send answer");
	if (fate != HF_NOT_SENT)
		d->sent_once = 1;
	metrics_latency(p, loa_now_ms() - d->t0);
	if ((why = unclear_why(fate, resp, &res)) != NULL) {
		/*
		 * It may have been accepted: the next send of it is a
		 * possible duplicate, unless the provider drops repeats of
		 * the delivery id.  The reason says what happened.
		 */
		res.outcome = LOA_OUT_RETRY;
		res.no_attempt = 0;
		snprintf(res.reason, sizeof(res.reason), "%s", why);
		d->unclear++;
		if (!(p->mod->flags & LOA_PROVIDER_DEDUPES))
			d->copy_elsewhere = 1;
		else if (d->dedup_prov[0] == '\0')
			snprintf(d->dedup_prov, sizeof(d->dedup_prov), "%s",
			    p->conf->name);
		else if (strcmp(d->dedup_prov, p->conf->name) != 0)
			d->copy_elsewhere = 1;	/* two accounts may have it */
	} else if (fate == HF_NOT_SENT && res.outcome == LOA_OUT_RETRY &&
	    resp->http_status == 0)
		snprintf(res.reason, sizeof(res.reason), "not_sent");
	flow_result(p, resp, &res, why != NULL);
	if (res.outcome == LOA_OUT_RETRY && res.retry_after_ms < 0)
		res.retry_after_ms = retry_after(resp);
	switch (res.outcome) {
	case LOA_OUT_SENT:
		finish(d, possible_copy(d, p) ? "maybe_duplicate" : "sent",
		    NULL, resp, &res);
		return;
	case LOA_OUT_REFRESH:
		if (!d->refreshed) {
			/* Credentials refused: new ones, then one retry. */
			d->refreshed = 1;
			emit(d, "retry", res.reason[0] ? res.reason :
			    "refresh", 0, resp, &res);
			creds_refresh(p, d->cred_gen);
			queue_at(d, p);
			return;
		}
		d->failed_any = 1;
		try_channel(d, res.reason[0] ? res.reason : "credentials");
		return;
	case LOA_OUT_RETRY:
		if (d->attempt < p->conf->max_attempts || res.no_attempt) {
			emit(d, "retry", res.reason[0] ? res.reason : NULL, 0,
			    resp, &res);
			schedule_retry(d, &res);
			return;
		}
		d->failed_any = 1;
		try_channel(d, "max_attempts");
		return;
	case LOA_OUT_PROVIDER_DOWN:
		/* flow_result opened the circuit and said so, once. */
		alt = flow_route(d->r.channel, d, p, &paused);
		if (alt != NULL && !paused && alt->circ.st != CIRCUIT_OPEN) {
			/* Another provider of this channel can take it. */
			emit(d, "retry", res.reason[0] ? res.reason :
			    "provider_down", 0, resp, &res);
			deliver_resend(d, alt);
			return;
		}
		try_channel(d, res.reason[0] ? res.reason : "provider_down");
		return;
	case LOA_OUT_FALLBACK:
		d->failed_any = 1;
		if (fallback_within(d, p, res.reason, resp, &res))
			return;
		try_channel(d, res.reason[0] ? res.reason : "fallback");
		return;
	case LOA_OUT_FAILED:
	default:
		d->failed_any = 1;
		try_channel(d, res.reason[0] ? res.reason : "failed");
		return;
	}
}

/* Shutting down: deliveries waiting for a retry stop here. */
void
deliver_abort_waiting(void)
{
	drop_waiting(NULL);
}
