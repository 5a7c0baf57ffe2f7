/*
 * capi.c -- the console's routes of the HTTP listener (httpd.c
 * dispatches to them after the credentials are checked):
 *
 *   POST /v1/preview   body = a job; 200 and what "loactl preview --json"
 *                      prints for it, for the whole audience
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
 * matter to a preview.  A client that goes away leaves its preview to
 * finish its step quietly (the replies in flight still come) and be
 * freed.
 *
 * Scope: AUTH's actor will restrict a preview to jobs within the
 * caller's wards (capi_preview() is where, before any Redis command);
 * until then every caller holds the admin token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "httpserv.h"
#include "capi.h"
#include "preview.h"

enum cp_stage {
	CP_CHECK = 0,	/* the submit script */
	CP_RESOLVE,
	CP_WALK,	/* a step of the walk */
	CP_RESIDENT,	/* the sample's hash */
	CP_OPTOUT,	/* the sample's opt-out */
	CP_WARD,	/* the sample's ward */
};

/* A preview under way. */
struct cpreview {
	struct hs_req		*req;	/* NULL: the client went away */
	struct loa_preview	 pv;
	struct loa_job		*job;	/* until the check is done */
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

static void
cp_gone(struct hs_req *req, void *arg)
{
	struct cpreview	*cp = arg;

	(void)req;
	cp->req = NULL;
}

static void
cp_free(struct cpreview *cp)
{
	if (cp->job != NULL)
		loa_job_unref(cp->job);
	else
		loa_preview_free(&cp->pv);
	capi_previews--;
	free(cp);
}

/* End cp with an error answer (when someone is still there). */
static void
cp_fail(struct cpreview *cp, int code, const char *msg)
{
	if (cp->req != NULL) {
		hs_req_on_gone(cp->req, NULL, NULL);
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
	if (cp->req != NULL) {
		hs_req_on_gone(cp->req, NULL, NULL);
		httpd_reply_json(cp->req, 200, loa_preview_json(&cp->pv));
	}
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
		case CP_RESOLVE:
		case CP_RESIDENT:
		case CP_OPTOUT:
		case CP_WARD:
			break;	/* one command: below */
		}
	}
	if (cp->got < cp->sent)
		return;		/* more of the step to come */
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
			cp_resolve(cp);
			break;
		}
		loa_buf_free(&why);
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
		cp_ward(cp);
		break;
	case CP_WARD:
		loa_preview_ward_reply(&cp->pv, rep);
		cp_done(cp);
		break;
	}
}

/*
 * POST /v1/preview: the body (read by httpd.c up to max_job_size) is a
 * job; check it, then preview it.
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
	/* TODO(AUTH): 403 unless the actor's scope covers the job. */
	if (capi_previews_full()) {
		loa_job_unref(job);
		hs_reply_header(req, "Retry-After", "5");
		httpd_reply_error(req, 429, "too many previews under way; "
		    "try again");
		return;
	}
	cp = xcalloc(1, sizeof(*cp));
	capi_previews++;
	cp->req = req;
	cp->job = job;
	hs_req_on_gone(req, cp_gone, cp);
	loa_submit_argv(&av, loa->cfg.prefix, job);
	if (cp_send1(cp, CP_CHECK, &av) == -1)
		cp_fail(cp, 503, NULL);
}
