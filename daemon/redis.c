/*
 * redis.c -- asynchronous Redis connections that survive Redis.
 *
 * A struct loa_redis is one hiredis async connection on the daemon's event
 * loop plus what hiredis 0.14 lacks: reconnection with throttled backoff
 * (Sentinel-style, from a timer, never from a callback), a command timeout
 * (a connection with a command unanswered for too long is dropped, which
 * fails every pending command), and a quiet log (one line when the link
 * goes down, one when it has been back for a second).
 *
 * Redis Sentinel.  With sentinels configured, each (re)connection first
 * asks them in turn, asynchronously and with a short timeout each, for
 * the address of the master (SENTINEL get-master-addr-by-name), the one
 * that answered last first; then it connects there and checks with ROLE
 * that the server really is the master.  The connection to the sentinel
 * that answered stays open, subscribed to +switch-master: when the master
 * moves, the link is dropped and made again to the new one at once.  A
 * link that breaks, a server that turned replica (READONLY, MASTERDOWN),
 * or one that cannot take writes now (LOADING, NOREPLICAS) also drops the
 * link and asks the sentinels again, with the usual backoff.
 *
 * Scripts go by their SHA1 (EVALSHA, loa_redis_cmdv()): the text of each
 * (embedded, daemon/lua) is sent once per link, by SCRIPT LOAD before
 * anything else, not with every call.  A server that has lost them anyway
 * (SCRIPT FLUSH) answers NOSCRIPT, which is taken as a refusal: the link
 * is made again, and the scripts loaded again.
 *
 * A command refused that way (the server did not run it) reaches its
 * callback as NULL, like a command lost with its link; then the link is
 * dropped.  So callers see two outcomes only: a real answer, or "Redis
 * away, try again later".
 *
 * Each process has one Redis: what is said about it (the master Sentinel
 * names, appendonly being off) is said once for all its connections.
 *
 * Contract: callbacks get the reply, or NULL when the command failed at
 * the connection level (down, timed out, refused, freed).  A reply is
 * only valid during its callback.  loa_redis_cmd() returns -1 without
 * calling the callback when the connection is not up.  on_up runs when a
 * connection is (re)established, before any command of the caller is
 * sent on it; on_down when it is lost (after pending callbacks have seen
 * NULL).
 */
#include <errno.h>
#include <stdint.h>
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
	RS_ASKING,		/* asking the sentinels where the master is */
	RS_CONNECTING,		/* connect (and AUTH/SELECT/ROLE) under way */
	RS_UP,			/* commands accepted */
	RS_DROPPING,		/* dropped by us, the disconnect callback due */
	RS_CLOSING,		/* being freed: no reconnect, no on_down */
};

/* The connection to a sentinel, beside the link. */
enum sentinel_phase {
	SP_IDLE = 0,		/* none */
	SP_ASKING,		/* get-master-addr-by-name sent to sidx */
	SP_WATCHING,		/* answered; subscribed to +switch-master */
};

struct loa_redis {
	struct event_base		*base;
	struct loa_redis_addr		 addr;	/* the server (the master) */
	struct loa_redis_sentinel	 sentinel;	/* no master_name: none */
	char				*password;
	char				*sentinel_password;
	char				 name[24];
	redisAsyncContext		*ac;
	enum redis_state		 state;
	struct event			*timer;
	long long			 timeout_ms;
	long long			 retry_at;	/* ms, when DOWN */
	int				 backoff_ms;
	int				 pending;
	long long			 progress;	/* ms of last reply */
	long long			 tick_at;	/* ms, the last tick */
	long long			 down_since;	/* 0 when up */
	long long			 up_at;		/* ms, link up */
	int				 said_down;	/* the outage is logged */
	int				 refusing;	/* refused; not stable since */
	long long			 refused_since;
	int				 drop_refused;	/* this drop: a refusal */
	char				 why[256];	/* of our own drop */
	redisAsyncContext		*sc;		/* to a sentinel */
	enum sentinel_phase		 sphase;
	size_t				 sidx;		/* sentinel asked */
	size_t				 stried;	/* ... in this round */
	long long			 sasked;	/* ms, when asked */
	long long			 watch_at;	/* ms: subscribe again */
	char				 swhy[256];	/* what they said */
	int				 moved;		/* addr is news: no asking */
	loa_redis_event_fn		 on_up;
	loa_redis_event_fn		 on_down;
	void				*arg;
};

struct redis_cmd {
	struct loa_redis	*r;
	loa_redis_cb		 cb;
	void			*arg;
};

/* Steps of a new link before it is up; SETUP_LAST marks the last one. */
enum redis_setup {
	SETUP_AUTH = 1,
	SETUP_SELECT,
	SETUP_ROLE,
};
#define SETUP_LAST	0x10

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define TICK_MS		100
#define STABLE_MS	1000	/* up this long: the outage is over */
#define SENTINEL_MS	1000	/* for a sentinel to connect and answer */
#define WATCH_RETRY_MS	1000	/* subscription lost: again after this */
#define SENTINELS_MAX	16

/* Said once per process (see the top). */
static char	said_master[300];	/* the master Sentinel named last */
static char	aof_checked[300];	/* the server asked about appendonly */

/*
 * Errors of a server that did not run the command because it is not
 * (or not yet, or no longer) a master that takes writes.
 */
static const char *const refusals[] = {
	"READONLY", "MASTERDOWN", "LOADING", "NOREPLICAS", "NOSCRIPT", NULL
};

static void	redis_connect(struct loa_redis *);
static void	sentinel_ask(struct loa_redis *);

/*
 * HOST, or [V6], then optionally :PORT (a->port is left as it is
 * without); *endp is set after it.  0, or -1 with a->host possibly set.
 */
static int
parse_hostport(const char *p, struct loa_redis_addr *a, const char **endp)
{
	const char	*q;
	char		*end;
	long		 v;

	if (*p == '[') {	/* [::1]:6379 */
		if ((q = strchr(p, ']')) == NULL || q == p + 1)
			return -1;	/* unclosed, or no address: "[]" */
		a->host = xstrndup(p + 1, q - p - 1);
		p = q + 1;
	} else {
		q = p + strcspn(p, ":/");
		if (q == p)
			return -1;
		a->host = xstrndup(p, q - p);
		p = q;
	}
	if (*p == ':') {
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > 65535)
			return -1;
		a->port = (int)v;
		p = end;
	}
	*endp = p;
	return 0;
}

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
	if (parse_hostport(p, a, &p) == -1)
		goto bad;
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

static void
addr_copy(struct loa_redis_addr *dst, const struct loa_redis_addr *src)
{
	*dst = *src;
	dst->host = src->host != NULL ? xstrdup(src->host) : NULL;
	dst->path = src->path != NULL ? xstrdup(src->path) : NULL;
}

void
loa_redis_addr_str(const struct loa_redis_addr *a, char *buf, size_t len)
{
	if (a->is_unix)
		snprintf(buf, len, "unix://%s", a->path);
	else if (a->host != NULL && strchr(a->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", a->host, a->port);
	else
		snprintf(buf, len, "%s:%d", a->host != NULL ? a->host : "?",
		    a->port);
}

/*
 * "HOST:PORT, HOST:PORT, ..." (port 26379 when left out) into s->addrs,
 * replacing what was there; s->master_name is left alone.  0, or -1 with
 * err set and s unchanged.
 */
int
loa_redis_parse_sentinels(const char *list, struct loa_redis_sentinel *s,
    char *err, size_t errlen)
{
	struct loa_redis_addr	*addrs = NULL;
	size_t			 n = 0, i, len;
	const char		*p = list, *end;
	char			*item = NULL;

	for (;;) {
		p += strspn(p, " \t");
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		item = xstrndup(p, len);
		if (n == SENTINELS_MAX) {
			snprintf(err, errlen, "at most %d sentinels",
			    SENTINELS_MAX);
			goto bad;
		}
		addrs = xreallocarray(addrs, n + 1, sizeof(*addrs));
		memset(&addrs[n], 0, sizeof(addrs[n]));
		addrs[n].port = 26379;
		if (parse_hostport(item, &addrs[n++], &end) == -1 ||
		    *end != '\0') {
			snprintf(err, errlen, "want HOST:PORT, HOST:PORT, ... "
			    "(the sentinels), not \"%s\"", item);
			goto bad;
		}
		free(item);
		item = NULL;
		p += strcspn(p, ",");
		if (*p++ == '\0')
			break;
	}
	for (i = 0; i < s->naddrs; i++)
		loa_redis_addr_clear(&s->addrs[i]);
	free(s->addrs);
	s->addrs = addrs;
	s->naddrs = n;
	return 0;
bad:
	free(item);
	for (i = 0; i < n; i++)
		loa_redis_addr_clear(&addrs[i]);
	free(addrs);
	return -1;
}

void
loa_redis_sentinel_copy(struct loa_redis_sentinel *dst,
    const struct loa_redis_sentinel *src)
{
	size_t	i;

	memset(dst, 0, sizeof(*dst));
	if (src->master_name != NULL)
		dst->master_name = xstrdup(src->master_name);
	if (src->naddrs == 0)
		return;
	dst->addrs = xreallocarray(NULL, src->naddrs, sizeof(*dst->addrs));
	for (i = 0; i < src->naddrs; i++)
		addr_copy(&dst->addrs[i], &src->addrs[i]);
	dst->naddrs = src->naddrs;
}

void
loa_redis_sentinel_clear(struct loa_redis_sentinel *s)
{
	size_t	i;

	for (i = 0; i < s->naddrs; i++)
		loa_redis_addr_clear(&s->addrs[i]);
	free(s->addrs);
	free(s->master_name);
	memset(s, 0, sizeof(*s));
}

/* "mymaster via 127.0.0.1:26379, 127.0.0.1:26380", or "" without. */
void
loa_redis_sentinel_str(const struct loa_redis_sentinel *s, char *buf,
    size_t len)
{
	size_t	i, off;
	char	a[256];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (s->master_name == NULL)
		return;
	snprintf(buf, len, "%s via ", s->master_name);
	for (i = 0; i < s->naddrs; i++) {
		loa_redis_addr_str(&s->addrs[i], a, sizeof(a));
		off = strlen(buf);
		snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "", a);
	}
}

/* Element i of an array reply when it is a string, else "" (never NULL). */
const char *
loa_reply_str(const struct redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_STRING)
		return "";
	return r->element[i]->str;
}

/* The role in a ROLE reply ("master", "slave", "sentinel"), or NULL. */
const char *
loa_redis_role(const struct redisReply *rep)
{
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements < 1 || rep->element[0]->type != REDIS_REPLY_STRING)
		return NULL;
	return rep->element[0]->str;
}

/*
 * A sentinel's answer to SENTINEL get-master-addr-by-name: 0 with the
 * master's host and port in *out (for the caller to clear), or -1 with
 * why it is no answer.
 */
static int
sentinel_answer(const redisReply *rep, const char *name,
    struct loa_redis_addr *out, char *why, size_t len)
{
	char	*end;
	long	 port;

	memset(out, 0, sizeof(*out));
	if (rep == NULL) {
		snprintf(why, len, "no answer");
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, len, "%s", rep->str);
		return -1;
	}
	if (rep->type == REDIS_REPLY_NIL) {
		snprintf(why, len, "does not know master %s", name);
		return -1;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[1]->type != REDIS_REPLY_STRING ||
	    rep->element[0]->len == 0) {
		snprintf(why, len, "unexpected answer");
		return -1;
	}
	port = strtol(rep->element[1]->str, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		snprintf(why, len, "bad port \"%s\"", rep->element[1]->str);
		return -1;
	}
	out->host = xstrdup(rep->element[0]->str);
	out->port = (int)port;
	return 0;
}

/* "ADDR: why" added to buf ("; " between), as far as there is room. */
static void
note_failure(char *buf, size_t len, const struct loa_redis_addr *a,
    const char *why)
{
	char	as[256];
	size_t	off = strlen(buf);

	loa_redis_addr_str(a, as, sizeof(as));
	snprintf(buf + off, len - off, "%s%s: %s", off > 0 ? "; " : "", as,
	    why);
}

/*
 * Ask the sentinels in turn, synchronously (for loactl), for the master
 * of s->master_name, each with timeout_ms to connect and timeout_ms to
 * answer.  0 with the master's host and port in *out (for the caller to
 * clear; db 0), or -1 with what each sentinel said in err.
 */
int
loa_redis_sentinel_ask(const struct loa_redis_sentinel *s,
    const char *password, long long timeout_ms, struct loa_redis_addr *out,
    char *err, size_t errlen)
{
	struct timeval	 tv;
	redisContext	*c;
	redisReply	*rep;
	char		 why[256];
	size_t		 i;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	err[0] = '\0';
	for (i = 0; i < s->naddrs; i++) {
		c = redisConnectWithTimeout(s->addrs[i].host,
		    s->addrs[i].port, tv);
		if (c == NULL || c->err != 0 ||
		    redisSetTimeout(c, tv) != REDIS_OK) {
			note_failure(err, errlen, &s->addrs[i], c != NULL ?
			    c->errstr : "out of memory");
			if (c != NULL)
				redisFree(c);
			continue;
		}
		rep = NULL;
		if (password != NULL) {
			rep = redisCommand(c, "AUTH %s", password);
			if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
				snprintf(why, sizeof(why), "AUTH: %s",
				    rep != NULL ? rep->str : c->errstr);
				note_failure(err, errlen, &s->addrs[i], why);
				freeReplyObject(rep);
				redisFree(c);
				continue;
			}
			freeReplyObject(rep);
		}
		rep = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
		    s->master_name);
		if (sentinel_answer(rep, s->master_name, out, why,
		    sizeof(why)) == 0) {
			freeReplyObject(rep);
			redisFree(c);
			return 0;
		}
		note_failure(err, errlen, &s->addrs[i], rep != NULL ? why :
		    c->errstr);
		freeReplyObject(rep);
		redisFree(c);
	}
	return -1;
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

/*
 * The link is gone (or never came): on_down, and reconnect later.  Said
 * once per outage; refusals (the server answers but will not take our
 * writes) once until the link has held again for STABLE_MS.
 */
static void
redis_lost(struct loa_redis *r, const char *why)
{
	char	addr[256];
	int	refusal = r->drop_refused;

	r->ac = NULL;
	r->pending = 0;
	r->drop_refused = 0;
	if (r->state == RS_CLOSING)
		return;
	if (r->sentinel.master_name != NULL && r->addr.host == NULL)
		snprintf(addr, sizeof(addr), "%s", r->sentinel.master_name);
	else
		loa_redis_addr_str(&r->addr, addr, sizeof(addr));
	if (refusal && !r->refusing) {
		r->refusing = 1;
		r->refused_since = loa_now_ms();
		log_warnx("redis %s (%s): refused: %s; %s", r->name, addr, why,
		    r->sentinel.master_name != NULL ? "asking the sentinels "
		    "again" : "trying again");
	} else if (!refusal && !r->said_down) {
		r->said_down = 1;
		log_warnx("redis %s (%s): %s; reconnecting", r->name, addr,
		    why);
	} else
		log_debug("redis %s (%s): %s", r->name, addr, why);
	if (r->down_since == 0)
		r->down_since = loa_now_ms();
	r->state = RS_DOWN;
	r->retry_at = loa_now_ms() + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    r->backoff_ms * 2;
	if (r->on_down != NULL)
		r->on_down(r, r->arg);
}

/*
 * Drop the link now, without waiting for the replies still due: pending
 * callbacks see NULL, then on_down runs.  Inside one of the link's own
 * callbacks, hiredis frees it when that callback returns; the disconnect
 * callback then reports the loss (why) with the order kept.
 */
static void
redis_drop(struct loa_redis *r, const char *why)
{
	redisAsyncContext	*ac = r->ac;

	if (ac == NULL || r->state == RS_DROPPING)
		return;
	snprintf(r->why, sizeof(r->why), "%s", why);
	if (!(ac->c.flags & REDIS_CONNECTED)) {
		/* No disconnect callback for a link that never came up. */
		r->ac = NULL;
		redisAsyncFree(ac);
		redis_lost(r, r->why);
		return;
	}
	r->state = RS_DROPPING;
	redisAsyncFree(ac);
}

static void
redis_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct loa_redis	*r = ac->data;

	if (r->ac != ac)
		return;		/* dropped by us: already handled */

	redis_lost(r, r->why[0] != '\0' ? r->why : status == REDIS_OK ?
	    "connection closed" : (ac->errstr[0] != '\0' ? ac->errstr :
	    "connection lost"));
}

/* The answer to CONFIG GET appendonly from server arg (freed here). */
static void
appendonly_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	char	*server = arg;

	(void)r;
	if (rep == NULL) {
		if (strcmp(aof_checked, server) == 0)
			aof_checked[0] = '\0';	/* the next link asks */
	} else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[1]->type == REDIS_REPLY_STRING) {
		if (strcmp(rep->element[1]->str, "no") == 0)
			log_warnx("redis: appendonly is off: a Redis crash can "
			    "lose acknowledged work (%s: set appendonly yes)",
			    server);
		else
			log_debug("redis: appendonly is %s on %s",
			    rep->element[1]->str, server);
	} else
		log_warnx("redis: appendonly could not be checked on %s "
		    "(CONFIG GET appendonly: %s); without appendonly yes a "
		    "Redis crash can lose acknowledged work", server,
		    rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "no such setting");
	free(server);
}

/* A script loaded on a new link: its digest must be the one we call. */
static void
script_loaded_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	const struct loa_script_ref	*s = arg;

	(void)r;
	if (rep != NULL && (rep->type != REDIS_REPLY_STRING ||
	    strcmp(rep->str, s->sha) != 0))
		log_warnx("redis: SCRIPT LOAD %s: %s", s->name,
		    rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "another digest");
}

static void
redis_ready(struct loa_redis *r)
{
	const struct loa_script_ref	*s;
	const char			*load[3] = { "SCRIPT", "LOAD", NULL };
	size_t				 len[3] = { 6, 4, 0 };

	const char	*argv[] = { "CONFIG", "GET", "appendonly" };
	char		 addr[256], *server;

	r->state = RS_UP;
	r->progress = r->up_at = loa_now_ms();
	loa_redis_addr_str(&r->addr, addr, sizeof(addr));
	if (r->said_down)
		log_warnx("redis %s (%s): connected again after %.1f s",
		    r->name, addr, (r->up_at - r->down_since) / 1000.0);
	r->said_down = 0;
	r->down_since = 0;
	if (strcmp(aof_checked, addr) != 0) {
		/* Once per server, whichever connection gets there first. */
		snprintf(aof_checked, sizeof(aof_checked), "%s", addr);
		server = xstrdup(addr);
		if (loa_redis_cmd(r, appendonly_cb, server, 3, argv,
		    NULL) == -1)
			free(server);
	}
	/* Before any call of the caller's, on this very link. */
	for (s = loa_scripts; s->name != NULL; s++) {
		load[2] = s->text;
		len[2] = s->len;
		(void)loa_redis_cmd(r, script_loaded_cb, (void *)s, 3, load,
		    len);
	}
	if (r->on_up != NULL)
		r->on_up(r, r->arg);
}

/*
 * Up for STABLE_MS: the backoff starts afresh (not before: a server that
 * refuses every write is tried less and less often), and the end of the
 * refusals is said.
 */
static void
redis_stable(struct loa_redis *r)
{
	char	addr[256];

	if (r->refusing) {
		loa_redis_addr_str(&r->addr, addr, sizeof(addr));
		log_warnx("redis %s (%s): commands taken again after %.1f s",
		    r->name, addr, (r->up_at - r->refused_since) / 1000.0);
	}
	r->refusing = 0;
	r->backoff_ms = BACKOFF_MIN_MS;
}

/* Replies to AUTH/SELECT/ROLE, sent before anything else on a new link. */
static void
redis_setup_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct loa_redis	*r = ac->data;
	redisReply		*rep = reply;
	int			 step = (int)(intptr_t)priv & ~SETUP_LAST;
	const char		*role;
	char			 why[256];

	if (rep == NULL || r->ac != ac || r->state != RS_CONNECTING)
		return;		/* the disconnect callback follows */
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%s: %s", step == SETUP_AUTH ?
		    "AUTH" : step == SETUP_SELECT ? "SELECT" : "ROLE",
		    rep->str);
		redis_drop(r, why);
		return;
	}
	if (step == SETUP_ROLE && ((role = loa_redis_role(rep)) == NULL ||
	    strcmp(role, "master") != 0)) {
		snprintf(why, sizeof(why), "not the master of %s but a %s",
		    r->sentinel.master_name, role != NULL ? role : "?");
		redis_drop(r, why);
		return;
	}
	if ((intptr_t)priv & SETUP_LAST)
		redis_ready(r);
}

static void
redis_setup_send(struct loa_redis *r, int step, int last, int argc,
    const char **argv)
{
	redisAsyncCommandArgv(r->ac, redis_setup_cb,
	    (void *)(intptr_t)(step | (last ? SETUP_LAST : 0)), argc, argv,
	    NULL);
}

static void
redis_connect_cb(const redisAsyncContext *cac, int status)
{
	redisAsyncContext	*ac = (redisAsyncContext *)cac;
	struct loa_redis	*r = ac->data;
	char			 db[8];
	int			 role = r->sentinel.master_name != NULL;
	int			 need, ndone = 0;

	if (r->ac != ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		redis_lost(r, ac->errstr[0] != '\0' ? ac->errstr :
		    "connect failed");
		return;
	}
	need = (r->password != NULL) + (r->addr.db != 0) + role;
	if (need == 0) {
		redis_ready(r);
		return;
	}
	if (r->password != NULL) {
		const char *argv[] = { "AUTH", r->password };
		redis_setup_send(r, SETUP_AUTH, ++ndone == need, 2, argv);
	}
	if (r->addr.db != 0) {
		const char *argv[] = { "SELECT", db };
		snprintf(db, sizeof(db), "%d", r->addr.db);
		redis_setup_send(r, SETUP_SELECT, ++ndone == need, 2, argv);
	}
	if (role) {
		const char *argv[] = { "ROLE" };
		redis_setup_send(r, SETUP_ROLE, ++ndone == need, 1, argv);
	}
}

/*
 * A new async connection to a, on r's loop, with r as its data: NULL
 * with why set when it cannot even start.
 */
static redisAsyncContext *
async_connect(struct loa_redis *r, const struct loa_redis_addr *a,
    redisConnectCallback *on_connect, redisDisconnectCallback *on_disconnect,
    char *why, size_t len)
{
	redisAsyncContext	*ac;

	if (a->is_unix)
		ac = redisAsyncConnectUnix(a->path);
	else
		ac = redisAsyncConnect(a->host, a->port);
	if (ac == NULL || ac->err) {
		snprintf(why, len, "%s", ac != NULL ? ac->errstr :
		    "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		return NULL;
	}
	ac->data = r;
	redisLibeventAttach(ac, r->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return ac;
}

static void
redis_connect(struct loa_redis *r)
{
	char	why[128];

	r->why[0] = '\0';
	r->ac = async_connect(r, &r->addr, redis_connect_cb,
	    redis_disconnect_cb, why, sizeof(why));
	if (r->ac == NULL) {
		redis_lost(r, why);
		return;
	}
	r->state = RS_CONNECTING;
	r->progress = loa_now_ms();
	r->pending = 0;
}

/* Reconnect: to the address in hand, or where the sentinels say. */
static void
redis_start(struct loa_redis *r)
{
	if (r->sentinel.master_name == NULL || r->moved) {
		r->moved = 0;
		redis_connect(r);
		return;
	}
	r->state = RS_ASKING;
	r->stried = 0;
	sentinel_ask(r);
}

/*
 * Close the connection to the sentinel.  Not from its connect callback
 * (hiredis frees it after a failed connect); inside its other callbacks
 * hiredis defers the free, and callbacks of a closed one are ignored.
 */
static void
sentinel_close(struct loa_redis *r)
{
	redisAsyncContext	*sc = r->sc;

	r->sc = NULL;
	r->sphase = SP_IDLE;
	if (sc != NULL)
		redisAsyncFree(sc);
}

/* The master Sentinel names, said once per process when it changes. */
static void
say_master(struct loa_redis *r, const char *addr)
{
	if (strcmp(said_master, addr) == 0)
		return;
	if (said_master[0] == '\0')
		log_info("redis: master of %s is %s", r->sentinel.master_name,
		    addr);
	else
		log_warnx("redis: master of %s is now %s",
		    r->sentinel.master_name, addr);
	snprintf(said_master, sizeof(said_master), "%s", addr);
}

/*
 * A sentinel named the master m (taken over).  Asking: connect there.
 * Otherwise (a +switch-master, or asking again while up): when it moved,
 * drop the link to the old one and connect to m without asking again.
 */
static void
master_found(struct loa_redis *r, struct loa_redis_addr *m)
{
	char	cur[256], now[256], why[300];

	m->db = r->addr.db;
	loa_redis_addr_str(m, now, sizeof(now));
	say_master(r, now);
	if (r->state == RS_ASKING) {
		loa_redis_addr_clear(&r->addr);
		r->addr = *m;
		redis_connect(r);
		return;
	}
	loa_redis_addr_str(&r->addr, cur, sizeof(cur));
	if (r->addr.host != NULL && strcmp(cur, now) == 0) {
		loa_redis_addr_clear(m);
		return;
	}
	snprintf(why, sizeof(why), "the master of %s moved to %s",
	    r->sentinel.master_name, now);
	redis_drop(r, why);
	loa_redis_addr_clear(&r->addr);
	r->addr = *m;
	r->moved = 1;
	if (r->state == RS_DOWN)
		r->retry_at = loa_now_ms();
}

/* Sentinel sidx gave no answer: ask the next, or give up this round. */
static void
sentinel_failed(struct loa_redis *r, const char *why)
{
	char	msg[512];

	note_failure(r->swhy, sizeof(r->swhy), &r->sentinel.addrs[r->sidx],
	    why);
	sentinel_close(r);
	r->sidx = (r->sidx + 1) % r->sentinel.naddrs;
	if (++r->stried < r->sentinel.naddrs) {
		sentinel_ask(r);
		return;
	}
	if (r->state == RS_ASKING) {
		snprintf(msg, sizeof(msg), "no sentinel named the master of "
		    "%s (%s)", r->sentinel.master_name, r->swhy);
		redis_lost(r, msg);
	} else {
		log_debug("redis %s: sentinels: %s", r->name, r->swhy);
		r->watch_at = loa_now_ms() + WATCH_RETRY_MS;
	}
}

static void
sentinel_connect_cb(const redisAsyncContext *cac, int status)
{
	redisAsyncContext	*sc = (redisAsyncContext *)cac;
	struct loa_redis	*r = sc->data;

	if (r->sc != sc || status == REDIS_OK)
		return;
	/* hiredis frees the context after this callback. */
	r->sc = NULL;
	r->sphase = SP_IDLE;
	sentinel_failed(r, sc->errstr[0] != '\0' ? sc->errstr :
	    "connect failed");
}

static void
sentinel_disconnect_cb(const redisAsyncContext *sc, int status)
{
	struct loa_redis	*r = sc->data;
	enum sentinel_phase	 was = r->sphase;

	(void)status;
	if (r->sc != sc)
		return;
	r->sc = NULL;
	r->sphase = SP_IDLE;
	if (was == SP_ASKING)
		sentinel_failed(r, sc->errstr[0] != '\0' ? sc->errstr :
		    "connection closed");
	else {
		/* Watch through another sentinel, soon. */
		r->sidx = (r->sidx + 1) % r->sentinel.naddrs;
		r->watch_at = loa_now_ms() + WATCH_RETRY_MS;
	}
}

static void
sentinel_auth_cb(redisAsyncContext *sc, void *reply, void *priv)
{
	struct loa_redis	*r = sc->data;
	redisReply		*rep = reply;
	char			 why[256];

	(void)priv;
	if (rep == NULL || r->sc != sc || rep->type != REDIS_REPLY_ERROR)
		return;
	snprintf(why, sizeof(why), "AUTH: %s", rep->str);
	sentinel_failed(r, why);
}

static void
sentinel_master_cb(redisAsyncContext *sc, void *reply, void *priv)
{
	struct loa_redis	*r = sc->data;
	struct loa_redis_addr	 m;
	char			 why[256];

	(void)priv;
	if (reply == NULL || r->sc != sc)
		return;
	if (sentinel_answer(reply, r->sentinel.master_name, &m, why,
	    sizeof(why)) == -1) {
		sentinel_failed(r, why);
		return;
	}
	r->sphase = SP_WATCHING;
	master_found(r, &m);
}

/* "+switch-master NAME OLDIP OLDPORT NEWIP NEWPORT" */
static void
sentinel_switch_cb(redisAsyncContext *sc, void *reply, void *priv)
{
	struct loa_redis	*r = sc->data;
	redisReply		*rep = reply;
	struct loa_redis_addr	 m;
	char			 name[256], oip[256], oport[8], nip[256];
	int			 nport;

	(void)priv;
	if (rep == NULL || r->sc != sc || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != 3 ||
	    rep->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(rep->element[0]->str, "message") != 0 ||
	    rep->element[2]->type != REDIS_REPLY_STRING)
		return;
	if (sscanf(rep->element[2]->str, "%255s %255s %7s %255s %d", name,
	    oip, oport, nip, &nport) != 5 ||
	    strcmp(name, r->sentinel.master_name) != 0 ||
	    nport < 1 || nport > 65535)
		return;
	memset(&m, 0, sizeof(m));
	m.host = xstrdup(nip);
	m.port = nport;
	master_found(r, &m);
}

/* Ask sentinel sidx; a new round when stried is 0. */
static void
sentinel_ask(struct loa_redis *r)
{
	redisAsyncContext		*sc;
	const char			*ask[] = { "SENTINEL",
	    "get-master-addr-by-name", r->sentinel.master_name };
	const char			*sub[] = { "SUBSCRIBE",
	    "+switch-master" };
	char				 why[128];

	sentinel_close(r);
	if (r->stried == 0)
		r->swhy[0] = '\0';
	sc = async_connect(r, &r->sentinel.addrs[r->sidx],
	    sentinel_connect_cb, sentinel_disconnect_cb, why, sizeof(why));
	if (sc == NULL) {
		sentinel_failed(r, why);
		return;
	}
	r->sc = sc;
	r->sphase = SP_ASKING;
	r->sasked = loa_now_ms();
	if (r->sentinel_password != NULL) {
		const char *auth[] = { "AUTH", r->sentinel_password };
		redisAsyncCommandArgv(sc, sentinel_auth_cb, NULL, 2, auth,
		    NULL);
	}
	/* Replies come before messages, in order: hiredis keeps them apart. */
	redisAsyncCommandArgv(sc, sentinel_master_cb, NULL, 3, ask, NULL);
	redisAsyncCommandArgv(sc, sentinel_switch_cb, NULL, 2, sub, NULL);
}

/*
 * Every TICK_MS: reconnect when due; drop a link whose oldest command is
 * too old; give up on a sentinel that is slow to answer; watch again
 * when the subscription was lost; end an outage once the link has held.
 */
static void
redis_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct loa_redis	*r = arg;
	long long		 now = loa_now_ms(), late;

	(void)fd;
	(void)ev;
	/*
	 * A tick late: the loop itself was held up (a long callback, a
	 * stopped or starved process), whether once for long or many
	 * times for less than a tick, as on a starved machine.  That time
	 * is not Redis's: the answers may be waiting unread, or the
	 * commands not yet written.  The clocks of the timeouts move past
	 * it, so that each tick counts at most TICK_MS against Redis.
	 */
	if (now - r->tick_at > TICK_MS) {
		late = now - r->tick_at - TICK_MS;
		r->progress = r->progress + late < now ?
		    r->progress + late : now;
		r->sasked = r->sasked + late < now ? r->sasked + late : now;
	}
	r->tick_at = now;
	if (r->state == RS_DOWN && now >= r->retry_at)
		redis_start(r);
	else if ((r->state == RS_UP || r->state == RS_CONNECTING) &&
	    (r->pending > 0 || r->state == RS_CONNECTING) &&
	    now - r->progress > r->timeout_ms)
		redis_drop(r, "no answer in time");
	if (r->sentinel.master_name != NULL) {
		if (r->sphase == SP_ASKING && now - r->sasked > SENTINEL_MS)
			sentinel_failed(r, "no answer in time");
		else if (r->sphase == SP_IDLE && r->state == RS_UP &&
		    now >= r->watch_at) {
			r->stried = 0;
			sentinel_ask(r);
		}
	}
	if (r->state == RS_UP && now - r->up_at >= STABLE_MS &&
	    (r->refusing || r->backoff_ms != BACKOFF_MIN_MS))
		redis_stable(r);
}

/*
 * A connection named name ("commands") to addr, or, when sentinel names
 * a master, to that master (addr gives only the db).  Everything is
 * copied.  It connects at once, and again whenever lost.
 */
struct loa_redis *
loa_redis_new(struct event_base *base, const struct loa_redis_addr *addr,
    const struct loa_redis_sentinel *sentinel, const char *password,
    const char *sentinel_password, const char *name, long long timeout_ms,
    loa_redis_event_fn on_up, loa_redis_event_fn on_down, void *arg)
{
	struct loa_redis	*r;
	struct timeval		 tv = { 0, TICK_MS * 1000 };

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	if (sentinel != NULL && sentinel->master_name != NULL &&
	    sentinel->naddrs > 0) {
		loa_redis_sentinel_copy(&r->sentinel, sentinel);
		r->addr.db = addr->db;
	} else
		addr_copy(&r->addr, addr);
	r->password = password != NULL ? xstrdup(password) : NULL;
	r->sentinel_password = sentinel_password != NULL ?
	    xstrdup(sentinel_password) : NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->timeout_ms = timeout_ms;
	r->on_up = on_up;
	r->on_down = on_down;
	r->arg = arg;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->down_since = r->tick_at = loa_now_ms();
	r->timer = event_new(base, -1, EV_PERSIST, redis_tick_cb, r);
	event_add(r->timer, &tv);
	redis_start(r);
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

/* Is this error a refusal (see refusals[])? */
static int
refused(const redisReply *rep)
{
	size_t	i, n;

	if (rep == NULL || rep->type != REDIS_REPLY_ERROR)
		return 0;
	for (i = 0; refusals[i] != NULL; i++) {
		n = strlen(refusals[i]);
		if (strncmp(rep->str, refusals[i], n) == 0 &&
		    (rep->str[n] == ' ' || rep->str[n] == '\0'))
			return 1;
	}
	return 0;
}

/*
 * The server refused a command (error err): drop the link, from inside
 * its callback (hiredis frees it when the callback returns).
 */
static void
redis_drop_refused(struct loa_redis *r, const char *err)
{
	char	why[256], *p;

	/* Without "script: SHA, on @user_script:10." of a refused script. */
	snprintf(why, sizeof(why), "%s", err);
	if ((p = strstr(why, " script: ")) != NULL)
		*p = '\0';
	r->drop_refused = 1;
	redis_drop(r, why);
}

static void
redis_reply_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct redis_cmd	*c = priv;
	struct loa_redis	*r = c->r;
	redisReply		*rep = reply;

	if (r->pending > 0)
		r->pending--;
	if (rep != NULL)
		r->progress = loa_now_ms();
	if (refused(rep)) {
		if (r->ac == ac && r->state == RS_UP)
			redis_drop_refused(r, rep->str);
		rep = NULL;
	}
	if (c->cb != NULL)
		c->cb(r, rep, c->arg);
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

/* The embedded script av calls ("EVAL <text> ...", loa_script_argv()). */
static const struct loa_script_ref *
script_of(const struct loa_argv *av)
{
	if (av->script == NULL || av->argc < 2 || av->len[0] != 4 ||
	    memcmp(av->argv[0], "EVAL", 4) != 0)
		return NULL;
	return av->script;
}

/*
 * A command from an argument vector; a call of an embedded script goes as
 * EVALSHA (its text was loaded when the link came up: redis_ready()).
 */
int
loa_redis_cmdv(struct loa_redis *r, loa_redis_cb cb, void *arg,
    const struct loa_argv *av)
{
	const struct loa_script_ref	*s;
	char				*a0, *a1;
	size_t				 l0, l1;
	int				 rc;

	if ((s = script_of(av)) == NULL)
		return loa_redis_cmd(r, cb, arg, av->argc,
		    (const char **)av->argv, av->len);
	/* hiredis formats the command at once: av is put back after. */
	a0 = av->argv[0];
	a1 = av->argv[1];
	l0 = av->len[0];
	l1 = av->len[1];
	av->argv[0] = (char *)"EVALSHA";
	av->len[0] = 7;
	av->argv[1] = (char *)s->sha;
	av->len[1] = strlen(s->sha);
	rc = loa_redis_cmd(r, cb, arg, av->argc, (const char **)av->argv,
	    av->len);
	av->argv[0] = a0;
	av->argv[1] = a1;
	av->len[0] = l0;
	av->len[1] = l1;
	return rc;
}

/* Close after the pending replies (graceful); no reconnect follows. */
void
loa_redis_close(struct loa_redis *r)
{
	sentinel_close(r);
	if (r->ac != NULL && r->state != RS_CLOSING &&
	    r->state != RS_DROPPING) {
		r->state = RS_CLOSING;
		redisAsyncDisconnect(r->ac);
	} else
		r->state = RS_CLOSING;
}

/* Not from one of r's callbacks. */
void
loa_redis_free(struct loa_redis *r)
{
	redisAsyncContext	*ac;

	if (r == NULL)
		return;
	r->state = RS_CLOSING;
	sentinel_close(r);
	if ((ac = r->ac) != NULL) {
		r->ac = NULL;
		redisAsyncFree(ac);
	}
	event_free(r->timer);
	loa_redis_addr_clear(&r->addr);
	loa_redis_sentinel_clear(&r->sentinel);
	if (r->password != NULL)
		explicit_bzero(r->password, strlen(r->password));
	if (r->sentinel_password != NULL)
		explicit_bzero(r->sentinel_password,
		    strlen(r->sentinel_password));
	free(r->password);
	free(r->sentinel_password);
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

/* Add s, which av now owns (a key from the key builder, say). */
void
loa_argv_take(struct loa_argv *av, char *s)
{
	loa_argv_add(av, s);
	free(s);
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

/*
 * A new, empty command appended to the list *v of *n commands (room for
 * *cap, grown as needed): a pipeline built step by step.
 */
struct loa_argv *
loa_argv_push(struct loa_argv **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : 2 * *cap;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	loa_argv_init(&(*v)[*n]);
	return &(*v)[(*n)++];
}

/* Free the *n commands of the list v (which stays allocated); *n = 0. */
void
loa_argv_free_all(struct loa_argv *v, size_t *n)
{
	while (*n > 0)
		loa_argv_free(&v[--*n]);
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
