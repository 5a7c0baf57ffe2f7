/*
 * ledger.c -- every outcome accounted for, in the log and in Redis.
 *
 * ledger_event() writes the delivery-log line at once and queues the same
 * event for Redis; final outcomes also update the job's counters and its
 * per-item outcome hash.  Chunk acks and hand-backs are queued behind the
 * outcomes they depend on.  Queued operations go to Redis as one "record"
 * script per batch (up to BATCH_OPS), one batch in flight at a time, so
 * Redis sees them in order: an ack never lands before the outcomes of its
 * chunk.  A batch that fails (Redis down, timeout) is sent again, whole,
 * when Redis is back; the script is idempotent for outcomes and
 * hand-backs, so a batch that did land and is sent again changes nothing.
 *
 * No Redis round trip is waited on per message: outcomes are pipelined
 * into batches while deliveries go on.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"

#define BATCH_OPS	512
#define BACKLOG_OPS	(2 * BATCH_OPS)	/* stop dispatching above this: one
					   batch at Redis, one filling; a crash
					   leaves at most ~2 unrecorded */
#define REPLAY_MS	3000	/* recorded batches kept to send again: */
#define REPLAY_OPS	16384	/* ... this recent, at most this many ops */
#define FLAG_ARG	7	/* av index of the replay flag (ARGV[5]) */

/* Told when the batch it waits for is recorded (reply) or dropped. */
struct waiter {
	loa_redis_cb	 cb;
	void		*arg;
};

struct batch {
	TAILQ_ENTRY(batch)	entry;
	unsigned long		seq;	/* batches are numbered from 1 */
	struct loa_argv		av;
	int			nops;
	struct waiter		*waiters;
	int			nwaiters;
	int			replay;	/* recorded before: sent again */
	long long		recorded_at;
};

TAILQ_HEAD(batchq, batch);
static struct batchq queue = TAILQ_HEAD_INITIALIZER(queue);
/* Recorded in the last REPLAY_MS, oldest first (see ledger_replay). */
static struct batchq recent = TAILQ_HEAD_INITIALIZER(recent);
static int		 recent_ops;
static int		 nreplay;	/* replayed batches not recorded yet */
static struct batch	*cur;		/* being filled */
static struct batch	*sent;		/* awaiting its reply */
static int		 queued_ops;
static unsigned long	 last_seq;	/* of the newest batch */
static unsigned long	 recorded_seq;	/* Redis has every batch to here */
static unsigned long	 barrier_seq;	/* gates wait for this one */
static int		 failed_said;

void
ledger_init(void)
{
}

static struct batch *
batch_new(void)
{
	struct batch	*b = xcalloc(1, sizeof(*b));
	char		 now[40], ret[32];

	b->seq = ++last_seq;
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	snprintf(ret, sizeof(ret), "%lld", loa->cfg.retention_ms);
	loa_script_argv(&b->av, loa_script_record, loa->cfg.prefix);
	loa_argv_addf(&b->av, "%d", loa->cfg.events_maxlen);
	loa_argv_add(&b->av, now);
	loa_argv_add(&b->av, ret);
	loa_argv_add(&b->av, "0");	/* FLAG_ARG: not a replay */
	return b;
}

static void
batch_free(struct batch *b)
{
	loa_argv_free(&b->av);
	free(b->waiters);
	free(b);
}

/* Call and forget b's waiters (rep NULL: the batch was dropped). */
static void
batch_notify(struct batch *b, struct redisReply *rep)
{
	int	i;

	for (i = 0; i < b->nwaiters; i++)
		if (b->waiters[i].cb != NULL)
			b->waiters[i].cb(loa->rc, rep, b->waiters[i].arg);
	b->nwaiters = 0;
}

static struct loa_argv *
op_begin(void)
{
	if (cur == NULL)
		cur = batch_new();
	cur->nops++;
	queued_ops++;
	return &cur->av;
}

static void
op_end(void)
{
	if (cur->nops >= BATCH_OPS) {
		TAILQ_INSERT_TAIL(&queue, cur, entry);
		cur = NULL;
	}
}

static void	send_next(void);

/*
 * Forget the recent batches recorded more than REPLAY_MS before now, or
 * beyond REPLAY_OPS.
 */
static void
trim_recent(long long now)
{
	struct batch	*b;

	while ((b = TAILQ_FIRST(&recent)) != NULL &&
	    (recent_ops > REPLAY_OPS || now - b->recorded_at > REPLAY_MS)) {
		TAILQ_REMOVE(&recent, b, entry);
		recent_ops -= b->nops;
		batch_free(b);
	}
}

/* b was recorded: keep it a while for ledger_replay. */
static void
keep_recent(struct batch *b)
{
	b->recorded_at = loa_now_ms();
	TAILQ_INSERT_TAIL(&recent, b, entry);
	recent_ops += b->nops;
	trim_recent(b->recorded_at);
}

static void
record_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct batch	*b = arg;

	(void)r;
	sent = NULL;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		/* Keep it first in line; sent again when Redis answers. */
		if (!failed_said) {
			log_warnx("recording outcomes in Redis failed (%s); "
			    "kept in memory and retried", rep != NULL ?
			    rep->str : "no answer");
			failed_said = 1;
		}
		TAILQ_INSERT_HEAD(&queue, b, entry);
		return;
	}
	if (failed_said) {
		log_warnx("recording outcomes in Redis works again");
		failed_said = 0;
	}
	queued_ops -= b->nops;
	if (b->replay) {
		b->replay = 0;
		nreplay--;
	} else
		recorded_seq = b->seq;
	batch_notify(b, rep);
	keep_recent(b);
	send_next();
	wake_dispatch();	/* the backlog shrank */
}

/*
 * Send the first batch queued, or the one being filled when none is,
 * unless one is at Redis already.  While one is, the next keeps filling
 * (up to BATCH_OPS): closing a batch at every flush made one round trip
 * per handful of outcomes, and with answers 40 ms late a daemon's records
 * fell seconds behind its sends, and its finished work entries, no longer
 * touched, were claimed and sent again by another daemon (f_clock).
 */
static void
send_next(void)
{
	struct batch	*b;

	if (sent != NULL || !loa_redis_up(loa->rc))
		return;
	if (TAILQ_EMPTY(&queue) && cur != NULL && cur->nops > 0) {
		TAILQ_INSERT_TAIL(&queue, cur, entry);
		cur = NULL;
	}
	if ((b = TAILQ_FIRST(&queue)) == NULL)
		return;
	TAILQ_REMOVE(&queue, b, entry);
	dlog_flush();	/* its log lines are out before Redis has them */
	if (loa_redis_cmdv(loa->rc, record_cb, b, &b->av) == -1) {
		TAILQ_INSERT_HEAD(&queue, b, entry);
		return;
	}
	sent = b;
}

/*
 * Send what can be sent: the batch being filled goes now when nothing is
 * at Redis, else as soon as the answer comes (send_next).
 */
void
ledger_flush(void)
{
	dlog_flush();
	send_next();
}

/*
 * The command connection is up again, maybe to another server (a
 * failover) or to one that restarted.  Redis may have lost writes it had
 * acknowledged: replication is asynchronous, and the AOF is written to
 * disk once a second.  The batches recorded in the last REPLAY_MS go
 * again, first, with the replay flag (their retry and fallback events are
 * not added twice).  The record script changes nothing for what the
 * server kept: outcomes and marks are set only once, acks only count once.
 */
void
ledger_replay(void)
{
	struct batch	*b;
	int		 n = 0;

	/*
	 * What Redis may have lost is what it took in just before it went
	 * away: the window ends at the last batch it recorded, not now (a
	 * restart that loads a large AOF takes longer than the window).
	 */
	if ((b = TAILQ_LAST(&recent, batchq)) != NULL)
		trim_recent(b->recorded_at);
	while ((b = TAILQ_LAST(&recent, batchq)) != NULL) {
		TAILQ_REMOVE(&recent, b, entry);
		recent_ops -= b->nops;
		b->replay = 1;
		free(b->av.argv[FLAG_ARG]);
		b->av.argv[FLAG_ARG] = xstrdup("1");
		b->av.len[FLAG_ARG] = 1;
		TAILQ_INSERT_HEAD(&queue, b, entry);
		queued_ops += b->nops;
		nreplay++;
		n++;
	}
	if (n > 0)
		log_info("redis: the last %d batches of outcomes sent again, "
		    "in case the server lost them", n);
	ledger_barrier();
}

/*
 * Gates wait (ledger_caught_up) until Redis has every outcome queued so
 * far.  A server that lost writes may hand us work we did: an entry
 * claimed after its last snapshot comes back unclaimed, one added after it
 * is added again by the expansion, and a gate that ran before our queued
 * outcomes would give their items out a second time.
 */
void
ledger_barrier(void)
{
	if (cur != NULL && cur->nops > 0) {
		TAILQ_INSERT_TAIL(&queue, cur, entry);
		cur = NULL;
	}
	barrier_seq = cur != NULL ? cur->seq - 1 : last_seq;
	send_next();
}

int
ledger_caught_up(void)
{
	return nreplay == 0 && recorded_seq >= barrier_seq;
}

void
ledger_retry(void)
{
	ledger_flush();
}

int
ledger_idle(void)
{
	return queued_ops == 0;
}

/*
 * Hold dispatching (and the gating of new work): too much unrecorded, or
 * replayed batches not in yet (a gate before them would take an outcome
 * the server lost for work still to do).
 */
int
ledger_backlog(void)
{
	return queued_ops >= BACKLOG_OPS || nreplay > 0;
}

void
ledger_free(void)
{
	struct batch	*b;

	if (queued_ops > 0)
		log_warnx("%d outcome records could not reach Redis; the "
		    "delivery log has them", queued_ops);
	while ((b = TAILQ_FIRST(&queue)) != NULL) {
		TAILQ_REMOVE(&queue, b, entry);
		batch_notify(b, NULL);
		batch_free(b);
	}
	if (cur != NULL) {
		batch_notify(cur, NULL);
		batch_free(cur);
	}
	cur = NULL;
	while ((b = TAILQ_FIRST(&recent)) != NULL) {
		TAILQ_REMOVE(&recent, b, entry);
		batch_free(b);
	}
	recent_ops = nreplay = 0;
	/* sent, if any, is freed by its callback (NULL reply). */
}

/*
 * Log one event and queue it for Redis.  final: the item's one final
 * outcome (counted in the job); otherwise an event only (retry,
 * fallback).
 */
void
ledger_event(const struct outcome *o, int final)
{
	struct loa_buf	 b;
	struct loa_argv	*av;
	char		 ts[40], masked[64];

	loa_buf_init(&b);
	loa_time_iso(loa_now_ms(), ts, sizeof(ts));
	loa_json_kv(&b, "ts", ts);
	loa_json_kv(&b, "job", o->job);
	loa_json_kv(&b, "ward", o->ward);
	loa_json_kv(&b, "resident", o->resident);
	if (o->channel != NULL && o->channel[0] != '\0')
		loa_json_kv(&b, "channel", o->channel);
	if (o->provider != NULL && o->provider[0] != '\0')
		loa_json_kv(&b, "provider", o->provider);
	masked[0] = '\0';
	if (o->to != NULL && o->to[0] != '\0') {
		if (o->to_shown)
			snprintf(masked, sizeof(masked), "%s", o->to);
		else if (loa->cfg.mask_phones)
			loa_phone_mask(o->to, masked, sizeof(masked));
		else
			snprintf(masked, sizeof(masked), "%s", o->to);
		loa_json_kv(&b, "to", masked);
	}
	if (o->attempt > 0)
		loa_json_kl(&b, "attempt", o->attempt);
	loa_json_kv(&b, "status", o->status);
	if (o->reason != NULL)
		loa_json_kv(&b, "reason", o->reason);
	if (o->http >= 0)
		loa_json_kl(&b, "http", o->http);
	if (o->provider_id != NULL)
		loa_json_kv(&b, "provider_id", o->provider_id);
	if (o->segments > 0) {
		loa_json_kv(&b, "encoding", o->encoding);
		loa_json_kl(&b, "segments", o->segments);
	}
	if (o->ms >= 0)
		loa_json_kl(&b, "ms", o->ms);
	loa_buf_add(&b, "}", 1);
	dlog_write(b.data, b.len);
	metrics_event(o, final);

	av = op_begin();
	if (final) {
		loa_argv_add(av, "O");
		loa_argv_add(av, o->job);
		loa_argv_add(av, o->item);
		loa_argv_add(av, o->status);
		loa_argv_add(av, o->channel != NULL ? o->channel : "");
		loa_argv_add(av, o->ward);
		loa_argv_addn(av, b.data, b.len);
		loa_argv_add(av, o->provider != NULL ? o->provider : "");
		loa_argv_add(av, o->keep_id ? o->provider_id : "");
		loa_argv_add(av, masked);
		op_end();
		loa_buf_free(&b);
		return;
	} else {
		loa_argv_add(av, "E");
		loa_argv_add(av, o->job);
	}
	loa_argv_addn(av, b.data, b.len);
	op_end();
	loa_buf_free(&b);
}

/*
 * cb(reply, arg) is called once the batch being filled is recorded; it
 * is sent now, or after the one at Redis.  Returns -1 (nothing
 * registered) when Redis is down.
 */
int
ledger_flush_then(loa_redis_cb cb, void *arg)
{
	struct batch	*b;

	/* The op just queued may have filled cur and closed it (op_end). */
	b = cur != NULL ? cur : TAILQ_LAST(&queue, batchq);
	if (!loa_redis_up(loa->rc) || b == NULL)
		return -1;
	b->waiters = xreallocarray(b->waiters, b->nwaiters + 1,
	    sizeof(*b->waiters));
	b->waiters[b->nwaiters].cb = cb;
	b->waiters[b->nwaiters].arg = arg;
	b->nwaiters++;
	ledger_flush();
	return 0;
}

/* arg no longer wants its callback (it is being freed). */
void
ledger_forget(void *arg)
{
	struct batch	*b;
	int		 i;

	TAILQ_FOREACH(b, &queue, entry)
		for (i = 0; i < b->nwaiters; i++)
			if (b->waiters[i].arg == arg)
				b->waiters[i].cb = NULL;
	if (cur != NULL)
		for (i = 0; i < cur->nwaiters; i++)
			if (cur->waiters[i].arg == arg)
				cur->waiters[i].cb = NULL;
	if (sent != NULL)
		for (i = 0; i < sent->nwaiters; i++)
			if (sent->waiters[i].arg == arg)
				sent->waiters[i].cb = NULL;
}

/*
 * Item of job waits for attempt `attempt` on channel position ci, due at
 * `due` (ms): kept in the outcome hash as "r:attempt:ci:due", with ":u"
 * after it when an earlier attempt may have reached the provider without
 * a verdict (the next send is then a possible duplicate, even when
 * another daemon makes it after a restart).
 */
void
ledger_retry_mark(const char *job, const char *item, int attempt, int ci,
    long long due, int unclear)
{
	struct loa_argv	*av = op_begin();

	loa_argv_add(av, "R");
	loa_argv_add(av, job);
	loa_argv_add(av, item);
	loa_argv_addf(av, "%d", attempt);
	loa_rstate_add_retry(av, attempt, ci, due, unclear);
	op_end();
}

/*
 * Before attempt `attempt` (2, 3, ...) of item leaves: mark it "~attempt"
 * in flight, once the queued records are in (they are sent first), then
 * cb(reply, arg).  Returns -1 when Redis is down.
 */
int
ledger_mark_inflight(const char *job, const char *item, int attempt,
    loa_redis_cb cb, void *arg)
{
	struct loa_argv	*av = op_begin();

	loa_argv_add(av, "M");
	loa_argv_add(av, job);
	loa_argv_add(av, item);
	loa_argv_addf(av, "%d", attempt);
	op_end();
	return ledger_flush_then(cb, arg);
}

/*
 * The work entry eid of stream (for job) is finished: ack and delete it,
 * and count it off the job's queued entries.  Returns the number of the
 * batch that carries it (see ledger_recorded).
 */
unsigned long
ledger_ack(const char *stream, const char *eid, const char *job)
{
	struct loa_argv	*av = op_begin();
	unsigned long	 seq = cur->seq;

	loa_argv_add(av, "A");
	loa_argv_add(av, stream);
	loa_argv_add(av, eid);
	loa_argv_add(av, job);
	op_end();
	return seq;
}

/*
 * The work entry eid of stream (for job) holds nothing but recipients
 * waiting to retry: it stops counting in the job's `queued`, so that
 * expansion goes on while they wait (see loa_script_record, "P").
 */
void
ledger_park(const char *stream, const char *eid, const char *job)
{
	struct loa_argv	*av = op_begin();

	loa_argv_add(av, "P");
	loa_argv_add(av, stream);
	loa_argv_add(av, eid);
	loa_argv_add(av, job);
	op_end();
}

/* Is the batch numbered seq recorded in Redis? */
int
ledger_recorded(unsigned long seq)
{
	return seq <= recorded_seq;
}

/*
 * Give a work entry back to its stream for any daemon to take: a copy is
 * added, the original acked and deleted.  The in-flight marks of items
 * (the n item keys, gated by us but never sent) go back to "queued", so
 * whoever takes the entry does not report them as possible duplicates;
 * items we did send keep theirs.
 */
void
ledger_handback(const char *stream, const char *eid, const char *job,
    const char *const *items, int n)
{
	struct loa_argv	*av = op_begin();
	int		 i;

	loa_argv_add(av, "H");
	loa_argv_add(av, stream);
	loa_argv_add(av, eid);
	loa_argv_add(av, job);
	loa_argv_addf(av, "%d", n);
	for (i = 0; i < n; i++)
		loa_argv_add(av, items[i]);
	op_end();
}
