/*
 * httpd.c -- the HTTP listener ([http] listen): health, metrics and the
 * job API, on the daemon's own event loop (libevent evhttp).
 *
 *   GET  /healthz               200 when the command connection to Redis
 *                               is up, else 503
 *   GET  /metrics               Prometheus text (metrics.c)
 *   POST /v1/jobs               enqueue: XADD <prefix>jobs * job <body>
 *   GET  /v1/jobs/<id>          the job's record (HGETALL <prefix>job:<id>)
 *   POST /v1/jobs/<id>/cancel   loa_script_cancel, as "loactl cancel"
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
 * (403).  A job is checked with the daemon's own parser before it is
 * queued, so what the API accepts is what ingest accepts.
 *
 * Every answer is JSON, errors {"error":"one line"}, except /metrics and
 * the answers libevent gives by itself (a body over the evhttp limit, a
 * malformed request line).  Requests waiting for Redis are kept in a list
 * (struct pending); a client that goes away, or httpd_free(), detaches the
 * request from its pending entry and the Redis callback then only frees
 * the entry: no reply ever goes to a freed request.  Nothing is logged
 * about a request but one line per error class a minute (no bodies, no
 * tokens).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <hiredis/hiredis.h>

#include "engine.h"

#define HTTPD_HEADERS_MAX	(16 * 1024)
#define HTTPD_TIMEOUT_S		10
#define HTTPD_LOG_EVERY_MS	60000LL
#define WEBHOOK_BODY_MAX	(64 * 1024)
#define WEBHOOK_HEADERS_MAX	64
#define WEBHOOK_REPORTS_MAX	64

enum pending_kind {
	PK_SUBMIT = 0,
	PK_GET,
	PK_CANCEL,
	PK_REPORT,
};

/* A request waiting for a Redis reply. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct evhttp_request	*req;	/* NULL: client gone, or httpd freed */
	struct evhttp_connection *evcon; /* req's connection at dispatch */
	enum pending_kind	 kind;
	char			*id;	/* job id (submit: NULL when none);
					   report: the provider */
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

static struct {
	struct evhttp		*http;
	char			*token;		/* NULL: none configured */
	size_t			 tokenlen;
	struct pending_q	 pending;
	long long		 logged[HE_COUNT];	/* ms */
	unsigned long		 quiet[HE_COUNT];	/* not logged since */
} hd;

static void	httpd_note(enum httpd_err, struct evhttp_request *);
static void	httpd_note_for(enum httpd_err, struct evhttp_request *,
		    const char *);
static void	reply(struct evhttp_request *, int, const char *,
		    const char *, size_t);
static void	reply_json(struct evhttp_request *, int, struct loa_buf *);
static void	reply_error(struct evhttp_request *, int, const char *);
static int	token_equal(const char *, size_t, const char *, size_t);
static int	check_auth(struct evhttp_request *);
static int	parse_listen(const char *, char **, unsigned short *, char *,
		    size_t);
static struct pending *pending_new(struct evhttp_request *,
		    enum pending_kind, const char *);
static struct evhttp_request *pending_take(struct pending *);
static void	conn_close_cb(struct evhttp_connection *, void *);
static void	submit_cb(struct loa_redis *, redisReply *, void *);
static void	get_cb(struct loa_redis *, redisReply *, void *);
static void	cancel_cb(struct loa_redis *, redisReply *, void *);
static void	route_healthz(struct evhttp_request *);
static void	route_metrics(struct evhttp_request *);
static void	route_submit(struct evhttp_request *);
static void	route_get(struct evhttp_request *, const char *);
static void	route_cancel(struct evhttp_request *, const char *);
static void	route_webhook(struct evhttp_request *, const char *);
static void	report_cb(struct loa_redis *, redisReply *, void *);
static int	method_is(struct evhttp_request *, enum evhttp_cmd_type,
		    const char *);
static void	request_cb(struct evhttp_request *, void *);

static void
httpd_note(enum httpd_err e, struct evhttp_request *req)
{
	httpd_note_for(e, req, NULL);
}

/*
 * Log one line for error class e (about who, when not NULL), unless one
 * was logged in the last minute; the lines skipped are counted in the
 * next.
 */
static void
httpd_note_for(enum httpd_err e, struct evhttp_request *req, const char *who)
{
	struct evhttp_connection	*evcon;
	char				*peer = NULL;
	ev_uint16_t			 port = 0;
	long long			 now = loa_now_ms();

	if (hd.logged[e] != 0 && now - hd.logged[e] < HTTPD_LOG_EVERY_MS) {
		hd.quiet[e]++;
		return;
	}
	if (req != NULL &&
	    (evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_get_peer(evcon, &peer, &port);
	if (hd.quiet[e] > 0)
		log_warnx("http: %s%s%s (from %s; %lu more in the last "
		    "minute)", who != NULL ? who : "", who != NULL ? ": " : "",
		    httpd_err_name[e], peer != NULL ? peer : "?", hd.quiet[e]);
	else
		log_warnx("http: %s%s%s (from %s)", who != NULL ? who : "",
		    who != NULL ? ": " : "", httpd_err_name[e],
		    peer != NULL ? peer : "?");
	hd.logged[e] = now;
	hd.quiet[e] = 0;
}

/* Answer req with code and body (copied); req is done with afterwards. */
static void
reply(struct evhttp_request *req, int code, const char *ctype,
    const char *body, size_t len)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b;

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (len > 0 && evbuffer_add(b, body, len) == -1)
		fatalx("evbuffer_add");
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
}

/* Answer with the JSON object in b (closed here) and reset b. */
static void
reply_json(struct evhttp_request *req, int code, struct loa_buf *b)
{
	if (b->len == 0)
		loa_buf_add(b, "{", 1);
	loa_buf_add(b, "}\n", 2);
	reply(req, code, "application/json", b->data, b->len);
	loa_buf_free(b);
}

/* Answer {"error":msg}; msg is one line. */
static void
reply_error(struct evhttp_request *req, int code, const char *msg)
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
check_auth(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*v;
	size_t			 len;

	if (hd.token == NULL) {
		httpd_note(HE_NO_TOKEN, req);
		reply_error(req, 403, "no API token configured (http "
		    "token_file)");
		return -1;
	}
	if ((v = evhttp_find_header(h, "Authorization")) == NULL ||
	    strncasecmp(v, "Bearer ", 7) != 0) {
		httpd_note(HE_NO_AUTH, req);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer");
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

/*
 * Split "host:port" or "[v6]:port" into *host (allocated, brackets
 * removed) and *port (0: any).  Returns 0 or -1 with err.
 */
static int
parse_listen(const char *s, char **host, unsigned short *port, char *err,
    size_t errlen)
{
	const char	*colon, *end;
	char		*ep;
	long		 p;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			snprintf(err, errlen, "http listen %s: want [ADDRESS]:"
			    "PORT", s);
			return -1;
		}
		*host = xstrndup(s + 1, end - s - 1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s ||
		    memchr(s, ':', colon - s) != NULL) {
			snprintf(err, errlen, "http listen %s: want ADDRESS:"
			    "PORT", s);
			return -1;
		}
		*host = xstrndup(s, colon - s);
	}
	errno = 0;
	p = strtol(colon + 1, &ep, 10);
	if (colon[1] < '0' || colon[1] > '9' || *ep != '\0' || errno != 0 ||
	    p < 0 || p > 65535 || (*host)[0] == '\0') {
		snprintf(err, errlen, "http listen %s: want ADDRESS:PORT, port "
		    "0 to 65535", s);
		free(*host);
		*host = NULL;
		return -1;
	}
	*port = (unsigned short)p;
	return 0;
}

/* Keep req until a Redis reply; the client may leave before it. */
static struct pending *
pending_new(struct evhttp_request *req, enum pending_kind kind,
    const char *id)
{
	struct pending	*p;

	p = xcalloc(1, sizeof(*p));
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->kind = kind;
	p->id = id != NULL ? xstrdup(id) : NULL;
	if (p->evcon != NULL)
		evhttp_connection_set_closecb(p->evcon, conn_close_cb, NULL);
	TAILQ_INSERT_TAIL(&hd.pending, p, entry);
	return p;
}

/*
 * End p (from a Redis callback or when the command could not be sent):
 * returns its request, NULL when there is nobody to answer any more.
 */
static struct evhttp_request *
pending_take(struct pending *p)
{
	struct evhttp_request	*req = p->req;

	TAILQ_REMOVE(&hd.pending, p, entry);
	free(p->id);
	free(p);
	return req;
}

/*
 * A connection closes.  Its request still waiting for Redis is either
 * detached by libevent (the client went away: the request is ours to
 * free) or about to be freed with the connection (evhttp_free()); either
 * way it must not be answered.
 */
static void
conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct pending	*p;

	(void)arg;
	TAILQ_FOREACH(p, &hd.pending, entry) {
		if (p->evcon != evcon || p->req == NULL)
			continue;
		if (evhttp_request_get_connection(p->req) == NULL) {
			httpd_note(HE_GONE, NULL);
			evhttp_request_free(p->req);
		}
		p->req = NULL;
		p->evcon = NULL;
	}
}

static void
route_healthz(struct evhttp_request *req)
{
	struct loa_buf	b;
	int		up = loa->rc != NULL && loa_redis_up(loa->rc);

	loa_buf_init(&b);
	loa_json_kv(&b, "status", up ? "ok" : "degraded");
	loa_json_kv(&b, "redis", up ? "up" : "down");
	reply_json(req, up ? 200 : 503, &b);
}

static void
route_metrics(struct evhttp_request *req)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	metrics_write(&b);
	reply(req, 200, "text/plain; version=0.0.4", b.data, b.len);
	loa_buf_free(&b);
}

/* POST /v1/jobs: check the job, then queue it as loactl send does. */
static void
route_submit(struct evhttp_request *req)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct loa_job		*job;
	struct loa_argv		 av;
	struct pending		*p;
	const char		*body;
	char			 err[512];
	size_t			 len = evbuffer_get_length(in);

	if (len > loa->cfg.max_job_size) {
		httpd_note(HE_TOO_LARGE, req);
		snprintf(err, sizeof(err), "job is %zu bytes, more than the "
		    "limit of %zu (max_job_size)", len, loa->cfg.max_job_size);
		reply_error(req, 413, err);
		return;
	}
	if ((body = (const char *)evbuffer_pullup(in, -1)) == NULL)
		body = "";
	if ((job = loa_job_parse(body, len, NULL, loa->cfg.max_job_size,
	    err, sizeof(err))) == NULL) {
		httpd_note(HE_BAD_JOB, req);
		reply_error(req, 400, err);
		return;
	}
	p = pending_new(req, PK_SUBMIT, job->id);
	loa_job_unref(job);
	loa_argv_init(&av);
	loa_argv_add(&av, "XADD");
	loa_argv_add(&av, loa->k_jobs);
	loa_argv_add(&av, "*");
	loa_argv_add(&av, "job");
	loa_argv_addn(&av, body, len);
	if (loa_redis_cmdv(loa->rc, submit_cb, p, &av) == -1) {
		pending_take(p);
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
	}
	loa_argv_free(&av);
}

static void
submit_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct evhttp_request	*req;
	struct loa_buf		 b;
	char			*id;

	(void)r;
	id = p->id;
	p->id = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
		goto out;
	}
	loa_buf_init(&b);
	loa_json_kv(&b, "id", id != NULL ? id : rep->str);
	loa_json_kv(&b, "entry", rep->str);
	reply_json(req, 202, &b);
 out:
	free(id);
}

/* GET /v1/jobs/<id> */
static void
route_get(struct evhttp_request *req, const char *id)
{
	struct pending	*p;
	char		*key;
	const char	*argv[2];

	key = xasprintf("%sjob:%s", loa->cfg.prefix, id);
	argv[0] = "HGETALL";
	argv[1] = key;
	p = pending_new(req, PK_GET, id);
	if (loa_redis_cmd(loa->rc, get_cb, p, 2, argv, NULL) == -1) {
		pending_take(p);
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
	}
	free(key);
}

/* A decimal integer JSON can carry exactly ("0", "-12", no "007"). */
static int
is_integer(const char *s, size_t len)
{
	size_t	i = 0;

	if (len > 0 && s[0] == '-')
		i++;
	if (i == len || len - i > 15 || (s[i] == '0' && len - i > 1))
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
get_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct evhttp_request	*req;
	struct loa_buf		 b;
	redisReply		*k, *v;
	char			*id;
	size_t			 i;

	(void)r;
	id = p->id;
	p->id = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
		goto out;
	}
	if (rep->elements == 0) {
		reply_error(req, 404, "no such job");
		goto out;
	}
	loa_buf_init(&b);
	loa_json_kv(&b, "job", id);
	for (i = 0; i + 1 < rep->elements; i += 2) {
		k = rep->element[i];
		v = rep->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING || strcmp(k->str, "job") == 0)
			continue;
		if (is_integer(v->str, v->len))
			loa_json_kl(&b, k->str, strtoll(v->str, NULL, 10));
		else
			loa_json_kv(&b, k->str, v->str);
	}
	reply_json(req, 200, &b);
 out:
	free(id);
}

/* POST /v1/jobs/<id>/cancel: the script "loactl cancel" runs. */
static void
route_cancel(struct evhttp_request *req, const char *id)
{
	struct pending	*p;
	struct loa_argv	 av;
	char		 now[40];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_argv_init(&av);
	loa_argv_add(&av, "EVAL");
	loa_argv_add(&av, loa_script_cancel);
	loa_argv_add(&av, "0");
	loa_argv_add(&av, loa->cfg.prefix);
	loa_argv_add(&av, id);
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%d", loa->cfg.events_maxlen);
	loa_argv_addf(&av, "%lld", loa->cfg.retention_ms);
	p = pending_new(req, PK_CANCEL, id);
	if (loa_redis_cmdv(loa->rc, cancel_cb, p, &av) == -1) {
		pending_take(p);
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
	}
	loa_argv_free(&av);
}

static void
cancel_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct evhttp_request	*req;
	struct loa_buf		 b;
	char			*id, msg[128];

	(void)r;
	id = p->id;
	p->id = NULL;
	if ((req = pending_take(p)) == NULL)
		goto out;
	if (rep == NULL || (rep->type != REDIS_REPLY_STRING &&
	    rep->type != REDIS_REPLY_STATUS)) {
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
		goto out;
	}
	if (strcmp(rep->str, "ok") == 0) {
		loa_buf_init(&b);
		loa_json_kv(&b, "id", id);
		loa_json_kv(&b, "state", "cancelled");
		reply_json(req, 200, &b);
	} else if (strcmp(rep->str, "unknown") == 0)
		reply_error(req, 404, "no such job");
	else {
		snprintf(msg, sizeof(msg), "already %s", rep->str);
		reply_error(req, 409, msg);
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

/* GET|POST /webhooks/<name>: a delivery report. */
static void
route_webhook(struct evhttp_request *req, const char *name)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct loa_header	 hdr[WEBHOOK_HEADERS_MAX];
	struct loa_report	*reps;
	struct loa_webhook	 wh;
	struct loa_argv		 av;
	struct evkeyval		*kv;
	const struct provider	*p;
	struct pending		*pe;
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	size_t			 len = evbuffer_get_length(in);
	char			*body;
	const char		*q;
	int			 n;

	if ((p = report_provider(name)) == NULL) {
		reply_error(req, 404, "no such provider, or it sends no "
		    "delivery reports");
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_POST) {
		(void)method_is(req, EVHTTP_REQ_POST, "GET, POST");
		return;
	}
	if (len > WEBHOOK_BODY_MAX) {
		httpd_note_for(HE_BAD_REPORT, req, name);
		reply_error(req, 413, "delivery report too large");
		return;
	}
	memset(&wh, 0, sizeof(wh));
	wh.method = m == EVHTTP_REQ_GET ? "GET" : "POST";
	wh.query = uri != NULL && (q = evhttp_uri_get_query(uri)) != NULL ?
	    q : "";
	body = xmalloc(len + 1);
	if (len > 0)
		evbuffer_copyout(in, body, len);
	body[len] = '\0';
	wh.body = body;
	wh.body_len = len;
	TAILQ_FOREACH(kv, h, next) {
		if (wh.nheaders == WEBHOOK_HEADERS_MAX)
			break;
		hdr[wh.nheaders].name = kv->key;
		hdr[wh.nheaders].value = kv->value;
		wh.nheaders++;
	}
	wh.headers = hdr;
	reps = xcalloc(WEBHOOK_REPORTS_MAX, sizeof(*reps));
	n = p->mod->report(p->state, &wh, reps, WEBHOOK_REPORTS_MAX);
	free(body);
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
			httpd_note(HE_REDIS, req);
			reply_error(req, 503, "Redis unavailable; try again");
		}
	}
	loa_argv_free(&av);
	free(reps);
}

static void
report_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct pending		*p = arg;
	struct evhttp_request	*req;
	struct loa_buf		 b;
	int			 counts[REPORT_RESULTS] = { 0 }, i, bad;

	(void)r;
	bad = report_results(rep, 0, counts) == -1;
	if ((req = pending_take(p)) == NULL)
		return;
	if (bad) {
		httpd_note(HE_REDIS, req);
		reply_error(req, 503, "Redis unavailable; try again");
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
method_is(struct evhttp_request *req, enum evhttp_cmd_type m,
    const char *allow)
{
	if (evhttp_request_get_command(req) == m)
		return 1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	reply_error(req, 405, "method not allowed");
	return 0;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path, *rest, *slash;
	char			*id;
	int			 cancel;

	(void)arg;
	if (uri == NULL || (path = evhttp_uri_get_path(uri)) == NULL ||
	    path[0] == '\0')
		path = "/";
	if (strcmp(path, "/healthz") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			route_healthz(req);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (method_is(req, EVHTTP_REQ_GET, "GET"))
			route_metrics(req);
		return;
	}
	if (strncmp(path, "/webhooks/", 10) == 0 && path[10] != '\0' &&
	    strchr(path + 10, '/') == NULL) {
		route_webhook(req, path + 10);
		return;
	}
	if (strcmp(path, "/v1/jobs") == 0) {
		if (method_is(req, EVHTTP_REQ_POST, "POST") &&
		    check_auth(req) == 0)
			route_submit(req);
		return;
	}
	if (strncmp(path, "/v1/jobs/", 9) != 0) {
		reply_error(req, 404, "no such path");
		return;
	}
	rest = path + 9;
	if ((slash = strchr(rest, '/')) == NULL)
		cancel = 0;
	else if (strcmp(slash, "/cancel") == 0)
		cancel = 1;
	else {
		reply_error(req, 404, "no such path");
		return;
	}
	if (!method_is(req, cancel ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
	    cancel ? "POST" : "GET") || check_auth(req) == -1)
		return;
	id = cancel ? xstrndup(rest, slash - rest) : xstrdup(rest);
	if (!loa_job_id_valid(id))
		reply_error(req, 400, "job id: want 1 to 64 letters, digits, "
		    "'-', '_', '.' or ':'");
	else if (cancel)
		route_cancel(req, id);
	else
		route_get(req, id);
	free(id);
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
		loa_secret_path(file, msg, sizeof(msg));
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
 * Start listening on [http] listen and read [http] token_file (when
 * set).  Returns 0, or -1 with err (nothing left allocated).
 */
int
httpd_init(char *err, size_t errlen)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	char				*host = NULL, h[NI_MAXHOST], s[NI_MAXSERV];
	unsigned short			 port;
	size_t				 body;

	TAILQ_INIT(&hd.pending);
	if (parse_listen(loa->cfg.http_listen, &host, &port, err,
	    errlen) == -1)
		return -1;
	if (httpd_token_read(loa->cfg.http_token_file, &hd.token, err,
	    errlen) == -1)
		goto fail;
	hd.tokenlen = hd.token != NULL ? strlen(hd.token) : 0;
	if ((hd.http = evhttp_new(loa->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		goto fail;
	}
	body = loa->cfg.max_job_size > SIZE_MAX - 1024 ? SIZE_MAX :
	    loa->cfg.max_job_size + 1024;
	evhttp_set_max_body_size(hd.http, body > (size_t)SSIZE_MAX ?
	    (ev_ssize_t)SSIZE_MAX : (ev_ssize_t)body);
	evhttp_set_max_headers_size(hd.http, HTTPD_HEADERS_MAX);
	evhttp_set_timeout(hd.http, HTTPD_TIMEOUT_S);
	evhttp_set_allowed_methods(hd.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(hd.http, request_cb, NULL);
	if ((bs = evhttp_bind_socket_with_handle(hd.http, host, port)) ==
	    NULL) {
		snprintf(err, errlen, "http listen %s: cannot bind: %s",
		    loa->cfg.http_listen, strerror(errno));
		goto fail;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &sslen) == -1 ||
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
 * Redis are detached; their entries go when the Redis callbacks run
 * (loa_redis_free() runs them all).
 */
void
httpd_free(void)
{
	struct pending	*p;

	if (hd.http != NULL) {
		evhttp_free(hd.http);	/* conn_close_cb detaches */
		hd.http = NULL;
	}
	TAILQ_FOREACH(p, &hd.pending, entry) {
		if (p->req != NULL &&
		    evhttp_request_get_connection(p->req) == NULL)
			evhttp_request_free(p->req);
		p->req = NULL;
		p->evcon = NULL;
	}
	httpd_token_set(NULL);
}
