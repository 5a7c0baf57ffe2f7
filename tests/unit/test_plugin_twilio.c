/*
 * test_plugin_twilio.c -- unit tests of plugins/twilio.c, built with the
 * plugin's source: the module head; create() against an in-memory host
 * (every refusal names its key and never shows the auth token); the Basic
 * authorization for secrets of every length modulo 3; the exact request
 * (URL, headers, form string) for a Vietnamese UCS-2 message and a GSM-7
 * one, and the percent-encoding of the bytes that need it; refusals of
 * messages that cannot be expressed; and the reading of Twilio's answers:
 * the created message, every error code the plugin knows, an unknown
 * one, transport failures and odd answers; and status callbacks: the
 * X-Twilio-Signature checked against vectors computed with
 * `openssl dgst -sha1 -hmac TOKEN -binary | base64`, then every status.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa/provider.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

extern const struct loa_provider_module loa_provider;

#define SID		"AC0123456789abcdef0123456789abcdef"
#define TOKEN		"f00dfeedcafe0123456789abcdef0000"
/* base64(SID ":" TOKEN) */
#define AUTH \
	"Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2Rl" \
	"ZjpmMDBkZmVlZGNhZmUwMTIzNDU2Nzg5YWJjZGVmMDAwMA=="
#define MSS		"MG0123456789abcdef0123456789abcdef"
#define FORM_TYPE	"application/x-www-form-urlencoded"

#include "plugin_host.h"
#include "webhook_check.h"

static const struct kv secrets_ok[] = {
	{ "auth_token_file", TOKEN },
	{ NULL, NULL }
};

static const struct kv conf_from[] = {
	{ "plugin", "twilio" },
	{ "base_url", "http://127.0.0.1:8091/" },
	{ "account_sid", SID },
	{ "auth_token_file", "/etc/loa/twilio.token" },
	{ "from", "+15005550006" },
	{ "status_callback", "https://loa.example.vn/webhooks/twilio?x=1&y=2" },
	{ NULL, NULL }
};

static const struct kv conf_mss[] = {
	{ "plugin", "twilio" },
	{ "account_sid", SID },
	{ "auth_token_file", "/etc/loa/twilio.token" },
	{ "messaging_service_sid", MSS },
	{ NULL, NULL }
};

static const struct kv conf_no_sid[] = {
	{ "auth_token_file", "t" }, { "from", "+15005550006" },
	{ NULL, NULL }
};
static const struct kv conf_bad_sid[] = {
	{ "account_sid", "AC12/../x" }, { "auth_token_file", "t" },
	{ "from", "+15005550006" }, { NULL, NULL }
};
static const struct kv conf_no_token[] = {
	{ "account_sid", SID }, { "from", "+15005550006" }, { NULL, NULL }
};
static const struct kv conf_no_sender[] = {
	{ "account_sid", SID }, { "auth_token_file", "t" }, { NULL, NULL }
};
static const struct kv conf_two_senders[] = {
	{ "account_sid", SID }, { "auth_token_file", "t" },
	{ "from", "+15005550006" }, { "messaging_service_sid", MSS },
	{ NULL, NULL }
};
static const struct kv conf_bad_callback[] = {
	{ "account_sid", SID }, { "auth_token_file", "t" },
	{ "from", "+15005550006" }, { "status_callback", "/relative" },
	{ NULL, NULL }
};

/* Every config create() refuses, and the key its log line must name. */
static const struct {
	const char	*name;
	const struct kv	*config;
	const struct kv	*secrets;
	const char	*key;
} refusals[] = {
	{ "no account_sid", conf_no_sid, secrets_ok, "account_sid" },
	{ "account_sid not alphanumeric", conf_bad_sid, secrets_ok,
	    "account_sid" },
	{ "no auth_token_file", conf_no_token, secrets_ok,
	    "auth_token_file" },
	{ "auth token unreadable", conf_mss, NULL, "auth_token_file" },
	{ "neither from nor messaging_service_sid", conf_no_sender,
	    secrets_ok, "messaging_service_sid" },
	{ "both from and messaging_service_sid", conf_two_senders,
	    secrets_ok, "messaging_service_sid" },
	{ "bad status_callback", conf_bad_callback, secrets_ok,
	    "status_callback" },
};

static void
test_module(void)
{
	static const char *const want[] = { "account_sid", "auth_token_file",
	    "from", "messaging_service_sid", "status_callback" };
	size_t	i;

	is_int(loa_provider.abi_major, LOA_PROVIDER_ABI_MAJOR, "abi major");
	is_int(loa_provider.abi_minor, LOA_PROVIDER_ABI_MINOR, "abi minor");
	is_int(loa_provider.struct_size, sizeof(struct loa_provider_module),
	    "struct size");
	is_str(loa_provider.name, "twilio", "name");
	is_str(loa_provider.channels, "sms", "channels");
	is_int(loa_provider.flags, LOA_PROVIDER_REPORTS,
	    "flags: reports, no de-duplication");
	ok(loa_provider.refresh_build == NULL &&
	    loa_provider.refresh_parse == NULL &&
	    loa_provider.set_token == NULL, "no token refresh");
	ok(loa_provider.report != NULL, "delivery reports");
	for (i = 0; i < nitems(want) &&
	    loa_provider.config_keys[i] != NULL; i++)
		is_str(loa_provider.config_keys[i], want[i], "config key %zu",
		    i);
	is_int(i, nitems(want), "config key count");
	ok(loa_provider.config_keys[nitems(want)] == NULL,
	    "config keys NULL-terminated");
}

static void
test_create(void)
{
	struct th	 th;
	struct loa_host	 host;
	void		*st;
	size_t		 i;
	int		 rv;

	rv = th_create(&th, &host, conf_from, secrets_ok, &st);
	is_int(rv, 0, "create: with from");
	ok(st != NULL, "create: state set");
	is_int(th.nerr, 0, "create: nothing logged as an error");
	is_str(th.log, "", "create: with status_callback: nothing logged");
	loa_provider.destroy(st);
	rv = th_create(&th, &host, conf_mss, secrets_ok, &st);
	is_int(rv, 0, "create: with messaging_service_sid");
	is_str(th.log, "status_callback not set: delivery reports will be "
	    "refused\n", "create: no status_callback: said once");
	loa_provider.destroy(st);

	for (i = 0; i < nitems(refusals); i++) {
		rv = th_create(&th, &host, refusals[i].config,
		    refusals[i].secrets, &st);
		is_int(rv, -1, "create refuses: %s", refusals[i].name);
		ok(th.nerr >= 1 && strstr(th.log, refusals[i].key) != NULL,
		    "create: %s: error names %s", refusals[i].name,
		    refusals[i].key);
		ok(strstr(th.log, TOKEN) == NULL,
		    "create: %s: no token in the log", refusals[i].name);
	}
}

static const struct loa_message msg_ucs2 = {
	.delivery_id = "0123456789abcdef0123456789abcdef",
	.job_id = "hk-2026-11-27-001",
	.channel = "sms",
	.to = "84912345678",
	.text = "Thông báo: cúp điện 28/11 từ 7h–17h & nước 50% "
	    "(P. Hoàn Kiếm)",
	.encoding = "ucs2",
	.segments = 1,
	.attempt = 1,
};

static const struct loa_message msg_gsm7 = {
	.delivery_id = "fedcba9876543210fedcba9876543210",
	.job_id = "hk-2026-11-27-002",
	.channel = "sms",
	.to = "84388123456",
	.text = "Thong bao: cup dien 28/11 tu 7h-17h, lien he 024.3825+1234",
	.encoding = "gsm7",
	.segments = 1,
	.attempt = 1,
};

/* Basic authorization for "ACx:" + secrets of every length modulo 3. */
static void
test_auth(void)
{
	static const struct kv conf[] = {
		{ "account_sid", "ACx" }, { "auth_token_file", "t" },
		{ "from", "+15005550006" }, { NULL, NULL }
	};
	static const struct {
		const char	*token;
		const char	*want;
	} auths[] = {
		{ "y", "Basic QUN4Onk=" },
		{ "yz", "Basic QUN4Onl6" },
		{ "yzw", "Basic QUN4Onl6dw==" },
	};
	struct kv		 sec[2] = { { "auth_token_file", NULL },
				    { NULL, NULL } };
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	void			*st;
	size_t			 i;

	for (i = 0; i < nitems(auths); i++) {
		sec[0].value = auths[i].token;
		if (th_create(&th, &host, conf, sec, &st) == -1) {
			ok(0, "auth %zu: create", i);
			continue;
		}
		memset(&req, 0, sizeof(req));
		result_init(&res);
		loa_provider.build(st, &msg_gsm7, &req, &res);
		is_str(req.headers[0].value, auths[i].want, "auth %zu: value",
		    i);
		ok(req.headers[0].value >= req.hbuf &&
		    req.headers[0].value < req.hbuf + sizeof(req.hbuf),
		    "auth %zu: value lives in hbuf", i);
		is_str(req.url, "https://api.twilio.com/2010-04-01/Accounts/"
		    "ACx/Messages.json", "auth %zu: url", i);
		free(req.body);
		loa_provider.destroy(st);
	}
}

static void
check_request(const char *what, const struct loa_request *req,
    const char *url, const char *body)
{
	is_int(req->transport, LOA_TRANSPORT_HTTP, "%s: http", what);
	is_str(req->method, "POST", "%s: method", what);
	is_str(req->url, url, "%s: url", what);
	is_int(req->nheaders, 2, "%s: two headers", what);
	is_str(req->headers[0].name, "Authorization", "%s: header 0 name",
	    what);
	is_str(req->headers[0].value, AUTH, "%s: header 0 value", what);
	is_str(req->headers[1].name, "Content-Type", "%s: header 1 name",
	    what);
	is_str(req->headers[1].value, FORM_TYPE, "%s: header 1 value", what);
	is_str(req->body, body, "%s: exact form", what);
	ok(req->body != NULL && req->body_len == strlen(req->body),
	    "%s: body length", what);
}

static void
test_build(void)
{
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st;
	int			 rv;

	/* UCS-2, From, StatusCallback, base_url with a trailing slash. */
	th_create(&th, &host, conf_from, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_ucs2, &req, &res);
	is_int(rv, 0, "ucs2: built");
	check_request("ucs2", &req, "http://127.0.0.1:8091/2010-04-01/"
	    "Accounts/" SID "/Messages.json",
	    "To=%2B84912345678"
	    "&From=%2B15005550006"
	    "&Body=Th%C3%B4ng%20b%C3%A1o%3A%20c%C3%BAp%20%C4%91i%E1%BB%87n"
	    "%2028%2F11%20t%E1%BB%AB%207h%E2%80%9317h%20%26%20n%C6%B0%E1%BB"
	    "%9Bc%2050%25%20%28P.%20Ho%C3%A0n%20Ki%E1%BA%BFm%29"
	    "&StatusCallback=https%3A%2F%2Floa.example.vn%2Fwebhooks%2F"
	    "twilio%3Fx%3D1%26y%3D2");
	free(req.body);

	/* Unreserved bytes kept, control and multi-byte ones encoded. */
	m = msg_ucs2;
	m.text = "A~b_c.d-e\n€ *";
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &m, &req, &res);
	is_int(rv, 0, "encoding: built");
	ok(req.body != NULL && strstr(req.body,
	    "&Body=A~b_c.d-e%0A%E2%82%AC%20%2A&") != NULL,
	    "encoding: A~b_c.d-e%%0A%%E2%%82%%AC%%20%%2A");
	free(req.body);
	loa_provider.destroy(st);

	/* GSM-7, MessagingServiceSid, default base_url, no callback. */
	th_create(&th, &host, conf_mss, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_gsm7, &req, &res);
	is_int(rv, 0, "gsm7: built");
	check_request("gsm7", &req, "https://api.twilio.com/2010-04-01/"
	    "Accounts/" SID "/Messages.json",
	    "To=%2B84388123456"
	    "&MessagingServiceSid=" MSS
	    "&Body=Thong%20bao%3A%20cup%20dien%2028%2F11%20tu%207h-17h%2C"
	    "%20lien%20he%20024.3825%2B1234");
	free(req.body);

	/* Messages that cannot be expressed. */
	m = msg_gsm7;
	m.to = "";
	memset(&req, 0, sizeof(req));
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no phone: -1");
	is_str(outcome_name(res.outcome), "failed", "no phone: failed");
	is_str(res.reason, "bad_to", "no phone: reason");
	ok(req.body == NULL, "no phone: no body");

	m = msg_gsm7;
	m.to = "+84388123456";
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "'+' in to: -1");
	is_str(res.reason, "bad_to", "'+' in to: reason");

	m = msg_gsm7;
	m.text = NULL;
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no text: -1");
	is_str(outcome_name(res.outcome), "failed", "no text: failed");
	is_str(res.reason, "no_text", "no text: reason");
	ok(req.body == NULL, "no text: no body");
	loa_provider.destroy(st);
}

#define TW_ERR(code, status, msg)					\
	"{\"code\":" #code ",\"message\":\"" msg "\",\"more_info\":"	\
	"\"https://www.twilio.com/docs/errors/" #code "\",\"status\":"	\
	#status "}"

/* Real answers and how each must be read. */
static const struct answer answers[] = {
	{ "201 created", 201, 0,
	    "{\"account_sid\":\"" SID "\",\"api_version\":\"2010-04-01\","
	    "\"body\":\"Thong bao\",\"direction\":\"outbound-api\","
	    "\"error_code\":null,\"from\":\"+15005550006\",\"num_segments\":"
	    "\"1\",\"sid\":\"SM1f0e2d3c4b5a69788796a5b4c3d2e1f0\",\"status\":"
	    "\"queued\",\"to\":\"+84388123456\"}",
	    LOA_OUT_SENT, "", "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0", 0 },
	{ "200 with sid", 200, 0,
	    "{\"sid\":\"SMaaaa\",\"status\":\"accepted\"}",
	    LOA_OUT_SENT, "", "SMaaaa", 0 },
	{ "201 without sid", 201, 0, "{\"status\":\"queued\"}",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "201 empty sid", 201, 0, "{\"sid\":\"\"}",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "201 not JSON", 201, 0, "<html>Created</html>",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "201 empty", 201, 0, "", LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "20003 authenticate", 401, 0, TW_ERR(20003, 401, "Authenticate"),
	    LOA_OUT_PROVIDER_DOWN, "twilio_20003", "", 0 },
	{ "20005 account not active", 401, 0,
	    TW_ERR(20005, 401, "Account not active"),
	    LOA_OUT_PROVIDER_DOWN, "twilio_20005", "", 0 },
	{ "20404 not found", 404, 0,
	    TW_ERR(20404, 404, "The requested resource was not found"),
	    LOA_OUT_PROVIDER_DOWN, "twilio_20404", "", 0 },
	{ "21212 invalid From", 400, 0,
	    TW_ERR(21212, 400, "The 'From' number is not a valid phone "
	    "number"),
	    LOA_OUT_PROVIDER_DOWN, "twilio_21212", "", 0 },
	{ "21606 From not usable", 400, 0,
	    TW_ERR(21606, 400, "The From phone number is not a valid, "
	    "SMS-capable inbound phone number"),
	    LOA_OUT_PROVIDER_DOWN, "twilio_21606", "", 0 },
	{ "21211 invalid To", 400, 0,
	    TW_ERR(21211, 400, "The 'To' number is not a valid phone "
	    "number."),
	    LOA_OUT_FALLBACK, "twilio_21211", "", 0 },
	{ "21614 To not mobile", 400, 0,
	    TW_ERR(21614, 400, "'To' number is not a valid mobile number"),
	    LOA_OUT_FALLBACK, "twilio_21614", "", 0 },
	{ "21408 region", 400, 0,
	    TW_ERR(21408, 400, "Permission to send an SMS has not been "
	    "enabled for the region"),
	    LOA_OUT_FALLBACK, "twilio_21408", "", 0 },
	{ "21612 not reachable", 400, 0,
	    TW_ERR(21612, 400, "The 'To' phone number is not currently "
	    "reachable via SMS"),
	    LOA_OUT_FALLBACK, "twilio_21612", "", 0 },
	{ "21610 unsubscribed", 400, 0,
	    TW_ERR(21610, 400, "Attempt to send to unsubscribed recipient"),
	    LOA_OUT_FAILED, "twilio_21610", "", 0 },
	{ "21617 unknown to us", 400, 0,
	    TW_ERR(21617, 400, "The concatenated message body exceeds the "
	    "1600 character limit"),
	    LOA_OUT_FAILED, "twilio_21617", "", 0 },
	{ "code as a string", 400, 0,
	    "{\"code\":\"21211\",\"message\":\"invalid\"}",
	    LOA_OUT_FALLBACK, "twilio_21211", "", 0 },
	{ "20429 in a 429", 429, 0,
	    TW_ERR(20429, 429, "Too Many Requests"),
	    LOA_OUT_RETRY, "rate_limited", "", 1 },
	{ "20429 in a 400", 400, 0,
	    TW_ERR(20429, 400, "Too Many Requests"),
	    LOA_OUT_RETRY, "twilio_20429", "", 1 },
	{ "500", 500, 0,
	    TW_ERR(20500, 500, "Internal Server Error"),
	    LOA_OUT_RETRY, "http_5xx", "", 0 },
	{ "503 page", 503, 0, "<html>Service Unavailable</html>",
	    LOA_OUT_RETRY, "http_5xx", "", 0 },
	{ "no answer", 0, 0, "", LOA_OUT_RETRY, "no_answer", "", 0 },
	{ "timed out", 0, 1, "", LOA_OUT_RETRY, "timeout", "", 0 },
	{ "401 page", 401, 0, "Unauthorized",
	    LOA_OUT_PROVIDER_DOWN, "http_401", "", 0 },
	{ "302 redirect", 302, 0, "",
	    LOA_OUT_PROVIDER_DOWN, "http_302", "", 0 },
	{ "400 page", 400, 0, "Bad Request",
	    LOA_OUT_FAILED, "http_400", "", 0 },
	{ "400 JSON without code", 400, 0, "{\"message\":\"bad\"}",
	    LOA_OUT_FAILED, "http_400", "", 0 },
};

static void
test_classify(void)
{
	struct th		 th;
	struct loa_host		 host;
	void			*st;

	th_create(&th, &host, conf_mss, secrets_ok, &st);
	check_answers(st, &msg_gsm7, answers, nitems(answers));
	loa_provider.destroy(st);
}

/*
 * Status callbacks to conf_from's status_callback
 * (https://loa.example.vn/webhooks/twilio?x=1&y=2).  Each signature is
 *	printf '%s%s' URL SORTED | openssl dgst -sha1 -hmac TOKEN -binary |
 *	    base64
 * where SORTED is every parameter, sorted by name, as name then decoded
 * value.
 */
#define MSID	"SM1f0e2d3c4b5a69788796a5b4c3d2e1f0"
#define CB(st)								\
	"SmsSid=" MSID "&SmsStatus=" st "&MessageStatus=" st		\
	"&To=%2B84388123456&MessageSid=" MSID "&AccountSid=" SID	\
	"&From=%2B15005550006&ApiVersion=2010-04-01"
#define SIG_DELIVERED	"S0jRVlbGv0cXk8Pj2LVNBzp15HY="
#define SIG_UNDELIVERED	"BgSjf+ReMXhvycvpfUQMtNupsgo="	/* ErrorCode too */
#define SIG_FAILED	"25xUU3dqbonaMRuOp5uJr4ldeS4="
#define SIG_SENT	"0Y2iu2lo0/A/C6Kdgt/91HZkJNI="
/* Repeated names, UTF-8, '+' and '%' in values. */
#define CB_ODD								\
	"b=2&a=1&MessageSid=" MSID "&a=0&To=%2B84388123456&c=%20x%2By"	\
	"&MessageStatus=delivered&Body=Th%C3%B4ng+b%C3%A1o+50%25"
#define CB_ODD_SWAPPED							\
	"b=2&a=0&MessageSid=" MSID "&a=1&To=%2B84388123456&c=%20x%2By"	\
	"&MessageStatus=delivered&Body=Th%C3%B4ng+b%C3%A1o+50%25"
#define SIG_ODD		"R2Crs/ZVwtsuHBg341tToM/7Yiw="
#define SIG_EMPTY_CODE	"tTjDQlx/+sK2/DXoEYbWIvmGB4s="
#define SIG_NO_SID	"KJhjlre6VLv+pr9zZ8PLzNPjt1g="
#define SIG_NO_STATUS	"nqT3y0Pt3IpXdqNGoksknYLeWhc="
/* CB("delivered") signed for the URL without its query. */
#define SIG_OTHER_URL	"M6LOjTS/lh2UJf9ubWTC87wzrOA="
#define TSIG		"X-Twilio-Signature"

static const struct hook hooks[] = {
	{ "delivered", "POST", "", CB("delivered"), TSIG, SIG_DELIVERED,
	    1, LOA_REPORT_DELIVERED, MSID, NULL },
	{ "header name in lower case", "POST", "", CB("delivered"),
	    "x-twilio-signature", SIG_DELIVERED,
	    1, LOA_REPORT_DELIVERED, MSID, NULL },
	{ "undelivered with ErrorCode", "POST", "",
	    "ErrorCode=30003&" CB("undelivered"), TSIG, SIG_UNDELIVERED,
	    1, LOA_REPORT_FAILED, MSID, "error_30003" },
	{ "failed without ErrorCode", "POST", "", CB("failed"), TSIG,
	    SIG_FAILED, 1, LOA_REPORT_FAILED, MSID, "failed" },
	{ "undelivered, empty ErrorCode", "POST", "",
	    "MessageStatus=undelivered&MessageSid=" MSID "&ErrorCode=", TSIG,
	    SIG_EMPTY_CODE, 1, LOA_REPORT_FAILED, MSID, "undelivered" },
	{ "sent: nothing final", "POST", "", CB("sent"), TSIG, SIG_SENT,
	    0, 0, NULL, NULL },
	{ "repeated names in order, encoded values", "POST", "", CB_ODD,
	    TSIG, SIG_ODD, 1, LOA_REPORT_DELIVERED, MSID, NULL },
	{ "repeated names swapped", "POST", "", CB_ODD_SWAPPED, TSIG,
	    SIG_ODD, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "no signature", "POST", "", CB("delivered"), NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "empty signature", "POST", "", CB("delivered"), TSIG, "",
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "another callback's signature", "POST", "", CB("delivered"), TSIG,
	    SIG_FAILED, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "signature cut short", "POST", "", CB("delivered"), TSIG,
	    "S0jRVlbGv0cXk8Pj2LVNBzp15HY", LOA_REPORT_BAD_SIGNATURE, 0,
	    NULL, NULL },
	{ "signed for another URL", "POST", "", CB("delivered"), TSIG,
	    SIG_OTHER_URL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "tampered status", "POST", "", CB("undelivered"), TSIG,
	    SIG_DELIVERED, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "a parameter added", "POST", "", CB("delivered") "&ErrorCode=1",
	    TSIG, SIG_DELIVERED, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "'+' not encoded is a space", "POST", "",
	    "SmsSid=" MSID "&SmsStatus=delivered&MessageStatus=delivered"
	    "&To=%2B84388123456&MessageSid=" MSID "&AccountSid=" SID
	    "&From=+15005550006&ApiVersion=2010-04-01", TSIG, SIG_DELIVERED,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "bad escape: cannot be checked", "POST", "",
	    CB("delivered") "&x=%G1", TSIG, SIG_DELIVERED,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "the signature in the query", "POST",
	    "X-Twilio-Signature=" SIG_DELIVERED, CB("delivered"), NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "signed, no MessageSid", "POST", "", "MessageStatus=delivered",
	    TSIG, SIG_NO_SID, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "signed, no MessageStatus", "POST", "", "MessageSid=" MSID, TSIG,
	    SIG_NO_STATUS, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "signed, but a GET", "GET", "", CB("delivered"), TSIG,
	    SIG_DELIVERED, LOA_REPORT_MALFORMED, 0, NULL, NULL },
};

static void
test_report(void)
{
	struct th		 th;
	struct loa_host		 host;
	void			*st;

	if (th_create(&th, &host, conf_from, secrets_ok, &st) == -1) {
		ok(0, "report: create");
		return;
	}
	check_hooks(st, hooks, nitems(hooks));

	check_same_id(st, &msg_gsm7, 201,
	    "{\"sid\":\"" MSID "\",\"status\":\"queued\"}", &hooks[0]);
	ok(strstr(th.log, TOKEN) == NULL && strstr(th.log, "84388") == NULL &&
	    strstr(th.log, MSID) == NULL, "report: no token, phone or sid "
	    "in the log");
	loa_provider.destroy(st);

	/* No status_callback: nothing to check against, all refused. */
	th_create(&th, &host, conf_mss, secrets_ok, &st);
	check_all_refused(st, hooks, nitems(hooks), "no status_callback");
	loa_provider.destroy(st);
}

int
main(void)
{
	test_module();
	test_create();
	test_auth();
	test_build();
	test_classify();
	test_report();
	return tap_done();
}
