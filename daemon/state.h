/*
 * state.h -- the daemon's shared structures: the work it holds (chunks),
 * the deliveries under way and their states, the providers, the daemon
 * itself, and the hooks through which a lower module tells a higher one
 * what happened (wired once by main.c).  Every module of the daemon sees
 * them; the functions are declared in engine.h.  loactl does not see
 * this header.
 */
#ifndef LOA_STATE_H
#define LOA_STATE_H

#include <sys/queue.h>

#include "loa.h"
#include "policy.h"

struct event;
struct provider;

/* A retry kept in Redis ("r:attempt:ci:due"), found by the gate. */
struct item_retry {
	int		 attempt;	/* 0: none */
	int		 ci;		/* channel position */
	long long	 due;		/* ms */
	int		 unclear;	/* ":u": a send may have reached the
					   provider without a verdict */
};

/* A work-stream entry this daemon holds: recipients [from, to) of a job. */
enum chunk_state {
	CK_LOADING = 0,		/* waiting for the job's spec */
	CK_GATEWAIT,		/* to gate once Redis has our outcomes
				   (engine.c, gate_may_run) */
	CK_GATING,		/* gate script under way */
	CK_READY,		/* items being dispatched */
	CK_HELD,		/* all dispatched, outcomes pending */
};

struct chunk {
	TAILQ_ENTRY(chunk)	 entry;		/* in a ready or wait queue */
	TAILQ_ENTRY(chunk)	 all;		/* in loa->chunks */
	enum chunk_state	 st;
	enum loa_priority	 prio;
	char			 eid[40];	/* stream entry id */
	char			*job_id;
	struct loa_job		*job;
	int			 from;		/* explicit: first recipient */
	int			 n;		/* items */
	char			**ids;		/* directory: resident ids */
	struct loa_recipient	*rcpt;		/* directory: n residents */
	json_t			*holder;	/* directory: their strings */
	int			 next;		/* next item to dispatch */
	int			 outstanding;	/* dispatched, not final */
	int			 finished;	/* final outcome queued */
	char			*gate;		/* per item, see GATE_* */
	unsigned char		*flags;		/* per item, ITEM_* */
	struct item_retry	*retry;		/* per item, or NULL */
	int			 dispatching;	/* run_cb holds it: no free */
	int			 retrying;	/* outstanding, waiting to retry */
	int			 parked;	/* said so to Redis (ledger_park) */
	int			 turn;		/* items dispatched in its turn */
	long long		 gate_at;	/* the gate script was sent */
	long long		 owned_at;	/* Redis last said it is ours */
	int			 lost;		/* another daemon took it over */
};
TAILQ_HEAD(chunk_q, chunk);

/* The recipient of item i (0 .. n-1). */
static inline const struct loa_recipient *
chunk_rcpt(const struct chunk *ck, int i)
{
	if (ck->ids == NULL)
		return &ck->job->rcpt[ck->from + i];
	return &ck->rcpt[i];
}

/* The key of item i in the job's outcome hash: "#index" or resident id. */
static inline const char *
chunk_item(const struct chunk *ck, int i, char *buf, size_t len)
{
	if (ck->ids != NULL)
		return ck->ids[i];
	snprintf(buf, len, "#%d", ck->from + i);
	return buf;
}

#define GATE_NEW	'n'	/* no outcome: send */
#define GATE_MAYBE	'd'	/* marked in flight by a dead holder */
#define GATE_FINAL	'f'	/* has an outcome: skip */
#define GATE_SENT	's'	/* dispatched by us */

#define ITEM_OPTED_OUT	0x01	/* phone in loa:optout */
#define ITEM_DUPLICATE	0x02	/* phone used by another resident */

/*
 * Where a delivery is.  Each state has one owner, and a delivery is in
 * at most one queue, its state's:
 *
 *   DS_ROUTING    choosing its channel and provider, rendering (deliver.c;
 *                 in no queue, only ever inside one call)
 *   DS_QUEUED     waiting for its provider's send time, credentials, room
 *                 or circuit (flow.c: the provider's waitq)
 *   DS_INFLIGHT   its request is under way (provider.c / http.c)
 *   DS_RETRY      waiting for a retry's time, or for the mark that attempt
 *                 N leaves to be in Redis (deliver.c: the waiting list)
 *   DS_DONE       final outcome recorded; freed at once
 *
 * deliver_move() is the one function that changes the state.  A delivery
 * waiting to retry holds nothing but itself: no dispatch room
 * (loa->active counts the others) and no provider slot.
 */
enum delivery_state {
	DS_ROUTING = 0,
	DS_QUEUED,
	DS_INFLIGHT,
	DS_RETRY,
	DS_DONE,
};

/* One recipient of one chunk, from first channel to final outcome. */
struct delivery {
	enum delivery_state	 st;
	struct fairq_entry	 qe;		/* DS_QUEUED: provider waitq */
	TAILQ_ENTRY(delivery)	 entry;		/* DS_RETRY: waiting list */
	struct chunk		*ck;
	int			 i;		/* item of ck */
	const struct loa_recipient *rc;
	char			 item[72];	/* key in loa:job:<id>:out */
	int			 maybe_dup;	/* an earlier holder may have
						   sent it (a crash), through a
						   provider of its choosing */
	int			 copy_elsewhere; /* an unclear send went to a
						   provider that keeps no record
						   of delivery ids */
	char			 dedup_prov[64]; /* ... to this one, which
						   does: "" none */
	int			 unclear;	/* answers that said nothing
						   clear (no answer, cut short,
						   unreadable) */
	int			 ci;		/* position in job->channels */
	int			 attempt;	/* on the current channel */
	long long		 t0;		/* ms, request start */
	struct provider		*prov;
	struct loa_rendered	 r;
	struct loa_message	 msg;
	struct loa_request	 req;
	char			 did[33];
	struct event		*retry_ev;
	int			 failed_any;	/* some channel failed */
	int			 sent_once;	/* a request went out */
	int			 refreshed;	/* credentials renewed once */
	int			 cred_gen;	/* credentials it was built with */
	int			 marking;	/* in-flight mark under way */
	const char		*chname;	/* current channel */
	unsigned		 kinds_done;	/* flow_kind()s of the current
						   channel that fell back */
};
TAILQ_HEAD(delivery_q, delivery);

struct creds;

struct provider {
	struct loa_provider_conf		*conf;
	const struct loa_provider_module	*mod;
	void					*dl;	/* NULL: embedded */
	void					*state;
	struct loa_host				 host;
	unsigned				 channels; /* mask */
	FILE					*out;	/* local transport */
	char					*out_path;
	int					 inflight;
	enum loa_sms_unicode			 unicode; /* default */
	struct fairq				 waitq;	/* DS_QUEUED */
	int					 weight;
	unsigned				 carriers; /* mask, 0: all */
	int					 paused;  /* by an operator */
	int					 retired; /* by a reload */
	struct circuit				 circ;
	int					 down_said;
	long long				 published; /* circuit, ms */
	struct rate_slots			 slots;	/* send times leased */
	int					 leasing;
	long long				 lease_at;
	double					 lease_sent; /* mono ms */
	struct creds				*creds;	/* expiring tokens */
	struct {
		char	*key;
		char	*value;
	}					*secrets;
	int					 nsecrets;
};

struct loa_daemon {
	struct event_base	*base;
	struct loa_config	 cfg;
	char			 consumer[LOA_NAME_MAX + 1];
	char			*k_jobs;		/* prefixed key names */
	char			*k_work[LOA_PRIO_COUNT];
	char			*k_events;
	struct loa_redis	*rc;			/* commands */
	struct loa_redis	*rb;			/* blocking reads */
	struct provider		*providers;
	int			 nproviders;
	struct loa_provider_conf default_conf;		/* console */

	TAILQ_HEAD(, chunk)	 chunks;		/* every held chunk */
	struct chunk_q		 ready[LOA_PRIO_COUNT];
	int			 nchunks;
	int			 nlost;			/* of them, lost */
	int			 ngatewait;		/* ... in CK_GATEWAIT */
	int			 chunks_requested; /* reads under way */
	int			 active;		/* live deliveries, not
							   waiting to retry */
	int			 retrying;		/* waiting to retry */
	int			 inflight;		/* in a transport */

	int			 draining;		/* SIGTERM seen */
	long long		 drain_deadline;
	int			 handed_back;
	struct event		*ev_cron;
	long long		 last_claim, last_touch, last_promote;
	long long		 last_poll;
	long long		 last_watchdog, last_status;
};

extern struct loa_daemon *loa;

/*
 * May the items of ck go out?  Only while Redis said recently enough that
 * its entry is ours: a daemon that was frozen (or cut off from Redis)
 * past 3/4 of the claim timeout first asks again (engine_touch), since
 * another daemon may have claimed the entry and sent its items meanwhile.
 */
static inline int
engine_chunk_owned(const struct chunk *ck)
{
	return !ck->lost &&
	    loa_now_ms() - ck->owned_at <= loa->cfg.claim_timeout_ms * 3 / 4;
}

/* Has d's job passed its expires_at? */
static inline int
delivery_expired(const struct delivery *d)
{
	return d->ck->job->expires_at_ms != 0 &&
	    loa_now_ms() >= d->ck->job->expires_at_ms;
}

/*
 * What became of an HTTP request (http.c): never sent; answered in full;
 * or it left and no clear answer came (it may have reached the provider).
 */
enum http_fate {
	HF_ANSWERED = 0,
	HF_NOT_SENT,		/* refused or no connection: it never left */
	HF_NO_ANSWER,		/* closed or reset after it left */
	HF_TIMEOUT,		/* no answer in time after it left */
	HF_BAD_ANSWER,		/* an answer cut short or too large */
};
typedef void (*http_cb)(const struct loa_response *, enum http_fate,
	    void *);

/* What deliver.c tells the engine of a chunk's items (main.c wires it). */
struct deliver_hooks {
	void	(*item_final)(struct chunk *);	/* an item is final */
	void	(*retrying)(struct chunk *);	/* an item waits to retry */
};

/* What provider.c tells of its requests (main.c wires it). */
struct provider_hooks {
	void	(*answer)(struct delivery *, const struct loa_response *,
		    enum http_fate);		/* the answer, or its lack */
	void	(*abandoned)(struct delivery *); /* given up at a stop */
	void	(*room)(struct provider *);	/* a request slot came free */
	void	(*retired)(struct provider *);	/* a reload replaced it */
};

/* What flow.c asks of the deliveries it queues (main.c wires deliver.c's). */
struct flow_ops {
	void	(*go)(struct delivery *);	/* its time came: send it */
	void	(*gone)(struct delivery *);	/* expired or cancelled, queued */
	void	(*drop)(struct delivery *);	/* left unsent: chunk lost, stop */
	void	(*move)(struct delivery *, struct provider *);
					/* to another provider; NULL: anew */
};

/* One event of a delivery, as ledger_event() logs and records it. */
struct outcome {
	const char	*job;
	const char	*item;
	const char	*ward;
	const char	*resident;
	const char	*channel;
	const char	*provider;
	const char	*to;		/* full number; masked when written */
	int		 to_shown;	/* to is as the log shows it already */
	const char	*status;	/* SPEC "Delivery log" statuses */
	const char	*reason;
	const char	*provider_id;
	int		 attempt;
	int		 http;
	long long	 ms;
	int		 segments;	/* sms, 0 otherwise */
	int		 keep_id;	/* index provider_id for reports */
	const char	*encoding;
};

/* What became of a delivery report (report.c), for the log and metrics. */
enum report_result {
	REPORT_APPLIED = 0,	/* the delivery moved to delivered/failed */
	REPORT_FINAL,		/* it was final already (replay) */
	REPORT_EARLY,		/* its send is not recorded yet: kept */
	REPORT_GONE,		/* the job's records have expired */
	REPORT_UNMATCHED,	/* kept too long without a match: dropped */
	REPORT_BAD_SIGNATURE,	/* refused: not shown to be the provider's */
	REPORT_MALFORMED,	/* refused: unreadable */
	REPORT_DROPPED,		/* kept early, dropped: the queue was full */
	REPORT_BAD_ID,		/* refused: its message id breaks the rule */
	REPORT_RESULTS
};

#endif
