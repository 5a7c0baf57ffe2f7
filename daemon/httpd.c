/*
 * httpd.c -- the HTTP listener ([http] listen): health, metrics and the
 * job API, on the daemon's own event loop (the server of httpserv.c).
 *
 *   GET  /healthz               200 when the command connection to Redis
 *                               is up, else 503
 *   GET  /metrics               Prometheus text (metrics.c)
 *   POST /v1/jobs               check, then enqueue: XADD <prefix>jobs *
 *                               job <body> (202); refused as the daemon
 *                               would refuse it (400), or when its id
 *                               names another job (409); 200 when the
 *                               very same job is there already (submit.c)
 *   GET  /v1/jobs?state=&limit= the newest jobs (overview.c: the job
 *                               index), as an array of what GET
 *                               /v1/jobs/<id> shows; 400 for an unknown
 *                               state or parameter, a limit not 1-1000
 *   GET  /v1/status             the overview "loactl status --json"
 *                               prints (overview.c)
 *   GET  /v1/jobs/<id>          the job's state fields (HGETALL
 *                               <prefix>job:<id>, only the documented
 *                               fields: job_field_public())
 *   POST /v1/jobs/<id>/cancel   loa_store_cancel(), as "loactl cancel"
 *   POST /v1/preview            what "loactl preview --json" prints for
 *                               the job in the body (capi.c); 429 when
 *                               CAPI_PREVIEWS_MAX are under way
 *   GET  /v1/jobs/<id>/report.csv  "loactl report ID --csv" (capi.c)
 *   GET  /v1/providers          "loactl provider list --json", as an array
 *   POST /v1/providers/<name>/pause|resume
 *                               "loactl provider pause|resume" (capi.c)
 *   GET|POST /webhooks/<name>   a delivery report for provider <name>:
 *                               its plugin checks the signature and reads
 *                               it, report.c applies it (401 for a bad
 *                               signature, 400 unreadable, 404 for a
 *                               provider that sends no reports)
 *
 * Webhooks carry no bearer token: the provider's signature (or the token
 * the plugin put in the callback URL) is their credential.
 *
 * The /v1 routes want "Authorization: Bearer <token>", the token being the
 * contents of [http] token_file; with no token file they refuse everything
 * (403).  Everything that can be decided from the request head (route,
 * method, token, job id, declared size) is decided in head_cb(), before
 * a byte of the body is read: an outsider without the token gets 401
 * and the connection closes, whatever the size it announced.  Bodies are
 * read up to max_job_size for /v1/jobs (with the token) and
 * WEBHOOK_BODY_MAX for webhooks, nothing elsewhere.  A job is checked
 * with the daemon's own parser, then by the submit script against the
 * directory and the jobs the daemon holds (loa_submit_reply(), as
 * "loactl send" does) before it is queued, so what the API accepts is
 * what ingest accepts, in the daemon's words: 400 {"error":...} for an
 * invalid job (with "did you mean" when a ward's name was given for its
 * code), 409 {"error":...} for an id already used by another job (not a
 * rejected one), 200 {"id","state","note"} when the job is the very one
 * stored under its id (the documented no-op: nothing is queued).
 *
 * Every answer is JSON, errors {"error":"one line"}, except /metrics.
 * Requests waiting for Redis are kept in a list (struct pending); a
 * client that goes away, or httpd_free(), detaches the request from its
 * pending entry (gone_cb) and the Redis callback then only frees the
 * entry: no reply ever goes to a freed request.  Nothing is logged about
 * a request but one line per error class a minute (no bodies, no
 * tokens), and a line per job POST /v1/jobs refuses, with the reason the
 * client got, its address and the job's id when one could be read (at
 * most REJECT_LOG_MAX a minute; beyond, the error class's line).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netdb.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "httpserv.h"
#include "overview.h"
#include "capi.h"

#define HTTPD_LOG_EVERY_MS	60000LL
#define WEBHOOK_BODY_MAX	(64 * 1024)
#define WEBHOOK_REPORTS_MAX	64
#define CANCEL_BODY_MAX		1024	/* a POST body, ignored */
#define REJECT_LOG_MAX		60	/* refused jobs logged a minute */
/*
 * Descriptors kept for everything but the listener when max_connections
 * is clamped to the descriptor limit: Redis, the logs, the event loop,
 * plugins' files, and one socket per delivery under way.
 */
#define HTTPD_FD_RESERVE	64
#define HTTPD_CONNECTIONS_MIN	16

enum pending_kind {
	PK_CHECK = 0,		/* the submit script, for a job */
	PK_HINT,		/* the submit script, for a refused job's hint */
	PK_SUBMIT,
	PK_GET,
	PK_CANCEL,
	PK_REPORT,
	PK_STATUS,
	PK_LIST,
};

/* A request waiting for a Redis reply. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct hs_req		*req;	/* NULL: client gone, or httpd freed */
	enum pending_kind	 kind;
	char			*id;	/* job id (submit: NULL when none);
					   report: the provider */
	struct loa_job		*job;	/* check: the job */
	char			*body;	/* check: the job's bytes, copied;
					   hint: the parser's reason */
	size_t			 len;
	char			*bad;	/* hint: the ward that is no code */
};
TAILQ_HEAD(pending_q, pending);

/* Error classes, each logged at most once a minute. */
enum httpd_err {
	HE_NO_AUTH = 0,
	HE_BAD_TOKEN,
	HE_NO_TOKEN,
	HE_TOO_LARGE,
	HE_BAD_JOB,
	HE_REDIS,
	HE_GONE,
	HE_BAD_SIGNATURE,
	HE_BAD_REPORT,
	HE_COUNT
};

static const char *const httpd_err_name[HE_COUNT] = {
	"request without a bearer token",
	"request with a wrong token",
	"API request but no token_file configured",
	"job larger than max_job_size",
	"invalid job",
	"Redis unavailable",
	"client went away before the answer",
	"delivery report with a bad signature, refused",
	"unreadable delivery report, refused",
};

/* What a request path names. */
enum route {
	RT_NONE = 0,		/* 404 */
	RT_HEALTHZ,
	RT_METRICS,
	RT_SUBMIT,		/* /v1/jobs: POST submits, GET lists */
	RT_STATUS,		/* /v1/status */
	RT_JOB,			/* /v1/jobs/<id> */
	RT_CANCEL,		/* /v1/jobs/<id>/cancel */
	RT_WEBHOOK,		/* /webhooks/<name> */
	RT_PREVIEW,		/* /v1/preview (capi.c) */
	RT_REPORT_CSV,		/* /v1/jobs/<id>/report.csv (capi.c) */
	RT_PROVIDERS,		/* /v1/providers (capi.c) */
	RT_PROVIDER_PAUSE,	/* /v1/providers/<name>/pause (capi.c) */
	RT_PROVIDER_RESUME,	/* /v1/providers/<name>/resume (capi.c) */
};

static struct {
	struct hs_server	*srv;
	char			*token;		/* NULL: none configured */
	size_t			 tokenlen;
	struct pending_q	 pending;
	long long		 logged[HE_COUNT];	/* ms */
	unsigned long		 quiet[HE_COUNT];	/* not logged since */
	long long		 reject_minute;	/* ms: start of the minute */
	int			 rejects;	/* logged in that minute */
} hd;

static void	httpd_note(enum httpd_err, struct hs_req *);
static void	httpd_note_for(enum httpd_err, struct hs_req *,
		    const char *);
static void	reply(struct hs_req *, int, const char *, const char *,
		    size_t);
static void	reply_json(struct hs_req *, int, struct loa_buf *);
static void	reply_jansson(struct hs_req *, int, json_t *);
static void	overview_cb(struct loa_redis *, redisReply *, void *);
static void	reply_error(struct hs_req *, int, const char *);
static int	token_equal(const char *, size_t, const char *, size_t);
static int	check_auth(struct hs_req *);
static struct pending *pending_new(struct hs_req *, enum pending_kind,
		    const char *);
static struct hs_req *pending_take(struct pending *);
static void	gone_cb(struct hs_req *, void *);
static void	submit_cb(struct loa_redis *, redisReply *, void *);
static void	check_cb(struct loa_redis *, redisReply *, void *);
static void	hint_cb(struct loa_redis *, redisReply *, void *);
static void	enqueue(struct hs_req *, const char *, const char *, size_t);
static void	ask(struct hs_req *, struct pending *, loa_redis_cb,
		    struct loa_argv *);
static void	get_cb(struct loa_redis *, redisReply *, void *);
static void	cancel_cb(struct loa_redis *, redisReply *, void *);
static void	route_healthz(struct hs_req *);
static void	route_metrics(struct hs_req *);
static void	route_submit(struct hs_req *);
static void	route_get(struct hs_req *, const char *);
static void	route_cancel(struct hs_req *, const char *);
static void	route_webhook(struct hs_req *, const char *);
static void	report_cb(struct loa_redis *, redisReply *, void *);
static int	method_is(struct hs_req *, const char *, const char *);
static enum route route_of(const char *, char **);
static void	head_cb(struct hs_req *, void *);
static void	request_cb(struct hs_req *, void *);

static void
httpd_note(enum httpd_err e, struct hs_req *req)
{
	httpd_note_for(e, req, NULL);
}

/*
 * Log one line for error class e (about who, when not NULL), unless one
 * was logged in the last minute; the lines skipped are counted in the
 * next.
 */
static void
httpd_note_for(enum httpd_err e, struct hs_req *req, const char *who)
{
	const char	*peer = req != NULL ? hs_req_peer(req) : "?";
	long long	 now = loa_now_ms();

	if (hd.logged[e] != 0 && now - hd.logged[e] < HTTPD_LOG_EVERY_MS) {
		hd.quiet[e]++;
		return;
	}
	if (hd.quiet[e] > 0)
		log_warnx("http: %s%s%s (from %s; %lu more in the last "
		    "minute)", who != NULL ? who : "", who != NULL ? ": " : "",
		    httpd_err_name[e], peer, hd.quiet[e]);
	else
		log_warnx("http: %s%s%s (from %s)", who != NULL ? who : "",
		    who != NULL ? ": " : "", httpd_err_name[e], peer);
	hd.logged[e] = now;
	hd.quiet[e] = 0;
}

/* Answer req with code and body (copied); req is done with afterwards. */
static void
reply(struct hs_req *req, int code, const char *ctype, const char *body,
    size_t len)
{
	hs_reply_header(req, "Cache-Control", "no-store");
	hs_reply(req, code, ctype, body, len);
}

/* Answer with the JSON object in b (closed here) and reset b. */
static void
reply_json(struct hs_req *req, int code, struct loa_buf *b)
{
	if (b->len == 0)
		loa_buf_add(b, "{", 1);
	loa_buf_add(b, "}\n", 2);
	reply(req, code, "application/json", b->data, b->len);
	loa_buf_free(b);
}

/* Redis did not answer: 503, and the error class's line a minute. */
static void
reply_redis_down(struct hs_req *req)
{
	httpd_note(HE_REDIS, req);
	reply_error(req, 503, "Redis unavailable; try again");
}

/*
 * The request a Redis answer is for, with the pending's id moved to *id
 * (the caller frees it): NULL when the client went away, or when Redis
 * gave no answer of type want (then answered 503 here).
 */
static struct hs_req *
take_answer(struct pending *p, const redisReply *rep, int want, char **id)
{
	struct hs_req	*req;

	*id = p->id;
	p->id = NULL;
	if ((req = pending_take(p)) == NULL)
		return NULL;
	if (rep == NULL || rep->type != want) {
		reply_redis_down(req);
		return NULL;
	}
	return req;
}

/*
 * A job POST /v1/jobs refused (400, 409): one line with the reason the
 * client got, its address and the job's id (NULL: none could be read);
 * log.c escapes what the client wrote.  Past REJECT_LOG_MAX in a minute,
 * only the error class's line a minute.
 */
static void
log_rejected(struct hs_req *req, const char *id, const char *why)
{
	long long	now = loa_now_ms();

	if (now - hd.reject_minute >= HTTPD_LOG_EVERY_MS) {
		hd.reject_minute = now;
		hd.rejects = 0;
	}
	if (hd.rejects >= REJECT_LOG_MAX) {
		httpd_note(HE_BAD_JOB, req);
		return;
	}
	hd.rejects++;
	if (id != NULL)
		log_warnx("job %s: rejected from %s: %s", id,
		    hs_req_peer(req), why);
	else
		log_warnx("job rejected from %s: %s", hs_req_peer(req), why);
}

/*
 * The id of a job the parser refused, when the body is a JSON object
 * whose "id" is one (a new string, or NULL).
 */
static char *
peek_id(const char *body, size_t len)
{
	json_t		*o;
	const char	*id;
	char		*r = NULL;

	/* Not a full parse of what the parser found too big (h_memory). */
	if (!loa_job_shape_ok(body, len) ||
	    (o = json_loadb(body, len, 0, NULL)) == NULL)
		return NULL;
	if ((id = json_string_value(json_object_get(o, "id"))) != NULL &&
	    loa_name_valid(id))
		r = xstrdup(id);
	json_decref(o);
	return r;
}

/*
 * Answer with the JSON value v (freed here), its unsafe characters
 * escaped as loa_json_str() writes them (bidi and C1 controls).
 */
static void
reply_jansson(struct hs_req *req, int code, json_t *v)
{
	struct loa_buf	 b;
	char		*s;

	if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	json_decref(v);
	loa_buf_init(&b);
	loa_neutral_json(&b, s, strlen(s));
	loa_buf_add(&b, "\n", 1);
	reply(req, code, "application/json", b.data, b.len);
	loa_buf_free(&b);
	free(s);
}

/* Answer {"error":msg}; msg is one line. */
static void
reply_error(struct hs_req *req, int code, const char *msg)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	loa_json_kv(&b, "error", msg);
	reply_json(req, code, &b);
}

/*
 * Compare without a time that depends on where a and b differ: the
 * lengths are folded into the result and every byte of the longer one is
 * read.  Returns 1 when equal.
 */
static int
token_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t			n = alen > blen ? alen : blen, i;
	volatile unsigned char	d = 0;
	size_t			l = alen ^ blen;
	unsigned char		ca, cb;

	for (i = 0; i < n; i++) {
		ca = i < alen ? (unsigned char)a[i] : 0;
		cb = i < blen ? (unsigned char)b[i] : 0;
		d |= ca ^ cb;
	}
	return (d | (l != 0)) == 0;
}

/*
 * Check the bearer token of req.  Returns 0 when it may go on; otherwise
 * the request has been answered (401, 403) and -1 is returned.
 */
static int
check_auth(struct hs_req *req)
{
	const char	*v;
	size_t		 len;

	if (hd.token == NULL) {
		httpd_note(HE_NO_TOKEN, req);
		reply_error(req, 403, "no API token configured (http "
		    "token_file)");
		return -1;
	}
	if ((v = hs_req_header(req, "Authorization")) == NULL ||
	    strncasecmp(v, "Bearer ", 7) != 0) {
		httpd_note(HE_NO_AUTH, req);
		hs_reply_header(req, "WWW-Authenticate", "Bearer");
		reply_error(req, 401, "want Authorization: Bearer <token>");
		return -1;
	}
	for (v += 7; *v == ' ' || *v == '\t'; v++)
		;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (!token_equal(v, len, hd.token, hd.tokenlen)) {
		httpd_note(HE_BAD_TOKEN, req);
		reply_error(req, 403, "wrong token");
		return -1;
	}
	return 0;
}

/* Keep req until a Redis reply; the client may leave before it. */
static struct pending *
pending_new(struct hs_req *req, enum pending_kind kind, const char *id)
{
	struct pending	*p;

	p = xcalloc(1, sizeof(*p));
	p->req = req;
	p->kind = kind;
	p->id = id != NULL ? xstrdup(id) : NULL;
	hs_req_on_gone(req, gone_cb, p);
	TAILQ_INSERT_TAIL(&hd.pending, p, entry);
	return p;
}

/*
 * End p (from a Redis callback or when the command could not be sent):
 * returns its request, NULL when there is nobody to answer any more.
 */
static struct hs_req *
pending_take(struct pending *p)
{
	struct hs_req	*req = p->req;

	TAILQ_REMOVE(&hd.pending, p, entry);
	free(p->id);
	loa_job_unref(p->job);
	free(p->body);
	free(p->bad);
	free(p);
	return req;
}

/*
 * The request of a pending entry is dropped unanswered (the client went
 * away, or httpd_free()): the Redis callback will find nobody to answer.
 */
static void
gone_cb(struct hs_req *req, void *arg)
{
	struct pending	*p = arg;

	(void)req;
	if (hd.srv != NULL)
		httpd_note(HE_GONE, NULL);
	p->req = NULL;
}

static void
route_healthz(struct hs_req *req)
{
	struct loa_buf	b;
	int		up = loa->rc != NULL && loa_redis_up(loa->rc);

	loa_buf_init(&b);
	loa_json_kv(&b, "status", up ? "ok" : "degraded");
	loa_json_kv(&b, "redis", up ? "up" : "down");
	reply_json(req, up ? 200 : 503, &b);
}

static void
route_metrics(struct hs_req *req)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	metrics_write(&b);
	reply(req, 200, "text/plain; version=0.0.4", b.data, b.len);
	loa_buf_free(&b);
}

/*
 * POST /v1/jobs: parse the job, ask the submit script about it (check_cb)
 * and queue it (enqueue()), as "loactl send" does.  A job the parser
 * refuses for a ward that is not a code asks for the ward names first,
 * for the hint (hint_cb).
 */
static void
route_submit(struct hs_req *req)
{
	struct loa_job		*job;
	struct loa_argv		 av;
	struct pending		*p;
	const char		*body;
	char			 err[512], *bad, *id;
	size_t			 len;

	body = hs_req_body(req, &len);
	if ((job = loa_job_parse(body, len, NULL, loa->cfg.max_job_size,
	    err, sizeof(err))) == NULL) {
		id = peek_id(body, len);
		if ((bad = loa_submit_bad_ward(body, len)) == NULL) {
			log_rejected(req, id, err);
			reply_error(req, 400, err);
			free(id);
			return;
		}
		p = pending_new(req, PK_HINT, id);
		p->body = xstrdup(err);
		p->bad = bad;
		loa_submit_argv(&av, loa->cfg.prefix, NULL);
		if (loa_redis_cmdv(loa->rc, hint_cb, p, &av) == -1) {
			pending_take(p);
			log_rejected(req, id, err);
			reply_error(req, 400, err);
		}
		free(id);
		loa_argv_free(&av);
		return;
	}
	p = pending_new(req, PK_CHECK, job->id);
	p->job = job;
	p->body = xstrndup(body, len);
	p->len = len;
	loa_submit_argv(&av, loa->cfg.prefix, job);
	ask(req, p, check_cb, &av);
}

/* Send av (freed here) for p, of req; 503 when Redis is not there. */
static void
ask(struct hs_req *req, struct pending *p, loa_redis_cb cb,
    struct loa_argv *av)
{
	if (loa_redis_cmdv(loa->rc, cb, p, av) == -1) {
		pending_take(p);
		reply_redis_down(req);
	}
	loa_argv_free(av);
}

/* The ward names came: 400 with the parser's reason and the hint. */
static void
hint_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 why;
	char		*id = p->id;

	(void)r;
	p->id = NULL;
	loa_buf_init(&why);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    rep->elements == 7 && rep->element[6]->type == REDIS_REPLY_STRING)
		loa_submit_parse_hint(&why, p->body, p->bad,
		    rep->element[6]->str);
	else
		loa_buf_adds(&why, p->body);
	if ((req = pending_take(p)) != NULL) {
		log_rejected(req, id, why.data);
		reply_error(req, 400, why.data);
	}
	free(id);
	loa_buf_free(&why);
}

/*
 * The submit script's answer: refuse the job, or say it is there, or
 * queue it.
 */
static void
check_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_job	*job = p->job;
	struct loa_buf	 why, b;
	char		*body = p->body;
	size_t		 len = p->len;

	(void)r;
	p->job = NULL;
	p->body = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	switch (loa_submit_reply(job, rep, &why, NULL)) {
	case LOA_SUBMIT_OK:
		enqueue(req, job->id, body, len);
		break;
	case LOA_SUBMIT_INVALID:
		log_rejected(req, job->id, why.data);
		reply_error(req, 400, why.data);
		break;
	case LOA_SUBMIT_USED:
		log_rejected(req, job->id, why.data);
		reply_error(req, 409, why.data);
		break;
	case LOA_SUBMIT_SAME:
		loa_buf_init(&b);
		loa_json_kv(&b, "id", job->id);
		loa_json_kv(&b, "state", rep->element[3]->str);
		loa_json_kv(&b, "note", why.data);
		reply_json(req, 200, &b);
		break;
	case LOA_SUBMIT_ERROR:
		reply_redis_down(req);
		break;
	}
	loa_buf_free(&why);
 out:
	loa_job_unref(job);
	free(body);
}

/* Queue the job of len bytes at body (id: its own, or NULL) for req. */
static void
enqueue(struct hs_req *req, const char *id, const char *body, size_t len)
{
	struct loa_argv		 av;
	struct pending		*p;

	p = pending_new(req, PK_SUBMIT, id);
	loa_argv_init(&av);
	loa_argv_add(&av, "XADD");
	loa_argv_add(&av, loa->k_jobs);
	loa_argv_add(&av, "*");
	loa_argv_add(&av, "job");
	loa_argv_addn(&av, body, len);
	ask(req, p, submit_cb, &av);
}

static void
submit_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	char		*id;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_STRING, &id)) == NULL)
		goto out;
	loa_buf_init(&b);
	loa_json_kv(&b, "id", id != NULL ? id : rep->str);
	loa_json_kv(&b, "entry", rep->str);
	reply_json(req, 202, &b);
 out:
	free(id);
}

/* GET /v1/jobs/<id> */
static void
route_get(struct hs_req *req, const char *id)
{
	struct pending	*p;
	char		*key;
	const char	*argv[2];

	key = loa_key_job(loa->cfg.prefix, id);
	argv[0] = "HGETALL";
	argv[1] = key;
	p = pending_new(req, PK_GET, id);
	if (loa_redis_cmd(loa->rc, get_cb, p, 2, argv, NULL) == -1) {
		pending_take(p);
		reply_redis_down(req);
	}
	free(key);
}

static void
get_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	char		*id;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &id)) == NULL)
		goto out;
	if (rep->elements == 0) {
		reply_error(req, 404, "no such job");
		goto out;
	}
	reply_jansson(req, 200, loa_job_json(id, rep, 0));
 out:
	free(id);
}

/*
 * The parameters of GET /v1/jobs: state (empty: every state) and limit.
 * Returns 0, or -1 with err for the client.  The query is not decoded:
 * states and limits are plain letters and digits.
 */
static int
list_query(const char *q, char *state, size_t statelen, long *limit,
    char *err, size_t errlen)
{
	const char	*amp, *eq;
	char		 v[32];
	size_t		 klen, vlen;

	*state = '\0';
	*limit = LOA_JOBS_LIMIT;
	for (; *q != '\0'; q = *amp == '&' ? amp + 1 : amp) {
		amp = q + strcspn(q, "&");
		if ((eq = memchr(q, '=', amp - q)) == NULL)
			eq = amp;
		klen = eq - q;
		vlen = eq < amp ? (size_t)(amp - eq - 1) : 0;
		if (vlen >= sizeof(v))
			vlen = sizeof(v) - 1;	/* then refused below */
		memcpy(v, eq < amp ? eq + 1 : eq, vlen);
		v[vlen] = '\0';
		if (klen == 5 && strncmp(q, "state", 5) == 0) {
			if (v[0] != '\0' && !loa_jobs_state_valid(v)) {
				snprintf(err, errlen, "state: want one of "
				    "scheduled, expanding, sending, done, "
				    "cancelled, rejected");
				return -1;
			}
			snprintf(state, statelen, "%s", v);
		} else if (klen == 5 && strncmp(q, "limit", 5) == 0) {
			if (loa_jobs_limit_parse(v, limit) == -1) {
				snprintf(err, errlen, "limit: want 1 to %d",
				    LOA_JOBS_LIMIT_MAX);
				return -1;
			}
		} else if (klen > 0) {
			snprintf(err, errlen, "unknown parameter; want state "
			    "and limit");
			return -1;
		}
	}
	return 0;
}

/* GET /v1/jobs: the newest jobs of the job index. */
static void
route_list(struct hs_req *req)
{
	struct loa_argv	 av;
	char		 state[32], err[128];
	long		 limit;

	if (list_query(hs_req_head(req)->query, state, sizeof(state), &limit,
	    err, sizeof(err)) == -1) {
		reply_error(req, 400, err);	/* head_cb did already */
		return;
	}
	loa_jobs_argv(&av, loa->cfg.prefix, state, limit);
	ask(req, pending_new(req, PK_LIST, NULL), overview_cb, &av);
}

/* GET /v1/status: the overview, as "loactl status --json". */
static void
route_status(struct hs_req *req)
{
	struct loa_argv	 av;

	loa_overview_argv(&av, &loa->cfg);
	ask(req, pending_new(req, PK_STATUS, NULL), overview_cb, &av);
}

/* The answer of the jobs or the overview script, as JSON. */
static void
overview_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	json_t		*v;
	int		 list = p->kind == PK_LIST;

	(void)r;
	if ((req = pending_take(p)) == NULL)
		return;
	if ((v = list ? loa_jobs_decode(rep) : loa_overview_decode(rep)) ==
	    NULL) {
		reply_redis_down(req);
		return;
	}
	reply_jansson(req, 200, v);
}

/* POST /v1/jobs/<id>/cancel: the script "loactl cancel" runs. */
static void
route_cancel(struct hs_req *req, const char *id)
{
	struct pending	*p;
	struct loa_argv	 av;

	loa_store_cancel(&av, loa->cfg.prefix, id, loa->cfg.events_maxlen,
	    loa->cfg.retention_ms);
	p = pending_new(req, PK_CANCEL, id);
	ask(req, p, cancel_cb, &av);
}

static void
cancel_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	const char	*state;
	char		*id, msg[128];

	(void)r;
	id = p->id;
	p->id = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	switch (loa_store_cancel_reply(rep, &state)) {
	case LOA_CANCEL_ERROR:
		reply_redis_down(req);
		break;
	case LOA_CANCEL_OK:
		metrics_job_cancelled();
		loa_buf_init(&b);
		loa_json_kv(&b, "id", id);
		loa_json_kv(&b, "state", "cancelled");
		reply_json(req, 200, &b);
		break;
	case LOA_CANCEL_UNKNOWN:
		reply_error(req, 404, "no such job");
		break;
	case LOA_CANCEL_ENDED:
		snprintf(msg, sizeof(msg), "already %s", state);
		reply_error(req, 409, msg);
		break;
	}
 out:
	free(id);
}

/* The provider named name, when it takes delivery reports. */
static const struct provider *
report_provider(const char *name)
{
	const struct provider	*p;
	int			 i;

	for (i = 0; i < loa->nproviders; i++) {
		p = &loa->providers[i];
		if (strcmp(p->conf->name, name) == 0)
			return p->mod->struct_size >= offsetof(struct
			    loa_provider_module, report) +
			    sizeof(p->mod->report) && p->mod->report != NULL ?
			    p : NULL;
	}
	return NULL;
}

/* GET|POST /webhooks/<name>: a delivery report (the whole request in). */
static void
route_webhook(struct hs_req *req, const char *name)
{
	const struct hs_head	*h = hs_req_head(req);
	struct loa_header	 hdr[HS_FIELDS_MAX];
	struct loa_report	*reps;
	struct loa_webhook	 wh;
	struct loa_argv		 av;
	const struct provider	*p;
	struct pending		*pe;
	int			 n, i;

	if ((p = report_provider(name)) == NULL) {
		reply_error(req, 404, "no such provider, or it sends no "
		    "delivery reports");
		return;
	}
	memset(&wh, 0, sizeof(wh));
	wh.method = h->method;
	wh.query = h->query;
	wh.body = hs_req_body(req, &wh.body_len);
	for (i = 0; i < h->nfields; i++) {
		hdr[i].name = h->fields[i].name;
		hdr[i].value = h->fields[i].value;
	}
	wh.headers = hdr;
	wh.nheaders = h->nfields;
	reps = xcalloc(WEBHOOK_REPORTS_MAX, sizeof(*reps));
	n = p->mod->report(p->state, &wh, reps, WEBHOOK_REPORTS_MAX);
	if (n < 0 || n > WEBHOOK_REPORTS_MAX) {
		int bad = n == LOA_REPORT_BAD_SIGNATURE;
		httpd_note_for(bad ? HE_BAD_SIGNATURE : HE_BAD_REPORT, req,
		    name);
		metrics_report(name, bad ? REPORT_BAD_SIGNATURE :
		    REPORT_MALFORMED);
		reply_error(req, bad ? 401 : 400, bad ? "bad signature" :
		    "unreadable delivery report");
		free(reps);
		return;
	}
	if (report_argv(&av, name, reps, n) == 0) {
		struct loa_buf b;
		loa_buf_init(&b);
		loa_json_kl(&b, "reports", 0);
		reply_json(req, 200, &b);
	} else {
		pe = pending_new(req, PK_REPORT, name);
		if (loa_redis_cmdv(loa->rc, report_cb, pe, &av) == -1) {
			pending_take(pe);
			reply_redis_down(req);
		}
	}
	loa_argv_free(&av);
	free(reps);
}

static void
report_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	int		 counts[REPORT_RESULTS] = { 0 }, i, bad;

	(void)r;
	bad = report_results(rep, 0, counts) == -1;
	if ((req = pending_take(p)) == NULL)
		return;
	if (bad) {
		reply_redis_down(req);
		return;
	}
	loa_buf_init(&b);
	for (i = 0; i <= REPORT_GONE; i++)
		loa_json_kl(&b, report_result_name(i), counts[i]);
	reply_json(req, 200, &b);
}

/*
 * When req's method is not m, answer 405 with "Allow: allow" and return
 * 0.
 */
static int
method_is(struct hs_req *req, const char *m, const char *allow)
{
	if (strcmp(hs_req_head(req)->method, m) == 0)
		return 1;
	hs_reply_header(req, "Allow", allow);
	reply_error(req, 405, "method not allowed");
	return 0;
}

/*
 * The route of path; *arg (allocated, or NULL) is its job id or provider
 * name, not yet checked.
 */
static enum route
route_of(const char *path, char **arg)
{
	const char	*rest, *slash;

	*arg = NULL;
	if (strcmp(path, "/healthz") == 0)
		return RT_HEALTHZ;
	if (strcmp(path, "/metrics") == 0)
		return RT_METRICS;
	if (strncmp(path, "/webhooks/", 10) == 0) {
		rest = path + 10;
		if (*rest == '\0' || rest[strcspn(rest, "/")] != '\0')
			return RT_NONE;
		*arg = xstrdup(rest);
		return RT_WEBHOOK;
	}
	if (strcmp(path, "/v1/jobs") == 0)
		return RT_SUBMIT;
	if (strcmp(path, "/v1/status") == 0)
		return RT_STATUS;
	if (strcmp(path, "/v1/preview") == 0)
		return RT_PREVIEW;
	if (strcmp(path, "/v1/providers") == 0)
		return RT_PROVIDERS;
	if (strncmp(path, "/v1/providers/", 14) == 0) {
		rest = path + 14;
		if ((slash = strchr(rest, '/')) == NULL ||
		    (strcmp(slash, "/pause") != 0 &&
		    strcmp(slash, "/resume") != 0))
			return RT_NONE;
		*arg = xstrndup(rest, slash - rest);
		return slash[1] == 'p' ? RT_PROVIDER_PAUSE :
		    RT_PROVIDER_RESUME;
	}
	if (strncmp(path, "/v1/jobs/", 9) != 0)
		return RT_NONE;
	rest = path + 9;
	if ((slash = strchr(rest, '/')) == NULL) {
		*arg = xstrdup(rest);
		return RT_JOB;
	}
	if (strcmp(slash, "/cancel") != 0 &&
	    strcmp(slash, "/report.csv") != 0)
		return RT_NONE;
	*arg = xstrndup(rest, slash - rest);
	return slash[1] == 'c' ? RT_CANCEL : RT_REPORT_CSV;
}

/*
 * After the head, before any of the body: answer all that the head
 * decides (route, method, token, job id, size) and let through only the
 * bodies of requests that may have one, up to their route's limit.
 */
static void
head_cb(struct hs_req *req, void *arg)
{
	const struct hs_head	*h = hs_req_head(req);
	char			*name, err[160], state[32];
	long			 limit;
	enum route		 rt;
	const char		*m;

	(void)arg;
	switch ((rt = route_of(h->path, &name))) {
	case RT_NONE:
		reply_error(req, 404, "no such path");
		break;
	case RT_HEALTHZ:
	case RT_METRICS:
		(void)method_is(req, "GET", "GET");
		break;
	case RT_STATUS:
		if (method_is(req, "GET", "GET") && check_auth(req) == 0)
			hs_req_body_max(req, CANCEL_BODY_MAX, 1);
		break;
	case RT_SUBMIT:
		if (strcmp(h->method, "GET") == 0) {
			if (check_auth(req) == -1)
				break;
			if (list_query(h->query, state, sizeof(state), &limit,
			    err, sizeof(err)) == -1)
				reply_error(req, 400, err);
			else
				hs_req_body_max(req, CANCEL_BODY_MAX, 1);
			break;
		}
		if (!method_is(req, "POST", "GET, POST") ||
		    check_auth(req) == -1)
			break;
		/* FALLTHROUGH */
	case RT_PREVIEW:
		if (rt == RT_PREVIEW && (!method_is(req, "POST", "POST") ||
		    check_auth(req) == -1))
			break;
		if (rt == RT_PREVIEW && capi_previews_full()) {
			hs_reply_header(req, "Retry-After", "5");
			reply_error(req, 429, "too many previews under way; "
			    "try again");
			break;
		}
		if (h->content_length > loa->cfg.max_job_size) {
			httpd_note(HE_TOO_LARGE, req);
			snprintf(err, sizeof(err), "job is %llu bytes, more "
			    "than the limit of %zu (max_job_size)",
			    h->content_length, loa->cfg.max_job_size);
			reply_error(req, 413, err);
			break;
		}
		hs_req_body_max(req, loa->cfg.max_job_size, 1);
		break;
	case RT_PROVIDERS:
		if (method_is(req, "GET", "GET") && check_auth(req) == 0)
			hs_req_body_max(req, CANCEL_BODY_MAX, 1);
		break;
	case RT_PROVIDER_PAUSE:
	case RT_PROVIDER_RESUME:
		if (!method_is(req, "POST", "POST") || check_auth(req) == -1)
			break;
		if (!loa_name_valid(name))
			reply_error(req, 400, "provider: want "
			    LOA_NAME_RULE);
		else
			hs_req_body_max(req, CANCEL_BODY_MAX, 1);
		break;
	case RT_JOB:
	case RT_CANCEL:
	case RT_REPORT_CSV:
		m = rt == RT_CANCEL ? "POST" : "GET";
		if (!method_is(req, m, m) || check_auth(req) == -1)
			break;
		if (!loa_name_valid(name))
			reply_error(req, 400, "job id: want " LOA_NAME_RULE);
		else
			hs_req_body_max(req, CANCEL_BODY_MAX, 1);
		break;
	case RT_WEBHOOK:
		if (report_provider(name) == NULL) {
			reply_error(req, 404, "no such provider, or it sends "
			    "no delivery reports");
			break;
		}
		if (strcmp(h->method, "GET") != 0 &&
		    strcmp(h->method, "POST") != 0) {
			(void)method_is(req, "POST", "GET, POST");
			break;
		}
		if (h->content_length > WEBHOOK_BODY_MAX) {
			httpd_note_for(HE_BAD_REPORT, req, name);
			reply_error(req, 413, "delivery report too large");
			break;
		}
		hs_req_body_max(req, WEBHOOK_BODY_MAX, 0);
		break;
	}
	free(name);
}

/* The whole request is in, and head_cb let it through. */
static void
request_cb(struct hs_req *req, void *arg)
{
	char		*name;
	enum route	 rt;

	(void)arg;
	switch ((rt = route_of(hs_req_head(req)->path, &name))) {
	case RT_HEALTHZ:
		route_healthz(req);
		break;
	case RT_METRICS:
		route_metrics(req);
		break;
	case RT_SUBMIT:
		if (strcmp(hs_req_head(req)->method, "GET") == 0)
			route_list(req);
		else
			route_submit(req);
		break;
	case RT_STATUS:
		route_status(req);
		break;
	case RT_JOB:
		route_get(req, name);
		break;
	case RT_CANCEL:
		route_cancel(req, name);
		break;
	case RT_WEBHOOK:
		route_webhook(req, name);
		break;
	case RT_PREVIEW:
		capi_preview(req);
		break;
	case RT_PROVIDERS:
		capi_providers(req);
		break;
	case RT_REPORT_CSV:
		capi_report_csv(req, name);
		break;
	case RT_PROVIDER_PAUSE:
	case RT_PROVIDER_RESUME:
		capi_provider_set(req, name, rt == RT_PROVIDER_PAUSE);
		break;
	case RT_NONE:	/* head_cb answered */
		reply_error(req, 404, "no such path");
		break;
	}
	free(name);
}

/*
 * Read the API token of token_file (NULL: none) into *tok.  Returns 0, or
 * -1 with err.
 */
int
httpd_token_read(const char *file, char **tok, char *err, size_t errlen)
{
	char	why[128], msg[512];

	*tok = NULL;
	if (file == NULL)
		return 0;
	if (loa_read_secret(file, tok, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "[http] token_file %s", msg);
		return -1;
	}
	if (!loa_token_ok(*tok, why, sizeof(why))) {
		loa_secret_label(file, msg, sizeof(msg));
		snprintf(err, errlen, "[http] token_file %s: %s", msg, why);
		explicit_bzero(*tok, strlen(*tok));
		free(*tok);
		*tok = NULL;
		return -1;
	}
	return 0;
}

/* Use tok (from httpd_token_read, taken) from now on. */
void
httpd_token_set(char *tok)
{
	if (hd.token != NULL) {
		explicit_bzero(hd.token, hd.tokenlen);
		free(hd.token);
	}
	hd.token = tok;
	hd.tokenlen = tok != NULL ? strlen(tok) : 0;
}

/*
 * How many connections the listener may hold: [http] max_connections,
 * lowered (with one warning) so that the descriptor limit keeps room for
 * everything else.
 */
static int
httpd_max_connections(void)
{
	struct rlimit	rl;
	long long	room;
	int		want = loa->cfg.http_max_connections;
	long long	reserve = HTTPD_FD_RESERVE +
			    (long long)loa->cfg.max_inflight;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur ==
	    RLIM_INFINITY || (long long)rl.rlim_cur - reserve >= want)
		return want;
	room = (long long)rl.rlim_cur - reserve;
	if (room < HTTPD_CONNECTIONS_MIN)
		room = HTTPD_CONNECTIONS_MIN;
	log_warnx("http: max_connections %d lowered to %lld: the descriptor "
	    "limit is %llu and %lld are kept for Redis, the logs and "
	    "deliveries (64 + max_inflight); raise LimitNOFILE= (ulimit -n)",
	    want, room, (unsigned long long)rl.rlim_cur, reserve);
	return (int)room;
}

/*
 * Start listening on [http] listen and read [http] token_file (when
 * set).  Returns 0, or -1 with err (nothing left allocated).
 */
int
httpd_init(char *err, size_t errlen)
{
	struct hs_config		 hc;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	char				*host = NULL, h[NI_MAXHOST], s[NI_MAXSERV];
	char				 port[8], e[256];
	unsigned short			 portn;

	TAILQ_INIT(&hd.pending);
	if (loa_http_listen_parse(loa->cfg.http_listen, &host, &portn, err,
	    errlen) == -1)
		return -1;
	if (httpd_token_read(loa->cfg.http_token_file, &hd.token, err,
	    errlen) == -1)
		goto fail;
	hd.tokenlen = hd.token != NULL ? strlen(hd.token) : 0;
	snprintf(port, sizeof(port), "%u", portn);
	memset(&hc, 0, sizeof(hc));
	hc.host = host;
	hc.port = port;
	hc.max_connections = httpd_max_connections();
	hc.header_timeout_ms = loa->cfg.http_header_timeout_ms;
	hc.body_timeout_ms = loa->cfg.http_body_timeout_ms;
	hc.head_cb = head_cb;
	hc.request_cb = request_cb;
	if ((hd.srv = hs_server_new(loa->base, &hc, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "http listen %s: %s",
		    loa->cfg.http_listen, e);
		goto fail;
	}
	if (getsockname(hs_server_fd(hd.srv), (struct sockaddr *)&ss,
	    &sslen) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sslen, h, sizeof(h), s,
	    sizeof(s), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(err, errlen, "http listen %s: getsockname: %s",
		    loa->cfg.http_listen, strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		log_info("http: listening on [%s]:%s", h, s);
	else
		log_info("http: listening on %s:%s", h, s);
	if (hd.token == NULL)
		log_info("http: no token_file: the /v1 API refuses every "
		    "request");
	free(host);
	return 0;
 fail:
	free(host);
	httpd_free();
	return -1;
}

/*
 * Stop listening and close every connection.  Requests still waiting for
 * Redis are detached (gone_cb); their entries go when the Redis
 * callbacks run (loa_redis_free() runs them all).
 */
void
httpd_free(void)
{
	struct hs_server	*srv = hd.srv;

	hd.srv = NULL;
	hs_server_free(srv);
	httpd_token_set(NULL);
}

/* The answers of this file, for the routes of capi.c. */
void
httpd_reply(struct hs_req *req, int code, const char *ctype,
    const char *body, size_t len)
{
	reply(req, code, ctype, body, len);
}

void
httpd_reply_error(struct hs_req *req, int code, const char *msg)
{
	reply_error(req, code, msg);
}

/* v is taken. */
void
httpd_reply_json(struct hs_req *req, int code, json_t *v)
{
	reply_jansson(req, code, v);
}

void
httpd_reply_redis_down(struct hs_req *req)
{
	reply_redis_down(req);
}
