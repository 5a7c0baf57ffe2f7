/*
 * expand.c -- jobs turned into work step by step.
 *
 * Every accepted job starts as one expansion entry in its work stream:
 * (job, w, cur).  Whoever reads it runs the expand script, which turns the
 * next batch of recipients into work entries and queues the following
 * step, in one atomic step that also acks this one: for explicit
 * recipients the indexes from cur on, for audiences the residents of ward
 * number w from SSCAN cursor cur.  So a daemon killed anywhere leaves
 * either the step done or the entry pending (claimed by another daemon
 * after claim_timeout): no recipient skipped, none queued twice.
 *
 * The script refuses to run ahead ("wait") while the job already has
 * enough entries waiting to be sent; the entry is then held (and kept
 * claimed) and tried again shortly.  Memory, in the daemon and in Redis,
 * does not grow with the audience, and jobs of the same priority take
 * turns in the work streams instead of one waiting for another to end.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "engine.h"

#define EXPAND_RETRY_MS	10	/* after "wait" */
#define EXPAND_BATCH	10	/* chunks' worth of residents per step */

struct expand {
	TAILQ_ENTRY(expand)	 entry;
	enum loa_priority	 prio;
	char			 eid[40];
	char			*job_id;
	int			 w;		/* ward index */
	char			 cur[32];	/* SSCAN cursor */
	char			 rid[48];	/* ... of this server (run_id) */
	int			 busy;		/* script under way */
	struct event		*timer;
};

static TAILQ_HEAD(, expand) expands = TAILQ_HEAD_INITIALIZER(expands);
static int		 nexpands;

static void	expand_run(struct expand *);

static void
expand_free(struct expand *x)
{
	TAILQ_REMOVE(&expands, x, entry);
	nexpands--;
	if (x->timer != NULL)
		event_free(x->timer);
	free(x->job_id);
	free(x);
}

static void
expand_handback(struct expand *x)
{
	ledger_handback(loa->k_work[x->prio], x->eid, x->job_id, NULL, 0);
	expand_free(x);
}

static void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	expand_run(arg);
}

static void
expand_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct expand	*x = arg;
	struct timeval	 tv = { 0, EXPAND_RETRY_MS * 1000 };

	(void)r;
	x->busy = 0;
	if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
	    strcmp(rep->str, "wait") == 0) {
		if (loa->draining) {
			expand_handback(x);
			return;
		}
		if (x->timer == NULL)
			x->timer = evtimer_new(loa->base, retry_cb, x);
		evtimer_add(x->timer, &tv);
		return;
	}
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		log_warnx("job %s: expand: %s", x->job_id, rep->str);
	else if (rep != NULL && rep->type == REDIS_REPLY_STRING &&
	    strcmp(rep->str, "lost") == 0)
		log_info("job %s: expansion entry %s now belongs to another "
		    "daemon", x->job_id, x->eid);
	/* ok, stop, lost, or Redis trouble (the entry is claimed again). */
	expand_free(x);
	wake_dispatch();
}

static void
expand_run(struct expand *x)
{
	struct loa_argv	av;
	char		now[40];
	int		ahead;

	if (loa->draining) {
		expand_handback(x);
		return;
	}
	/*
	 * Entries of the job queued and not acknowledged yet: about
	 * 8 x max_inflight recipients, four steps.  Acks reach Redis with
	 * the outcomes, in batches, so a chunk sent a moment ago still
	 * counts; with less, expansion waited on them and sending ran dry.
	 */
	ahead = 8 * loa->cfg.max_inflight / loa->cfg.chunk_size;
	if (ahead < 4 * EXPAND_BATCH)
		ahead = 4 * EXPAND_BATCH;
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_expand, loa->cfg.prefix);
	loa_argv_add(&av, loa->k_work[x->prio]);
	loa_argv_add(&av, x->eid);
	loa_argv_add(&av, loa->consumer);
	loa_argv_add(&av, x->job_id);
	loa_argv_addf(&av, "%d", x->w);
	loa_argv_add(&av, x->cur);
	loa_argv_addf(&av, "%d", EXPAND_BATCH * loa->cfg.chunk_size);
	loa_argv_addf(&av, "%d", loa->cfg.chunk_size);
	loa_argv_addf(&av, "%d", ahead);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%lld", loa->cfg.retention_ms);
	loa_argv_add(&av, x->rid);
	if (loa_redis_cmdv(loa->rc, expand_cb, x, &av) == 0)
		x->busy = 1;
	else
		expand_free(x);	/* Redis down: claimed again later */
	loa_argv_free(&av);
}

/*
 * An expansion entry was read or claimed: run its step.  The caller has
 * made sure that no chunk or expansion here holds eid already.
 */
void
expand_add(enum loa_priority prio, const char *eid, const char *job, int w,
    const char *cur, const char *rid)
{
	struct expand	*x;

	x = xcalloc(1, sizeof(*x));
	x->prio = prio;
	snprintf(x->eid, sizeof(x->eid), "%s", eid);
	x->job_id = xstrdup(job);
	x->w = w;
	snprintf(x->cur, sizeof(x->cur), "%s", cur);
	snprintf(x->rid, sizeof(x->rid), "%s", rid != NULL ? rid : "");
	TAILQ_INSERT_TAIL(&expands, x, entry);
	nexpands++;
	expand_run(x);
}

int
expand_holds(enum loa_priority prio, const char *eid)
{
	struct expand	*x;

	TAILQ_FOREACH(x, &expands, entry)
		if (x->prio == prio && strcmp(x->eid, eid) == 0)
			return 1;
	return 0;
}

int
expand_count(void)
{
	return nexpands;
}

/* Add the held expansion entries (stream, id) to the keep-alive. */
void
expand_touch(struct loa_argv *av)
{
	struct expand	*x;

	TAILQ_FOREACH(x, &expands, entry) {
		loa_argv_add(av, loa->k_work[x->prio]);
		loa_argv_add(av, x->eid);
	}
}

/* Stopping: entries waiting for their retry go back to the stream. */
void
expand_handback_all(void)
{
	struct expand	*x, *next;

	for (x = TAILQ_FIRST(&expands); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (!x->busy)
			expand_handback(x);
	}
}
