/*
 * test_plugin_speedsms.c -- unit tests of plugins/speedsms.c, built with
 * the plugin's source: the module head; create() against an in-memory
 * host (every refusal names its key and never shows the token); the Basic
 * authorization for tokens of every length modulo 3; the exact request
 * for a Vietnamese UCS-2 message and a GSM-7 one; refusals of messages
 * that cannot be expressed; and the reading of every SpeedSMS code of
 * shared/providers.md, transport failures, odd answers and the
 * X-Rate-Limit-Reset of a 429 in both its forms; and delivery reports
 * (the UNVERIFIED JSON POST of shared/providers.md), the webhook token
 * in the query checked before anything else, every status.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "loa/provider.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

extern const struct loa_provider_module loa_provider;

#define TOKEN		"sp33d-T0ken"
/* "Basic " + base64("sp33d-T0ken:x") */
#define TOKEN_AUTH	"Basic c3AzM2QtVDBrZW46eA=="
#define SEND_PATH	"/index.php/sms/send"
/* The webhook token, and as the operator writes it in the URL. */
#define HOOK_TOKEN	"sp/hook T0ken"
#define TOK		"loa_token=sp%2Fhook+T0ken"

#include "plugin_host.h"
#include "webhook_check.h"

static const struct kv secrets_hook[] = {
	{ "token_file", TOKEN },
	{ "webhook_token_file", HOOK_TOKEN },
	{ NULL, NULL }
};

static const struct kv conf_hook[] = {
	{ "plugin", "speedsms" },
	{ "token_file", "/etc/loa/speedsms.token" },
	{ "sender", "UBND-HK" },
	{ "webhook_token_file", "/etc/loa/speedsms.hook" },
	{ NULL, NULL }
};

static const struct kv secrets_empty_hook[] = {
	{ "token_file", TOKEN },
	{ "webhook_token_file", "" },
	{ NULL, NULL }
};

static const struct kv secrets_ok[] = {
	{ "token_file", TOKEN },
	{ NULL, NULL }
};

static const struct kv conf_min[] = {
	{ "plugin", "speedsms" },
	{ "token_file", "/etc/loa/speedsms.token" },
	{ "sender", "UBND-HK" },
	{ NULL, NULL }
};

static const struct kv conf_brand[] = {
	{ "plugin", "speedsms" },
	{ "base_url", "http://127.0.0.1:8090/" },
	{ "token_file", "/etc/loa/speedsms.token" },
	{ "sms_type", "3" },
	{ "sender", "UBND-HK" },
	{ NULL, NULL }
};

static const struct kv conf_type2[] = {
	{ "token_file", "/etc/loa/speedsms.token" },
	{ "sms_type", "2" },
	{ NULL, NULL }
};

static const struct kv conf_type4[] = {
	{ "token_file", "t" }, { "sms_type", "4" }, { NULL, NULL }
};
static const struct kv conf_no_token[] = {
	{ "sender", "B" }, { NULL, NULL }
};
static const struct kv conf_no_sender[] = {
	{ "token_file", "t" }, { NULL, NULL }
};
static const struct kv conf_empty_sender[] = {
	{ "token_file", "t" }, { "sender", "" }, { NULL, NULL }
};
static const struct kv conf_type5_no_sender[] = {
	{ "token_file", "t" }, { "sms_type", "5" }, { NULL, NULL }
};
static const struct kv conf_type1[] = {
	{ "token_file", "t" }, { "sender", "B" }, { "sms_type", "1" },
	{ NULL, NULL }
};
static const struct kv conf_type6[] = {
	{ "token_file", "t" }, { "sender", "B" }, { "sms_type", "6" },
	{ NULL, NULL }
};
static const struct kv conf_type_word[] = {
	{ "token_file", "t" }, { "sender", "B" }, { "sms_type", "brand" },
	{ NULL, NULL }
};

/* Every config create() refuses, and the key its log line must name. */
static const struct {
	const char	*name;
	const struct kv	*config;
	const struct kv	*secrets;
	const char	*key;
} refusals[] = {
	{ "no token_file", conf_no_token, secrets_ok, "token_file" },
	{ "token unreadable", conf_min, NULL, "token_file" },
	{ "no sender with the default type 3", conf_no_sender, secrets_ok,
	    "sender" },
	{ "empty sender", conf_empty_sender, secrets_ok, "sender" },
	{ "no sender with type 5", conf_type5_no_sender, secrets_ok,
	    "sender" },
	{ "sms_type 1", conf_type1, secrets_ok, "sms_type" },
	{ "sms_type 6", conf_type6, secrets_ok, "sms_type" },
	{ "sms_type word", conf_type_word, secrets_ok, "sms_type" },
	{ "webhook token unreadable", conf_hook, secrets_ok,
	    "webhook_token_file" },
	{ "webhook token empty", conf_hook, secrets_empty_hook,
	    "webhook_token_file" },
};

static void
test_module(void)
{
	static const char *const want[] = { "token_file", "sms_type",
	    "sender", "webhook_token_file" };
	size_t	i;

	is_int(loa_provider.abi_major, LOA_PROVIDER_ABI_MAJOR, "abi major");
	is_int(loa_provider.abi_minor, LOA_PROVIDER_ABI_MINOR, "abi minor");
	is_int(loa_provider.struct_size, sizeof(struct loa_provider_module),
	    "struct size");
	is_str(loa_provider.name, "speedsms", "name");
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

	rv = th_create(&th, &host, conf_type2, secrets_ok, &st);
	is_int(rv, 0, "create: type 2 needs no sender");
	loa_provider.destroy(st);
	rv = th_create(&th, &host, conf_type4, secrets_ok, &st);
	is_int(rv, 0, "create: type 4 needs no sender");
	loa_provider.destroy(st);

	for (i = 0; i < nitems(refusals); i++) {
		rv = th_create(&th, &host, refusals[i].config,
		    refusals[i].secrets, &st);
		is_int(rv, -1, "create refuses: %s", refusals[i].name);
		ok(th.nerr >= 1 && strstr(th.log, refusals[i].key) != NULL,
		    "create: %s: error names %s", refusals[i].name,
		    refusals[i].key);
		ok(strstr(th.log, TOKEN) == NULL &&
		    strstr(th.log, "T0ken") == NULL,
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

/* Basic authorization for tokens of every length modulo 3. */
static void
test_auth(void)
{
	static const struct {
		const char	*token;
		const char	*want;
	} auths[] = {
		{ "a", "Basic YTp4" },			/* "a:x" */
		{ "ab", "Basic YWI6eA==" },		/* "ab:x" */
		{ "abc", "Basic YWJjOng=" },		/* "abc:x" */
		{ TOKEN, TOKEN_AUTH },
	};
	struct kv		 sec[2] = { { "token_file", NULL },
				    { NULL, NULL } };
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	void			*st;
	size_t			 i;

	for (i = 0; i < nitems(auths); i++) {
		sec[0].value = auths[i].token;
		if (th_create(&th, &host, conf_min, sec, &st) == -1) {
			ok(0, "auth %zu: create", i);
			continue;
		}
		memset(&req, 0, sizeof(req));
		result_init(&res);
		loa_provider.build(st, &msg_gsm7, &req, &res);
		is_str(req.headers[0].name, "Authorization", "auth %zu: name",
		    i);
		is_str(req.headers[0].value, auths[i].want, "auth %zu: value",
		    i);
		ok(req.headers[0].value >= req.hbuf &&
		    req.headers[0].value < req.hbuf + sizeof(req.hbuf),
		    "auth %zu: value lives in hbuf", i);
		free(req.body);
		loa_provider.destroy(st);
	}
}

static void
test_build(void)
{
	struct th		 th;
	struct loa_host		 host;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	json_t			*o, *to;
	void			*st;
	int			 rv;

	/* UCS-2, brandname type 3, base_url with a trailing slash. */
	th_create(&th, &host, conf_brand, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_ucs2, &req, &res);
	is_int(rv, 0, "ucs2: built");
	is_int(req.transport, LOA_TRANSPORT_HTTP, "ucs2: http");
	is_str(req.method, "POST", "ucs2: method");
	is_str(req.url, "http://127.0.0.1:8090" SEND_PATH, "ucs2: url");
	is_int(req.nheaders, 2, "ucs2: two headers");
	is_str(req.headers[0].name, "Authorization", "ucs2: header 0 name");
	is_str(req.headers[0].value, TOKEN_AUTH, "ucs2: header 0 value");
	is_str(req.headers[1].name, "Content-Type", "ucs2: header 1 name");
	is_str(req.headers[1].value, "application/json",
	    "ucs2: header 1 value");
	ok(req.body != NULL && req.body_len == strlen(req.body),
	    "ucs2: body length");
	o = json_loadb(req.body, req.body_len, 0, NULL);
	ok(json_is_object(o), "ucs2: body is a JSON object");
	to = json_object_get(o, "to");
	ok(json_is_array(to) && json_array_size(to) == 1,
	    "ucs2: to is an array of one");
	is_str(json_string_value(json_array_get(to, 0)), "84912345678",
	    "ucs2: to[0]");
	is_str(json_string_value(json_object_get(o, "content")),
	    "Thông báo: cúp điện 28/11 từ 7h–17h & nước 50% (P. Hoàn Kiếm)",
	    "ucs2: content");
	ok(json_is_integer(json_object_get(o, "sms_type")) &&
	    json_integer_value(json_object_get(o, "sms_type")) == 3,
	    "ucs2: sms_type is the number 3");
	is_str(json_string_value(json_object_get(o, "sender")), "UBND-HK",
	    "ucs2: sender");
	is_int(json_object_size(o), 4, "ucs2: 4 fields, no other");
	json_decref(o);
	is_str(req.body, "{\"to\":[\"84912345678\"],\"content\":\"Thông báo: "
	    "cúp điện 28/11 từ 7h–17h & nước 50% (P. Hoàn Kiếm)\","
	    "\"sms_type\":3,\"sender\":\"UBND-HK\"}",
	    "ucs2: exact body, UTF-8 sent as is");
	free(req.body);
	loa_provider.destroy(st);

	/* GSM-7, type 2 without sender, default base_url. */
	th_create(&th, &host, conf_type2, secrets_ok, &st);
	memset(&req, 0, sizeof(req));
	result_init(&res);
	rv = loa_provider.build(st, &msg_gsm7, &req, &res);
	is_int(rv, 0, "gsm7: built");
	is_str(req.method, "POST", "gsm7: method");
	is_str(req.url, "https://api.speedsms.vn" SEND_PATH, "gsm7: url");
	is_int(req.nheaders, 2, "gsm7: two headers");
	is_str(req.headers[0].name, "Authorization", "gsm7: header 0 name");
	is_str(req.headers[0].value, TOKEN_AUTH, "gsm7: header 0 value");
	is_str(req.headers[1].name, "Content-Type", "gsm7: header 1 name");
	is_str(req.headers[1].value, "application/json",
	    "gsm7: header 1 value");
	ok(req.body != NULL && req.body_len == strlen(req.body),
	    "gsm7: body length");
	is_str(req.body, "{\"to\":[\"84388123456\"],\"content\":\"Thong bao: "
	    "cup dien 28/11 tu 7h-17h, lien he 024.3825+1234\","
	    "\"sms_type\":2}", "gsm7: exact body, no sender");
	free(req.body);
	loa_provider.destroy(st);

	/* Messages that cannot be expressed. */
	th_create(&th, &host, conf_min, secrets_ok, &st);
	m = msg_gsm7;
	m.to = "";
	memset(&req, 0, sizeof(req));
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no phone: -1");
	is_str(outcome_name(res.outcome), "failed", "no phone: failed");
	is_str(res.reason, "bad_to", "no phone: reason");
	ok(req.body == NULL, "no phone: no body");

	m = msg_gsm7;
	m.text = "bad \xc3 UTF-8";
	result_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "bad text: -1");
	is_str(outcome_name(res.outcome), "failed", "bad text: failed");
	is_str(res.reason, "bad_text", "bad text: reason");
	ok(req.body == NULL, "bad text: no body");
	loa_provider.destroy(st);
}

/* Real answers and how each must be read. */
static const struct {
	const char	*name;
	int		 http;
	int		 timed_out;
	const char	*reset;		/* X-Rate-Limit-Reset or NULL */
	const char	*body;
	enum loa_outcome outcome;
	const char	*reason;
	const char	*provider_id;
	int		 no_attempt;
	long		 retry_after_ms;
} answers[] = {
	{ "success", 200, 0, NULL,
	    "{\"status\":\"success\",\"code\":\"00\",\"data\":{\"tranId\":"
	    "83751298,\"totalSMS\":1,\"totalPrice\":250,\"invalidPhone\":[]}}",
	    LOA_OUT_SENT, "", "83751298", 0, -1 },
	{ "success, tranId a string", 200, 0, NULL,
	    "{\"status\":\"success\",\"code\":\"00\",\"data\":{\"tranId\":"
	    "\"83751299\",\"totalSMS\":1,\"totalPrice\":250}}",
	    LOA_OUT_SENT, "", "83751299", 0, -1 },
	{ "success, our number invalid", 200, 0, NULL,
	    "{\"status\":\"success\",\"code\":\"00\",\"data\":{\"tranId\":"
	    "83751300,\"totalSMS\":0,\"totalPrice\":0,\"invalidPhone\":"
	    "[\"84388123456\"]}}",
	    LOA_OUT_FALLBACK, "speedsms_invalid_phone", "", 0, -1 },
	{ "007 IP locked", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"007\",\"message\":\"IP "
	    "locked\"}",
	    LOA_OUT_PROVIDER_DOWN, "speedsms_007", "", 0, -1 },
	{ "007 as a number", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":7,\"message\":\"IP locked\"}",
	    LOA_OUT_PROVIDER_DOWN, "speedsms_007", "", 0, -1 },
	{ "008 account blocked", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"008\",\"message\":\"Account "
	    "blocked\"}",
	    LOA_OUT_PROVIDER_DOWN, "speedsms_008", "", 0, -1 },
	{ "101 bad parameters", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"101\",\"message\":\"invalid "
	    "or missing parameters\"}",
	    LOA_OUT_FAILED, "speedsms_101", "", 0, -1 },
	{ "105 bad phone", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"105\",\"message\":\"phone "
	    "number invalid\"}",
	    LOA_OUT_FALLBACK, "speedsms_105", "", 0, -1 },
	{ "110 encoding", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"110\",\"message\":\"not "
	    "support content encoding\"}",
	    LOA_OUT_FAILED, "speedsms_110", "", 0, -1 },
	{ "113 too long", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"113\",\"message\":\"sms "
	    "content too long\"}",
	    LOA_OUT_FAILED, "speedsms_113", "", 0, -1 },
	{ "300 balance", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"300\",\"message\":\"account "
	    "balance not enough\"}",
	    LOA_OUT_PROVIDER_DOWN, "speedsms_300", "", 0, -1 },
	{ "500 in the body", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"500\",\"message\":\"internal "
	    "error\"}",
	    LOA_OUT_RETRY, "speedsms_500", "", 0, -1 },
	{ "unknown code", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"999\",\"message\":\"?\"}",
	    LOA_OUT_FAILED, "speedsms_999", "", 0, -1 },
	{ "unknown short code", 200, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"012\",\"message\":\"?\"}",
	    LOA_OUT_FAILED, "speedsms_012", "", 0, -1 },
	{ "error without code", 200, 0, NULL,
	    "{\"status\":\"error\",\"message\":\"?\"}",
	    LOA_OUT_FAILED, "speedsms_error", "", 0, -1 },
	{ "error in a 400", 400, 0, NULL,
	    "{\"status\":\"error\",\"code\":\"101\",\"message\":\"bad\"}",
	    LOA_OUT_FAILED, "speedsms_101", "", 0, -1 },
	{ "429 reset in 30 s", 429, 0, "30",
	    "{\"status\":\"error\",\"message\":\"rate limit\"}",
	    LOA_OUT_RETRY, "rate_limited", "", 1, 30000 },
	{ "429 reset in 0 s", 429, 0, "0", "",
	    LOA_OUT_RETRY, "rate_limited", "", 1, 1000 },
	{ "429 reset far away", 429, 0, "86400", "",
	    LOA_OUT_RETRY, "rate_limited", "", 1, 3600000 },
	{ "429 reset not a number", 429, 0, "soon", "",
	    LOA_OUT_RETRY, "rate_limited", "", 1, -1 },
	{ "429 reset negative", 429, 0, "-5", "",
	    LOA_OUT_RETRY, "rate_limited", "", 1, -1 },
	{ "429 no reset", 429, 0, NULL, "",
	    LOA_OUT_RETRY, "rate_limited", "", 1, -1 },
	{ "500", 500, 0, NULL, "", LOA_OUT_RETRY, "http_5xx", "", 0, -1 },
	{ "502 page", 502, 0, NULL, "<html>Bad Gateway</html>",
	    LOA_OUT_RETRY, "http_5xx", "", 0, -1 },
	{ "no answer", 0, 0, NULL, "",
	    LOA_OUT_RETRY, "no_answer", "", 0, -1 },
	{ "timed out", 0, 1, NULL, "",
	    LOA_OUT_RETRY, "timeout", "", 0, -1 },
	{ "2xx not JSON", 200, 0, NULL, "<html>ok</html>",
	    LOA_OUT_RETRY, "bad_answer", "", 0, -1 },
	{ "2xx empty", 200, 0, NULL, "",
	    LOA_OUT_RETRY, "bad_answer", "", 0, -1 },
	{ "204 no content", 204, 0, NULL, "",
	    LOA_OUT_RETRY, "bad_answer", "", 0, -1 },
	{ "2xx odd status", 200, 0, NULL, "{\"status\":\"queued\"}",
	    LOA_OUT_RETRY, "bad_answer", "", 0, -1 },
	{ "401 page", 401, 0, NULL, "Unauthorized",
	    LOA_OUT_PROVIDER_DOWN, "http_401", "", 0, -1 },
	{ "404 page", 404, 0, NULL, "Not Found",
	    LOA_OUT_PROVIDER_DOWN, "http_404", "", 0, -1 },
	{ "400 page", 400, 0, NULL, "Bad Request",
	    LOA_OUT_FAILED, "http_400", "", 0, -1 },
};

/*
 * Classify one answer carrying Retry-After (which the plugin leaves to
 * the daemon) and, when reset is not NULL, the header hname: reset.
 */
static void
classify_one(void *st, int http, int timed_out, const char *hname,
    const char *reset, const char *body, struct loa_result *res)
{
	struct loa_response	resp;
	struct loa_header	h[2];

	memset(&resp, 0, sizeof(resp));
	resp.http_status = http;
	resp.timed_out = timed_out;
	resp.body = body;
	resp.body_len = strlen(body);
	h[0].name = "Retry-After";
	h[0].value = "7";
	resp.headers = h;
	resp.nheaders = 1;
	if (reset != NULL) {
		h[1].name = hname;
		h[1].value = reset;
		resp.nheaders = 2;
	}
	result_init(res);
	loa_provider.classify(st, &msg_gsm7, &resp, res);
}

static void
test_classify(void)
{
	struct th		 th;
	struct loa_host		 host;
	struct loa_result	 res;
	char			 v[32];
	void			*st;
	size_t			 i;

	th_create(&th, &host, conf_min, secrets_ok, &st);
	for (i = 0; i < nitems(answers); i++) {
		classify_one(st, answers[i].http, answers[i].timed_out,
		    "X-Rate-Limit-Reset", answers[i].reset, answers[i].body,
		    &res);
		check_result(&res, answers[i].name, answers[i].outcome,
		    answers[i].reason, answers[i].provider_id,
		    answers[i].no_attempt);
		is_int(res.retry_after_ms, answers[i].retry_after_ms,
		    "%s: retry_after_ms", answers[i].name);
	}

	/* The header name is matched without regard to case. */
	classify_one(st, 429, 0, "x-rate-limit-reset", "12", "", &res);
	is_int(res.retry_after_ms, 12000, "429: header name in lower case");

	/* The reset as an epoch time, in seconds and in milliseconds. */
	snprintf(v, sizeof(v), "%lld", (long long)time(NULL) + 45);
	classify_one(st, 429, 0, "X-Rate-Limit-Reset", v, "", &res);
	ok(res.retry_after_ms > 43000 && res.retry_after_ms <= 45000,
	    "429: epoch seconds 45 s ahead: %ld ms", res.retry_after_ms);
	is_int(res.no_attempt, 1, "429 epoch: no_attempt");
	snprintf(v, sizeof(v), "%lld", ((long long)time(NULL) + 20) * 1000);
	classify_one(st, 429, 0, "X-Rate-Limit-Reset", v, "", &res);
	ok(res.retry_after_ms > 18000 && res.retry_after_ms <= 20000,
	    "429: epoch milliseconds 20 s ahead: %ld ms", res.retry_after_ms);
	snprintf(v, sizeof(v), "%lld", (long long)time(NULL) - 100);
	classify_one(st, 429, 0, "X-Rate-Limit-Reset", v, "", &res);
	is_int(res.retry_after_ms, 1000, "429: epoch in the past: 1 s");

	/* The reset header means nothing outside a 429. */
	classify_one(st, 503, 0, "X-Rate-Limit-Reset", "30", "", &res);
	is_int(res.retry_after_ms, -1, "503: reset header ignored");
	is_int(res.no_attempt, 0, "503: attempt counts");
	loa_provider.destroy(st);
}

#define REPORT(tran, status) \
	"{\"type\":\"report\",\"tranId\":" tran ",\"phone\":" \
	"\"84912345678\",\"status\":" status "}"

/* SpeedSMS delivery reports, and how each must be read. */
static const struct hook hooks[] = {
	{ "status 0: delivered", "POST", TOK, REPORT("98765432", "0"),
	    "Content-Type", "application/json",
	    1, LOA_REPORT_DELIVERED, "98765432", NULL },
	{ "tranId as a string", "POST", TOK, REPORT("\"98765432\"", "0"),
	    NULL, NULL, 1, LOA_REPORT_DELIVERED, "98765432", NULL },
	{ "token among other parameters", "POST", "ward=00070&" TOK "&x=1",
	    REPORT("98765432", "0"), NULL, NULL,
	    1, LOA_REPORT_DELIVERED, "98765432", NULL },
	{ "status 1: failed", "POST", TOK, REPORT("98765433", "1"), NULL,
	    NULL, 1, LOA_REPORT_FAILED, "98765433", "status_1" },
	{ "status 16: failed", "POST", TOK, REPORT("98765434", "16"), NULL,
	    NULL, 1, LOA_REPORT_FAILED, "98765434", "status_16" },
	{ "status as a string", "POST", TOK, REPORT("98765435", "\"2\""),
	    NULL, NULL, 1, LOA_REPORT_FAILED, "98765435", "status_2" },
	{ "another type: nothing to record", "POST", TOK,
	    "{\"type\":\"mo\",\"phone\":\"84912345678\",\"content\":\"OK\"}",
	    NULL, NULL, 0, 0, NULL, NULL },
	{ "no type", "POST", TOK,
	    "{\"tranId\":98765432,\"status\":0}", NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no tranId", "POST", TOK,
	    "{\"type\":\"report\",\"phone\":\"84912345678\",\"status\":0}",
	    NULL, NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "empty tranId", "POST", TOK, REPORT("\"\"", "0"), NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "tranId null", "POST", TOK, REPORT("null", "0"), NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no status", "POST", TOK,
	    "{\"type\":\"report\",\"tranId\":98765432}", NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "status a word", "POST", TOK, REPORT("98765432", "\"ok\""), NULL,
	    NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "status a fraction", "POST", TOK, REPORT("98765432", "0.5"), NULL,
	    NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "not JSON", "POST", TOK, "type=report&tranId=1&status=0", NULL,
	    NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "a JSON array", "POST", TOK, "[" REPORT("98765432", "0") "]", NULL,
	    NULL, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "empty body", "POST", TOK, "", NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "a GET", "GET", TOK "&tranId=98765432&status=0", NULL, NULL, NULL,
	    LOA_REPORT_MALFORMED, 0, NULL, NULL },
	{ "no token", "POST", "", REPORT("98765432", "0"), NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "wrong token", "POST", "loa_token=sp%2Fhook+T0ke",
	    REPORT("98765432", "0"), NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "empty token", "POST", "loa_token=", REPORT("98765432", "0"),
	    NULL, NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "the API token is not the webhook token", "POST",
	    "loa_token=" TOKEN, REPORT("98765432", "0"), NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "token in the body only", "POST", "",
	    "{\"type\":\"report\",\"tranId\":1,\"status\":0,\"loa_token\":\""
	    HOOK_TOKEN "\"}", NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
	{ "bad token, bad body", "POST", "loa_token=x", "{", NULL, NULL,
	    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
};

static void
test_report(void)
{
	static const struct hook padded = { "body read up to body_len",
	    "POST", TOK, REPORT("98765432", "0") "garbage", NULL, NULL,
	    1, LOA_REPORT_DELIVERED, "98765432", NULL };
	struct loa_report	 reps[HOOK_MAX_REPORTS];
	struct th		 th;
	struct loa_host		 host;
	void			*st;

	if (th_create(&th, &host, conf_hook, secrets_hook, &st) == -1) {
		ok(0, "report: create");
		return;
	}
	check_hooks(st, hooks, nitems(hooks));
	is_int(hook_call(st, &padded, strlen(REPORT("98765432", "0")), reps),
	    1, "report: %s", padded.name);

	check_same_id(st, &msg_gsm7, 200, "{\"status\":\"success\",\"code\":"
	    "\"00\",\"data\":{\"tranId\":98765432,\"totalSMS\":1,"
	    "\"totalPrice\":250,\"invalidPhone\":[]}}", &hooks[0]);
	ok(strstr(th.log, "T0ken") == NULL &&
	    strstr(th.log, "84912345678") == NULL &&
	    strstr(th.log, "98765432") == NULL,
	    "report: no token, phone or id in the log");
	loa_provider.destroy(st);

	/* No webhook token: every report refused. */
	th_create(&th, &host, conf_min, secrets_ok, &st);
	check_all_refused(st, hooks, nitems(hooks), "no webhook_token_file");
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
