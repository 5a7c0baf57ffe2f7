/*
 * plan.c -- what a job will do, decided as the daemon decides it (see
 * plan.h), for loactl preview, loactl send --test and deliver.c.
 *
 *  - The wards: the daemon's own resolve script (daemon/lua/resolve.lua),
 *    sent as EVAL_RO so that Redis itself refuses any write: the wards a
 *    job reaches in the daemon's order (the audience's codes in the
 *    job's order, else every ward code sorted), the names of unknown
 *    wards or districts, and the directory's columns.
 *  - The skip rules, in the order of deliver_start() and try_channel():
 *    opted out (the resident's opt_out flag, or its phone in
 *    <prefix>optout), then a phone another recipient of the job has
 *    already (explicit recipients: the normalized phone, job.c's
 *    dup_of; residents: the "phone" field as imported, as the gate
 *    compares it, including the phones of residents skipped as opted
 *    out), then no channel of the job the recipient takes and has an
 *    address for: bad_phone when its phone is what is wrong, else
 *    no_channel.  (A channel without a provider, which only the daemon
 *    knows, is not a skip: the daemon fails it as no_provider.)
 *  - The walk: every recipient once, with its skip reason.  Explicit
 *    recipients are in the job; opt-outs are asked PLAN_BATCH phones at a
 *    time (SMISMEMBER).  A directory audience is streamed ward by ward:
 *    SSCAN of <prefix>ward:<code>:residents, PLAN_SSCAN members a step,
 *    then the step's resident hashes (HGETALL) and opt-outs in one
 *    pipelined round trip.  Nothing grows with the audience but the set
 *    of phones seen, kept as 64-bit hashes in an open-addressing table at
 *    most half full: 16 to 32 bytes a distinct phone, 16 MiB for a
 *    million (two phones whose hashes collide, odds about 1 in 10^7 for
 *    a million, would count one as a duplicate).  A resident SSCAN
 *    returns twice because the set was rehashed during the walk (the
 *    directory changed meanwhile) is walked twice; the daemon queues it
 *    once.
 *  - The sample: explicit recipients have the job's first; an audience
 *    has the resident whose id sorts first (byte order) in the first
 *    ward, in the daemon's order, that has residents.  It does not
 *    depend on SSCAN's order, so preview and send --test take the same
 *    one, run after run.
 *
 * Every call that talks to Redis returns 0, or -1 with plan->err (the
 * connection lost, an error reply, an answer of the wrong shape).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "loa.h"
#include "plan.h"

#define PLAN_SSCAN	"1000"	/* COUNT hint of each SSCAN step */
#define PLAN_BATCH	1000	/* phones per SMISMEMBER of recipients */

static const char *const skip_names[LOA_SKIP_COUNT] = {
	"opted_out", "duplicate", "bad_phone", "no_channel"
};

const char *
loa_skip_name(enum loa_skip s)
{
	return s >= 0 && s < LOA_SKIP_COUNT ? skip_names[s] : NULL;
}

/* Has rc an address channel ch can send to? */
static int
has_address(const struct loa_recipient *rc, enum loa_channel ch)
{
	if (ch == LOA_CH_SMS)
		return rc->phone_ok;
	return rc->phone_ok || rc->zalo_uid != NULL;
}

/* May the daemon try channel ch for rc: it takes it and has an address? */
int
loa_plan_usable(const struct loa_recipient *rc, enum loa_channel ch)
{
	return (rc->channels & (1u << ch)) && has_address(rc, ch);
}

/* Why rc, which no channel of its job can reach, is skipped. */
enum loa_skip
loa_plan_unreachable(const struct loa_recipient *rc)
{
	return rc->phone_raw != NULL && !rc->phone_ok ? LOA_SKIP_BAD_PHONE :
	    LOA_SKIP_NO_CHANNEL;
}

/*
 * Why the daemon skips rc of job before sending (LOA_SKIP_NONE: it does
 * not): opted_out and duplicate are what Redis says of it.
 */
enum loa_skip
loa_plan_skip(const struct loa_job *job, const struct loa_recipient *rc,
    int opted_out, int duplicate)
{
	int	i;

	if (opted_out)
		return LOA_SKIP_OPTED_OUT;
	if (duplicate)
		return LOA_SKIP_DUPLICATE;
	for (i = 0; i < job->nchannels; i++)
		if (loa_plan_usable(rc, job->channels[i]))
			return LOA_SKIP_NONE;
	return loa_plan_unreachable(rc);
}

/*
 * Send the n commands of cmds in one round trip and read their replies
 * into out.  On -1 (plan->err) no reply is left to free.
 */
static int
pipeline(struct loa_plan *p, const struct loa_argv *cmds, size_t n,
    redisReply **out)
{
	redisContext	*c = p->c;
	void		*reply;
	size_t		 i, got = 0;

	for (i = 0; i < n; i++)
		if (redisAppendCommandArgv(c, cmds[i].argc,
		    (const char **)cmds[i].argv, cmds[i].len) != REDIS_OK)
			goto lost;
	for (got = 0; got < n; got++) {
		if (redisGetReply(c, &reply) != REDIS_OK || reply == NULL)
			goto lost;
		out[got] = reply;
	}
	for (i = 0; i < n; i++)
		if (out[i]->type == REDIS_REPLY_ERROR) {
			snprintf(p->err, sizeof(p->err), "redis: %s: %s",
			    cmds[i].argv[0], out[i]->str);
			goto fail;
		}
	return 0;
lost:
	snprintf(p->err, sizeof(p->err), "redis: %s", c->errstr[0] != '\0' ?
	    c->errstr : "no reply");
fail:
	for (i = 0; i < got; i++)
		freeReplyObject(out[i]);
	return -1;
}

static redisReply *
command(struct loa_plan *p, const struct loa_argv *av)
{
	redisReply	*r;

	return pipeline(p, av, 1, &r) == 0 ? r : NULL;
}

static int
bad_reply(struct loa_plan *p, const char *what, redisReply *r)
{
	snprintf(p->err, sizeof(p->err), "redis: %s: unexpected reply", what);
	freeReplyObject(r);
	return -1;
}

/* The strings of an array reply, all of them strings? */
static int
strings(const redisReply *r)
{
	size_t	i;

	if (r->type != REDIS_REPLY_ARRAY)
		return 0;
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return 0;
	return 1;
}

/*
 * Resolve job against the directory into p (which the caller frees with
 * loa_plan_free(), also after a -1).  job and c must outlive p.
 */
int
loa_plan_resolve(struct loa_plan *p, struct redisContext *c,
    const char *prefix, const struct loa_job *job)
{
	struct loa_argv	 av;
	redisReply	*r;
	json_t		*e;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->prefix = prefix;
	p->job = job;
	loa_script_argv(&av, loa_script_resolve, prefix);
	loa_resolve_args(&av, job);
	/* A read-only call: Redis refuses the script any write. */
	free(av.argv[0]);
	av.argv[0] = xstrdup("EVAL_RO");
	av.len[0] = strlen(av.argv[0]);
	r = command(p, &av);
	loa_argv_free(&av);
	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    !strings(r->element[0]) ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    !strings(r->element[2]))
		return bad_reply(p, "resolve", r);
	p->wards_json = json_loads(r->element[1]->str, 0, NULL);
	if (json_is_object(p->wards_json) &&
	    json_object_size(p->wards_json) == 0) {
		/* cjson encodes the empty list as {} */
		json_decref(p->wards_json);
		p->wards_json = json_array();
	}
	if (!json_is_array(p->wards_json))
		return bad_reply(p, "resolve", r);
	p->nmissing = r->element[0]->elements;
	p->missing = xcalloc(p->nmissing + 1, sizeof(*p->missing));
	for (i = 0; i < p->nmissing; i++)
		p->missing[i] = xstrdup(r->element[0]->element[i]->str);
	p->columns = json_array();
	for (i = 0; i < r->element[2]->elements; i++)
		json_array_append_new(p->columns,
		    json_string(r->element[2]->element[i]->str));
	freeReplyObject(r);
	p->wards = xcalloc(json_array_size(p->wards_json) + 1,
	    sizeof(*p->wards));
	json_array_foreach(p->wards_json, i, e) {
		const char *code = json_string_value(json_array_get(e, 0));
		const char *name = json_string_value(json_array_get(e, 1));
		const char *d = json_string_value(json_array_get(e, 2));
		if (code == NULL || name == NULL)
			continue;
		p->wards[p->nwards].code = xstrdup(code);
		p->wards[p->nwards].name = xstrdup(name);
		p->wards[p->nwards++].district = xstrdup(d != NULL ? d : "");
	}
	return 0;
}

/* ---- the phones seen: 64-bit hashes, open addressing ---- */

static uint64_t
phone_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;					/* spread the bits */
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;				/* 0: empty slot */
}

static void
phones_put(uint64_t *slot, size_t cap, uint64_t h)
{
	size_t	i = (size_t)h & (cap - 1);

	while (slot[i] != 0 && slot[i] != h)
		i = (i + 1) & (cap - 1);
	slot[i] = h;
}

/*
 * Add phone to the phones seen: 1 when it is new, 0 when another
 * recipient had it, -1 out of memory.
 */
static int
phones_add(struct loa_plan *p, const char *phone)
{
	uint64_t	 h = phone_hash(phone), *grown;
	size_t		 i, cap;

	if (2 * (p->phones_n + 1) > p->phones_cap) {
		cap = p->phones_cap == 0 ? 1024 : 2 * p->phones_cap;
		if ((grown = calloc(cap, sizeof(*grown))) == NULL) {
			snprintf(p->err, sizeof(p->err), "out of memory for "
			    "%zu phones", p->phones_n);
			return -1;
		}
		for (i = 0; i < p->phones_cap; i++)
			if (p->phones[i] != 0)
				phones_put(grown, cap, p->phones[i]);
		free(p->phones);
		p->phones = grown;
		p->phones_cap = cap;
	}
	i = (size_t)h & (p->phones_cap - 1);
	while (p->phones[i] != 0) {
		if (p->phones[i] == h)
			return 0;
		i = (i + 1) & (p->phones_cap - 1);
	}
	p->phones[i] = h;
	p->phones_n++;
	return 1;
}

/* ---- the walk ---- */

/* SMISMEMBER <prefix>optout of the n phones (n > 0). */
static void
optout_argv(struct loa_plan *p, struct loa_argv *av)
{
	loa_argv_init(av);
	loa_argv_add(av, "SMISMEMBER");
	loa_argv_take(av, loa_key_optout(p->prefix));
}

static int
optout_flag(const redisReply *r, size_t k)
{
	return r->type == REDIS_REPLY_ARRAY && k < r->elements &&
	    r->element[k]->type == REDIS_REPLY_INTEGER &&
	    r->element[k]->integer == 1;
}

/* Explicit recipients: opt-outs asked PLAN_BATCH phones at a time. */
static int
walk_recipients(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	const struct loa_job	*job = p->job;
	struct loa_plan_item	 it;
	struct loa_argv		 av;
	redisReply		*r;
	unsigned char		*opted;
	int			 i, from, k, n;

	opted = xcalloc((size_t)job->nrcpt + 1, 1);
	for (from = 0; from < job->nrcpt; from += PLAN_BATCH) {
		optout_argv(p, &av);
		for (i = from, n = 0; i < job->nrcpt && i < from + PLAN_BATCH;
		    i++)
			if (job->rcpt[i].phone_ok) {
				loa_argv_add(&av, job->rcpt[i].phone);
				n++;
			}
		r = NULL;
		if (n > 0 && (r = command(p, &av)) == NULL) {
			loa_argv_free(&av);
			free(opted);
			return -1;
		}
		loa_argv_free(&av);
		for (i = from, k = 0; r != NULL && i < job->nrcpt &&
		    i < from + PLAN_BATCH; i++)
			if (job->rcpt[i].phone_ok)
				opted[i] = optout_flag(r, (size_t)k++);
		if (r != NULL)
			freeReplyObject(r);
	}
	for (i = 0; i < job->nrcpt; i++) {
		it.rc = &job->rcpt[i];
		it.index = i;
		it.ward = it.rc->ward;
		it.skip = loa_plan_skip(job, it.rc, it.rc->opted_out ||
		    opted[i], it.rc->dup_of >= 0);
		cb(arg, &it);
	}
	free(opted);
	return 0;
}

/* A resident hash (HGETALL reply h) as a recipient; strings in holder. */
static void
resident_from_reply(struct loa_recipient *rc, json_t *holder,
    const char *id, const redisReply *h)
{
	const char	**kv;
	size_t		 *len, i, n;

	n = h->type == REDIS_REPLY_ARRAY ? h->elements / 2 : 0;
	kv = xcalloc(2 * n + 1, sizeof(*kv));
	len = xcalloc(2 * n + 1, sizeof(*len));
	for (i = 0; i < 2 * n; i++) {
		kv[i] = h->element[i]->type == REDIS_REPLY_STRING ?
		    h->element[i]->str : "";
		len[i] = h->element[i]->type == REDIS_REPLY_STRING ?
		    h->element[i]->len : 0;
	}
	loa_recipient_from_hash(rc, holder, id, kv, len, n);
	free(kv);
	free(len);
}

/*
 * The n residents ids[] of ward: their hashes and opt-outs in one round
 * trip, then each through cb.
 */
static int
walk_step(struct loa_plan *p, const char *ward, redisReply **ids, size_t n,
    loa_plan_cb cb, void *arg)
{
	struct loa_plan_item	 it;
	struct loa_recipient	*rc;
	struct loa_argv		*cmds;
	redisReply		**rep;
	json_t			*holder, *h;
	size_t			 i, k, nph = 0;
	int			 dup, rv = -1, opted;

	cmds = xcalloc(n + 1, sizeof(*cmds));
	rep = xcalloc(n + 1, sizeof(*rep));
	rc = xcalloc(n + 1, sizeof(*rc));
	holder = json_array();
	for (i = 0; i < n; i++) {
		loa_argv_init(&cmds[i]);
		loa_argv_add(&cmds[i], "HGETALL");
		loa_argv_take(&cmds[i], loa_key_resident(p->prefix,
		    ids[i]->str));
	}
	if (pipeline(p, cmds, n, rep) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		h = json_object();
		json_array_append_new(holder, h);
		resident_from_reply(&rc[i], h, ids[i]->str, rep[i]);
		freeReplyObject(rep[i]);
		rep[i] = NULL;
	}
	/* As the gate: opt-outs of the phones as imported. */
	optout_argv(p, &cmds[n]);
	for (i = 0; i < n; i++)
		if (rc[i].phone_raw != NULL) {
			loa_argv_add(&cmds[n], rc[i].phone_raw);
			nph++;
		}
	if (nph > 0 && pipeline(p, &cmds[n], 1, &rep[n]) == -1)
		goto out;
	for (i = 0, k = 0; i < n; i++) {
		opted = rc[i].opted_out;
		dup = 0;
		if (rc[i].phone_raw != NULL) {
			opted |= optout_flag(rep[n], k++);
			/* Claimed even by the opted out, as the gate does. */
			if ((dup = phones_add(p, rc[i].phone_raw)) == -1)
				goto out;
			dup = !dup;
		}
		it.rc = &rc[i];
		it.index = -1;
		it.ward = ward;
		it.skip = loa_plan_skip(p->job, &rc[i], opted, dup);
		cb(arg, &it);
	}
	rv = 0;
out:
	for (i = 0; i <= n; i++) {
		loa_argv_free(&cmds[i]);
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	free(cmds);
	free(rep);
	free(rc);
	json_decref(holder);
	return rv;
}

/*
 * SSCAN ward's residents set from cursor *cur (updated, "0" at the end):
 * the reply, whose element[1] holds the members, all strings.
 */
static redisReply *
sscan(struct loa_plan *p, const char *key, char *cur, size_t curlen)
{
	struct loa_argv	 av;
	redisReply	*r;

	loa_argv_init(&av);
	loa_argv_add(&av, "SSCAN");
	loa_argv_add(&av, key);
	loa_argv_add(&av, cur);
	loa_argv_add(&av, "COUNT");
	loa_argv_add(&av, PLAN_SSCAN);
	r = command(p, &av);
	loa_argv_free(&av);
	if (r == NULL)
		return NULL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= curlen || !strings(r->element[1])) {
		bad_reply(p, "SSCAN", r);
		return NULL;
	}
	memcpy(cur, r->element[0]->str, r->element[0]->len + 1);
	return r;
}

static int
walk_ward(struct loa_plan *p, const char *code, loa_plan_cb cb, void *arg)
{
	redisReply	*r;
	char		*key, cur[32] = "0";
	int		 rv = 0;

	key = loa_key_ward_residents(p->prefix, code);
	do {
		if ((r = sscan(p, key, cur, sizeof(cur))) == NULL) {
			rv = -1;
			break;
		}
		rv = r->element[1]->elements == 0 ? 0 : walk_step(p, code,
		    r->element[1]->element, r->element[1]->elements, cb, arg);
		freeReplyObject(r);
	} while (rv == 0 && strcmp(cur, "0") != 0);
	free(key);
	return rv;
}

/*
 * Every recipient of the job once, in the daemon's order of wards, with
 * why it is skipped, through cb (which must not keep the item).  Call it
 * once per plan.
 */
int
loa_plan_walk(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	size_t	i;

	if (p->job->audience == LOA_AUD_RECIPIENTS)
		return walk_recipients(p, cb, arg);
	for (i = 0; i < p->nwards; i++)
		if (walk_ward(p, p->wards[i].code, cb, arg) == -1)
			return -1;
	return 0;
}

/*
 * The recipient of an explicit job that want names, by its "id" or as
 * "#N" (0-based); want NULL: the sample, the first.  Its index, or -1.
 */
int
loa_plan_recipient(const struct loa_job *job, const char *want)
{
	char	*end;
	long	 n;
	int	 i;

	if (want == NULL)
		return job->nrcpt > 0 ? 0 : -1;
	if (want[0] == '#' && want[1] >= '0' && want[1] <= '9') {
		errno = 0;
		n = strtol(want + 1, &end, 10);
		return *end == '\0' && errno == 0 && n < job->nrcpt ?
		    (int)n : -1;
	}
	for (i = 0; i < job->nrcpt; i++)
		if (job->rcpt[i].id != NULL && strcmp(job->rcpt[i].id,
		    want) == 0)
			return i;
	return -1;
}

/*
 * The sample of a directory audience (see the top of the file): *id is
 * a new string, or NULL when no ward it reaches has a resident.
 */
int
loa_plan_sample(struct loa_plan *p, char **id)
{
	redisReply	*r, *m;
	char		*key, cur[32];
	size_t		 i, k;

	*id = NULL;
	for (i = 0; i < p->nwards && *id == NULL; i++) {
		key = loa_key_ward_residents(p->prefix, p->wards[i].code);
		strcpy(cur, "0");
		do {
			if ((r = sscan(p, key, cur, sizeof(cur))) == NULL) {
				free(key);
				free(*id);
				*id = NULL;
				return -1;
			}
			m = r->element[1];
			for (k = 0; k < m->elements; k++)
				if (*id == NULL ||
				    strcmp(m->element[k]->str, *id) < 0) {
					free(*id);
					*id = xstrdup(m->element[k]->str);
				}
			freeReplyObject(r);
		} while (strcmp(cur, "0") != 0);
		free(key);
	}
	return 0;
}

/*
 * Directory resident id as a recipient (strings in holder), opted out by
 * its flag or its phone in <prefix>optout; *found says whether its hash
 * exists (never for an id outside the name rule, loa_name_valid(): it
 * comes from the command line and is not made into a key).
 */
int
loa_plan_resident(struct loa_plan *p, const char *id,
    struct loa_recipient *rc, json_t *holder, int *found)
{
	struct loa_argv	 av[2];
	redisReply	*r[2];
	int		 n = 1, rv;

	if (!loa_name_valid(id)) {
		/* Not a resident id: never part of a key ("r1:x"). */
		memset(rc, 0, sizeof(*rc));
		*found = 0;
		return 0;
	}
	loa_argv_init(&av[0]);
	loa_argv_add(&av[0], "HGETALL");
	loa_argv_take(&av[0], loa_key_resident(p->prefix, id));
	if ((rv = pipeline(p, av, 1, r)) == 0) {
		resident_from_reply(rc, holder, id, r[0]);
		*found = r[0]->type == REDIS_REPLY_ARRAY &&
		    r[0]->elements > 0;
		freeReplyObject(r[0]);
		if (!rc->opted_out && rc->phone_raw != NULL) {
			optout_argv(p, &av[1]);
			loa_argv_add(&av[1], rc->phone_raw);
			n = 2;
			if ((rv = pipeline(p, &av[1], 1, &r[1])) == 0) {
				rc->opted_out = optout_flag(r[1], 0);
				freeReplyObject(r[1]);
			}
		}
	}
	while (n-- > 0)
		loa_argv_free(&av[n]);
	return rv;
}

void
loa_plan_free(struct loa_plan *p)
{
	size_t	i;

	for (i = 0; i < p->nwards; i++) {
		free(p->wards[i].code);
		free(p->wards[i].name);
		free(p->wards[i].district);
	}
	free(p->wards);
	json_decref(p->wards_json);
	for (i = 0; i < p->nmissing; i++)
		free(p->missing[i]);
	free(p->missing);
	json_decref(p->columns);
	free(p->phones);
	memset(p, 0, sizeof(*p));
}
