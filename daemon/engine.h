/*
 * engine.h -- the prototypes of the daemon's modules, grouped by the file
 * that defines them; their shared structures are in state.h.  loactl does
 * not see this header.
 *
 * How work flows (one event loop, no threads):
 *
 *   loa:jobs --ingest.c--> accept/reject script --> loa:work:<priority>
 *   loa:work:* --ingest.c--> struct chunk (a range of recipients)
 *   chunk --engine.c: load job, gate script--> items to send
 *   item --deliver.c: channel, render, provider--> flow.c queue
 *        --> provider.c transport --> http.c
 *   outcome --ledger.c--> delivery log line + record script (batched)
 *
 * Calls point down that list; what a lower module tells a higher one
 * goes through the hooks main.c wires (state.h) or wake.c.
 */
#ifndef LOA_ENGINE_H
#define LOA_ENGINE_H

#include "state.h"

/* engine.c */
void	 engine_cache_expire(void);
void	 engine_init(void);
void	 engine_free(void);
int	 engine_want_chunks(void);
int	 engine_room(int);
int	 engine_holds(enum loa_priority, const char *);
void	 engine_chunk_add(enum loa_priority, const char *, const char *,
	    int, int, const char *);
void	 engine_item_final(struct chunk *);
void	 engine_chunk_retrying(struct chunk *);
void	 engine_touch(void);
void	 engine_handback_all(void);
int	 engine_idle(void);
int	 engine_settled(void);
void	 engine_redis_up(void);
void	 engine_poll_cancel(void);

/* deliver.c */
void	 deliver_init(const struct deliver_hooks *);
void	 deliver_start(struct chunk *, int);
void	 deliver_moved(struct delivery *, struct provider *);
void	 deliver_abandoned(struct delivery *);
void	 deliver_move(struct delivery *, enum delivery_state);
void	 deliver_answer(struct delivery *, const struct loa_response *,
	    enum http_fate);
void	 deliver_abort_waiting(void);
void	 deliver_sweep_waiting(void);
void	 deliver_go(struct delivery *);
void	 deliver_resend(struct delivery *, struct provider *);
void	 deliver_reroute(struct delivery *);
void	 deliver_expire(struct delivery *);
void	 deliver_abort(struct delivery *);
void	 deliver_final(struct chunk *, int, const char *, const char *,
	    const char *, const char *);

/* provider.c */
void	 provider_hooks_set(const struct provider_hooks *);
int	 provider_load_all(struct loa_config *, int);
int	 provider_check_secrets(void);
void	 provider_free_all(void);
int	 provider_reload(struct loa_config *);
void	 provider_reap(void);
void	 provider_start(struct provider *, struct delivery *);
void	 provider_abandon_all(void);
void	 provider_reopen(void);

/* flow.c */
void	 flow_init(const struct flow_ops *);
void	 flow_retired(struct provider *);
#define FLOW_BY_PHONE	0x01	/* flow_kind(): sends to a phone */
#define FLOW_BY_UID	0x02	/* ... to a Zalo user id */
unsigned flow_kind(const struct provider *);
struct provider *flow_route(enum loa_channel, const struct delivery *,
	    const struct provider *, int *);
int	 flow_channel_open(enum loa_channel);
void	 flow_submit(struct provider *, struct delivery *);
void	 flow_pump(struct provider *);
void	 flow_pump_all(void);
void	 flow_result(struct provider *, const struct loa_response *,
	    const struct loa_result *, int);
void	 flow_poll(void);
void	 flow_abort_all(void);
int	 flow_cost(const struct delivery *);
void	 flow_empty(struct provider *, void (*)(struct delivery *));
void	 flow_unpublish(void);

/* creds.c */
void	 creds_on_ready(void (*)(struct provider *));
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

/* wake.c */
void	 wake_add(void (*)(void));
void	 wake_dispatch(void);
void	 wake_free(void);

/* expand.c */
void	 expand_add(enum loa_priority, const char *, const char *, int,
	    const char *, const char *);
int	 expand_holds(enum loa_priority, const char *);
int	 expand_count(void);
void	 expand_touch(struct loa_argv *);
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
void	 ledger_init(void);
void	 ledger_free(void);
void	 ledger_event(const struct outcome *, int);
unsigned long ledger_ack(const char *, const char *, const char *);
int	 ledger_recorded(unsigned long);
void	 ledger_park(const char *, const char *, const char *);
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
void	 ledger_barrier(void);
int	 ledger_caught_up(void);

/* report.c */
int	 report_argv(struct loa_argv *, const char *,
	    const struct loa_report *, int);
int	 report_results(const struct redisReply *, int, int *);
void	 report_sweep(void);

/* ack.c: the acknowledgement of a keyword from Zalo (inbox.c) */
void	 ack_send(const char *, const char *);
int	 ack_abandoned(http_cb, void *);

/* inbox.c: messages from residents (route_webhook) */
#define INBOUND_MAX	4	/* inbound() fills at most this many a call */
#define INBOUND_KINDS	5	/* text, follow, unfollow, other, unknown */
enum inbound_result {
	INBOUND_STORED = 0,
	INBOUND_DUPLICATE,
	INBOUND_BAD_SIGNATURE,
	INBOUND_MALFORMED,
	INBOUND_RESULTS
};
struct loa_inbound;
const char *inbound_kind_name(int);
const char *inbound_result_name(enum inbound_result);
int	 inbox_argv(struct loa_argv *, const char *, struct loa_inbound *,
	    int, const char *, size_t);
int	 inbox_results(const char *, const struct redisReply *, int *);
void	 metrics_inbound(const char *, int, enum inbound_result);

/* metrics.c: why the ingest refused a job, as a metric label */
enum job_reject {
	JOB_REJECT_MALFORMED = 0,	/* no job field, not a JSON object */
	JOB_REJECT_TOO_LARGE,		/* over max_job_size */
	JOB_REJECT_INVALID,		/* loa_job_parse() refused it */
	JOB_REJECT_AUDIENCE,		/* unknown ward or district */
	JOB_REJECT_TEMPLATE,		/* a variable no directory column has */
	JOB_REJECT_DUPLICATE,		/* the id names another job */
	JOB_REJECT_COUNT
};
const char *report_result_name(enum report_result);
void	 metrics_init(void);
void	 metrics_event(const struct outcome *, int);
void	 metrics_job_accepted(void);
void	 metrics_job_rejected(enum job_reject);
void	 metrics_job_cancelled(void);
void	 metrics_report(const char *, enum report_result);
void	 metrics_latency(const struct provider *, long long);
void	 metrics_poll(void);

/* registry.c */
void	 registry_tick(void);
void	 registry_poll(void);
void	 registry_leave(void);
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
struct hs_req;
struct loa_actor;
const struct loa_actor *httpd_actor(struct hs_req *);

/* www.c */
struct hs_req;
int	 www_serve(struct hs_req *);
void	 www_check(void);

#endif
