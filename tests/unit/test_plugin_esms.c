/*
 * test_plugin_esms.c -- unit tests of plugins/esms.c, built with the
 * plugin's source: the module head; create() against an in-memory host
 * (every refusal names its key and never shows a secret); the exact
 * request for a Vietnamese UCS-2 message and a GSM-7 one; refusals of
 * messages that cannot be expressed; the reading of every eSMS code of
 * shared/providers.md, plus transport failures and odd answers; and
 * delivery callbacks: the webhook token appended to CallbackUrl, the
 * token checked before anything else, every SendStatus.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

extern const struct loa_provider_module loa_provider;

#define API_KEY		"K3Y-esms-0001"
#define SECRET_KEY	"S3CRET-esms-0002"
#define DID		"0123456789abcdef0123456789abcdef"
#define SEND_PATH \
	"/MainService.svc/json/SendMultipleMessage_V4_post_json/"
/* The webhook token, with bytes a URL must encode, and it encoded. */
#define HOOK_TOKEN	"hook+T0k/en=1&x y"
#define HOOK_TOKEN_ENC	"hook%2BT0k%2Fen%3D1%26x%20y"
#define SMSID		"7c9a1e2b-5d3f-4a6b-8c0d-1e2f3a4b5c6d"

#include "plugin_host.h"
#include "webhook_check.h"

static const struct kv secrets_hook[] = {
	{ "api_key_file", API_KEY },
	{ "secret_key_file", SECRET_KEY },
	{ "webhook_token_file", HOOK_TOKEN },
	{ NULL, NULL }
};

static const struct kv secrets_empty_hook[] = {
	{ "api_key_file", API_KEY },
	{ "secret_key_file", SECRET_KEY },
	{ "webhook_token_file", "" },
	{ NULL, NULL }
};

static const struct kv conf_hook[] = {
	{ "plugin", "esms" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ "callback_url", "https://loa.example.vn/webhooks/esms" },
	{ "webhook_token_file", "/etc/loa/esms.hook" },
	{ NULL, NULL }
};

static const struct kv conf_hook_query[] = {
	{ "plugin", "esms" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ "callback_url", "https://loa.example.vn/webhooks/esms?ward=00070" },
	{ "webhook_token_file", "/etc/loa/esms.hook" },
	{ NULL, NULL }
};

/* A token but no callback_url: reports can be checked, no URL sent. */
static const struct kv conf_hook_only[] = {
	{ "plugin", "esms" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ "webhook_token_file", "/etc/loa/esms.hook" },
	{ NULL, NULL }
};

static const struct kv secrets_ok[] = {
	{ "api_key_file", API_KEY },
	{ "secret_key_file", SECRET_KEY },
	{ NULL, NULL }
};

static const struct kv secrets_no_secret_key[] = {
	{ "api_key_file", API_KEY },
	{ NULL, NULL }
};

static const struct kv conf_min[] = {
	{ "plugin", "esms" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ NULL, NULL }
};

static const struct kv conf_full[] = {
	{ "plugin", "esms" },
	{ "base_url", "http://127.0.0.1:8089//" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ "sms_type", "24" },
	{ "sandbox", "yes" },
	{ "callback_url", "https://loa.example.vn/webhooks/esms" },
	{ NULL, NULL }
};

static const struct kv conf_no_brand[] = {
	{ "api_key_file", "k" }, { "secret_key_file", "s" }, { NULL, NULL }
};
static const struct kv conf_empty_brand[] = {
	{ "api_key_file", "k" }, { "secret_key_file", "s" },
	{ "brandname", "" }, { NULL, NULL }
};
static const struct kv conf_no_api_key[] = {
	{ "secret_key_file", "s" }, { "brandname", "B" }, { NULL, NULL }
};
static const struct kv conf_no_secret_key[] = {
	{ "api_key_file", "k" }, { "brandname", "B" }, { NULL, NULL }
};
static const struct kv conf_bad_sandbox[] = {
	{ "api_key_file", "k" }, { "secret_key_file", "s" },
	{ "brandname", "B" }, { "sandbox", "maybe" }, { NULL, NULL }
};
static const struct kv conf_bad_type[] = {
	{ "api_key_file", "k" }, { "secret_key_file", "s" },
	{ "brandname", "B" }, { "sms_type", "two" }, { NULL, NULL }
};
static const struct kv conf_bad_callback[] = {
	{ "api_key_file", "k" }, { "secret_key_file", "s" },
	{ "brandname", "B" }, { "callback_url", "ftp://x" }, { NULL, NULL }
};

/* Every config create() refuses, and the key its log line must name. */
static const struct {
	const char	*name;
	const struct kv	*config;
	const struct kv	*secrets;
	const char	*key;
} refusals[] = {
	{ "no brandname", conf_no_brand, secrets_ok, "brandname" },
	{ "empty brandname", conf_empty_brand, secrets_ok, "brandname" },
	{ "no api_key_file", conf_no_api_key, secrets_ok, "api_key_file" },
	{ "api key unreadable", conf_min, NULL, "api_key_file" },
	{ "no secret_key_file", conf_no_secret_key, secrets_ok,
	    "secret_key_file" },
	{ "secret key unreadable", conf_min, secrets_no_secret_key,
	    "secret_key_file" },
	{ "bad sandbox", conf_bad_sandbox, secrets_ok, "sandbox" },
	{ "bad sms_type", conf_bad_type, secrets_ok, "sms_type" },
	{ "bad callback_url", conf_bad_callback, secrets_ok, "callback_url" },
	{ "webhook token unreadable", conf_hook, secrets_ok,
	    "webhook_token_file" },
	{ "webhook token empty", conf_hook, secrets_empty_hook,
	    "webhook_token_file" },
};

static void
test_module(void)
{
	static const char *const want[] = { "api_key_file",
	    "secret_key_file", "brandname", "sms_type", "sandbox",
	    "callback_url", "webhook_token_file" };
	size_t	i;

	is_int(loa_provider.abi_major, LOA_PROVIDER_ABI_MAJOR, "abi major");
	is_int(loa_provider.abi_minor, LOA_PROVIDER_ABI_MINOR, "abi minor");
	is_int(loa_provider.struct_size, sizeof(struct loa_provider_module),
	    "struct size");
	is_str(loa_provider.name, "esms", "name");
	is_str(loa_provider.channels, "sms", "channels");
	is_int(loa_provider.flags, LOA_PROVIDER_DEDUPES | LOA_PROVIDER_REPORTS,
	    "flags: dedupes, reports");
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

	rv = th_create(&th, &host, conf_min, secrets_ok, &st);
	is_int(rv, 0, "create: minimal config");
	ok(st != NULL, "create: state set");
	is_int(th.nerr, 0, "create: nothing logged as an error");
	is_str(th.log, "webhook_token_file not set: delivery reports will "
	    "be refused\n", "create: no webhook token: said once");
	loa_provider.destroy(st);
	rv = th_create(&th, &host, conf_hook, secrets_hook, &st);
	is_int(rv, 0, "create: with a webhook token");
	is_str(th.log, "", "create: with a webhook token: nothing logged");
	loa_provider.destroy(st);

	for (i = 0; i < nitems(refusals); i++) {
		rv = th_create(&th, &host, refusals[i].config,
		    refusals[i].secrets, &st);
		is_int(rv, -1, "create refuses: %s", refusals[i].name);
		ok(th.nerr >= 1 && strstr(th.log, refusals[i].key) != NULL,
		    "create: %s: error names %s", refusals[i].name,
		    refusals[i].key);
		ok(strstr(th.log, API_KEY) == NULL &&
		    strstr(th.log, SECRET_KEY) == NULL &&
		    strstr(th.log, "T0k") == NULL,
		    "create: %s: no secret in the log", refusals[i].name);
	}
}

static const struct loa_message msg_ucs2 = {
	.delivery_id = DID,
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
	.attempt = 2,
};

/* Every field of want, and nothing else, as strings in body. */
static void
check_body(const char *what, const char *body, size_t len,
    const struct kv *want)
{
	json_t		*o;
	json_error_t	 err;
	const char	*v;
	size_t		 n = 0;

	o = json_loadb(body, len, 0, &err);
	ok(json_is_object(o), "%s: body is a JSON object", what);
	for (; want->key != NULL; want++, n++) {
		v = json_string_value(json_object_get(o, want->key));
		is_str(v, want->value, "%s: %s", what, want->key);
	}
	is_int(json_object_size(o), n, "%s: %zu fields, no other", what, n);
	json_decref(o);
}

static void
test_build(void)
{
	static const struct kv want_ucs2[] = {
		{ "ApiKey", API_KEY },
		{ "SecretKey", SECRET_KEY },
		{ "Phone", "84912345678" },
		{ "Content", "Thông báo: cúp điện 28/11 từ 7h–17h & nước 50% "
		    "(P. Hoàn Kiếm)" },
		{ "Brandname", "UBND-HK" },
		{ "SmsType", "24" },
		{ "IsUnicode", "1" },
		{ "Sandbox", "1" },
		{ "RequestId", DID },
		{ "CallbackUrl", "https://loa.example.vn/webhooks/esms" },
		{ NULL, NULL }
	};
	static const struct kv want_gsm7[] = {
		{ "ApiKey", API_KEY },
		{ "SecretKey", SECRET_KEY },
		{ "Phone", "84388123456" },
		{ "Content", "Thong bao: cup dien 28/11 tu 7h-17h, lien he "
		    "024.3825+1234" },
		{ "Brandname", "UBND-HK" },
		{ "SmsType", "2" },
		{ "IsUnicode", "0" },
		{ "Sandbox", "0" },
		{ "RequestId", "fedcba9876543210fedcba9876543210" },
		{ NULL, NULL }
	};
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st;
	int			 rv;

	/* UCS-2, every optional key set, base_url with trailing slashes. */
	th_create(&th, &host, conf_full, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_ucs2, &req, &res);
	is_int(rv, 0, "ucs2: built");
	is_int(req.transport, LOA_TRANSPORT_HTTP, "ucs2: http");
	is_str(req.method, "POST", "ucs2: method");
	is_str(req.url, "http://127.0.0.1:8089" SEND_PATH, "ucs2: url");
	is_int(req.nheaders, 1, "ucs2: one header");
	is_str(req.headers[0].name, "Content-Type", "ucs2: header name");
	is_str(req.headers[0].value, "application/json",
	    "ucs2: header value");
	ok(req.body != NULL && req.body_len == strlen(req.body),
	    "ucs2: body length");
	check_body("ucs2", req.body, req.body_len, want_ucs2);
	ok(strstr(req.body, "\"Content\":\"Thông báo: cúp điện 28/11 từ "
	    "7h–17h & nước 50% (P. Hoàn Kiếm)\"") != NULL,
	    "ucs2: UTF-8 text sent as is, not \\u-escaped");
	free(req.body);
	loa_provider.destroy(st);

	/* GSM-7, defaults: real host, SmsType 2, no sandbox, no callback. */
	th_create(&th, &host, conf_min, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_gsm7, &req, &res);
	is_int(rv, 0, "gsm7: built");
	is_str(req.method, "POST", "gsm7: method");
	is_str(req.url, "https://rest.esms.vn" SEND_PATH, "gsm7: url");
	is_int(req.nheaders, 1, "gsm7: one header");
	is_str(req.headers[0].name, "Content-Type", "gsm7: header name");
	is_str(req.headers[0].value, "application/json",
	    "gsm7: header value");
	ok(req.body != NULL && req.body_len == strlen(req.body),
	    "gsm7: body length");
	check_body("gsm7", req.body, req.body_len, want_gsm7);
	is_str(req.body, "{\"ApiKey\":\"" API_KEY "\",\"SecretKey\":\""
	    SECRET_KEY "\",\"Phone\":\"84388123456\",\"Content\":\"Thong bao: "
	    "cup dien 28/11 tu 7h-17h, lien he 024.3825+1234\",\"Brandname\":"
	    "\"UBND-HK\",\"SmsType\":\"2\",\"IsUnicode\":\"0\",\"Sandbox\":"
	    "\"0\",\"RequestId\":\"fedcba9876543210fedcba9876543210\"}",
	    "gsm7: exact body");
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
	m.to = "84912a45678";
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "bad phone: -1");
	is_str(res.reason, "bad_to", "bad phone: reason");

	m = msg_gsm7;
	m.text = "bad \xff\xfe UTF-8";
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "bad text: -1");
	is_str(outcome_name(res.outcome), "failed", "bad text: failed");
	is_str(res.reason, "bad_text", "bad text: reason");
	ok(req.body == NULL, "bad text: no body");
	loa_provider.destroy(st);
}

/* Real answers and how each must be read. */
static const struct answer answers[] = {
	{ "100 accepted", 200, 0,
	    "{\"CodeResult\":\"100\",\"CountRegenerate\":0,"
	    "\"SMSID\":\"7c9a1e2b-5d3f-4a6b-8c0d-1e2f3a4b5c6d\"}",
	    LOA_OUT_SENT, "", "7c9a1e2b-5d3f-4a6b-8c0d-1e2f3a4b5c6d", 0 },
	{ "100 as a number", 200, 0,
	    "{\"CodeResult\":100,\"CountRegenerate\":0,\"SMSID\":\"abc\"}",
	    LOA_OUT_SENT, "", "abc", 0 },
	{ "124 duplicate RequestId", 200, 0,
	    "{\"CodeResult\":\"124\",\"ErrorMessage\":\"RequestId da ton "
	    "tai\",\"SMSID\":\"7c9a1e2b-5d3f\"}",
	    LOA_OUT_SENT, "duplicate_request", "7c9a1e2b-5d3f", 0 },
	{ "124 without SMSID", 200, 0,
	    "{\"CodeResult\":\"124\",\"ErrorMessage\":\"Duplicate\"}",
	    LOA_OUT_SENT, "duplicate_request", "", 0 },
	{ "99 number blocked", 200, 0,
	    "{\"CodeResult\":\"99\",\"ErrorMessage\":\"Phone blocked\"}",
	    LOA_OUT_FALLBACK, "esms_99", "", 0 },
	{ "101 bad keys", 200, 0,
	    "{\"CodeResult\":\"101\",\"ErrorMessage\":\"Authorize Failed\"}",
	    LOA_OUT_PROVIDER_DOWN, "esms_101", "", 0 },
	{ "103 balance", 200, 0,
	    "{\"CodeResult\":\"103\",\"ErrorMessage\":\"Not enough money\"}",
	    LOA_OUT_PROVIDER_DOWN, "esms_103", "", 0 },
	{ "104 brandname", 200, 0,
	    "{\"CodeResult\":\"104\",\"ErrorMessage\":\"Brandname not "
	    "exist\"}",
	    LOA_OUT_PROVIDER_DOWN, "esms_104", "", 0 },
	{ "108 bad phone", 200, 0,
	    "{\"CodeResult\":\"108\",\"ErrorMessage\":\"Phone invalid\"}",
	    LOA_OUT_FALLBACK, "esms_108", "", 0 },
	{ "140 IP not allowed", 200, 0,
	    "{\"CodeResult\":\"140\",\"ErrorMessage\":\"IP not allowed\"}",
	    LOA_OUT_PROVIDER_DOWN, "esms_140", "", 0 },
	{ "146 wrong template", 200, 0,
	    "{\"CodeResult\":\"146\",\"ErrorMessage\":\"Template "
	    "invalid\"}",
	    LOA_OUT_FAILED, "esms_146", "", 0 },
	{ "177 carrier not registered", 200, 0,
	    "{\"CodeResult\":\"177\",\"ErrorMessage\":\"Telco not "
	    "registered\"}",
	    LOA_OUT_FALLBACK, "esms_177", "", 0 },
	{ "unknown code", 200, 0,
	    "{\"CodeResult\":\"789\",\"ErrorMessage\":\"?\"}",
	    LOA_OUT_FAILED, "esms_789", "", 0 },
	{ "code in a 400", 400, 0,
	    "{\"CodeResult\":\"101\",\"ErrorMessage\":\"Authorize Failed\"}",
	    LOA_OUT_PROVIDER_DOWN, "esms_101", "", 0 },
	{ "500", 500, 0, "", LOA_OUT_RETRY, "http_5xx", "", 0 },
	{ "503 page", 503, 0, "<html>Service Unavailable</html>",
	    LOA_OUT_RETRY, "http_5xx", "", 0 },
	{ "429", 429, 0, "", LOA_OUT_RETRY, "rate_limited", "", 1 },
	{ "no answer", 0, 0, "", LOA_OUT_RETRY, "no_answer", "", 0 },
	{ "timed out", 0, 1, "", LOA_OUT_RETRY, "timeout", "", 0 },
	{ "2xx not JSON", 200, 0, "<html>ok</html>",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "2xx empty", 200, 0, "", LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "204 no content", 204, 0, "", LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "2xx truncated JSON", 200, 0, "{\"CodeResult\":\"10",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "2xx without CodeResult", 200, 0, "{\"Result\":\"ok\"}",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "2xx odd CodeResult", 200, 0, "{\"CodeResult\":\"OK\"}",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "2xx JSON array", 200, 0, "[100]",
	    LOA_OUT_RETRY, "bad_answer", "", 0 },
	{ "401 page", 401, 0, "Unauthorized",
	    LOA_OUT_PROVIDER_DOWN, "http_401", "", 0 },
	{ "404 page", 404, 0, "<html>Not Found</html>",
	    LOA_OUT_PROVIDER_DOWN, "http_404", "", 0 },
	{ "302 redirect", 302, 0, "",
	    LOA_OUT_PROVIDER_DOWN, "http_302", "", 0 },
	{ "400 page", 400, 0, "Bad Request",
	    LOA_OUT_FAILED, "http_400", "", 0 },
};

static void
test_classify(void)
{
	struct th		 th;
	struct loa_host		 host;
	struct loa_response	 resp;
	struct loa_result	 res;
	void			*st;

	th_create(&th, &host, conf_min, secrets_ok, &st);
	check_answers(st, &msg_gsm7, answers, nitems(answers));

	/* A body that is not NUL-terminated where body_len ends. */
	memset(&resp, 0, sizeof(resp));
	resp.http_status = 200;
	resp.body = "{\"CodeResult\":\"108\"}trailing garbage";
	resp.body_len = strlen("{\"CodeResult\":\"108\"}");
	result_init(&res);
	loa_provider.classify(st, &msg_gsm7, &resp, &res);
	is_str(res.reason, "esms_108", "body read up to body_len only");
	loa_provider.destroy(st);
}

/* CallbackUrl with the webhook token appended, percent-encoded. */
static void
test_callback_url(void)
{
	static const struct {
		const struct kv	*config;
		const char	*want;	/* NULL: no CallbackUrl */
	} t[] = {
		{ conf_hook, "https://loa.example.vn/webhooks/esms?loa_token="
		    HOOK_TOKEN_ENC },
		{ conf_hook_query, "https://loa.example.vn/webhooks/esms?"
		    "ward=00070&loa_token=" HOOK_TOKEN_ENC },
		{ conf_hook_only, NULL },
	};
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	json_t			*o;
	void			*st;
	size_t			 i;

	for (i = 0; i < nitems(t); i++) {
		if (th_create(&th, &host, t[i].config, secrets_hook,
		    &st) == -1) {
			ok(0, "callback %zu: create", i);
			continue;
		}
		memset(&req, 0, sizeof(req));
		result_init(&res);
		is_int(loa_provider.build(st, &msg_gsm7, &req, &res), 0,
		    "callback %zu: built", i);
		o = req.body != NULL ? json_loads(req.body, 0, NULL) : NULL;
		is_str(json_string_value(json_object_get(o, "CallbackUrl")),
		    t[i].want, "callback %zu: CallbackUrl", i);
		json_decref(o);
		free(req.body);
		ok(strstr(th.log, "T0k") == NULL, "callback %zu: token not "
		    "logged", i);
		loa_provider.destroy(st);
	}
}

#define TOK	"loa_token=" HOOK_TOKEN_ENC

/* eSMS delivery callbacks, and how each must be read. */
static const struct hook hooks[] = {
	{ "5 sent: delivered", "GET",
	    "SMSID=" SMSID "&SendStatus=5&" TOK, NULL, NULL, NULL,
	    1, LOA_REPORT_DELIVERED, SMSID, NULL },
	{ "every parameter eSMS sends", "GET",
	    TOK "&SMSID=" SMSID "&SendStatus=5&SendSuccess=1&SendFailed=0"
	    "&RequestId=" DID "&telcoid=1&phonenumber=84388123456"
	    "&error_info=", NULL, NULL, NULL,
	    1, LOA_REPORT_DELIVERED, SMSID, NULL },
	{ "4 rejected: failed", "GET",
	    "SMSID=" SMSID "&SendStatus=4&" TOK "&error_info=Tu+choi", NULL,
	    NULL, NULL, 1, LOA_REPORT_FAILED, SMSID, "rejected" },
	{ "2 waiting: nothing final", "GET",
	    "SMSID=" SMSID "&SendStatus=2&" TOK, NULL, NULL, NULL,
	    0, 0, NULL, NULL },
	{ "7 awaiting the carrier: nothing final", "GET",
	    "SMSID=" SMSID "&SendStatus=7&" TOK, NULL, NULL, NULL,
	    0, 0, NULL, NULL },
	{ "SMSID percent-encoded", "GET",
	    "SMSID=7c9a1e2b%2D5d3f-4a6b-8c0d-1e2f3a4b5c6d&SendStatus=5&" TOK,
	    NULL, NULL, NULL, 1, LOA_REPORT_DELIVERED, SMSID, NULL },
	{ "POST with a form body", "POST", TOK,
	    "SMSID=" SMSID "&SendStatus=4", "Content-Type",
	    "application/x-www-form-urlencoded",
	    1, LOA_REPORT_FAILED, SMSID, "rejected" },
	{ "unknown SendStatus", "GET", "SMSID=" SMSID "&SendStatus=3&" TOK,
	    NULL, NULL, NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "SendStatus not a number", "GET",
	    "SMSID=" SMSID "&SendStatus=ok&" TOK, NULL, NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no SendStatus", "GET", "SMSID=" SMSID "&" TOK, NULL, NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "empty SendStatus", "GET", "SMSID=" SMSID "&SendStatus=&" TOK,
	    NULL, NULL, NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no SMSID", "GET", "SendStatus=5&" TOK, NULL, NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "empty SMSID", "GET", "SMSID=&SendStatus=5&" TOK, NULL, NULL,
	    NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "SMSID badly encoded", "GET", "SMSID=7c9a%zz&SendStatus=5&" TOK,
	    NULL, NULL, NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no token", "GET", "SMSID=" SMSID "&SendStatus=5", NULL, NULL,
	    NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "wrong token", "GET", "SMSID=" SMSID "&SendStatus=5&loa_token=x",
	    NULL, NULL, NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "empty token", "GET", "SMSID=" SMSID "&SendStatus=5&loa_token=",
	    NULL, NULL, NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "token cut short", "GET",
	    "SMSID=" SMSID "&SendStatus=5&loa_token=hook%2BT0k%2Fen%3D1%26x",
	    NULL, NULL, NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "token with more after it", "GET",
	    "SMSID=" SMSID "&SendStatus=5&" TOK "z", NULL, NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "token not encoded", "GET",
	    "SMSID=" SMSID "&SendStatus=5&loa_token=" HOOK_TOKEN, NULL, NULL,
	    NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "token in a header only", "GET", "SMSID=" SMSID "&SendStatus=5",
	    NULL, "loa_token", HOOK_TOKEN, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
	    NULL },
	{ "token in the body only", "POST", "",
	    "SMSID=" SMSID "&SendStatus=5&" TOK, NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "wrong token, garbage", "GET", "%%%&loa_token=%zz", NULL, NULL,
	    NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "empty query", "GET", "", NULL, NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
};

/*
 * A form body is bytes, not a C string: a NUL byte in SMSID made an empty
 * provider id (found by fuzz_report_esms).
 */
static void
check_nul_body(void *st)
{
	static const char	 body[] = "SMSID=\0x&SendStatus=5";
	static const struct hook nul = { "NUL byte in SMSID", "POST", TOK,
	    body, NULL, NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL };
	struct loa_report	 reps[HOOK_MAX_REPORTS];

	is_int(hook_call(st, &nul, sizeof(body) - 1, reps),
	    LOA_REPORT_MALFORMED, "report: %s", nul.name);
}

static void
test_report(void)
{
	struct th		 th;
	struct loa_host		 host;
	void			*st;

	if (th_create(&th, &host, conf_hook, secrets_hook, &st) == -1) {
		ok(0, "report: create");
		return;
	}
	check_hooks(st, hooks, nitems(hooks));
	check_nul_body(st);
	check_same_id(st, &msg_gsm7, 200,
	    "{\"CodeResult\":\"100\",\"SMSID\":\"" SMSID "\"}", &hooks[0]);
	ok(strstr(th.log, "T0k") == NULL && strstr(th.log, "84388") == NULL &&
	    strstr(th.log, SMSID) == NULL, "report: no token, phone or id "
	    "in the log");
	loa_provider.destroy(st);

	/* No webhook token: every report refused, even with a token. */
	th_create(&th, &host, conf_full, secrets_ok, &st);
	check_all_refused(st, hooks, nitems(hooks), "no webhook_token_file");
	loa_provider.destroy(st);
}

int
main(void)
{
	test_module();
	test_create();
	test_build();
	test_classify();
	test_callback_url();
	test_report();
	return tap_done();
}
