/*
 * test_policy.c -- unit tests of policy.c, the delivery engine's decisions
 * without Redis or an event loop: the circuit breaker (random errors keep
 * it closed, an outage opens it, a probe closes it), backoff and
 * Retry-After (capped, absurd values), routing (carriers, a due probe
 * taken even while another provider covers), the rate (a seeded random
 * simulation: N-segment messages at 1/s to 5,000/s are all sent, each
 * at its last send time, and no window sees more than the times leased),
 * and the fair queue (urgent first, jobs in turn).
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

static void
test_circuit(void)
{
	struct circuit	c;
	long long	now = 1000000;
	int		i, opened = 0;
	unsigned	x = 12345;

	/* 10 % failures at random, 200,000 answers: never opens. */
	memset(&c, 0, sizeof(c));
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		if (circuit_result(&c, (x >> 16) % 100 < 10 ? CV_FAIL :
		    CV_GOOD, now) == CC_OPENED)
			opened++;
	}
	is_int(opened, 0, "10 %% random failures never open the circuit");

	/* An outage: opens after CIRCUIT_FAIL_OPEN failures in a row. */
	(void)circuit_result(&c, CV_GOOD, now);
	for (i = 0; i < CIRCUIT_FAIL_OPEN - 1; i++)
		is_int(circuit_result(&c, CV_FAIL, now), CC_NONE,
		    "failure %d of an outage: still closed", i + 1);
	is_int(circuit_result(&c, CV_FAIL, now), CC_OPENED,
	    "failure %d opens it", CIRCUIT_FAIL_OPEN);
	is_int(c.open_ms, CIRCUIT_OPEN_MIN_MS, "for the shortest hold");
	ok(!circuit_may_send(&c, now + 10), "open: nothing goes");
	ok(!circuit_probe_due(&c, now + 10), "no probe before the hold ends");
	ok(circuit_probe_due(&c, now + CIRCUIT_OPEN_MIN_MS),
	    "a probe is due when it ends");
	is_int(circuit_result(&c, CV_FAIL, now + 5), CC_NONE,
	    "a late failure while open changes nothing");
	ok(circuit_may_send(&c, now + CIRCUIT_OPEN_MIN_MS),
	    "the probe may go");
	is_int(c.st, CIRCUIT_HALF_OPEN, "half-open");
	circuit_probe_sent(&c);
	ok(!circuit_may_send(&c, now + CIRCUIT_OPEN_MIN_MS),
	    "nothing else while the probe is out");
	is_int(circuit_result(&c, CV_FAIL, now + 2000), CC_REOPENED,
	    "a failed probe opens it again");
	is_int(c.open_ms, 2 * CIRCUIT_OPEN_MIN_MS, "for twice as long");
	for (i = 0; i < 10; i++) {
		(void)circuit_may_send(&c, c.open_until);
		circuit_probe_sent(&c);
		(void)circuit_result(&c, CV_FAIL, c.open_until);
	}
	is_int(c.open_ms, CIRCUIT_OPEN_MAX_MS, "doubling stops at the cap");
	(void)circuit_may_send(&c, c.open_until);
	circuit_probe_sent(&c);
	is_int(circuit_result(&c, CV_NEUTRAL, c.open_until), CC_NONE,
	    "a 429 says nothing");
	is_int(circuit_result(&c, CV_GOOD, c.open_until), CC_CLOSED,
	    "the first good answer closes it");
	ok(circuit_may_send(&c, now), "closed: requests flow");

	/* A provider-down verdict opens at once, for long, and a probe lost
	 * before it left makes the next one due. */
	is_int(circuit_result(&c, CV_DOWN, now), CC_OPENED,
	    "provider down opens at once");
	is_int(c.open_ms, CIRCUIT_OPEN_DOWN_MS, "for the down hold");
	ok(circuit_may_send(&c, now + CIRCUIT_OPEN_DOWN_MS), "probe");
	circuit_probe_lost(&c, now + CIRCUIT_OPEN_DOWN_MS + 1);
	ok(circuit_probe_due(&c, now + CIRCUIT_OPEN_DOWN_MS + 1),
	    "a lost probe: the next is due at once");
	is_int(circuit_result(&c, CV_GOOD, now), CC_CLOSED,
	    "a good answer closes even an open circuit");
	ok(strcmp(circuit_name(CIRCUIT_HALF_OPEN), "half-open") == 0,
	    "names");
}

static void
test_backoff(void)
{
	long long	d;
	int		a;

	is_int(backoff_delay(1, 2000, 0.5), 2000, "Retry-After is taken");
	is_int(backoff_delay(1, 99999999, 0.5), BACKOFF_CAP_MS,
	    "a long Retry-After is capped");
	is_int(backoff_delay(1, -1, 0), 0, "full jitter: from 0");
	for (a = 0; a < 40; a++) {
		d = backoff_delay(a, -1, 0.999999);
		ok(d >= 0 && d <= BACKOFF_CAP_MS, "attempt %d: %lld ms within "
		    "the cap", a, d);
	}
	is_int(backoff_delay(1, -1, 0.999999), 2 * BACKOFF_BASE_MS - 1,
	    "attempt 1: under twice the base");
	is_int(retry_after_parse("120", 0), BACKOFF_CAP_MS,
	    "120 s is capped at the backoff maximum");
	is_int(retry_after_parse("7", 0), 7000, "7 s");
	is_int(retry_after_parse("0", 0), 0, "0");
	is_int(retry_after_parse("99999999999999999999", 0), BACKOFF_CAP_MS,
	    "20 digits: capped, no overflow");
	is_int(retry_after_parse("999999999999999999999999999999999999", 0),
	    BACKOFF_CAP_MS, "36 digits too");
	is_int(retry_after_parse("-5", 0), -1, "negative: ignored");
	is_int(retry_after_parse("", 0), -1, "empty: ignored");
	is_int(retry_after_parse(NULL, 0), -1, "absent: ignored");
	is_int(retry_after_parse("soon", 0), -1, "words: ignored");
	is_int(retry_after_parse("Fri, 27 Nov 2026 07:00:05 GMT",
	    1795762800000LL), 5000, "an HTTP-date 5 s ahead");
	is_int(retry_after_parse("Fri, 27 Nov 2026 06:00:00 GMT",
	    1795762800000LL), 0, "an HTTP-date in the past: 0");
	is_int(retry_after_parse("Fri, 27 Nov 2026 09:00:00 GMT",
	    1795762800000LL), BACKOFF_CAP_MS, "far ahead: capped");
}

static void
test_route(void)
{
	struct route_cand	c[3];
	int			paused, k, i, n0 = 0;

	memset(c, 0, sizeof(c));
	/* 0: Vinaphone only; 1: every carrier. */
	c[0].carriers = 1u << 3;
	c[0].weight = 1;
	c[1].weight = 1;
	is_int(route_choose(c, 2, 1u << 3, 0.9, &paused), 0,
	    "a provider naming the carrier first");
	is_int(route_choose(c, 2, 1u << 1, 0.1, &paused), 1,
	    "other carriers to the one serving all");
	c[0].open = 1;
	is_int(route_choose(c, 2, 1u << 3, 0.1, &paused), 1,
	    "its circuit open: the other covers");
	c[0].probe_due = 1;
	is_int(route_choose(c, 2, 1u << 3, 0.9, &paused), 0,
	    "its probe due: it gets the message although covered");
	c[0].paused = 1;
	is_int(route_choose(c, 2, 1u << 3, 0.9, &paused), 1,
	    "paused: no probe");
	is_int(paused, 0, "not all paused");
	c[1].paused = 1;
	is_int(route_choose(c, 2, 1u << 3, 0.9, &paused), 0,
	    "all paused: the first, waiting");
	is_int(paused, 1, "and says so");
	memset(c, 0, sizeof(c));
	c[0].weight = 3;
	c[1].weight = 1;
	c[2].weight = 0;
	for (i = 0; i < 100; i++)
		if ((k = route_choose(c, 3, 0, i / 100.0, &paused)) == 0)
			n0++;
	is_int(n0, 75, "by weight: 3 to 1, weight 0 never");
	is_int(route_choose(c, 0, 0, 0.5, &paused), -1, "no provider");
}

/*
 * The rate, simulated: a provider at `rate`, messages of random segment
 * counts queued, time moving in steps of up to a few ms; leases come back
 * at once with the next run of Redis's times (as loa_script_rate gives
 * them, with `need` honoured).  Every message must go, none before its
 * last time, and no window of a second may see more segments than the
 * times in it plus the largest message.
 */
static int
simulate(unsigned seed, double rate, int nmsg, int maxseg)
{
	struct rate_slots s;
	double		 step = 1000.0 / rate, now = 0, tat = 0, until;
	double		*sent_at;
	int		*cost, i = 0, fails = 0, guard = 0, n, want, j, k;
	enum rate_verdict v;

	srand(seed);
	memset(&s, 0, sizeof(s));
	sent_at = calloc(nmsg, sizeof(*sent_at));
	cost = calloc(nmsg, sizeof(*cost));
	for (j = 0; j < nmsg; j++)
		cost[j] = 1 + rand() % maxseg;
	while (i < nmsg && guard++ < 10000000) {
		v = rate_check(&s, cost[i], now, step, 5.0, &until);
		if (v == RATE_GO) {
			rate_spend(&s, cost[i], step);
			sent_at[i++] = now;
			continue;
		}
		if (v == RATE_LEASE && s.next_tokens == 0) {
			if (tat < now)
				tat = now;
			want = rate_lease_size(50, step, cost[i] * 4, cost[i]);
			n = (int)((now + 50 - tat) / step) + 1;
			if (n > want)
				n = want;
			if (n < 0)
				n = 0;
			if (n > 0 && n < cost[i])
				n = cost[i];
			if (n > 0) {
				s.next_tokens = n;
				s.next_at = tat;
				tat += n * step;
				continue;
			}
			now = tat - 50 + 0.001;
			continue;
		}
		/* Timers fire a little late now and then. */
		now = (v == RATE_WAIT ? until : now + 1) +
		    (rand() % 10 == 0 ? (rand() % 3) : 0);
	}
	if (i < nmsg)
		fails++;
	/* Segments per 1 s window, sliding, at each send. */
	for (j = 0; j < i && !fails; j++) {
		int segs = 0;
		for (k = j; k < i && sent_at[k] < sent_at[j] + 1000; k++)
			segs += cost[k];
		if (segs > rate * 1.0 + maxseg + 1)
			fails++;
	}
	free(sent_at);
	free(cost);
	return fails == 0 ? i : -1;
}

/*
 * Redis's clock on ours: a reply read late moves nothing; the estimate
 * ages and is replaced by a fresh narrow sample, and at once by one that
 * contradicts it (a clock stepped, another server).  Then, seeded: with
 * answers read up to 40 ms late half the time, the estimate always lies
 * within its own error of the truth, and that error is small.
 */
static void
test_rate_clock(void)
{
	struct rate_clock c;
	double		  truth = 123456.789, sent, recv, up, down, worst = 0;
	unsigned	  seed = 20261205;
	int		  i, bad = 0;

	memset(&c, 0, sizeof(c));
	rate_clock_sample(&c, 100, 101, 1000);
	ok(c.known && fabs(c.off - 899.5) < 1e-9 && fabs(c.err - 0.5) < 1e-9,
	    "first sample: the midpoint (%.3f), half its width (%.3f)",
	    c.off, c.err);
	rate_clock_sample(&c, 200, 240, 1100.3);
	ok(fabs(rate_clock_local(&c, 1110) - 210.5) < 1e-9,
	    "an answer read 39 ms late: its times where Redis meant them "
	    "(%.3f, not 249.7)", rate_clock_local(&c, 1110));
	rate_clock_sample(&c, 10000, 10001.2, 10899.6);
	ok(fabs(c.off - 899.0) < 1e-9,
	    "ten seconds on, a slightly wider fresh sample replaces it (%.3f)",
	    c.off);
	rate_clock_sample(&c, 20000, 20030, 25899);
	ok(fabs(c.off - 5884) < 1e-9,
	    "Redis's clock stepped 5 s: a wide sample that contradicts the "
	    "estimate replaces it (%.3f)", c.off);
	rate_clock_sample(&c, 20100, 20100.4, 25999.2);
	ok(fabs(c.off - 5899) < 1e-9 && c.err < 0.25,
	    "and the next narrow one sharpens it (%.3f +- %.3f)", c.off,
	    c.err);

	srand(seed);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < 5000; i++) {
		sent = i * 25.0;
		up = rand() % 200 / 1000.0;
		down = rand() % 200 / 1000.0;
		if (rand() % 2)
			down += rand() % 40000 / 1000.0;
		recv = sent + up + down;
		rate_clock_sample(&c, sent, recv, sent + up + truth);
		if (fabs(c.off - truth) > c.err + 1e-6)
			bad++;
		if (i > 100 && c.err > worst)
			worst = c.err;
	}
	ok(bad == 0, "seed %u: the estimate always within its error of the "
	    "truth (%d times not)", seed, bad);
	ok(worst < 0.25, "seed %u: and that error under 0.25 ms (%.3f)",
	    seed, worst);
}

static void
test_rate(void)
{
	static const double rates[] = { 1, 3, 10, 15, 30, 50, 500, 5000 };
	unsigned	seed = 20261204;
	size_t		r;
	int		seg, n;

	for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++)
		for (seg = 1; seg <= 10; seg += (seg < 4 ? 1 : 3)) {
			n = rates[r] < 10 ? 6 : 60;
			is_int(simulate(seed++, rates[r], n, seg), n,
			    "rate %.0f/s, up to %d segments: all %d sent, "
			    "within the rate (seed %u)", rates[r], seg, n,
			    seed - 1);
		}
}

static void
test_rate_check(void)
{
	struct rate_slots s;
	double		  until = 0;

	memset(&s, 0, sizeof(s));
	is_int(rate_check(&s, 3, 0, 100, 5, &until), RATE_LEASE,
	    "no times: lease");
	s.next_tokens = 3;
	s.next_at = 10;
	is_int(rate_check(&s, 3, 0, 100, 5, &until), RATE_WAIT,
	    "3 times leased for 3 segments: wait");
	ok(until == 210, "until the last of them (%.0f)", until);
	is_int(rate_check(&s, 3, 150, 100, 5, &until), RATE_WAIT,
	    "the times it waits for are not dropped meanwhile");
	is_int(s.tokens, 3, "all three held");
	is_int(rate_check(&s, 3, 211, 100, 5, &until), RATE_GO, "then go");
	rate_spend(&s, 3, 100);
	is_int(s.tokens, 0, "spent");
	s.tokens = 2;
	s.at = 300;
	s.next_tokens = 4;
	s.next_at = 900;
	is_int(rate_check(&s, 3, 300, 100, 5, &until), RATE_WAIT,
	    "two held, a run later: they cannot form a run");
	is_int(s.tokens, 4, "the later run replaces them");
	ok(until == 1100, "and the message waits for it (%.0f)", until);
	memset(&s, 0, sizeof(s));
	s.tokens = 5;
	s.at = 0;
	is_int(rate_check(&s, 1, 250, 100, 5, &until), RATE_WAIT,
	    "missed times are dropped, the next one waits for its own");
	is_int(s.tokens, 2, "three missed");
	ok(until == 300, "at 300 (%.0f)", until);
	is_int(rate_check(&s, 1, 302, 100, 5, &until), RATE_GO,
	    "a little late is still in time");
	is_int(rate_lease_size(50, 100, 0, 7), 7, "a lease covers the head");
	is_int(rate_lease_size(50, 0.2, 2, 1), 7, "and no more than queued");
}

struct item {
	struct fairq_entry	e;
	int			id;
};

static void
test_fairq(void)
{
	struct fairq		 q;
	struct item		 big[6], small[2], urgent;
	struct fairq_entry	*e;
	char			 order[32];
	int			 i, n = 0, jobA, jobB, jobC;

	fairq_init(&q);
	for (i = 0; i < 6; i++) {
		big[i].id = 'A';
		fairq_push(&q, &big[i].e, 1, &jobA, 1);
	}
	for (i = 0; i < 2; i++) {
		small[i].id = 'b';
		fairq_push(&q, &small[i].e, 1, &jobB, 2);
	}
	urgent.id = 'U';
	fairq_push(&q, &urgent.e, 0, &jobC, 1);
	is_int(q.n, 9, "nine queued");
	is_int(q.cost, 11, "their costs");
	while ((e = fairq_head(&q)) != NULL && n < 31) {
		order[n++] = (char)((struct item *)(void *)e)->id;
		fairq_next(&q, e);
	}
	order[n] = '\0';
	ok(strcmp(order, "UAbAbAAAA") == 0, "urgent first, then the jobs in "
	    "turn (%s)", order);
	is_int(q.n, 0, "empty");
	for (i = 0; i < 3; i++)
		fairq_push(&q, &big[i].e, 2, &jobA, 1);
	fairq_push(&q, &small[0].e, 2, &jobB, 1);
	n = 0;
	for (e = fairq_first(&q); e != NULL; e = fairq_after(&q, e))
		n++;
	is_int(n, 4, "a walk sees every entry");
	fairq_remove(&q, &big[1].e);
	fairq_remove(&q, &small[0].e);
	is_int(q.n, 2, "removed from the middle");
	fairq_free(&q);
}

int
main(void)
{
	test_circuit();
	test_backoff();
	test_route();
	test_rate_check();
	test_rate();
	test_rate_clock();
	test_fairq();
	return tap_done();
}
