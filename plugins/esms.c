/*
 * esms.c -- the eSMS.vn provider: brandname SMS through rest.esms.vn.
 *
 * Each message is one POST of a JSON object to
 *
 *	{base_url}/MainService.svc/json/SendMultipleMessage_V4_post_json/
 *
 * with every value a string, as eSMS expects:
 *
 *	{"ApiKey":"..","SecretKey":"..","Phone":"84912345678","Content":"..",
 *	 "Brandname":"UBND-HK","SmsType":"2","IsUnicode":"0","Sandbox":"0",
 *	 "RequestId":"<delivery id>","CallbackUrl":".."}
 *
 * eSMS answers {"CodeResult":"100","SMSID":".."} and an error code
 * otherwise (the table in esms_codes below says how each is read).
 * RequestId carries the daemon's deterministic delivery id and eSMS drops
 * a repeat of it (code 124, counted as sent), so a request whose fate is
 * unknown may be sent again: the module sets LOA_PROVIDER_DEDUPES.
 *
 * Delivery reports: eSMS calls CallbackUrl with a GET whose query holds
 * SMSID and SendStatus.  eSMS signs nothing, so with webhook_token_file
 * the CallbackUrl sent is callback_url plus loa_token=<token>, and
 * report() refuses any call whose loa_token is not that token (every
 * call, without webhook_token_file).
 *
 * The plugin does no I/O; it keeps pointers to the host's strings, which
 * stay valid until destroy.  Secrets go into request bodies only, never
 * into the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

#define ESMS_BASE_URL	"https://rest.esms.vn"
#define ESMS_SEND_PATH \
	"/MainService.svc/json/SendMultipleMessage_V4_post_json/"

static const char *const esms_keys[] = {
	"api_key_file",
	"secret_key_file",
	"brandname",
	"sms_type",
	"sandbox",
	"callback_url",
	"webhook_token_file",
	NULL
};

struct esms {
	const struct loa_host *host;
	const char	*api_key;	/* host's strings, valid until */
	const char	*secret_key;	/* destroy */
	const char	*brandname;
	const char	*sms_type;
	const char	*sandbox;	/* "1" or "0" */
	char		*callback_url;	/* NULL: not sent; else malloc'd,
					   with the token: secret */
	const char	*token;		/* webhook token (host's); NULL:
					   reports refused */
	char		 url[1024];
};


/*
 * How each eSMS CodeResult is read.  reason NULL: "esms_<code>" (none for
 * 100).  A code not listed fails the message as "esms_<code>".
 */
struct esms_code {
	long		 code;
	enum loa_outcome outcome;
	const char	*reason;
};

static const struct esms_code esms_codes[] = {
	/* accepted */
	{ 100, LOA_OUT_SENT, "" },
	/* duplicate RequestId: sent before, do not resend */
	{ 124, LOA_OUT_SENT, "duplicate_request" },
	/* number blocked */
	{ 99, LOA_OUT_FALLBACK, NULL },
	/* bad ApiKey/SecretKey */
	{ 101, LOA_OUT_PROVIDER_DOWN, NULL },
	/* balance too low */
	{ 103, LOA_OUT_PROVIDER_DOWN, NULL },
	/* brandname not found (not registered for this account) */
	{ 104, LOA_OUT_PROVIDER_DOWN, NULL },
	/* bad phone number */
	{ 108, LOA_OUT_FALLBACK, NULL },
	/* our IP is not on the account's allow list */
	{ 140, LOA_OUT_PROVIDER_DOWN, NULL },
	/* content does not match a registered template */
	{ 146, LOA_OUT_FAILED, NULL },
	/* the number's carrier is not registered for the brandname */
	{ 177, LOA_OUT_FALLBACK, NULL },
};
#define ESMS_NCODES	(sizeof(esms_codes) / sizeof(esms_codes[0]))

/* Same reading of yes/no as the daemon's config: 1, 0, or -1 for neither. */
static int
esms_bool(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0)
		return 0;
	return -1;
}

/*
 * The CallbackUrl sent to eSMS (malloc'd): url, followed by
 * "?loa_token=<token>" ("&" when url already has a query) when there is
 * a token, percent-encoded.  NULL when out of memory.
 */
static char *
esms_callback(const char *url, const char *token)
{
	char	*s, *p;

	if (token == NULL)
		return strdup(url);
	if ((s = malloc(strlen(url) + 1 + strlen(PLUG_TOKEN_PARAM "=") +
	    plug_pct_len(token) + 1)) == NULL)
		return NULL;
	p = stpcpy(s, url);
	*p++ = strchr(url, '?') != NULL ? '&' : '?';
	plug_pct_append(stpcpy(p, PLUG_TOKEN_PARAM "="), token);
	return s;
}

static void
esms_free(struct esms *e)
{
	if (e->callback_url != NULL) {
		explicit_bzero(e->callback_url, strlen(e->callback_url));
		free(e->callback_url);
	}
	free(e);
}

/*
 * Read the instance's config and secrets.  Every missing or bad key is
 * logged (by name, never with a secret's value) before -1 is returned.
 * Without webhook_token_file, logs once (info) that delivery reports
 * will be refused.
 */
static int
esms_create(const struct loa_host *host, void **state)
{
	struct esms	*e;
	const char	*base, *v;
	size_t		 n;
	int		 b;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return -1;
	}
	e->host = host;
	if ((base = host->config(host->hctx, "base_url")) == NULL)
		base = ESMS_BASE_URL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || (size_t)snprintf(e->url, sizeof(e->url), "%.*s%s",
	    (int)n, base, ESMS_SEND_PATH) >= sizeof(e->url)) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "base_url: empty or too long");
		goto fail;
	}

	if ((e->brandname = host->config(host->hctx, "brandname")) == NULL ||
	    *e->brandname == '\0') {
		host->log(host->hctx, LOA_LOG_ERR,
		    "brandname: required (the registered brandname)");
		goto fail;
	}
	if ((e->sms_type = host->config(host->hctx, "sms_type")) == NULL)
		e->sms_type = "2";
	else if (!plug_digits(e->sms_type, 3)) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "sms_type: want a number such as 2, not \"%s\"",
		    e->sms_type);
		goto fail;
	}
	e->sandbox = "0";
	if ((v = host->config(host->hctx, "sandbox")) != NULL) {
		if ((b = esms_bool(v)) == -1) {
			host->log(host->hctx, LOA_LOG_ERR,
			    "sandbox: want yes or no, not \"%s\"", v);
			goto fail;
		}
		e->sandbox = b ? "1" : "0";
	}
	v = host->config(host->hctx, "callback_url");
	if (v != NULL && strncmp(v, "https://", 8) != 0 &&
	    strncmp(v, "http://", 7) != 0) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "callback_url: want an http(s):// URL");
		goto fail;
	}
	if (plug_report_secret(host, "webhook_token_file", &e->token) == -1)
		goto fail;
	if (v != NULL && (e->callback_url = esms_callback(v,
	    e->token)) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "callback_url: out of "
		    "memory");
		goto fail;
	}

	if ((e->api_key = host->secret(host->hctx, "api_key_file")) == NULL ||
	    *e->api_key == '\0') {
		host->log(host->hctx, LOA_LOG_ERR,
		    "api_key_file: required (a file holding the eSMS ApiKey)");
		goto fail;
	}
	if ((e->secret_key = host->secret(host->hctx,
	    "secret_key_file")) == NULL || *e->secret_key == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "secret_key_file: required "
		    "(a file holding the eSMS SecretKey)");
		goto fail;
	}
	*state = e;
	return 0;

fail:
	esms_free(e);
	return -1;
}

static void
esms_destroy(void *state)
{
	if (state != NULL)
		esms_free(state);
}

/*
 * The request for msg.  The body is malloc'd here and freed by the
 * daemon; headers are static strings.  Returns -1 (res: FAILED and why)
 * when msg has no usable phone or text, or its text is not UTF-8.
 */
static int
esms_build(void *state, const struct loa_message *msg,
    struct loa_request *req, struct loa_result *res)
{
	struct esms	*e = state;
	json_t		*o;
	char		*body;
	int		 ucs2;

	if (msg->to == NULL || !plug_digits(msg->to, 15)) {
		plug_result(res, LOA_OUT_FAILED, "bad_to");
		return -1;
	}
	if (msg->text == NULL) {
		plug_result(res, LOA_OUT_FAILED, "no_text");
		return -1;
	}
	if (msg->delivery_id == NULL) {
		plug_result(res, LOA_OUT_FAILED, "no_delivery_id");
		return -1;
	}
	ucs2 = msg->encoding != NULL && strcmp(msg->encoding, "ucs2") == 0;
	/* "s*": CallbackUrl is left out when it is NULL. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s*}",
	    "ApiKey", e->api_key,
	    "SecretKey", e->secret_key,
	    "Phone", msg->to,
	    "Content", msg->text,
	    "Brandname", e->brandname,
	    "SmsType", e->sms_type,
	    "IsUnicode", ucs2 ? "1" : "0",
	    "Sandbox", e->sandbox,
	    "RequestId", msg->delivery_id,
	    "CallbackUrl", e->callback_url);
	if (o == NULL) {
		/* Jansson refuses text that is not UTF-8. */
		plug_result(res, LOA_OUT_FAILED, "bad_text");
		return -1;
	}
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (body == NULL) {
		plug_result(res, LOA_OUT_FAILED, "cannot_encode");
		return -1;
	}
	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "POST");
	snprintf(req->url, sizeof(req->url), "%s", e->url);
	req->headers[0].name = "Content-Type";
	req->headers[0].value = "application/json";
	req->nheaders = 1;
	req->body = body;
	req->body_len = strlen(body);
	return 0;
}

/*
 * An answer without a CodeResult we can read: a 2xx is retried (safe, as
 * eSMS de-duplicates); a redirect or an auth/URL refusal means every
 * message would fail the same way (provider down); other 4xx fail this
 * message.
 */
static void
esms_classify_http(const struct loa_response *resp, struct loa_result *res)
{
	int	s = resp->http_status;

	if (s >= 200 && s < 300)
		plug_result(res, LOA_OUT_RETRY, "bad_answer");
	else if (s < 400 || s == 401 || s == 403 || s == 404 || s == 405)
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "http_%d", s);
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", s);
}

static void
esms_classify(void *state, const struct loa_message *msg,
    const struct loa_response *resp, struct loa_result *res)
{
	json_t		*root;
	long		 code;
	size_t		 i;

	(void)state;
	(void)msg;
	if (loa_classify_transport(resp, res))
		return;
	root = json_loadb(resp->body != NULL ? resp->body : "",
	    resp->body != NULL ? resp->body_len : 0, 0, NULL);
	if (!json_is_object(root) ||
	    plug_code_value(json_object_get(root, "CodeResult"), &code) == -1) {
		esms_classify_http(resp, res);
		goto out;
	}
	for (i = 0; i < ESMS_NCODES; i++)
		if (esms_codes[i].code == code)
			break;
	if (i == ESMS_NCODES)
		plug_result(res, LOA_OUT_FAILED, "esms_%ld", code);
	else if (esms_codes[i].reason != NULL)
		plug_result(res, esms_codes[i].outcome, "%s",
		    esms_codes[i].reason);
	else
		plug_result(res, esms_codes[i].outcome, "esms_%ld", code);
	if (res->outcome == LOA_OUT_SENT)
		plug_provider_id(res, json_object_get(root, "SMSID"));
out:
	json_decref(root);
}

/*
 * A parameter of the callback: from the query string, else (POST) from
 * a form body.  Returns as plug_param().
 */
static long
esms_param(const struct loa_webhook *wh, const char *name, char *out,
    size_t size)
{
	const char	*q = wh->query != NULL ? wh->query : "";
	long		 r;

	r = plug_param(q, strlen(q), name, out, size);
	if (r == -1 && wh->method != NULL && strcmp(wh->method, "POST") == 0 &&
	    wh->body != NULL)
		r = plug_param(wh->body, wh->body_len, name, out, size);
	return r;
}

/*
 * Contract: an eSMS delivery callback.  BAD_SIGNATURE without
 * webhook_token_file or when the query's loa_token is not the token.
 * Then MALFORMED without SMSID or with a SendStatus other than 2, 4, 5
 * or 7; 5 (sent) is one DELIVERED report, 4 (rejected) one FAILED
 * "rejected", 2 and 7 (waiting) none.  provider_id is SMSID as
 * classify() keeps it.
 */
static int
esms_report(void *state, const struct loa_webhook *wh,
    struct loa_report *reps, int max)
{
	struct esms	*e = state;
	char		 id[1024], status[16];
	int		 rv, code;

	if ((rv = plug_check_token(e->host, wh, e->token)) != 0)
		return rv;
	/* From eSMS from here on. */
	if (esms_param(wh, "SMSID", id, sizeof(id)) <= 0 ||
	    esms_param(wh, "SendStatus", status, sizeof(status)) <= 0 ||
	    !plug_digits(status, 3))
		return LOA_REPORT_MALFORMED;
	switch ((code = atoi(status))) {
	case 2:		/* waiting */
	case 7:		/* awaiting the carrier's report */
		return 0;
	case 4:		/* rejected */
	case 5:		/* sent */
		break;
	default:
		return LOA_REPORT_MALFORMED;
	}
	if (max < 1)
		return 0;
	memset(&reps[0], 0, sizeof(reps[0]));
	plug_id_copy(reps[0].provider_id, sizeof(reps[0].provider_id), id);
	if (code == 5)
		reps[0].status = LOA_REPORT_DELIVERED;
	else {
		reps[0].status = LOA_REPORT_FAILED;
		snprintf(reps[0].reason, sizeof(reps[0].reason), "rejected");
	}
	return 1;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"esms",
	"sms",
	esms_keys,
	esms_create,
	esms_destroy,
	esms_build,
	esms_classify,
	LOA_PROVIDER_DEDUPES | LOA_PROVIDER_REPORTS,
	NULL,
	NULL,
	NULL,
	esms_report,
};
