/*
 * http.c -- the HTTP engine: libcurl's multi interface on the event loop.
 *
 * Requests built by provider plugins are run here, many at once on one
 * thread (curl's multi-event pattern: CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION feed libevent; curl_multi_socket_action is called
 * from libevent's callbacks).  Connections are kept alive and reused;
 * TLS is always verified; redirects are never followed; only https is
 * allowed, plus plain http to a loopback address (the test mock); an
 * answer larger than HTTP_BODY_MAX is cut off and treated as an error.
 *
 * What became of a request (enum http_fate) goes with its answer: never
 * sent, answered, or left without a clear answer (no answer at all, a
 * timeout, an answer cut short or too large).  The last three may have
 * reached the provider, and the caller must treat a later send as a
 * possible duplicate.  libcurl itself sends a request again, on a new
 * connection, when a kept one turns out dead after the request was
 * written (up to five times); its pre-request callback, called before
 * each send, therefore refuses a second one, so that such a resend never
 * goes out unseen: the transfer ends, and the request counts as left
 * without an answer (it may have reached the provider).
 *
 * Contract: every request handed to http_request() gets exactly one call
 * of its callback, after the transfer is removed (the callback may start
 * new requests), unless the daemon exits first (http_free drops pending
 * requests silently).  The request struct must stay valid until then.
 *
 * Speed: a finished transfer's easy handle is kept (up to HTTP_IDLE_MAX)
 * and used again for a later request, with its fixed options already set,
 * instead of a curl_easy_init() and curl_easy_cleanup() per message; the
 * connections themselves live in the multi handle's cache either way.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "engine.h"

#define HTTP_BODY_MAX	(64 * 1024)
#define HTTP_HDR_MAX	16
#define HTTP_IDLE_MAX	1024		/* finished transfers kept for reuse */
#define HTTP_BODY_KEEP	4096		/* answer buffer kept with one */

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	http_cb			 cb;
	void			*arg;
	const char		*who;		/* provider name, for logs */
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct loa_buf		 body;
	int			 too_big;
	int			 sends;		/* requests libcurl began */
	struct loa_header	 rh[HTTP_HDR_MAX];
	int			 nrh;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct sock_ctx {
	struct event	*ev;
};

static CURLM			*multi;
static struct event		*timer_ev;
static TAILQ_HEAD(, http_req)	 reqs = TAILQ_HEAD_INITIALIZER(reqs);
static TAILQ_HEAD(, http_req)	 idle = TAILQ_HEAD_INITIALIZER(idle);
static int			 nidle;

/* What a request leaves behind: its headers, the answer's, its body. */
static void
req_clear(struct http_req *h)
{
	int	i;

	curl_slist_free_all(h->hdrs);
	h->hdrs = NULL;
	for (i = 0; i < h->nrh; i++) {
		free((char *)h->rh[i].name);
		free((char *)h->rh[i].value);
	}
	h->nrh = 0;
	h->too_big = 0;
	h->errbuf[0] = '\0';
	if (h->body.cap > HTTP_BODY_KEEP)
		loa_buf_free(&h->body);
	else
		loa_buf_reset(&h->body);
}

static void
req_destroy(struct http_req *h)
{
	req_clear(h);
	loa_buf_free(&h->body);
	curl_easy_cleanup(h->easy);
	free(h);
}

/*
 * h's transfer is over (or given up): out of the multi handle, and kept
 * idle for the next request, or freed when enough are kept already.
 */
static void
req_free(struct http_req *h)
{
	TAILQ_REMOVE(&reqs, h, entry);
	curl_multi_remove_handle(multi, h->easy);
	if (nidle >= HTTP_IDLE_MAX) {
		req_destroy(h);
		return;
	}
	req_clear(h);
	TAILQ_INSERT_HEAD(&idle, h, entry);
	nidle++;
}

static void
check_done(void)
{
	CURLMsg			*msg;
	int			 left;
	struct http_req		*h;
	struct loa_response	 resp;
	long			 code = 0, sent = 0;
	CURLcode		 result;
	enum http_fate		 fate;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		result = msg->data.result;	/* before remove_handle */
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &h);
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(h->easy, CURLINFO_REQUEST_SIZE, &sent);
		memset(&resp, 0, sizeof(resp));
		if (result == CURLE_OK && !h->too_big)
			fate = HF_ANSWERED;
		else if (sent <= 0 && code == 0 && h->sends <= 1)
			fate = HF_NOT_SENT;
		else if (h->too_big || code > 0)
			fate = HF_BAD_ANSWER;	/* cut short, too large */
		else if (result == CURLE_OPERATION_TIMEDOUT)
			fate = HF_TIMEOUT;
		else
			fate = HF_NO_ANSWER;
		resp.http_status = fate == HF_ANSWERED ? (int)code : 0;
		resp.body = h->body.data != NULL ? h->body.data : "";
		resp.body_len = h->body.len;
		resp.headers = h->rh;
		resp.nheaders = h->nrh;
		/* Unknown outcome: the request left, no clear answer came. */
		resp.timed_out = fate != HF_ANSWERED && fate != HF_NOT_SENT;
		if (result != CURLE_OK)
			log_debug("provider %s: %s", h->who, h->errbuf[0] ?
			    h->errbuf : curl_easy_strerror(result));
		curl_multi_remove_handle(multi, h->easy);
		h->cb(&resp, fate, h->arg);
		req_free(h);
	}
}

static void
event_cb(evutil_socket_t fd, short what, void *arg)
{
	int	running, action = 0;

	(void)arg;
	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, fd, action, &running);
	check_done();
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	int	running;

	(void)fd;
	(void)what;
	(void)arg;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}

static int
multi_timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct timeval	tv;

	(void)m;
	(void)userp;
	if (timeout_ms < 0) {
		evtimer_del(timer_ev);
		return 0;
	}
	/*
	 * 0: as soon as possible, i.e. from the next round of the event
	 * loop; never by calling curl from in here.
	 */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(timer_ev, &tv);
	return 0;
}

static int
multi_socket_cb(CURL *e, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct sock_ctx	*sc = socketp;
	short		 flags;

	(void)e;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (sc != NULL) {
			event_free(sc->ev);
			free(sc);
			curl_multi_assign(multi, s, NULL);
		}
		return 0;
	}
	flags = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (sc == NULL) {
		sc = xcalloc(1, sizeof(*sc));
		curl_multi_assign(multi, s, sc);
	} else
		event_free(sc->ev);	/* deletes it first */
	sc->ev = event_new(loa->base, s, flags, event_cb, NULL);
	event_add(sc->ev, NULL);
	return 0;
}

/*
 * libcurl is about to send h's request on a connection.  A second time
 * within one transfer is its own resend after a dead kept-alive
 * connection: refused (see the top).
 */
static int
prereq_cb(void *userdata, char *conn_primary_ip, char *conn_local_ip,
    int conn_primary_port, int conn_local_port)
{
	struct http_req	*h = userdata;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	return h->sends++ == 0 ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req	*h = userdata;
	size_t		 n = size * nmemb;

	if (h->body.len + n > HTTP_BODY_MAX) {
		h->too_big = 1;
		return 0;		/* aborts the transfer */
	}
	loa_buf_add(&h->body, ptr, n);
	return n;
}

/* Keep the few answer headers plugins need (Retry-After and alike). */
static size_t
header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct http_req	*h = userdata;
	size_t		 n = size * nitems, k;
	char		*colon;

	if (n < 3 || h->nrh == HTTP_HDR_MAX || n > 1024)
		return n;
	if ((colon = memchr(buf, ':', n)) == NULL)
		return n;
	k = (size_t)(colon - buf);
	if (!(k == 11 && strncasecmp(buf, "Retry-After", 11) == 0) &&
	    !(k > 12 && strncasecmp(buf, "X-Rate-Limit", 12) == 0))
		return n;
	colon++;
	while (colon < buf + n && (*colon == ' ' || *colon == '\t'))
		colon++;
	h->rh[h->nrh].name = xstrndup(buf, k);
	h->rh[h->nrh].value = xstrndup(colon, (size_t)(buf + n - colon));
	((char *)h->rh[h->nrh].value)[strcspn(h->rh[h->nrh].value,
	    "\r\n")] = '\0';
	h->nrh++;
	return n;
}

/* A new transfer with the options every request shares. */
static struct http_req *
req_new(void)
{
	struct http_req	*h = xcalloc(1, sizeof(*h));

	loa_buf_init(&h->body);
	if ((h->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	curl_easy_setopt(h->easy, CURLOPT_PRIVATE, h);
	curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(h->easy, CURLOPT_PREREQDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_USERAGENT, "loa/" LOA_VERSION);
	return h;
}

/*
 * The proxy settings of the environment, read once (libcurl reads them
 * again for every transfer, a tenth of its work on a short request).  The
 * rules are libcurl's: the scheme's own variable (https_proxy or
 * HTTPS_PROXY; http_proxy in lower case only), else all_proxy or
 * ALL_PROXY; hosts in no_proxy (or NO_PROXY) go direct.  "" is none.
 */
static struct {
	char	*https, *http, *none;
}			 proxy;

static char *
proxy_env(const char *lower, const char *upper, const char *all)
{
	const char	*v = getenv(lower);

	if (v == NULL && upper != NULL)
		v = getenv(upper);
	if (v == NULL && all != NULL && (v = getenv(all)) == NULL)
		v = getenv("ALL_PROXY");
	return xstrdup(v != NULL ? v : "");
}

/*
 * Run req (built by a plugin) for provider p; cb(answer, arg) follows.
 * Only https, or http to a loopback address, is sent; anything else is
 * answered at once as a transport failure.
 */
void
http_request(struct provider *p, const struct loa_request *req, http_cb cb,
    void *arg)
{
	struct http_req		*h;
	struct loa_response	 resp;
	int			 i;

	if (!loa_url_allowed(req->url)) {
		memset(&resp, 0, sizeof(resp));
		resp.body = "";
		log_warnx("provider %s: refusing a non-https URL (https only, "
		    "or http to loopback)", p->conf->name);
		cb(&resp, HF_NOT_SENT, arg);
		return;
	}
	if ((h = TAILQ_FIRST(&idle)) != NULL) {
		TAILQ_REMOVE(&idle, h, entry);
		nidle--;
	} else
		h = req_new();
	h->cb = cb;
	h->arg = arg;
	h->who = p->conf->name;
	h->sends = 0;
	TAILQ_INSERT_TAIL(&reqs, h, entry);
	for (i = 0; i < req->nheaders; i++) {
		char *line = xasprintf("%s: %s", req->headers[i].name,
		    req->headers[i].value);
		h->hdrs = curl_slist_append(h->hdrs, line);
		free(line);
	}
	/* Every option a request sets, set again: h may have served one. */
	curl_easy_setopt(h->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(h->easy, CURLOPT_PROXY,
	    strncasecmp(req->url, "https:", 6) == 0 ? proxy.https : proxy.http);
	curl_easy_setopt(h->easy, CURLOPT_NOPROXY, proxy.none);
	curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS,
	    (long)p->conf->timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)p->conf->connect_timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, h->hdrs);
	curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST, NULL);
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(h->easy, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(h->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE,
		    (long)req->body_len);
		curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(h->easy, CURLOPT_CUSTOMREQUEST,
			    req->method);
	}
	curl_multi_add_handle(multi, h->easy);
}

int
http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((multi = curl_multi_init()) == NULL)
		return -1;
	proxy.https = proxy_env("https_proxy", "HTTPS_PROXY", "all_proxy");
	proxy.http = proxy_env("http_proxy", NULL, "all_proxy");
	proxy.none = proxy_env("no_proxy", "NO_PROXY", NULL);
	timer_ev = evtimer_new(loa->base, timer_cb, NULL);
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 1024L);
	return 0;
}

/*
 * Give up every request under way without answering it: each(cb, arg)
 * is told which, then the transfer is dropped.  For a stop that cannot
 * wait any longer (shutdown_timeout).
 */
void
http_abandon_all(void (*each)(http_cb, void *))
{
	struct http_req	*h;

	while ((h = TAILQ_FIRST(&reqs)) != NULL) {
		http_cb	 cb = h->cb;
		void	*arg = h->arg;

		req_free(h);
		each(cb, arg);
	}
}

/* Drop every request under way (the daemon is exiting). */
void
http_free(void)
{
	struct http_req	*h;

	while ((h = TAILQ_FIRST(&reqs)) != NULL)
		req_free(h);
	while ((h = TAILQ_FIRST(&idle)) != NULL) {
		TAILQ_REMOVE(&idle, h, entry);
		nidle--;
		req_destroy(h);
	}
	if (multi != NULL)
		curl_multi_cleanup(multi);	/* before event_base_free */
	multi = NULL;
	free(proxy.https);
	free(proxy.http);
	free(proxy.none);
	memset(&proxy, 0, sizeof(proxy));
	if (timer_ev != NULL)
		event_free(timer_ev);
	timer_ev = NULL;
	curl_global_cleanup();
}
