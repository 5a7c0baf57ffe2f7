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
 *                               prints (overview.c); admins only: it
 *                               covers every ward
 *   GET  /v1/jobs/<id>          the job's state fields (HGETALL
 *                               <prefix>job:<id>, only the documented
 *                               fields: job_field_public())
 *   POST /v1/jobs/<id>/cancel   loa_store_cancel(), as "loactl cancel"
 *   POST /v1/session            log in: {"user","password"} -> 200, the
 *                               cookie loa_session and {"user","role",
 *                               "wards","csrf","must_change"}; 401 for a
 *                               wrong user or password, 429 while locked
 *   GET  /v1/session            who the caller is (and the csrf value)
 *   DELETE /v1/session          log out
 *   POST /v1/session/password   the session's account changes its own
 *                               password: {"password","new_password"} ->
 *                               200; 400 for a new one that will not do
 *                               (or the old one again), 401 for a wrong
 *                               old one (a failed login), 429 while
 *                               locked.  Every other session of the
 *                               account ends; this one goes on.
 *   GET  /v1/audit?since=&actor=&limit=   the audit trail (admins)
 *   GET  /v1/wards              the wards the caller may use (code, name,
 *                               district)
 *   POST /v1/jobs/<id>/approve  loa_store_verdict(), as "loactl approve",
 *                               as the caller: 200 {"id","state",
 *                               "approved_by"}; 403 for a drafter, the
 *                               job's submitter or a caller whose scope
 *                               does not cover it, 409 for a job not
 *                               awaiting approval
 *   POST /v1/jobs/<id>/reject   the same with the body {"reason": "..."}
 *                               (400 without a valid reason), as
 *                               "loactl reject"
 *   POST /v1/jobs/<id>/retry    retry.lua over every failed recipient,
 *                               as "loactl retry": 200 {"id","retried"};
 *                               403 outside the caller's wards, 409 for
 *                               a job not finished
 *   GET  /, /static/<file>      the console's files (www.c)
 *   POST /v1/preview            what "loactl preview --json" prints for
 *                               the job in the body (capi.c), a job
 *                               within the caller's wards (the submit
 *                               right); 429 when CAPI_PREVIEWS_MAX are
 *                               under way
 *   GET  /v1/jobs/<id>/preview  the same for the stored job (the
 *                               approver's view), scoped as GET
 *                               /v1/jobs/<id>
 *   GET  /v1/jobs/<id>/report.csv  "loactl report ID --csv" (capi.c),
 *                               scoped as GET /v1/jobs/<id>
 *   GET  /v1/providers          "loactl provider list --json", as an array
 *   POST /v1/providers/<name>/pause|resume
 *                               "loactl provider pause|resume" (capi.c),
 *                               admins only, audited
 *   GET|POST /webhooks/<name>   a delivery report for provider <name>:
 *                               its plugin checks the signature and reads
 *                               it, report.c applies it (401 for a bad
 *                               signature, 400 unreadable, 404 for a
 *                               provider that sends no reports)
 *
 * Webhooks carry no bearer token: the provider's signature (or the token
 * the plugin put in the callback URL) is their credential.
 *
 * Who calls (struct caller, the request's data; httpd_actor()): every
 * /v1 route but POST /v1/session wants "Authorization: Bearer <token>",
 * the [http] token_file token (the admin, "admin") or a named token
 * (loactl token add), or the session cookie loa_session of POST
 * /v1/session, with X-CSRF-Token equal to the session's csrf on every
 * request but GET.  The token_file token is checked in head_cb();
 * named tokens and sessions are looked up by their SHA-256 (whoami.lua)
 * once the request is in.  401 without valid credentials, 403 when the
 * caller's role or wards do not allow the act (with an audit entry,
 * "denied").  A drafter, approver or admin of some wards submits, reads,
 * cancels, retries, approves only the jobs all of whose wards are among
 * them (the submit script's wards, scope.lua for a stored job, checked
 * again by approve.lua; lists: jobs.lua filters).  A session of an
 * account with a one-time password (must_change: loactl user add|passwd
 * printed it) may only GET or DELETE /v1/session and POST
 * /v1/session/password: 403 LOA_MUST_CHANGE_MSG elsewhere (whoami_cb()).
 *
 * Everything that can be decided from the request head (route, method,
 * token, job id, declared size) is decided in head_cb(), before a byte
 * of the body is read: an outsider with no credential, or with a bearer
 * token of the wrong shape, gets 401 and the connection closes, whatever
 * the size it announced.  A credential of the right shape (named token,
 * session) is checked after the body; its body is read untrusted (a full
 * server closes it first).  Bodies are read up to max_job_size for
 * /v1/jobs and WEBHOOK_BODY_MAX for webhooks, SESSION_BODY_MAX for a
 * login, nothing elsewhere.
 *
 * Logging in: the account's Argon2id hash is checked on kdf.c's worker
 * thread (100 ms or more of CPU each: never on the event loop), at most
 * KDF_QUEUE_MAX waiting or running (503 with Retry-After beyond); an
 * account is locked LOA_LOCK_MS after LOA_LOGIN_FAILS failures in a row,
 * an address refused after LOA_ADDR_FAILS failures in LOA_ADDR_WINDOW_MS
 * (429; auth.h).  A
 * session id is 32 random bytes made here, never one the client sent
 * (no fixation), stored as its digest, ended by idle time
 * ([http] session_idle), logout, a password change or disabling.
 *
 * A job is checked with the daemon's own parser, then by the submit
 * script against the directory and the jobs the daemon holds
 * (loa_submit_reply(), as "loactl send" does) before it is queued, so
 * what the API accepts is
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

#include "auth.h"
#include "engine.h"
#include "httpserv.h"
#include "overview.h"
#include "capi.h"
#include "kdf.h"

#define HTTPD_LOG_EVERY_MS	60000LL
#define WEBHOOK_BODY_MAX	(64 * 1024)
#define WEBHOOK_REPORTS_MAX	64
#define CANCEL_BODY_MAX		1024	/* a POST body, ignored */
#define REJECT_BODY_MAX		8192	/* {"reason": ...}, escaped */
#define REJECT_LOG_MAX		60	/* refused jobs logged a minute */
#define SESSION_BODY_MAX	4096	/* a login */
#define SESSION_COOKIE		"loa_session"
#define AUDIT_LIMIT		100
#define AUDIT_LIMIT_MAX		1000
#define AUDIT_SCAN		10000	/* entries read for an actor filter */
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
	PK_WHO,		/* whoami.lua: who a token or session is */
	PK_SCOPE,	/* scope.lua: a job's wards, then its route */
	PK_LOGIN,	/* login.lua check, ok, fail, logout */
	PK_AUDIT,
	PK_WARDS,
	PK_VERDICT,
	PK_RETRY,
	PK_INBOX,	/* inbox.lua: messages from residents */
	PK_INBOX_LIST,	/* GET /v1/inbox */
};

/*
 * Who sent a request (its hs_req_data()): the credential it showed, then
 * the actor it is.
 */
enum cred { CRED_ADMIN = 0, CRED_TOKEN, CRED_SESSION };
struct caller {
	enum cred		 cred;
	int			 known;		/* actor is set */
	int			 must_change;	/* a one-time password */
	struct loa_actor	 actor;
	char			 hex[LOA_DIGEST_HEX + 1];	/* digest */
	char			 csrf[LOA_SECRET_B64 + 1];	/* session */
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
					   hint: the parser's reason;
					   verdict: the actor's name */
	size_t			 len;
	char			*bad;	/* hint: the ward that is no code */
	int			 then;	/* scope: the route to go on with */
	char			*user;	/* login: the account */
	char			*pw;	/* login: the password (wiped) */
	int			 op;	/* login: LOGIN_CHECK... */
	int			 n;	/* inbox: messages read */
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
	RT_APPROVE,		/* /v1/jobs/<id>/approve */
	RT_REJECT,		/* /v1/jobs/<id>/reject */
	RT_RETRY,		/* /v1/jobs/<id>/retry */
	RT_WEBHOOK,		/* /webhooks/<name> */
	RT_SESSION,		/* /v1/session */
	RT_SESSION_PW,		/* /v1/session/password */
	RT_AUDIT,		/* /v1/audit */
	RT_INBOX,		/* /v1/inbox */
	RT_WARDS,		/* /v1/wards */
	RT_PREVIEW,		/* /v1/preview (capi.c) */
	RT_REPORT_CSV,		/* /v1/jobs/<id>/report.csv (capi.c) */
	RT_JOB_PREVIEW,		/* /v1/jobs/<id>/preview (capi.c) */
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
static void	verdict_cb(struct loa_redis *, redisReply *, void *);
static void	retry_cb(struct loa_redis *, redisReply *, void *);
static void	route_healthz(struct hs_req *);
static void	route_metrics(struct hs_req *);
static void	route_submit(struct hs_req *);
static void	route_get(struct hs_req *, const char *);
static void	route_cancel(struct hs_req *, const char *);
static void	route_verdict(struct hs_req *, const char *, int);
static void	route_retry(struct hs_req *, const char *);
static void	route_webhook(struct hs_req *, const char *);
static void	scope_cb(struct loa_redis *, redisReply *, void *);
static void	login_cb(struct loa_redis *, redisReply *, void *);
static void	passwd_cb(struct loa_redis *, redisReply *, void *);
static int	must_change_may(struct hs_req *);
static void	audit_list_cb(struct loa_redis *, redisReply *, void *);
static void	inbox_list_cb(struct loa_redis *, redisReply *, void *);
static void	wards_cb(struct loa_redis *, redisReply *, void *);
static void	whoami_cb(struct loa_redis *, redisReply *, void *);
static void	dispatch(struct hs_req *);
static int	job_in_scope(const struct loa_actor *, const struct loa_job *,
		    const redisReply *);
static void	add_scope(struct loa_argv *, const struct loa_actor *);
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

static void
caller_free(void *arg)
{
	struct caller	*c = arg;

	loa_actor_clear(&c->actor);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* The caller of req (NULL before head_cb's check, or for /healthz). */
static struct caller *
caller_of(const struct hs_req *req)
{
	return hs_req_data(req);
}

/*
 * Who req comes from, for route handlers: never NULL for a /v1 route
 * handler (every one is called once the caller is known).
 */
const struct loa_actor *
httpd_actor(struct hs_req *req)
{
	struct caller	*c = caller_of(req);

	return c != NULL && c->known ? &c->actor : NULL;
}

/* Was the request's credential checked in head_cb (the admin token)? */
static int
trusted(struct hs_req *req)
{
	struct caller	*c = caller_of(req);

	return c != NULL && c->known;
}

/* The value of cookie name in req (into out), or NULL. */
static const char *
cookie(struct hs_req *req, const char *name, char *out, size_t outlen)
{
	const struct hs_head	*h = hs_req_head(req);
	const char		*v, *end;
	size_t			 nl = strlen(name), n;
	int			 i;

	for (i = 0; i < h->nfields; i++) {
		if (strcasecmp(h->fields[i].name, "Cookie") != 0)
			continue;
		for (v = h->fields[i].value; *v != '\0'; v = end) {
			while (*v == ' ' || *v == ';')
				v++;
			end = v + strcspn(v, ";");
			if ((size_t)(end - v) > nl && strncmp(v, name, nl) ==
			    0 && v[nl] == '=') {
				n = end - v - nl - 1;
				if (n >= outlen)
					return NULL;
				memcpy(out, v + nl + 1, n);
				out[n] = '\0';
				return out;
			}
		}
	}
	return NULL;
}

/* 401 for a request without valid credentials. */
static void
reply_401(struct hs_req *req, enum httpd_err e, const char *msg)
{
	httpd_note(e, req);
	hs_reply_header(req, "WWW-Authenticate", "Bearer");
	reply_error(req, 401, msg);
}

/*
 * From head_cb: the credential of req.  The token_file token is checked
 * here (the caller is known); a named token or a session id of the right
 * shape is kept, as its digest, for whoami.lua after the body.  Returns
 * 0 when the request may go on; otherwise it has been answered (401)
 * and -1 is returned.
 */
static int
check_auth(struct hs_req *req)
{
	struct caller	*c;
	const char	*v;
	char		 tok[LOA_TOKEN_LEN + 1], sid[LOA_SECRET_B64 + 1];
	size_t		 len;

	c = xcalloc(1, sizeof(*c));
	hs_req_set_data(req, c, caller_free);
	if ((v = hs_req_header(req, "Authorization")) != NULL) {
		if (strncasecmp(v, "Bearer ", 7) != 0) {
			reply_401(req, HE_NO_AUTH,
			    "want Authorization: Bearer <token>");
			return -1;
		}
		for (v += 7; *v == ' ' || *v == '\t'; v++)
			;
		len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (hd.token != NULL &&
		    token_equal(v, len, hd.token, hd.tokenlen)) {
			c->cred = CRED_ADMIN;
			loa_actor_set(&c->actor, LOA_ACTOR_ADMIN_TOKEN,
			    LOA_ROLE_ADMIN, "admin");
			c->actor.all = 1;
			c->known = 1;
			return 0;
		}
		if (len == LOA_TOKEN_LEN && strncmp(v, LOA_TOKEN_PREFIX,
		    sizeof(LOA_TOKEN_PREFIX) - 1) == 0 &&
		    loa_token_shape_ok(v, len)) {
			memcpy(tok, v, len);
			tok[len] = '\0';
			loa_token_digest(tok, c->hex);
			explicit_bzero(tok, sizeof(tok));
			c->cred = CRED_TOKEN;
			return 0;
		}
		reply_401(req, HE_BAD_TOKEN, "wrong token");
		return -1;
	}
	if (cookie(req, SESSION_COOKIE, sid, sizeof(sid)) != NULL &&
	    loa_token_shape_ok(sid, strlen(sid))) {
		loa_token_digest(sid, c->hex);
		explicit_bzero(sid, sizeof(sid));
		c->cred = CRED_SESSION;
		return 0;
	}
	reply_401(req, HE_NO_AUTH, "want Authorization: Bearer <token>, or "
	    "a session (POST /v1/session)");
	return -1;
}

/* Send an audit entry; nobody waits for it (its failure is logged). */
static void
audit_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	(void)r;
	(void)arg;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		log_warnx("audit: entry not written: %s", rep != NULL ?
		    rep->str : "Redis unavailable");
}

/*
 * An audit entry: actor did action on target from the address from
 * (capi.c keeps both when its act outlives the request).
 */
void
httpd_audit(const char *actor, const char *from, const char *action,
    const char *target, const char *detail)
{
	struct loa_argv	av;

	loa_audit_argv(&av, loa->cfg.prefix, loa->cfg.retention_ms, actor,
	    action, target, from, detail);
	if (loa_redis_cmdv(loa->rc, audit_cb, NULL, &av) == -1)
		log_warnx("audit: entry not written: Redis unavailable");
	loa_argv_free(&av);
}

static void
audit(struct hs_req *req, const char *actor, const char *action,
    const char *target, const char *detail)
{
	httpd_audit(actor, hs_req_peer(req), action, target, detail);
}

/*
 * 403 for an act the caller's role or wards do not allow, and an audit
 * entry "denied" (target: the job or route, detail: why).
 */
static void
deny(struct hs_req *req, const char *target, const char *why)
{
	const struct loa_actor	*a = httpd_actor(req);

	audit(req, a != NULL ? a->name : "?", "denied", target, why);
	reply_error(req, 403, why);
}

/* May the caller do act?  If not, 403 (deny()) and 0. */
static int
may(struct hs_req *req, enum loa_act act, const char *target)
{
	if (loa_role_may(httpd_actor(req), act))
		return 1;
	deny(req, target, act == LOA_ACT_ADMIN ? "admins only" :
	    "your role does not allow it");
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
	free(p->user);
	if (p->pw != NULL) {
		explicit_bzero(p->pw, strlen(p->pw));
		free(p->pw);
	}
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
	enum loa_submit	 verdict;
	char		*body = p->body;
	size_t		 len = p->len;

	(void)r;
	p->job = NULL;
	p->body = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	switch ((verdict = loa_submit_reply(job, rep, &why, NULL))) {
	case LOA_SUBMIT_OK:
	case LOA_SUBMIT_SAME:
		/* Not even the state of a job outside the caller's wards. */
		if (!job_in_scope(httpd_actor(req), job, rep)) {
			deny(req, job->id, "the job reaches wards outside "
			    "yours");
			break;
		}
		if (verdict == LOA_SUBMIT_OK) {
			enqueue(req, job->id, body, len);
			break;
		}
		loa_buf_init(&b);
		loa_json_kv(&b, "id", job->id);
		loa_json_kv(&b, "state", rep->element[3]->str);
		loa_json_kv(&b, "note", why.data);
		reply_json(req, 200, &b);
		break;
	case LOA_SUBMIT_INVALID:
		log_rejected(req, job->id, why.data);
		reply_error(req, 400, why.data);
		break;
	case LOA_SUBMIT_USED:
		log_rejected(req, job->id, why.data);
		reply_error(req, 409, why.data);
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

/*
 * Is every ward job reaches within a's scope?  rep is the submit
 * script's answer: its second element the wards an audience reaches
 * ([[code, name, district], ...]); explicit recipients reach the wards
 * they name ("" for one without: only "all" covers it).
 */
static int
job_in_scope(const struct loa_actor *a, const struct loa_job *job,
    const redisReply *rep)
{
	const char	**w;
	json_t		*arr, *e;
	size_t		 n = 0, i;
	int		 ok;

	if (a->all)
		return 1;
	if (job->audience == LOA_AUD_RECIPIENTS) {
		w = xcalloc(job->nrcpt + 1, sizeof(*w));
		for (i = 0; i < (size_t)job->nrcpt; i++)
			w[n++] = job->rcpt[i].ward != NULL ?
			    job->rcpt[i].ward : "";
		ok = loa_scope_covers(a, w, n);
		free(w);
		return ok;
	}
	if ((arr = json_loads(rep->element[1]->str, 0, NULL)) == NULL)
		return 0;
	w = xcalloc(json_array_size(arr) + 1, sizeof(*w));
	json_array_foreach(arr, i, e)
		if ((w[n] = json_string_value(json_array_get(e, 0))) != NULL)
			n++;
	ok = n == json_array_size(arr) && loa_scope_covers(a, w, n);
	free(w);
	json_decref(arr);
	return ok;
}

/*
 * Queue the job of len bytes at body (id: its own, or NULL) for req, with
 * who submits it ("by": the job hash's submitted_by).
 */
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
	loa_argv_add(&av, "by");
	loa_argv_add(&av, httpd_actor(req)->name);
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
	audit(req, httpd_actor(req)->name, "submit", id != NULL ? id :
	    rep->str, NULL);
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
				    "cancelled, rejected, awaiting_approval, "
				    "rejected_by_approver, expired");
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

/* The caller's wards after a script's arguments (none for "all"). */
static void
add_scope(struct loa_argv *av, const struct loa_actor *a)
{
	size_t	i;

	for (i = 0; !a->all && i < a->nwards; i++)
		loa_argv_add(av, a->wards[i]);
	/* No ward at all (never made so): a code no job has. */
	if (!a->all && a->nwards == 0)
		loa_argv_add(av, ":none");
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
	add_scope(&av, httpd_actor(req));
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
		audit(req, httpd_actor(req)->name, "cancel", id, NULL);
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

/* The route rt on job id, once the caller's scope allowed it. */
static void
route_job_act(struct hs_req *req, const char *id, enum route rt)
{
	switch (rt) {
	case RT_JOB:
		route_get(req, id);
		break;
	case RT_CANCEL:
		route_cancel(req, id);
		break;
	case RT_APPROVE:
	case RT_REJECT:
		route_verdict(req, id, rt == RT_REJECT);
		break;
	case RT_RETRY:
		route_retry(req, id);
		break;
	case RT_REPORT_CSV:
		capi_report_csv(req, id);
		break;
	case RT_JOB_PREVIEW:
		capi_job_preview(req, id);
		break;
	default:
		reply_error(req, 404, "no such path");
		break;
	}
}

/*
 * GET /v1/jobs/<id> and POST /v1/jobs/<id>/cancel, approve, reject,
 * retry for a caller with some wards: the job's wards first (scope.lua),
 * then the route, or 403 (audited "denied").  approve.lua and
 * reject_approval.lua check the scope again in the same step as the act.
 */
static void
route_scoped(struct hs_req *req, const char *id, enum route rt)
{
	struct pending	*p;
	struct loa_argv	 av;

	if (httpd_actor(req)->all) {
		route_job_act(req, id, rt);
		return;
	}
	p = pending_new(req, PK_SCOPE, id);
	p->then = rt;
	loa_script_argv(&av, loa_script_scope, loa->cfg.prefix);
	loa_argv_add(&av, id);
	ask(req, p, scope_cb, &av);
}

static void
scope_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	const char	**w;
	char		*id;
	size_t		 i;
	int		 rt = p->then, ok = 1;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &id)) == NULL)
		goto out;
	if (rep->elements == 0) {
		reply_error(req, 404, "no such job");
		goto out;
	}
	w = xcalloc(rep->elements, sizeof(*w));
	for (i = 1; i < rep->elements; i++) {
		if (rep->element[i]->type != REDIS_REPLY_STRING)
			ok = 0;
		w[i - 1] = rep->element[i]->str;
	}
	ok = ok && loa_scope_covers(httpd_actor(req), w, rep->elements - 1);
	free(w);
	if (!ok)
		deny(req, id, "the job reaches wards outside yours");
	else
		route_job_act(req, id, rt);
 out:
	free(id);
}

/* Set or clear (sid NULL) the session cookie of the answer to req. */
static void
set_cookie(struct hs_req *req, const char *sid)
{
	const char	*proto = hs_req_header(req, "X-Forwarded-Proto");
	char		*v;

	/* Secure only where the browser speaks https (a proxy says so). */
	v = xasprintf(SESSION_COOKIE "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict%s%s", sid != NULL ? sid : "",
	    proto != NULL && strcasecmp(proto, "https") == 0 ? "; Secure" :
	    "", sid != NULL ? "" : "; Max-Age=0");
	hs_reply_header(req, "Set-Cookie", v);
	free(v);
}

/*
 * The JSON of actor a (and csrf, "" for none; must_change: a one-time
 * password) for GET and POST /v1/session.
 */
static void
reply_actor(struct hs_req *req, const struct loa_actor *a, const char *csrf,
    int must_change)
{
	json_t	*o, *w;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "user", json_string(a->name));
	json_object_set_new(o, "kind",
	    json_string(loa_actor_kind_name(a->kind)));
	json_object_set_new(o, "role", json_string(loa_role_name(a->role)));
	if (a->all)
		w = json_string("all");
	else {
		w = json_array();
		for (i = 0; i < a->nwards; i++)
			json_array_append_new(w, json_string(a->wards[i]));
	}
	json_object_set_new(o, "wards", w);
	json_object_set_new(o, "csrf", json_string(csrf));
	json_object_set_new(o, "must_change", json_boolean(must_change));
	reply_jansson(req, 200, o);
}

/* The SHA-256 of req's address: the key of its failed logins. */
static void
addr_digest(struct hs_req *req, char hex[LOA_DIGEST_HEX + 1])
{
	loa_token_digest(hs_req_peer(req), hex);
}

enum { LOGIN_CHECK = 0, LOGIN_OK, LOGIN_FAIL, LOGIN_OUT, LOGIN_PASSWD };

/* login.lua's op for p (user p->user), with the rest of its arguments. */
static void
login_argv(struct loa_argv *av, struct hs_req *req, int op,
    const char *user)
{
	static const char *const ops[] = { "check", "ok", "fail", "logout",
	    "passwd" };
	char	now[40], addr[LOA_DIGEST_HEX + 1];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	addr_digest(req, addr);
	loa_script_argv(av, loa_script_login, loa->cfg.prefix);
	loa_argv_add(av, ops[op]);
	loa_argv_addf(av, "%lld", loa_now_ms());
	loa_argv_add(av, now);
	loa_argv_addf(av, "%lld", loa->cfg.retention_ms);
	loa_argv_add(av, user);
	loa_argv_add(av, addr);
	loa_argv_add(av, hs_req_peer(req));
}

/* login.lua's fail for n (user n->user): one more failed login. */
static void
fail_argv(struct loa_argv *av, struct hs_req *req, struct pending *n)
{
	n->op = LOGIN_FAIL;
	login_argv(av, req, LOGIN_FAIL, n->user);
	loa_argv_addf(av, "%d", LOA_LOGIN_FAILS);
	loa_argv_addf(av, "%lld", LOA_LOCK_MS);
	loa_argv_addf(av, "%lld", LOA_ADDR_WINDOW_MS);
}

/*
 * POST /v1/session: {"user","password"}.  The limits and the stored hash
 * first (login.lua check), then login_cb.
 */
static void
route_login(struct hs_req *req)
{
	struct pending	*p;
	struct loa_argv	 av;
	json_t		*o;
	const char	*body, *u, *pw;
	size_t		 len;

	body = hs_req_body(req, &len);
	if ((o = json_loadb(body, len, 0, NULL)) == NULL ||
	    (u = json_string_value(json_object_get(o, "user"))) == NULL ||
	    (pw = json_string_value(json_object_get(o, "password"))) ==
	    NULL) {
		json_decref(o);
		reply_error(req, 400, "want {\"user\":...,\"password\":...}");
		return;
	}
	if (!loa_name_valid(u) || strlen(pw) > LOA_PW_MAX) {
		json_decref(o);
		reply_error(req, 401, "wrong user or password");
		return;
	}
	p = pending_new(req, PK_LOGIN, NULL);
	p->op = LOGIN_CHECK;
	p->user = xstrdup(u);
	p->pw = xstrdup(pw);
	/* The JSON's copy of the password goes now. */
	explicit_bzero((char *)pw, strlen(pw));
	json_decref(o);
	login_argv(&av, req, LOGIN_CHECK, p->user);
	loa_argv_addf(&av, "%d", LOA_ADDR_FAILS);
	ask(req, p, login_cb, &av);
}

static void login_cb(struct loa_redis *, redisReply *, void *);

/*
 * After kdf.c's check: p, waiting for it, is ended, and the next step of
 * its request gets a new pending entry with p's account; NULL when the
 * client went meanwhile (nothing is recorded).
 */
static struct pending *
checked_next(struct pending *p)
{
	struct pending	*n;
	struct hs_req	*req;
	char		*user = p->user;

	p->user = NULL;
	if ((req = pending_take(p)) == NULL) {
		free(user);
		return NULL;
	}
	n = pending_new(req, PK_LOGIN, NULL);
	n->user = user;
	return n;
}

/*
 * The password was checked (kdf.c): the session and the reset of the
 * failures, or one failure more (login.lua ok | fail), then login_cb.
 */
static void
login_checked(int good, const char *newhash, void *arg)
{
	struct pending	*n;
	struct hs_req	*req;
	struct loa_argv	 av;
	char		 sid[LOA_SECRET_B64 + 1], csrf[LOA_SECRET_B64 + 1];
	char		 hex[LOA_DIGEST_HEX + 1];

	(void)newhash;
	if ((n = checked_next(arg)) == NULL)
		return;
	req = n->req;
	if (good) {
		/* A new id, made here: never one the client chose. */
		if (loa_random_b64(sid, sizeof(sid), "") == -1 ||
		    loa_random_b64(csrf, sizeof(csrf), "") == -1)
			fatalx("session id");
		loa_token_digest(sid, hex);
		n->op = LOGIN_OK;
		n->pw = xasprintf("%s %s", sid, csrf);
		n->pw[LOA_SECRET_B64] = '\0';
		login_argv(&av, req, LOGIN_OK, n->user);
		loa_argv_add(&av, hex);
		loa_argv_add(&av, csrf);
		loa_argv_addf(&av, "%lld", loa->cfg.http_session_idle_ms);
		explicit_bzero(sid, sizeof(sid));
		explicit_bzero(csrf, sizeof(csrf));
	} else
		fail_argv(&av, req, n);
	ask(req, n, login_cb, &av);
}

/*
 * The request of p, a step of login.lua, and the script's first word
 * (*st); NULL when there is nobody to answer or it has been answered
 * (Redis unavailable).  *id as take_answer() leaves it.
 */
static struct hs_req *
login_take(struct pending *p, const redisReply *rep, char **id,
    const char **st)
{
	struct hs_req	*req;

	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, id)) == NULL)
		return NULL;
	if (rep->elements < 1 || rep->element[0]->type != REDIS_REPLY_STRING) {
		reply_redis_down(req);
		return NULL;
	}
	*st = rep->element[0]->str;
	return req;
}

/* The next step of a login: check -> ok | fail; ok/fail -> the answer. */
static void
login_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg, *n;
	struct hs_req	*req;
	char		*user = p->user, *pw = p->pw, *id;
	char		 hex[LOA_DIGEST_HEX + 1];
	const char	*st;
	int		 op = p->op;

	(void)r;
	p->user = p->pw = NULL;
	if ((req = login_take(p, rep, &id, &st)) == NULL)
		goto out;
	if (op == LOGIN_OUT) {
		struct loa_buf b;
		set_cookie(req, NULL);
		loa_buf_init(&b);
		loa_json_kv(&b, "session", "ended");
		reply_json(req, 200, &b);
		goto out;
	}
	if (op == LOGIN_OK) {
		if (strcmp(st, "ok") != 0 || rep->elements != 4 ||
		    rep->element[3]->type != REDIS_REPLY_STRING) {
			reply_error(req, 401, "wrong user or password");
			goto out;
		}
		/* p->pw carried the new session's id, and its csrf. */
		set_cookie(req, pw);
		{
			struct loa_actor a;
			memset(&a, 0, sizeof(a));
			loa_actor_set(&a, LOA_ACTOR_USER, LOA_ROLE_DRAFTER,
			    user);
			(void)loa_role_parse(rep->element[1]->str, &a.role);
			(void)loa_scope_parse(&a, rep->element[2]->str, hex,
			    sizeof(hex));
			reply_actor(req, &a, pw + LOA_SECRET_B64 + 1,
			    strcmp(rep->element[3]->str, "1") == 0);
			loa_actor_clear(&a);
		}
		goto out;
	}
	if (op == LOGIN_FAIL) {
		hs_reply_header(req, "Cache-Control", "no-store");
		if (strcmp(st, "locked") == 0)
			reply_error(req, 429, "too many failed logins: the "
			    "account is locked for 15 minutes");
		else
			reply_error(req, 401, "wrong user or password");
		goto out;
	}
	/* LOGIN_CHECK */
	if (strcmp(st, "addr") == 0 || strcmp(st, "locked") == 0) {
		reply_error(req, 429, "too many failed logins; try again "
		    "later");
		goto out;
	}
	/* The password is checked on kdf.c's thread, then login_checked. */
	n = pending_new(req, PK_LOGIN, NULL);
	n->user = user;
	user = NULL;
	if (kdf_check(strcmp(st, "ok") == 0 && rep->elements == 2 &&
	    rep->element[1]->type == REDIS_REPLY_STRING ?
	    rep->element[1]->str : NULL, pw, NULL, login_checked, n) == -1) {
		pending_take(n);
		hs_reply_header(req, "Retry-After", "1");
		reply_error(req, 503, "too many logins at once; try again");
	}
 out:
	free(id);
	free(user);
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw) + (op == LOGIN_OK ?
		    LOA_SECRET_B64 + 1 : 0));
		free(pw);
	}
}

/* GET and DELETE /v1/session. */
static void
route_session(struct hs_req *req)
{
	struct caller	*c = caller_of(req);
	struct pending	*p;
	struct loa_argv	 av;

	if (strcmp(hs_req_head(req)->method, "GET") == 0) {
		reply_actor(req, &c->actor, c->csrf, c->must_change);
		return;
	}
	if (c->cred != CRED_SESSION) {
		reply_error(req, 400, "no session to end: this is a token");
		return;
	}
	p = pending_new(req, PK_LOGIN, NULL);
	p->op = LOGIN_OUT;
	login_argv(&av, req, LOGIN_OUT, "");
	loa_argv_add(&av, c->hex);
	ask(req, p, login_cb, &av);
}

/*
 * POST /v1/session/password: {"password","new_password"}, the session's
 * account changes its own password.  The new one is judged first
 * (loa_pw_ok(), not the old one again: 400), then the old one is checked
 * as a login checks it (login.lua check, then fail or passwd: passwd_cb).
 */
static void
route_passwd(struct hs_req *req)
{
	struct caller	*c = caller_of(req);
	struct pending	*p;
	struct loa_argv	 av;
	json_t		*o;
	const char	*body, *pw, *npw;
	char		 err[128];
	size_t		 len;

	if (c->cred != CRED_SESSION) {
		reply_error(req, 400, "no password to change: this is a "
		    "token");
		return;
	}
	body = hs_req_body(req, &len);
	if ((o = json_loadb(body, len, 0, NULL)) == NULL ||
	    (pw = json_string_value(json_object_get(o, "password"))) ==
	    NULL || (npw = json_string_value(json_object_get(o,
	    "new_password"))) == NULL) {
		json_decref(o);
		reply_error(req, 400, "want {\"password\":...,"
		    "\"new_password\":...}");
		return;
	}
	if (!loa_pw_ok(npw, err, sizeof(err)) || strcmp(pw, npw) == 0) {
		if (strcmp(pw, npw) == 0)
			snprintf(err, sizeof(err), "password: the new one must "
			    "differ from the old one");
		reply_error(req, 400, err);
	} else if (strlen(pw) > LOA_PW_MAX)
		reply_error(req, 401, "wrong password");
	else {
		p = pending_new(req, PK_LOGIN, NULL);
		p->op = LOGIN_CHECK;
		p->user = xstrdup(c->actor.name);
		p->pw = xstrdup(pw);
		p->body = xstrdup(npw);
		login_argv(&av, req, LOGIN_CHECK, p->user);
		loa_argv_addf(&av, "%d", LOA_ADDR_FAILS);
		ask(req, p, passwd_cb, &av);
	}
	/* The JSON's copies of the passwords go now. */
	explicit_bzero((char *)pw, strlen(pw));
	explicit_bzero((char *)npw, strlen(npw));
	json_decref(o);
}

static void passwd_cb(struct loa_redis *, redisReply *, void *);

/*
 * The old password was checked and, when right, the new one hashed
 * (kdf.c): one more failed login, or the change (login.lua fail |
 * passwd), then passwd_cb.
 */
static void
passwd_checked(int good, const char *newhash, void *arg)
{
	struct pending	*n;
	struct hs_req	*req;
	struct loa_argv	 av;

	if ((n = checked_next(arg)) == NULL)
		return;
	req = n->req;
	if (good && newhash[0] == '\0') {
		pending_take(n);
		hs_reply_header(req, "Cache-Control", "no-store");
		reply_error(req, 503, "password hash: out of memory; try "
		    "again");
		return;
	}
	if (!good)
		fail_argv(&av, req, n);
	else {
		n->op = LOGIN_PASSWD;
		login_argv(&av, req, LOGIN_PASSWD, n->user);
		loa_argv_add(&av, newhash);
		loa_argv_add(&av, caller_of(req)->hex);
	}
	ask(req, n, passwd_cb, &av);
}

/*
 * The next step of a password change: check -> (kdf.c) fail | passwd;
 * fail or passwd -> the answer.
 */
static void
passwd_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg, *n;
	struct hs_req	*req;
	json_t		*o;
	char		*user = p->user, *pw = p->pw, *npw = p->body, *id;
	const char	*st;
	int		 op = p->op;

	(void)r;
	p->user = p->pw = p->body = NULL;
	if ((req = login_take(p, rep, &id, &st)) == NULL)
		goto out;
	hs_reply_header(req, "Cache-Control", "no-store");
	if (op == LOGIN_FAIL) {
		reply_error(req, 401, strcmp(st, "locked") == 0 ?
		    "wrong password: the account is now locked for 15 "
		    "minutes" : "wrong password");
		goto out;
	}
	if (op == LOGIN_PASSWD) {
		if (strcmp(st, "ok") != 0) {
			set_cookie(req, NULL);
			reply_error(req, 401, "no session, or it ended; log "
			    "in again");
			goto out;
		}
		o = json_object();
		json_object_set_new(o, "user", json_string(user));
		json_object_set_new(o, "password", json_string("changed"));
		reply_jansson(req, 200, o);
		goto out;
	}
	/* LOGIN_CHECK */
	if (strcmp(st, "addr") == 0 || strcmp(st, "locked") == 0) {
		reply_error(req, 429, "too many failed logins; try again "
		    "later");
		goto out;
	}
	if (strcmp(st, "ok") != 0 || rep->elements != 2 ||
	    rep->element[1]->type != REDIS_REPLY_STRING) {
		set_cookie(req, NULL);
		reply_error(req, 401, "no session, or it ended; log in again");
		goto out;
	}
	/* The old password checked, the new hashed: on kdf.c's thread. */
	n = pending_new(req, PK_LOGIN, NULL);
	n->user = user;
	user = NULL;
	if (kdf_check(rep->element[1]->str, pw, npw, passwd_checked, n) ==
	    -1) {
		pending_take(n);
		hs_reply_header(req, "Retry-After", "1");
		reply_error(req, 503, "too many logins at once; try again");
	}
 out:
	free(id);
	free(user);
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (npw != NULL) {
		explicit_bzero(npw, strlen(npw));
		free(npw);
	}
}

/*
 * The value of key in the query q, %-decoded into out: 1, 0 when it is
 * not there, -1 when it does not fit or decodes to a control byte.
 */
static int
query_get(const char *q, const char *key, char *out, size_t outlen)
{
	const char	*amp, *v;
	size_t		 kl = strlen(key), n = 0;
	unsigned int	 x;

	for (; *q != '\0'; q = *amp == '&' ? amp + 1 : amp) {
		amp = q + strcspn(q, "&");
		if ((size_t)(amp - q) < kl + 1 || strncmp(q, key, kl) != 0 ||
		    q[kl] != '=')
			continue;
		for (v = q + kl + 1; v < amp; v++) {
			if (n + 1 >= outlen)
				return -1;
			if (*v == '%' && amp - v >= 3 &&
			    sscanf(v + 1, "%2x", &x) == 1) {
				out[n++] = (char)x;
				v += 2;
			} else
				out[n++] = *v == '+' ? ' ' : *v;
			if ((unsigned char)out[n - 1] < 0x20)
				return -1;
		}
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* Only the keys of known (NULL-terminated) in the query q? */
static int
query_only(const char *q, const char *const *known)
{
	const char	*amp;
	size_t		 kl;
	int		 i;

	for (; *q != '\0'; q = *amp == '&' ? amp + 1 : amp) {
		amp = q + strcspn(q, "&");
		kl = strcspn(q, "=&");
		if (kl == 0)
			continue;
		for (i = 0; known[i] != NULL; i++)
			if (strlen(known[i]) == kl &&
			    strncmp(q, known[i], kl) == 0)
				break;
		if (known[i] == NULL)
			return 0;
	}
	return 1;
}

/*
 * The query's limit, 1 to max, into *limit (left as it is when the query
 * has none).  Returns 0, or -1 after answering 400.
 */
static int
query_limit(struct hs_req *req, const char *q, long max, long *limit)
{
	char	lim[16], err[48], *end = NULL;
	long	v = 0;
	int	n;

	if ((n = query_get(q, "limit", lim, sizeof(lim))) == 1)
		v = strtol(lim, &end, 10);
	if (n == -1 || (n == 1 && (lim[0] < '0' || lim[0] > '9' ||
	    *end != '\0' || v < 1 || v > max))) {
		snprintf(err, sizeof(err), "limit: want 1 to %ld", max);
		reply_error(req, 400, err);
		return -1;
	}
	if (n == 1)
		*limit = v;
	return 0;
}

/* GET /v1/audit?since=&actor=&limit=: the newest entries first. */
static void
route_audit(struct hs_req *req)
{
	static const char *const known[] = { "since", "actor", "limit",
	    NULL };
	const char	*q = hs_req_head(req)->query;
	struct pending	*p;
	struct loa_argv	 av;
	char		 since[64], actor[LOA_NAME_MAX + 9];
	long long	 ms = 0;
	long		 limit = AUDIT_LIMIT;
	int		 has_actor, n;

	if (!may(req, LOA_ACT_ADMIN, "/v1/audit"))
		return;
	if (!query_only(q, known)) {
		reply_error(req, 400, "unknown parameter; want since, actor "
		    "and limit");
		return;
	}
	if ((n = query_get(q, "since", since, sizeof(since))) == 1 &&
	    since[0] != '\0' && since[strspn(since, "0123456789")] == '\0' &&
	    strlen(since) < 16)
		ms = strtoll(since, NULL, 10);
	else if (n == -1 || (n == 1 && loa_time_parse(since, &ms) == -1)) {
		reply_error(req, 400, "since: want an RFC 3339 time or "
		    "milliseconds since the epoch");
		return;
	}
	if ((has_actor = query_get(q, "actor", actor, sizeof(actor))) ==
	    -1 || (has_actor == 1 && !loa_actor_name_ok(actor) &&
	    strcmp(actor, "admin") != 0)) {
		reply_error(req, 400, "actor: want an actor's name");
		return;
	}
	if (query_limit(req, q, AUDIT_LIMIT_MAX, &limit) == -1)
		return;
	p = pending_new(req, PK_AUDIT, has_actor == 1 ? actor : NULL);
	p->len = (size_t)limit;
	loa_argv_init(&av);
	loa_argv_add(&av, "XREVRANGE");
	loa_argv_take(&av, loa_key_audit(loa->cfg.prefix));
	loa_argv_add(&av, "+");
	loa_argv_addf(&av, "%lld", ms);
	loa_argv_add(&av, "COUNT");
	loa_argv_addf(&av, "%ld", has_actor == 1 ? (long)AUDIT_SCAN : limit);
	ask(req, p, audit_list_cb, &av);
}

static void
audit_list_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct hs_req		*req;
	json_t			*a, *o;
	const char		*who;
	char			*actor;
	size_t			 limit = p->len, i;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &actor)) == NULL)
		goto out;
	a = json_array();
	for (i = 0; i < rep->elements && json_array_size(a) < limit; i++) {
		if ((o = loa_stream_entry(rep->element[i])) == NULL)
			continue;
		who = json_string_value(json_object_get(o, "actor"));
		if (actor != NULL && (who == NULL || strcmp(who, actor) != 0))
			json_decref(o);
		else
			json_array_append_new(a, o);
	}
	reply_jansson(req, 200, a);
 out:
	free(actor);
}

#define INBOX_LIMIT		50
#define INBOX_LIMIT_MAX		1000
#define INBOX_SCAN		10000	/* entries read for the filters */

/*
 * GET /v1/inbox?ward=&job=&after=&limit=: what residents wrote back,
 * newest first, scoped like jobs: an entry whose ward the caller's scope
 * does not cover is left out (one without a ward is for scope all only),
 * and a ward asked for outside the scope is 403.  after: an entry id
 * (only newer ones).  A sender's phone and numbers in texts are masked.
 */
static void
route_inbox(struct hs_req *req)
{
	static const char *const known[] = { "ward", "job", "after", "limit",
	    NULL };
	const char		*q = hs_req_head(req)->query, *wp;
	const struct loa_actor	*a = httpd_actor(req);
	struct pending		*p;
	struct loa_argv		 av;
	char			 ward[LOA_NAME_MAX + 1], job[LOA_NAME_MAX + 1];
	char			 after[48];
	long			 limit = INBOX_LIMIT;
	int			 hw, hj, ha;

	if (!may(req, LOA_ACT_READ, "/v1/inbox"))
		return;
	if (!query_only(q, known)) {
		reply_error(req, 400, "unknown parameter; want ward, job, "
		    "after and limit");
		return;
	}
	if ((hw = query_get(q, "ward", ward, sizeof(ward))) == -1 ||
	    (hw == 1 && !loa_name_valid(ward)) ||
	    (hj = query_get(q, "job", job, sizeof(job))) == -1 ||
	    (hj == 1 && !loa_name_valid(job))) {
		reply_error(req, 400, "ward, job: want " LOA_NAME_RULE);
		return;
	}
	if ((ha = query_get(q, "after", after, sizeof(after))) == -1 ||
	    (ha == 1 && (after[0] == '\0' || after[strspn(after,
	    "0123456789-")] != '\0'))) {
		reply_error(req, 400, "after: want an entry id");
		return;
	}
	if (query_limit(req, q, INBOX_LIMIT_MAX, &limit) == -1)
		return;
	wp = ward;
	if (hw == 1 && !loa_scope_covers(a, &wp, 1)) {
		deny(req, "/v1/inbox", "ward outside your scope");
		return;
	}
	p = pending_new(req, PK_INBOX_LIST, hw == 1 ? ward : NULL);
	p->len = (size_t)limit;
	if (hj == 1)
		p->user = xstrdup(job);
	loa_argv_init(&av);
	loa_argv_add(&av, "XREVRANGE");
	loa_argv_take(&av, loa_key_inbox(loa->cfg.prefix));
	loa_argv_add(&av, "+");
	if (ha == 1)
		loa_argv_addf(&av, "(%s", after);
	else
		loa_argv_add(&av, "-");
	loa_argv_add(&av, "COUNT");
	loa_argv_addf(&av, "%d", INBOX_SCAN);
	ask(req, p, inbox_list_cb, &av);
}

static void
inbox_list_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct hs_req		*req;
	const struct loa_actor	*a;
	json_t			*out, *o;
	const char		*w, *v;
	char			*ward, *job = p->user;
	size_t			 limit = p->len, i;

	(void)r;
	p->user = NULL;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &ward)) == NULL)
		goto out;
	a = httpd_actor(req);
	out = json_array();
	for (i = 0; i < rep->elements && json_array_size(out) < limit; i++) {
		if ((o = loa_stream_entry(rep->element[i])) == NULL)
			continue;
		w = json_string_value(json_object_get(o, "ward"));
		v = json_string_value(json_object_get(o, "job"));
		if (w == NULL || (w[0] == '\0' ? !a->all :
		    !loa_scope_covers(a, &w, 1)) ||
		    (ward != NULL && strcmp(w, ward) != 0) ||
		    (job != NULL && (v == NULL || strcmp(v, job) != 0))) {
			json_decref(o);
			continue;
		}
		loa_inbox_shown(o);
		json_array_append_new(out, o);
	}
	reply_jansson(req, 200, out);
 out:
	free(ward);
	free(job);
}

/* GET /v1/wards: the directory's wards within the caller's scope. */
static void
route_wards(struct hs_req *req)
{
	struct loa_argv	av;

	loa_script_argv(&av, loa_script_resolve, loa->cfg.prefix);
	loa_argv_add(&av, "all");
	ask(req, pending_new(req, PK_WARDS, NULL), wards_cb, &av);
}

static void
wards_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct hs_req		*req;
	const struct loa_actor	*a;
	json_t			*all, *e, *out, *o;
	const char		*code;
	char			*id;
	size_t			 i;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &id)) == NULL)
		goto out;
	if (rep->elements != 3 || rep->element[1]->type != REDIS_REPLY_STRING ||
	    (all = json_loads(rep->element[1]->str, 0, NULL)) == NULL) {
		reply_redis_down(req);
		goto out;
	}
	a = httpd_actor(req);
	out = json_array();
	json_array_foreach(all, i, e) {
		if ((code = json_string_value(json_array_get(e, 0))) == NULL ||
		    !loa_scope_covers(a, &code, 1))
			continue;
		o = json_object();
		json_object_set(o, "code", json_array_get(e, 0));
		json_object_set(o, "name", json_array_get(e, 1));
		json_object_set(o, "district", json_array_get(e, 2));
		json_array_append_new(out, o);
	}
	json_decref(all);
	reply_jansson(req, 200, out);
 out:
	free(id);
}

/*
 * May a session with a one-time password make req?  Only to see or end
 * the session, or to change the password.
 */
static int
must_change_may(struct hs_req *req)
{
	char		*name;
	enum route	 rt = route_of(hs_req_head(req)->path, &name);

	free(name);
	return rt == RT_SESSION || rt == RT_SESSION_PW;
}

/*
 * A named token or a session: who it is (whoami.lua), then the route.
 */
static void
whoami(struct hs_req *req, struct caller *c)
{
	struct loa_argv	av;
	char		now[40];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_whoami, loa->cfg.prefix);
	loa_argv_add(&av, c->cred == CRED_TOKEN ? "token" : "session");
	loa_argv_add(&av, c->hex);
	loa_argv_addf(&av, "%lld", loa->cfg.http_session_idle_ms);
	loa_argv_add(&av, now);
	ask(req, pending_new(req, PK_WHO, NULL), whoami_cb, &av);
}

static void
whoami_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct caller	*c;
	const char	*csrf, *m;
	char		*id, err[256];
	size_t		 i;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_ARRAY, &id)) == NULL)
		goto out;
	c = caller_of(req);
	for (i = 0; i < rep->elements; i++)
		if (rep->element[i]->type != REDIS_REPLY_STRING)
			break;
	if (rep->elements != 5 || i != 5 ||
	    loa_role_parse(rep->element[1]->str, &c->actor.role) == -1 ||
	    loa_scope_parse(&c->actor, rep->element[2]->str, err,
	    sizeof(err)) == -1) {
		if (c->cred == CRED_SESSION)
			set_cookie(req, NULL);
		reply_401(req, HE_BAD_TOKEN, c->cred == CRED_TOKEN ?
		    "wrong token" : "no session, or it ended; log in again");
		goto out;
	}
	snprintf(c->actor.name, sizeof(c->actor.name), "%s",
	    rep->element[0]->str);
	c->actor.kind = c->cred == CRED_TOKEN ? LOA_ACTOR_TOKEN :
	    LOA_ACTOR_USER;
	c->known = 1;
	c->must_change = strcmp(rep->element[4]->str, "1") == 0;
	if (c->cred == CRED_SESSION) {
		snprintf(c->csrf, sizeof(c->csrf), "%s", rep->element[3]->str);
		/*
		 * A browser sends the cookie with whatever page asks: every
		 * request that changes something must also show the csrf
		 * value, which only our own pages can read.
		 */
		m = hs_req_head(req)->method;
		if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
		    ((csrf = hs_req_header(req, "X-CSRF-Token")) == NULL ||
		    !token_equal(csrf, strlen(csrf), c->csrf,
		    strlen(c->csrf)))) {
			deny(req, hs_req_head(req)->path, "want the header "
			    "X-CSRF-Token of this session");
			goto out;
		}
	}
	if (c->must_change && !must_change_may(req)) {
		reply_error(req, 403, LOA_MUST_CHANGE_MSG);
		goto out;
	}
	dispatch(req);

 out:
	free(id);
}

/*
 * The reason of POST /v1/jobs/<id>/reject's body {"reason": "..."} into
 * *reason (allocated), or -1 with err for the client.
 */
static int
reject_reason(struct hs_req *req, char **reason, char *err, size_t errlen)
{
	json_t		*root, *v;
	const char	*body;
	size_t		 len;
	int		 rc = -1;

	body = hs_req_body(req, &len);
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL || !json_is_object(root)) {
		snprintf(err, errlen, "want the body {\"reason\": \"...\"}");
		goto out;
	}
	v = json_object_get(root, "reason");
	if (!json_is_string(v) || !loa_approval_reason_valid(
	    json_string_value(v), json_string_length(v))) {
		snprintf(err, errlen, "reason: one line of 1 to %d bytes, no "
		    "control characters", LOA_REASON_MAX);
		goto out;
	}
	*reason = xstrdup(json_string_value(v));
	rc = 0;
 out:
	json_decref(root);
	return rc;
}

/*
 * POST /v1/jobs/<id>/approve (reject 0) or /reject (reject 1): the script
 * "loactl approve|reject" runs, as the caller (its name, and its scope
 * "all" or "a,b,c", which the script checks again); its role was
 * checked before.
 */
static void
route_verdict(struct hs_req *req, const char *id, int reject)
{
	const struct loa_actor	*a = httpd_actor(req);
	struct pending		*p;
	struct loa_argv		 av;
	char			*reason = NULL, *scope, err[128];

	if (reject && reject_reason(req, &reason, err, sizeof(err)) == -1) {
		reply_error(req, 400, err);
		return;
	}
	scope = loa_scope_str(a);
	loa_store_verdict(&av, loa->cfg.prefix, id, a->name, scope, reason,
	    loa->cfg.events_maxlen, loa->cfg.retention_ms, hs_req_peer(req));
	free(scope);
	p = pending_new(req, PK_VERDICT, id);
	p->body = xstrdup(a->name);
	ask(req, p, verdict_cb, &av);
	free(reason);
}

static void
verdict_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	const char	*state;
	char		*id, *actor, msg[160];

	(void)r;
	id = p->id;
	actor = p->body;
	p->id = p->body = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	switch (loa_store_verdict_reply(rep, &state)) {
	case LOA_VERDICT_ERROR:
		reply_redis_down(req);
		break;
	case LOA_VERDICT_OK:
		loa_buf_init(&b);
		loa_json_kv(&b, "id", id);
		loa_json_kv(&b, "state", state);
		loa_json_kv(&b, strcmp(state, "rejected_by_approver") == 0 ?
		    "rejected_by" : "approved_by", actor);
		reply_json(req, 200, &b);
		break;
	case LOA_VERDICT_UNKNOWN:
		reply_error(req, 404, "no such job");
		break;
	case LOA_VERDICT_SELF:
		deny(req, id, "you submitted this job; another person must "
		    "decide on it");
		break;
	case LOA_VERDICT_SCOPE:
		deny(req, id, "the job reaches wards outside yours");
		break;
	case LOA_VERDICT_STATE:
		snprintf(msg, sizeof(msg), "not awaiting approval (%s)",
		    state);
		reply_error(req, 409, msg);
		break;
	}
 out:
	free(id);
	free(actor);
}

/* POST /v1/jobs/<id>/retry: retry.lua over all the failed recipients. */
static void
route_retry(struct hs_req *req, const char *id)
{
	struct pending	*p;
	struct loa_argv	 av;
	char		 now[40];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_retry, loa->cfg.prefix);
	loa_argv_add(&av, id);
	loa_argv_addf(&av, "%d", loa->cfg.chunk_size);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_add(&av, now);
	p = pending_new(req, PK_RETRY, id);
	ask(req, p, retry_cb, &av);
}

static void
retry_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	char		*id;

	(void)r;
	if ((req = take_answer(p, rep, REDIS_REPLY_INTEGER, &id)) == NULL)
		goto out;
	if (rep->integer == -1)
		reply_error(req, 404, "no such job");
	else if (rep->integer < 0)
		reply_error(req, 409, "not finished (wait for it, or cancel "
		    "it)");
	else {
		audit(req, httpd_actor(req)->name, "retry", id, NULL);
		loa_buf_init(&b);
		loa_json_kv(&b, "id", id);
		loa_json_kl(&b, "retried", rep->integer);
		reply_json(req, 200, &b);
	}
 out:
	free(id);
}

/* The plugin's inbound() (ABI 1.2), or NULL when it has none. */
static int
(*provider_inbound(const struct provider *p))(void *,
    const struct loa_webhook *, struct loa_inbound *, int)
{
	if (p->mod->abi_minor < 2 || p->mod->struct_size <
	    offsetof(struct loa_provider_module, inbound) +
	    sizeof(p->mod->inbound))
		return NULL;
	return p->mod->inbound;
}

/*
 * The provider named name, when it takes delivery reports or brings
 * messages from residents.
 */
static const struct provider *
report_provider(const char *name)
{
	const struct provider	*p;
	int			 i;

	for (i = 0; i < loa->nproviders; i++) {
		p = &loa->providers[i];
		if (strcmp(p->conf->name, name) != 0)
			continue;
		if (provider_inbound(p) != NULL)
			return p;
		return p->mod->struct_size >= offsetof(struct
		    loa_provider_module, report) + sizeof(p->mod->report) &&
		    p->mod->report != NULL ? p : NULL;
	}
	return NULL;
}

static int
provider_has_report(const struct provider *p)
{
	return p->mod->struct_size >= offsetof(struct loa_provider_module,
	    report) + sizeof(p->mod->report) && p->mod->report != NULL;
}

static void	inbox_cb(struct loa_redis *, redisReply *, void *);

/*
 * Offer wh to the plugin's inbound() first (design issue 16): 1 when it
 * answered req (messages stored, or refused), 0 when the request carries
 * no message and goes on to report().
 */
static int
webhook_inbound(struct hs_req *req, const char *name,
    const struct provider *p, const struct loa_webhook *wh)
{
	struct loa_inbound	*ins;
	struct loa_argv		 av;
	struct pending		*pe;
	struct loa_buf		 b;
	int			 n, k, bad;

	ins = xcalloc(INBOUND_MAX, sizeof(*ins));
	n = provider_inbound(p)(p->state, wh, ins, INBOUND_MAX);
	if (n == 0) {
		free(ins);
		return 0;
	}
	if (n < 0 || n > INBOUND_MAX) {
		bad = n == LOA_REPORT_BAD_SIGNATURE;
		httpd_note_for(bad ? HE_BAD_SIGNATURE : HE_BAD_REPORT, req,
		    name);
		metrics_inbound(name, INBOUND_KINDS - 1, bad ?
		    INBOUND_BAD_SIGNATURE : INBOUND_MALFORMED);
		/*
		 * Refused before anyone could tell a report from a message:
		 * a plugin that reads reports too counts it there as well,
		 * so that an alert on forged reports keeps seeing them.
		 */
		if (provider_has_report(p))
			metrics_report(name, bad ? REPORT_BAD_SIGNATURE :
			    REPORT_MALFORMED);
		reply_error(req, bad ? 401 : 400, bad ? "bad signature" :
		    "unreadable message");
		free(ins);
		return 1;
	}
	k = inbox_argv(&av, name, ins, n, wh->body, wh->body_len);
	free(ins);
	if (k == 0) {
		loa_buf_init(&b);
		loa_json_kl(&b, "inbound", n);
		loa_json_kl(&b, "stored", 0);
		reply_json(req, 200, &b);
	} else {
		pe = pending_new(req, PK_INBOX, name);
		pe->n = n;
		if (loa_redis_cmdv(loa->rc, inbox_cb, pe, &av) == -1) {
			pending_take(pe);
			reply_redis_down(req);
		}
	}
	loa_argv_free(&av);
	return 1;
}

static void
inbox_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending	*p = arg;
	struct hs_req	*req;
	struct loa_buf	 b;
	int		 stored, bad, n = p->n;

	(void)r;
	bad = inbox_results(p->id, rep, &stored) == -1;
	if ((req = pending_take(p)) == NULL)
		return;
	if (bad) {
		reply_redis_down(req);
		return;
	}
	loa_buf_init(&b);
	loa_json_kl(&b, "inbound", n);
	loa_json_kl(&b, "stored", stored);
	reply_json(req, 200, &b);
}

/*
 * GET|POST /webhooks/<name>: messages from residents (inbound()), else a
 * delivery report (the whole request in).
 */
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
		    "delivery reports or messages");
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
	if (provider_inbound(p) != NULL && webhook_inbound(req, name, p, &wh))
		return;
	if (!provider_has_report(p)) {
		/* A well-formed request that carries nothing for us. */
		struct loa_buf b;
		loa_buf_init(&b);
		loa_json_kl(&b, "inbound", 0);
		loa_json_kl(&b, "reports", 0);
		reply_json(req, 200, &b);
		return;
	}
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
	enum route	 rt;

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
	if (strcmp(path, "/v1/session") == 0)
		return RT_SESSION;
	if (strcmp(path, "/v1/session/password") == 0)
		return RT_SESSION_PW;
	if (strcmp(path, "/v1/audit") == 0)
		return RT_AUDIT;
	if (strcmp(path, "/v1/inbox") == 0)
		return RT_INBOX;
	if (strcmp(path, "/v1/wards") == 0)
		return RT_WARDS;
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
	if (strcmp(slash, "/cancel") == 0)
		rt = RT_CANCEL;
	else if (strcmp(slash, "/approve") == 0)
		rt = RT_APPROVE;
	else if (strcmp(slash, "/reject") == 0)
		rt = RT_REJECT;
	else if (strcmp(slash, "/retry") == 0)
		rt = RT_RETRY;
	else if (strcmp(slash, "/report.csv") == 0)
		rt = RT_REPORT_CSV;
	else if (strcmp(slash, "/preview") == 0)
		rt = RT_JOB_PREVIEW;
	else
		return RT_NONE;
	*arg = xstrndup(rest, slash - rest);
	return rt;
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
		if (!www_serve(req))	/* the console's files (www.c) */
			reply_error(req, 404, "no such path");
		break;
	case RT_HEALTHZ:
	case RT_METRICS:
		(void)method_is(req, "GET", "GET");
		break;
	case RT_STATUS:
	case RT_AUDIT:
	case RT_INBOX:
	case RT_WARDS:
		if (method_is(req, "GET", "GET") && check_auth(req) == 0)
			hs_req_body_max(req, CANCEL_BODY_MAX, trusted(req));
		break;
	case RT_SESSION:
		/* Logging in takes no credential; an old one is ignored. */
		if (strcmp(h->method, "POST") == 0)
			hs_req_body_max(req, SESSION_BODY_MAX, 0);
		else if (strcmp(h->method, "GET") != 0 &&
		    strcmp(h->method, "DELETE") != 0)
			(void)method_is(req, "POST", "GET, POST, DELETE");
		else if (check_auth(req) == 0)
			hs_req_body_max(req, CANCEL_BODY_MAX, trusted(req));
		break;
	case RT_SESSION_PW:
		if (!method_is(req, "POST", "POST") || check_auth(req) == -1)
			break;
		hs_req_body_max(req, SESSION_BODY_MAX, trusted(req));
		break;
	case RT_SUBMIT:
		if (strcmp(h->method, "GET") == 0) {
			if (check_auth(req) == -1)
				break;
			if (list_query(h->query, state, sizeof(state), &limit,
			    err, sizeof(err)) == -1)
				reply_error(req, 400, err);
			else
				hs_req_body_max(req, CANCEL_BODY_MAX,
				    trusted(req));
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
		/*
		 * Full: refused before the body for the admin token; any
		 * other caller is checked first (capi.c's cp_new() refuses
		 * it then), or a 429 would answer a forged credential.
		 */
		if (rt == RT_PREVIEW && trusted(req) && capi_previews_full()) {
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
		hs_req_body_max(req, loa->cfg.max_job_size, trusted(req));
		break;
	case RT_PROVIDERS:
		if (method_is(req, "GET", "GET") && check_auth(req) == 0)
			hs_req_body_max(req, CANCEL_BODY_MAX, trusted(req));
		break;
	case RT_PROVIDER_PAUSE:
	case RT_PROVIDER_RESUME:
		if (!method_is(req, "POST", "POST") || check_auth(req) == -1)
			break;
		if (!loa_name_valid(name))
			reply_error(req, 400, "provider: want "
			    LOA_NAME_RULE);
		else
			hs_req_body_max(req, CANCEL_BODY_MAX, trusted(req));
		break;
	case RT_JOB:
	case RT_CANCEL:
	case RT_APPROVE:
	case RT_REJECT:
	case RT_RETRY:
	case RT_REPORT_CSV:
	case RT_JOB_PREVIEW:
		m = rt == RT_JOB || rt == RT_REPORT_CSV ||
		    rt == RT_JOB_PREVIEW ? "GET" : "POST";
		if (!method_is(req, m, m) || check_auth(req) == -1)
			break;
		if (!loa_name_valid(name))
			reply_error(req, 400, "job id: want " LOA_NAME_RULE);
		else if (rt == RT_REJECT &&
		    h->content_length > REJECT_BODY_MAX)
			reply_error(req, 413, "body too large");
		else
			hs_req_body_max(req, rt == RT_REJECT ?
			    REJECT_BODY_MAX : CANCEL_BODY_MAX, trusted(req));
		break;
	case RT_WEBHOOK:
		if (report_provider(name) == NULL) {
			reply_error(req, 404, "no such provider, or it sends "
			    "no delivery reports or messages");
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

/*
 * The whole request is in, and head_cb let it through: who sent it
 * first, when head_cb could not tell (whoami()), then the route.
 */
static void
request_cb(struct hs_req *req, void *arg)
{
	struct caller	*c = caller_of(req);

	(void)arg;
	if (c != NULL && !c->known)
		whoami(req, c);
	else
		dispatch(req);
}

/* The route of req, whose caller (for /v1) is known. */
static void
dispatch(struct hs_req *req)
{
	const char	*m = hs_req_head(req)->method;
	char		*name;
	enum route	 rt;

	switch ((rt = route_of(hs_req_head(req)->path, &name))) {
	case RT_HEALTHZ:
		route_healthz(req);
		break;
	case RT_METRICS:
		route_metrics(req);
		break;
	case RT_SUBMIT:
		if (strcmp(m, "GET") == 0) {
			if (may(req, LOA_ACT_READ, "/v1/jobs"))
				route_list(req);
		} else if (may(req, LOA_ACT_SUBMIT, "/v1/jobs"))
			route_submit(req);
		break;
	case RT_STATUS:
		/* The whole cluster's jobs and daemons: not a ward's. */
		if (may(req, LOA_ACT_ADMIN, "/v1/status"))
			route_status(req);
		break;
	case RT_JOB:
	case RT_REPORT_CSV:
	case RT_JOB_PREVIEW:
		if (may(req, LOA_ACT_READ, name))
			route_scoped(req, name, rt);
		break;
	case RT_CANCEL:
		if (may(req, LOA_ACT_CANCEL, name))
			route_scoped(req, name, RT_CANCEL);
		break;
	case RT_SESSION:
		if (strcmp(m, "POST") == 0)
			route_login(req);
		else
			route_session(req);
		break;
	case RT_SESSION_PW:
		route_passwd(req);
		break;
	case RT_AUDIT:
		route_audit(req);
		break;
	case RT_INBOX:
		route_inbox(req);
		break;
	case RT_WARDS:
		route_wards(req);
		break;
	case RT_APPROVE:
	case RT_REJECT:
		if (may(req, LOA_ACT_APPROVE, name))
			route_scoped(req, name, rt);
		break;
	case RT_RETRY:
		if (may(req, LOA_ACT_RETRY, name))
			route_scoped(req, name, rt);
		break;
	case RT_WEBHOOK:
		route_webhook(req, name);
		break;
	case RT_PREVIEW:
		/* The job's wards are checked with the submit script's. */
		if (may(req, LOA_ACT_SUBMIT, "/v1/preview"))
			capi_preview(req);
		break;
	case RT_PROVIDERS:
		capi_providers(req);
		break;
	case RT_PROVIDER_PAUSE:
	case RT_PROVIDER_RESUME:
		if (may(req, LOA_ACT_ADMIN, name))
			capi_provider_set(req, name,
			    rt == RT_PROVIDER_PAUSE);
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
	www_check();
	if (hd.token == NULL)
		log_info("http: no token_file: the /v1 API takes named "
		    "tokens and sessions only");
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

/* 403, audited "denied". */
void
httpd_deny(struct hs_req *req, const char *target, const char *why)
{
	deny(req, target, why);
}

/* Is every ward of job (rep: the submit script's answer) in req's scope? */
int
httpd_job_in_scope(struct hs_req *req, const struct loa_job *job,
    const redisReply *rep)
{
	return job_in_scope(httpd_actor(req), job, rep);
}
