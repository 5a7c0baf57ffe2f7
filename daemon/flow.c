/*
 * flow.c -- how fast, and through which provider, messages may go.
 *
 * Routing: a channel may have several providers.  A recipient goes to one
 * that serves its carrier (the `carriers` key; providers without it serve
 * all), chosen by route_choose() (policy.c): a provider whose circuit is
 * due for its probe first, else at random by `weight` among those usable
 * now; a provider paused by an operator or with an open circuit is passed
 * over while another can take the message (failover).
 *
 * Each provider has a queue of deliveries not sent yet (DS_QUEUED, owned
 * here): urgent before normal before bulk, and within a priority the jobs
 * in turn, one message each (struct fairq, policy.c).  It sends from the
 * head while: fewer than max_inflight requests are under way; it is not
 * paused (loactl provider pause: a flag in Redis every daemon polls); its
 * circuit is closed (or half-open, for one probe); its credentials are
 * ready; and its rate allows.  The rate is per provider account, shared
 * by every daemon on the Redis: Redis spaces the send times evenly (see
 * loa_script_rate) and each daemon leases runs of them; an SMS of N
 * segments spends N times in a row and goes at the last (rate_check).
 *
 * Circuit breaker (circuit_result, policy.c): failures in a row that are
 * also most of the recent answers, or one "provider down" verdict (bad
 * keys, no balance), open the circuit: no request for a while (doubling
 * up to a cap); then routing sends it one probe, even while another
 * provider covers its traffic, and the first good answer closes it.  Each
 * change is logged once and published in Redis for `loactl provider
 * list`, and republished every PUBLISH_EVERY_MS while the daemon lives.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "engine.h"

#define PUBLISH_EVERY_MS	10000

static struct event	*lease_ev;
static const struct flow_ops *ops;	/* deliver.c's, from main.c */

/* What flow.c calls for the deliveries it queues (main.c wires it). */
void
flow_init(const struct flow_ops *o)
{
	ops = o;
}

#define DQ(e)	((struct delivery *)((char *)(e) - \
		    offsetof(struct delivery, qe)))

/* The delivery at the head of p's queue, or NULL. */
static struct delivery *
head(const struct provider *p)
{
	struct fairq_entry	*e = fairq_head(&p->waitq);

	return e != NULL ? DQ(e) : NULL;
}

/* Routing's view of p at `now`. */
static void
route_view(const struct provider *p, long long now, struct route_cand *c)
{
	c->carriers = p->carriers;
	c->weight = p->weight > 0 ? p->weight : 0;
	c->paused = p->paused;
	c->open = p->circ.st != CIRCUIT_CLOSED;
	c->probe_due = circuit_probe_due(&p->circ, now);
}

/* The address p sends to: FLOW_BY_UID or FLOW_BY_PHONE (a bit each). */
unsigned
flow_kind(const struct provider *p)
{
	return (p->mod->flags & LOA_PROVIDER_BY_UID) ? FLOW_BY_UID :
	    FLOW_BY_PHONE;
}

/*
 * Can p send d's message on ch: an address of its kind, and what the job
 * gives that kind (zalo: template_id by phone, zalo.text by user id)?
 * A plugin with LOA_PROVIDER_ANY_ADDR (the console) takes anything.
 * plan.c's has_address() is the same rule for a channel as a whole.
 */
static int
flow_serves(const struct provider *p, enum loa_channel ch,
    const struct delivery *d)
{
	const struct loa_job	*job = d->ck->job;

	if (p->mod->flags & LOA_PROVIDER_ANY_ADDR)
		return 1;
	if (flow_kind(p) == FLOW_BY_UID)
		return d->rc->zalo_uid != NULL && (ch != LOA_CH_ZALO ||
		    job->zalo_text != NULL);
	return d->rc->phone_ok && (ch != LOA_CH_ZALO ||
	    job->zalo_template_id != NULL);
}

/*
 * The provider for delivery d on channel ch, not `not` (NULL: any); see
 * route_choose().  Only providers that serve d (flow_serves()) of a kind
 * d has not fallen back from on this channel (d->kinds_done) are
 * candidates, and of those the kind of the first in config order: a
 * resident with a phone and a user id gets ZNS or OA as the config
 * orders them, and the other after a fallback.  A provider picked for
 * its probe turns half-open here, so that only this message goes to it
 * until the probe's answer.  When all are paused, *paused is set and the
 * first paused one is returned (the message waits for a resume).  NULL:
 * no provider serves d on ch.
 */
struct provider *
flow_route(enum loa_channel ch, const struct delivery *d,
    const struct provider *not, int *paused)
{
	const struct loa_recipient *rc = d->rc;
	struct route_cand	 cand[64];
	struct provider		*map[64], *p;
	unsigned		 cbit = 0, kind = 0;
	long long		 now = loa_now_ms();
	int			 i, n = 0, k;

	*paused = 0;
	if (rc != NULL && rc->phone_ok)
		cbit = 1u << loa_phone_carrier(rc->phone);
	for (i = 0; i < loa->nproviders && n < 64; i++) {
		p = &loa->providers[i];
		if (!(p->channels & (1u << ch)) || p == not ||
		    (d->kinds_done & flow_kind(p)) || !flow_serves(p, ch, d))
			continue;
		if (kind == 0)
			kind = flow_kind(p);
		if (flow_kind(p) != kind)
			continue;
		route_view(p, now, &cand[n]);
		map[n++] = p;
	}
	if ((k = route_choose(cand, n, cbit, drand48(), paused)) < 0)
		return NULL;
	p = map[k];
	if (cand[k].probe_due && !*paused) {
		(void)circuit_may_send(&p->circ, now);	/* half-open */
		log_info("provider %s: circuit half-open, probing",
		    p->conf->name);
	}
	return p;
}

/* Some provider of ch can take a message now or soon (not all paused). */
int
flow_channel_open(enum loa_channel ch)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		if ((loa->providers[i].channels & (1u << ch)) &&
		    !loa->providers[i].paused)
			return 1;
	return 0;
}

/* Rate times a delivery spends: its SMS segments, else 1. */
int
flow_cost(const struct delivery *d)
{
	if (d->r.channel == LOA_CH_SMS && d->r.sms.segments > 0)
		return d->r.sms.segments;
	return 1;
}

/*
 * The rate.  Redis keeps, per provider account, the time from which the
 * next send may go (GCRA's theoretical arrival time): sends are spaced
 * 1/rate apart across every daemon, with no burst.  A lease hands a
 * daemon a run of the next times (up to LEASE_AHEAD_MS ahead, and never
 * fewer than the message at the head of the queue needs, however far
 * ahead they reach), and the daemon spends each at its time, so the
 * provider sees an even flow.  The spacing is for RATE_MARGIN of the
 * configured rate; a send may go up to CATCHUP_MS after its time (a timer
 * fired late), a time missed by more is dropped (see rate_check).
 */
#define RATE_MARGIN	0.99
#define LEASE_AHEAD_MS	50.0
#define CATCHUP_MS	5.0

static double	wake_due;	/* when lease_ev fires; 0: not pending */
static struct rate_clock rclock;	/* Redis's clock on ours */

/* A monotonic clock in ms, for pacing. */
static double
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Ms between two sends of p. */
static double
rate_step(const struct provider *p)
{
	return 1000.0 / (p->conf->rate * RATE_MARGIN);
}

/* Pump every provider at `at` (mono_ms), or sooner if already due. */
static void
wake_at(double at)
{
	double		 now = mono_ms(), us;
	struct timeval	 tv;

	if (wake_due > 0 && wake_due <= at)
		return;
	us = (at - now) * 1000.0;
	if (us < 0)
		us = 0;
	tv.tv_sec = (time_t)(us / 1e6);
	tv.tv_usec = (suseconds_t)(us - tv.tv_sec * 1e6);
	evtimer_add(lease_ev, &tv);
	wake_due = at;
}

/*
 * Reply {granted, µs from Redis's now to the first, ms until more, now's
 * seconds, now's µs}.  The run is placed on our clock through rclock, not
 * by the moment the reply was read (see rate_clock_sample).
 */
static void
lease_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct provider	*p = arg;
	long long	 n = 0, wait = 10;
	double		 at = mono_ms(), rnow;
	size_t		 i;

	(void)r;
	p->leasing = 0;
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 5) {
		for (i = 0; i < 5; i++)
			if (rep->element[i]->type != REDIS_REPLY_INTEGER)
				break;
		if (i == 5) {
			n = rep->element[0]->integer;
			wait = rep->element[2]->integer;
			rnow = rep->element[3]->integer * 1e3 +
			    rep->element[4]->integer / 1e3;
			rate_clock_sample(&rclock, p->lease_sent, at, rnow);
			at = rate_clock_local(&rclock,
			    rnow + rep->element[1]->integer / 1e3);
		}
	}
	if (n > 0) {
		p->slots.next_tokens = (int)n;
		p->slots.next_at = at;
	}
	p->lease_at = n > 0 ? 0 : loa_now_ms() + (wait > 100 ? 100 : wait);
	flow_pump(p);
}

/*
 * Ask Redis for a run of send times: enough for what is queued, at least
 * `need` (the head's cost) in a row.  One lease at a time, and only once
 * the run leased before is taken in.
 */
static void
lease(struct provider *p, int need)
{
	struct loa_argv	 av;

	if (p->leasing || p->slots.next_tokens > 0 ||
	    fairq_head(&p->waitq) == NULL || !loa_redis_up(loa->rc))
		return;
	if (loa_now_ms() < p->lease_at) {
		wake_at(mono_ms() + (double)(p->lease_at - loa_now_ms()));
		return;
	}
	loa_script_argv(&av, loa_script_rate, loa->cfg.prefix);
	loa_argv_add(&av, p->conf->name);
	loa_argv_addf(&av, "%.6f", p->conf->rate * RATE_MARGIN);
	loa_argv_addf(&av, "%.0f", LEASE_AHEAD_MS);
	loa_argv_addf(&av, "%d", rate_lease_size(LEASE_AHEAD_MS,
	    rate_step(p), p->waitq.cost, need));
	loa_argv_addf(&av, "%d", need);
	p->lease_sent = mono_ms();
	if (loa_redis_cmdv(loa->rc, lease_cb, p, &av) == 0)
		p->leasing = 1;
	loa_argv_free(&av);
}

static void
lease_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	wake_due = 0;
	flow_pump_all();
}

/*
 * May d go now as far as the rate goes?  Leases send times when p holds
 * too few for d, and the next run ahead of need.
 */
static int
rate_allows(struct provider *p, struct delivery *d)
{
	int		 cost = flow_cost(d);
	double		 now = mono_ms(), step = rate_step(p), until = 0;
	enum rate_verdict v;

	v = rate_check(&p->slots, cost, now, step, CATCHUP_MS, &until);
	if (v == RATE_LEASE) {
		lease(p, cost);
		return 0;
	}
	if (p->slots.at + p->slots.tokens * step - now < LEASE_AHEAD_MS / 2)
		lease(p, 1);
	if (v == RATE_WAIT) {
		wake_at(until);
		return 0;
	}
	return 1;
}

static int
may_send(struct provider *p, struct delivery *d)
{
	if (!engine_chunk_owned(d->ck))
		return 0;	/* until Redis says it is still ours */
	if (loa->draining || p->paused ||
	    p->inflight >= p->conf->max_inflight || !creds_ready(p))
		return 0;
	if (d->ck->prio != LOA_PRIO_URGENT &&
	    loa_quiet_now(&loa->cfg, loa_now_ms()))
		return 0;	/* quiet hours: urgent only */
	if (p->circ.st != CIRCUIT_CLOSED) {
		if (p->circ.st == CIRCUIT_OPEN &&
		    circuit_probe_due(&p->circ, loa_now_ms()))
			log_info("provider %s: circuit half-open, probing",
			    p->conf->name);
		if (!circuit_may_send(&p->circ, loa_now_ms()))
			return 0;
	}
	if (p->conf->rate > 0 && !rate_allows(p, d))
		return 0;
	return 1;
}

/* Send what p may send now. */
void
flow_pump(struct provider *p)
{
	struct delivery	*d;

	while ((d = head(p)) != NULL) {
		if (delivery_expired(d) || d->ck->job->cancelled) {
			fairq_remove(&p->waitq, &d->qe);
			ops->gone(d);
			continue;
		}
		if (!may_send(p, d))
			break;
		fairq_next(&p->waitq, &d->qe);
		if (p->conf->rate > 0)
			rate_spend(&p->slots, flow_cost(d), rate_step(p));
		circuit_probe_sent(&p->circ);
		ops->go(d);
	}
}

void
flow_pump_all(void)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		flow_pump(&loa->providers[i]);
}

/*
 * Queue d (DS_QUEUED, request built or not) on p; send what may go.  A
 * provider paused by an operator, or whose circuit is open, takes it only
 * when no other provider of the channel can (a retry comes back to the
 * provider of its first try, which may have stopped meanwhile).
 */
void
flow_submit(struct provider *p, struct delivery *d)
{
	struct provider	*alt;
	int		 paused;

	if (p->retired) {
		/* A reload replaced p (d was retrying or refreshing). */
		ops->move(d, NULL);
		return;
	}
	if ((p->paused || p->circ.st == CIRCUIT_OPEN) &&
	    (alt = flow_route(d->r.channel, d, p, &paused)) != NULL &&
	    !paused && alt->circ.st != CIRCUIT_OPEN && !alt->paused) {
		ops->move(d, alt);
		return;
	}
	if (lease_ev == NULL)
		lease_ev = evtimer_new(loa->base, lease_timer_cb, NULL);
	fairq_push(&p->waitq, &d->qe, (int)d->ck->prio, d->ck->job,
	    flow_cost(d));
	flow_pump(p);
}

/* Tell every daemon's loactl what p's circuit is, as of now. */
static void
publish(struct provider *p)
{
	struct loa_argv	 av;
	long long	 now = loa_now_ms();

	if (p->published == 0 || p->circ.st != CIRCUIT_CLOSED ||
	    p->circ.open_ms != 0)
		p->published = now;
	loa_argv_init(&av);
	loa_argv_add(&av, "HSET");
	loa_argv_take(&av, loa_key_provider(loa->cfg.prefix,
		    p->conf->name));
	loa_argv_addf(&av, "circuit:%s", loa->consumer);
	loa_argv_addf(&av, "%s %lld %lld", circuit_name(p->circ.st),
	    p->published, now);
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
}

/* The daemon stops: its circuit states are no one's any more. */
void
flow_unpublish(void)
{
	struct loa_argv	 av;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		loa_argv_init(&av);
		loa_argv_add(&av, "HDEL");
		loa_argv_take(&av, loa_key_provider(loa->cfg.prefix,
		    loa->providers[i].conf->name));
		loa_argv_addf(&av, "circuit:%s", loa->consumer);
		(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
		loa_argv_free(&av);
	}
}

/* Deliveries queued on p go to another usable provider of their channel. */
static void
reroute(struct provider *p)
{
	struct fairq_entry	*e, *next;
	struct delivery		*d;
	struct provider		*alt;
	int			 paused;

	for (e = fairq_first(&p->waitq); e != NULL; e = next) {
		next = fairq_after(&p->waitq, e);
		d = DQ(e);
		alt = flow_route(d->r.channel, d, p, &paused);
		if (alt == NULL || paused || alt->circ.st == CIRCUIT_OPEN)
			continue;
		fairq_remove(&p->waitq, e);
		ops->move(d, alt);
	}
}

/*
 * What the answer to one of p's requests says about p (called before the
 * delivery acts on it): a verdict for the circuit breaker.  Failures are
 * those of the provider, not of one message: no answer, 5xx, an answer
 * without a clear verdict (`unclear`).  A clear answer that asks to try
 * this message again later (a temporary error code) is a working
 * provider's answer.
 */
void
flow_result(struct provider *p, const struct loa_response *resp,
    const struct loa_result *res, int unclear)
{
	enum circuit_verdict	v;
	enum circuit_change	ch;

	if (res->outcome == LOA_OUT_PROVIDER_DOWN)
		v = CV_DOWN;
	else if (res->no_attempt)
		v = CV_NEUTRAL;	/* rate limited: says nothing of health */
	else if (unclear || (res->outcome == LOA_OUT_RETRY &&
	    (resp->http_status == 0 || resp->http_status >= 500)))
		v = CV_FAIL;
	else
		v = CV_GOOD;
	if (v == CV_DOWN && !p->down_said)
		log_warnx("provider %s cannot send: %s; circuit open, "
		    "check its keys and balance", p->conf->name,
		    res->reason[0] ? res->reason : "provider error");
	if (v == CV_DOWN)
		p->down_said = 1;
	else if (v == CV_GOOD)
		p->down_said = 0;
	if (v == CV_NEUTRAL && p->circ.st == CIRCUIT_HALF_OPEN) {
		/* The probe was turned away: the next message probes. */
		circuit_probe_lost(&p->circ, loa_now_ms());
		return;
	}
	ch = circuit_result(&p->circ, v, loa_now_ms());
	switch (ch) {
	case CC_OPENED:
		log_warnx("provider %s: circuit open for %lld ms (%s)",
		    p->conf->name, p->circ.open_ms, res->reason[0] ?
		    res->reason : "failing");
		break;
	case CC_REOPENED:
		log_info("provider %s: still failing (%s); next probe in "
		    "%lld ms", p->conf->name, res->reason[0] ? res->reason :
		    "probe failed", p->circ.open_ms);
		break;
	case CC_CLOSED:
		log_warnx("provider %s: circuit closed", p->conf->name);
		break;
	case CC_NONE:
		return;
	}
	publish(p);
	if (ch != CC_CLOSED)
		reroute(p);
}

static void
paused_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct provider	*p = arg;
	int		 paused;

	(void)r;
	if (rep == NULL || (rep->type != REDIS_REPLY_STRING &&
	    rep->type != REDIS_REPLY_NIL))
		return;
	paused = rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "1") == 0;
	if (paused == p->paused)
		return;
	p->paused = paused;
	log_warnx("provider %s %s by an operator", p->conf->name,
	    paused ? "paused" : "resumed");
	if (paused)
		reroute(p);
	else
		flow_pump(p);
}

/*
 * From the cron: pause flags; a half-open circuit whose probe never left
 * probes again; circuit states republished now and then (loactl shows
 * only those of daemons heard from lately); times due.
 */
void
flow_poll(void)
{
	const char	*argv[3];
	char		*key;
	long long	 now = loa_now_ms();
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		key = loa_key_provider(loa->cfg.prefix,
		    p->conf->name);
		argv[0] = "HGET";
		argv[1] = key;
		argv[2] = "paused";
		(void)loa_redis_cmd(loa->rc, paused_cb, p, 3, argv, NULL);
		free(key);
		if (p->circ.st == CIRCUIT_HALF_OPEN && !p->circ.probing &&
		    fairq_head(&p->waitq) == NULL)
			circuit_probe_lost(&p->circ, now);
		if (now - p->published >= PUBLISH_EVERY_MS)
			publish(p);
		flow_pump(p);
	}
}

/* ck was lost to another daemon: its deliveries not sent yet go. */
void
flow_drop_chunk(const struct chunk *ck)
{
	struct fairq_entry	*e, *next;
	struct delivery		*d;
	int			 i;

	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		for (e = fairq_first(&p->waitq); e != NULL; e = next) {
			next = fairq_after(&p->waitq, e);
			d = DQ(e);
			if (d->ck != ck)
				continue;
			fairq_remove(&p->waitq, e);
			ops->drop(d);
		}
	}
}

/* Every delivery queued on p leaves its queue through each(d). */
void
flow_empty(struct provider *p, void (*each)(struct delivery *))
{
	struct fairq_entry	*e;

	while ((e = fairq_head(&p->waitq)) != NULL) {
		fairq_remove(&p->waitq, e);
		each(DQ(e));
	}
}

static void
route_anew(struct delivery *d)
{
	ops->move(d, NULL);
}

/* A reload replaced p: what waited in its queue goes through the new set. */
void
flow_retired(struct provider *p)
{
	flow_empty(p, route_anew);
}

/* Stopping: deliveries not sent yet leave the queues. */
void
flow_abort_all(void)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		flow_empty(&loa->providers[i], ops->drop);
	if (lease_ev != NULL)
		event_free(lease_ev);
	lease_ev = NULL;
	wake_due = 0;
}
