/*
 * httpserv.c -- a small HTTP/1.1 server on the daemon's event loop
 * (libevent evconnlistener and bufferevents) that an outsider cannot
 * make hold much: the listener of httpd.c runs on it.
 *
 * A connection is in one of the states of enum hs_state.  What bounds
 * each, whoever the client is:
 *
 *   - memory: a request head is at most HS_HEAD_MAX bytes (431 beyond),
 *     input is read no further ahead than that (the read high-water
 *     mark), and a body is read only when the head callback asked for
 *     it, up to the limit it set (413 beyond, from the Content-Length,
 *     before any of the body is read);
 *   - time: each phase has an absolute deadline (header_timeout from the
 *     connection or the end of the previous answer to the end of the
 *     head, body_timeout for the body and again for the answer to
 *     leave); bytes trickling in do not extend it;
 *   - descriptors: at most max_connections are open.  When one more
 *     comes, the connection that has waited longest for its request
 *     head (an idle or a slow client) is closed for it, then one still
 *     sending a body no credential vouched for; when every connection
 *     is busy with an authorized request, the new one gets 503 and the
 *     listener pauses until one closes.  When accept() itself fails
 *     (out of descriptors: EMFILE, ENFILE) the listener pauses for
 *     HS_BACKOFF_MS at a time, with one warning for the episode (at
 *     most one a minute) and one line when it accepts again: no busy
 *     loop.
 *
 * An answer given before the body was read (401, 413, ...) closes the
 * connection after a lingering close: the answer is flushed, the
 * sending side shut, and what the client still sends is discarded for
 * HS_LINGER_MS at most, so that closing with unread input (a TCP reset)
 * does not destroy the answer before the client reads it.
 *
 * Ownership: the server owns connections and requests.  The application
 * holds a request from hs_request_fn until it answers, or until its
 * hs_gone_fn says the request went away (client gone, server freed).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "loa.h"
#include "httpserv.h"

#define HS_BACKLOG		511
#define HS_BACKOFF_MS		250	/* listener pause after accept fails */
#define HS_LINGER_MS		2000	/* input discarded before a close */
#define HS_LOG_EVERY_MS		60000LL
#define HS_REPLY_HEADERS_MAX	1024	/* bytes of hs_reply_header lines */

/* What a connection is doing. */
enum hs_state {
	HS_HEAD = 0,	/* waiting for a request head (idle ones too) */
	HS_BODY,	/* reading the body the head callback accepted */
	HS_HANDLER,	/* the request callback has it; no answer yet */
	HS_SEND,	/* the answer is queued; waiting for it to leave */
	HS_LINGER,	/* answered and shut: discarding input, then close */
};

struct hs_conn {
	TAILQ_ENTRY(hs_conn)	 entry;	/* oldest HS_HEAD start first */
	struct hs_server	*srv;
	struct bufferevent	*bev;
	struct event		*timer;	/* the deadline of the state */
	enum hs_state		 state;
	size_t			 scanned; /* head bytes with no end in them */
	int			 scan;	/* hs_head_scan() state */
	int			 close_after;	/* close once answered */
	int			 linger;	/* ... lingering (input unread) */
	int			 eof;	/* the client sends no more */
	struct hs_req		*req;	/* NULL in HS_HEAD and HS_LINGER */
	char			 peer[NI_MAXHOST];
};
TAILQ_HEAD(hs_conn_q, hs_conn);

struct hs_req {
	struct hs_conn		*conn;
	char			*headbuf;	/* hs_head points into it */
	struct hs_head		 head;
	struct loa_buf		 body;
	size_t			 body_max;
	int			 trusted;	/* a credential vouched for it */
	int			 answered;
	int			 is_head;	/* HEAD: no body in the answer */
	struct loa_buf		 rhdr;		/* hs_reply_header lines */
	hs_gone_fn		 gone;
	void			*gone_arg;
	void			*data;		/* hs_req_set_data() */
	void			(*data_free)(void *);
};

struct hs_server {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*backoff;	/* re-enables the listener */
	struct hs_conn_q	 conns;
	int			 nconns;
	int			 max;
	long long		 header_ms;
	long long		 body_ms;
	int			 paused_full;	/* every connection is busy */
	int			 paused_error;	/* accept failed: backing off */
	long long		 error_since;	/* ms, 0: accept works */
	int			 error_warned;	/* ... and it was logged */
	long long		 error_logged;	/* ms */
	unsigned long		 errors_quiet;	/* episodes not logged since */
	long long		 evict_logged;	/* ms */
	unsigned long		 evicted;	/* since then */
	hs_head_fn		 head_cb;
	hs_request_fn		 request_cb;
	void			*arg;
};

static void	conn_free(struct hs_conn *);
static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);

static const char *
status_text(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* The status line and the fields every answer has, into b. */
static void
answer_head(struct loa_buf *b, int code, const char *ctype, size_t len,
    int close)
{
	char		date[64];
	struct tm	tm;
	time_t		now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	loa_buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n", code,
	    status_text(code), date, ctype, len);
	if (close)
		loa_buf_adds(b, "Connection: close\r\n");
}

/* {"error":msg} and a newline, into j (initialized here). */
static void
json_error(struct loa_buf *j, const char *msg)
{
	loa_buf_init(j);
	loa_json_kv(j, "error", msg);
	loa_buf_add(j, "}\n", 2);
}

/*
 * An answer written straight to fd, as far as the socket takes it,
 * before the fd is closed: for connections that are dropped (deadline,
 * no room) and deserve a word, but no more of the server's time.
 */
static void
answer_now(int fd, int code, const char *msg)
{
	struct loa_buf	b, j;

	json_error(&j, msg);
	loa_buf_init(&b);
	answer_head(&b, code, "application/json", j.len, 1);
	loa_buf_adds(&b, "Cache-Control: no-store\r\n\r\n");
	loa_buf_add(&b, j.data, j.len);
	(void)send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	loa_buf_free(&b);
	loa_buf_free(&j);
}

static long long
conn_deadline_ms(const struct hs_conn *c)
{
	switch (c->state) {
	case HS_HEAD:
		return c->srv->header_ms;
	case HS_BODY:
	case HS_SEND:
		return c->srv->body_ms;
	case HS_LINGER:
		return HS_LINGER_MS;
	case HS_HANDLER:
		break;
	}
	return 0;
}

/* Enter state s, with its deadline from now. */
static void
conn_set_state(struct hs_conn *c, enum hs_state s)
{
	struct timeval	tv;
	long long	ms;

	c->state = s;
	evtimer_del(c->timer);
	if ((ms = conn_deadline_ms(c)) > 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(c->timer, &tv);
	}
}

static void
listener_update(struct hs_server *srv)
{
	if (srv->lev == NULL)
		return;
	if (srv->paused_full || srv->paused_error)
		evconnlistener_disable(srv->lev);
	else
		evconnlistener_enable(srv->lev);
}

/* A request on c, which holds it from now on. */
static struct hs_req *
req_new(struct hs_conn *c)
{
	struct hs_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->conn = c;
	loa_buf_init(&r->body);
	loa_buf_init(&r->rhdr);
	c->req = r;
	return r;
}

static void
req_free(struct hs_req *r)
{
	if (r->data_free != NULL)
		r->data_free(r->data);
	free(r->headbuf);
	loa_buf_free(&r->body);
	loa_buf_free(&r->rhdr);
	free(r);
}

/*
 * Close c now.  A request the application holds is dropped: its gone
 * callback runs first.
 */
static void
conn_free(struct hs_conn *c)
{
	struct hs_server	*srv = c->srv;
	struct hs_req		*r = c->req;
	evutil_socket_t		 fd;

	if (r != NULL) {
		c->req = NULL;
		if (!r->answered && r->gone != NULL)
			r->gone(r, r->gone_arg);
		req_free(r);
	}
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	event_free(c->timer);
	/*
	 * libevent finalizes a bufferevent later in the loop; its socket is
	 * closed here, now, so that a burst of accepts that each close a
	 * connection for the next does not run out of descriptors.
	 */
	fd = bufferevent_getfd(c->bev);
	bufferevent_free(c->bev);
	evutil_closesocket(fd);
	free(c);
	if (srv->paused_full && srv->nconns < srv->max) {
		srv->paused_full = 0;
		listener_update(srv);
	}
}

/*
 * Answer an error the server finds itself (bad head, too large, ...),
 * for a request that is then done with: the connection closes after it.
 */
static void
conn_refuse(struct hs_conn *c, int code, const char *msg)
{
	struct hs_req	*r = c->req != NULL ? c->req : req_new(c);
	struct loa_buf	 j;

	c->close_after = c->linger = 1;	/* input may be left unread */
	r->head.keep_alive = 0;
	if (r->answered)
		return;
	json_error(&j, msg);
	hs_reply(r, code, "application/json", j.data, j.len);
	loa_buf_free(&j);
}

/*
 * The head of a request, end bytes, is in: parse it, let the application
 * look at it and decide whether the body may come.  Returns -1 when the
 * request was answered already, 0 when it has no body, 1 when its body
 * is to be read.
 */
static int
conn_head(struct hs_conn *c, struct evbuffer *in, size_t end)
{
	struct hs_server	*srv = c->srv;
	struct hs_req		*r;
	int			 code;

	r = req_new(c);
	r->headbuf = xmalloc(end + 1);
	evbuffer_remove(in, r->headbuf, end);
	r->headbuf[end] = '\0';
	c->scanned = 0;
	c->scan = 0;
	if ((code = hs_head_parse(r->headbuf, end, &r->head)) != 0) {
		conn_refuse(c, code, r->head.error);
		return -1;
	}
	r->is_head = strcmp(r->head.method, "HEAD") == 0;
	srv->head_cb(r, srv->arg);
	if (r->answered)
		return -1;
	if (r->head.content_length > r->body_max) {
		conn_refuse(c, 413, "request body too large");
		return -1;
	}
	if (r->head.content_length == 0)
		return 0;
	if (r->head.expect_continue && evbuffer_get_length(in) == 0)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	conn_set_state(c, HS_BODY);
	return 1;
}

/*
 * Look for the end of a head in the input not scanned yet.  Returns its
 * length, or 0.
 */
static size_t
conn_scan(struct hs_conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec	 v[8];
	struct evbuffer_ptr	 pos;
	size_t			 len = evbuffer_get_length(in), n, k;
	int			 i, nv;

	while (c->scanned < len) {
		if (evbuffer_ptr_set(in, &pos, c->scanned,
		    EVBUFFER_PTR_SET) == -1)
			break;
		nv = evbuffer_peek(in, len - c->scanned, &pos, v, 8);
		for (i = 0; i < nv && i < 8 && c->scanned < len; i++) {
			n = v[i].iov_len;
			if (n > len - c->scanned)
				n = len - c->scanned;
			if ((k = hs_head_scan(&c->scan, v[i].iov_base, n)) > 0)
				return c->scanned + k;
			c->scanned += n;
		}
	}
	return 0;
}

/* The whole request is in: hand it to the application. */
static void
conn_dispatch(struct hs_conn *c)
{
	conn_set_state(c, HS_HANDLER);
	c->srv->request_cb(c->req, c->srv->arg);
}

/* Read what there is for the state c is in. */
static void
conn_input(struct hs_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct hs_req	*r;
	const char	*p;
	size_t		 end, want, n;

	switch (c->state) {
	case HS_HEAD:
		/* Empty lines before a request line are allowed: skip. */
		while (c->scanned == 0 && evbuffer_get_length(in) > 0 &&
		    ((p = (const char *)evbuffer_pullup(in, 1))[0] == '\r' ||
		    p[0] == '\n'))
			evbuffer_drain(in, 1);
		end = conn_scan(c, in);
		if (end > HS_HEAD_MAX || (end == 0 && c->scanned > HS_HEAD_MAX)) {
			conn_refuse(c, 431, "request head too large");
			return;
		}
		if (end == 0)
			return;
		switch (conn_head(c, in, end)) {
		case -1:
			return;
		case 0:
			conn_dispatch(c);
			return;
		}
		/* FALLTHROUGH */
	case HS_BODY:
		r = c->req;
		want = r->head.content_length - r->body.len;
		if ((n = evbuffer_get_length(in)) > want)
			n = want;
		if (n > 0) {
			loa_buf_reserve(&r->body, n);
			evbuffer_remove(in, r->body.data + r->body.len, n);
			r->body.len += n;
			r->body.data[r->body.len] = '\0';
		}
		if (r->body.len == r->head.content_length)
			conn_dispatch(c);
		return;
	case HS_LINGER:
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	case HS_HANDLER:
	case HS_SEND:
		return;	/* pipelined: read once this one is answered */
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_input(arg);
}

/*
 * The answer has left.  Close, linger, or wait for the next request (one
 * may be in the input already).
 */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct hs_conn	*c = arg;
	struct hs_server *srv = c->srv;

	(void)bev;
	if (c->state != HS_SEND)
		return;		/* a 100 Continue left */
	req_free(c->req);
	c->req = NULL;
	if (c->close_after) {
		if (!c->linger) {
			conn_free(c);
			return;
		}
		shutdown(bufferevent_getfd(c->bev), SHUT_WR);
		conn_set_state(c, HS_LINGER);
		evbuffer_drain(bufferevent_get_input(c->bev),
		    evbuffer_get_length(bufferevent_get_input(c->bev)));
		return;
	}
	/* The longest idle is the first to go when the server is full. */
	TAILQ_REMOVE(&srv->conns, c, entry);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	conn_set_state(c, HS_HEAD);
	/* Take up a request read while this one was served. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		conn_input(c);
	/* After the client's EOF, close unless a whole request was in. */
	if (c->eof && (c->state == HS_HEAD || c->state == HS_BODY))
		conn_free(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct hs_conn	*c = arg;

	(void)bev;
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) == 0)
		return;
	/*
	 * A client that shut its side after whole requests may still read
	 * the answers ("socat", HTTP/1.0 style): answer what is in, then
	 * close (conn_write_cb).  If it is gone, writing fails and closes.
	 */
	if ((what & BEV_EVENT_ERROR) == 0 && (c->state == HS_SEND ||
	    c->state == HS_HANDLER)) {
		c->eof = 1;
		return;
	}
	/* Nothing more will come or go: close (a held request is gone). */
	conn_free(c);
}

/* A deadline passed. */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hs_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	(void)fd;
	(void)what;
	switch (c->state) {
	case HS_HEAD:
		if (evbuffer_get_length(in) > 0 || c->scanned > 0)
			answer_now(bufferevent_getfd(c->bev), 408,
			    "request head not complete in time");
		break;
	case HS_BODY:
		answer_now(bufferevent_getfd(c->bev), 408,
		    "request body not complete in time");
		break;
	case HS_SEND:
	case HS_LINGER:
	case HS_HANDLER:
		break;
	}
	conn_free(c);
}

/* The connection to close for a new one when the server is full. */
static struct hs_conn *
conn_victim(struct hs_server *srv)
{
	struct hs_conn	*c;

	TAILQ_FOREACH(c, &srv->conns, entry)
		if (c->state == HS_HEAD || c->state == HS_LINGER)
			return c;
	TAILQ_FOREACH(c, &srv->conns, entry)
		if (c->state == HS_BODY && !c->req->trusted)
			return c;
	return NULL;
}

static void
note_evicted(struct hs_server *srv)
{
	long long	now = loa_now_ms();

	srv->evicted++;
	if (srv->evict_logged != 0 && now - srv->evict_logged <
	    HS_LOG_EVERY_MS)
		return;
	log_warnx("http: max_connections (%d) reached: closing the "
	    "connections slowest to send a request (%lu in the last "
	    "minute)", srv->max, srv->evicted);
	srv->evict_logged = now;
	srv->evicted = 0;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct hs_server	*srv = arg;
	struct hs_conn		*c, *victim;
	char			 serv[NI_MAXSERV];

	(void)lev;
	if (srv->error_since != 0) {
		if (srv->error_warned)
			log_info("http: accepting connections again, after "
			    "%lld ms", loa_now_ms() - srv->error_since);
		srv->error_since = 0;
	}
	if (srv->nconns >= srv->max) {
		if ((victim = conn_victim(srv)) == NULL) {
			answer_now(fd, 503, "too many connections; try again");
			evutil_closesocket(fd);
			srv->paused_full = 1;
			listener_update(srv);
			return;
		}
		note_evicted(srv);
		conn_free(victim);
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	if (getnameinfo(sa, (socklen_t)salen, c->peer, sizeof(c->peer), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(c->peer, sizeof(c->peer), "?");
	if ((c->bev = bufferevent_socket_new(srv->base, fd, 0)) == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->timer = evtimer_new(srv->base, conn_timer_cb, c);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* Never more input in hand than one head. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, HS_HEAD_MAX + 1);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	conn_set_state(c, HS_HEAD);
}

static void
backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hs_server	*srv = arg;

	(void)fd;
	(void)what;
	srv->paused_error = 0;
	listener_update(srv);
}

/*
 * accept() failed with something else than "try again": out of
 * descriptors, most likely.  Pause the listener (the kernel keeps the
 * connections waiting in its queue) instead of being called again at
 * once for the same error.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct hs_server	*srv = arg;
	struct timeval		 tv = { 0, HS_BACKOFF_MS * 1000 };
	int			 e = EVUTIL_SOCKET_ERROR();
	long long		 now = loa_now_ms();

	(void)lev;
	if (srv->error_since == 0) {	/* an episode begins */
		srv->error_since = now;
		srv->error_warned = srv->error_logged == 0 ||
		    now - srv->error_logged >= HS_LOG_EVERY_MS;
		if (!srv->error_warned)
			srv->errors_quiet++;
		else {
			log_warnx("http: accept: %s (%d connections open); "
			    "pausing the listener %d ms at a time until it "
			    "works again (%lu more times in the last minute)",
			    strerror(e), srv->nconns, HS_BACKOFF_MS,
			    srv->errors_quiet);
			srv->error_logged = now;
			srv->errors_quiet = 0;
		}
	}
	srv->paused_error = 1;
	listener_update(srv);
	evtimer_add(srv->backoff, &tv);
}

/*
 * Listen on cfg->host, cfg->port.  Returns the server, or NULL with err
 * (nothing left allocated).
 */
struct hs_server *
hs_server_new(struct event_base *base, const struct hs_config *cfg,
    char *err, size_t errlen)
{
	struct hs_server	*srv;
	struct addrinfo		 hints, *ai;
	int			 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(cfg->host, cfg->port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", cfg->host, gai_strerror(e));
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->base = base;
	TAILQ_INIT(&srv->conns);
	srv->max = cfg->max_connections > 0 ? cfg->max_connections : 1;
	srv->header_ms = cfg->header_timeout_ms;
	srv->body_ms = cfg->body_timeout_ms;
	srv->head_cb = cfg->head_cb;
	srv->request_cb = cfg->request_cb;
	srv->arg = cfg->arg;
	srv->backoff = evtimer_new(base, backoff_cb, srv);
	srv->lev = evconnlistener_new_bind(base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    HS_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (srv->lev == NULL) {
		snprintf(err, errlen, "cannot bind: %s", strerror(errno));
		hs_server_free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->lev, accept_error_cb);
	return srv;
}

int
hs_server_fd(const struct hs_server *srv)
{
	return evconnlistener_get_fd(srv->lev);
}

int
hs_server_connections(const struct hs_server *srv)
{
	return srv->nconns;
}

/*
 * Stop listening and close every connection; requests the application
 * holds get their gone callbacks.
 */
void
hs_server_free(struct hs_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->lev != NULL)
		evconnlistener_free(srv->lev);
	srv->lev = NULL;
	while (!TAILQ_EMPTY(&srv->conns))
		conn_free(TAILQ_FIRST(&srv->conns));
	event_free(srv->backoff);
	free(srv);
}

const struct hs_head *
hs_req_head(const struct hs_req *r)
{
	return &r->head;
}

const char *
hs_req_header(const struct hs_req *r, const char *name)
{
	return hs_head_get(&r->head, name);
}

/* The body (NUL-terminated, "" when none) and its length. */
const char *
hs_req_body(const struct hs_req *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data != NULL ? r->body.data : "";
}

/* The client's address, numeric. */
const char *
hs_req_peer(const struct hs_req *r)
{
	return r->conn != NULL ? r->conn->peer : "?";
}

/*
 * From the head callback: the body may come, up to max bytes (a larger
 * Content-Length is answered 413 before any of it is read).  trusted:
 * a credential vouched for the request, so a full server does not
 * close its connection for a newcomer.  Without this call, a request
 * with a body gets 413.
 */
void
hs_req_body_max(struct hs_req *r, size_t max, int trusted)
{
	r->body_max = max;
	r->trusted = trusted;
}

/*
 * The application's own data for r (who sent it: httpd.c's caller), freed
 * with fr (when not NULL) as r goes, answered or not.
 */
void
hs_req_set_data(struct hs_req *r, void *data, void (*fr)(void *))
{
	if (r->data_free != NULL)
		r->data_free(r->data);
	r->data = data;
	r->data_free = fr;
}

void *
hs_req_data(const struct hs_req *r)
{
	return r->data;
}

/* fn(r, arg) runs if r is dropped before it is answered. */
void
hs_req_on_gone(struct hs_req *r, hs_gone_fn fn, void *arg)
{
	r->gone = fn;
	r->gone_arg = arg;
}

/* One more field for the answer (before hs_reply); no CR or LF in it. */
void
hs_reply_header(struct hs_req *r, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		fatalx("hs_reply_header: bad field %s", name);
	if (r->rhdr.len + strlen(name) + strlen(value) + 4 >
	    HS_REPLY_HEADERS_MAX)
		fatalx("hs_reply_header: too many fields");
	loa_buf_printf(&r->rhdr, "%s: %s\r\n", name, value);
}

/*
 * Answer r: status code, Content-Type ctype, body (copied).  r is done
 * with for the application afterwards (the server frees it once the
 * answer has left).
 */
void
hs_reply(struct hs_req *r, int code, const char *ctype, const char *body,
    size_t len)
{
	struct hs_conn	*c = r->conn;
	struct loa_buf	 b;
	int		 close;

	if (r->answered)
		fatalx("hs_reply: answered twice");
	r->answered = 1;
	if (!r->head.keep_alive)
		c->close_after = 1;
	/* Answered before its body: that body is never read. */
	if (r->head.content_length > r->body.len)
		c->close_after = c->linger = 1;
	close = c->close_after;
	loa_buf_init(&b);
	answer_head(&b, code, ctype, len, close);
	if (!close && r->head.minor == 0)
		loa_buf_adds(&b, "Connection: keep-alive\r\n");
	if (r->rhdr.len > 0)
		loa_buf_add(&b, r->rhdr.data, r->rhdr.len);
	loa_buf_adds(&b, "\r\n");
	if (!r->is_head && len > 0)
		loa_buf_add(&b, body, len);
	bufferevent_write(c->bev, b.data, b.len);
	loa_buf_free(&b);
	conn_set_state(c, HS_SEND);
}
