/*
 * engine.h -- the daemon's own structures: the work it holds, the
 * deliveries under way, the providers, and the modules that move them.
 * loactl does not see this header.
 *
 * How work flows (one event loop, no threads):
 *
 *   loa:jobs --ingest.c--> accept/reject script --> loa:work:<priority>
 *   loa:work:* --ingest.c--> struct chunk (a range of recipients)
 *   chunk --engine.c: load job, gate script--> items to send
 *   item --deliver.c: channel, render, provider--> provider.c transport
 *   outcome --ledger.c--> delivery log line + record script (batched)
 */
#ifndef LOA_ENGINE_H
#define LOA_ENGINE_H

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
	long long		 gate_at;	/* the gate script was sent */
	long long		 owned_at;	/* Redis last said it is ours */
	int			 lost;		/* another daemon took it over */
};
TAILQ_HEAD(chunk_q, chunk);

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
	int			 maybe_dup;	/* a send may have reached the
						   provider without a verdict */
	int			 unclear;	/* an answer said nothing
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
	char			 consumer[128];
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
	int			 chunks_requested; /* reads under way */
	int			 active;		/* live deliveries, not
							   waiting to retry */
	int			 retrying;		/* waiting to retry */
	int			 inflight;		/* in a transport */

	int			 draining;		/* SIGTERM seen */
	long long		 drain_deadline;
	int			 handed_back;
	struct event		*ev_run;
	struct event		*ev_cron;
	long long		 last_claim, last_touch, last_promote;
	long long		 last_poll;
	long long		 last_watchdog, last_status;
};

extern struct loa_daemon *loa;

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

/* engine.c */
void	 engine_init(void);
void	 engine_free(void);
int	 engine_want_chunks(void);
int	 engine_room(int);
int	 engine_holds(enum loa_priority, const char *);
void	 engine_chunk_add(enum loa_priority, const char *, const char *,
	    int, int, const char *);
const struct loa_recipient *chunk_rcpt(const struct chunk *, int);
const char *chunk_item(const struct chunk *, int, char *, size_t);
void	 engine_kick(void);
void	 engine_item_final(struct chunk *);
void	 engine_touch(void);
void	 engine_handback_all(void);
int	 engine_idle(void);
int	 engine_settled(void);
void	 engine_redis_up(void);
void	 engine_poll_cancel(void);

/* deliver.c */
void	 deliver_start(struct chunk *, int);
void	 deliver_move(struct delivery *, enum delivery_state);
void	 deliver_answer(struct delivery *, const struct loa_response *,
	    enum http_fate);
void	 deliver_abort_waiting(void);
int	 deliver_waiting_count(void);
void	 deliver_go(struct delivery *);
void	 deliver_resend(struct delivery *, struct provider *);
void	 deliver_reroute(struct delivery *);
int	 deliver_expired(const struct delivery *);
void	 deliver_expire(struct delivery *);
void	 deliver_abort(struct delivery *);
void	 deliver_final(struct chunk *, int, const char *, const char *,
	    const char *, const char *);

/* provider.c */
int	 provider_load_all(struct loa_config *, int);
void	 provider_free_all(void);
int	 provider_reload(struct loa_config *);
void	 provider_reap(void);
void	 provider_start(struct provider *, struct delivery *);
void	 provider_abandon_all(void);
void	 provider_reopen(void);

/* flow.c */
struct provider *flow_route(enum loa_channel, const struct loa_recipient *,
	    const struct provider *, int *);
int	 flow_channel_open(enum loa_channel);
void	 flow_submit(struct provider *, struct delivery *);
void	 flow_pump(struct provider *);
void	 flow_pump_all(void);
void	 flow_result(struct provider *, const struct loa_response *,
	    const struct loa_result *);
void	 flow_poll(void);
void	 flow_abort_all(void);
int	 flow_cost(const struct delivery *);
int	 flow_usable(const struct provider *);
void	 flow_unqueue(struct provider *, struct delivery *);
void	 flow_empty(struct provider *, void (*)(struct delivery *));
void	 flow_unpublish(void);

/* creds.c */
void	 creds_init(struct provider *);
void	 creds_free(struct provider *);
int	 creds_ready(struct provider *);
void	 creds_refresh(struct provider *, int);
int	 creds_gen(const struct provider *);
void	 creds_tick(void);

/* http.c */
int	 http_init(void);
void	 http_free(void);
void	 http_abandon_all(void (*)(http_cb, void *));
void	 http_request(struct provider *, const struct loa_request *, http_cb,
	    void *);

/* expand.c */
void	 expand_add(enum loa_priority, const char *, const char *, int,
	    const char *, const char *);
int	 expand_holds(enum loa_priority, const char *);
int	 expand_count(void);
void	 expand_touch(struct loa_argv *);
int	 engine_chunk_owned(const struct chunk *);
void	 flow_drop_chunk(const struct chunk *);
void	 deliver_drop_chunk(const struct chunk *);
void	 expand_handback_all(void);

/* ingest.c */
void	 ingest_init(void);
void	 ingest_redis_up(struct loa_redis *, void *);
void	 ingest_redis_down(struct loa_redis *, void *);
void	 ingest_claim(void);
void	 ingest_promote(void);
void	 ingest_kick(void);
int	 ingest_idle(void);

/* ledger.c */
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
void	 ledger_init(void);
void	 ledger_free(void);
void	 ledger_event(const struct outcome *, int);
unsigned long ledger_ack(const char *, const char *, const char *);
int	 ledger_recorded(unsigned long);
void	 ledger_retry_mark(const char *, const char *, int, int, long long,
	    int);
int	 ledger_mark_inflight(const char *, const char *, int, loa_redis_cb,
	    void *);
int	 ledger_flush_then(loa_redis_cb, void *);
void	 ledger_forget(void *);
void	 ledger_handback(const char *, const char *, const char *,
	    const char *const *, int);
void	 ledger_flush(void);
int	 ledger_idle(void);
int	 ledger_backlog(void);
void	 ledger_retry(void);
void	 ledger_replay(void);

/* metrics.c */
/* What became of a delivery report (report.c), for the log and metrics. */
enum report_result {
	REPORT_APPLIED = 0,	/* the delivery moved to delivered/failed */
	REPORT_FINAL,		/* it was final already (replay) */
	REPORT_EARLY,		/* its send is not recorded yet: kept */
	REPORT_GONE,		/* the job's records have expired */
	REPORT_UNMATCHED,	/* kept too long without a match: dropped */
	REPORT_BAD_SIGNATURE,	/* refused: not shown to be the provider's */
	REPORT_MALFORMED,	/* refused: unreadable */
	REPORT_RESULTS
};
int	 report_argv(struct loa_argv *, const char *,
	    const struct loa_report *, int);
int	 report_results(const struct redisReply *, int, int *);
void	 report_sweep(void);
const char *report_result_name(enum report_result);

void	 metrics_event(const char *, const char *, const char *);
void	 metrics_report(const char *, enum report_result);
void	 metrics_latency(const struct provider *, long long);
void	 metrics_poll(void);
void	 metrics_write(struct loa_buf *);
void	 metrics_free(void);

/* dlog.c */
int	 dlog_open(const char *);
void	 dlog_write(const char *, size_t);
void	 dlog_flush(void);
void	 dlog_reopen(void);
void	 dlog_close(void);

/* notify.c */
void	 notify_init(void);
void	 notify_send(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
long long notify_watchdog_ms(void);
void	 notify_free(void);

/* httpd.c */
int	 httpd_init(char *, size_t);
void	 httpd_free(void);
int	 httpd_token_read(const char *, char **, char *, size_t);
void	 httpd_token_set(char *);

#endif
