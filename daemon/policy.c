/*
 * policy.c -- the delivery engine's decisions, as pure functions of their
 * arguments (see policy.h).  flow.c and deliver.c hold the state and the
 * timers and call these to decide; tests/unit/test_policy.c checks each
 * decision against tables, without Redis or an event loop.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy.h"

/* ---- circuit breaker ---- */

/*
 * Record what one answer says.  A circuit opens after CIRCUIT_FAIL_OPEN
 * failures in a row that are also CIRCUIT_FAIL_RATIO of the recent
 * answers (so a provider failing one request in ten, at any speed, stays
 * closed), or at once on a provider-down verdict; a failed probe opens it
 * again for twice as long (up to CIRCUIT_OPEN_MAX_MS; a provider-down
 * hold is kept); the first good answer closes it, whatever its state.
 * Answers to requests that left before the circuit opened change nothing
 * while it is open.
 */
enum circuit_change
circuit_result(struct circuit *c, enum circuit_verdict v, long long now)
{
	enum circuit_change	ch;
	long long		ms;

	switch (v) {
	case CV_NEUTRAL:
		return CC_NONE;
	case CV_GOOD:
		c->failures = 0;
		c->fail_avg *= 1.0 - CIRCUIT_AVG_WEIGHT;
		if (c->st == CIRCUIT_CLOSED)
			return CC_NONE;
		c->st = CIRCUIT_CLOSED;
		c->open_ms = 0;
		c->probing = 0;
		return CC_CLOSED;
	case CV_DOWN:
		ms = CIRCUIT_OPEN_DOWN_MS;
		break;
	case CV_FAIL:
	default:
		c->failures++;
		c->fail_avg = c->fail_avg * (1.0 - CIRCUIT_AVG_WEIGHT) +
		    CIRCUIT_AVG_WEIGHT;
		if (c->st == CIRCUIT_HALF_OPEN) {
			ms = c->open_ms * 2;
			if (ms > CIRCUIT_OPEN_MAX_MS)
				ms = c->open_ms > CIRCUIT_OPEN_MAX_MS ?
				    c->open_ms : CIRCUIT_OPEN_MAX_MS;
			if (ms < CIRCUIT_OPEN_MIN_MS)
				ms = CIRCUIT_OPEN_MIN_MS;
			break;
		}
		if (c->st == CIRCUIT_OPEN ||
		    c->failures < CIRCUIT_FAIL_OPEN ||
		    c->fail_avg < CIRCUIT_FAIL_RATIO)
			return CC_NONE;
		ms = CIRCUIT_OPEN_MIN_MS;
		break;
	}
	if (c->st == CIRCUIT_OPEN && v == CV_DOWN &&
	    c->open_until >= now + ms)
		return CC_NONE;		/* held long enough already */
	ch = c->st == CIRCUIT_CLOSED ? CC_OPENED : CC_REOPENED;
	c->st = CIRCUIT_OPEN;
	c->open_ms = ms;
	c->open_until = now + ms;
	c->probing = 0;
	return ch;
}

/* Open, and its hold is over: the next request routed to it probes. */
int
circuit_probe_due(const struct circuit *c, long long now)
{
	return c->st == CIRCUIT_OPEN && now >= c->open_until;
}

/*
 * May a request go through c now?  Closed: yes.  Open: only once its
 * hold is over, and then as the one probe (half-open).  Half-open: only
 * while the probe has not left.
 */
int
circuit_may_send(struct circuit *c, long long now)
{
	if (c->st == CIRCUIT_CLOSED)
		return 1;
	if (c->st == CIRCUIT_OPEN) {
		if (now < c->open_until)
			return 0;
		c->st = CIRCUIT_HALF_OPEN;
		c->probing = 0;
	}
	return !c->probing;
}

/* The probe left (half-open): nothing else goes until its answer. */
void
circuit_probe_sent(struct circuit *c)
{
	if (c->st == CIRCUIT_HALF_OPEN)
		c->probing = 1;
}

/*
 * A half-open circuit whose probe never left (its message expired or
 * went elsewhere), or whose probe's answer said nothing (429): open, with
 * the probe due at once, so that routing sends the next one.
 */
void
circuit_probe_lost(struct circuit *c, long long now)
{
	if (c->st != CIRCUIT_HALF_OPEN)
		return;
	c->st = CIRCUIT_OPEN;
	c->open_until = now;
	c->probing = 0;
}

const char *
circuit_name(enum circuit_state st)
{
	static const char *const names[] = { "closed", "open", "half-open" };

	return (unsigned)st < 3 ? names[st] : "?";
}

/* ---- retries ---- */

/*
 * The wait before attempt `attempt` + 1: the provider's Retry-After when
 * it gave one (retry_after_ms >= 0), else exponential backoff with full
 * jitter (u uniform in [0, 1)); never more than BACKOFF_CAP_MS.
 */
long long
backoff_delay(int attempt, long long retry_after_ms, double u)
{
	long long	cap;

	if (retry_after_ms >= 0)
		return retry_after_ms > BACKOFF_CAP_MS ? BACKOFF_CAP_MS :
		    retry_after_ms;
	if (attempt < 0)
		attempt = 0;
	cap = (long long)BACKOFF_BASE_MS << (attempt < 8 ? attempt : 8);
	if (cap > BACKOFF_CAP_MS)
		cap = BACKOFF_CAP_MS;
	if (u < 0 || u >= 1)
		u = 0;
	return (long long)(u * (double)cap);
}

/*
 * A Retry-After value in either form: delta-seconds ("120", any number of
 * digits) or an HTTP-date ("Fri, 27 Nov 2026 07:00:00 GMT"), at `now`
 * (ms since the epoch).  Returns milliseconds, at most BACKOFF_CAP_MS, or
 * -1 when v is neither.
 */
long long
retry_after_parse(const char *v, long long now)
{
	struct tm	 tm;
	const char	*end;
	long long	 ms = 0;
	size_t		 i;

	if (v == NULL || *v == '\0')
		return -1;
	if (strspn(v, "0123456789") == strlen(v)) {
		/* Digits only: no overflow, however many. */
		for (i = 0; v[i] != '\0' && ms <= BACKOFF_CAP_MS; i++)
			ms = ms * 10 + (v[i] - '0');
		ms *= 1000;
		return ms > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : ms;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	ms = (long long)timegm(&tm) * 1000 - now;
	if (ms < 0)
		return 0;
	return ms > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : ms;
}

/* ---- routing ---- */

/*
 * Is candidate c in routing pass `pass` for a recipient of carrier bit
 * cbit?  0: it names the carrier; 1: it serves every carrier; 2 (only
 * when the first two found nobody at all): any provider of the channel.
 */
static int
in_pass(const struct route_cand *c, int pass, unsigned cbit)
{
	if (pass == 0)
		return (c->carriers & cbit) != 0;
	if (pass == 1)
		return c->carriers == 0;
	return 1;
}

static int
usable(const struct route_cand *c)
{
	return !c->paused && !c->open && c->weight > 0;
}

/*
 * Which of the n providers of a channel takes a recipient of carrier bit
 * cbit (0: unknown carrier)?  Providers naming the carrier first, then
 * those serving every carrier, then (when no provider is either) any.
 * Within the first pass that has one: a provider whose circuit is due
 * for its probe takes the message (so a provider covered by another still
 * gets its probe and can close); else a weighted pick (u uniform in
 * [0, 1)) among the usable ones.  When none is usable: one not paused
 * (its circuit open: the message waits for it); when all are paused,
 * *paused is set and the first is returned (the message waits for a
 * resume).  -1: n is 0.
 */
int
route_choose(const struct route_cand *c, int n, unsigned cbit, double u,
    int *paused)
{
	int	pass, i, total, pick, any = -1, waiting = -1;

	*paused = 0;
	for (pass = 0; pass < 3 && (pass < 2 || any == -1); pass++) {
		total = 0;
		for (i = 0; i < n; i++) {
			if (!in_pass(&c[i], pass, cbit))
				continue;
			if (any == -1)
				any = i;
			if (!c[i].paused && waiting == -1)
				waiting = i;
			if (!c[i].paused && c[i].probe_due)
				return i;
			if (usable(&c[i]))
				total += c[i].weight;
		}
		if (total == 0)
			continue;
		if (u < 0 || u >= 1)
			u = 0;
		pick = (int)(u * total);
		for (i = 0; i < n; i++) {
			if (!in_pass(&c[i], pass, cbit) || !usable(&c[i]))
				continue;
			if ((pick -= c[i].weight) < 0)
				return i;
		}
	}
	if (waiting != -1)
		return waiting;
	if (any != -1)
		*paused = 1;
	return any;
}

/* ---- rate ---- */

/*
 * May a message that spends `cost` send times go at `now`?  The times
 * are spent as one run: the message goes at the last of them, so that by
 * any moment the provider has had no more segments than the times that
 * have come.  A run just leased is taken in when the times held cannot
 * carry the message: joined to them when it follows on, else in their
 * place (times that cannot form a run are let go; they are never used
 * later than granted, where they would be another daemon's).  A run whose
 * last time was missed by more than `catchup` ms (a pause, a late timer)
 * loses the times gone.  RATE_LEASE: lease a run of at least `cost`.
 */
enum rate_verdict
rate_check(struct rate_slots *s, int cost, double now, double step,
    double catchup, double *until)
{
	double	go, missed;
	int	gone;

	if (cost < 1)
		cost = 1;
	if (s->tokens < cost && s->next_tokens > 0) {
		if (s->tokens > 0 &&
		    fabs(s->next_at - (s->at + s->tokens * step)) <= step / 2)
			s->tokens += s->next_tokens;
		else {
			s->tokens = s->next_tokens;
			s->at = s->next_at;
		}
		s->next_tokens = 0;
	}
	if (s->tokens < cost)
		return RATE_LEASE;
	go = s->at + (cost - 1) * step;
	if ((missed = now - catchup - go) > 0) {
		gone = (int)(missed / step) + 1;
		if (gone > s->tokens)
			gone = s->tokens;
		s->tokens -= gone;
		s->at += gone * step;
		if (s->tokens < cost)
			return s->next_tokens > 0 ?
			    rate_check(s, cost, now, step, catchup, until) :
			    RATE_LEASE;
		go = s->at + (cost - 1) * step;
	}
	if (now < go) {
		*until = go;
		return RATE_WAIT;
	}
	return RATE_GO;
}

/* The message allowed by rate_check() went: its times are spent. */
void
rate_spend(struct rate_slots *s, int cost, double step)
{
	if (cost < 1)
		cost = 1;
	if (cost > s->tokens)
		cost = s->tokens;
	s->tokens -= cost;
	s->at += cost * step;
}

/*
 * How many send times to ask for: enough for `ahead` ms, no more than
 * three times the costs queued (plus one), and never fewer than the
 * message at the head needs.
 */
int
rate_lease_size(double ahead, double step, int queued_cost, int head_cost)
{
	int	want = (int)(ahead / step) + 1;

	if (want > queued_cost * 3 + 1)
		want = queued_cost * 3 + 1;
	if (want < head_cost)
		want = head_cost;
	return want;
}

/*
 * Redis hands out send times on its own clock; a daemon spends them on
 * its own.  A reply read late (the loop was busy, the process starved)
 * must not move the times it carries: read against the moment it was
 * read, a run answered 30 ms late goes 30 ms late, on top of the next
 * daemon's run, and the provider sees twice the rate for those 30 ms.
 *
 * A command sent at our `sent` and read at our `recv` saw Redis's time
 * `rnow` in between, so Redis's time minus ours lay in [rnow - recv,
 * rnow - sent].  The estimate kept is the midpoint of the narrowest such
 * interval, its half-width the error; an estimate ages by
 * RATE_CLOCK_DRIFT ms per second (the two clocks drift, NTP slews), so a
 * fresh sample almost as narrow replaces it.  A sample that contradicts
 * the estimate (Redis's clock stepped, or another Redis answers) replaces
 * it whatever its width.
 */
#define RATE_CLOCK_DRIFT	0.001

void
rate_clock_sample(struct rate_clock *c, double sent, double recv,
    double rnow)
{
	double	lo = rnow - recv, hi = rnow - sent, err, aged;

	if (hi < lo)
		return;		/* a clock went backwards */
	err = (hi - lo) / 2;
	aged = c->err + (recv - c->t) * RATE_CLOCK_DRIFT;
	if (!c->known || err <= aged || c->off < lo - aged ||
	    c->off > hi + aged) {
		c->known = 1;
		c->off = lo + err;
		c->err = err;
		c->t = recv;
	}
}

/* Our time of Redis's time `rtime`. */
double
rate_clock_local(const struct rate_clock *c, double rtime)
{
	return rtime - c->off;
}

/* ---- the queue at a provider ---- */

void
fairq_init(struct fairq *q)
{
	int	i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < FAIRQ_PRIOS; i++)
		TAILQ_INIT(&q->flows[i]);
}

/* Queue e (of job key, priority prio, spending cost) at its job's tail. */
void
fairq_push(struct fairq *q, struct fairq_entry *e, int prio, const void *key,
    int cost)
{
	struct fairq_flow	*f;

	if (prio < 0)
		prio = 0;
	if (prio >= FAIRQ_PRIOS)
		prio = FAIRQ_PRIOS - 1;
	TAILQ_FOREACH(f, &q->flows[prio], link)
		if (f->key == key)
			break;
	if (f == NULL) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			abort();
		f->key = key;
		f->prio = prio;
		TAILQ_INIT(&f->q);
		TAILQ_INSERT_TAIL(&q->flows[prio], f, link);
	}
	e->flow = f;
	e->cost = cost;
	TAILQ_INSERT_TAIL(&f->q, e, link);
	q->n++;
	q->cost += cost;
}

/* The entry that goes next: the most urgent priority's current job's. */
struct fairq_entry *
fairq_head(const struct fairq *q)
{
	const struct fairq_flow	*f;
	int			 i;

	for (i = 0; i < FAIRQ_PRIOS; i++)
		if ((f = TAILQ_FIRST(&q->flows[i])) != NULL)
			return TAILQ_FIRST(&f->q);
	return NULL;
}

/* Take e out of the queue (anywhere); an emptied job's flow goes. */
void
fairq_remove(struct fairq *q, struct fairq_entry *e)
{
	struct fairq_flow	*f = e->flow;

	if (f == NULL)
		return;
	TAILQ_REMOVE(&f->q, e, link);
	e->flow = NULL;
	q->n--;
	q->cost -= e->cost;
	if (TAILQ_EMPTY(&f->q)) {
		TAILQ_REMOVE(&q->flows[f->prio], f, link);
		free(f);
	}
}

/*
 * e, the head, goes: out of the queue, and its job's turn passes to the
 * next job of the same priority.
 */
void
fairq_next(struct fairq *q, struct fairq_entry *e)
{
	struct fairq_flow	*f = e->flow;

	if (f == NULL)
		return;
	if (TAILQ_NEXT(e, link) == NULL || TAILQ_PREV(e, fairq_entries,
	    link) != NULL) {
		/* Its job's last, or not the head: no turn to pass on. */
		fairq_remove(q, e);
		return;
	}
	fairq_remove(q, e);
	if (TAILQ_FIRST(&q->flows[f->prio]) == f &&
	    TAILQ_NEXT(f, link) != NULL) {
		TAILQ_REMOVE(&q->flows[f->prio], f, link);
		TAILQ_INSERT_TAIL(&q->flows[f->prio], f, link);
	}
}

/* Every entry, for walks that may remove the current one (take `after` first). */
struct fairq_entry *
fairq_first(const struct fairq *q)
{
	return fairq_after(q, NULL);
}

struct fairq_entry *
fairq_after(const struct fairq *q, const struct fairq_entry *e)
{
	const struct fairq_flow	*f;
	int			 i;

	if (e != NULL) {
		if (TAILQ_NEXT(e, link) != NULL)
			return TAILQ_NEXT(e, link);
		f = e->flow;
		i = f->prio;
		for (f = TAILQ_NEXT(f, link); ; f = TAILQ_FIRST(&q->flows[i])) {
			if (f != NULL)
				return TAILQ_FIRST(&f->q);
			if (++i >= FAIRQ_PRIOS)
				return NULL;
		}
	}
	for (i = 0; i < FAIRQ_PRIOS; i++)
		if ((f = TAILQ_FIRST(&q->flows[i])) != NULL)
			return TAILQ_FIRST(&f->q);
	return NULL;
}

/* The flows left (entries are the caller's). */
void
fairq_free(struct fairq *q)
{
	struct fairq_flow	*f;
	int			 i;

	for (i = 0; i < FAIRQ_PRIOS; i++)
		while ((f = TAILQ_FIRST(&q->flows[i])) != NULL) {
			TAILQ_REMOVE(&q->flows[i], f, link);
			free(f);
		}
	q->n = 0;
	q->cost = 0;
}
