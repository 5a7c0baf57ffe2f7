/*
 * engine.c -- the chunks this daemon holds and the order they are sent in.
 *
 * A chunk is one work-stream entry: recipients [from, to) of a job's
 * explicit list, or a list of directory resident ids.  It is loaded (job
 * spec and wards from Redis, cached), gated (the gate script says
 * which items still need a send and marks them in flight), then its items
 * are dispatched to deliver.c while the daemon has room: at most
 * max_inflight live deliveries, urgent chunks first, and within a
 * priority round-robin between chunks so that a large broadcast does not
 * hold a small one back.  When every item of a chunk has an outcome the
 * chunk is acknowledged (ledger.c) and freed.
 *
 * Ownership: a chunk is owned by loa->chunks from engine_chunk_add() to
 * chunk_free(); deliveries point at it and keep it alive (outstanding).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "engine.h"

#define JOB_CACHE_MAX	64
/*
 * Parsed specs the cache keeps beyond those chunks hold, counted as 16
 * times their text (explicit recipients take 10 to 80 times it): a few
 * large jobs, or many small ones.
 */
#define JOB_CACHE_BYTES	(64 * 1024 * 1024)
#define JOB_WEIGHT(j)	((j)->size * 16)
#define JOB_CACHE_IDLE_MS 5000	/* a job nothing asked for since goes */
#define ROTATE_EVERY	4	/* items from one chunk before the next */
#define FINISHED_MAX	1024	/* finished entries remembered */
/*
 * Deliveries waiting to retry, and chunks held by nothing else, that the
 * daemon keeps before it reads no more work: per max_inflight.  Such a
 * chunk stays pending in its stream (a crash hands it to another daemon,
 * its retries kept in Redis) but holds no room for other work.
 */
#define RETRY_MAX_PER_INFLIGHT	16

struct job_slot {
	struct loa_job	*job;
	long long	 used;
};

static struct job_slot	 job_cache[JOB_CACHE_MAX];

/*
 * The work entries this daemon finished last.  Their acks reach Redis
 * with the ledger, behind their outcomes, so each stays pending a while
 * after it is done.  One we could not touch for claim_timeout (Redis was
 * away) can come back to us by XAUTOCLAIM in that while; gated again
 * before its outcomes are recorded, its items would look in flight and
 * go out a second time.  It is ignored instead while the ack is on its
 * way (the ack finishes it); once Redis has the ack, an entry that comes
 * back anyway (Redis lost the write: a crash, a failover) is taken up
 * again, so nothing stays pending for ever.  A few batches of acks are
 * ever queued, far fewer than FINISHED_MAX entries.
 */
static struct {
	enum loa_priority	 prio;
	char			 eid[40];
	unsigned long		 ack;	/* the ledger batch of its ack */
}			 finished[FINISHED_MAX];
static int		 finished_next;

static void	chunk_load(struct chunk *);
static void	chunk_gate(struct chunk *);
static void	run_round(void);

static int
finished_has(enum loa_priority prio, const char *eid)
{
	int	i;

	for (i = 0; i < FINISHED_MAX; i++)
		if (finished[i].prio == prio &&
		    strcmp(finished[i].eid, eid) == 0)
			return !ledger_recorded(finished[i].ack);
	return 0;
}

static struct loa_job *
job_cache_get(const char *id)
{
	int	i;

	for (i = 0; i < JOB_CACHE_MAX; i++)
		if (job_cache[i].job != NULL &&
		    strcmp(job_cache[i].job->id, id) == 0) {
			job_cache[i].used = loa_now_ms();
			return job_cache[i].job;
		}
	return NULL;
}

/* The least recently used slot (-1: none), or the first free one. */
static int
job_cache_victim(int want_free)
{
	int	i, victim = -1;

	for (i = 0; i < JOB_CACHE_MAX; i++) {
		if (job_cache[i].job == NULL) {
			if (want_free)
				return i;
			continue;
		}
		if (victim == -1 || job_cache[i].used < job_cache[victim].used)
			victim = i;
	}
	return victim;
}

static void
job_cache_put(struct loa_job *job)
{
	size_t	total = JOB_WEIGHT(job);
	int	i, victim;

	for (i = 0; i < JOB_CACHE_MAX; i++)
		if (job_cache[i].job != NULL)
			total += JOB_WEIGHT(job_cache[i].job);
	/* Over the budget: the oldest go (chunks keep their refs). */
	while (total > JOB_CACHE_BYTES && (victim = job_cache_victim(0)) != -1) {
		total -= JOB_WEIGHT(job_cache[victim].job);
		loa_job_unref(job_cache[victim].job);
		job_cache[victim].job = NULL;
	}
	victim = job_cache_victim(1);
	loa_job_unref(job_cache[victim].job);
	job_cache[victim].job = job;
	job_cache[victim].used = loa_now_ms();
}

/*
 * Forget the jobs no chunk asked for lately: a finished job is not kept
 * (its memory goes back to the system with it, loa_job_unref()).
 */
void
engine_cache_expire(void)
{
	static int	trimmed = 1;
	long long	now = loa_now_ms();
	int		i;

	for (i = 0; i < JOB_CACHE_MAX; i++)
		if (job_cache[i].job != NULL &&
		    now - job_cache[i].used >= JOB_CACHE_IDLE_MS) {
			loa_job_unref(job_cache[i].job);
			job_cache[i].job = NULL;
		}
	/* Idle again after work: what the work took goes back to the
	 * system, not only the large jobs' trees. */
	if (!engine_settled())
		trimmed = 0;
	else if (!trimmed) {
		for (i = 0; i < JOB_CACHE_MAX; i++)
			if (job_cache[i].job != NULL)
				return;
		malloc_trim(0);
		trimmed = 1;
	}
}

void
engine_init(void)
{
	int	p;

	TAILQ_INIT(&loa->chunks);
	for (p = 0; p < LOA_PRIO_COUNT; p++)
		TAILQ_INIT(&loa->ready[p]);
	wake_add(run_round);
}

static void
chunk_free(struct chunk *ck)
{
	if (ck->st == CK_READY)
		TAILQ_REMOVE(&loa->ready[ck->prio], ck, entry);
	else if (ck->st == CK_GATEWAIT)
		loa->ngatewait--;
	if (ck->lost)
		loa->nlost--;
	TAILQ_REMOVE(&loa->chunks, ck, all);
	loa->nchunks--;
	loa_job_unref(ck->job);
	free(ck->job_id);
	free(ck->gate);
	free(ck->flags);
	free(ck->retry);
	if (ck->ids != NULL) {
		free(ck->ids[0]);	/* one buffer holds them all */
		free(ck->ids);
	}
	free(ck->rcpt);
	json_decref(ck->holder);
	free(ck);
}

/* Items whose mark the hand-back resets: gated here, never dispatched. */
static void
chunk_handback(struct chunk *ck)
{
	const char	**items;
	char		(*keys)[24];
	int		  i, n = 0;

	items = xcalloc(ck->n + 1, sizeof(*items));
	keys = xcalloc(ck->n + 1, sizeof(*keys));
	for (i = 0; ck->gate != NULL && i < ck->n; i++)
		if (ck->gate[i] == GATE_NEW)
			items[n++] = chunk_item(ck, i, keys[i],
			    sizeof(keys[i]));
	ledger_handback(loa->k_work[ck->prio], ck->eid, ck->job_id, items, n);
	free(keys);
	free(items);
}

void
engine_free(void)
{
	struct chunk	*ck;
	int		 i;

	while ((ck = TAILQ_FIRST(&loa->chunks)) != NULL)
		chunk_free(ck);
	for (i = 0; i < JOB_CACHE_MAX; i++) {
		loa_job_unref(job_cache[i].job);
		job_cache[i].job = NULL;
	}
}

/*
 * How many more chunks may be fetched.  The daemon keeps about
 * 2 x max_inflight recipients in hand: its live deliveries, the items of
 * ready chunks not dispatched yet, and a chunk's worth for each chunk
 * being loaded or gated, each expansion step held and each chunk a read
 * under way may bring.  A chunk whose items are all dispatched adds
 * nothing (they are live deliveries), so the next chunks are read while
 * its last answers come back instead of after; the chunks held are
 * capped at 4 x max_inflight / chunk_size all the same, as one slow item
 * keeps its whole chunk in memory.  Deliveries waiting to retry take no
 * room, and chunks held only by them do not count towards that cap: they
 * have their own (RETRY_MAX_PER_INFLIGHT).  with_requested: count the chunks
 * that reads under way may still bring (the blocked reader's share);
 * claims pass 0 so that a reader parked in XREADGROUP does not starve
 * the work a dead consumer left behind.
 */
int
engine_room(int with_requested)
{
	struct chunk	*ck;
	int		 per = loa->cfg.chunk_size, room, held, waiting = 0;
	int		 pending, parked = 0;

	if (loa->draining || ledger_backlog() ||
	    loa->retrying >= RETRY_MAX_PER_INFLIGHT * loa->cfg.max_inflight)
		return 0;
	pending = expand_count() + (with_requested ? loa->chunks_requested :
	    0);
	TAILQ_FOREACH(ck, &loa->chunks, all) {
		if (ck->st == CK_READY)
			waiting += ck->n - ck->next;
		else if (ck->st == CK_HELD && ck->retrying > 0 &&
		    ck->outstanding == ck->retrying)
			parked++;
		else if (ck->st != CK_HELD)
			pending++;
	}
	if (parked >= RETRY_MAX_PER_INFLIGHT * loa->cfg.max_inflight / per)
		return 0;
	room = loa->cfg.max_inflight * 2 - loa->active - waiting -
	    pending * per;
	room = room > 0 ? (room + per - 1) / per : 0;
	held = loa->cfg.max_inflight * 4 / per - (loa->nchunks - parked) -
	    expand_count() - (with_requested ? loa->chunks_requested : 0);
	if (held < 1)
		held = loa->nchunks + expand_count() == 0 ? 1 : 0;
	return room < held ? room : held;
}

int
engine_want_chunks(void)
{
	return engine_room(1);
}

/*
 * Entry eid of the priority's work stream is held already.  Ids are per
 * stream: two streams written in the same millisecond share an id.
 */
int
engine_holds(enum loa_priority prio, const char *eid)
{
	struct chunk	*ck;

	TAILQ_FOREACH(ck, &loa->chunks, all)
		if (ck->prio == prio && strcmp(ck->eid, eid) == 0)
			return 1;
	return expand_holds(prio, eid);
}

/*
 * Take a work entry read from (or claimed on) the priority's stream:
 * explicit recipients [from, to) when ids is NULL, else the resident ids
 * "a,b,c".  Entries this daemon already holds or has just finished
 * (claimed back by its own XAUTOCLAIM) are ignored.
 */
void
engine_chunk_add(enum loa_priority prio, const char *eid, const char *job,
    int from, int to, const char *ids)
{
	struct chunk	*ck;
	char		*p;
	int		 n;

	if (engine_holds(prio, eid) || finished_has(prio, eid))
		return;
	ck = xcalloc(1, sizeof(*ck));
	ck->prio = prio;
	snprintf(ck->eid, sizeof(ck->eid), "%s", eid);
	ck->job_id = xstrdup(job);
	if (ids != NULL) {
		for (n = 1, p = (char *)ids; *p != '\0'; p++)
			n += *p == ',';
		ck->ids = xcalloc(n, sizeof(*ck->ids));
		ck->ids[0] = xstrdup(ids);
		for (n = 1, p = ck->ids[0]; *p != '\0'; p++)
			if (*p == ',') {
				*p = '\0';
				ck->ids[n++] = p + 1;
			}
		ck->n = n;
		ck->from = -1;
	} else {
		ck->from = from;
		ck->n = to - from;
	}
	ck->st = CK_LOADING;
	TAILQ_INSERT_TAIL(&loa->chunks, ck, all);
	loa->nchunks++;
	if (loa->draining) {
		/* Read as we were stopping: give it back untouched. */
		chunk_handback(ck);
		chunk_free(ck);
		return;
	}
	if ((ck->job = job_cache_get(job)) != NULL) {
		ck->job->refs++;
		chunk_gate(ck);
	} else
		chunk_load(ck);
}

static void
chunk_drop(struct chunk *ck, const char *why)
{
	log_warnx("job %s: work entry %s dropped: %s", ck->job_id, ck->eid,
	    why);
	ledger_ack(loa->k_work[ck->prio], ck->eid, ck->job_id);
	chunk_free(ck);
}

/* A job spec arrived: every chunk waiting for it goes on. */
static void
job_loaded_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	char		*id = arg, err[256];
	struct loa_job	*job = NULL;
	struct chunk	*ck, *next;

	(void)r;
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_STRING) {
		job = loa_job_parse(rep->element[0]->str,
		    rep->element[0]->len, NULL, (size_t)-1, err, sizeof(err));
		if (job == NULL)
			log_warnx("job %s: stored spec unreadable: %s", id,
			    err);
		else {
			json_t *w = NULL;
			if (rep->element[1]->type == REDIS_REPLY_STRING)
				w = json_loadb(rep->element[1]->str,
				    rep->element[1]->len, 0, NULL);
			if (json_is_array(w))
				loa_job_set_wards(job, w);
			json_decref(w);
			job_cache_put(job);
		}
	}
	for (ck = TAILQ_FIRST(&loa->chunks); ck != NULL; ck = next) {
		next = TAILQ_NEXT(ck, all);
		if (ck->st != CK_LOADING || strcmp(ck->job_id, id) != 0 ||
		    ck->job != NULL)
			continue;
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			/* Redis trouble: forget it, it is claimed again. */
			chunk_free(ck);
		} else if (job == NULL)
			chunk_drop(ck, "job spec missing or unreadable");
		else if (loa->draining) {
			chunk_handback(ck);
			chunk_free(ck);
		} else {
			ck->job = job;
			job->refs++;
			chunk_gate(ck);
		}
	}
	free(id);
	wake_dispatch();
}

static void
chunk_load(struct chunk *ck)
{
	struct chunk	*o;
	char		*key, *wkey;
	const char	*argv[3];

	/* One MGET per job, however many chunks wait for it. */
	TAILQ_FOREACH(o, &loa->chunks, all)
		if (o != ck && o->st == CK_LOADING && o->job == NULL &&
		    strcmp(o->job_id, ck->job_id) == 0)
			return;
	key = loa_key_job_spec(loa->cfg.prefix, ck->job_id);
	wkey = loa_key_job_wards(loa->cfg.prefix, ck->job_id);
	argv[0] = "MGET";
	argv[1] = key;
	argv[2] = wkey;
	if (loa_redis_cmd(loa->rc, job_loaded_cb, xstrdup(ck->job_id), 3,
	    argv, NULL) == -1) {
		/* Redis is down; the entry stays pending and is reclaimed. */
		chunk_free(ck);
	}
	free(key);
	free(wkey);
}

static void
chunk_ready(struct chunk *ck)
{
	ck->st = CK_READY;
	TAILQ_INSERT_TAIL(&loa->ready[ck->prio], ck, entry);
}

/* Every item has an outcome (or was final already): ack and free. */
static int
chunk_maybe_done(struct chunk *ck)
{
	if (ck->lost) {
		/* Not ours: freed when our last request is answered. */
		if (ck->outstanding > 0 || ck->dispatching)
			return 0;
		chunk_free(ck);
		/* Its last outcomes are in before a gate of its job. */
		ledger_barrier();
		wake_dispatch();
		return 1;
	}
	if (ck->finished < ck->n || ck->outstanding > 0 || ck->dispatching)
		return 0;
	finished[finished_next].ack = ledger_ack(loa->k_work[ck->prio],
	    ck->eid, ck->job_id);
	finished[finished_next].prio = ck->prio;
	snprintf(finished[finished_next].eid, sizeof(finished[0].eid), "%s",
	    ck->eid);
	finished_next = (finished_next + 1) % FINISHED_MAX;
	chunk_free(ck);
	return 1;
}

/* Directory chunk: item i's resident from the hash fields in f. */
static void
chunk_resident(struct chunk *ck, int i, redisReply *f)
{
	const char	**kv;
	size_t		 *len, k;
	json_t		 *h = json_object();

	json_array_append_new(ck->holder, h);
	kv = xcalloc(f->elements + 1, sizeof(*kv));
	len = xcalloc(f->elements + 1, sizeof(*len));
	for (k = 0; k < f->elements; k++) {
		kv[k] = f->element[k]->type == REDIS_REPLY_STRING ?
		    f->element[k]->str : "";
		len[k] = f->element[k]->type == REDIS_REPLY_STRING ?
		    f->element[k]->len : 0;
	}
	loa_recipient_from_hash(&ck->rcpt[i], h, ck->ids[i], kv, len,
	    f->elements / 2);
	free(kv);
	free(len);
}

static int
gate_reply_ok(const struct chunk *ck, const redisReply *rep)
{
	size_t	i;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != (size_t)ck->n + 1 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	for (i = 1; i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		if (e->type != REDIS_REPLY_ARRAY ||
		    e->elements != (ck->ids != NULL ? 3u : 2u) ||
		    e->element[0]->type != REDIS_REPLY_STRING ||
		    e->element[1]->type != REDIS_REPLY_STRING ||
		    (ck->ids != NULL &&
		    e->element[2]->type != REDIS_REPLY_ARRAY))
			return 0;
	}
	return 1;
}

static void
gate_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct chunk	*ck = arg;
	const char	*state;
	int		 i;

	(void)r;
	if (!gate_reply_ok(ck, rep) || ck->lost) {
		if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
		    rep->elements == 1)
			log_info("job %s: entry %s now belongs to another "
			    "daemon", ck->job_id, ck->eid);
		else if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
			log_warnx("job %s: gate: %s", ck->job_id, rep->str);
		chunk_free(ck);		/* not ours, or reclaimed later */
		wake_dispatch();
		return;
	}
	state = rep->element[0]->str;
	ck->owned_at = ck->gate_at;	/* the gate claimed it for us */
	ck->gate = xmalloc(ck->n);
	ck->flags = xcalloc(ck->n, 1);
	if (ck->ids != NULL) {
		ck->rcpt = xcalloc(ck->n, sizeof(*ck->rcpt));
		ck->holder = json_array();
	}
	for (i = 0; i < ck->n; i++) {
		redisReply *e = rep->element[i + 1];
		struct loa_rstate oc;
		loa_rstate_parse(e->element[0]->str, &oc);
		switch (oc.kind) {
		case LOA_RS_QUEUED:
			ck->gate[i] = GATE_NEW;
			break;
		case LOA_RS_SENDING:
			ck->gate[i] = GATE_MAYBE;
			break;
		case LOA_RS_RETRY:
			/* A retry kept in Redis: resumed where it was. */
			if (oc.attempt > 0) {
				if (ck->retry == NULL)
					ck->retry = xcalloc(ck->n,
					    sizeof(*ck->retry));
				ck->retry[i].attempt = oc.attempt;
				ck->retry[i].ci = oc.ci;
				ck->retry[i].due = oc.due;
				ck->retry[i].unclear = oc.unclear;
			}
			ck->gate[i] = GATE_NEW;
			break;
		case LOA_RS_FINAL:
			ck->gate[i] = GATE_FINAL;
			ck->finished++;
			break;
		}
		if (strchr(e->element[1]->str, 'o') != NULL)
			ck->flags[i] |= ITEM_OPTED_OUT;
		if (strchr(e->element[1]->str, 'd') != NULL)
			ck->flags[i] |= ITEM_DUPLICATE;
		if (ck->ids != NULL)
			chunk_resident(ck, i, e->element[2]);
	}
	if (loa->draining) {
		/* Stopping: hand it back, resetting the marks just set. */
		chunk_handback(ck);
		chunk_free(ck);
		return;
	}
	if (strcmp(state, "sending") != 0 && strcmp(state, "expanding") != 0) {
		/*
		 * Cancelled (or otherwise ended): what has no outcome yet is
		 * recorded as cancelled, nothing is sent.
		 */
		const char *st = strcmp(state, "cancelled") == 0 ?
		    "cancelled" : "skipped";
		ck->dispatching = 1;	/* not freed under the loop */
		for (i = 0; i < ck->n; i++)
			if (ck->gate[i] != GATE_FINAL) {
				ck->gate[i] = GATE_FINAL;
				deliver_final(ck, i, st, "", state[0] ? state :
				    "job_missing", NULL);
			}
		ck->dispatching = 0;
		chunk_maybe_done(ck);
		wake_dispatch();
		return;
	}
	if (!chunk_maybe_done(ck))
		chunk_ready(ck);
	wake_dispatch();
}

/*
 * May ck be gated now?  Not while Redis may lack outcomes we have
 * (ledger_caught_up: after a reconnect, after a lost chunk's last
 * answer), nor while a chunk of the same job we lost still has requests
 * out: their outcomes are not even queued, and the gate would hand those
 * items out again.
 */
static int
gate_may_run(const struct chunk *ck)
{
	const struct chunk	*o;

	if (!ledger_caught_up())
		return 0;
	if (loa->nlost > 0)
		TAILQ_FOREACH(o, &loa->chunks, all)
			if (o->lost && strcmp(o->job_id, ck->job_id) == 0)
				return 0;
	return 1;
}

static void
chunk_gate(struct chunk *ck)
{
	struct loa_argv			 av;
	const struct loa_recipient	*rc;
	char				 key[24];
	int				 i;

	if (!gate_may_run(ck)) {
		if (ck->st != CK_GATEWAIT)
			loa->ngatewait++;
		ck->st = CK_GATEWAIT;
		return;		/* gate_waiting() takes it up */
	}
	if (ck->st == CK_GATEWAIT)
		loa->ngatewait--;
	ck->st = CK_GATING;
	loa_script_argv(&av, loa_script_gate, loa->cfg.prefix);
	loa_argv_add(&av, loa->k_work[ck->prio]);
	loa_argv_add(&av, ck->eid);
	loa_argv_add(&av, loa->consumer);
	loa_argv_add(&av, ck->job_id);
	loa_argv_add(&av, ck->ids != NULL ? "d" : "i");
	for (i = 0; i < ck->n; i++) {
		loa_argv_add(&av, chunk_item(ck, i, key, sizeof(key)));
		if (ck->ids == NULL) {
			rc = chunk_rcpt(ck, i);
			loa_argv_add(&av, rc->phone_ok ? rc->phone : "");
		}
	}
	ck->gate_at = loa_now_ms();
	if (loa_redis_cmdv(loa->rc, gate_cb, ck, &av) == -1)
		chunk_free(ck);
	loa_argv_free(&av);
}

/*
 * Called by deliver.c when an item of ck starts waiting to retry.  When
 * every item is dispatched and only retries are left, the chunk is
 * parked: it holds no room here (engine_room) and no longer paces the
 * job's expansion in Redis, while it stays pending for crash recovery.
 */
void
engine_chunk_retrying(struct chunk *ck)
{
	if (ck->parked || ck->lost || ck->next < ck->n ||
	    ck->outstanding != ck->retrying)
		return;
	ck->parked = 1;
	ledger_park(loa->k_work[ck->prio], ck->eid, ck->job_id);
}

/* Called by deliver.c when an item of ck got its final outcome. */
void
engine_item_final(struct chunk *ck)
{
	ck->finished++;
	if (chunk_maybe_done(ck))
		wake_dispatch();
}

/* Pick the next chunk with an item to send: urgent first, round-robin. */
static struct chunk *
next_chunk(void)
{
	struct chunk	*ck;
	int		 p, quiet;

	/* In quiet hours only urgent work goes out. */
	quiet = loa_quiet_now(&loa->cfg, loa_now_ms());
	for (p = 0; p < (quiet ? LOA_PRIO_URGENT + 1 : LOA_PRIO_COUNT); p++)
		while ((ck = TAILQ_FIRST(&loa->ready[p])) != NULL) {
			if (ck->next < ck->n)
				return ck;
			/* Everything dispatched: wait for outcomes. */
			TAILQ_REMOVE(&loa->ready[p], ck, entry);
			ck->st = CK_HELD;
		}
	return NULL;
}

/*
 * The providers that can send now have enough queued: QUEUE_AHEAD times
 * as many messages as they run at once, or, for a provider with a rate,
 * no more than QUEUE_SECS of its send times.  Bulk and normal work then
 * waits in its chunks instead (where jobs take turns too), so a job
 * arriving later is not queued behind all that was dispatched before it;
 * the queue still covers a pause of the dispatcher (a slow ledger batch).
 * Urgent messages go to the head of a provider's queue anyway.
 */
#define QUEUE_AHEAD	2
#define QUEUE_SECS	0.5
#define QUEUE_MIN_COST	10	/* one message of 10 segments fits */

static int
providers_backed_up(void)
{
	const struct provider	*p;
	int			 i, queued = 0, room = 0, r;

	for (i = 0; i < loa->nproviders; i++) {
		p = &loa->providers[i];
		if (p->paused || p->circ.st == CIRCUIT_OPEN)
			continue;
		r = QUEUE_AHEAD * p->conf->max_inflight;
		if (p->conf->rate > 0 && p->conf->rate * QUEUE_SECS < r) {
			r = (int)(p->conf->rate * QUEUE_SECS);
			if (r < QUEUE_MIN_COST)
				r = QUEUE_MIN_COST;
			queued += p->waitq.cost;
		} else
			queued += p->waitq.n;
		room += r;
	}
	return room > 0 && queued >= room;
}

/* The chunks whose gate waited go on when they may. */
static void
gate_waiting(void)
{
	struct chunk	*ck, *next;

	for (ck = TAILQ_FIRST(&loa->chunks); ck != NULL &&
	    loa->ngatewait > 0; ck = next) {
		next = TAILQ_NEXT(ck, all);
		if (ck->st == CK_GATEWAIT)
			chunk_gate(ck);
	}
}

/* One dispatch round (wake.c runs it). */
static void
run_round(void)
{
	struct chunk	*ck;
	int		 idx;

	if (loa->ngatewait > 0 && !loa->draining)
		gate_waiting();
	while (!loa->draining && loa->active < loa->cfg.max_inflight &&
	    (ck = next_chunk()) != NULL) {
		/*
		 * Urgent items go even while outcomes wait for Redis (they
		 * are few); the rest waits for the ledger to catch up and
		 * for room in the providers' queues.
		 */
		if (ck->prio != LOA_PRIO_URGENT && (ledger_backlog() ||
		    providers_backed_up()))
			break;
		idx = ck->next++;
		if (ck->job->cancelled && ck->gate[idx] != GATE_FINAL) {
			/* Cancelled: nothing more goes out for it. */
			ck->gate[idx] = GATE_FINAL;
			deliver_final(ck, idx, "cancelled", "", "cancelled",
			    NULL);
			continue;
		}
		if (ck->gate[idx] != GATE_FINAL) {
			/* A local transport may finish it right here. */
			ck->outstanding++;
			ck->dispatching = 1;
			deliver_start(ck, idx);
			ck->dispatching = 0;
			if (chunk_maybe_done(ck))
				continue;
		}
		/*
		 * The chunk's turn is counted on the chunk: a round that
		 * dispatches one item (a provider's queue full, at a low
		 * rate) must not keep the same chunk first for ever.
		 */
		if (++ck->turn < ROTATE_EVERY)
			continue;
		ck->turn = 0;
		if (ck->st == CK_READY && TAILQ_NEXT(ck, entry) != NULL) {
			TAILQ_REMOVE(&loa->ready[ck->prio], ck, entry);
			TAILQ_INSERT_TAIL(&loa->ready[ck->prio], ck, entry);
		}
	}
	ledger_flush();
}

static void
state_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	char		*id = arg;
	struct loa_job	*job;
	struct chunk	*ck;
	int		 marked = 0;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_STRING ||
	    strcmp(rep->str, "cancelled") != 0) {
		free(id);
		return;
	}
	/*
	 * Every copy of the job that chunks hold: the cache may have let it
	 * go (idle, over its budget) or hold a copy read again since.
	 */
	TAILQ_FOREACH(ck, &loa->chunks, all)
		if (ck->job != NULL && !ck->job->cancelled &&
		    strcmp(ck->job_id, id) == 0) {
			ck->job->cancelled = 1;
			marked = 1;
		}
	if ((job = job_cache_get(id)) != NULL)
		job->cancelled = 1;
	if (marked) {
		log_info("job %s: cancelled; nothing more goes out for it",
		    id);
		flow_pump_all();	/* queued messages end as cancelled */
		deliver_sweep_waiting();	/* so do those waiting */
		wake_dispatch();
	}
	free(id);
}

/*
 * From the cron: has a job this daemon holds work of been cancelled (by
 * loactl or the API, from any daemon)?  One HGET per job held.
 */
void
engine_poll_cancel(void)
{
	struct chunk	*ck, *o;
	const char	*argv[3];
	char		*key;

	TAILQ_FOREACH(ck, &loa->chunks, all) {
		if (ck->job == NULL || ck->job->cancelled)
			continue;
		for (o = TAILQ_FIRST(&loa->chunks); o != ck;
		    o = TAILQ_NEXT(o, all))
			if (o->job != NULL && !o->job->cancelled &&
			    strcmp(o->job_id, ck->job_id) == 0)
				break;
		if (o != ck)
			continue;	/* asked already for this job */
		key = loa_key_job(loa->cfg.prefix, ck->job_id);
		argv[0] = "HGET";
		argv[1] = key;
		argv[2] = "state";
		(void)loa_redis_cmd(loa->rc, state_cb, xstrdup(ck->job_id), 3,
		    argv, NULL);
		free(key);
	}
}



/*
 * Another daemon holds ck's entry now: nothing more of it goes out from
 * here, and it is neither acked nor handed back (not ours to); requests
 * already under way finish and are recorded (a final outcome is never
 * overwritten).
 */
static void
chunk_lost(struct chunk *ck)
{
	if (ck->lost)
		return;
	log_info("job %s: work entry %s is no longer ours (another daemon "
	    "took it, or the server lost it); leaving it", ck->job_id,
	    ck->eid);
	ck->lost = 1;
	loa->nlost++;
	if (ck->st == CK_READY) {
		TAILQ_REMOVE(&loa->ready[ck->prio], ck, entry);
		ck->st = CK_HELD;
	}
	if (ck->st == CK_GATING)
		return;		/* gate_cb frees it */
	ck->dispatching = 1;	/* not freed under the drops */
	flow_drop_chunk(ck);
	deliver_drop_chunk(ck);
	ck->dispatching = 0;
	chunk_maybe_done(ck);
}

static void
touch_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	long long	*at = arg;
	struct chunk	*ck, *next;
	size_t		 i;
	int		 p;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		free(at);
		return;		/* asked again by the next touch */
	}
	for (i = 0; i + 1 < rep->elements; i += 2)
		for (p = 0; p < LOA_PRIO_COUNT; p++) {
			if (rep->element[i]->type != REDIS_REPLY_STRING ||
			    strcmp(rep->element[i]->str, loa->k_work[p]) != 0)
				continue;
			for (ck = TAILQ_FIRST(&loa->chunks); ck != NULL;
			    ck = next) {
				next = TAILQ_NEXT(ck, all);
				if ((int)ck->prio == p &&
				    rep->element[i + 1]->type ==
				    REDIS_REPLY_STRING && strcmp(ck->eid,
				    rep->element[i + 1]->str) == 0)
					chunk_lost(ck);
			}
		}
	TAILQ_FOREACH(ck, &loa->chunks, all)
		if (!ck->lost && ck->owned_at < *at)
			ck->owned_at = *at;
	free(at);
	flow_pump_all();	/* what waited for this answer */
	wake_dispatch();
}

/*
 * Keep the entries we hold ours: a script resets the idle time of those
 * still pending for us (so other daemons' XAUTOCLAIM leaves them alone
 * while we are alive), and names those another daemon took meanwhile.
 */
void
engine_touch(void)
{
	struct loa_argv	 av;
	struct chunk	*ck;
	long long	*at;
	int		 i;

	loa_script_argv(&av, loa_script_touch, loa->cfg.prefix);
	loa_argv_add(&av, loa->consumer);
	TAILQ_FOREACH(ck, &loa->chunks, all) {
		loa_argv_add(&av, loa->k_work[ck->prio]);
		loa_argv_add(&av, ck->eid);
	}
	/*
	 * Finished, but their acks not recorded yet: until they are, another
	 * daemon that claimed one would find its last outcomes missing and
	 * send them again.
	 */
	for (i = 0; i < FINISHED_MAX; i++)
		if (finished[i].eid[0] != '\0' &&
		    !ledger_recorded(finished[i].ack)) {
			loa_argv_add(&av, loa->k_work[finished[i].prio]);
			loa_argv_add(&av, finished[i].eid);
		}
	expand_touch(&av);
	if (av.argc > 5) {
		at = xmalloc(sizeof(*at));
		*at = loa_now_ms();
		if (loa_redis_cmdv(loa->rc, touch_cb, at, &av) == -1)
			free(at);
	}
	loa_argv_free(&av);
}

/*
 * Shutting down: give every unfinished chunk back to the stream (after
 * the outcomes already queued), so another daemon or our successor takes
 * it up at once instead of after the claim timeout.
 */
void
engine_handback_all(void)
{
	struct chunk	*ck, *next;

	deliver_abort_waiting();
	flow_abort_all();
	provider_abandon_all();
	for (ck = TAILQ_FIRST(&loa->chunks); ck != NULL; ck = next) {
		next = TAILQ_NEXT(ck, all);
		/* LOADING/GATING: their callbacks hand them back. */
		if (ck->st == CK_READY || ck->st == CK_HELD ||
		    ck->st == CK_GATEWAIT) {
			chunk_handback(ck);
			chunk_free(ck);
		}
	}
	expand_handback_all();
	loa->handed_back = 1;
}

/* No request is waiting for an answer from a provider. */
int
engine_idle(void)
{
	return loa->inflight == 0;
}

/* Nothing held any more: every chunk finished or handed back. */
int
engine_settled(void)
{
	return loa->nchunks == 0 && expand_count() == 0;
}

/* The command connection is (again) up. */
void
engine_redis_up(void)
{
	engine_touch();		/* are our entries still ours? */
	ledger_replay();	/* what the server may have lost */
	ledger_flush();
	wake_dispatch();
}
