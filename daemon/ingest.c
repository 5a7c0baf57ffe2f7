/*
 * ingest.c -- reading the streams: jobs in, work out.
 *
 * One connection (loa->rb) does nothing but block in XREADGROUP on the
 * ingest stream loa:jobs and, while the engine has room, the three work
 * streams loa:work:{urgent,normal,bulk}; all in consumer group "loa",
 * created with MKSTREAM when missing (again after a Redis that lost them).
 *
 * A job entry is validated here (job.c), its wards resolved and checked
 * (submit.c: the same check and words as "loactl send" and POST
 * /v1/jobs), and then accepted or rejected by one script each on the
 * command connection: accepted jobs become work entries of at most
 * chunk_size recipients, or wait for approval when [approval] asks for
 * it (approval.c; the entry's "by" field names the submitter); rejected
 * ones go to loa:dead with a one-line reason.  Either way the ingest
 * entry is acked and deleted in the same script, so a crash leaves it
 * pending, to be claimed again: never half-accepted.
 *
 * Entries a dead or frozen consumer left pending are claimed with
 * XAUTOCLAIM once idle for claim_timeout (ingest_claim, from the cron).
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "auth.h"
#include "engine.h"

#define JOBS_COUNT	16	/* job entries per read */
#define DEAD_RAW_MAX	4096	/* bytes of an oversized job kept */

static int	 reading;	/* an XREADGROUP is outstanding on rb */
static int	 reading_work;	/* ... and it includes the work streams */
static int	 refilling;	/* a non-blocking work read is on rc */
static int	 read_want;	/* chunks asked for by the blocked read */
static int	 refill_want;	/* ... and by the refill */
static int	 groups_ready;
static int	 groups_pending;
static char	 claim_cursor[LOA_PRIO_COUNT + 1][40];

static void	read_next(void);

static const char *
field(redisReply *fields, const char *name, size_t *len)
{
	size_t	i;

	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0 &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING) {
			if (len != NULL)
				*len = fields->element[i + 1]->len;
			return fields->element[i + 1]->str;
		}
	return NULL;
}

/* What an accept script's reply is logged about: "job ID: ... (what)". */
struct accepting {
	char	*id;
	char	*what;		/* "3 recipients, normal" */
};

static struct accepting *
accepting_new(const char *id, char *what)
{
	struct accepting	*a = xcalloc(1, sizeof(*a));

	a->id = xstrdup(id);
	a->what = what;
	return a;
}

static void
script_reply_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct accepting	*a = arg;

	(void)r;
	if (rep == NULL)
		log_info("job %s: no answer from Redis (%s); the entry will "
		    "be claimed again", a->id, a->what);
	else if (rep->type == REDIS_REPLY_ERROR)
		log_warnx("job %s: %s (%s)", a->id, rep->str, a->what);
	else if (rep->type == REDIS_REPLY_STRING &&
	    strcmp(rep->str, "duplicate") == 0) {
		log_warnx("job %s: id already submitted; ignored (%s)", a->id,
		    a->what);
		metrics_job_rejected(JOB_REJECT_DUPLICATE);
	} else if (rep->type == REDIS_REPLY_STRING) {
		log_info("job %s: %s (%s)", a->id, rep->str, a->what);
		metrics_job_accepted();
	}
	free(a->id);
	free(a->what);
	free(a);
}

static void
job_event(struct loa_buf *b, const char *id, const char *state,
    const char *error, int total)
{
	char	ts[40];

	loa_time_iso(loa_now_ms(), ts, sizeof(ts));
	loa_buf_init(b);
	loa_json_kv(b, "ts", ts);
	loa_json_kv(b, "job", id);
	loa_json_kv(b, "state", state);
	if (error != NULL)
		loa_json_kv(b, "error", error);
	if (total >= 0)
		loa_json_kl(b, "total", total);
	loa_buf_add(b, "}", 1);
}

static void
reject(const char *eid, const char *id, const char *raw, size_t len,
    enum job_reject class, const char *why)
{
	struct loa_argv	 av;
	struct loa_buf	 ev;
	char		 now[40], ret[32];

	log_warnx("job %s: rejected: %s", id, why);
	job_event(&ev, id, "rejected", why, -1);
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	snprintf(ret, sizeof(ret), "%lld", loa->cfg.retention_ms);
	loa_script_argv(&av, loa_script_reject, loa->cfg.prefix);
	loa_argv_add(&av, loa->k_jobs);
	loa_argv_add(&av, eid);
	loa_argv_add(&av, id);
	loa_argv_addn(&av, raw, len > loa->cfg.max_job_size ? DEAD_RAW_MAX :
	    len);
	loa_argv_add(&av, why);
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_addn(&av, ev.data, ev.len);
	loa_argv_add(&av, ret);
	if (loa_redis_cmdv(loa->rc, NULL, NULL, &av) == -1)
		log_info("job %s: Redis is down; the entry will be claimed "
		    "again", id);
	else
		metrics_job_rejected(class);
	loa_argv_free(&av);
	loa_buf_free(&ev);
}

/* The id to file a rejected job under: its own when readable, else eid. */
static char *
rejected_id(const char *raw, size_t len, const char *eid)
{
	json_t		*root, *v;
	char		*id = NULL;

	if (len <= loa->cfg.max_job_size && loa_job_shape_ok(raw, len) &&
	    (root = json_loadb(raw, len, 0, NULL)) != NULL) {
		v = json_object_get(root, "id");
		if (json_is_string(v) && loa_name_valid(json_string_value(v)))
			id = xstrdup(json_string_value(v));
		json_decref(root);
	}
	return id != NULL ? id : xstrdup(eid);
}

/* The metrics' class of a job loa_job_parse() refused. */
static enum job_reject
reject_class(const char *raw, size_t len)
{
	json_t	*root;
	int	 obj;

	if (len > loa->cfg.max_job_size)
		return JOB_REJECT_TOO_LARGE;
	if (!loa_job_shape_ok(raw, len) ||
	    (root = json_loadb(raw, len, 0, NULL)) == NULL)
		return JOB_REJECT_MALFORMED;
	obj = json_is_object(root);
	json_decref(root);
	return obj ? JOB_REJECT_INVALID : JOB_REJECT_MALFORMED;
}

/* A valid job waiting for its wards to be resolved. */
struct pending {
	struct loa_job	*job;
	char		 eid[40];
	char		 by[LOA_NAME_MAX + 8];	/* who submitted it */
	char		*raw;
	size_t		 len;
};

static void
pending_free(struct pending *pj)
{
	loa_job_unref(pj->job);
	free(pj->raw);
	free(pj);
}

static void
accept_job(struct pending *pj, const char *wards)
{
	struct loa_job	*job = pj->job;
	struct loa_argv	 av;
	struct accepting *a;
	struct loa_buf	 ev;
	char		*spec, now[40], sendat[32], deadline[40];
	int		 audience = job->audience != LOA_AUD_RECIPIENTS;
	int		 need, min;
	long long	 due = loa_now_ms() + loa->cfg.approval_expire_ms;

	spec = loa_job_dump(job);
	job_event(&ev, job->id, job->send_at_ms > loa_now_ms() ? "scheduled" :
	    (audience ? "expanding" : "sending"), NULL, audience ? -1 :
	    job->nrcpt);
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	snprintf(sendat, sizeof(sendat), "%lld", job->send_at_ms >
	    loa_now_ms() ? job->send_at_ms : 0);
	loa_script_argv(&av, loa_script_accept, loa->cfg.prefix);
	loa_argv_add(&av, loa->k_jobs);
	loa_argv_add(&av, pj->eid);
	loa_argv_add(&av, job->id);
	loa_argv_add(&av, spec);
	loa_argv_addf(&av, "%d", audience ? -1 : job->nrcpt);
	loa_argv_add(&av, now);
	loa_argv_add(&av, loa_priority_name(job->prio));
	loa_argv_addf(&av, "%d", loa->cfg.chunk_size);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_addn(&av, ev.data, ev.len);
	loa_argv_add(&av, sendat);
	loa_argv_addf(&av, "%lld", loa->cfg.retention_ms);
	loa_argv_add(&av, wards);
	loa_argv_add(&av, pj->by);
	need = loa_approval_needed(&loa->cfg, job->audience, job->prio,
	    audience ? -1 : job->nrcpt, &min);
	loa_time_iso(due, deadline, sizeof(deadline));
	loa_argv_add(&av, need ? "1" : "0");
	loa_argv_addf(&av, "%d", min);
	loa_argv_addf(&av, "%lld", due);
	loa_argv_add(&av, deadline);
	a = accepting_new(job->id, audience ? xasprintf("%s, %s",
	    job->audience == LOA_AUD_ALL ? "all wards" : job->audience ==
	    LOA_AUD_WARDS ? "by wards" : "by districts",
	    loa_priority_name(job->prio)) : xasprintf("%d recipients, %s",
	    job->nrcpt, loa_priority_name(job->prio)));
	if (loa_redis_cmdv(loa->rc, script_reply_cb, a, &av) == -1)
		script_reply_cb(loa->rc, NULL, a);	/* says it, frees a */
	loa_argv_free(&av);
	loa_buf_free(&ev);
	free(spec);
}

/*
 * The wards of a job, resolved: reject it when an audience names wards or
 * districts the directory does not have, or when its templates use a
 * variable the directory has no column for (loa_resolve_verdict(), the
 * check and the words "loactl send" and POST /v1/jobs use too); else
 * accept it.
 */
static void
resolve_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*pj = arg;
	struct loa_job	*job = pj->job;
	struct loa_buf	 why;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != 3 ||
	    rep->element[0]->type != REDIS_REPLY_ARRAY ||
	    rep->element[1]->type != REDIS_REPLY_STRING ||
	    rep->element[2]->type != REDIS_REPLY_ARRAY) {
		if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
			log_warnx("job %s: resolve: %s", job->id, rep->str);
		pending_free(pj);	/* stays pending, claimed again */
		return;
	}
	if (loa_resolve_verdict(job, rep->element[0], rep->element[2], NULL,
	    &why) == -1)
		reject(pj->eid, job->id, pj->raw, pj->len,
		    rep->element[0]->elements > 0 &&
		    job->audience != LOA_AUD_RECIPIENTS ?
		    JOB_REJECT_AUDIENCE : JOB_REJECT_TEMPLATE, why.data);
	else
		accept_job(pj, rep->element[1]->str);
	loa_buf_free(&why);
	pending_free(pj);
}

static void
ingest_job(const char *eid, redisReply *fields)
{
	struct loa_job	*job;
	struct pending	*pj;
	struct loa_argv	 av;
	const char	*raw, *by;
	char		*id, err[512];
	size_t		 len = 0;

	if ((raw = field(fields, "job", &len)) == NULL) {
		reject(eid, eid, "", 0, JOB_REJECT_MALFORMED,
		    "stream entry has no \"job\" field");
		return;
	}
	job = loa_job_parse(raw, len, eid, loa->cfg.max_job_size, err,
	    sizeof(err));
	if (job == NULL) {
		id = rejected_id(raw, len, eid);
		reject(eid, id, raw, len, reject_class(raw, len), err);
		free(id);
		return;
	}
	pj = xcalloc(1, sizeof(*pj));
	pj->job = job;
	snprintf(pj->eid, sizeof(pj->eid), "%s", eid);
	/*
	 * "by": who submitted it (the HTTP API and loactl send write it);
	 * without one, or with one that is no actor's name, another
	 * system wrote the entry straight into the stream.  Anyone who can
	 * write there has the Redis password, an admin's power: it is
	 * believed.
	 */
	by = field(fields, "by", NULL);
	snprintf(pj->by, sizeof(pj->by), "%s", by != NULL &&
	    loa_actor_name_ok(by) ? by : "stream");
	pj->raw = xstrndup(raw, len);
	pj->len = len;
	loa_script_argv(&av, loa_script_resolve, loa->cfg.prefix);
	loa_resolve_args(&av, job);
	if (loa_redis_cmdv(loa->rc, resolve_cb, pj, &av) == -1) {
		log_info("job %s: Redis is down; the entry will be claimed "
		    "again", job->id);
		pending_free(pj);
	}
	loa_argv_free(&av);
}

/*
 * A work entry: explicit recipients (job, from, to), directory residents
 * (job, ids) or an expansion step (job, expand, w, cur).
 */
static void
work_entry(enum loa_priority prio, const char *eid, redisReply *fields)
{
	const char	*job, *from, *to, *ids, *w, *cur;
	char		*e1, *e2;
	long		 f, t;

	if ((job = field(fields, "job", NULL)) == NULL)
		goto bad;
	if ((ids = field(fields, "ids", NULL)) != NULL) {
		if (*ids == '\0')
			goto bad;
		engine_chunk_add(prio, eid, job, 0, 0, ids);
		return;
	}
	if (field(fields, "expand", NULL) != NULL) {
		w = field(fields, "w", NULL);
		cur = field(fields, "cur", NULL);
		if (w == NULL || cur == NULL)
			goto bad;
		f = strtol(w, &e1, 10);
		if (*e1 != '\0' || f < 0 || f > 100000 || strlen(cur) > 30)
			goto bad;
		/* Not when held already (claimed back by our own claim). */
		if (!engine_holds(prio, eid))
			expand_add(prio, eid, job, (int)f, cur, field(fields,
			    "rid", NULL));
		return;
	}
	from = field(fields, "from", NULL);
	to = field(fields, "to", NULL);
	if (from == NULL || to == NULL)
		goto bad;
	f = strtol(from, &e1, 10);
	t = strtol(to, &e2, 10);
	if (*e1 != '\0' || *e2 != '\0' || f < 0 || t <= f || t - f > 100000)
		goto bad;
	engine_chunk_add(prio, eid, job, (int)f, (int)t, NULL);
	return;
bad:
	log_warnx("%s: entry %s is not a Loa work entry; dropped",
	    loa->k_work[prio], eid);
	ledger_ack(loa->k_work[prio], eid, job != NULL ? job : "");
}

/* Entries of one stream: [[id, [k, v, ...]], ...]. */
static void
entries(const char *stream, redisReply *list)
{
	size_t	i;
	int	p;

	if (list == NULL || list->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < list->elements; i++) {
		redisReply *e = list->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;	/* deleted while pending */
		if (strcmp(stream, loa->k_jobs) == 0) {
			ingest_job(e->element[0]->str, e->element[1]);
			continue;
		}
		for (p = 0; p < LOA_PRIO_COUNT; p++)
			if (strcmp(stream, loa->k_work[p]) == 0)
				work_entry(p, e->element[0]->str,
				    e->element[1]);
	}
}

static void	create_groups(void);

static void
read_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	size_t	i;

	(void)r;
	(void)arg;
	reading = reading_work = 0;
	loa->chunks_requested -= read_want;
	read_want = 0;
	if (rep == NULL)
		return;			/* link lost: up() restarts us */
	if (rep->type == REDIS_REPLY_ERROR) {
		if (strncmp(rep->str, "NOGROUP", 7) == 0) {
			log_warnx("redis lost the consumer groups; creating "
			    "them again");
			create_groups();
			return;
		}
		log_warnx("XREADGROUP: %s", rep->str);
	} else if (rep->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < rep->elements; i++) {
			redisReply *s = rep->element[i];
			if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
				entries(s->element[0]->str, s->element[1]);
		}
		wake_dispatch();
	}
	read_next();
}

/*
 * XREADGROUP of count new entries for this consumer: blocking block ms
 * (-1: not at all), from the ingest stream when jobs, and from the work
 * streams when work.
 */
static void
xread_argv(struct loa_argv *av, int count, int block, int jobs, int work)
{
	int	p, i;

	loa_argv_init(av);
	loa_argv_add(av, "XREADGROUP");
	loa_argv_add(av, "GROUP");
	loa_argv_add(av, "loa");
	loa_argv_add(av, loa->consumer);
	loa_argv_add(av, "COUNT");
	loa_argv_addf(av, "%d", count);
	if (block >= 0) {
		loa_argv_add(av, "BLOCK");
		loa_argv_addf(av, "%d", block);
	}
	loa_argv_add(av, "STREAMS");
	if (jobs)
		loa_argv_add(av, loa->k_jobs);
	for (p = 0; work && p < LOA_PRIO_COUNT; p++)
		loa_argv_add(av, loa->k_work[p]);
	for (i = 0; i < jobs + (work ? LOA_PRIO_COUNT : 0); i++)
		loa_argv_add(av, ">");
}

static void
read_next(void)
{
	struct loa_argv	av;
	int		want, block;

	if (reading || !groups_ready || loa->draining ||
	    !loa_redis_up(loa->rb))
		return;
	want = engine_want_chunks();
	block = want > 0 ? 1000 : 100;
	xread_argv(&av, want > 0 ? want : JOBS_COUNT, block, 1, want > 0);
	loa_redis_set_timeout(loa->rb, block + loa->cfg.redis_timeout_ms);
	if (loa_redis_cmdv(loa->rb, read_cb, NULL, &av) == 0) {
		reading = 1;
		reading_work = want > 0;
		read_want = want > 0 ? want : 0;
		loa->chunks_requested += read_want;
	}
	loa_argv_free(&av);
}

static void
refill_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	size_t	i;

	(void)r;
	(void)arg;
	refilling = 0;
	loa->chunks_requested -= refill_want;
	refill_want = 0;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		return;		/* nil: nothing waiting; errors: the reader */
	for (i = 0; i < rep->elements; i++) {
		redisReply *s = rep->element[i];
		if (s->type == REDIS_REPLY_ARRAY && s->elements == 2)
			entries(s->element[0]->str, s->element[1]);
	}
	wake_dispatch();
}

/* No read is outstanding (its entries would be ours to finish). */
int
ingest_idle(void)
{
	return !reading && !refilling;
}

/*
 * The engine has room again.  When the blocked read does not cover the
 * work streams (it was issued while the engine was full), fetch work
 * without blocking on the command connection instead of waiting for it.
 */
void
ingest_kick(void)
{
	struct loa_argv	av;
	int		want;

	read_next();
	if (!reading || reading_work || refilling || !groups_ready ||
	    loa->draining || (want = engine_want_chunks()) <= 0)
		return;
	xread_argv(&av, want, -1, 0, 1);
	if (loa_redis_cmdv(loa->rc, refill_cb, NULL, &av) == 0) {
		refilling = 1;
		refill_want = want;
		loa->chunks_requested += want;
	}
	loa_argv_free(&av);
}

static void
group_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	(void)r;
	(void)arg;
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "BUSYGROUP", 9) != 0)
		log_warnx("XGROUP CREATE: %s", rep->str);
	if (rep == NULL) {
		groups_pending = 0;
		return;
	}
	if (--groups_pending == 0) {
		groups_ready = 1;
		read_next();
	}
}

static void
create_groups(void)
{
	const char	*argv[6] = { "XGROUP", "CREATE", NULL, "loa", "0",
	    "MKSTREAM" };
	int		 p;

	groups_ready = 0;
	groups_pending = 0;
	for (p = -1; p < LOA_PRIO_COUNT; p++) {
		argv[2] = p < 0 ? loa->k_jobs : loa->k_work[p];
		if (loa_redis_cmd(loa->rb, group_cb, NULL, 6, argv, NULL) == 0)
			groups_pending++;
	}
}

void
ingest_redis_up(struct loa_redis *r, void *arg)
{
	(void)arg;
	if (r == loa->rb) {
		reading = 0;
		create_groups();
	} else
		engine_redis_up();
}

void
ingest_redis_down(struct loa_redis *r, void *arg)
{
	(void)arg;
	if (r == loa->rb) {
		reading = reading_work = 0;
		groups_ready = 0;
	} else
		refilling = 0;
}

void
ingest_init(void)
{
	int	i;

	for (i = 0; i <= LOA_PRIO_COUNT; i++)
		snprintf(claim_cursor[i], sizeof(claim_cursor[i]), "0-0");
	wake_add(ingest_kick);	/* after each dispatch round: read more */
}

static void
claim_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	int	 i = (int)(intptr_t)arg;	/* 0: jobs, 1+p: work p */

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements < 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING)
		return;
	snprintf(claim_cursor[i], sizeof(claim_cursor[i]), "%s",
	    rep->element[0]->str);
	if (rep->element[1]->type == REDIS_REPLY_ARRAY &&
	    rep->element[1]->elements > 0) {
		log_info("claimed %zu entries of %s left by another "
		    "consumer", rep->element[1]->elements, i == 0 ?
		    loa->k_jobs : loa->k_work[i - 1]);
		entries(i == 0 ? loa->k_jobs : loa->k_work[i - 1],
		    rep->element[1]);
		wake_dispatch();
	}
}

/* Claim entries idle for longer than claim_timeout (dead consumers). */
void
ingest_claim(void)
{
	struct loa_argv	av;
	int		i, want;

	if (loa->draining || !groups_ready)
		return;
	for (i = 0; i <= LOA_PRIO_COUNT; i++) {
		want = i == 0 ? JOBS_COUNT : engine_room(0);
		if (want <= 0)
			continue;
		loa_argv_init(&av);
		loa_argv_add(&av, "XAUTOCLAIM");
		loa_argv_add(&av, i == 0 ? loa->k_jobs : loa->k_work[i - 1]);
		loa_argv_add(&av, "loa");
		loa_argv_add(&av, loa->consumer);
		loa_argv_addf(&av, "%lld", loa->cfg.claim_timeout_ms);
		loa_argv_add(&av, claim_cursor[i]);
		loa_argv_add(&av, "COUNT");
		loa_argv_addf(&av, "%d", want);
		(void)loa_redis_cmdv(loa->rc, claim_cb, (void *)(intptr_t)i,
		    &av);
		loa_argv_free(&av);
	}
}

/*
 * Scheduled jobs whose send_at has come become work; jobs held for
 * approval past their approval_deadline end expired (approval_expire.lua:
 * whichever daemon comes first, the set is shared).
 */
void
ingest_promote(void)
{
	struct loa_argv	av;
	char		now[40];

	if (loa->draining)
		return;
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_promote, loa->cfg.prefix);
	loa_argv_addf(&av, "%lld", loa_now_ms());
	loa_argv_addf(&av, "%d", loa->cfg.chunk_size);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_add(&av, now);
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
	loa_script_argv(&av, loa_script_approval_expire, loa->cfg.prefix);
	loa_argv_addf(&av, "%lld", loa_now_ms());
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_addf(&av, "%lld", loa->cfg.retention_ms);
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
}
