/*
 * speedsms.c -- the SpeedSMS provider: SMS through api.speedsms.vn.
 *
 * Each message is one POST to {base_url}/index.php/sms/send with HTTP
 * Basic authentication (the API token as user, "x" as password) and a
 * JSON body
 *
 *	{"to":["84912345678"],"content":"..","sms_type":3,"sender":"BRAND"}
 *
 * sms_type is a number: 2 random number sender, 3 brandname (the
 * default, as the documented example), 4 the default "Notify"/"Verify"
 * brandname, 5 sent through the account's Android app.  sender is
 * required for 3 (the brandname) and 5 (the app's device id) and left out
 * for 2 and 4 unless configured.
 *
 * SpeedSMS answers {"status":"success","code":"00","data":{"tranId":..}}
 * or {"status":"error","code":"105","message":".."}; over its rate limit
 * it answers HTTP 429 with X-Rate-Limit-Reset, read as the seconds until
 * the limit resets, or as the epoch time of the reset when it is large
 * (see speedsms_reset_ms).  SpeedSMS does not de-duplicate: flags LOA_PROVIDER_REPORTS only.
 *
 * Delivery reports (the format is UNVERIFIED, shared/providers.md): a JSON
 * POST {"type":"report","tranId":..,"phone":"..","status":0}.  SpeedSMS
 * signs nothing, so the operator puts ?loa_token=<token> in the callback
 * URL set at SpeedSMS, and report() refuses any call whose loa_token is
 * not the token of webhook_token_file (every call, without it).
 *
 * The plugin does no I/O.  The Authorization value is computed once in
 * create, wiped in destroy, and copied into each request's hbuf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

#define SPEEDSMS_BASE_URL	"https://api.speedsms.vn"
#define SPEEDSMS_SEND_PATH	"/index.php/sms/send"
#define SPEEDSMS_TYPE_DEFAULT	3
#define SPEEDSMS_AUTH_MAX	1024	/* "Basic " + base64, with NUL */
#define SPEEDSMS_RESET_MAX_MS	3600000L /* longest wait we accept */

static const char *const speedsms_keys[] = {
	"token_file",
	"sms_type",
	"sender",
	"webhook_token_file",
	NULL
};

/* The Authorization value is copied whole into a request's hbuf. */
_Static_assert(SPEEDSMS_AUTH_MAX <= sizeof(((struct loa_request *)0)->hbuf),
    "SPEEDSMS_AUTH_MAX exceeds loa_request.hbuf");

struct speedsms {
	const struct loa_host *host;
	const char	*token;		/* webhook token (host's); NULL:
					   reports refused */
	int		 sms_type;
	const char	*sender;	/* host's string, or NULL */
	char		 url[1024];
	char		 auth[SPEEDSMS_AUTH_MAX];	/* secret: wiped */
};

/*
 * How each SpeedSMS error code is read; reason "speedsms_<code>".  A code
 * not listed fails the message.
 */
struct speedsms_code {
	long		 code;
	enum loa_outcome outcome;
	const char	*reason;
};

static const struct speedsms_code speedsms_codes[] = {
	/* IP locked */
	{ 7, LOA_OUT_PROVIDER_DOWN, "speedsms_007" },
	/* account blocked */
	{ 8, LOA_OUT_PROVIDER_DOWN, "speedsms_008" },
	/* bad parameters */
	{ 101, LOA_OUT_FAILED, "speedsms_101" },
	/* bad phone number */
	{ 105, LOA_OUT_FALLBACK, "speedsms_105" },
	/* content encoding not supported */
	{ 110, LOA_OUT_FAILED, "speedsms_110" },
	/* content too long */
	{ 113, LOA_OUT_FAILED, "speedsms_113" },
	/* balance too low */
	{ 300, LOA_OUT_PROVIDER_DOWN, "speedsms_300" },
	/* internal error: try again */
	{ 500, LOA_OUT_RETRY, "speedsms_500" },
};
#define SPEEDSMS_NCODES \
	(sizeof(speedsms_codes) / sizeof(speedsms_codes[0]))

/*
 * Read the instance's config and token.  Every missing or bad key is
 * logged (by name, never with the token) before -1 is returned.  Without
 * webhook_token_file, logs once (info) that delivery reports will be
 * refused.
 */
static int
speedsms_create(const struct loa_host *host, void **state)
{
	struct speedsms	*s;
	const char	*base, *v, *token;
	size_t		 n;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return -1;
	}
	s->host = host;
	if ((base = host->config(host->hctx, "base_url")) == NULL)
		base = SPEEDSMS_BASE_URL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || (size_t)snprintf(s->url, sizeof(s->url), "%.*s%s",
	    (int)n, base, SPEEDSMS_SEND_PATH) >= sizeof(s->url)) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "base_url: empty or too long");
		goto fail;
	}

	s->sms_type = SPEEDSMS_TYPE_DEFAULT;
	if ((v = host->config(host->hctx, "sms_type")) != NULL) {
		if (strlen(v) != 1 || v[0] < '2' || v[0] > '5') {
			host->log(host->hctx, LOA_LOG_ERR,
			    "sms_type: want 2, 3, 4 or 5, not \"%s\"", v);
			goto fail;
		}
		s->sms_type = v[0] - '0';
	}
	if ((v = host->config(host->hctx, "sender")) != NULL && *v == '\0')
		v = NULL;
	if (v == NULL && (s->sms_type == 3 || s->sms_type == 5)) {
		host->log(host->hctx, LOA_LOG_ERR, "sender: required with "
		    "sms_type %d (the %s)", s->sms_type, s->sms_type == 3 ?
		    "registered brandname" : "app's device id");
		goto fail;
	}
	s->sender = v;

	if ((token = host->secret(host->hctx, "token_file")) == NULL ||
	    *token == '\0') {
		host->log(host->hctx, LOA_LOG_ERR,
		    "token_file: required (a file holding the API token)");
		goto fail;
	}
	if (plug_basic_auth(token, "x", s->auth, sizeof(s->auth)) == -1) {
		host->log(host->hctx, LOA_LOG_ERR,
		    "token_file: token too long");
		goto fail;
	}
	if (plug_report_secret(host, "webhook_token_file", &s->token) == -1)
		goto fail;
	*state = s;
	return 0;

fail:
	explicit_bzero(s, sizeof(*s));
	free(s);
	return -1;
}

static void
speedsms_destroy(void *state)
{
	struct speedsms	*s = state;

	if (s == NULL)
		return;
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/*
 * The request for msg.  The body is malloc'd here and freed by the
 * daemon; the Authorization value is copied into req->hbuf, the other
 * header strings are static.  Returns -1 (res: FAILED and why) when msg
 * has no usable phone or text, or its text is not UTF-8.
 */
static int
speedsms_build(void *state, const struct loa_message *msg,
    struct loa_request *req, struct loa_result *res)
{
	struct speedsms	*s = state;
	json_t		*o;
	char		*body;
	size_t		 alen = strlen(s->auth);

	if (msg->to == NULL || !plug_digits(msg->to, 15)) {
		plug_result(res, LOA_OUT_FAILED, "bad_to");
		return -1;
	}
	if (msg->text == NULL) {
		plug_result(res, LOA_OUT_FAILED, "no_text");
		return -1;
	}
	/* "s*": sender is left out when it is NULL. */
	o = json_pack("{s:[s], s:s, s:i, s:s*}",
	    "to", msg->to,
	    "content", msg->text,
	    "sms_type", s->sms_type,
	    "sender", s->sender);
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
	snprintf(req->url, sizeof(req->url), "%s", s->url);
	/* auth fits: SPEEDSMS_AUTH_MAX < sizeof(req->hbuf). */
	memcpy(req->hbuf, s->auth, alen + 1);
	req->headers[0].name = "Authorization";
	req->headers[0].value = req->hbuf;
	req->headers[1].name = "Content-Type";
	req->headers[1].value = "application/json";
	req->nheaders = 2;
	req->body = body;
	req->body_len = strlen(body);
	return 0;
}

/*
 * The wait X-Rate-Limit-Reset asks for, in ms, or -1 when absent or not
 * a whole number.  A value below 10^9 is the number of seconds until the
 * reset; a larger one is the epoch time of the reset (seconds, or
 * milliseconds from 10^12 on), counted from now.  The wait is kept within
 * 1 s .. 1 h, so clock skew neither hammers the provider nor parks the
 * message for ever.
 */
static long
speedsms_reset_ms(const struct loa_response *resp)
{
	const char	*v;
	long long	 x, ms;

	v = plug_header(resp->headers, resp->nheaders, "X-Rate-Limit-Reset");
	if (v == NULL)
		return -1;
	v += strspn(v, " \t");
	if (!plug_digits(v, 15))
		return -1;
	x = strtoll(v, NULL, 10);
	if (x < 1000000000LL)
		ms = x * 1000;
	else if (x < 1000000000000LL)
		ms = (x - (long long)time(NULL)) * 1000;
	else
		ms = x - (long long)time(NULL) * 1000;
	if (ms < 1000)
		ms = 1000;
	if (ms > SPEEDSMS_RESET_MAX_MS)
		ms = SPEEDSMS_RESET_MAX_MS;
	return (long)ms;
}

/*
 * status "success": sent, unless data.invalidPhone lists a number (we
 * send to one number only, so it is ours: fall back).  status "error":
 * the code table.
 */
static void
speedsms_classify(void *state, const struct loa_message *msg,
    const struct loa_response *resp, struct loa_result *res)
{
	json_t		*root, *data, *bad;
	const char	*status;
	long		 code;
	size_t		 i;

	(void)state;
	(void)msg;
	if (loa_classify_transport(resp, res)) {
		if (resp->http_status == 429)
			res->retry_after_ms = speedsms_reset_ms(resp);
		return;
	}
	root = json_loadb(resp->body != NULL ? resp->body : "",
	    resp->body != NULL ? resp->body_len : 0, 0, NULL);
	status = json_string_value(json_object_get(root, "status"));
	if (status != NULL && strcmp(status, "success") == 0) {
		data = json_object_get(root, "data");
		bad = json_object_get(data, "invalidPhone");
		if (json_is_array(bad) && json_array_size(bad) > 0)
			plug_result(res, LOA_OUT_FALLBACK,
			    "speedsms_invalid_phone");
		else {
			res->outcome = LOA_OUT_SENT;
			plug_provider_id(res, json_object_get(data,
			    "tranId"));
		}
	} else if (status != NULL && strcmp(status, "error") == 0) {
		if (plug_code_value(json_object_get(root, "code"),
		    &code) == -1)
			plug_result(res, LOA_OUT_FAILED, "speedsms_error");
		else {
			for (i = 0; i < SPEEDSMS_NCODES; i++)
				if (speedsms_codes[i].code == code)
					break;
			if (i < SPEEDSMS_NCODES)
				plug_result(res, speedsms_codes[i].outcome,
				    "%s", speedsms_codes[i].reason);
			else
				plug_result(res, LOA_OUT_FAILED,
				    "speedsms_%03ld", code);
		}
	} else
		plug_classify_http(resp, res);
	json_decref(root);
}

/*
 * Contract: a SpeedSMS delivery report.  BAD_SIGNATURE without
 * webhook_token_file or when the query's loa_token is not the token.
 * Then MALFORMED for another method than POST, a body that is not a JSON
 * object, no string "type", or, for a report, no tranId (string or
 * number) or no integer status (a number or a string of digits).  A type
 * other than "report" is 0 reports; status 0 is one DELIVERED report,
 * another one FAILED "status_<n>".  provider_id is tranId as classify()
 * keeps it (a number as decimal text).
 */
static int
speedsms_report(void *state, const struct loa_webhook *wh,
    struct loa_report *reps, int max)
{
	struct speedsms	*s = state;
	json_t		*root;
	const char	*type;
	long		 status;
	int		 rv;

	if ((rv = plug_check_token(s->host, wh, s->token)) != 0)
		return rv;
	/* From SpeedSMS from here on. */
	if (wh->method == NULL || strcmp(wh->method, "POST") != 0 ||
	    wh->body == NULL)
		return LOA_REPORT_MALFORMED;
	rv = LOA_REPORT_MALFORMED;
	root = json_loadb(wh->body, wh->body_len, 0, NULL);
	if ((type = json_string_value(json_object_get(root, "type"))) == NULL)
		goto out;
	if (strcmp(type, "report") != 0 || max < 1) {
		rv = 0;
		goto out;
	}
	memset(&reps[0], 0, sizeof(reps[0]));
	if (plug_json_id(reps[0].provider_id, sizeof(reps[0].provider_id),
	    json_object_get(root, "tranId")) == -1 ||
	    reps[0].provider_id[0] == '\0' ||
	    plug_code_value(json_object_get(root, "status"), &status) == -1)
		goto out;
	if (status == 0)
		reps[0].status = LOA_REPORT_DELIVERED;
	else {
		reps[0].status = LOA_REPORT_FAILED;
		snprintf(reps[0].reason, sizeof(reps[0].reason), "status_%ld",
		    status);
	}
	rv = 1;
out:
	json_decref(root);
	return rv;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"speedsms",
	"sms",
	speedsms_keys,
	speedsms_create,
	speedsms_destroy,
	speedsms_build,
	speedsms_classify,
	LOA_PROVIDER_REPORTS,
	NULL,
	NULL,
	NULL,
	speedsms_report,
	NULL,		/* no messages from residents */
};
