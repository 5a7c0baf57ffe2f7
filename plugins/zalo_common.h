/*
 * zalo_common.h -- what the Zalo plugins (zalo_zns, zalo_oa) share: the
 * Official Account's access token and its OAuth v4 refresh.
 *
 * ZNS and OA messages are sent with the same OA access token, refreshed
 * the same way (shared/providers.md, "Zalo ZNS" and "Zalo Official
 * Account"): one refresh token, single-use, rotated by every refresh.
 * Both plugins read the same keys for it (app_id, app_secret_file,
 * oauth_url) and build and read the refresh with the functions here, so
 * that two sections of loa.conf can share one token (the daemon's
 * `credentials` key) whichever of the two refreshes it.
 *
 * Everything is static inline: each plugin is one shared object built
 * from its own .c file, and a function one of them does not use costs
 * nothing.  Secrets and tokens are never logged.
 */
#ifndef LOA_ZALO_COMMON_H
#define LOA_ZALO_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

#define ZALO_OAUTH_URL	"https://oauth.zaloapp.com"

/* What a refresh needs, read by zalo_app_init(). */
struct zalo_app {
	char		*oauth_url;	/* without a trailing '/' */
	const char	*app_id;	/* owned by the host */
	const char	*app_secret;	/* owned by the host; secret */
};

/*
 * Whether s can be sent as an HTTP header value unchanged: visible ASCII
 * only (tokens and keys have no spaces, and CR or LF would inject
 * headers).
 */
static inline int
zalo_header_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * Copy of the URL in key (or def when unset) without trailing slashes, or
 * NULL after logging when it is not an http(s) URL.
 */
static inline char *
zalo_url(const struct loa_host *host, const char *key, const char *def)
{
	const char	*v = host->config(host->hctx, key);
	char		*u;
	size_t		 len;

	if (v == NULL)
		v = def;
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
	    !zalo_header_safe(v)) {
		host->log(host->hctx, LOA_LOG_ERR, "%s: want an http(s):// URL",
		    key);
		return NULL;
	}
	if ((u = strdup(v)) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "%s: out of memory", key);
		return NULL;
	}
	len = strlen(u);
	while (len > 0 && u[len - 1] == '/')
		u[--len] = '\0';
	return u;
}

/*
 * Read Zalo's "error" member: an integer, or an integer written as a
 * string (Zalo writes most numbers as strings).  Returns 0 and sets *out,
 * or -1 when v is absent or not an integer.
 */
static inline int
zalo_integer(const json_t *v, long long *out)
{
	const char	*s, *end;
	char		*e;
	long long	 n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	end = s + json_string_length(v);
	if (s == end || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	n = strtoll(s, &e, 10);
	if (e != end)
		return -1;
	*out = n;
	return 0;
}

/*
 * Read oauth_url, app_id and app_secret_file into app.  Returns 0, or -1
 * after logging the key at fault (no app_id, no usable app secret: a
 * refresh needs both).
 */
static inline int
zalo_app_init(const struct loa_host *host, struct zalo_app *app)
{
	memset(app, 0, sizeof(*app));
	if ((app->oauth_url = zalo_url(host, "oauth_url",
	    ZALO_OAUTH_URL)) == NULL)
		return -1;
	app->app_id = host->config(host->hctx, "app_id");
	if (app->app_id == NULL || *app->app_id == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "app_id is required (the "
		    "Zalo application id)");
		goto fail;
	}
	app->app_secret = host->secret(host->hctx, "app_secret_file");
	if (app->app_secret == NULL || *app->app_secret == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "app_secret_file is "
		    "required (the app secret key, for token refresh)");
		goto fail;
	}
	if (!zalo_header_safe(app->app_secret)) {
		host->log(host->hctx, LOA_LOG_ERR, "app_secret_file: the "
		    "secret holds spaces or control characters");
		goto fail;
	}
	return 0;
fail:
	free(app->oauth_url);
	app->oauth_url = NULL;
	return -1;
}

static inline void
zalo_app_free(struct zalo_app *app)
{
	free(app->oauth_url);
	app->oauth_url = NULL;
}

/* Forget the access token in *tok (wiped first). */
static inline void
zalo_forget_token(char **tok)
{
	if (*tok != NULL) {
		explicit_bzero(*tok, strlen(*tok));
		free(*tok);
		*tok = NULL;
	}
}

/* Keep a copy of access_token in *tok (NULL or "" forgets it). */
static inline void
zalo_keep_token(const struct loa_host *host, char **tok,
    const char *access_token)
{
	zalo_forget_token(tok);
	if (access_token == NULL || *access_token == '\0')
		return;
	if ((*tok = strdup(access_token)) == NULL)
		host->log(host->hctx, LOA_LOG_ERR, "set_token: out of memory");
}

/*
 * The headers of a JSON request sent with the access token tok (copied
 * into req->hbuf).  Returns 0, or -1 with REFRESH "no_token" before a
 * token came, "bad_token" for one that cannot go in a header.
 */
static inline int
zalo_token_headers(const char *tok, struct loa_request *req,
    struct loa_result *res)
{
	size_t	len;

	if (tok == NULL) {
		plug_result(res, LOA_OUT_REFRESH, "no_token");
		return -1;
	}
	len = strlen(tok);
	if (len >= sizeof(req->hbuf) || !zalo_header_safe(tok)) {
		plug_result(res, LOA_OUT_REFRESH, "bad_token");
		return -1;
	}
	memcpy(req->hbuf, tok, len + 1);
	req->headers[0].name = "Content-Type";
	req->headers[0].value = "application/json";
	req->headers[1].name = "access_token";
	req->headers[1].value = req->hbuf;
	req->nheaders = 2;
	return 0;
}

/*
 * req becomes a POST of body (malloc'd JSON, taken), or, when body is
 * NULL (it could not be encoded), -1 with FAILED why.
 */
static inline int
zalo_post(struct loa_request *req, struct loa_result *res, char *body,
    const char *why)
{
	if (body == NULL) {
		plug_result(res, LOA_OUT_FAILED, "%s", why);
		return -1;
	}
	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	req->body = body;
	req->body_len = strlen(body);
	return 0;
}

/*
 * Contract: the form POST that trades refresh_token for new tokens, with
 * the app secret in the secret_key header.  Fails only without a refresh
 * token (PROVIDER_DOWN "no_refresh_token": an operator must supply one).
 */
static inline int
zalo_refresh_build(const struct zalo_app *app, const char *refresh_token,
    struct loa_request *req, struct loa_result *res)
{
	static const char	 pre[] = "refresh_token=", mid[] = "&app_id=",
				 post[] = "&grant_type=refresh_token";
	char			*body, *p;
	size_t			 cap, slen;
	int			 n;

	if (refresh_token == NULL || *refresh_token == '\0') {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "no_refresh_token");
		return -1;
	}
	slen = strlen(app->app_secret);
	if (slen >= sizeof(req->hbuf)) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "secret_too_long");
		return -1;
	}
	n = snprintf(req->url, sizeof(req->url), "%s/v4/oa/access_token",
	    app->oauth_url);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "url_too_long");
		return -1;
	}
	cap = sizeof(pre) + plug_pct_len(refresh_token) + sizeof(mid) +
	    plug_pct_len(app->app_id) + sizeof(post);
	if ((body = malloc(cap)) == NULL) {
		plug_result(res, LOA_OUT_RETRY, "no_memory");
		return -1;
	}
	p = plug_pct_append(stpcpy(body, pre), refresh_token);
	p = plug_pct_append(stpcpy(p, mid), app->app_id);
	strcpy(p, post);

	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	memcpy(req->hbuf, app->app_secret, slen + 1);
	req->headers[0].name = "Content-Type";
	req->headers[0].value = "application/x-www-form-urlencoded";
	req->headers[1].name = "secret_key";
	req->headers[1].value = req->hbuf;
	req->nheaders = 2;
	req->body = body;
	req->body_len = strlen(body);
	return 0;
}

/*
 * A token member of the refresh answer: copied into dst (of size len)
 * when it is a non-empty header-safe string that fits.
 */
static inline int
zalo_token_member(const json_t *root, const char *key, char *dst, size_t len)
{
	const json_t	*v = json_object_get(root, key);
	const char	*s;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (json_string_length(v) >= len || !zalo_header_safe(s))
		return -1;
	memcpy(dst, s, json_string_length(v) + 1);
	return 0;
}

/*
 * Contract: reads the refresh answer.  Returns 0 with cred filled
 * (access_token, the rotated refresh_token, expires_in_s: Zalo writes it
 * as a string, a number is accepted, absent is 0).  Returns -1 with
 * RETRY for no answer, 5xx, 429 or an answer without both tokens
 * ("bad_answer"); PROVIDER_DOWN "zalo_refresh_<code>" for a JSON error
 * (the refresh token or the app is refused: no later try can succeed
 * without an operator) and "http_N" for another status without one.
 */
static inline int
zalo_refresh_parse(const struct loa_response *resp,
    struct loa_credentials *cred, struct loa_result *res)
{
	json_t		*root = NULL;
	long long	 code, exp = 0;
	const json_t	*ev;
	int		 rc = -1;

	if (loa_classify_transport(resp, res))
		return -1;
	if (resp->body != NULL)
		root = json_loadb(resp->body, resp->body_len, 0, NULL);
	if (json_is_object(root) &&
	    zalo_integer(json_object_get(root, "error"), &code) == 0 &&
	    code != 0) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "zalo_refresh_%lld",
		    code);
		goto out;
	}
	if (resp->http_status < 200 || resp->http_status >= 300) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "http_%d",
		    resp->http_status);
		goto out;
	}
	if (!json_is_object(root))
		goto bad;
	ev = json_object_get(root, "expires_in");
	if (ev != NULL && (zalo_integer(ev, &exp) == -1 || exp < 0 ||
	    exp > 100L * 365 * 86400))
		goto bad;
	if (zalo_token_member(root, "access_token", cred->access_token,
	    sizeof(cred->access_token)) == -1 ||
	    zalo_token_member(root, "refresh_token", cred->refresh_token,
	    sizeof(cred->refresh_token)) == -1) {
		explicit_bzero(cred->access_token,
		    sizeof(cred->access_token));
		goto bad;
	}
	cred->expires_in_s = (long)exp;
	rc = 0;
	goto out;

bad:
	plug_result(res, LOA_OUT_RETRY, "bad_answer");
out:
	json_decref(root);
	return rc;
}

/*
 * The first member of each Zalo plugin's state, so that the callbacks
 * below serve both plugins as they are.
 */
struct zalo_base {
	const struct loa_host	*host;
	char			*base_url;	/* without a trailing '/' */
	struct zalo_app		 app;
	char			*token;		/* access token, or NULL */
	time_t			 id_warned;	/* plug_once_a_minute() */
};

/*
 * A plugin's state of size bytes (struct zalo_base first), zeroed, with
 * its head read from the config: base_url (def when unset), oauth_url,
 * app_id, app_secret_file.  NULL after logging what is wrong.
 */
static inline void *
zalo_base_new(const struct loa_host *host, size_t size, const char *def)
{
	struct zalo_base	*b;

	if ((b = calloc(1, size)) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return NULL;
	}
	b->host = host;
	if ((b->base_url = zalo_url(host, "base_url", def)) == NULL ||
	    zalo_app_init(host, &b->app) == -1) {
		free(b->base_url);
		free(b);
		return NULL;
	}
	return b;
}

/* Free a state zalo_base_new() made (NULL: nothing), token wiped. */
static inline void
zalo_base_free(struct zalo_base *b)
{
	if (b == NULL)
		return;
	zalo_forget_token(&b->token);
	free(b->base_url);
	zalo_app_free(&b->app);
	free(b);
}

/* Contract: zalo_refresh_build() for the plugin's state. */
static inline int
zalo_cb_refresh_build(void *state, const char *refresh_token,
    struct loa_request *req, struct loa_result *res)
{
	struct zalo_base	*b = state;

	return zalo_refresh_build(&b->app, refresh_token, req, res);
}

/* Contract: zalo_refresh_parse(). */
static inline int
zalo_cb_refresh_parse(void *state, const struct loa_response *resp,
    struct loa_credentials *cred, struct loa_result *res)
{
	(void)state;
	return zalo_refresh_parse(resp, cred, res);
}

/* Contract: keeps a copy of access_token (NULL forgets the token). */
static inline void
zalo_cb_set_token(void *state, const char *access_token)
{
	struct zalo_base	*b = state;

	zalo_keep_token(b->host, &b->token, access_token);
}

/*
 * Contract: transport failures, 5xx and 429 are the daemon's common
 * reading; a 2xx answer is read as Zalo JSON ("error" 0 is sent, with
 * data.<id_key> kept when it passes the message-id rule, one that does
 * not said at most once a minute; a non-zero error goes through
 * outcome(), the plugin's table; anything else is retried as
 * "bad_answer"); another status is failed "http_N", unless its body
 * carries a Zalo error code, which then decides.
 */
static inline void
zalo_classify(struct zalo_base *b, const struct loa_response *resp,
    struct loa_result *res, const char *id_key,
    void (*outcome)(const struct zalo_base *, long long,
    struct loa_result *))
{
	json_t		*root = NULL;
	long long	 code;
	int		 have_code, ok2xx;

	if (loa_classify_transport(resp, res))
		return;
	ok2xx = resp->http_status >= 200 && resp->http_status < 300;
	if (resp->body != NULL)
		root = json_loadb(resp->body, resp->body_len, 0, NULL);
	have_code = json_is_object(root) &&
	    zalo_integer(json_object_get(root, "error"), &code) == 0;

	if (ok2xx && have_code && code == 0) {
		res->outcome = LOA_OUT_SENT;
		res->reason[0] = '\0';
		if (plug_json_id(res->provider_id, sizeof(res->provider_id),
		    json_object_get(json_object_get(root, "data"), id_key)) ==
		    -2 && plug_once_a_minute(&b->id_warned))
			b->host->log(b->host->hctx, LOA_LOG_WARN, "%s is not 1 "
			    "to %d visible ASCII characters, not kept (said at "
			    "most once a minute)", id_key, LOA_PROVIDER_ID_MAX);
	} else if (have_code && code != 0)
		outcome(b, code, res);
	else if (ok2xx)
		plug_result(res, LOA_OUT_RETRY, "bad_answer");
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", resp->http_status);
	json_decref(root);
}

#endif
