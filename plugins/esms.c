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
 * Bytes of the valid UTF-8 sequence at s (1 to 4), or 0 when s does not
 * start one: a stray continuation byte, an overlong form, a surrogate,
 * beyond U+10FFFF or cut short (what Jansson refuses too).
 */
static size_t
esms_utf8_seq(const unsigned char *s)
{
	unsigned	c = s[0], n, i, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Write s as a JSON string (quotes included) at out, escaped the way
 * json_dumps() does it (\" \\ \b \f \n \r \t, other controls \u00XX,
 * UTF-8 kept as it is), or with out NULL only count.  Returns the bytes
 * written (or needed), or -1 when s is not valid UTF-8.
 */
static long
esms_json_str(char *out, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s;
	long			 len = 2;
	size_t			 n;
	char			 e[6];
	int			 k;

	if (out != NULL)
		*out++ = '"';
	for (; *p != '\0'; p += n) {
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			/* A run of plain ASCII, as it is. */
			for (n = 1; p[n] >= 0x20 && p[n] < 0x80 &&
			    p[n] != '"' && p[n] != '\\'; n++)
				;
			if (out != NULL) {
				memcpy(out, p, n);
				out += n;
			}
			len += (long)n;
			continue;
		}
		if ((n = esms_utf8_seq(p)) == 0)
			return -1;
		k = 0;
		if (*p == '"' || *p == '\\')
			e[k++] = '\\', e[k++] = (char)*p;
		else if (*p < 0x20) {
			e[k++] = '\\';
			switch (*p) {
			case '\b': e[k++] = 'b'; break;
			case '\f': e[k++] = 'f'; break;
			case '\n': e[k++] = 'n'; break;
			case '\r': e[k++] = 'r'; break;
			case '\t': e[k++] = 't'; break;
			default:
				e[k++] = 'u', e[k++] = '0', e[k++] = '0';
				e[k++] = hex[*p >> 4];
				e[k++] = hex[*p & 0xf];
			}
		}
		if (k == 0) {
			if (out != NULL) {
				memcpy(out, p, n);
				out += n;
			}
			len += (long)n;
		} else {
			if (out != NULL) {
				memcpy(out, e, k);
				out += k;
			}
			len += k;
		}
	}
	if (out != NULL)
		*out = '"';
	return len;
}

/* The fields of the request body, in the order eSMS documents them. */
#define ESMS_NFIELDS	10

/*
 * The request body: {"key":"value",...} for the n fields with a value
 * (NULL values are left out), compact, as json_dumps() writes it.
 * Returns a malloc'd string, or NULL when a value is not UTF-8 or memory
 * is short.
 */
static char *
esms_body(const char *const *keys, const char *const *vals, int n)
{
	char	*body, *p;
	long	 len = 2, l;
	int	 i, first = 1;

	for (i = 0; i < n; i++) {
		if (vals[i] == NULL)
			continue;
		if ((l = esms_json_str(NULL, vals[i])) == -1)
			return NULL;
		len += (long)strlen(keys[i]) + 3 + l + 1;
	}
	if ((body = malloc(len + 1)) == NULL)
		return NULL;
	p = body;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (vals[i] == NULL)
			continue;
		if (!first)
			*p++ = ',';
		first = 0;
		*p++ = '"';
		p = stpcpy(p, keys[i]);
		*p++ = '"';
		*p++ = ':';
		p += esms_json_str(p, vals[i]);
	}
	*p++ = '}';
	*p = '\0';
	return body;
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
	static const char *const keys[ESMS_NFIELDS] = {
		"ApiKey", "SecretKey", "Phone", "Content", "Brandname",
		"SmsType", "IsUnicode", "Sandbox", "RequestId", "CallbackUrl"
	};
	const char	*vals[ESMS_NFIELDS];
	struct esms	*e = state;
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
	vals[0] = e->api_key;
	vals[1] = e->secret_key;
	vals[2] = msg->to;
	vals[3] = msg->text;
	vals[4] = e->brandname;
	vals[5] = e->sms_type;
	vals[6] = ucs2 ? "1" : "0";
	vals[7] = e->sandbox;
	vals[8] = msg->delivery_id;
	vals[9] = e->callback_url;	/* left out when NULL */
	if ((body = esms_body(keys, vals, ESMS_NFIELDS)) == NULL) {
		/* Text that is not UTF-8 (or no memory: the same answer). */
		plug_result(res, LOA_OUT_FAILED, "bad_text");
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

/* A plain JSON string at *p (no escapes, printable ASCII): its bounds. */
static int
esms_flat_str(const char **p, const char *end, const char **s, size_t *n)
{
	const char	*q = *p + 1;

	if (**p != '"')
		return -1;
	while (q < end && *q != '"') {
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return -1;
		q++;
	}
	if (q == end)
		return -1;
	*s = *p + 1;
	*n = (size_t)(q - *s);
	*p = q + 1;
	return 0;
}

static const char *
esms_flat_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * eSMS's usual answer read without building a JSON tree: a flat object
 * whose values are plain strings (printable ASCII, no escapes) or small
 * integers, {"CodeResult":"100","CountRegenerate":0,"SMSID":"..."}.
 * When it is one and its CodeResult is a string of 1 to 9 digits and its
 * SMSID, if any, a string, sets *code and *id (NULL: none; the last of
 * repeated keys, as json_loadb) and returns 0.  Anything else returns -1
 * and is read by json_loadb, so both ways give the same answer.
 */
static int
esms_flat(const char *p, size_t len, long *code, const char **id,
    size_t *idlen)
{
	const char	*end = p + len, *k, *v, *cv = NULL;
	size_t		 kn, vn, cn = 0;
	int		 str;

	*id = NULL;
	if ((p = esms_flat_ws(p, end)) == end || *p++ != '{')
		return -1;
	if ((p = esms_flat_ws(p, end)) < end && *p == '}')
		return -1;	/* no CodeResult */
	for (;;) {
		if (esms_flat_str(&p, end, &k, &kn) == -1 ||
		    (p = esms_flat_ws(p, end)) == end || *p++ != ':' ||
		    (p = esms_flat_ws(p, end)) == end)
			return -1;
		if ((str = *p == '"')) {
			if (esms_flat_str(&p, end, &v, &vn) == -1)
				return -1;
		} else {
			v = p;
			if (p < end && *p == '-')
				p++;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
			vn = (size_t)(p - v);
			if (vn == 0 || vn > 18 || (v[0] == '-' && vn == 1) ||
			    (vn > 1 && v[v[0] == '-'] == '0' &&
			    (size_t)(v[0] == '-') + 1 < vn))
				return -1;
		}
		if (kn == 10 && memcmp(k, "CodeResult", 10) == 0) {
			cv = str ? v : NULL;
			cn = str ? vn : 0;
			if (!str)
				return -1;
		} else if (kn == 5 && memcmp(k, "SMSID", 5) == 0) {
			if (!str)
				return -1;
			*id = v;
			*idlen = vn;
		}
		if ((p = esms_flat_ws(p, end)) == end)
			return -1;
		if (*p == '}')
			break;
		if (*p++ != ',' || (p = esms_flat_ws(p, end)) == end)
			return -1;
	}
	if (esms_flat_ws(p + 1, end) != end || cv == NULL || cn == 0 ||
	    cn > 9 || strspn(cv, "0123456789") < cn)
		return -1;
	*code = strtol(cv, NULL, 10);
	return 0;
}

/* The outcome of CodeResult code. */
static void
esms_code_result(long code, struct loa_result *res)
{
	size_t	i;

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
}

static void
esms_classify(void *state, const struct loa_message *msg,
    const struct loa_response *resp, struct loa_result *res)
{
	const char	*body = resp->body != NULL ? resp->body : "", *id;
	size_t		 len = resp->body != NULL ? resp->body_len : 0, idlen = 0;
	char		 idbuf[sizeof(res->provider_id)];
	json_t		*root;
	long		 code;

	(void)state;
	(void)msg;
	if (loa_classify_transport(resp, res))
		return;
	if (esms_flat(body, len, &code, &id, &idlen) == 0) {
		/* The common case, without a JSON tree. */
		esms_code_result(code, res);
		/* An id too long for idbuf is refused, never cut. */
		if (res->outcome == LOA_OUT_SENT && id != NULL &&
		    idlen < sizeof(idbuf)) {
			memcpy(idbuf, id, idlen);
			idbuf[idlen] = '\0';
			(void)plug_id_copy(res->provider_id,
			    sizeof(res->provider_id), idbuf);
		}
		return;
	}
	root = json_loadb(body, len, 0, NULL);
	if (!json_is_object(root) ||
	    plug_code_value(json_object_get(root, "CodeResult"), &code) == -1) {
		plug_classify_http(resp, res);	/* a retry is safe: RequestId */
		goto out;
	}
	esms_code_result(code, res);
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
 * Then MALFORMED without SMSID, with one that breaks the message-id
 * rule (loa_provider_id_ok), or with a SendStatus other than 2, 4, 5
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
	if (plug_id_copy(reps[0].provider_id, sizeof(reps[0].provider_id),
	    id) == -1)
		return LOA_REPORT_MALFORMED;	/* never a message of ours */
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
	NULL,		/* no messages from residents */
};
