/*
 * flow.c -- how fast, and through which provider, messages may go.
 *
 * Routing: a channel may have several providers.  A recipient goes to one
 * that serves its carrier (the `carriers` key; providers without it serve
 * all), chosen at random by `weight` among those usable now; a provider
 * paused by an operator or with an open circuit is passed over while
 * another can take the message (failover).
 *
 * Each provider has a queue of deliveries not sent yet and sends from it
 * while: fewer than max_inflight requests are under way; it is not paused
 * (loactl provider pause: a flag in Redis every daemon polls); its circuit
 * is closed (or half-open, for one probe); its credentials are ready; and
 * its rate allows.  The rate is per provider account, shared by every
 * daemon on the Redis: Redis spaces the sends evenly (see rate_allows)
 * and each daemon leases the next few send times; an SMS of N segments
 * takes N.
 *
 * Circuit breaker: FAIL_OPEN transport failures or 5xx in a row, or one
 * "provider down" verdict (bad keys, no balance), open the circuit: no
 * request for open_ms (doubling up to OPEN_MAX_MS; a provider-down verdict
 * starts at OPEN_DOWN_MS); then one probe request; a sensible answer
 * closes it.  Each change is logged once and published in Redis for
 * `loactl provider list`.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "engine.h"

#define FAIL_OPEN	5	/* failures in a row that open a circuit */
#define OPEN_MIN_MS	1000
#define OPEN_MAX_MS	30000
#define OPEN_DOWN_MS	60000

static struct event	*lease_ev;

static const char *const carrier_names[] = {
	"unknown", "viettel", "mobifone", "vinaphone", "vietnamobile",
	"gmobile", "reddi", "itel", NULL
};

/* "viettel,vinaphone" -> mask of enum loa_carrier; NULL or "" -> 0. */
unsigned
flow_parse_carriers(const char *list)
{
	unsigned	 mask = 0;
	char		*dup, *tok, *save = NULL;
	int		 i;

	if (list == NULL)
		return 0;
	dup = xstrdup(list);
	for (tok = strtok_r(dup, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save))
		for (i = 1; carrier_names[i] != NULL; i++)
			if (strcasecmp(tok, carrier_names[i]) == 0)
				mask |= 1u << i;
	free(dup);
	return mask;
}

static int
usable(const struct provider *p)
{
	return !p->paused && p->circuit != CIRCUIT_OPEN;
}

/*
 * Is p a candidate in routing pass `pass` for a recipient of carrier bit
 * cbit?  0: p names the carrier; 1: p serves every carrier; 2 (only when
 * the first two found nobody): any provider of the channel.
 */
static int
in_pass(const struct provider *p, int pass, unsigned cbit)
{
	if (pass == 0)
		return (p->carriers & cbit) != 0;
	if (pass == 1)
		return p->carriers == 0;
	return 1;
}

/*
 * The provider for recipient rc on channel ch, not `not` (NULL: any).
 * Prefers providers naming rc's carrier, then those serving every carrier,
 * then, when no provider is either, any of the channel.  Among the usable
 * ones, a weighted random pick; when none is usable, a provider that is
 * not paused (its circuit open: the message waits for it); when all are
 * paused, *paused is set and the first paused one is returned (the
 * message waits for a resume).  NULL: no provider serves ch.
 */
struct provider *
flow_route(enum loa_channel ch, const struct loa_recipient *rc,
    const struct provider *not, int *paused)
{
	struct provider	*p, *waiting = NULL, *any = NULL;
	unsigned	 cbit = 0;
	int		 pass, i, total, pick;

	*paused = 0;
	if (rc != NULL && rc->phone_ok)
		cbit = 1u << loa_phone_carrier(rc->phone);
	for (pass = 0; pass < 3 && (pass < 2 || any == NULL); pass++) {
		total = 0;
		for (i = 0; i < loa->nproviders; i++) {
			p = &loa->providers[i];
			if (!(p->channels & (1u << ch)) || p == not ||
			    !in_pass(p, pass, cbit))
				continue;
			if (any == NULL)
				any = p;
			if (!p->paused && waiting == NULL)
				waiting = p;
			if (usable(p))
				total += p->weight > 0 ? p->weight : 0;
		}
		if (total == 0)
			continue;
		pick = (int)(drand48() * total);
		for (i = 0; i < loa->nproviders; i++) {
			p = &loa->providers[i];
			if (!(p->channels & (1u << ch)) || p == not ||
			    !usable(p) || p->weight <= 0 ||
			    !in_pass(p, pass, cbit))
				continue;
			if ((pick -= p->weight) < 0)
				return p;
		}
	}
	if (waiting != NULL)
		return waiting;
	if (any != NULL)
		*paused = 1;
	return any;
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

/* Rate tokens a delivery spends: its SMS segments, else 1. */
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
 * daemon the next few of those times (up to LEASE_AHEAD_MS ahead) and the
 * daemon spends each at its time, so the provider sees an even flow.
 * The spacing is for RATE_MARGIN of the configured rate: a send may go
 * up to CATCHUP_MS after its time (a timer fired late), a time missed by
 * more is dropped (the provider was paused, the daemon held up), and no
 * second of the provider's clock sees more than the rate.
 */
#define RATE_MARGIN	0.99
#define LEASE_AHEAD_MS	50.0
#define CATCHUP_MS	5.0

static double	wake_due;	/* when lease_ev fires; 0: not pending */

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

static void	lease(struct provider *);

/* Reply {granted, µs from Redis's now to the first, ms until more}. */
static void
lease_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct provider	*p = arg;
	long long	 n = 0, wait = 10;
	double		 at = mono_ms();

	(void)r;
	p->leasing = 0;
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 3 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep->element[1]->type == REDIS_REPLY_INTEGER &&
	    rep->element[2]->type == REDIS_REPLY_INTEGER) {
		n = rep->element[0]->integer;
		at += rep->element[1]->integer / 1000.0;
		wait = rep->element[2]->integer;
	}
	if (n > 0 && p->tokens == 0) {
		p->tokens = (int)n;
		if (p->pace_at < at)
			p->pace_at = at;
	} else if (n > 0) {
		if (p->next_tokens == 0)
			p->next_at = at;
		p->next_tokens += (int)n;
	}
	p->lease_at = n > 0 ? 0 : loa_now_ms() + (wait > 100 ? 100 : wait);
	flow_pump(p);
}

/* Ask Redis for the send times of the head of the queue and what follows. */
static void
lease(struct provider *p)
{
	struct loa_argv	 av;
	struct delivery	*d = TAILQ_FIRST(&p->waitq);
	int		 want, cost;

	if (p->leasing || d == NULL || !loa_redis_up(loa->rc))
		return;
	if (loa_now_ms() < p->lease_at) {
		wake_at(mono_ms() + (double)(p->lease_at - loa_now_ms()));
		return;
	}
	cost = flow_cost(d);
	want = (int)(LEASE_AHEAD_MS / rate_step(p)) + 1;
	if (want > p->nwait * 3 + 1)
		want = p->nwait * 3 + 1;
	if (want < cost)
		want = cost;
	loa_argv_init(&av);
	loa_argv_add(&av, "EVAL");
	loa_argv_add(&av, loa_script_rate);
	loa_argv_add(&av, "0");
	loa_argv_addf(&av, "%srate:%s", loa->cfg.prefix, p->conf->name);
	loa_argv_addf(&av, "%.6f", p->conf->rate * RATE_MARGIN);
	loa_argv_addf(&av, "%.0f", LEASE_AHEAD_MS);
	loa_argv_addf(&av, "%d", want);
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

/* A send time more than CATCHUP_MS past is gone (paused, held up). */
static void
rate_expire(struct provider *p, double now, double step)
{
	int	gone;

	if (p->tokens == 0 || p->pace_at >= now - CATCHUP_MS)
		return;
	gone = (int)((now - CATCHUP_MS - p->pace_at) / step) + 1;
	if (gone > p->tokens)
		gone = p->tokens;
	p->tokens -= gone;
	p->pace_at += gone * step;
}

/*
 * May d go now as far as the rate goes?  Leases send times when p has
 * none for d, and the next ones ahead of need.
 */
static int
rate_allows(struct provider *p, struct delivery *d)
{
	int	cost = flow_cost(d);
	double	now = mono_ms(), step = rate_step(p);

	rate_expire(p, now, step);
	if (p->tokens < cost && p->next_tokens > 0) {
		/* The next lease's times follow on from the current ones. */
		if (p->pace_at < p->next_at - p->tokens * step)
			p->pace_at = p->next_at - p->tokens * step;
		p->tokens += p->next_tokens;
		p->next_tokens = 0;
		rate_expire(p, now, step);
	}
	if (p->tokens < cost) {
		lease(p);
		return 0;
	}
	if (p->next_tokens == 0 &&
	    p->pace_at + p->tokens * step - now < LEASE_AHEAD_MS / 2)
		lease(p);
	if (now < p->pace_at) {
		wake_at(p->pace_at);
		return 0;
	}
	return 1;
}

/* d goes: spend its send times. */
static void
rate_spend(struct provider *p, struct delivery *d)
{
	int	cost = flow_cost(d);

	/* rate_allows() dropped the times already gone. */
	p->pace_at += cost * rate_step(p);
	p->tokens -= cost;
}

static int
may_send(struct provider *p, struct delivery *d)
{
	long long	now;

	if (!engine_chunk_owned(d->ck))
		return 0;	/* until Redis says it is still ours */
	if (loa->draining || p->paused ||
	    p->inflight >= p->conf->max_inflight || !creds_ready(p))
		return 0;
	if (d->ck->prio != LOA_PRIO_URGENT &&
	    loa_quiet_now(&loa->cfg, loa_now_ms()))
		return 0;	/* quiet hours: urgent only */
	if (p->circuit == CIRCUIT_OPEN) {
		now = loa_now_ms();
		if (now < p->open_until)
			return 0;
		p->circuit = CIRCUIT_HALF_OPEN;
		p->probing = 0;
		log_info("provider %s: circuit half-open, probing",
		    p->conf->name);
	}
	if (p->circuit == CIRCUIT_HALF_OPEN && p->probing)
		return 0;
	if (p->conf->rate > 0 && !rate_allows(p, d))
		return 0;
	return 1;
}

/* Send what p may send now. */
void
flow_pump(struct provider *p)
{
	struct delivery	*d;

	while ((d = TAILQ_FIRST(&p->waitq)) != NULL) {
		if (deliver_expired(d) || d->ck->job->cancelled) {
			TAILQ_REMOVE(&p->waitq, d, entry);
			p->nwait--;
			deliver_expire(d);
			continue;
		}
		if (!may_send(p, d))
			break;
		TAILQ_REMOVE(&p->waitq, d, entry);
		p->nwait--;
		if (p->conf->rate > 0)
			rate_spend(p, d);
		if (p->circuit == CIRCUIT_HALF_OPEN)
			p->probing = 1;
		deliver_go(d);
	}
}

void
flow_pump_all(void)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		flow_pump(&loa->providers[i]);
}

/* Queue d (request built) on p and send what may go. */
void
flow_submit(struct provider *p, struct delivery *d)
{
	if (p->retired) {
		/* A reload replaced p (d was retrying or refreshing). */
		deliver_reroute(d);
		return;
	}
	if (lease_ev == NULL)
		lease_ev = evtimer_new(loa->base, lease_timer_cb, NULL);
	TAILQ_INSERT_TAIL(&p->waitq, d, entry);
	p->nwait++;
	flow_pump(p);
}

static void
publish(struct provider *p)
{
	static const char *const names[] = { "closed", "open", "half-open" };
	struct loa_argv	 av;

	loa_argv_init(&av);
	loa_argv_add(&av, "HSET");
	loa_argv_addf(&av, "%sprovider:%s", loa->cfg.prefix, p->conf->name);
	loa_argv_addf(&av, "circuit:%s", loa->consumer);
	loa_argv_addf(&av, "%s %lld", names[p->circuit], loa_now_ms());
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
}

/* Deliveries queued on p go to another usable provider of their channel. */
static void
reroute(struct provider *p)
{
	struct delivery	*d, *next;
	struct provider	*alt;
	int		 paused;

	for (d = TAILQ_FIRST(&p->waitq); d != NULL; d = next) {
		next = TAILQ_NEXT(d, entry);
		alt = flow_route(d->r.channel, d->rc, p, &paused);
		if (alt == NULL || !usable(alt))
			continue;
		TAILQ_REMOVE(&p->waitq, d, entry);
		p->nwait--;
		deliver_resend(d, alt);
	}
}

/* Hold p for ms, then probe. */
static void
circuit_open(struct provider *p, long long ms, const char *why)
{
	p->open_ms = ms;
	p->open_until = loa_now_ms() + p->open_ms;
	if (p->circuit == CIRCUIT_CLOSED)
		log_warnx("provider %s: circuit open for %lld ms (%s)",
		    p->conf->name, p->open_ms, why);
	else if (p->circuit == CIRCUIT_HALF_OPEN)
		log_info("provider %s: still failing (%s); next probe in "
		    "%lld ms", p->conf->name, why, p->open_ms);
	p->circuit = CIRCUIT_OPEN;
	p->probing = 0;
	publish(p);
	reroute(p);
}

/*
 * What the answer to one of p's requests says about p (called before the
 * delivery acts on it).
 */
void
flow_result(struct provider *p, const struct loa_response *resp,
    const struct loa_result *res)
{
	int	transport = res->outcome == LOA_OUT_RETRY && !res->no_attempt &&
	    (resp->http_status == 0 || resp->http_status >= 500);

	if (res->outcome == LOA_OUT_PROVIDER_DOWN) {
		if (!p->down_said)
			log_warnx("provider %s cannot send: %s; circuit open, "
			    "check its keys and balance", p->conf->name,
			    res->reason[0] ? res->reason : "provider error");
		p->down_said = 1;
		circuit_open(p, OPEN_DOWN_MS, res->reason);
		return;
	}
	if (transport) {
		p->failures++;
		if (p->circuit == CIRCUIT_HALF_OPEN)
			/* Doubling up to the cap; a provider-down hold stays. */
			circuit_open(p, p->open_ms * 2 <= OPEN_MAX_MS ?
			    p->open_ms * 2 : p->open_ms > OPEN_MAX_MS ?
			    p->open_ms : OPEN_MAX_MS, "probe failed");
		else if (p->failures >= FAIL_OPEN &&
		    p->circuit == CIRCUIT_CLOSED)
			circuit_open(p, OPEN_MIN_MS, res->reason);
		return;
	}
	if (res->no_attempt)
		return;		/* rate limited: says nothing of health */
	p->failures = 0;
	p->down_said = 0;
	if (p->circuit != CIRCUIT_CLOSED) {
		log_warnx("provider %s: circuit closed", p->conf->name);
		p->circuit = CIRCUIT_CLOSED;
		p->open_ms = 0;
		publish(p);
	}
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

/* From the cron: pause flags, circuits due to probe, tokens due. */
void
flow_poll(void)
{
	const char	*argv[3];
	char		*key;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		key = xasprintf("%sprovider:%s", loa->cfg.prefix,
		    p->conf->name);
		argv[0] = "HGET";
		argv[1] = key;
		argv[2] = "paused";
		(void)loa_redis_cmd(loa->rc, paused_cb, p, 3, argv, NULL);
		free(key);
		flow_pump(p);
	}
}

/* ck was lost to another daemon: its deliveries not sent yet go. */
void
flow_drop_chunk(const struct chunk *ck)
{
	struct delivery	*d, *next;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		for (d = TAILQ_FIRST(&p->waitq); d != NULL; d = next) {
			next = TAILQ_NEXT(d, entry);
			if (d->ck != ck)
				continue;
			TAILQ_REMOVE(&p->waitq, d, entry);
			p->nwait--;
			deliver_abort(d);
		}
	}
}

/* Stopping: deliveries not sent yet leave the queues. */
void
flow_abort_all(void)
{
	struct delivery	*d;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		while ((d = TAILQ_FIRST(&p->waitq)) != NULL) {
			TAILQ_REMOVE(&p->waitq, d, entry);
			p->nwait--;
			deliver_abort(d);
		}
	}
	if (lease_ev != NULL)
		event_free(lease_ev);
	lease_ev = NULL;
	wake_due = 0;
}
