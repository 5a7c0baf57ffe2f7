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
 * Status callbacks: Twilio POSTs a form (MessageSid, MessageStatus,
 * ErrorCode, ...) to the StatusCallback URL, signed with
 * X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + each parameter,
 * sorted by name, as name then value)).  report() checks it against the
 * configured status_callback (without one, every report is refused)
 * before it trusts anything.
 *
 * Inbound SMS (inbound(), ABI 1.2): a resident's reply to the Twilio
 * number is a form POST (From, Body, MessageSid, ...) signed the same
 * way; the number's incoming-message URL is the same /webhooks/<name> as
 * status_callback, so both are checked against that one URL.
 *
 * The plugin does no I/O.  The Authorization value is computed once in
 * create, wiped in destroy, and copied into each request's hbuf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "loa/provider.h"

#include "plugin.h"

#define TWILIO_BASE_URL		"https://api.twilio.com"
#define TWILIO_AUTH_MAX		1024	/* "Basic " + base64 + NUL */
#define TWILIO_SID_MAX		64
#define TWILIO_SIG_HEADER	"X-Twilio-Signature"
#define TWILIO_SHA1_LEN		20

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
	const char	*status_callback; /* destroy; NULL: not sent, and
					     reports refused */
	const char	*token;		/* auth token (host's): secret */
	const struct loa_host *host;
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
 * Append [&]key=<encoded value> at *p (room checked by the caller).
 * Every byte outside RFC 3986's unreserved set (space, '+', '&', '=',
 * UTF-8 bytes) becomes %XX.
 */
static void
twilio_form_add(char **p, int first, const char *key, const char *value)
{
	char	*o = *p;

	if (!first)
		*o++ = '&';
	o = stpcpy(o, key);
	*o++ = '=';
	*p = plug_pct_append(o, value);
}

/*
 * Read the instance's config and auth token.  Every missing or bad key
 * is logged (by name, never with the token) before -1 is returned.
 * Without status_callback, logs once (info) that delivery reports will
 * be refused.
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
	if (v == NULL)
		plug_reports_refused(host, "status_callback");

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
	t->token = token;
	t->host = host;
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
	len = strlen("To=") + plug_pct_len(to) +
	    1 + strlen(t->sender_key) + 1 + plug_pct_len(t->sender) +
	    strlen("&Body=") + plug_pct_len(msg->text);
	if (t->status_callback != NULL)
		len += strlen("&StatusCallback=") +
		    plug_pct_len(t->status_callback);
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

/*
 * Copy the message sid when it passes plug_id_copy(); 0, or -1 when
 * absent or empty.
 */
static int
twilio_provider_id(struct loa_result *res, const json_t *v)
{
	const char	*s;

	if ((s = json_string_value(v)) == NULL || *s == '\0')
		return -1;
	(void)plug_id_copy(res->provider_id, sizeof(res->provider_id), s);
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

/* One decoded parameter of a status callback, and where it came. */
struct twilio_param {
	const char	*name;
	const char	*value;
	size_t		 order;
};

/* By name, bytewise; a repeated name keeps the order of the form. */
static int
twilio_param_cmp(const void *a, const void *b)
{
	const struct twilio_param	*x = a, *y = b;
	int				 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * What Twilio signs for a form POST to url: url, then every parameter of
 * body sorted by name, each as its name followed by its value, both
 * decoded.  Returns a malloc'd string (its length in *len), or NULL when
 * a parameter cannot be decoded or memory runs out.
 */
static char *
twilio_signed_text(const char *url, const char *body, size_t blen,
    size_t *len)
{
	struct twilio_param	*pr = NULL;
	const char		*cur = body, *k, *v;
	char			*dec = NULL, *d, *text = NULL, *o;
	size_t			 klen, vlen, n = 0, i;
	long			 r;

	/*
	 * At most (blen + 1) / 2 pairs; decoded, each name and value is no
	 * longer than encoded, plus its NUL.
	 */
	if ((pr = calloc(blen / 2 + 1, sizeof(*pr))) == NULL ||
	    (dec = malloc(2 * blen + 2)) == NULL)
		goto out;
	d = dec;
	while (plug_form_next(&cur, body + blen, &k, &klen, &v, &vlen)) {
		pr[n].name = d;
		if ((r = plug_pct_decode(k, klen, d, klen + 1)) < 0)
			goto out;
		d += r + 1;
		pr[n].value = d;
		if ((r = plug_pct_decode(v, vlen, d, vlen + 1)) < 0)
			goto out;
		d += r + 1;
		pr[n].order = n;
		n++;
	}
	qsort(pr, n, sizeof(*pr), twilio_param_cmp);
	if ((text = malloc(strlen(url) + (size_t)(d - dec) + 1)) == NULL)
		goto out;
	o = stpcpy(text, url);
	for (i = 0; i < n; i++)
		o = stpcpy(stpcpy(o, pr[i].name), pr[i].value);
	*len = (size_t)(o - text);
out:
	free(pr);
	free(dec);
	return text;
}

/*
 * Whether X-Twilio-Signature is base64(HMAC-SHA1(auth token, the signed
 * text)), compared in constant time.  Returns 0, or the refusal (logged
 * at debug).
 */
static int
twilio_check_signature(struct twilio *t, const struct loa_webhook *wh)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 want[4 * ((TWILIO_SHA1_LEN + 2) / 3) + 1], *text;
	const char	*sig;
	size_t		 len = 0;
	int		 same;

	if (t->status_callback == NULL)
		return LOA_REPORT_BAD_SIGNATURE;  /* said once, in create() */
	if ((sig = plug_header(wh->headers, wh->nheaders,
	    TWILIO_SIG_HEADER)) == NULL)
		return plug_refuse(t->host, "no " TWILIO_SIG_HEADER);
	if ((text = twilio_signed_text(t->status_callback,
	    wh->body != NULL ? wh->body : "", wh->body != NULL ?
	    wh->body_len : 0, &len)) == NULL)
		return plug_refuse(t->host, "a parameter cannot be decoded: "
		    "the signature cannot be computed");
	same = HMAC(EVP_sha1(), t->token, (int)strlen(t->token),
	    (const unsigned char *)text, len, md, &mdlen) != NULL &&
	    mdlen == TWILIO_SHA1_LEN &&
	    plug_base64(md, mdlen, want, sizeof(want)) == 0 &&
	    plug_ct_equal(sig, strlen(sig), want, strlen(want));
	OPENSSL_cleanse(md, sizeof(md));
	explicit_bzero(want, sizeof(want));
	free(text);
	if (!same)
		return plug_refuse(t->host, TWILIO_SIG_HEADER
		    " does not match");
	return 0;
}

/*
 * What report() and inbound() check first: the signature, then that the
 * form was POSTed.  Sets the body (b, n).  Returns 0, BAD_SIGNATURE or
 * MALFORMED.
 */
static int
twilio_verify(struct twilio *t, const struct loa_webhook *wh,
    const char **b, size_t *n)
{
	int	rv;

	if ((rv = twilio_check_signature(t, wh)) != 0)
		return rv;
	/* From Twilio from here on. */
	if (wh->method == NULL || strcmp(wh->method, "POST") != 0)
		return LOA_REPORT_MALFORMED;
	*b = wh->body != NULL ? wh->body : "";
	*n = wh->body != NULL ? wh->body_len : 0;
	return 0;
}

/*
 * Contract: a Twilio status callback.  BAD_SIGNATURE without
 * status_callback, or when X-Twilio-Signature is missing or wrong (also
 * when a parameter cannot be decoded).  Then MALFORMED for another
 * method than POST, without MessageSid or MessageStatus, or with a
 * final status whose MessageSid breaks the message-id rule
 * (loa_provider_id_ok).  delivered is one DELIVERED report; undelivered
 * and failed one FAILED
 * "error_<ErrorCode>" (the status itself without an ErrorCode); any
 * other status (queued, sending, sent, ...) none.  provider_id is
 * MessageSid as classify() keeps the sid.
 */
static int
twilio_report(void *state, const struct loa_webhook *wh,
    struct loa_report *reps, int max)
{
	struct twilio	*t = state;
	char		 sid[1024], status[64], code[64];
	const char	*b;
	size_t		 n;
	int		 rv;

	if ((rv = twilio_verify(t, wh, &b, &n)) != 0)
		return rv;
	if (plug_param(b, n, "MessageSid", sid, sizeof(sid)) <= 0 ||
	    plug_param(b, n, "MessageStatus", status, sizeof(status)) <= 0)
		return LOA_REPORT_MALFORMED;
	if ((strcmp(status, "delivered") != 0 &&
	    strcmp(status, "undelivered") != 0 &&
	    strcmp(status, "failed") != 0) || max < 1)
		return 0;
	memset(&reps[0], 0, sizeof(reps[0]));
	if (plug_id_copy(reps[0].provider_id, sizeof(reps[0].provider_id),
	    sid) == -1)
		return LOA_REPORT_MALFORMED;	/* never a message of ours */
	if (strcmp(status, "delivered") == 0) {
		reps[0].status = LOA_REPORT_DELIVERED;
		return 1;
	}
	reps[0].status = LOA_REPORT_FAILED;
	if (plug_param(b, n, "ErrorCode", code, sizeof(code)) > 0 &&
	    plug_digits(code, 9))
		snprintf(reps[0].reason, sizeof(reps[0].reason), "error_%s",
		    code);
	else
		snprintf(reps[0].reason, sizeof(reps[0].reason), "%s",
		    status);
	return 1;
}

/*
 * Contract: an inbound SMS (ABI 1.2), which Twilio POSTs as a form
 * (MessageSid, From, To, Body, NumSegments, NumMedia, ...) to the
 * number's "a message comes in" URL, signed like status callbacks: the
 * URL must therefore be status_callback (the same /webhooks/<name>).
 * BAD_SIGNATURE as for report(); then MALFORMED for another method than
 * POST, a form without MessageSid or From, a MessageSid that breaks the
 * message-id rule, a From that is not 3 to 15 digits after an optional
 * '+', or a Body that cannot be decoded (a bad or NUL escape).  A status
 * callback (MessageStatus present) is 0: report() reads it.  One TEXT
 * with Body (cut and its invalid UTF-8 replaced by plug_inbound_text), or
 * OTHER "media" for a picture without a Body (NumMedia > 0: the media's
 * URLs are not kept).  Twilio gives no time: ts_ms is 0.
 */
static int
twilio_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	struct twilio		*t = state;
	struct loa_inbound	*in = &ins[0];
	char			 sid[1024], from[64], media[16], *text;
	const char		*b;
	size_t			 n;
	long			 flen, tlen;
	int			 rv;

	if ((rv = twilio_verify(t, wh, &b, &n)) != 0)
		return rv;
	if (plug_param(b, n, "MessageStatus", media, sizeof(media)) != -1)
		return 0;		/* a status callback */
	if (plug_param(b, n, "MessageSid", sid, sizeof(sid)) <= 0 ||
	    (flen = plug_param(b, n, "From", from, sizeof(from))) <= 0)
		return LOA_REPORT_MALFORMED;
	if (max < 1)
		return 0;
	memset(in, 0, sizeof(*in));
	if (plug_id_copy(in->msg_id, sizeof(in->msg_id), sid) == -1 ||
	    plug_inbound_phone(in->from, sizeof(in->from), from,
	    (size_t)flen) == -1)
		return LOA_REPORT_MALFORMED;
	snprintf(in->channel, sizeof(in->channel), "sms");
	/* A decoded value is never longer than the body it came in. */
	if ((text = malloc(n + 1)) == NULL)
		return LOA_REPORT_MALFORMED;
	tlen = plug_param(b, n, "Body", text, n + 1);
	if (tlen == -2) {
		free(text);
		return LOA_REPORT_MALFORMED;
	}
	if (tlen <= 0 && plug_param(b, n, "NumMedia", media,
	    sizeof(media)) > 0 && plug_digits(media, 3) &&
	    strtol(media, NULL, 10) > 0) {
		in->kind = LOA_INBOUND_OTHER;
		snprintf(in->note, sizeof(in->note), "media");
	} else {
		in->kind = LOA_INBOUND_TEXT;
		plug_inbound_text(in->text, sizeof(in->text), text,
		    tlen > 0 ? (size_t)tlen : 0, &in->truncated);
	}
	explicit_bzero(text, n + 1);
	free(text);
	return 1;
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
	twilio_report,
	twilio_inbound,
};
