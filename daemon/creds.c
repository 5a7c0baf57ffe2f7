/*
 * creds.c -- expiring provider credentials (Zalo OA access tokens).
 *
 * The tokens live in Redis, hash <prefix>cred:<provider> (access_token,
 * refresh_token, expires_at in ms), shared by every daemon, and by the
 * sections whose `credentials` key names <provider> (zalo_oa beside
 * zalo_zns: one Official Account, one refresh token): those read, lock
 * and refresh cred:<provider> as their own, and a new token one of them
 * gets goes to the others of the daemon at once (share()).  A refresh
 * token works once, so exactly one daemon refreshes at a time (lock
 * <prefix>cred:<provider>:lock, SET NX PX, released when done or when it
 * expires), and the new refresh token it receives is written to Redis
 * before the new access token is used: a crash can never lose the only
 * valid refresh token.  refresh_token_file seeds the very first refresh
 * only, when Redis has none.  The other daemons see the new tokens on
 * their next look at the hash.
 *
 * A refresh happens when there is no access token, when it expires within
 * REFRESH_AHEAD_MS, or when the provider refuses one (classify answers
 * LOA_OUT_REFRESH) that is still the current one.  While a refresh is
 * wanted or under way, the provider sends nothing (creds_ready() is 0);
 * its deliveries wait in its queue.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"

static void	(*ready_fn)(struct provider *);

#define REFRESH_AHEAD_MS	(60LL * 60 * 1000)	/* refresh 1 h early */
#define LOCK_MS			30000
#define RETRY_MS		5000
#define REFUSED_RETRY_MS	60000

enum creds_state {
	CREDS_NONE = 0,		/* nothing known yet: load */
	CREDS_LOADING,		/* HGETALL under way */
	CREDS_OK,		/* access token in use */
	CREDS_REFRESHING,	/* we hold the lock, refresh under way */
	CREDS_WAITING,		/* another daemon refreshes, or retry later */
};

struct creds {
	enum creds_state	 state;
	char			*access;
	long long		 expires_at;
	int			 gen;		/* bumped per new token */
	int			 want;		/* refresh wanted */
	long long		 next_try;
	struct loa_request	 req;
	char			*key;
	char			*lock;
	const char		*group;		/* whose tokens: the provider's
						   name, or its credentials
						   key's */
	int			 said;		/* refusal logged */
};

static void	creds_load(struct provider *);

/* Who is told that a provider's credentials are ready (flow.c). */
void
creds_on_ready(void (*fn)(struct provider *))
{
	ready_fn = fn;
}

void
creds_init(struct provider *p)
{
	struct creds	*c;

	if (p->mod->refresh_build == NULL || p->mod->refresh_parse == NULL ||
	    p->mod->set_token == NULL)
		return;
	c = xcalloc(1, sizeof(*c));
	/* credentials = <other>: the other section's tokens (config.c). */
	if ((c->group = loa_provider_conf_get(p->conf, "credentials")) ==
	    NULL)
		c->group = p->conf->name;
	c->key = loa_key_cred(loa->cfg.prefix, c->group);
	c->lock = loa_key_cred_lock(loa->cfg.prefix, c->group);
	p->creds = c;
}

void
creds_free(struct provider *p)
{
	struct creds	*c = p->creds;

	if (c == NULL)
		return;
	if (c->access != NULL) {
		explicit_bzero(c->access, strlen(c->access));
		free(c->access);
	}
	free(c->req.body);
	free(c->key);
	free(c->lock);
	free(c);
	p->creds = NULL;
}

int
creds_ready(struct provider *p)
{
	struct creds	*c = p->creds;

	return c == NULL || (c->state == CREDS_OK && !c->want);
}

int
creds_gen(const struct provider *p)
{
	return p->creds != NULL ? p->creds->gen : 0;
}

/* Use token from now on (it is already in Redis). */
static void
adopt(struct provider *p, const char *token, long long expires_at)
{
	struct creds	*c = p->creds;

	if (c->access != NULL) {
		explicit_bzero(c->access, strlen(c->access));
		free(c->access);
	}
	c->access = xstrdup(token);
	c->expires_at = expires_at;
	c->gen++;
	c->want = 0;
	c->state = CREDS_OK;
	p->mod->set_token(p->state, c->access);
	if (ready_fn != NULL)
		ready_fn(p);	/* what waited for credentials goes */
}

/*
 * A request built with credentials of generation gen was refused: refresh,
 * unless that was already done (many requests fail with the same token).
 */
void
creds_refresh(struct provider *p, int gen)
{
	struct creds	*c = p->creds;

	if (c == NULL || gen != c->gen || c->want)
		return;
	c->want = 1;
	if (c->state == CREDS_OK)
		c->state = CREDS_NONE;
	creds_load(p);
}

static void
unlock(struct provider *p)
{
	struct loa_argv	 av;

	loa_script_argv(&av, loa_script_unlock, loa->cfg.prefix);
	loa_argv_add(&av, p->creds->group);
	loa_argv_add(&av, loa->consumer);
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
}

/*
 * p's new token is in Redis: the providers of this daemon that share
 * its credentials (the same key) take it now rather than at their next
 * look, and waste no request on the old one.
 */
static void
share(struct provider *p)
{
	struct creds	*c = p->creds, *o;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		o = loa->providers[i].creds;
		if (o == NULL || o == c || strcmp(o->key, c->key) != 0 ||
		    o->state == CREDS_REFRESHING)
			continue;
		if (o->access == NULL || strcmp(o->access, c->access) != 0)
			adopt(&loa->providers[i], c->access, c->expires_at);
	}
}

/* The config of the section named name, or NULL. */
static const struct loa_provider_conf *
conf_named(const char *name)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		if (strcmp(loa->providers[i].conf->name, name) == 0)
			return loa->providers[i].conf;
	return NULL;
}

struct stored {
	struct provider	*p;
	char		*access;
	long long	 expires_at;
};

static void
stored_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct stored	*st = arg;
	struct provider	*p = st->p;

	(void)r;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		/* Not stored: not used; the lock expires, we try again. */
		log_warnx("provider %s: new tokens could not be stored in "
		    "Redis; not used", p->conf->name);
		p->creds->state = CREDS_WAITING;
		p->creds->next_try = loa_now_ms() + RETRY_MS;
	} else {
		log_info("provider %s: access token refreshed (valid %lld s)",
		    p->conf->name, (st->expires_at - loa_now_ms()) / 1000);
		adopt(p, st->access, st->expires_at);
		share(p);
		unlock(p);
	}
	explicit_bzero(st->access, strlen(st->access));
	free(st->access);
	free(st);
}

static void
refresh_cb(const struct loa_response *resp, enum http_fate fate, void *arg)
{
	struct provider		*p = arg;
	struct creds		*c = p->creds;
	struct loa_credentials	 cred;
	struct loa_result	 res;
	struct loa_argv		 av;
	struct stored		*st;

	(void)fate;	/* the plugin judges what came back, if anything */
	memset(&cred, 0, sizeof(cred));
	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	free(c->req.body);
	memset(&c->req, 0, sizeof(c->req));
	if (p->mod->refresh_parse(p->state, resp, &cred, &res) == -1 ||
	    cred.access_token[0] == '\0') {
		c->state = CREDS_WAITING;
		if (res.outcome == LOA_OUT_PROVIDER_DOWN) {
			if (!c->said)
				log_warnx("provider %s: the refresh token was "
				    "refused (%s): give it a new one "
				    "(refresh_token_file, then delete %s)",
				    p->conf->name, res.reason, c->key);
			c->said = 1;
			c->next_try = loa_now_ms() + REFUSED_RETRY_MS;
		} else {
			log_warnx("provider %s: token refresh failed (%s); "
			    "trying again", p->conf->name, res.reason[0] ?
			    res.reason : "no answer");
			c->next_try = loa_now_ms() + RETRY_MS;
		}
		unlock(p);
		explicit_bzero(&cred, sizeof(cred));
		return;
	}
	c->said = 0;
	st = xcalloc(1, sizeof(*st));
	st->p = p;
	st->access = xstrdup(cred.access_token);
	st->expires_at = loa_now_ms() + (cred.expires_in_s > 0 ?
	    cred.expires_in_s : 25 * 3600) * 1000LL;
	/* The rotated refresh token is stored before anything uses it. */
	loa_argv_init(&av);
	loa_argv_add(&av, "HSET");
	loa_argv_add(&av, c->key);
	loa_argv_add(&av, "access_token");
	loa_argv_add(&av, cred.access_token);
	loa_argv_add(&av, "expires_at");
	loa_argv_addf(&av, "%lld", st->expires_at);
	if (cred.refresh_token[0] != '\0') {
		loa_argv_add(&av, "refresh_token");
		loa_argv_add(&av, cred.refresh_token);
	}
	if (loa_redis_cmdv(loa->rc, stored_cb, st, &av) == -1)
		stored_cb(loa->rc, NULL, st);
	loa_argv_free(&av);
	explicit_bzero(&cred, sizeof(cred));
}

struct lockarg {
	struct provider	*p;
	char		*refresh;
};

static void
lock_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct lockarg		*la = arg;
	struct provider		*p = la->p;
	struct creds		*c = p->creds;
	struct loa_result	 res;

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_STATUS) {
		/* Another daemon refreshes: watch the hash. */
		c->state = CREDS_WAITING;
		c->next_try = loa_now_ms() + 500;
		goto out;
	}
	memset(&res, 0, sizeof(res));
	memset(&c->req, 0, sizeof(c->req));
	if (p->mod->refresh_build(p->state, la->refresh, &c->req, &res) ==
	    -1) {
		log_warnx("provider %s: cannot build the token refresh: %s",
		    p->conf->name, res.reason);
		c->state = CREDS_WAITING;
		c->next_try = loa_now_ms() + REFUSED_RETRY_MS;
		unlock(p);
		goto out;
	}
	c->state = CREDS_REFRESHING;
	http_request(p, &c->req, refresh_cb, p);
out:
	explicit_bzero(la->refresh, strlen(la->refresh));
	free(la->refresh);
	free(la);
}

static const char *
hfield(redisReply *rep, const char *name)
{
	size_t	i;

	for (i = 0; i + 1 < rep->elements; i += 2)
		if (strcmp(rep->element[i]->str, name) == 0 &&
		    rep->element[i + 1]->type == REDIS_REPLY_STRING)
			return rep->element[i + 1]->str;
	return NULL;
}

static void
load_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	struct provider	*p = arg;
	struct creds	*c = p->creds;
	struct lockarg	*la;
	const char	*access, *refresh, *exp, *path;
	char		*seed = NULL, err[512];
	long long	 expires_at, now = loa_now_ms();
	const char	*argv[7];

	(void)r;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		c->state = CREDS_WAITING;
		c->next_try = now + RETRY_MS;
		return;
	}
	access = hfield(rep, "access_token");
	refresh = hfield(rep, "refresh_token");
	exp = hfield(rep, "expires_at");
	expires_at = exp != NULL ? strtoll(exp, NULL, 10) : 0;
	/* A newer token than ours (another daemon refreshed): take it. */
	if (access != NULL && expires_at - now > REFRESH_AHEAD_MS / 12 &&
	    (c->access == NULL || strcmp(access, c->access) != 0)) {
		adopt(p, access, expires_at);
		if (expires_at - now > REFRESH_AHEAD_MS)
			return;
	}
	if (c->state == CREDS_OK && !c->want &&
	    expires_at - now > REFRESH_AHEAD_MS)
		return;
	/* Refresh, if we get the lock. */
	if (refresh == NULL) {
		path = loa_provider_conf_get(p->conf, "refresh_token_file");
		if (path == NULL && conf_named(c->group) != NULL)
			path = loa_provider_conf_get(conf_named(c->group),
			    "refresh_token_file");
		if (path == NULL || loa_read_secret(path, &seed, err,
		    sizeof(err)) == -1) {
			if (!c->said)
				log_warnx("provider %s: no refresh token in "
				    "Redis and none readable from "
				    "refresh_token_file (%s)", p->conf->name,
				    path != NULL ? err : "not set");
			c->said = 1;
			c->state = c->state == CREDS_OK ? CREDS_OK :
			    CREDS_WAITING;
			c->next_try = now + REFUSED_RETRY_MS;
			return;
		}
		refresh = seed;
	}
	la = xcalloc(1, sizeof(*la));
	la->p = p;
	la->refresh = xstrdup(refresh);
	if (seed != NULL) {
		explicit_bzero(seed, strlen(seed));
		free(seed);
	}
	argv[0] = "SET";
	argv[1] = c->lock;
	argv[2] = loa->consumer;
	argv[3] = "NX";
	argv[4] = "PX";
	argv[5] = "30000";
	c->state = CREDS_LOADING;
	if (loa_redis_cmd(loa->rc, lock_cb, la, 6, argv, NULL) == -1)
		lock_cb(loa->rc, NULL, la);
}

static void
creds_load(struct provider *p)
{
	struct creds	*c = p->creds;
	const char	*argv[2];

	if (c->state == CREDS_LOADING || c->state == CREDS_REFRESHING)
		return;
	argv[0] = "HGETALL";
	argv[1] = c->key;
	if (loa_redis_cmd(loa->rc, load_cb, p, 2, argv, NULL) == 0) {
		if (c->state != CREDS_OK)
			c->state = CREDS_LOADING;
	} else
		c->next_try = loa_now_ms() + RETRY_MS;
}

/* From the cron: first load, retries, and refresh ahead of expiry. */
void
creds_tick(void)
{
	long long	now = loa_now_ms();
	int		i;

	if (!loa_redis_up(loa->rc))
		return;
	for (i = 0; i < loa->nproviders; i++) {
		struct provider *p = &loa->providers[i];
		struct creds *c = p->creds;
		if (c == NULL || now < c->next_try)
			continue;
		if (c->state == CREDS_NONE || c->state == CREDS_WAITING ||
		    (c->state == CREDS_OK && c->expires_at - now <
		    REFRESH_AHEAD_MS)) {
			c->next_try = now + 500;
			creds_load(p);
		}
	}
}
