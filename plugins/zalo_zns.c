/*
 * zalo_zns.c -- the Zalo ZNS provider: template notifications to a phone.
 *
 * A ZNS message is a template registered with Zalo, filled with the job's
 * template data and sent to a phone number through the Official Account's
 * API (shared/providers.md, "Zalo ZNS"):
 *
 *   POST {base_url}/message/template
 *   Content-Type: application/json
 *   access_token: <OA access token>
 *
 *   {"phone":"849...","template_id":"..","template_data":{..},
 *    "tracking_id":"<delivery id>"}
 *
 * Zalo answers HTTP 200 for nearly everything; the verdict is the "error"
 * member of the JSON answer, which classify() maps onto Loa's outcomes
 * (the table is in zns_code_outcome()).
 *
 * The OA access token lives 25 hours.  The plugin only builds the refresh
 * request and reads its answer; the daemon stores the tokens, serialises
 * refreshes and hands every new access token to set_token().  Zalo's
 * refresh tokens are single-use: each answer carries the next one, which
 * refresh_parse() returns in cred->refresh_token.
 *
 * Delivery reports: Zalo POSTs a JSON event to /webhooks/<name>, signed
 * with X-ZEvent-Signature: mac=<hex SHA-256(app_id + raw body + timestamp
 * + OA secret key)>, app_id and timestamp being the values inside the
 * body.  report() checks the signature (oa_secret_file) before it trusts
 * anything, then the app_id, then that the event's timestamp lies
 * within webhook_max_age (1 h) before our clock and webhook_max_ahead
 * (5 min) after it, so that a signed event captured once cannot be
 * replayed for ever, and turns user_received_message into one DELIVERED
 * report for message.msg_id.  Without oa_secret_file every report is
 * refused.
 *
 * Residents' messages (inbound(), ABI 1.2) reach the same URL: the OA has
 * one webhook.  inbound() makes the same checks, then reads the event
 * with zalo_events.h (shared with zalo_oa.c): a text, a follow or
 * unfollow, an image, location or shared info.
 *
 * Secrets (the app secret, the OA secret, the tokens) are never logged;
 * neither are phone numbers or report bodies.  Result reasons are short
 * codes such as "zalo_-118".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "loa/provider.h"

#include "plugin.h"
#include "zalo_events.h"

#define ZNS_BASE_URL	"https://business.openapi.zalo.me"
#define ZNS_OAUTH_URL	"https://oauth.zaloapp.com"
#define ZNS_SIG_HEADER	"X-ZEvent-Signature"
#define ZNS_SHA256_LEN	32
/*
 * How far an event's timestamp may lie from our clock (webhook_max_age,
 * webhook_max_ahead).  Zalo wants an answer within about 2 s and may
 * deliver an event twice; it documents no retry schedule, so an hour
 * back covers its retries and an outage of ours of that length (the same
 * hour an early report is kept), and five minutes ahead covers clocks
 * that disagree.  Outside the window a correctly signed event is a
 * replay: refused.  Inside it a replay applies once (the daemon's
 * reports are idempotent).
 */
#define ZNS_MAX_AGE_S	3600
#define ZNS_MAX_AHEAD_S	300
#define ZNS_WINDOW_MAX_S (366LL * 86400)	/* the widest either may be */

static const char *const zns_keys[] = {
	"base_url", "oauth_url", "app_id", "app_secret_file", "oa_secret_file",
	"refresh_token_file", "mode", "webhook_max_age", "webhook_max_ahead",
	NULL
};

struct zns {
	const struct loa_host	*host;
	time_t			 id_warned;	/* plug_once_a_minute() */
	char			*base_url;	/* without a trailing '/' */
	char			*oauth_url;	/* without a trailing '/' */
	const char		*app_id;	/* owned by the host */
	const char		*app_secret;	/* owned by the host; secret */
	const char		*oa_secret;	/* owned by the host; secret;
						   NULL: reports refused */
	int			 development;	/* "mode":"development" */
	long long		 max_age_ms;	/* webhook timestamp window */
	long long		 max_ahead_ms;
	char			*token;		/* access token, or NULL */
};

/*
 * Whether s can be sent as an HTTP header value unchanged: visible ASCII
 * only (tokens and keys have no spaces, and CR or LF would inject
 * headers).
 */
static int
zns_header_safe(const char *s)
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
static char *
zns_url(const struct loa_host *host, const char *key, const char *def)
{
	const char	*v = host->config(host->hctx, key);
	char		*u;
	size_t		 len;

	if (v == NULL)
		v = def;
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
	    !zns_header_safe(v)) {
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
static int
zns_integer(const json_t *v, long long *out)
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
 * A window bound from key: seconds, or a number with s, m, h or d, from 1 s
 * to ZNS_WINDOW_MAX_S; def when unset.  Returns 0, or -1 after logging.
 */
static int
zns_window(const struct loa_host *host, const char *key, long long def,
    long long *ms)
{
	const char	*v = host->config(host->hctx, key);
	char		*end;
	long long	 n, mult = 1;

	if (v == NULL) {
		*ms = def * 1000;
		return 0;
	}
	n = (*v >= '0' && *v <= '9') ? strtoll(v, &end, 10) : -1;
	if (n >= 0) {
		if (strcmp(end, "m") == 0)
			mult = 60;
		else if (strcmp(end, "h") == 0)
			mult = 3600;
		else if (strcmp(end, "d") == 0)
			mult = 86400;
		else if (*end != '\0' && strcmp(end, "s") != 0)
			n = -1;
	}
	if (n < 1 || n > ZNS_WINDOW_MAX_S / mult) {
		host->log(host->hctx, LOA_LOG_ERR, "%s: want seconds (or N "
		    "with s, m, h or d) from 1 s to 366 d", key);
		return -1;
	}
	*ms = n * mult * 1000;
	return 0;
}

/*
 * Contract: reads the config.  Returns -1, after logging the key at
 * fault, without app_id or a usable app secret (a refresh needs it), for
 * a URL that is not http(s), an unknown mode, a bad webhook_max_age or
 * webhook_max_ahead, or an oa_secret_file that is set but cannot be read
 * or is empty.  Without oa_secret_file, logs
 * once (info) that delivery reports will be refused.  No token yet:
 * build() asks for a refresh until set_token() gives one.
 */
static int
zns_create(const struct loa_host *host, void **state)
{
	struct zns	*z;
	const char	*mode;

	if ((z = calloc(1, sizeof(*z))) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return -1;
	}
	z->host = host;
	if ((z->base_url = zns_url(host, "base_url", ZNS_BASE_URL)) == NULL ||
	    (z->oauth_url = zns_url(host, "oauth_url", ZNS_OAUTH_URL)) == NULL)
		goto fail;

	z->app_id = host->config(host->hctx, "app_id");
	if (z->app_id == NULL || *z->app_id == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "app_id is required (the "
		    "Zalo application id)");
		goto fail;
	}
	z->app_secret = host->secret(host->hctx, "app_secret_file");
	if (z->app_secret == NULL || *z->app_secret == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "app_secret_file is "
		    "required (the app secret key, for token refresh)");
		goto fail;
	}
	if (!zns_header_safe(z->app_secret)) {
		host->log(host->hctx, LOA_LOG_ERR, "app_secret_file: the "
		    "secret holds spaces or control characters");
		goto fail;
	}
	/* The OA secret key checks delivery reports (webhooks). */
	if (plug_report_secret(host, "oa_secret_file", &z->oa_secret) == -1)
		goto fail;
	/* refresh_token_file is read by the daemon, never here. */
	if (zns_window(host, "webhook_max_age", ZNS_MAX_AGE_S,
	    &z->max_age_ms) == -1 || zns_window(host, "webhook_max_ahead",
	    ZNS_MAX_AHEAD_S, &z->max_ahead_ms) == -1)
		goto fail;

	mode = host->config(host->hctx, "mode");
	if (mode != NULL && strcmp(mode, "development") == 0)
		z->development = 1;
	else if (mode != NULL && strcmp(mode, "production") != 0) {
		host->log(host->hctx, LOA_LOG_ERR, "mode: want development "
		    "or production");
		goto fail;
	}
	*state = z;
	return 0;

fail:
	free(z->base_url);
	free(z->oauth_url);
	free(z);
	return -1;
}

static void
zns_forget_token(struct zns *z)
{
	if (z->token != NULL) {
		explicit_bzero(z->token, strlen(z->token));
		free(z->token);
		z->token = NULL;
	}
}

static void
zns_destroy(void *state)
{
	struct zns	*z = state;

	if (z == NULL)
		return;
	zns_forget_token(z);
	free(z->base_url);
	free(z->oauth_url);
	free(z);
}

/*
 * The template data as a JSON object whose values are all strings (a new
 * reference), or NULL.  No data at all is an empty object: Zalo judges.
 */
static json_t *
zns_template_data(const char *text)
{
	json_t		*o, *v;
	const char	*k;

	if (text == NULL || *text == '\0')
		return json_object();
	if ((o = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_object_foreach(o, k, v) {
		if (!json_is_string(v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * Contract: fills req for one ZNS message.  Fails (-1) with FALLBACK
 * "no_phone" when the resident has no phone (ZNS needs one, a zalo_uid
 * alone is not enough), REFRESH "no_token" before set_token() was given
 * a token ("bad_token" for one that cannot go in a header), and FAILED
 * for a message that cannot be expressed ("no_template_id",
 * "bad_template_data": not a JSON object of strings).
 */
static int
zns_build(void *state, const struct loa_message *m, struct loa_request *req,
    struct loa_result *res)
{
	struct zns	*z = state;
	json_t		*o, *data, *phone, *tid, *track;
	char		*body;
	size_t		 tlen;
	int		 n;

	if (m->to == NULL || *m->to == '\0') {
		plug_result(res, LOA_OUT_FALLBACK, "no_phone");
		return -1;
	}
	if (m->template_id == NULL || *m->template_id == '\0') {
		plug_result(res, LOA_OUT_FAILED, "no_template_id");
		return -1;
	}
	if (z->token == NULL) {
		plug_result(res, LOA_OUT_REFRESH, "no_token");
		return -1;
	}
	tlen = strlen(z->token);
	if (tlen >= sizeof(req->hbuf) || !zns_header_safe(z->token)) {
		plug_result(res, LOA_OUT_REFRESH, "bad_token");
		return -1;
	}
	if ((data = zns_template_data(m->template_data)) == NULL) {
		plug_result(res, LOA_OUT_FAILED, "bad_template_data");
		return -1;
	}
	n = snprintf(req->url, sizeof(req->url), "%s/message/template",
	    z->base_url);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		json_decref(data);
		plug_result(res, LOA_OUT_FAILED, "url_too_long");
		return -1;
	}

	/* json_string() is NULL for text that is not UTF-8. */
	phone = json_string(m->to);
	tid = json_string(m->template_id);
	track = json_string(m->delivery_id != NULL ? m->delivery_id : "");
	body = NULL;
	if (phone != NULL && tid != NULL && track != NULL &&
	    (o = json_object()) != NULL) {
		json_object_set_new(o, "phone", phone);
		json_object_set_new(o, "template_id", tid);
		json_object_set_new(o, "template_data", data);
		json_object_set_new(o, "tracking_id", track);
		if (z->development)
			json_object_set_new(o, "mode",
			    json_string("development"));
		body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else {
		json_decref(phone);
		json_decref(tid);
		json_decref(track);
		json_decref(data);
	}
	if (body == NULL) {
		plug_result(res, LOA_OUT_FAILED, "cannot_encode");
		return -1;
	}

	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	memcpy(req->hbuf, z->token, tlen + 1);
	req->headers[0].name = "Content-Type";
	req->headers[0].value = "application/json";
	req->headers[1].name = "access_token";
	req->headers[1].value = req->hbuf;
	req->nheaders = 2;
	req->body = body;
	req->body_len = strlen(body);
	return 0;
}

/*
 * Zalo's error codes, as shared/providers.md decides to treat them.
 * Codes not listed are permanent for the message.
 */
static void
zns_code_outcome(long long code, struct loa_result *res)
{
	enum loa_outcome	o;

	switch (code) {
	case -100:			/* unknown error, try later */
		o = LOA_OUT_RETRY;
		break;
	case -101:			/* app invalid */
	case -102:			/* app does not exist */
	case -103:			/* app not activated */
	case -104:			/* bad app secret */
	case -105:			/* no OA linked */
	case -115:			/* out of quota or balance */
		o = LOA_OUT_PROVIDER_DOWN;
		break;
	case -108:			/* phone number invalid */
	case -114:			/* user inactive or refused */
	case -118:			/* no Zalo account */
		o = LOA_OUT_FALLBACK;
		break;
	case -124:			/* access token invalid */
		o = LOA_OUT_REFRESH;
		break;
	default:			/* -109, -111, -112 and others */
		o = LOA_OUT_FAILED;
		break;
	}
	plug_result(res, o, "zalo_%lld", code);
}

/*
 * The text of a string or integer member (Zalo writes numbers either way)
 * into buf (size bytes), which is left alone on failure.  Returns 0, -1
 * when v is neither, -2 when the text does not fit.
 */
static int
zns_text(const json_t *v, char *buf, size_t size)
{
	char		 num[32];
	const char	*t;
	size_t		 n;

	if (json_is_string(v))
		t = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		t = num;
	} else
		return -1;
	if ((n = strlen(t)) >= size)
		return -2;
	memcpy(buf, t, n + 1);
	return 0;
}

/*
 * Copy a message id (string or number) into res->provider_id when it
 * passes the message-id rule (plug_json_id); one that does not is not
 * kept, and said (without its bytes).
 */
static void
zns_msg_id(struct zns *z, const json_t *v, struct loa_result *res)
{
	if (plug_json_id(res->provider_id, sizeof(res->provider_id), v) ==
	    -2 && plug_once_a_minute(&z->id_warned))
		z->host->log(z->host->hctx, LOA_LOG_WARN, "msg_id is not 1 to "
		    "%d visible ASCII characters, not kept (said at most once "
		    "a minute)", LOA_PROVIDER_ID_MAX);
}

/*
 * Contract: transport failures, 5xx and 429 are the daemon's common
 * reading; a 2xx answer is read as Zalo JSON ("error" 0 with data.msg_id
 * is sent; a negative error goes through zns_code_outcome(); anything
 * else is retried as "bad_answer"); another status is failed "http_N",
 * unless its body carries a Zalo error code, which then decides.
 */
static void
zns_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	struct zns	*z = state;
	json_t		*root = NULL;
	long long	 code;
	int		 have_code, ok2xx;

	(void)m;
	if (loa_classify_transport(resp, res))
		return;
	ok2xx = resp->http_status >= 200 && resp->http_status < 300;
	if (resp->body != NULL)
		root = json_loadb(resp->body, resp->body_len, 0, NULL);
	have_code = json_is_object(root) &&
	    zns_integer(json_object_get(root, "error"), &code) == 0;

	if (ok2xx && have_code && code == 0) {
		res->outcome = LOA_OUT_SENT;
		res->reason[0] = '\0';
		zns_msg_id(z, json_object_get(json_object_get(root, "data"),
		    "msg_id"), res);
	} else if (have_code && code != 0)
		zns_code_outcome(code, res);
	else if (ok2xx)
		plug_result(res, LOA_OUT_RETRY, "bad_answer");
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", resp->http_status);
	json_decref(root);
}

/*
 * Contract: the form POST that trades refresh_token for new tokens, with
 * the app secret in the secret_key header.  Fails only without a refresh
 * token (PROVIDER_DOWN "no_refresh_token": an operator must supply one).
 */
static int
zns_refresh_build(void *state, const char *refresh_token,
    struct loa_request *req, struct loa_result *res)
{
	static const char	 pre[] = "refresh_token=", mid[] = "&app_id=",
				 post[] = "&grant_type=refresh_token";
	struct zns		*z = state;
	char			*body, *p;
	size_t			 cap, slen;
	int			 n;

	if (refresh_token == NULL || *refresh_token == '\0') {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "no_refresh_token");
		return -1;
	}
	slen = strlen(z->app_secret);
	if (slen >= sizeof(req->hbuf)) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "secret_too_long");
		return -1;
	}
	n = snprintf(req->url, sizeof(req->url), "%s/v4/oa/access_token",
	    z->oauth_url);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "url_too_long");
		return -1;
	}
	cap = sizeof(pre) + plug_pct_len(refresh_token) + sizeof(mid) +
	    plug_pct_len(z->app_id) + sizeof(post);
	if ((body = malloc(cap)) == NULL) {
		plug_result(res, LOA_OUT_RETRY, "no_memory");
		return -1;
	}
	p = plug_pct_append(stpcpy(body, pre), refresh_token);
	p = plug_pct_append(stpcpy(p, mid), z->app_id);
	strcpy(p, post);

	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	memcpy(req->hbuf, z->app_secret, slen + 1);
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
static int
zns_token_member(const json_t *root, const char *key, char *dst, size_t len)
{
	const json_t	*v = json_object_get(root, key);
	const char	*s;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (json_string_length(v) >= len || !zns_header_safe(s))
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
static int
zns_refresh_parse(void *state, const struct loa_response *resp,
    struct loa_credentials *cred, struct loa_result *res)
{
	json_t		*root = NULL;
	long long	 code, exp = 0;
	const json_t	*ev;
	int		 rc = -1;

	(void)state;
	if (loa_classify_transport(resp, res))
		return -1;
	if (resp->body != NULL)
		root = json_loadb(resp->body, resp->body_len, 0, NULL);
	if (json_is_object(root) &&
	    zns_integer(json_object_get(root, "error"), &code) == 0 &&
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
	if (ev != NULL && (zns_integer(ev, &exp) == -1 || exp < 0 ||
	    exp > 100L * 365 * 86400))
		goto bad;
	if (zns_token_member(root, "access_token", cred->access_token,
	    sizeof(cred->access_token)) == -1 ||
	    zns_token_member(root, "refresh_token", cred->refresh_token,
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

/* Contract: keeps a copy of access_token (NULL forgets the token). */
static void
zns_set_token(void *state, const char *access_token)
{
	struct zns	*z = state;

	zns_forget_token(z);
	if (access_token == NULL || *access_token == '\0')
		return;
	if ((z->token = strdup(access_token)) == NULL)
		z->host->log(z->host->hctx, LOA_LOG_ERR, "set_token: out of "
		    "memory");
}

/*
 * hex = SHA-256(app_id + body + timestamp + OA secret key), lower case.
 * Returns 0, or -1 when OpenSSL fails.
 */
static int
zns_mac(const char *app_id, const char *body, size_t len, const char *ts,
    const char *key, char hex[2 * ZNS_SHA256_LEN + 1])
{
	EVP_MD_CTX	*c;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;
	int		 good;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return -1;
	good = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, app_id, strlen(app_id)) == 1 &&
	    EVP_DigestUpdate(c, body, len) == 1 &&
	    EVP_DigestUpdate(c, ts, strlen(ts)) == 1 &&
	    EVP_DigestUpdate(c, key, strlen(key)) == 1 &&
	    EVP_DigestFinal_ex(c, md, &n) == 1 && n == ZNS_SHA256_LEN;
	EVP_MD_CTX_free(c);
	if (good)
		plug_hex(md, n, hex);
	OPENSSL_cleanse(md, sizeof(md));
	return good ? 0 : -1;
}

/*
 * Whether X-ZEvent-Signature holds "mac=" and the hex of the body's
 * SHA-256 (either case); the comparison takes the same time wherever
 * they differ.  The body is parsed (into *root, for the caller to free)
 * only when there is a signature to check, and its app_id and timestamp
 * are copied into app_id and ts.  Returns 0, or the refusal (logged at
 * debug).
 */
static int
zns_check_signature(struct zns *z, const struct loa_webhook *wh,
    const char *body, json_t **root, char *app_id, size_t idsize,
    char *ts, size_t tssize)
{
	char		 want[2 * ZNS_SHA256_LEN + 1],
			 got[2 * ZNS_SHA256_LEN + 1];
	const char	*sig;
	size_t		 i;
	int		 same;

	if (z->oa_secret == NULL)
		return LOA_REPORT_BAD_SIGNATURE;  /* said once, in create() */
	sig = plug_header(wh->headers, wh->nheaders, ZNS_SIG_HEADER);
	if (sig == NULL || strncasecmp(sig, "mac=", 4) != 0)
		return plug_refuse(z->host, "no " ZNS_SIG_HEADER " mac=");
	sig += 4;
	if (strlen(sig) != sizeof(got) - 1)
		return plug_refuse(z->host, ZNS_SIG_HEADER " is not 64 hex "
		    "digits");
	for (i = 0; i < sizeof(got) - 1; i++)
		got[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ?
		    sig[i] - 'A' + 'a' : sig[i]);
	got[i] = '\0';
	*root = json_loadb(body, wh->body_len, 0, NULL);
	if (!json_is_object(*root) ||
	    zns_text(json_object_get(*root, "app_id"), app_id, idsize) != 0 ||
	    zns_text(json_object_get(*root, "timestamp"), ts, tssize) != 0)
		return plug_refuse(z->host, "no app_id or timestamp in a "
		    "JSON body: the signature cannot be computed");
	if (zns_mac(app_id, body, wh->body_len, ts, z->oa_secret,
	    want) == -1)
		return plug_refuse(z->host, "SHA-256 failed");
	same = plug_ct_equal(got, sizeof(got) - 1, want, sizeof(want) - 1);
	explicit_bzero(want, sizeof(want));
	if (!same)
		return plug_refuse(z->host, ZNS_SIG_HEADER " does not match");
	return 0;
}

/*
 * Whether a signed event's timestamp ts (milliseconds since the epoch,
 * as Zalo writes it) lies in the window around now_ms: at most
 * max_age_ms before it, max_ahead_ms after it.  Returns 0, or
 * BAD_SIGNATURE after one warning for this event (the signature was good,
 * so the line is worth an operator's eye: a replay, or a clock off), that
 * holds no secret, body or id.
 */
static int
zns_fresh(struct zns *z, const char *ts, long long now_ms)
{
	long long	t;
	size_t		n = strlen(ts);

	if (n == 0 || n > 15 || strspn(ts, "0123456789") != n) {
		z->host->log(z->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: its timestamp is not milliseconds since 1970");
		return LOA_REPORT_BAD_SIGNATURE;
	}
	t = strtoll(ts, NULL, 10);
	if (now_ms - t > z->max_age_ms) {
		z->host->log(z->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: signed %lld s ago, more than webhook_max_age "
		    "(%lld s): a replay?", (now_ms - t) / 1000,
		    z->max_age_ms / 1000);
		return LOA_REPORT_BAD_SIGNATURE;
	}
	if (t - now_ms > z->max_ahead_ms) {
		z->host->log(z->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: signed %lld s ahead of our clock, more than "
		    "webhook_max_ahead (%lld s)", (t - now_ms) / 1000,
		    z->max_ahead_ms / 1000);
		return LOA_REPORT_BAD_SIGNATURE;
	}
	return 0;
}

#ifdef LOA_PLUGIN_TEST
long long	zns_test_now_ms;	/* the unit test's clock; 0: the real one */
#endif

static long long
zns_now_ms(void)
{
	struct timespec	t;

#ifdef LOA_PLUGIN_TEST
	if (zns_test_now_ms != 0)
		return zns_test_now_ms;
#endif
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * What report() and inbound() check before they read a webhook: the
 * signature (zns_check_signature), then that the event is for our app_id
 * and that its timestamp lies in the window (zns_fresh), then that it
 * was POSTed.  *root (for the caller to free, also on failure) is the
 * parsed body, ts its timestamp.  Returns 0, BAD_SIGNATURE or MALFORMED.
 */
static int
zns_verify(struct zns *z, const struct loa_webhook *wh, json_t **root,
    char *ts, size_t tssize)
{
	const char	*body = wh->body != NULL ? wh->body : "";
	char		 app_id[256];
	int		 rv;

	*root = NULL;
	if ((rv = zns_check_signature(z, wh, body, root, app_id,
	    sizeof(app_id), ts, tssize)) != 0)
		return rv;
	/* From Zalo from here on: but when, and for whom? */
	if (strcmp(app_id, z->app_id) != 0)
		return plug_refuse(z->host, "app_id is not ours");
	if ((rv = zns_fresh(z, ts, zns_now_ms())) != 0)
		return rv;
	if (wh->method == NULL || strcmp(wh->method, "POST") != 0)
		return LOA_REPORT_MALFORMED;
	return 0;
}

/*
 * Contract: a Zalo webhook event.  BAD_SIGNATURE without oa_secret_file,
 * without a matching X-ZEvent-Signature (also when the body is not a
 * JSON object with app_id and timestamp, as the signature cannot be
 * computed then), for another app_id than ours, or when its timestamp
 * lies outside the window (zns_fresh: a replay, logged once at warn).
 * Then MALFORMED for another method than POST or no event_name;
 * user_received_message is one DELIVERED report for message.msg_id
 * (MALFORMED without one, or for one that breaks the message-id rule);
 * any other event (user_seen_message, ...) is 0 reports.
 */
static int
zns_report(void *state, const struct loa_webhook *wh,
    struct loa_report *reps, int max)
{
	struct zns	*z = state;
	const char	*event;
	json_t		*root = NULL;
	char		 ts[256];
	int		 rv;

	if ((rv = zns_verify(z, wh, &root, ts, sizeof(ts))) != 0)
		goto out;
	rv = LOA_REPORT_MALFORMED;
	if ((event = json_string_value(json_object_get(root,
	    "event_name"))) == NULL)
		goto out;
	if (strcmp(event, "user_received_message") != 0 || max < 1) {
		rv = 0;
		goto out;
	}
	memset(&reps[0], 0, sizeof(reps[0]));
	if (plug_json_id(reps[0].provider_id, sizeof(reps[0].provider_id),
	    json_object_get(json_object_get(root, "message"),
	    "msg_id")) != 0)
		goto out;
	reps[0].status = LOA_REPORT_DELIVERED;
	rv = 1;
out:
	json_decref(root);
	return rv;
}

/*
 * Contract: residents' messages in a Zalo webhook event (ABI 1.2).  The
 * same checks as report(), in the same order (zns_verify: BAD_SIGNATURE,
 * then MALFORMED for another method than POST); then zalo_events.h reads
 * the event: user_send_text, follow, unfollow, user_send_image and the
 * other user_send_* and user_submit_info are one message, any other
 * event 0 (user_received_message is then report()'s).  A replay inside
 * the window gives the same msg_id again: the daemon keeps it once.
 */
static int
zns_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	struct zns	*z = state;
	json_t		*root = NULL;
	char		 ts[256];
	int		 rv;

	if ((rv = zns_verify(z, wh, &root, ts, sizeof(ts))) == 0)
		rv = zev_inbound(root, ts, ins, max);
	json_decref(root);
	return rv;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"zalo_zns",
	"zalo",
	zns_keys,
	zns_create,
	zns_destroy,
	zns_build,
	zns_classify,
	LOA_PROVIDER_REPORTS,
	zns_refresh_build,
	zns_refresh_parse,
	zns_set_token,
	zns_report,
	zns_inbound,
};
