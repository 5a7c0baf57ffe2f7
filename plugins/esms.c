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
	NULL
};

struct esms {
	const char	*api_key;	/* host's strings, valid until */
	const char	*secret_key;	/* destroy */
	const char	*brandname;
	const char	*sms_type;
	const char	*sandbox;	/* "1" or "0" */
	const char	*callback_url;	/* NULL: not sent */
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
 * Read the instance's config and secrets.  Every missing or bad key is
 * logged (by name, never with a secret's value) before -1 is returned.
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
	e->callback_url = v;

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
	free(e);
	return -1;
}

static void
esms_destroy(void *state)
{
	free(state);
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
};
