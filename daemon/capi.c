/*
 * capi.c -- the console's routes of the HTTP listener (httpd.c
 * dispatches to them after the credentials are checked):
 *
 *   POST /v1/preview   body = a job; 200 and what "loactl preview --json"
 *                      prints for it, for the whole audience
 *   GET /v1/jobs/<id>/preview
 *                      the same for the job stored under id (its spec,
 *                      as the daemon sends it): what an approver sees
 *   GET /v1/jobs/<id>/report.csv
 *                      what "loactl report ID --csv" writes (reach.c), as
 *                      an attachment
 *   GET /v1/providers  what "loactl provider list --json" prints, as one
 *                      array (loa_provider_json(), overview.c)
 *   POST /v1/providers/<name>/pause, .../resume
 *                      "loactl provider pause|resume NAME": 200
 *                      {"provider","paused"}; 404 for a provider neither
 *                      configured nor run by a live daemon
 *
 * The preview is "loactl preview"'s own computation (preview.c over the
 * plan of plan.c), driven here on the daemon's event loop: the resolve
 * script, then the walk's steps (an SSCAN of a ward's residents,
 * PLAN_SSCAN members at a time; their hashes; their opt-outs), each
 * step's commands pipelined on the daemon's Redis connection and the
 * next step sent when the last reply of the step is in.  Memory is one
 * step's residents plus the plan's set of phones seen (16 to 32 bytes a
 * distinct phone); a connection has one request at a time, and at most
 * CAPI_PREVIEWS_MAX previews run in the whole daemon (429 beyond): a
 * preview of the whole city reads every resident hash.
 *
 * A job is checked as POST /v1/jobs checks it (the parser, then the
 * submit script: loa_submit_reply()); a job the daemon would refuse gets
 * 400 with the same message.  An id already used by a job does not
 * matter to a preview.  When the server drops the request (the
 * connection failed, the daemon stops: hs_gone_fn), the preview takes
 * the replies of the step in flight and is freed, sending no further
 * step (so for a report).  A client that only shuts its side is still
 * answered (httpserv.c): its preview runs to its end.
 *
 * Who may (httpd.c checks the role before calling here): a preview
 * wants the submit right and a job within the caller's wards, checked
 * on the submit script's answer as POST /v1/jobs checks it (403, audited
 * "denied", before a resident is read); a stored job's preview and
 * report want the read right, and httpd.c's route_scoped() has checked
 * the job's wards; the providers are listed to any caller, paused and
 * resumed by admins only (audited provider_pause, provider_resume).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "auth.h"
#include "engine.h"
#include "httpserv.h"
#include "capi.h"
#include "overview.h"
#include "preview.h"
#include "reach.h"

enum cp_stage {
	CP_CHECK = 0,	/* the submit script */
	CP_SPEC,	/* a stored job's spec */
	CP_RESOLVE,
	CP_WALK,	/* a step of the walk */
	CP_RESIDENT,	/* the sample's hash */
	CP_OPTOUT,	/* the sample's opt-out */
	CP_OPTOUT_ZALO,	/* ... of its Zalo user id (optout:zalo) */
	CP_WARD,	/* the sample's ward */
};

/* A preview under way. */
struct cpreview {
	struct hs_req		*req;	/* NULL: the client went away */
	struct loa_preview	 pv;
	struct loa_job		*job;	/* until the check is done */
	char			*id;	/* a stored job's */
	enum cp_stage		 stage;
	size_t			 sent;	/* commands of the stage in flight */
	size_t			 got;	/* ... replies in */
	int			 failed; /* an error reply, or no reply */
};

static int	capi_previews;		/* under way */

int
capi_previews_full(void)
{
	return capi_previews >= CAPI_PREVIEWS_MAX;
}

static void	cp_reply_cb(struct loa_redis *, redisReply *, void *);
static void	cp_resolve(struct cpreview *);
static void	cp_spec(struct cpreview *, const redisReply *);

/*
 * The client of a request went away (arg: where the request is kept):
 * the Redis callbacks under way find nobody to answer, and free.
 */
static void
capi_gone(struct hs_req *req, void *arg)
{
	struct hs_req	**where = arg;

	(void)req;
	*where = NULL;
}

static void
cp_free(struct cpreview *cp)
{
	if (cp->job != NULL)
		loa_job_unref(cp->job);
	else
		loa_preview_free(&cp->pv);
	free(cp->id);
	capi_previews--;
	free(cp);
}

/* End cp with an error answer (when someone is still there). */
static void
cp_fail(struct cpreview *cp, int code, const char *msg)
{
	if (cp->req != NULL) {
		if (code == 503)
			httpd_reply_redis_down(cp->req);
		else
			httpd_reply_error(cp->req, code, msg);
	}
	cp_free(cp);
}

/* Send the n commands of av for the stage; -1 when Redis is not there. */
static int
cp_send(struct cpreview *cp, enum cp_stage stage, struct loa_argv *av,
    size_t n)
{
	size_t	i;

	cp->stage = stage;
	cp->sent = 0;
	cp->got = 0;
	for (i = 0; i < n; i++) {
		if (loa_redis_cmdv(loa->rc, cp_reply_cb, cp, &av[i]) == -1)
			return -1;	/* those sent will call back */
		cp->sent++;
	}
	return 0;
}

/* Send one command (av, freed here); on failure end cp with 503. */
static int
cp_send1(struct cpreview *cp, enum cp_stage stage, struct loa_argv *av)
{
	int	rv = cp_send(cp, stage, av, 1);

	loa_argv_free(av);
	return rv;
}

/* The answer: the preview as "loactl preview --json" prints it. */
static void
cp_done(struct cpreview *cp)
{
	loa_preview_render(&cp->pv);
	if (cp->req != NULL)
		httpd_reply_json(cp->req, 200, loa_preview_json(&cp->pv));
	cp_free(cp);
}

/* The sample's ward, or the answer when it has none. */
static void
cp_ward(struct cpreview *cp)
{
	struct loa_argv	av;

	if (!loa_preview_ward_argv(&cp->pv, &av)) {
		loa_argv_free(&av);
		cp_done(cp);
	} else if (cp_send1(cp, CP_WARD, &av) == -1 && cp->sent == 0)
		cp_fail(cp, 503, NULL);
}

/* The next step of the walk, or what comes after it. */
static void
cp_walk(struct cpreview *cp)
{
	struct loa_argv	av;
	int		n;

	if ((n = loa_plan_next(&cp->pv.plan, loa_preview_item,
	    &cp->pv)) == -1) {
		cp_fail(cp, 503, NULL);
		return;
	}
	if (n > 0) {
		if (cp_send(cp, CP_WALK, cp->pv.plan.io, (size_t)n) == -1) {
			cp->failed = 1;
			if (cp->sent == 0)
				cp_fail(cp, 503, NULL);
		}
		return;
	}
	if (loa_preview_walked(&cp->pv) == 0) {
		cp_ward(cp);
		return;
	}
	cp->pv.holder = json_object();
	if (loa_plan_resident_argv(&cp->pv.plan, cp->pv.sample_id,
	    &av) == -1) {
		/* Ids in the residents' sets are names: never here. */
		loa_argv_free(&av);
		cp_fail(cp, 503, NULL);
	} else if (cp_send1(cp, CP_RESIDENT, &av) == -1 && cp->sent == 0)
		cp_fail(cp, 503, NULL);
}

/* The job passed the submit script's check: resolve it. */
static void
cp_resolve(struct cpreview *cp)
{
	struct loa_argv	av;
	struct loa_job	*job = cp->job;

	cp->job = NULL;
	loa_preview_init(&cp->pv, job, &loa->cfg);
	loa_plan_init(&cp->pv.plan, NULL, cp->pv.prefix, job);
	(void)loa_preview_want(&cp->pv, NULL);
	loa_plan_resolve_argv(&cp->pv.plan, &av);
	if (cp_send1(cp, CP_RESOLVE, &av) == -1 && cp->sent == 0)
		cp_fail(cp, 503, NULL);
}

/* One reply of the stage's commands. */
static void
cp_reply_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct cpreview	*cp = arg;
	struct loa_buf	 why;
	struct loa_argv	 av;
	size_t		 k = cp->got++;
	int		 found;

	(void)r;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		cp->failed = 1;
	if (!cp->failed) {
		switch (cp->stage) {
		case CP_WALK:
			if (loa_plan_feed(&cp->pv.plan, k, rep) == -1)
				cp->failed = 1;
			break;
		case CP_CHECK:
		case CP_SPEC:
		case CP_RESOLVE:
		case CP_RESIDENT:
		case CP_OPTOUT:
		case CP_OPTOUT_ZALO:
		case CP_WARD:
			break;	/* one command: below */
		}
	}
	if (cp->got < cp->sent)
		return;		/* more of the step to come */
	if (cp->req == NULL) {
		cp_free(cp);	/* nobody to answer: no more steps */
		return;
	}
	if (cp->failed) {
		cp_fail(cp, 503, NULL);
		return;
	}
	switch (cp->stage) {
	case CP_CHECK:
		switch (loa_submit_reply(cp->job, rep, &why, NULL)) {
		case LOA_SUBMIT_INVALID:
			cp_fail(cp, 400, why.data);
			break;
		case LOA_SUBMIT_ERROR:
			cp_fail(cp, 503, NULL);
			break;
		default:	/* a used id does not matter here */
			if (httpd_job_in_scope(cp->req, cp->job, rep))
				cp_resolve(cp);
			else {
				httpd_deny(cp->req, cp->job->id != NULL ?
				    cp->job->id : "/v1/preview", "the job "
				    "reaches wards outside yours");
				cp_free(cp);
			}
			break;
		}
		loa_buf_free(&why);
		break;
	case CP_SPEC:
		cp_spec(cp, rep);
		break;
	case CP_RESOLVE:
		if (loa_plan_resolve_reply(&cp->pv.plan, rep) == -1) {
			cp_fail(cp, 503, NULL);
			break;
		}
		loa_preview_resolved(&cp->pv);
		cp_walk(cp);
		break;
	case CP_WALK:
		cp_walk(cp);
		break;
	case CP_RESIDENT:
		loa_plan_resident_reply(cp->pv.sample_id, rep,
		    &cp->pv.dir_rc, cp->pv.holder, &found);
		if (loa_preview_resident(&cp->pv, found) == -1) {
			/* Gone since the walk met it. */
			cp_fail(cp, 503, NULL);
			break;
		}
		if (!loa_plan_optout_argv(&cp->pv.plan, &cp->pv.dir_rc,
		    &av)) {
			loa_argv_free(&av);
			cp_ward(cp);
		} else if (cp_send1(cp, CP_OPTOUT, &av) == -1 &&
		    cp->sent == 0)
			cp_fail(cp, 503, NULL);
		break;
	case CP_OPTOUT:
		loa_plan_optout_reply(&cp->pv.dir_rc, rep);
		/* FALLTHROUGH */
	case CP_OPTOUT_ZALO:
		if (cp->stage == CP_OPTOUT_ZALO)
			loa_plan_optout_reply(&cp->pv.dir_rc, rep);
		else if (loa_plan_optout_zalo_argv(&cp->pv.plan,
		    &cp->pv.dir_rc, &av)) {
			if (cp_send1(cp, CP_OPTOUT_ZALO, &av) == -1 &&
			    cp->sent == 0)
				cp_fail(cp, 503, NULL);
			break;
		} else
			loa_argv_free(&av);
		cp_ward(cp);
		break;
	case CP_WARD:
		loa_preview_ward_reply(&cp->pv, rep);
		cp_done(cp);
		break;
	}
}

/* The stored job's spec: preview it, as the daemon would send it. */
static void
cp_spec(struct cpreview *cp, const redisReply *rep)
{
	char	err[256];

	if (rep->type != REDIS_REPLY_STRING) {
		cp_fail(cp, 404, "no such job");
		return;
	}
	if ((cp->job = loa_job_parse(rep->str, rep->len, NULL, (size_t)-1,
	    err, sizeof(err))) == NULL) {
		log_warnx("http: preview of job %s: stored spec unreadable: "
		    "%s", cp->id, err);
		cp_fail(cp, 500, "the job's stored spec is unreadable; see "
		    "the daemon's log");
		return;
	}
	cp_resolve(cp);
}

/* A preview for req, or NULL when CAPI_PREVIEWS_MAX run (429 sent). */
static struct cpreview *
cp_new(struct hs_req *req)
{
	struct cpreview	*cp;

	if (capi_previews_full()) {
		hs_reply_header(req, "Retry-After", "5");
		httpd_reply_error(req, 429, "too many previews under way; "
		    "try again");
		return NULL;
	}
	cp = xcalloc(1, sizeof(*cp));
	capi_previews++;
	cp->req = req;
	hs_req_on_gone(req, capi_gone, &cp->req);
	return cp;
}

/*
 * POST /v1/preview: the body (read by httpd.c up to max_job_size) is a
 * job; check it (and that its wards are the caller's), then preview it.
 */
void
capi_preview(struct hs_req *req)
{
	struct cpreview	*cp;
	struct loa_job	*job;
	struct loa_argv	 av;
	const char	*body;
	char		 err[512];
	size_t		 len;

	body = hs_req_body(req, &len);
	if ((job = loa_job_parse(body, len, NULL, loa->cfg.max_job_size,
	    err, sizeof(err))) == NULL) {
		httpd_reply_error(req, 400, err);
		return;
	}
	if ((cp = cp_new(req)) == NULL) {
		loa_job_unref(job);
		return;
	}
	cp->job = job;
	loa_submit_argv(&av, loa->cfg.prefix, job);
	if (cp_send1(cp, CP_CHECK, &av) == -1)
		cp_fail(cp, 503, NULL);
}

/*
 * GET /v1/jobs/<id>/preview: the preview of the job stored under id (a
 * job awaiting approval, for its approver), from the spec the daemon
 * keeps for it (job:<id>:spec), with no submit check: it was accepted.
 * id follows the name rule and is within the caller's wards (httpd.c).
 */
void
capi_job_preview(struct hs_req *req, const char *id)
{
	struct cpreview	*cp;
	struct loa_argv	 av;

	if ((cp = cp_new(req)) == NULL)
		return;
	cp->id = xstrdup(id);
	loa_argv_init(&av);
	loa_argv_add(&av, "GET");
	loa_argv_take(&av, loa_key_job_spec(loa->cfg.prefix, id));
	if (cp_send1(cp, CP_SPEC, &av) == -1)
		cp_fail(cp, 503, NULL);
}

/* ---- providers ---- */

/* A providers' request waiting for Redis. */
struct cprov {
	struct hs_req	*req;		/* NULL: the client went away */
	char		*name;		/* pause/resume: the provider */
	char		*actor;		/* ... who, for the audit */
	char		*from;		/* ... from where */
	int		 pause;
	json_t		*list;		/* GET: the providers so far */
	char		**names;	/* ... their names, in order */
	size_t		 sent;
	size_t		 got;
	int		 failed;
};

static struct cprov *
cprov_new(struct hs_req *req)
{
	struct cprov	*p;

	p = xcalloc(1, sizeof(*p));
	p->req = req;
	hs_req_on_gone(req, capi_gone, &p->req);
	return p;
}

/* Done with p: answered already, or answer 503 when failed. */
static void
cprov_free(struct cprov *p, int failed)
{
	size_t	i;

	if (failed && p->req != NULL)
		httpd_reply_redis_down(p->req);
	for (i = 0; i < p->sent; i++)
		free(p->names[i]);
	free(p->names);
	json_decref(p->list);
	free(p->name);
	free(p->actor);
	free(p->from);
	free(p);
}

/* The configured provider name, or NULL (a daemon's of another config). */
static const struct loa_provider_conf *
provider_conf(const char *name)
{
	size_t	i;

	for (i = 0; i < loa->cfg.nproviders; i++)
		if (strcmp(loa->cfg.providers[i].name, name) == 0)
			return &loa->cfg.providers[i];
	return NULL;
}

static void
list_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct cprov	*p = arg;
	size_t		 k = p->got++;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		p->failed = 1;
	else
		json_array_append_new(p->list, loa_provider_json(p->names[k],
		    provider_conf(p->names[k]), rep));
	if (p->got < p->sent)
		return;
	if (!p->failed && p->req != NULL) {
		httpd_reply_json(p->req, 200, p->list);
		p->list = NULL;
	}
	cprov_free(p, p->failed);
}

/*
 * GET /v1/providers: the providers of the configuration (the built-in
 * console without one), as "loactl provider list --json" shows them, in
 * one array, to any caller.
 */
void
capi_providers(struct hs_req *req)
{
	struct cprov	*p;
	const char	*argv[2];
	size_t		 i, n = loa->cfg.nproviders;
	char		*key;

	p = cprov_new(req);
	p->list = json_array();
	p->names = xcalloc(n + 1, sizeof(*p->names));
	for (i = 0; i < (n == 0 ? 1 : n); i++) {
		p->names[p->sent] = xstrdup(n == 0 ? "console" :
		    loa->cfg.providers[i].name);
		key = loa_key_provider(loa->cfg.prefix, p->names[p->sent]);
		argv[0] = "HGETALL";
		argv[1] = key;
		if (loa_redis_cmd(loa->rc, list_cb, p, 2, argv, NULL) == -1) {
			free(key);
			free(p->names[p->sent]);
			p->failed = 1;
			break;
		}
		free(key);
		p->sent++;
	}
	if (p->sent == 0)
		cprov_free(p, 1);
}

static void
set_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct cprov	*p = arg;
	json_t		*o;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		cprov_free(p, 1);
		return;
	}
	/* Done, so audited, whether or not the client is still there. */
	httpd_audit(p->actor, p->from, p->pause ? "provider_pause" :
	    "provider_resume", p->name, NULL);
	if (p->req != NULL) {
		o = json_pack("{s:s, s:b}", "provider", p->name, "paused",
		    p->pause);
		httpd_reply_json(p->req, 200, o);
	}
	cprov_free(p, 0);
}

/* Pause or resume p's provider: the flag every daemon polls. */
static void
provider_set(struct cprov *p)
{
	struct loa_argv	 av;
	char		*now;

	now = xasprintf("%lld", loa_now_ms());
	loa_argv_init(&av);
	loa_argv_add(&av, "HSET");
	loa_argv_take(&av, loa_key_provider(loa->cfg.prefix, p->name));
	loa_argv_add(&av, "paused");
	loa_argv_add(&av, p->pause ? "1" : "0");
	loa_argv_add(&av, "paused_at");
	loa_argv_take(&av, now);
	if (loa_redis_cmdv(loa->rc, set_cb, p, &av) == -1)
		cprov_free(p, 1);
	loa_argv_free(&av);
}

/* 404 for p's name, with the providers the configuration names. */
static void
provider_unknown(struct cprov *p)
{
	struct loa_buf	 b;
	size_t		 i;

	if (p->req == NULL)
		return;
	loa_buf_init(&b);
	loa_buf_printf(&b, "unknown provider %s (known: ", p->name);
	if (loa->cfg.nproviders == 0)
		loa_buf_adds(&b, "console");
	for (i = 0; i < loa->cfg.nproviders; i++)
		loa_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
		    loa->cfg.providers[i].name);
	loa_buf_adds(&b, ")");
	httpd_reply_error(p->req, 404, b.data);
	loa_buf_free(&b);
}

/* A provider not configured here is known when a daemon runs it. */
static void
known_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct cprov	*p = arg;
	char		 state[16];
	long long	 since;
	size_t		 i;
	int		 found = 0;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		cprov_free(p, 1);
		return;
	}
	for (i = 0; i + 1 < rep->elements; i += 2)
		if (rep->element[i]->type == REDIS_REPLY_STRING &&
		    rep->element[i + 1]->type == REDIS_REPLY_STRING &&
		    loa_circuit_parse(rep->element[i]->str,
		    rep->element[i + 1]->str, state, &since) == 0)
			found = 1;
	if (found && p->req != NULL) {
		provider_set(p);
		return;
	}
	provider_unknown(p);
	cprov_free(p, 0);
}

/*
 * POST /v1/providers/<name>/pause|resume, as "loactl provider pause|
 * resume": name (valid, httpd.c checked) must be configured here ("console"
 * without providers) or run by a live daemon, else 404 and nothing is
 * written.  Admins only (httpd.c checked); audited once written.
 */
void
capi_provider_set(struct hs_req *req, const char *name, int pause)
{
	struct cprov	*p;
	const char	*argv[2];
	char		*key;

	p = cprov_new(req);
	p->name = xstrdup(name);
	p->actor = xstrdup(httpd_actor(req)->name);
	p->from = xstrdup(hs_req_peer(req));
	p->pause = pause;
	if (provider_conf(name) != NULL || (loa->cfg.nproviders == 0 &&
	    strcmp(name, "console") == 0)) {
		provider_set(p);
		return;
	}
	key = loa_key_provider(loa->cfg.prefix, name);
	argv[0] = "HGETALL";
	argv[1] = key;
	if (loa_redis_cmd(loa->rc, known_cb, p, 2, argv, NULL) == -1)
		cprov_free(p, 1);
	free(key);
}

/* ---- the reach report as CSV ---- */

/* A report under way. */
struct creport {
	struct hs_req	*req;		/* NULL: the client went away */
	char		*id;
	struct loa_reach rp;
	int		 started;	/* rp is initialised */
	size_t		 sent;		/* commands of the step in flight */
	size_t		 got;
	int		 failed;	/* 1: Redis, 2: the report (rp.err) */
};

static int	capi_reports;		/* under way */

int
capi_reports_full(void)
{
	return capi_reports >= CAPI_REPORTS_MAX;
}

static void	cr_reply_cb(struct loa_redis *, redisReply *, void *);

/* Done with cr; answer 503 or 500 when it failed. */
static void
cr_free(struct creport *cr)
{
	if (cr->failed && cr->req != NULL) {
		if (cr->failed == 1)
			httpd_reply_redis_down(cr->req);
		else {
			log_warnx("http: report of job %s: %s", cr->id,
			    cr->rp.err);
			httpd_reply_error(cr->req, 500, "the report could not "
			    "be made; see the daemon's log");
		}
	}
	if (cr->started)
		loa_reach_free(&cr->rp);
	free(cr->id);
	capi_reports--;
	free(cr);
}

/* CSV rows into a buffer of at most CAPI_REPORT_MAX bytes. */
static int
cr_out(void *arg, const char *s, size_t len)
{
	struct loa_buf	*b = arg;

	if (b->len + len > CAPI_REPORT_MAX)
		return -1;
	loa_buf_add(b, s, len);
	return 0;
}

/* The report is complete: the CSV, as an attachment. */
static void
cr_done(struct creport *cr)
{
	struct loa_buf	 b;
	char		*disp;

	if (cr->req == NULL) {
		cr_free(cr);
		return;
	}
	loa_buf_init(&b);
	if (loa_reach_csv(&cr->rp, cr_out, &b) == -1) {
		httpd_reply_error(cr->req, 500, "the report is larger than "
		    "the API answers (" CAPI_REPORT_MAX_STR "): use loactl "
		    "report --csv");
	} else {
		/* The id follows the name rule: nothing to quote in it. */
		disp = xasprintf("attachment; filename=\"report-%s.csv\"",
		    cr->id);
		hs_reply_header(cr->req, "Content-Disposition", disp);
		hs_reply_header(cr->req, "X-Content-Type-Options", "nosniff");
		httpd_reply(cr->req, 200, "text/csv; charset=utf-8", b.data,
		    b.len);
		free(disp);
	}
	loa_buf_free(&b);
	cr_free(cr);
}

/* The next step of the report, or the answer. */
static void
cr_step(struct creport *cr)
{
	size_t	i;
	int	n;

	if ((n = loa_reach_next(&cr->rp)) == -1) {
		cr->failed = 2;
		cr_free(cr);
		return;
	}
	if (n == 0) {
		cr_done(cr);
		return;
	}
	cr->sent = 0;
	cr->got = 0;
	for (i = 0; i < (size_t)n; i++) {
		if (loa_redis_cmdv(loa->rc, cr_reply_cb, cr,
		    &cr->rp.io[i]) == -1) {
			cr->failed = 1;
			break;
		}
		cr->sent++;
	}
	if (cr->sent == 0)
		cr_free(cr);	/* else the replies of those sent end it */
}

static void
cr_reply_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct creport	*cr = arg;
	size_t		 k = cr->got++;

	(void)r;
	if (rep == NULL)
		cr->failed = 1;
	else if (!cr->failed && loa_reach_feed(&cr->rp, k, rep) == -1)
		cr->failed = rep->type == REDIS_REPLY_ERROR ? 1 : 2;
	if (cr->got < cr->sent)
		return;
	if (cr->failed || cr->req == NULL)
		cr_free(cr);	/* nobody to answer: no more steps */
	else
		cr_step(cr);
}

/* The job's hash: 404 without one, else the report's steps. */
static void
cr_job_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct creport	*cr = arg;
	const char	*v = NULL;
	size_t		 i;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		cr->failed = 1;
		cr_free(cr);
		return;
	}
	if (rep->elements == 0) {
		if (cr->req != NULL)
			httpd_reply_error(cr->req, 404, "no such job");
		cr_free(cr);
		return;
	}
	for (i = 0; i + 1 < rep->elements; i += 2)
		if (rep->element[i]->type == REDIS_REPLY_STRING &&
		    rep->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(rep->element[i]->str, "audience") == 0)
			v = rep->element[i + 1]->str;
	cr->started = 1;
	if (loa_reach_init(&cr->rp, cr->id, loa->cfg.prefix, v != NULL &&
	    strcmp(v, "1") == 0, NULL, 0, 0) == -1) {
		cr->failed = 2;
		cr_free(cr);
		return;
	}
	cr_step(cr);
}

/*
 * GET /v1/jobs/<id>/report.csv: what "loactl report ID --csv" writes
 * (reach.c), phones masked, every cell spreadsheet-safe, as an
 * attachment.  The CSV is built in memory, up to CAPI_REPORT_MAX (500
 * beyond: loactl report streams any size); at most CAPI_REPORTS_MAX at
 * once (429 beyond).  id follows the name rule and is within the
 * caller's wards (httpd.c checked).
 */
void
capi_report_csv(struct hs_req *req, const char *id)
{
	struct creport	*cr;
	const char	*argv[2];
	char		*key;

	if (capi_reports_full()) {
		hs_reply_header(req, "Retry-After", "5");
		httpd_reply_error(req, 429, "too many reports under way; "
		    "try again");
		return;
	}
	cr = xcalloc(1, sizeof(*cr));
	capi_reports++;
	cr->req = req;
	cr->id = xstrdup(id);
	hs_req_on_gone(req, capi_gone, &cr->req);
	key = loa_key_job(loa->cfg.prefix, id);
	argv[0] = "HGETALL";
	argv[1] = key;
	if (loa_redis_cmd(loa->rc, cr_job_cb, cr, 2, argv, NULL) == -1) {
		cr->failed = 1;
		cr_free(cr);
	}
	free(key);
}
