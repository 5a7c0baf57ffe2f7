/*
 * twilio.c -- the Twilio provider: international SMS through api.twilio.com.
 *
 * Each message is one POST to
 *
 *	{base_url}/2010-04-01/Accounts/{account_sid}/Messages.json
 *
 * with HTTP Basic authentication (account_sid:auth_token) and a form body
 *
 *	To=%2B84912345678&From=..&Body=..&StatusCallback=..
 *
 * (MessagingServiceSid instead of From when so configured; StatusCallback
 * only when configured).  Values are percent-encoded byte by byte, so
 * UTF-8 text reaches Twilio unchanged; Twilio picks the SMS encoding
 * itself.
 *
 * Twilio answers 201 with the message's "sid", or an error status with
 * {"code":N,"message":".."}; the table in twilio_codes says how each code
 * is read.  Delivery failures (30003, 30007, ...) come later through
 * status callbacks, never in this answer.  Twilio does not de-duplicate;
 * it reports deliveries by sid (flags LOA_PROVIDER_REPORTS).
 *
 * The plugin does no I/O.  The Authorization value is computed once in
 * create, wiped in destroy, and copied into each request's hbuf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

#define TWILIO_BASE_URL		"https://api.twilio.com"
#define TWILIO_AUTH_MAX		1024	/* "Basic " + base64 + NUL */
#define TWILIO_SID_MAX		64

static const char *const twilio_keys[] = {
	"account_sid",
	"auth_token_file",
	"from",
	"messaging_service_sid",
	"status_callback",
	NULL
};

/* The Authorization value is copied whole into a request's hbuf. */
_Static_assert(TWILIO_AUTH_MAX <= sizeof(((struct loa_request *)0)->hbuf),
    "TWILIO_AUTH_MAX exceeds loa_request.hbuf");

struct twilio {
	const char	*sender_key;	/* From or MessagingServiceSid */
	const char	*sender;	/* host's strings, valid until */
	const char	*status_callback; /* destroy; NULL: not sent */
	char		 url[1024];
	char		 auth[TWILIO_AUTH_MAX];	/* secret: wiped */
};

/*
 * How each Twilio error code is read.  A code not listed fails the
 * message as "twilio_<code>".  The PROVIDER_DOWN ones beyond 20003 are
 * configuration errors (from Twilio's error dictionary) that every
 * message would hit the same way.
 */
struct twilio_code {
	long		 code;
	enum loa_outcome outcome;
};

static const struct twilio_code twilio_codes[] = {
	{ 20003, LOA_OUT_PROVIDER_DOWN },	/* authentication failed */
	{ 20005, LOA_OUT_PROVIDER_DOWN },	/* account not active */
	{ 20404, LOA_OUT_PROVIDER_DOWN },	/* no such account (sid) */
	{ 21212, LOA_OUT_PROVIDER_DOWN },	/* invalid From number */
	{ 21606, LOA_OUT_PROVIDER_DOWN },	/* From not usable here */
	{ 21211, LOA_OUT_FALLBACK },		/* invalid To number */
	{ 21614, LOA_OUT_FALLBACK },		/* To is not a mobile */
	{ 21408, LOA_OUT_FALLBACK },		/* region not enabled */
	{ 21612, LOA_OUT_FALLBACK },		/* To not reachable */
	{ 21610, LOA_OUT_FAILED },		/* recipient unsubscribed */
	{ 20429, LOA_OUT_RETRY },		/* too many requests */
};
#define TWILIO_NCODES	(sizeof(twilio_codes) / sizeof(twilio_codes[0]))

static int
twilio_alnum(const char *s, size_t max)
{
	static const char	 set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t			 n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

/*
 * Bytes kept as they are in a form value: the unreserved set of RFC 3986.
 * Every other byte (space, '+', '&', '=', UTF-8 bytes) becomes %XX.
 */
static int
twilio_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Length of value once percent-encoded. */
static size_t
twilio_form_len(const char *value)
{
	size_t	n = 0;

	for (; *value != '\0'; value++)
		n += twilio_unreserved((unsigned char)*value) ? 1 : 3;
	return n;
}

/* Append [&]key=<encoded value> at *p (room checked by the caller). */
static void
twilio_form_add(char **p, int first, const char *key, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*o = *p;
	unsigned char		 c;

	if (!first)
		*o++ = '&';
	o = stpcpy(o, key);
	*o++ = '=';
	for (; *value != '\0'; value++) {
		c = (unsigned char)*value;
		if (twilio_unreserved(c))
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	*p = o;
}

/*
 * Read the instance's config and auth token.  Every missing or bad key
 * is logged (by name, never with the token) before -1 is returned.
 */
static int
twilio_create(const struct loa_host *host, void **state)
{
	struct twilio	*t;
	const char	*base, *sid, *from, *mss, *token, *v;
	size_t		 n;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return -1;
	}
	if ((sid = host->config(host->hctx, "account_sid")) == NULL ||
	    *sid == '\0') {
		host->log(host->hctx, LOA_LOG_ERR,
		    "account_sid: required (the AC... account SID)");
		goto fail;
	}
	if (!twilio_alnum(sid, TWILIO_SID_MAX)) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "account_sid: want letters and digits only");
		goto fail;
	}
	if ((base = host->config(host->hctx, "base_url")) == NULL)
		base = TWILIO_BASE_URL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || (size_t)snprintf(t->url, sizeof(t->url),
	    "%.*s/2010-04-01/Accounts/%s/Messages.json", (int)n, base,
	    sid) >= sizeof(t->url)) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "base_url: empty or too long");
		goto fail;
	}

	from = host->config(host->hctx, "from");
	mss = host->config(host->hctx, "messaging_service_sid");
	if (from != NULL && *from == '\0')
		from = NULL;
	if (mss != NULL && *mss == '\0')
		mss = NULL;
	if ((from == NULL) == (mss == NULL)) {
		host->log(host->hctx, LOA_LOG_ERR, "from, "
		    "messaging_service_sid: set exactly one of the two (%s)",
		    from == NULL ? "neither is set" : "both are set");
		goto fail;
	}
	t->sender_key = from != NULL ? "From" : "MessagingServiceSid";
	t->sender = from != NULL ? from : mss;
	v = host->config(host->hctx, "status_callback");
	if (v != NULL && strncmp(v, "https://", 8) != 0 &&
	    strncmp(v, "http://", 7) != 0) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "status_callback: want an http(s):// URL");
		goto fail;
	}
	t->status_callback = v;

	if ((token = host->secret(host->hctx, "auth_token_file")) == NULL ||
	    *token == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "auth_token_file: required "
		    "(a file holding the auth token)");
		goto fail;
	}
	if (plug_basic_auth(sid, token, t->auth, sizeof(t->auth)) == -1) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "auth_token_file: token too long");
		goto fail;
	}
	*state = t;
	return 0;

fail:
	explicit_bzero(t, sizeof(*t));
	free(t);
	return -1;
}

static void
twilio_destroy(void *state)
{
	struct twilio	*t = state;

	if (t == NULL)
		return;
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/*
 * The request for msg.  The body is malloc'd here and freed by the
 * daemon; the Authorization value is copied into req->hbuf, the other
 * header strings are static.  Returns -1 (res: FAILED and why) when msg
 * has no usable phone or text.
 */
static int
twilio_build(void *state, const struct loa_message *msg,
    struct loa_request *req, struct loa_result *res)
{
	struct twilio	*t = state;
	char		 to[20], *body, *p;
	size_t		 len, alen = strlen(t->auth);

	if (msg->to == NULL || !plug_digits(msg->to, 15)) {
		plug_result(res, LOA_OUT_FAILED, "bad_to");
		return -1;
	}
	if (msg->text == NULL) {
		plug_result(res, LOA_OUT_FAILED, "no_text");
		return -1;
	}
	snprintf(to, sizeof(to), "+%s", msg->to);
	len = strlen("To=") + twilio_form_len(to) +
	    1 + strlen(t->sender_key) + 1 + twilio_form_len(t->sender) +
	    strlen("&Body=") + twilio_form_len(msg->text);
	if (t->status_callback != NULL)
		len += strlen("&StatusCallback=") +
		    twilio_form_len(t->status_callback);
	if ((body = malloc(len + 1)) == NULL) {
		plug_result(res, LOA_OUT_FAILED, "out_of_memory");
		return -1;
	}
	p = body;
	twilio_form_add(&p, 1, "To", to);
	twilio_form_add(&p, 0, t->sender_key, t->sender);
	twilio_form_add(&p, 0, "Body", msg->text);
	if (t->status_callback != NULL)
		twilio_form_add(&p, 0, "StatusCallback", t->status_callback);

	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	snprintf(req->url, sizeof(req->url), "%s", t->url);
	/* auth fits: TWILIO_AUTH_MAX < sizeof(req->hbuf). */
	memcpy(req->hbuf, t->auth, alen + 1);
	req->headers[0].name = "Authorization";
	req->headers[0].value = req->hbuf;
	req->headers[1].name = "Content-Type";
	req->headers[1].value = "application/x-www-form-urlencoded";
	req->nheaders = 2;
	req->body = body;
	req->body_len = (size_t)(p - body);
	return 0;
}

/* Copy the message sid, printable only; 0, or -1 when absent or empty. */
static int
twilio_provider_id(struct loa_result *res, const json_t *v)
{
	const char	*s;
	size_t		 i;

	if ((s = json_string_value(v)) == NULL || *s == '\0')
		return -1;
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(res->provider_id); i++)
		res->provider_id[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	res->provider_id[i] = '\0';
	return 0;
}

/*
 * A 2xx with a sid is sent, any other 2xx is retried ("bad_answer").  An
 * error answer is read by its code; without one, a redirect or an
 * auth/URL refusal means every message would fail the same way
 * (provider down) and other 4xx fail this message.
 */
static void
twilio_classify(void *state, const struct loa_message *msg,
    const struct loa_response *resp, struct loa_result *res)
{
	json_t	*root;
	long	 code;
	size_t	 i;
	int	 s = resp->http_status;

	(void)state;
	(void)msg;
	if (loa_classify_transport(resp, res))
		return;
	root = json_loadb(resp->body != NULL ? resp->body : "",
	    resp->body != NULL ? resp->body_len : 0, 0, NULL);
	if (s >= 200 && s < 300) {
		if (twilio_provider_id(res, json_object_get(root, "sid")) == 0)
			res->outcome = LOA_OUT_SENT;
		else
			plug_result(res, LOA_OUT_RETRY, "bad_answer");
	} else if (plug_code_value(json_object_get(root, "code"),
	    &code) == 0) {
		for (i = 0; i < TWILIO_NCODES; i++)
			if (twilio_codes[i].code == code)
				break;
		plug_result(res, i < TWILIO_NCODES ?
		    twilio_codes[i].outcome : LOA_OUT_FAILED, "twilio_%ld",
		    code);
		if (code == 20429)
			res->no_attempt = 1;
	} else if (s < 400 || s == 401 || s == 403 || s == 404 || s == 405)
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "http_%d", s);
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", s);
	json_decref(root);
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"twilio",
	"sms",
	twilio_keys,
	twilio_create,
	twilio_destroy,
	twilio_build,
	twilio_classify,
	LOA_PROVIDER_REPORTS,
	NULL,
	NULL,
	NULL,
};
