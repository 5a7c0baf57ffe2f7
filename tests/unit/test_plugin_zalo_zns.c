/*
 * test_plugin_zalo_zns.c -- the zalo_zns plugin, called directly through
 * its loa_provider module (no dlopen): config refusals, the exact request
 * for a template message (Vietnamese data with quotes, backslashes and a
 * newline), every Zalo error code of shared/providers.md, transport
 * failures and garbage, the token refresh request and every kind of
 * refresh answer (rotation, refusal, garbage), delivery reports (the
 * X-ZEvent-Signature checked against SHA-256 vectors computed with
 * `openssl dgst -sha256`, then every event), and that no secret or phone
 * number ever reaches the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define APP_ID	"1234567890123456789"
#define SECRET	"S3cretKeyOfTheApp"
#define OASEC	"OaSecretKey42"
#define TOKEN	"AT.first-token_ABC~123"
#define TOKEN2	"AT.second-token_XYZ"
#define PHONE	"84912345678"
#define DID	"0123456789abcdef0123456789abcdef"

extern const struct loa_provider_module loa_provider;
extern long long zns_test_now_ms;	/* the plugin's clock (LOA_PLUGIN_TEST) */

#include "webhook_check.h"

/* The test host: a config table, secret-file contents, a captured log. */
struct kv {
	const char	*k;
	const char	*v;
};

struct th {
	const struct kv	*conf;
	const struct kv	*secrets;	/* by config key */
	struct loa_host	 host;
};

static char	logbuf[65536];		/* everything every instance logged */
static char	lastlog[4096];		/* what the last create() logged */

static void __attribute__((format(printf, 3, 4)))
th_log(void *hctx, enum loa_log_level lvl, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	(void)hctx;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(lastlog + strlen(lastlog), sizeof(lastlog) - strlen(lastlog),
	    "%d %s\n", (int)lvl, msg);
	snprintf(logbuf + strlen(logbuf), sizeof(logbuf) - strlen(logbuf),
	    "%d %s\n", (int)lvl, msg);
}

static const char *
kv_get(const struct kv *t, const char *key)
{
	for (; t != NULL && t->k != NULL; t++)
		if (strcmp(t->k, key) == 0)
			return t->v;
	return NULL;
}

static const char *
th_config(void *hctx, const char *key)
{
	struct th	*th = hctx;

	return kv_get(th->conf, key);
}

/* Like the daemon: NULL when the key is unset or the file unreadable. */
static const char *
th_secret(void *hctx, const char *key)
{
	struct th	*th = hctx;

	if (kv_get(th->conf, key) == NULL)
		return NULL;
	return kv_get(th->secrets, key);
}

static void
th_init(struct th *th, const struct kv *conf, const struct kv *secrets)
{
	memset(th, 0, sizeof(*th));
	th->conf = conf;
	th->secrets = secrets;
	th->host.log = th_log;
	th->host.config = th_config;
	th->host.secret = th_secret;
	th->host.hctx = th;
	lastlog[0] = '\0';
}

static const struct kv good_secrets[] = {
	{ "app_secret_file", SECRET },
	{ "oa_secret_file", OASEC },
	{ NULL, NULL }
};

static const struct kv base_conf[] = {
	{ "app_id", APP_ID },
	{ "app_secret_file", "/run/loa/zalo_app_secret" },
	{ "refresh_token_file", "/run/loa/zalo_refresh_token" },
	{ NULL, NULL }
};

static void
res_init(struct loa_result *res)
{
	memset(res, 0, sizeof(*res));
	res->retry_after_ms = -1;
}

static void
req_clear(struct loa_request *req)
{
	free(req->body);
	memset(req, 0, sizeof(*req));
}

static struct loa_message
zmsg(const char *to, const char *data)
{
	struct loa_message	m;

	memset(&m, 0, sizeof(m));
	m.delivery_id = DID;
	m.job_id = "1714529559-1";
	m.channel = "zalo";
	m.to = to;
	m.zalo_uid = "4321987654321";
	m.template_id = "231456";
	m.template_data = data;
	m.attempt = 1;
	return m;
}

static int
in_hbuf(const struct loa_request *req, const char *p)
{
	return p >= req->hbuf && p < req->hbuf + sizeof(req->hbuf);
}

/*
 * The request must be exactly this: method, URL, the headers in order
 * (name, value pairs), the body.
 */
static void
check_req(const char *what, const struct loa_request *req, const char *url,
    const char *h0, const char *v0, const char *h1, const char *v1,
    const char *body)
{
	is_int(req->transport, LOA_TRANSPORT_HTTP, "%s: HTTP", what);
	is_str(req->method, "POST", "%s: method", what);
	is_str(req->url, url, "%s: url", what);
	is_int(req->nheaders, 2, "%s: two headers", what);
	is_str(req->headers[0].name, h0, "%s: header 0 name", what);
	is_str(req->headers[0].value, v0, "%s: header 0 value", what);
	is_str(req->headers[1].name, h1, "%s: header 1 name", what);
	is_str(req->headers[1].value, v1, "%s: header 1 value", what);
	ok(in_hbuf(req, req->headers[1].value), "%s: secret header value "
	    "lives in hbuf", what);
	is_str(req->body, body, "%s: body", what);
	is_int(req->body_len, body != NULL ? strlen(body) : 0,
	    "%s: body_len", what);
}

static void
test_module(void)
{
	static const char *const want[] = { "base_url", "oauth_url",
	    "app_id", "app_secret_file", "oa_secret_file",
	    "refresh_token_file", "mode", "webhook_max_age",
	    "webhook_max_ahead" };
	size_t	i, n;

	is_int(loa_provider.abi_major, LOA_PROVIDER_ABI_MAJOR, "abi major");
	is_int(loa_provider.abi_minor, LOA_PROVIDER_ABI_MINOR, "abi minor");
	is_int(loa_provider.struct_size, sizeof(struct loa_provider_module),
	    "struct size");
	is_str(loa_provider.name, "zalo_zns", "name");
	is_str(loa_provider.channels, "zalo", "channels");
	is_int(loa_provider.flags, LOA_PROVIDER_REPORTS,
	    "flags: reports (by msg_id), no de-duplication");
	ok(loa_provider.refresh_build != NULL &&
	    loa_provider.refresh_parse != NULL &&
	    loa_provider.set_token != NULL, "token callbacks set");
	for (n = 0; loa_provider.config_keys[n] != NULL; n++)
		;
	is_int(n, nitems(want), "number of config keys");
	for (i = 0; i < nitems(want); i++) {
		int found = 0;
		for (n = 0; loa_provider.config_keys[n] != NULL; n++)
			found |= strcmp(loa_provider.config_keys[n],
			    want[i]) == 0;
		ok(found, "config key %s declared", want[i]);
	}
}

/* Whether the last create() logged an error line naming key. */
static int
logged_error(const char *key)
{
	char	 buf[sizeof(lastlog)], *line, *save;

	memcpy(buf, lastlog, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (line[0] == '0' && strstr(line, key) != NULL)
			return 1;
	return 0;
}

static void
test_create_refusals(void)
{
	static const struct kv no_app_id[] = {
		{ "app_secret_file", "/s" }, { NULL, NULL } };
	static const struct kv empty_app_id[] = { { "app_id", "" },
		{ "app_secret_file", "/s" }, { NULL, NULL } };
	static const struct kv no_secret_key[] = {
		{ "app_id", APP_ID }, { NULL, NULL } };
	static const struct kv secret_set[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { NULL, NULL } };
	static const struct kv bad_mode[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "mode", "dev" },
		{ NULL, NULL } };
	static const struct kv bad_oauth[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oauth_url", "ftp://x" },
		{ NULL, NULL } };
	static const struct kv bad_base[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" },
		{ "base_url", "business.openapi.zalo.me" }, { NULL, NULL } };
	static const struct kv oa_set[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oa_secret_file", "/o" },
		{ NULL, NULL } };
	static const struct kv only_app[] = {
		{ "app_secret_file", SECRET }, { NULL, NULL } };
	static const struct kv empty_oa[] = {
		{ "app_secret_file", SECRET }, { "oa_secret_file", "" },
		{ NULL, NULL } };
	static const struct kv spaced[] = {
		{ "app_secret_file", "two words" }, { NULL, NULL } };
	static const struct kv newline[] = {
		{ "app_secret_file", "a\nInjected: 1" }, { NULL, NULL } };
	static const struct kv empty[] = {
		{ "app_secret_file", "" }, { NULL, NULL } };
	static const struct {
		const char	*what;
		const struct kv	*conf;
		const struct kv	*secrets;
		const char	*key;	/* must be named in the log */
	} t[] = {
		{ "no app_id", no_app_id, good_secrets, "app_id" },
		{ "empty app_id", empty_app_id, good_secrets, "app_id" },
		{ "no app_secret_file", no_secret_key, good_secrets,
		    "app_secret_file" },
		{ "unreadable app secret", secret_set, NULL,
		    "app_secret_file" },
		{ "empty app secret", secret_set, empty, "app_secret_file" },
		{ "app secret with a space", secret_set, spaced,
		    "app_secret_file" },
		{ "app secret with a newline", secret_set, newline,
		    "app_secret_file" },
		{ "unknown mode", bad_mode, good_secrets, "mode" },
		{ "oauth_url not http", bad_oauth, good_secrets, "oauth_url" },
		{ "base_url without scheme", bad_base, good_secrets,
		    "base_url" },
		{ "unreadable oa secret", oa_set, only_app, "oa_secret_file" },
		{ "empty oa secret", oa_set, empty_oa, "oa_secret_file" },
	};
	struct th	 th;
	void		*st = NULL;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		th_init(&th, t[i].conf, t[i].secrets);
		st = (void *)&th;
		is_int(loa_provider.create(&th.host, &st), -1, "create "
		    "refuses: %s", t[i].what);
		ok(logged_error(t[i].key), "%s: logged as an error naming %s",
		    t[i].what, t[i].key);
	}
}

static void
test_create_accepts(void)
{
	static const struct kv full[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oa_secret_file", "/o" },
		{ "refresh_token_file", "/r" }, { "mode", "production" },
		{ "base_url", "https://business.openapi.zalo.me/" },
		{ "oauth_url", "https://oauth.zaloapp.com" },
		{ NULL, NULL } };
	struct th	 th;
	void		*st = NULL;

	th_init(&th, base_conf, good_secrets);
	is_int(loa_provider.create(&th.host, &st), 0, "minimal config");
	is_str(lastlog, "2 oa_secret_file not set: delivery reports will be "
	    "refused\n", "minimal config: one info line, reports refused");
	loa_provider.destroy(st);
	th_init(&th, full, good_secrets);
	is_int(loa_provider.create(&th.host, &st), 0, "every key");
	is_str(lastlog, "", "every key: nothing logged");
	loa_provider.destroy(st);
}

static void
test_build(void)
{
	static const struct kv dev[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "mode", "development" },
		{ "base_url", "http://127.0.0.1:8099//" }, { NULL, NULL } };
	static const char data[] =
	    "{\"ten\": \"Nguyễn Thị \\\"Lan\\\"\", "
	    "\"dia_chi\": \"Số 1\\\\Tràng Tiền\\nHoàn Kiếm\", "
	    "\"ngay\": \"01/07/2025\"}";
	static const char body[] =
	    "{\"phone\":\"84912345678\",\"template_id\":\"231456\","
	    "\"template_data\":{\"ten\":\"Nguyễn Thị \\\"Lan\\\"\","
	    "\"dia_chi\":\"Số 1\\\\Tràng Tiền\\nHoàn Kiếm\","
	    "\"ngay\":\"01/07/2025\"},"
	    "\"tracking_id\":\"" DID "\"}";
	static const char devbody[] =
	    "{\"phone\":\"84912345678\",\"template_id\":\"231456\","
	    "\"template_data\":{},\"tracking_id\":\"" DID "\","
	    "\"mode\":\"development\"}";
	static const struct {
		const char	*what;
		const char	*data;
	} bad[] = {
		{ "data not JSON", "{\"ten\":" },
		{ "data an array", "[\"a\"]" },
		{ "data with a number", "{\"n\":1}" },
		{ "data with an object", "{\"o\":{}}" },
	};
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	json_t			*j;
	void			*st = NULL;
	size_t			 i;

	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;

	memset(&req, 0, sizeof(req));
	m = zmsg(PHONE, data);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no token: -1");
	is_int(res.outcome, LOA_OUT_REFRESH, "no token: refresh");
	is_str(res.reason, "no_token", "no token: reason");
	ok(req.body == NULL, "no token: no body");

	loa_provider.set_token(st, TOKEN);
	m = zmsg("", data);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no phone: -1");
	is_int(res.outcome, LOA_OUT_FALLBACK, "no phone: fall back");
	is_str(res.reason, "no_phone", "no phone: reason");
	m = zmsg(NULL, data);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "NULL phone: -1");
	is_int(res.outcome, LOA_OUT_FALLBACK, "NULL phone: fall back");

	m = zmsg(PHONE, data);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "template message");
	check_req("template", &req, "https://business.openapi.zalo.me/"
	    "message/template", "Content-Type", "application/json",
	    "access_token", TOKEN, body);
	j = req.body != NULL ? json_loads(req.body, 0, NULL) : NULL;
	ok(j != NULL, "template: body is JSON");
	is_str(json_string_value(json_object_get(json_object_get(j,
	    "template_data"), "dia_chi")), "Số 1\\Tràng Tiền\nHoàn Kiếm",
	    "template: data survives the round trip");
	json_decref(j);
	req_clear(&req);

	/* A new token replaces the old one, NULL forgets it. */
	loa_provider.set_token(st, TOKEN2);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "new token");
	is_str(req.headers[1].value, TOKEN2, "new token sent");
	req_clear(&req);
	loa_provider.set_token(st, NULL);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "forgotten token");
	is_str(res.reason, "no_token", "forgotten token: no_token");
	loa_provider.set_token(st, "bad token\r\nX: 1");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "token with CRLF "
	    "never reaches a header");
	is_int(res.outcome, LOA_OUT_REFRESH, "token with CRLF: refresh");
	loa_provider.set_token(st, TOKEN);

	for (i = 0; i < nitems(bad); i++) {
		m = zmsg(PHONE, bad[i].data);
		res_init(&res);
		is_int(loa_provider.build(st, &m, &req, &res), -1, "%s: -1",
		    bad[i].what);
		is_int(res.outcome, LOA_OUT_FAILED, "%s: failed", bad[i].what);
		is_str(res.reason, "bad_template_data", "%s: reason",
		    bad[i].what);
		ok(req.body == NULL, "%s: no body", bad[i].what);
	}
	m = zmsg(PHONE, data);
	m.template_id = "";
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "no template id");
	is_int(res.outcome, LOA_OUT_FAILED, "no template id: failed");
	loa_provider.destroy(st);

	/* Development mode, a loopback base_url with trailing slashes. */
	th_init(&th, dev, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	loa_provider.set_token(st, TOKEN);
	m = zmsg(PHONE, NULL);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "development");
	check_req("development", &req, "http://127.0.0.1:8099/message/"
	    "template", "Content-Type", "application/json", "access_token",
	    TOKEN, devbody);
	req_clear(&req);
	loa_provider.destroy(st);
}

static void
test_classify(void)
{
	static const struct {
		int		 status;
		int		 timed_out;
		const char	*body;
		enum loa_outcome out;
		const char	*reason;
		const char	*id;
		int		 no_attempt;
	} t[] = {
		{ 200, 0, "{\"error\":0,\"message\":\"Success\",\"data\":"
		    "{\"msg_id\":\"a5c7d3e0f1b2\",\"sent_time\":"
		    "\"1714529559833\",\"quota\":{\"dailyQuota\":\"5000\","
		    "\"remainingQuota\":\"4999\"}}}",
		    LOA_OUT_SENT, "", "a5c7d3e0f1b2", 0 },
		{ 200, 0, "{\"error\":0,\"data\":{\"msg_id\":98765}}",
		    LOA_OUT_SENT, "", "98765", 0 },
		{ 200, 0, "{\"error\":\"0\",\"data\":{\"msg_id\":\"m1\"}}",
		    LOA_OUT_SENT, "", "m1", 0 },
		{ 200, 0, "{\"error\":0,\"message\":\"Success\"}",
		    LOA_OUT_SENT, "", "", 0 },
		{ 200, 0, "{\"error\":-100,\"message\":\"Unknown error\"}",
		    LOA_OUT_RETRY, "zalo_-100", "", 0 },
		{ 200, 0, "{\"error\":-101,\"message\":\"App invalid\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-101", "", 0 },
		{ 200, 0, "{\"error\":-102,\"message\":\"x\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-102", "", 0 },
		{ 200, 0, "{\"error\":-103,\"message\":\"x\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-103", "", 0 },
		{ 200, 0, "{\"error\":-104,\"message\":\"x\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-104", "", 0 },
		{ 200, 0, "{\"error\":-105,\"message\":\"x\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-105", "", 0 },
		{ 200, 0, "{\"error\":-108,\"message\":\"Phone invalid\"}",
		    LOA_OUT_FALLBACK, "zalo_-108", "", 0 },
		{ 200, 0, "{\"error\":-109,\"message\":\"x\"}",
		    LOA_OUT_FAILED, "zalo_-109", "", 0 },
		{ 200, 0, "{\"error\":-111,\"message\":\"x\"}",
		    LOA_OUT_FAILED, "zalo_-111", "", 0 },
		{ 200, 0, "{\"error\":-112,\"message\":\"x\"}",
		    LOA_OUT_FAILED, "zalo_-112", "", 0 },
		{ 200, 0, "{\"error\":-114,\"message\":\"x\"}",
		    LOA_OUT_FALLBACK, "zalo_-114", "", 0 },
		{ 200, 0, "{\"error\":-115,\"message\":\"Out of quota\"}",
		    LOA_OUT_PROVIDER_DOWN, "zalo_-115", "", 0 },
		{ 200, 0, "{\"error\":-118,\"message\":\"No Zalo\"}",
		    LOA_OUT_FALLBACK, "zalo_-118", "", 0 },
		{ 200, 0, "{\"error\":\"-118\",\"message\":\"No Zalo\"}",
		    LOA_OUT_FALLBACK, "zalo_-118", "", 0 },
		{ 200, 0, "{\"error\":-124,\"message\":\"Token invalid\"}",
		    LOA_OUT_REFRESH, "zalo_-124", "", 0 },
		{ 200, 0, "{\"error\":-131,\"message\":\"other\"}",
		    LOA_OUT_FAILED, "zalo_-131", "", 0 },
		{ 200, 0, "{\"error\":-100,\"data\":{\"msg_id\":\"x\"}}",
		    LOA_OUT_RETRY, "zalo_-100", "", 0 },
		{ 500, 0, "", LOA_OUT_RETRY, "http_5xx", "", 0 },
		{ 503, 0, "{\"error\":-124}", LOA_OUT_RETRY, "http_5xx", "",
		    0 },
		{ 429, 0, "", LOA_OUT_RETRY, "rate_limited", "", 1 },
		{ 0, 0, "", LOA_OUT_RETRY, "no_answer", "", 0 },
		{ 0, 1, "", LOA_OUT_RETRY, "timeout", "", 0 },
		{ 200, 0, "<html>gateway</html>", LOA_OUT_RETRY, "bad_answer",
		    "", 0 },
		{ 200, 0, "", LOA_OUT_RETRY, "bad_answer", "", 0 },
		{ 200, 0, "[0]", LOA_OUT_RETRY, "bad_answer", "", 0 },
		{ 200, 0, "{\"message\":\"Success\"}", LOA_OUT_RETRY,
		    "bad_answer", "", 0 },
		{ 200, 0, "{\"error\":\"oops\"}", LOA_OUT_RETRY, "bad_answer",
		    "", 0 },
		{ 400, 0, "", LOA_OUT_FAILED, "http_400", "", 0 },
		{ 404, 0, "<html>not found</html>", LOA_OUT_FAILED, "http_404",
		    "", 0 },
		{ 400, 0, "{\"error\":0}", LOA_OUT_FAILED, "http_400", "", 0 },
		{ 401, 0, "{\"error\":-124,\"message\":\"x\"}",
		    LOA_OUT_REFRESH, "zalo_-124", "", 0 },
	};
	struct th		 th;
	struct loa_response	 resp;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st = NULL;
	size_t			 i;

	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	m = zmsg(PHONE, "{}");
	for (i = 0; i < nitems(t); i++) {
		memset(&resp, 0, sizeof(resp));
		resp.http_status = t[i].status;
		resp.timed_out = t[i].timed_out;
		resp.body = t[i].body;
		resp.body_len = strlen(t[i].body);
		res_init(&res);
		loa_provider.classify(st, &m, &resp, &res);
		is_int(res.outcome, t[i].out, "classify %d %s: outcome",
		    t[i].status, t[i].body);
		is_str(res.reason, t[i].reason, "classify %d %s: reason",
		    t[i].status, t[i].body);
		is_str(res.provider_id, t[i].id, "classify %d %s: id",
		    t[i].status, t[i].body);
		is_int(res.no_attempt, t[i].no_attempt, "classify %d %s: "
		    "no_attempt", t[i].status, t[i].body);
		is_int(res.retry_after_ms, -1, "classify %d %s: no delay "
		    "invented", t[i].status, t[i].body);
	}
	loa_provider.destroy(st);
}

static void
test_refresh_build(void)
{
	static const struct kv local[] = { { "app_id", "12 34&x" },
		{ "app_secret_file", "/s" },
		{ "oauth_url", "http://127.0.0.1:9099/oauth/" },
		{ NULL, NULL } };
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	void			*st = NULL;

	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	memset(&req, 0, sizeof(req));
	res_init(&res);
	is_int(loa_provider.refresh_build(st, "RT.old-token_1~x", &req, &res),
	    0, "refresh request");
	check_req("refresh", &req, "https://oauth.zaloapp.com/v4/oa/"
	    "access_token", "Content-Type",
	    "application/x-www-form-urlencoded", "secret_key", SECRET,
	    "refresh_token=RT.old-token_1~x&app_id=" APP_ID
	    "&grant_type=refresh_token");
	req_clear(&req);

	res_init(&res);
	is_int(loa_provider.refresh_build(st, "a+b/c=d&e f%\n", &req, &res),
	    0, "refresh token needing encoding");
	is_str(req.body, "refresh_token=a%2Bb%2Fc%3Dd%26e%20f%25%0A&app_id="
	    APP_ID "&grant_type=refresh_token", "refresh token "
	    "percent-encoded");
	req_clear(&req);

	res_init(&res);
	is_int(loa_provider.refresh_build(st, "", &req, &res), -1,
	    "no refresh token: -1");
	is_int(res.outcome, LOA_OUT_PROVIDER_DOWN, "no refresh token: "
	    "provider down");
	is_str(res.reason, "no_refresh_token", "no refresh token: reason");
	ok(req.body == NULL, "no refresh token: no body");
	res_init(&res);
	is_int(loa_provider.refresh_build(st, NULL, &req, &res), -1,
	    "NULL refresh token: -1");
	loa_provider.destroy(st);

	th_init(&th, local, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	res_init(&res);
	is_int(loa_provider.refresh_build(st, "RT1", &req, &res), 0,
	    "refresh to a local oauth_url");
	check_req("local refresh", &req, "http://127.0.0.1:9099/oauth/v4/oa/"
	    "access_token", "Content-Type",
	    "application/x-www-form-urlencoded", "secret_key", SECRET,
	    "refresh_token=RT1&app_id=12%2034%26x&grant_type=refresh_token");
	req_clear(&req);
	loa_provider.destroy(st);
}

static void
test_refresh_parse(void)
{
	static const struct {
		const char	*what;
		int		 status;
		int		 timed_out;
		const char	*body;
		int		 rc;
		enum loa_outcome out;	/* when rc == -1 */
		const char	*reason;
		const char	*access, *refresh;	/* when rc == 0 */
		long		 expires;
	} t[] = {
		{ "string expires_in", 200, 0,
		    "{\"access_token\":\"AT.new-1\",\"refresh_token\":"
		    "\"RT.next-1\",\"expires_in\":\"90000\"}",
		    0, 0, "", "AT.new-1", "RT.next-1", 90000 },
		{ "number expires_in", 200, 0,
		    "{\"access_token\":\"AT.new-2\",\"refresh_token\":"
		    "\"RT.next-2\",\"expires_in\":86400}",
		    0, 0, "", "AT.new-2", "RT.next-2", 86400 },
		{ "no expires_in", 200, 0,
		    "{\"refresh_token\":\"RT3\",\"access_token\":\"AT3\"}",
		    0, 0, "", "AT3", "RT3", 0 },
		{ "error 0 and tokens", 200, 0,
		    "{\"error\":0,\"access_token\":\"AT4\",\"refresh_token\":"
		    "\"RT4\",\"expires_in\":\"25\"}",
		    0, 0, "", "AT4", "RT4", 25 },
		{ "refresh token refused", 200, 0,
		    "{\"error\":-14014,\"error_name\":\"Invalid refresh "
		    "token\",\"error_reason\":\"Invalid refresh token\","
		    "\"ref_doc\":\"\",\"error_description\":\"x\"}",
		    -1, LOA_OUT_PROVIDER_DOWN, "zalo_refresh_-14014",
		    NULL, NULL, 0 },
		{ "app refused", 200, 0,
		    "{\"error\":-14002,\"message\":\"Invalid app id\"}",
		    -1, LOA_OUT_PROVIDER_DOWN, "zalo_refresh_-14002",
		    NULL, NULL, 0 },
		{ "refusal as a string, on 400", 400, 0,
		    "{\"error\":\"-14019\",\"message\":\"Invalid secret\"}",
		    -1, LOA_OUT_PROVIDER_DOWN, "zalo_refresh_-14019",
		    NULL, NULL, 0 },
		{ "401 without JSON", 401, 0, "denied",
		    -1, LOA_OUT_PROVIDER_DOWN, "http_401", NULL, NULL, 0 },
		{ "5xx", 502, 0, "<html>bad gateway</html>",
		    -1, LOA_OUT_RETRY, "http_5xx", NULL, NULL, 0 },
		{ "5xx with a refusal", 500, 0, "{\"error\":-14014}",
		    -1, LOA_OUT_RETRY, "http_5xx", NULL, NULL, 0 },
		{ "429", 429, 0, "", -1, LOA_OUT_RETRY, "rate_limited",
		    NULL, NULL, 0 },
		{ "no answer", 0, 0, "", -1, LOA_OUT_RETRY, "no_answer",
		    NULL, NULL, 0 },
		{ "timed out", 0, 1, "", -1, LOA_OUT_RETRY, "timeout",
		    NULL, NULL, 0 },
		{ "garbage", 200, 0, "<html>hello</html>",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "empty", 200, 0, "", -1, LOA_OUT_RETRY, "bad_answer",
		    NULL, NULL, 0 },
		{ "no refresh token", 200, 0,
		    "{\"access_token\":\"AT5\",\"expires_in\":\"90000\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "no access token", 200, 0,
		    "{\"refresh_token\":\"RT5\",\"expires_in\":\"90000\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "empty access token", 200, 0,
		    "{\"access_token\":\"\",\"refresh_token\":\"RT6\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "access token not a string", 200, 0,
		    "{\"access_token\":12,\"refresh_token\":\"RT6\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "access token with CRLF", 200, 0,
		    "{\"access_token\":\"A\\r\\nX: y\",\"refresh_token\":"
		    "\"RT6\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "bad expires_in", 200, 0,
		    "{\"access_token\":\"AT7\",\"refresh_token\":\"RT7\","
		    "\"expires_in\":\"soon\"}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
		{ "negative expires_in", 200, 0,
		    "{\"access_token\":\"AT7\",\"refresh_token\":\"RT7\","
		    "\"expires_in\":-5}",
		    -1, LOA_OUT_RETRY, "bad_answer", NULL, NULL, 0 },
	};
	struct th		 th;
	struct loa_response	 resp;
	struct loa_result	 res;
	struct loa_credentials	 cred;
	struct loa_request	 req;
	struct loa_message	 m;
	void			*st = NULL;
	size_t			 i;
	int			 rc;

	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	for (i = 0; i < nitems(t); i++) {
		memset(&resp, 0, sizeof(resp));
		resp.http_status = t[i].status;
		resp.timed_out = t[i].timed_out;
		resp.body = t[i].body;
		resp.body_len = strlen(t[i].body);
		res_init(&res);
		memset(&cred, 0, sizeof(cred));
		rc = loa_provider.refresh_parse(st, &resp, &cred, &res);
		is_int(rc, t[i].rc, "refresh answer, %s: rc", t[i].what);
		if (t[i].rc == 0) {
			is_str(cred.access_token, t[i].access, "refresh "
			    "answer, %s: access token", t[i].what);
			is_str(cred.refresh_token, t[i].refresh, "refresh "
			    "answer, %s: rotated refresh token", t[i].what);
			is_int(cred.expires_in_s, t[i].expires, "refresh "
			    "answer, %s: expires_in", t[i].what);
		} else {
			is_int(res.outcome, t[i].out, "refresh answer, %s: "
			    "outcome", t[i].what);
			is_str(res.reason, t[i].reason, "refresh answer, %s: "
			    "reason", t[i].what);
			is_str(cred.access_token, "", "refresh answer, %s: "
			    "no access token handed out", t[i].what);
		}
	}

	/* Rotation end to end: the new tokens are the ones used next. */
	memset(&resp, 0, sizeof(resp));
	resp.http_status = 200;
	resp.body = "{\"access_token\":\"AT.rotated\",\"refresh_token\":"
	    "\"RT.rotated\",\"expires_in\":\"90000\"}";
	resp.body_len = strlen(resp.body);
	res_init(&res);
	memset(&cred, 0, sizeof(cred));
	is_int(loa_provider.refresh_parse(st, &resp, &cred, &res), 0,
	    "rotation: parsed");
	loa_provider.set_token(st, cred.access_token);
	memset(&req, 0, sizeof(req));
	m = zmsg(PHONE, "{}");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "rotation: build");
	is_str(req.headers[1].value, "AT.rotated", "rotation: new access "
	    "token sent");
	req_clear(&req);
	res_init(&res);
	is_int(loa_provider.refresh_build(st, cred.refresh_token, &req, &res),
	    0, "rotation: next refresh");
	is_str(req.body, "refresh_token=RT.rotated&app_id=" APP_ID
	    "&grant_type=refresh_token", "rotation: next refresh uses the "
	    "rotated refresh token");
	req_clear(&req);
	loa_provider.destroy(st);
}

/*
 * Delivery webhooks.  Each mac is the hex of SHA-256(app_id + body +
 * timestamp + OASEC), computed with
 *	printf '%s%s%s%s' APP_ID "$body" TIMESTAMP OASEC | openssl dgst -sha256
 */
#define ZB_RECEIVED \
	"{\"event_name\":\"user_received_message\",\"app_id\":\"" APP_ID \
	"\",\"timestamp\":\"1602560967477\",\"sender\":{\"id\":" \
	"\"579745863508352884\"},\"recipient\":{\"id\":\"84987654321\"}," \
	"\"message\":{\"delivery_time\":\"1602560967477\",\"msg_id\":" \
	"\"a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1\",\"tracking_id\":\"" DID "\"}}"
#define ZM_RECEIVED \
	"b0bf95f6c7d9de66fab3cf7eb9f6f61194fdbede6f5bcbc326425ea8d4fed5ed"
#define ZM_RECEIVED_UC \
	"B0BF95F6C7D9DE66FAB3CF7EB9F6F61194FDBEDE6F5BCBC326425EA8D4FED5ED"
/* Numbers, not strings: app_id, timestamp and msg_id. */
#define ZB_NUMBERS \
	"{\"event_name\":\"user_received_message\",\"app_id\":" APP_ID \
	",\"timestamp\":1602560968000,\"message\":{\"msg_id\":987654321012}}"
#define ZM_NUMBERS \
	"b5ad871c1e301ab4f071173afb73d321742532b5cd7d0b27233e18203732dd1a"
#define ZB_SEEN \
	"{\"event_name\":\"user_seen_message\",\"app_id\":\"" APP_ID \
	"\",\"timestamp\":\"1602560969000\",\"sender\":{\"id\":" \
	"\"579745863508352884\"},\"recipient\":{\"id\":\"84987654321\"}," \
	"\"message\":{\"msg_ids\":[\"a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1\"]}}"
#define ZM_SEEN \
	"652533dc1809d57d3655dca9a2e8a3e3bd68b8a949828a283e1193a3d40aaf66"
#define ZB_NO_MSG_ID \
	"{\"event_name\":\"user_received_message\",\"app_id\":\"" APP_ID \
	"\",\"timestamp\":\"1602560970000\",\"message\":{\"tracking_id\":\"" \
	DID "\"}}"
#define ZM_NO_MSG_ID \
	"d38b0c56adc288258420f15007825df53d1e594b56e3277197b0f81b25281095"
/* Signed with our OA secret, but for another app (app_id 999). */
#define ZB_OTHER_APP \
	"{\"event_name\":\"user_received_message\",\"app_id\":\"999\"," \
	"\"timestamp\":\"1602560971000\",\"message\":{\"msg_id\":\"m1\"}}"
#define ZM_OTHER_APP \
	"705086b93a13235e5cb7e604130f084a4ea886f0354447e6436579e77aa9412a"
#define ZB_NO_EVENT \
	"{\"app_id\":\"" APP_ID "\",\"timestamp\":\"1602560972000\"," \
	"\"message\":{\"msg_id\":\"m2\"}}"
#define ZM_NO_EVENT \
	"d45a3a1cb7cd48c6eb09fdbae1057f38522d5bed71d486e1a30238a1cfad9b26"
#define ZSIG	"X-ZEvent-Signature"
#define ZT_SIGNED	1602560967477LL		/* ZB_RECEIVED's timestamp */

static void
test_report(void)
{
	static const struct kv oa_conf[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oa_secret_file", "/o" },
		{ NULL, NULL } };
	static const struct hook hooks[] = {
		{ "received", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=" ZM_RECEIVED, 1, LOA_REPORT_DELIVERED,
		    "a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1", NULL },
		{ "header name in lower case", "POST", "", ZB_RECEIVED,
		    "x-zevent-signature", "mac=" ZM_RECEIVED, 1,
		    LOA_REPORT_DELIVERED, "a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1",
		    NULL },
		{ "hex in upper case", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=" ZM_RECEIVED_UC, 1, LOA_REPORT_DELIVERED,
		    "a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1", NULL },
		{ "numbers for app_id, timestamp, msg_id", "POST", "",
		    ZB_NUMBERS, ZSIG, "mac=" ZM_NUMBERS, 1,
		    LOA_REPORT_DELIVERED, "987654321012", NULL },
		{ "read receipt: nothing final", "POST", "", ZB_SEEN, ZSIG,
		    "mac=" ZM_SEEN, 0, 0, NULL, NULL },
		{ "no header", "POST", "", ZB_RECEIVED, NULL, NULL,
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "another header", "POST", "", ZB_RECEIVED, "X-Signature",
		    "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "no mac=", "POST", "", ZB_RECEIVED, ZSIG, ZM_RECEIVED,
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "empty mac", "POST", "", ZB_RECEIVED, ZSIG, "mac=",
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "one digit wrong", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=b0bf95f6c7d9de66fab3cf7eb9f6f61194fdbede6f5bcbc326425e"
		    "a8d4fed5ee", LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "mac cut short", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=b0bf95f6c7d9de66fab3cf7eb9f6f611",
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "mac with more after it", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=" ZM_RECEIVED "00", LOA_REPORT_BAD_SIGNATURE, 0,
		    NULL, NULL },
		{ "another event's mac", "POST", "", ZB_RECEIVED, ZSIG,
		    "mac=" ZM_SEEN, LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "tampered msg_id", "POST", "",
		    "{\"event_name\":\"user_received_message\",\"app_id\":\""
		    APP_ID "\",\"timestamp\":\"1602560967477\",\"sender\":{"
		    "\"id\":\"579745863508352884\"},\"recipient\":{\"id\":"
		    "\"84987654321\"},\"message\":{\"delivery_time\":"
		    "\"1602560967477\",\"msg_id\":\"a7a7c1a7b0b4e1e4b2b2c8c9d7e0"
		    "f6f2\",\"tracking_id\":\"" DID "\"}}", ZSIG,
		    "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "tampered timestamp", "POST", "",
		    "{\"event_name\":\"user_received_message\",\"app_id\":\""
		    APP_ID "\",\"timestamp\":\"1602560967478\",\"sender\":{"
		    "\"id\":\"579745863508352884\"},\"recipient\":{\"id\":"
		    "\"84987654321\"},\"message\":{\"delivery_time\":"
		    "\"1602560967477\",\"msg_id\":\"a7a7c1a7b0b4e1e4b2b2c8c9d7e0"
		    "f6f1\",\"tracking_id\":\"" DID "\"}}", ZSIG,
		    "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "another app's event", "POST", "", ZB_OTHER_APP, ZSIG,
		    "mac=" ZM_OTHER_APP, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "not JSON: cannot be checked", "POST", "", "event=1", ZSIG,
		    "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "cut JSON: cannot be checked", "POST", "",
		    "{\"event_name\":\"user_received_message\",\"app_id\":\"",
		    ZSIG, "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0,
		    NULL, NULL },
		{ "no timestamp: cannot be checked", "POST", "",
		    "{\"app_id\":\"" APP_ID "\"}", ZSIG, "mac=" ZM_RECEIVED,
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "a JSON array: cannot be checked", "POST", "", "[]", ZSIG,
		    "mac=" ZM_RECEIVED, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
		    NULL },
		{ "empty body", "POST", "", "", ZSIG, "mac=" ZM_RECEIVED,
		    LOA_REPORT_BAD_SIGNATURE, 0, NULL, NULL },
		{ "signed, no msg_id", "POST", "", ZB_NO_MSG_ID, ZSIG,
		    "mac=" ZM_NO_MSG_ID, LOA_REPORT_MALFORMED, 0, NULL, NULL },
		{ "signed, no event_name", "POST", "", ZB_NO_EVENT, ZSIG,
		    "mac=" ZM_NO_EVENT, LOA_REPORT_MALFORMED, 0, NULL, NULL },
		{ "signed, but a GET", "GET", "", ZB_RECEIVED, ZSIG,
		    "mac=" ZM_RECEIVED, LOA_REPORT_MALFORMED, 0, NULL, NULL },
	};
	static const struct hook padded = { "body read up to body_len",
	    "POST", "", ZB_RECEIVED "{\"more\":1}", ZSIG, "mac=" ZM_RECEIVED,
	    1, LOA_REPORT_DELIVERED, "a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1",
	    NULL };
	struct loa_report	 reps[HOOK_MAX_REPORTS];
	struct loa_message	 m;
	struct th		 th;
	void			*st = NULL;

	is_int(loa_provider.report != NULL, 1, "report callback set");
	/* Our clock a minute after the vectors were signed. */
	zns_test_now_ms = ZT_SIGNED + 60 * 1000;
	th_init(&th, oa_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	is_str(lastlog, "", "with oa_secret_file: nothing logged");
	check_hooks(st, hooks, nitems(hooks));
	is_int(hook_call(st, &padded, strlen(ZB_RECEIVED), reps), 1,
	    "report: %s", padded.name);
	is_str(reps[0].provider_id, padded.provider_id, "report: %s: id",
	    padded.name);
	is_int(hook_call(st, &padded, (size_t)-1, reps),
	    LOA_REPORT_BAD_SIGNATURE, "report: the whole padded body is "
	    "not what was signed");
	m = zmsg(PHONE, NULL);
	check_same_id(st, &m, 200, "{\"error\":0,\"message\":\"Success\","
	    "\"data\":{\"msg_id\":\"a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1\"}}",
	    &hooks[0]);
	loa_provider.destroy(st);

	/* No OA secret: every report refused, even a well-signed one. */
	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	lastlog[0] = '\0';
	check_all_refused(st, hooks, nitems(hooks), "no oa_secret_file");
	is_str(lastlog, "", "report: no oa_secret_file: not logged again");
	loa_provider.destroy(st);
}

/*
 * The timestamp window: a correctly signed event is taken only while its
 * timestamp lies from webhook_max_age (1 h) before our clock to
 * webhook_max_ahead (5 min) after it; outside, it is a replay, refused
 * with one warning that names neither the body nor an id.
 */
static void
test_report_window(void)
{
	static const struct kv oa_conf[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oa_secret_file", "/o" },
		{ NULL, NULL } };
	static const struct kv narrow[] = { { "app_id", APP_ID },
		{ "app_secret_file", "/s" }, { "oa_secret_file", "/o" },
		{ "webhook_max_age", "10m" }, { "webhook_max_ahead", "1s" },
		{ NULL, NULL } };
	static const struct {
		const char	*value;
		int		 ok;
	} bounds[] = { { "1", 1 }, { "90s", 1 }, { "10m", 1 }, { "2h", 1 },
	    { "366d", 1 }, { "0", 0 }, { "367d", 0 }, { "-5", 0 },
	    { "1w", 0 }, { "", 0 }, { "10 m", 0 }, { "99999999999999d", 0 } };
	static const struct {
		const char	*name;
		long long	 now;		/* our clock */
		int		 rv;
		const char	*log;		/* a part of the warning */
	} cases[] = {
		{ "signed now", ZT_SIGNED, 1, NULL },
		{ "an hour old", ZT_SIGNED + 3600 * 1000LL, 1, NULL },
		{ "an hour and 1 ms old", ZT_SIGNED + 3600 * 1000LL + 1,
		    LOA_REPORT_BAD_SIGNATURE, "signed 3600 s ago, more than "
		    "webhook_max_age (3600 s): a replay?" },
		{ "ten years old", ZT_SIGNED + 3653LL * 86400 * 1000,
		    LOA_REPORT_BAD_SIGNATURE, "webhook_max_age" },
		{ "5 min ahead", ZT_SIGNED - 300 * 1000LL, 1, NULL },
		{ "5 min and 1 ms ahead", ZT_SIGNED - 300 * 1000LL - 1,
		    LOA_REPORT_BAD_SIGNATURE, "signed 300 s ahead of our "
		    "clock, more than webhook_max_ahead (300 s)" },
		{ "from 2100 (our clock in 2020)", ZT_SIGNED - 80LL * 365 *
		    86400 * 1000, LOA_REPORT_BAD_SIGNATURE,
		    "webhook_max_ahead" },
	};
	static const struct hook received = { "received", "POST", "",
	    ZB_RECEIVED, ZSIG, "mac=" ZM_RECEIVED, 1, LOA_REPORT_DELIVERED,
	    "a7a7c1a7b0b4e1e4b2b2c8c9d7e0f6f1", NULL };
	static const struct hook unsigned_old = { "unsigned", "POST", "",
	    ZB_RECEIVED, NULL, NULL, LOA_REPORT_BAD_SIGNATURE, 0, NULL,
	    NULL };
	struct loa_report	 reps[HOOK_MAX_REPORTS];
	struct kv		 conf[5];
	struct th		 th;
	void			*st = NULL;
	size_t			 i;
	int			 rv;

	th_init(&th, oa_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	for (i = 0; i < nitems(cases); i++) {
		zns_test_now_ms = cases[i].now;
		lastlog[0] = '\0';
		rv = hook_call(st, &received, (size_t)-1, reps);
		is_int(rv, cases[i].rv, "window: %s", cases[i].name);
		if (cases[i].log == NULL) {
			is_str(reps[0].provider_id, received.provider_id,
			    "window: %s: the report", cases[i].name);
			continue;
		}
		ok(strstr(lastlog, cases[i].log) != NULL &&
		    strncmp(lastlog, "1 ", 2) == 0 &&
		    strchr(lastlog, '\n') == strrchr(lastlog, '\n'),
		    "window: %s: one warning: %s", cases[i].name, lastlog);
	}
	/* Out of the window but unsigned: refused quietly, as before. */
	zns_test_now_ms = ZT_SIGNED + 86400 * 1000LL;
	lastlog[0] = '\0';
	is_int(hook_call(st, &unsigned_old, (size_t)-1, reps),
	    LOA_REPORT_BAD_SIGNATURE, "window: unsigned and old: refused");
	ok(strstr(lastlog, "webhook_max") == NULL, "window: checked only "
	    "once the signature is good");
	loa_provider.destroy(st);

	/* Narrower, from the config. */
	th_init(&th, narrow, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	zns_test_now_ms = ZT_SIGNED + 600 * 1000LL;
	is_int(hook_call(st, &received, (size_t)-1, reps), 1,
	    "webhook_max_age 10m: 10 min old taken");
	zns_test_now_ms = ZT_SIGNED + 601 * 1000LL;
	is_int(hook_call(st, &received, (size_t)-1, reps),
	    LOA_REPORT_BAD_SIGNATURE, "webhook_max_age 10m: 10 min 1 s old "
	    "refused");
	zns_test_now_ms = ZT_SIGNED - 1001;
	is_int(hook_call(st, &received, (size_t)-1, reps),
	    LOA_REPORT_BAD_SIGNATURE, "webhook_max_ahead 1s: 1.001 s ahead "
	    "refused");
	loa_provider.destroy(st);

	for (i = 0; i < nitems(bounds); i++) {
		conf[0] = oa_conf[0];
		conf[1] = oa_conf[1];
		conf[2].k = i % 2 ? "webhook_max_age" : "webhook_max_ahead";
		conf[2].v = bounds[i].value;
		conf[3].k = NULL;
		th_init(&th, conf, good_secrets);
		st = NULL;
		rv = loa_provider.create(&th.host, &st);
		is_int(rv, bounds[i].ok ? 0 : -1, "%s = \"%s\": %s",
		    conf[2].k, bounds[i].value, bounds[i].ok ? "taken" :
		    "refused");
		if (!bounds[i].ok)
			ok(strstr(lastlog, conf[2].k) != NULL,
			    "%s = \"%s\": the error names the key",
			    conf[2].k, bounds[i].value);
		if (rv == 0)
			loa_provider.destroy(st);
	}
	zns_test_now_ms = 0;
}

/*
 * Message ids from outside: an id with a control byte, a space, UTF-8, or
 * longer than LOA_PROVIDER_ID_MAX is refused whole, in a send answer (not
 * kept, said) and in a report (malformed), never cut or rewritten.
 */
static void
test_hostile_ids(void)
{
	static const char *const bad[] = {
		"{\"error\":0,\"data\":{\"msg_id\":\"a\\nb\"}}",
		"{\"error\":0,\"data\":{\"msg_id\":\"a\\u0001b\"}}",
		"{\"error\":0,\"data\":{\"msg_id\":\"a b\"}}",
		"{\"error\":0,\"data\":{\"msg_id\":\"\\u00e9t\u00e9\"}}",
		"{\"error\":0,\"data\":{\"msg_id\":\"a\\tb\"}}",
	};
	struct loa_response	 resp;
	struct loa_result	 res;
	struct loa_message	 m;
	struct th		 th;
	char			 body[512], id[200];
	void			*st = NULL;
	size_t			 i;

	th_init(&th, base_conf, good_secrets);
	if (loa_provider.create(&th.host, &st) == -1)
		return;
	m = zmsg(PHONE, NULL);
	for (i = 0; i < nitems(bad) + 2; i++) {
		if (i < nitems(bad))
			snprintf(body, sizeof(body), "%s", bad[i]);
		else {
			/* 128 and 127 bytes: one over, one at the limit. */
			memset(id, 'x', sizeof(id));
			id[i == nitems(bad) ? 128 : 127] = '\0';
			snprintf(body, sizeof(body), "{\"error\":0,\"data\":"
			    "{\"msg_id\":\"%s\"}}", id);
		}
		memset(&resp, 0, sizeof(resp));
		resp.http_status = 200;
		resp.body = body;
		resp.body_len = strlen(body);
		res_init(&res);
		lastlog[0] = '\0';
		loa_provider.classify(st, &m, &resp, &res);
		is_int(res.outcome, LOA_OUT_SENT, "hostile id %zu: still sent",
		    i);
		if (i == nitems(bad) + 1) {
			is_int((int)strlen(res.provider_id), 127, "an id of "
			    "127 bytes is kept whole");
			continue;
		}
		is_str(res.provider_id, "", "hostile id %zu: not kept", i);
		/* Said once a minute: an answer may come with every message. */
		if (i == 0)
			ok(strstr(lastlog, "msg_id is not 1 to 127 visible "
			    "ASCII") != NULL, "hostile id %zu: said", i);
		else
			ok(strstr(lastlog, "msg_id") == NULL, "hostile id %zu: "
			    "not said again within the minute", i);
		ok(loa_provider_id_ok("ab", 3) && !loa_provider_id_ok("a\x01",
		    3) && !loa_provider_id_ok("", 1) &&
		    !loa_provider_id_ok("abc", 3), "loa_provider_id_ok");
	}
	loa_provider.destroy(st);
}

int
main(void)
{
	test_module();
	test_create_refusals();
	test_create_accepts();
	test_build();
	test_classify();
	test_refresh_build();
	test_refresh_parse();
	test_report();
	test_report_window();
	test_hostile_ids();

	ok(strstr(logbuf, SECRET) == NULL && strstr(logbuf, OASEC) == NULL,
	    "no secret in the log");
	ok(strstr(logbuf, TOKEN) == NULL && strstr(logbuf, TOKEN2) == NULL &&
	    strstr(logbuf, "AT.") == NULL && strstr(logbuf, "RT.") == NULL,
	    "no token in the log");
	ok(strstr(logbuf, "912345678") == NULL &&
	    strstr(logbuf, "987654321") == NULL, "no phone number in the log");
	ok(strstr(logbuf, "user_received") == NULL &&
	    strstr(logbuf, "a7a7c1a7") == NULL, "no report body in the log");
	return tap_done();
}
