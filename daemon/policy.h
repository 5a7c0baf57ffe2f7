/*
 * policy.h -- the delivery engine's decisions as pure functions: the
 * circuit breaker, the backoff before a retry, Retry-After, the choice of
 * a provider, a provider's send times (rate), and the queue of messages
 * waiting at a provider.  None of them touches Redis, the event loop or
 * the clock: the caller passes the time in, so each is unit-tested on its
 * own (tests/unit/test_policy.c).
 */
#ifndef LOA_POLICY_H
#define LOA_POLICY_H

#include <sys/queue.h>

/* ---- circuit breaker ---- */

enum circuit_state {
	CIRCUIT_CLOSED = 0,	/* requests flow */
	CIRCUIT_OPEN,		/* failing: nothing sent until open_until */
	CIRCUIT_HALF_OPEN,	/* one probe request decides */
};

/* What one answer says about the provider's health. */
enum circuit_verdict {
	CV_GOOD = 0,		/* a sensible answer, whatever it said */
	CV_FAIL,		/* no answer, or 5xx */
	CV_DOWN,		/* the provider cannot work (keys, balance) */
	CV_NEUTRAL,		/* 429 and alike: says nothing of health */
};

/* What circuit_result() changed, for the log. */
enum circuit_change {
	CC_NONE = 0,
	CC_OPENED,		/* closed -> open */
	CC_REOPENED,		/* a probe failed: open again, longer */
	CC_CLOSED,		/* a good answer closed it */
};

struct circuit {
	enum circuit_state	 st;
	int			 failures;	/* in a row */
	double			 fail_avg;	/* moving average of failures */
	long long		 open_until;	/* ms */
	long long		 open_ms;	/* the current hold */
	int			 probing;	/* half-open: the probe left */
};

#define CIRCUIT_FAIL_OPEN	8	/* failures in a row ... */
#define CIRCUIT_FAIL_RATIO	0.5	/* ... and this share of recent ones */
#define CIRCUIT_AVG_WEIGHT	0.1	/* of one answer in fail_avg */
#define CIRCUIT_OPEN_MIN_MS	1000
#define CIRCUIT_OPEN_MAX_MS	30000
#define CIRCUIT_OPEN_DOWN_MS	60000

enum circuit_change circuit_result(struct circuit *, enum circuit_verdict,
	    long long);
int	 circuit_probe_due(const struct circuit *, long long);
int	 circuit_may_send(struct circuit *, long long);
void	 circuit_probe_sent(struct circuit *);
void	 circuit_probe_lost(struct circuit *, long long);
const char *circuit_name(enum circuit_state);

/* ---- retries ---- */

#define BACKOFF_BASE_MS	100
#define BACKOFF_CAP_MS	60000	/* also the cap of a Retry-After */

long long backoff_delay(int, long long, double);
long long retry_after_parse(const char *, long long);

/* ---- routing ---- */

/* One provider of the channel as routing sees it. */
struct route_cand {
	unsigned	 carriers;	/* mask of enum loa_carrier, 0: all */
	int		 weight;
	int		 paused;	/* by an operator */
	int		 open;		/* circuit open or half-open */
	int		 probe_due;	/* open, and its probe may go now */
};

int	 route_choose(const struct route_cand *, int, unsigned, double, int *);

/* ---- rate: a provider's send times ---- */

/*
 * The send times a daemon holds for one provider: `tokens` times, the
 * first at `at` and each next one `step` ms later, and a second run just
 * leased (`next_tokens` from `next_at`) to follow them.
 */
struct rate_slots {
	int	 tokens;
	double	 at;
	int	 next_tokens;
	double	 next_at;
};

enum rate_verdict {
	RATE_GO = 0,		/* send now, then rate_spend() */
	RATE_WAIT,		/* not before *until */
	RATE_LEASE,		/* lease at least `cost` more times first */
};

enum rate_verdict rate_check(struct rate_slots *, int, double, double,
	    double, double *);
void	 rate_spend(struct rate_slots *, int, double);
int	 rate_lease_size(double, double, int, int);

/*
 * Redis's clock as seen from a daemon's monotonic clock: `off` is Redis's
 * time minus ours (ms), known to within `err` ms as of our time `t`.
 */
struct rate_clock {
	int	 known;
	double	 off;
	double	 err;
	double	 t;
};

void	 rate_clock_sample(struct rate_clock *, double, double, double);
double	 rate_clock_local(const struct rate_clock *, double);

/* ---- the queue of messages waiting at a provider ---- */

/*
 * Messages waiting for a provider's send times, by priority (urgent
 * first), and within a priority by job in turn: each job's messages in
 * arrival order, and the jobs served one message each, round-robin, so
 * a small job is not held behind a large one.  An entry is embedded in
 * the caller's struct; `key` names its job (compared as a pointer).
 */
#define FAIRQ_PRIOS	3

struct fairq_flow;
struct fairq_entry {
	TAILQ_ENTRY(fairq_entry)	 link;
	struct fairq_flow		*flow;	/* NULL: not queued */
	int				 cost;
};
TAILQ_HEAD(fairq_entries, fairq_entry);
struct fairq_flow {
	TAILQ_ENTRY(fairq_flow)	 link;
	const void		*key;
	int			 prio;
	struct fairq_entries	 q;
};
TAILQ_HEAD(fairq_flows, fairq_flow);
struct fairq {
	struct fairq_flows	 flows[FAIRQ_PRIOS];
	int			 n;		/* entries */
	int			 cost;		/* their costs, added */
};

void	 fairq_init(struct fairq *);
void	 fairq_push(struct fairq *, struct fairq_entry *, int, const void *,
	    int);
struct fairq_entry *fairq_head(const struct fairq *);
void	 fairq_remove(struct fairq *, struct fairq_entry *);
void	 fairq_next(struct fairq *, struct fairq_entry *);
struct fairq_entry *fairq_first(const struct fairq *);
struct fairq_entry *fairq_after(const struct fairq *,
	    const struct fairq_entry *);
void	 fairq_free(struct fairq *);

#endif
