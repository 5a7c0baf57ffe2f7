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
 *    <prefix>optout, or a directory resident's zalo_uid in
 *    <prefix>optout:zalo: a TU CHOI from Zalo, as gate.lua), then a phone another recipient of the job has
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

/*
 * Who sends on channel zalo (LOA_PLAN_ZALO_* bits), set by the daemon
 * from its plugins' flags and by loactl from the config's plugin names;
 * the default is the console's, which takes any address.
 */
unsigned loa_plan_zalo = LOA_PLAN_ZALO_ANY;

/*
 * Has rc an address channel ch of job can send to?  Zalo: a phone and
 * the job's template_id (ZNS), or a user id and the job's zalo.text when
 * a provider sends by user id (zalo_oa); the console takes either
 * address.  (flow.c's flow_serves() applies the same rule per provider.)
 */
static int
has_address(const struct loa_job *job, const struct loa_recipient *rc,
    enum loa_channel ch)
{
	if (ch == LOA_CH_SMS)
		return rc->phone_ok;
	if ((loa_plan_zalo & LOA_PLAN_ZALO_ANY) &&
	    (rc->phone_ok || rc->zalo_uid != NULL))
		return 1;
	if (rc->phone_ok && job->zalo_template_id != NULL)
		return 1;
	return (loa_plan_zalo & LOA_PLAN_ZALO_UID) && rc->zalo_uid != NULL &&
	    job->zalo_text != NULL;
}

/* May the daemon try channel ch for rc: it takes it and has an address? */
int
loa_plan_usable(const struct loa_job *job, const struct loa_recipient *rc,
    enum loa_channel ch)
{
	return (rc->channels & (1u << ch)) && has_address(job, rc, ch);
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
		if (loa_plan_usable(job, rc, job->channels[i]))
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
 * Start p for job (which the caller frees with loa_plan_free()); job and
 * c (NULL: the caller sends the commands) must outlive p.
 */
void
loa_plan_init(struct loa_plan *p, struct redisContext *c, const char *prefix,
    const struct loa_job *job)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->prefix = prefix;
	p->job = job;
}

/* The resolve script's call for p's job, read-only. */
void
loa_plan_resolve_argv(const struct loa_plan *p, struct loa_argv *av)
{
	loa_script_argv(av, loa_script_resolve, p->prefix);
	loa_resolve_args(av, p->job);
	/* A read-only call: Redis refuses the script any write. */
	free(av->argv[0]);
	av->argv[0] = xstrdup("EVAL_RO");
	av->len[0] = strlen(av->argv[0]);
}

/* The resolve script's reply r (NULL: none) into p: 0, or -1 (p->err). */
int
loa_plan_resolve_reply(struct loa_plan *p, const redisReply *r)
{
	json_t		*e;
	size_t		 i;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		snprintf(p->err, sizeof(p->err), "redis: resolve: %s",
		    r != NULL ? r->str : "no reply");
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    !strings(r->element[0]) ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    !strings(r->element[2]))
		goto bad;
	p->wards_json = json_loads(r->element[1]->str, 0, NULL);
	if (json_is_object(p->wards_json) &&
	    json_object_size(p->wards_json) == 0) {
		/* cjson encodes the empty list as {} */
		json_decref(p->wards_json);
		p->wards_json = json_array();
	}
	if (!json_is_array(p->wards_json))
		goto bad;
	p->nmissing = r->element[0]->elements;
	p->missing = xcalloc(p->nmissing + 1, sizeof(*p->missing));
	for (i = 0; i < p->nmissing; i++)
		p->missing[i] = xstrdup(r->element[0]->element[i]->str);
	p->columns = json_array();
	for (i = 0; i < r->element[2]->elements; i++)
		json_array_append_new(p->columns,
		    json_string(r->element[2]->element[i]->str));
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
 bad:
	snprintf(p->err, sizeof(p->err), "redis: resolve: unexpected reply");
	return -1;
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
	int		 rv;

	loa_plan_init(p, c, prefix, job);
	loa_plan_resolve_argv(p, &av);
	r = command(p, &av);
	loa_argv_free(&av);
	if (r == NULL)
		return -1;
	rv = loa_plan_resolve_reply(p, r);
	freeReplyObject(r);
	return rv;
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

/* SMISMEMBER <prefix>optout:zalo of Zalo user ids, to be added. */
static void
optout_zalo_argv(struct loa_plan *p, struct loa_argv *av)
{
	loa_argv_init(av);
	loa_argv_add(av, "SMISMEMBER");
	loa_argv_take(av, loa_key_optout_zalo(p->prefix));
}

static int
optout_flag(const redisReply *r, size_t k)
{
	return r->type == REDIS_REPLY_ARRAY && k < r->elements &&
	    r->element[k]->type == REDIS_REPLY_INTEGER &&
	    r->element[k]->integer == 1;
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

/* SSCAN of the set key from cursor cur, PLAN_SSCAN members a step. */
static void
sscan_argv(struct loa_argv *av, const char *key, const char *cur)
{
	loa_argv_add(av, "SSCAN");
	loa_argv_add(av, key);
	loa_argv_add(av, cur);
	loa_argv_add(av, "COUNT");
	loa_argv_add(av, PLAN_SSCAN);
}

/*
 * An SSCAN reply r: 0 with the next cursor in cur (curlen bytes, "0" at
 * the end), when element[1] holds the members, all strings; else -1.
 */
static int
sscan_parse(struct loa_plan *p, const redisReply *r, char *cur,
    size_t curlen)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= curlen || !strings(r->element[1])) {
		snprintf(p->err, sizeof(p->err), "redis: SSCAN: unexpected "
		    "reply");
		return -1;
	}
	memcpy(cur, r->element[0]->str, r->element[0]->len + 1);
	return 0;
}

/* SSCAN key from cursor *cur (updated): the reply, or NULL (p->err). */
static redisReply *
sscan(struct loa_plan *p, const char *key, char *cur, size_t curlen)
{
	struct loa_argv	 av;
	redisReply	*r;

	loa_argv_init(&av);
	sscan_argv(&av, key, cur);
	r = command(p, &av);
	loa_argv_free(&av);
	if (r != NULL && sscan_parse(p, r, cur, curlen) == -1) {
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* ---- the walk, in steps ---- */

/*
 * The walk is a machine of steps so that two drivers share it: the
 * synchronous loa_plan_walk() below (loactl) and the daemon's
 * asynchronous one (capi.c), which sends each step's commands on its
 * event loop.  loa_plan_next() does what needs no Redis (calling cb for
 * the recipients the last replies completed) and returns the commands
 * of the next step in p->io; each of their replies goes, in order, to
 * loa_plan_feed().  Only one step is held at a time: at most the SSCAN
 * step's ids and resident hashes (PLAN_SSCAN give or take), and for
 * explicit recipients one flag a recipient.
 */
enum {
	PW_START = 0,
	PW_RBATCH,	/* explicit: the next batch of phones */
	PW_ROPT,	/* its SMISMEMBER sent */
	PW_WARD,	/* the next ward */
	PW_SSCAN,	/* an SSCAN sent */
	PW_HASHES,	/* the step's HGETALLs sent */
	PW_OPTOUT,	/* the step's SMISMEMBERs sent (phones, uids) */
	PW_DONE
};

static struct loa_argv *
io_add(struct loa_plan *p)
{
	return loa_argv_push(&p->io, &p->nio, &p->iocap);
}

static void
io_clear(struct loa_plan *p)
{
	loa_argv_free_all(p->io, &p->nio);
}

/* The ids and residents of the SSCAN step done. */
static void
step_clear(struct loa_plan *p)
{
	size_t	i;

	for (i = 0; i < p->wn; i++)
		free(p->wids[i]);
	free(p->wids);
	free(p->wrc);
	json_decref(p->wholder);
	p->wids = NULL;
	p->wrc = NULL;
	p->wholder = NULL;
	p->wn = 0;
	free(p->wopted);
	p->wopted = NULL;
}

static void
sscan_next(struct loa_plan *p)
{
	sscan_argv(io_add(p), p->wkey, p->wcur);
	p->wstage = PW_SSCAN;
}

/* Every explicit recipient through cb, with the opt-outs asked. */
static void
emit_recipients(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	const struct loa_job	*job = p->job;
	struct loa_plan_item	 it;
	int			 i;

	for (i = 0; i < job->nrcpt; i++) {
		it.rc = &job->rcpt[i];
		it.index = i;
		it.ward = it.rc->ward;
		it.skip = loa_plan_skip(job, it.rc, it.rc->opted_out ||
		    p->wopted[i], it.rc->dup_of >= 0);
		cb(arg, &it);
	}
}

/* The step's residents through cb; -1 out of memory. */
static int
emit_step(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	struct loa_plan_item	 it;
	size_t			 i;
	int			 dup;

	for (i = 0; i < p->wn; i++) {
		dup = 0;
		/* Claimed even by the opted out, as the gate does. */
		if (p->wrc[i].phone_raw != NULL) {
			if ((dup = phones_add(p, p->wrc[i].phone_raw)) == -1)
				return -1;
			dup = !dup;
		}
		it.rc = &p->wrc[i];
		it.index = -1;
		it.ward = p->wards[p->wward].code;
		it.skip = loa_plan_skip(p->job, &p->wrc[i],
		    p->wrc[i].opted_out || p->wopted[i], dup);
		cb(arg, &it);
	}
	return 0;
}

/*
 * The next step of the walk: the number of commands in p->io to send
 * (each reply to loa_plan_feed(), in order), 0 when every recipient has
 * been through cb (which must not keep the item), -1 on an error
 * (p->err).
 */
int
loa_plan_next(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	const struct loa_job	*job = p->job;
	struct loa_argv		*av;
	size_t			 i;
	int			 r, n;

	io_clear(p);
	for (;;) {
		switch (p->wstage) {
		case PW_START:
			if (job->audience == LOA_AUD_RECIPIENTS) {
				p->wopted = xcalloc((size_t)job->nrcpt + 1, 1);
				p->wfrom = 0;
				p->wstage = PW_RBATCH;
			} else {
				p->wward = 0;
				p->wstage = PW_WARD;
			}
			break;
		case PW_RBATCH:
			if (p->wfrom >= job->nrcpt) {
				emit_recipients(p, cb, arg);
				step_clear(p);
				p->wstage = PW_DONE;
				break;
			}
			optout_argv(p, av = io_add(p));
			for (r = p->wfrom, n = 0; r < job->nrcpt &&
			    r < p->wfrom + PLAN_BATCH; r++)
				if (job->rcpt[r].phone_ok) {
					loa_argv_add(av, job->rcpt[r].phone);
					n++;
				}
			if (n > 0) {
				p->wstage = PW_ROPT;
				return 1;
			}
			io_clear(p);
			p->wfrom += PLAN_BATCH;
			break;
		case PW_ROPT:
			p->wfrom += PLAN_BATCH;
			p->wstage = PW_RBATCH;
			break;
		case PW_WARD:
			free(p->wkey);
			p->wkey = NULL;
			if (p->wward >= p->nwards) {
				p->wstage = PW_DONE;
				break;
			}
			p->wkey = loa_key_ward_residents(p->prefix,
			    p->wards[p->wward].code);
			strcpy(p->wcur, "0");
			sscan_next(p);
			return 1;
		case PW_SSCAN:
			if (p->wn == 0)
				goto stepped;
			for (i = 0; i < p->wn; i++) {
				av = io_add(p);
				loa_argv_add(av, "HGETALL");
				loa_argv_take(av, loa_key_resident(p->prefix,
				    p->wids[i]));
			}
			p->wrc = xcalloc(p->wn + 1, sizeof(*p->wrc));
			p->wopted = xcalloc(p->wn + 1, 1);
			p->wholder = json_array();
			p->wstage = PW_HASHES;
			return (int)p->wn;
		case PW_HASHES:
			/*
			 * As the gate: opt-outs of the phones as imported,
			 * then of the Zalo user ids (each command only when
			 * it has members: wask says which were sent).
			 */
			optout_argv(p, av = io_add(p));
			for (i = 0, n = 0; i < p->wn; i++)
				if (p->wrc[i].phone_raw != NULL) {
					loa_argv_add(av, p->wrc[i].phone_raw);
					n++;
				}
			if (n == 0)
				io_clear(p);
			p->wask = n > 0 ? 1 : 0;
			optout_zalo_argv(p, av = io_add(p));
			for (i = 0, r = 0; i < p->wn; i++)
				if (p->wrc[i].zalo_uid != NULL) {
					loa_argv_add(av, p->wrc[i].zalo_uid);
					r++;
				}
			if (r == 0) {
				loa_argv_free(av);
				p->nio--;
			} else
				p->wask |= 2;
			if (p->wask != 0) {
				p->wstage = PW_OPTOUT;
				return (int)p->nio;
			}
			io_clear(p);
			/* FALLTHROUGH */
		case PW_OPTOUT:
			if (emit_step(p, cb, arg) == -1)
				return -1;
 stepped:
			step_clear(p);
			if (strcmp(p->wcur, "0") == 0) {
				p->wward++;
				p->wstage = PW_WARD;
				break;
			}
			sscan_next(p);
			return 1;
		default:
			return 0;
		}
	}
}

/*
 * Reply k (0-based, in order) to the commands loa_plan_next() returned;
 * rep NULL: none came (the connection is lost).  0, or -1 with p->err.
 */
int
loa_plan_feed(struct loa_plan *p, size_t k, const redisReply *rep)
{
	const struct loa_job	*job = p->job;
	json_t			*h;
	size_t			 i, j;
	int			 r;

	if (rep == NULL) {
		snprintf(p->err, sizeof(p->err), "redis: no reply");
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(p->err, sizeof(p->err), "redis: %s: %s",
		    k < p->nio ? p->io[k].argv[0] : "?", rep->str);
		return -1;
	}
	switch (p->wstage) {
	case PW_ROPT:
		for (r = p->wfrom, j = 0; r < job->nrcpt &&
		    r < p->wfrom + PLAN_BATCH; r++)
			if (job->rcpt[r].phone_ok)
				p->wopted[r] = optout_flag(rep, j++);
		return 0;
	case PW_SSCAN:
		if (sscan_parse(p, rep, p->wcur, sizeof(p->wcur)) == -1)
			return -1;
		p->wn = rep->element[1]->elements;
		p->wids = xcalloc(p->wn + 1, sizeof(*p->wids));
		for (i = 0; i < p->wn; i++)
			p->wids[i] = xstrdup(rep->element[1]->element[i]->str);
		return 0;
	case PW_HASHES:
		if (k >= p->wn)
			break;
		h = json_object();
		json_array_append_new(p->wholder, h);
		resident_from_reply(&p->wrc[k], h, p->wids[k], rep);
		return 0;
	case PW_OPTOUT:
		if (k == 0 && (p->wask & 1)) {
			for (i = 0, j = 0; i < p->wn; i++)
				if (p->wrc[i].phone_raw != NULL)
					p->wopted[i] = optout_flag(rep, j++);
			return 0;
		}
		for (i = 0, j = 0; i < p->wn; i++)
			if (p->wrc[i].zalo_uid != NULL &&
			    optout_flag(rep, j++))
				p->wopted[i] = 1;
		return 0;
	}
	snprintf(p->err, sizeof(p->err), "plan: a reply out of turn");
	return -1;
}

/*
 * Every recipient of the job once, in the daemon's order of wards, with
 * why it is skipped, through cb (which must not keep the item): the
 * steps above, each step's commands in one round trip.  Call it once
 * per plan.
 */
int
loa_plan_walk(struct loa_plan *p, loa_plan_cb cb, void *arg)
{
	redisContext	*c = p->c;
	void		*reply;
	size_t		 i;
	int		 n, rv;

	while ((n = loa_plan_next(p, cb, arg)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (redisAppendCommandArgv(c, p->io[i].argc,
			    (const char **)p->io[i].argv, p->io[i].len) !=
			    REDIS_OK)
				goto lost;
		for (i = 0, rv = 0; i < (size_t)n; i++) {
			if (redisGetReply(c, &reply) != REDIS_OK ||
			    reply == NULL)
				goto lost;
			if (rv == 0)
				rv = loa_plan_feed(p, i, reply);
			freeReplyObject(reply);
		}
		if (rv == -1)
			return -1;
	}
	return n;
 lost:
	snprintf(p->err, sizeof(p->err), "redis: %s", c->errstr[0] != '\0' ?
	    c->errstr : "no reply");
	return -1;
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
 * The HGETALL of directory resident id: 0, or -1 when id is outside the
 * name rule (loa_name_valid(): it may come from the command line and is
 * never made into a key, "r1:x"; such a resident is not found).
 */
int
loa_plan_resident_argv(const struct loa_plan *p, const char *id,
    struct loa_argv *av)
{
	loa_argv_init(av);
	if (!loa_name_valid(id))
		return -1;
	loa_argv_add(av, "HGETALL");
	loa_argv_take(av, loa_key_resident(p->prefix, id));
	return 0;
}

/* Its reply r as a recipient (strings in holder); *found: it exists. */
void
loa_plan_resident_reply(const char *id, const redisReply *r,
    struct loa_recipient *rc, json_t *holder, int *found)
{
	resident_from_reply(rc, holder, id, r);
	*found = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
}

/*
 * The opt-out question for rc, when its flag does not answer it already:
 * 1 with av filled, else 0.
 */
int
loa_plan_optout_argv(const struct loa_plan *p, const struct loa_recipient *rc,
    struct loa_argv *av)
{
	loa_argv_init(av);
	if (rc->opted_out || rc->phone_raw == NULL)
		return 0;
	loa_argv_add(av, "SMISMEMBER");
	loa_argv_take(av, loa_key_optout(p->prefix));
	loa_argv_add(av, rc->phone_raw);
	return 1;
}

/*
 * The second question for a directory resident rc that is not opted out
 * yet and has a Zalo user id: is the id in <prefix>optout:zalo (as
 * gate.lua asks)?  1 with av filled, else 0.  The reply goes to
 * loa_plan_optout_reply() too.
 */
int
loa_plan_optout_zalo_argv(const struct loa_plan *p,
    const struct loa_recipient *rc, struct loa_argv *av)
{
	loa_argv_init(av);
	if (rc->opted_out || rc->zalo_uid == NULL)
		return 0;
	loa_argv_add(av, "SMISMEMBER");
	loa_argv_take(av, loa_key_optout_zalo(p->prefix));
	loa_argv_add(av, rc->zalo_uid);
	return 1;
}

void
loa_plan_optout_reply(struct loa_recipient *rc, const redisReply *r)
{
	rc->opted_out = optout_flag(r, 0);
}

/*
 * Directory resident id as a recipient (strings in holder), opted out by
 * its flag, its phone in <prefix>optout or its Zalo user id in
 * <prefix>optout:zalo; *found says whether its hash
 * exists (loa_plan_resident_argv()).
 */
int
loa_plan_resident(struct loa_plan *p, const char *id,
    struct loa_recipient *rc, json_t *holder, int *found)
{
	struct loa_argv	 av;
	redisReply	*r;
	int		 i;

	if (loa_plan_resident_argv(p, id, &av) == -1) {
		memset(rc, 0, sizeof(*rc));
		*found = 0;
		return 0;
	}
	r = command(p, &av);
	loa_argv_free(&av);
	if (r == NULL)
		return -1;
	loa_plan_resident_reply(id, r, rc, holder, found);
	freeReplyObject(r);
	/* The phone, then the Zalo user id (each when still a question). */
	for (i = 0; i < 2; i++) {
		if (!(i == 0 ? loa_plan_optout_argv(p, rc, &av) :
		    loa_plan_optout_zalo_argv(p, rc, &av))) {
			loa_argv_free(&av);
			continue;
		}
		r = command(p, &av);
		loa_argv_free(&av);
		if (r == NULL)
			return -1;
		loa_plan_optout_reply(rc, r);
		freeReplyObject(r);
	}
	return 0;
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
	step_clear(p);
	io_clear(p);
	free(p->io);
	free(p->wkey);
	memset(p, 0, sizeof(*p));
}
