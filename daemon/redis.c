/*
 * redis.c -- asynchronous Redis connections that survive Redis.
 *
 * A struct loa_redis is one hiredis async connection on the daemon's event
 * loop plus what hiredis 0.14 lacks: reconnection with throttled backoff
 * (Sentinel-style, from a timer, never from a callback), a command timeout
 * (a connection with a command unanswered for too long is dropped, which
 * fails every pending command), and a quiet log (one line when the link
 * goes down, one when it comes back).
 *
 * Contract: callbacks get the reply, or NULL when the command failed at
 * the connection level (down, timed out, freed).  A reply is only valid
 * during its callback.  loa_redis_cmd() returns -1 without calling the
 * callback when the connection is not up.  on_up runs when a connection is
 * (re)established, before any other command is sent on it; on_down when it
 * is lost (after pending callbacks have seen NULL).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "loa.h"

enum redis_state {
	RS_DOWN = 0,		/* waiting to reconnect */
	RS_CONNECTING,		/* connect (and AUTH/SELECT) under way */
	RS_UP,			/* commands accepted */
	RS_CLOSING,		/* being freed: no reconnect, no on_down */
};

struct loa_redis {
	struct event_base		*base;
	const struct loa_redis_addr	*addr;
	char				*password;
	char				 name[24];
	redisAsyncContext		*ac;
	enum redis_state		 state;
	struct event			*timer;
	long long			 timeout_ms;
	long long			 retry_at;	/* ms, when DOWN */
	int				 backoff_ms;
	int				 pending;
	long long			 progress;	/* ms of last reply */
	long long			 down_since;	/* 0 when up */
	int				 ever_up;
	loa_redis_event_fn		 on_up;
	loa_redis_event_fn		 on_down;
	void				*arg;
};

struct redis_cmd {
	struct loa_redis	*r;
	loa_redis_cb		 cb;
	void			*arg;
};

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define TICK_MS		100

static void	redis_connect(struct loa_redis *);

int
loa_redis_parse_url(const char *url, struct loa_redis_addr *a, char *err,
    size_t errlen)
{
	const char	*p, *q;
	char		*end;
	long		 v;

	memset(a, 0, sizeof(*a));
	if (strncmp(url, "unix://", 7) == 0) {
		p = url + 7;
		if (*p != '/')
			goto bad;
		a->is_unix = 1;
		if ((q = strstr(p, "?db=")) != NULL) {
			v = strtol(q + 4, &end, 10);
			if (*end != '\0' || v < 0 || v > 15)
				goto bad;
			a->db = (int)v;
			a->path = xstrndup(p, q - p);
		} else
			a->path = xstrdup(p);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0)
		goto bad;
	p = url + 8;
	if ((q = strchr(p, '@')) != NULL) {
		if (err != NULL)
			snprintf(err, errlen, "put the Redis password in "
			    "password_file, not in the URL");
		return -1;
	}
	a->port = 6379;
	if (*p == '[') {	/* [::1]:6379 */
		if ((q = strchr(p, ']')) == NULL)
			goto bad;
		a->host = xstrndup(p + 1, q - p - 1);
		p = q + 1;
	} else {
		q = p + strcspn(p, ":/");
		if (q == p)
			goto bad;
		a->host = xstrndup(p, q - p);
		p = q;
	}
	if (*p == ':') {
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > 65535)
			goto bad;
		a->port = (int)v;
		p = end;
	}
	if (*p == '/' && p[1] != '\0') {
		v = strtol(p + 1, &end, 10);
		if (*end != '\0' || v < 0 || v > 15)
			goto bad;
		a->db = (int)v;
	} else if (*p != '\0' && strcmp(p, "/") != 0)
		goto bad;
	return 0;
bad:
	loa_redis_addr_clear(a);
	if (err != NULL)
		snprintf(err, errlen, "want redis://HOST:PORT/DB or "
		    "unix:///PATH, not \"%s\"", url);
	return -1;
}

void
loa_redis_addr_clear(struct loa_redis_addr *a)
{
	free(a->host);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

void
loa_redis_addr_str(const struct loa_redis_addr *a, char *buf, size_t len)
{
	if (a->is_unix)
		snprintf(buf, len, "unix://%s", a->path);
	else
		snprintf(buf, len, "%s:%d", a->host, a->port);
}

/*
 * The wall clock in ms.  LOA_FAKE_TIME (RFC 3339) in the environment
 * shifts it, from start-up on, so that tests can run the daemon at
 * another hour of the day (quiet hours, send_at, expires_at).
 */
long long
loa_now_ms(void)
{
	static int	 init;
	static long long offset;
	struct timeval	 tv;
	const char	*fake;
	long long	 want, now;

	gettimeofday(&tv, NULL);
	now = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (!init) {
		init = 1;
		if ((fake = getenv("LOA_FAKE_TIME")) != NULL &&
		    loa_time_parse(fake, &want) == 0)
			offset = want - now;
	}
	return now + offset;
}

static void
redis_lost(struct loa_redis *r, const char *why)
{
	char	addr[256];

	r->ac = NULL;
	r->pending = 0;
	if (r->state == RS_CLOSING)
		return;
	loa_redis_addr_str(r->addr, addr, sizeof(addr));
	if (r->down_since == 0) {
		r->down_since = loa_now_ms();
		log_warnx("redis %s (%s): %s; reconnecting", r->name, addr,
		    why);
	} else
		log_debug("redis %s (%s): %s", r->name, addr, why);
	r->state = RS_DOWN;
	r->retry_at = loa_now_ms() + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    r->backoff_ms * 2;
	if (r->on_down != NULL)
		r->on_down(r, r->arg);
}

static void
redis_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct loa_redis	*r = ac->data;

	if (r->ac != ac)
		return;		/* dropped by us: already handled */

	redis_lost(r, status == REDIS_OK ? "connection closed" :
	    (ac->errstr[0] != '\0' ? ac->errstr : "connection lost"));
}

static void
redis_ready(struct loa_redis *r)
{
	char	addr[256];

	r->state = RS_UP;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->progress = loa_now_ms();
	if (r->down_since != 0 && r->ever_up) {
		loa_redis_addr_str(r->addr, addr, sizeof(addr));
		log_warnx("redis %s (%s): connected again after %.1f s",
		    r->name, addr, (loa_now_ms() - r->down_since) / 1000.0);
	}
	r->down_since = 0;
	r->ever_up = 1;
	if (r->on_up != NULL)
		r->on_up(r, r->arg);
}

/* Reply to AUTH/SELECT, sent before anything else on a new link. */
static void
redis_setup_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct loa_redis	*r = ac->data;
	redisReply		*rep = reply;
	int			 last = priv != NULL;

	if (rep == NULL)
		return;		/* the disconnect callback follows */
	if (rep->type == REDIS_REPLY_ERROR) {
		log_warnx("redis %s: %s", r->name, rep->str);
		redisAsyncDisconnect(ac);
		return;
	}
	if (last)
		redis_ready(r);
}

static void
redis_connect_cb(const redisAsyncContext *cac, int status)
{
	redisAsyncContext	*ac = (redisAsyncContext *)cac;
	struct loa_redis	*r = ac->data;
	char			 db[8];
	int			 ndone = 0, need;

	if (r->ac != ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		redis_lost(r, ac->errstr[0] != '\0' ? ac->errstr :
		    "connect failed");
		return;
	}
	need = (r->password != NULL) + (r->addr->db != 0);
	if (need == 0) {
		redis_ready(r);
		return;
	}
	if (r->password != NULL) {
		const char *argv[] = { "AUTH", r->password };
		redisAsyncCommandArgv(ac, redis_setup_cb,
		    ++ndone == need ? (void *)1 : NULL, 2, argv, NULL);
	}
	if (r->addr->db != 0) {
		const char *argv[] = { "SELECT", db };
		snprintf(db, sizeof(db), "%d", r->addr->db);
		redisAsyncCommandArgv(ac, redis_setup_cb,
		    ++ndone == need ? (void *)1 : NULL, 2, argv, NULL);
	}
}

static void
redis_connect(struct loa_redis *r)
{
	redisAsyncContext	*ac;

	if (r->addr->is_unix)
		ac = redisAsyncConnectUnix(r->addr->path);
	else
		ac = redisAsyncConnect(r->addr->host, r->addr->port);
	if (ac == NULL) {
		redis_lost(r, "out of memory");
		return;
	}
	if (ac->err) {
		char why[128];
		snprintf(why, sizeof(why), "%s", ac->errstr);
		redisAsyncFree(ac);
		redis_lost(r, why);
		return;
	}
	ac->data = r;
	r->ac = ac;
	r->state = RS_CONNECTING;
	r->progress = loa_now_ms();
	r->pending = 0;
	redisLibeventAttach(ac, r->base);
	redisAsyncSetConnectCallback(ac, redis_connect_cb);
	redisAsyncSetDisconnectCallback(ac, redis_disconnect_cb);
}

/* Reconnects when due; drops a link whose oldest command is too old. */
static void
redis_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct loa_redis	*r = arg;
	long long		 now = loa_now_ms();

	(void)fd;
	(void)ev;
	if (r->state == RS_DOWN && now >= r->retry_at)
		redis_connect(r);
	else if ((r->state == RS_UP || r->state == RS_CONNECTING) &&
	    (r->pending > 0 || r->state == RS_CONNECTING) &&
	    now - r->progress > r->timeout_ms) {
		redisAsyncContext *ac = r->ac;

		/*
		 * Drop the link hard: redisAsyncDisconnect() would wait for
		 * the very replies that do not come.  Pending callbacks see
		 * NULL; the disconnect callback sees a stale context.
		 */
		r->ac = NULL;
		r->state = RS_CONNECTING;
		redisAsyncFree(ac);
		redis_lost(r, "no answer in time");
	}
}

struct loa_redis *
loa_redis_new(struct event_base *base, const struct loa_redis_addr *addr,
    const char *password, const char *name, long long timeout_ms,
    loa_redis_event_fn on_up, loa_redis_event_fn on_down, void *arg)
{
	struct loa_redis	*r;
	struct timeval		 tv = { 0, TICK_MS * 1000 };

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->addr = addr;
	r->password = password != NULL ? xstrdup(password) : NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->timeout_ms = timeout_ms;
	r->on_up = on_up;
	r->on_down = on_down;
	r->arg = arg;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->down_since = loa_now_ms();
	r->timer = event_new(base, -1, EV_PERSIST, redis_tick_cb, r);
	event_add(r->timer, &tv);
	redis_connect(r);
	return r;
}

void
loa_redis_set_timeout(struct loa_redis *r, long long timeout_ms)
{
	r->timeout_ms = timeout_ms;
}

int
loa_redis_up(const struct loa_redis *r)
{
	return r->state == RS_UP;
}

int
loa_redis_pending(const struct loa_redis *r)
{
	return r->pending;
}

static void
redis_reply_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_cmd	*c = priv;
	struct loa_redis	*r = c->r;

	(void)ac;
	if (r->pending > 0)
		r->pending--;
	if (reply != NULL)
		r->progress = loa_now_ms();
	if (c->cb != NULL)
		c->cb(r, reply, c->arg);
	free(c);
}

int
loa_redis_cmd(struct loa_redis *r, loa_redis_cb cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct redis_cmd	*c;

	if (r->state != RS_UP || r->ac == NULL)
		return -1;
	c = xmalloc(sizeof(*c));
	c->r = r;
	c->cb = cb;
	c->arg = arg;
	if (redisAsyncCommandArgv(r->ac, redis_reply_cb, c, argc, argv,
	    argvlen) != REDIS_OK) {
		free(c);
		return -1;
	}
	if (r->pending++ == 0)
		r->progress = loa_now_ms();
	return 0;
}

int
loa_redis_cmdv(struct loa_redis *r, loa_redis_cb cb, void *arg,
    const struct loa_argv *av)
{
	return loa_redis_cmd(r, cb, arg, av->argc, (const char **)av->argv,
	    av->len);
}

/* Close after the pending replies (graceful); no reconnect follows. */
void
loa_redis_close(struct loa_redis *r)
{
	if (r->ac != NULL && r->state != RS_CLOSING) {
		r->state = RS_CLOSING;
		redisAsyncDisconnect(r->ac);
	} else
		r->state = RS_CLOSING;
}

void
loa_redis_free(struct loa_redis *r)
{
	redisAsyncContext	*ac;

	if (r == NULL)
		return;
	r->state = RS_CLOSING;
	if ((ac = r->ac) != NULL) {
		r->ac = NULL;
		redisAsyncFree(ac);
	}
	event_free(r->timer);
	free(r->password);
	free(r);
}

/* Argument vectors built piece by piece (binary-safe). */
void
loa_argv_init(struct loa_argv *av)
{
	memset(av, 0, sizeof(*av));
}

void
loa_argv_addn(struct loa_argv *av, const char *s, size_t n)
{
	if (av->argc == av->cap) {
		av->cap = av->cap ? av->cap * 2 : 16;
		av->argv = xreallocarray(av->argv, av->cap, sizeof(char *));
		av->len = xreallocarray(av->len, av->cap, sizeof(size_t));
	}
	av->argv[av->argc] = xmalloc(n + 1);
	memcpy(av->argv[av->argc], s, n);
	av->argv[av->argc][n] = '\0';
	av->len[av->argc] = n;
	av->argc++;
}

void
loa_argv_add(struct loa_argv *av, const char *s)
{
	loa_argv_addn(av, s, strlen(s));
}

void
loa_argv_addf(struct loa_argv *av, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	loa_argv_add(av, s);
	free(s);
}

void
loa_argv_free(struct loa_argv *av)
{
	int	i;

	for (i = 0; i < av->argc; i++)
		free(av->argv[i]);
	free(av->argv);
	free(av->len);
	memset(av, 0, sizeof(*av));
}
