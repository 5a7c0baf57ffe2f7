/*
 * test_plugin_http_json.c -- the http_json plugin, called directly through
 * its loa_provider module (no dlopen), with four configs: a JSON API
 * (SpeedSMS-like: success field, id in data, string codes), a form API
 * (Twilio-like: any 2xx is success, numeric codes), a GET API
 * (Kannel-like: everything in the URL) and a Zalo template API ({{data}}).
 * Checked: every create() refusal, the exact requests for a Vietnamese
 * UCS-2 SMS, a GSM-7 SMS and a Zalo template message (escaping of quotes,
 * backslashes, newlines and reserved characters in each place), that the
 * JSON bodies are JSON and give the text back, every code list, and that
 * no secret or phone number reaches the log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define PHONE	"84912345678"
#define DID	"0123456789abcdef0123456789abcdef"
#define JOB	"1714529559-7"
#define TOKA	"tokA-Secret.123"
#define TOKB	"QUMwMDExOnNlY3JldA=="

/* Vietnamese (UCS-2) and GSM-7 texts full of characters to escape. */
#define TEXT_VI	"Thông báo: \"Cắt điện\" 8h–11h\\P. Hoàn Kiếm\nXin cảm ơn"
#define TEXT_GSM "Thong bao: cat dien 8h-11h {P. Hoan Kiem} 100% & @ ~/+"

extern const struct loa_provider_module loa_provider;

struct kv {
	const char	*k;
	const char	*v;
};

struct th {
	const struct kv	*conf;
	const struct kv	*secrets;	/* by config key */
	struct loa_host	 host;
};

static char	logbuf[65536];
static char	lastlog[4096];

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
sms(const char *text, const char *enc, int segments)
{
	struct loa_message	m;

	memset(&m, 0, sizeof(m));
	m.delivery_id = DID;
	m.job_id = JOB;
	m.channel = "sms";
	m.to = PHONE;
	m.text = text;
	m.encoding = enc;
	m.segments = segments;
	m.attempt = 1;
	return m;
}

static struct loa_message
zalo(const char *data)
{
	struct loa_message	m;

	memset(&m, 0, sizeof(m));
	m.delivery_id = DID;
	m.job_id = JOB;
	m.channel = "zalo";
	m.to = PHONE;
	m.template_id = "231456";
	m.template_data = data;
	m.attempt = 1;
	return m;
}

/* Config A: a JSON API. */
static const struct kv conf_a[] = {
	{ "url", "https://api.example.vn/v2/{{channel}}/send?ref="
	    "{{delivery_id}}&to={{ to_plus }}" },
	{ "headers", "Authorization: Bearer {{token}}; X-Loa-Job: {{job}};" },
	{ "body", "{\"to\":[\"{{to}}\"],\"content\":\"{{text}}\","
	    "\"encoding\":\"{{encoding}}\",\"parts\":{{segments}},"
	    "\"request_id\":\"{{delivery_id}}\",\"sender\":\"UBND\"}" },
	{ "token_file", "/run/loa/a_token" },
	{ "success_field", "status" },
	{ "success_value", "success" },
	{ "id_field", "data.tranId" },
	{ "error_field", "code" },
	{ "permanent_codes", "101, 105,110,113" },
	{ "temporary_codes", "500" },
	{ "fallback_codes", "177" },
	{ "down_codes", "007,008,300" },
	{ NULL, NULL }
};

/* Config B: a form API. */
static const struct kv conf_b[] = {
	{ "channel", "sms" },
	{ "url", "https://api.example.com/2010-04-01/Accounts/AC0011/"
	    "Messages.json" },
	{ "method", "POST" },
	{ "content_type", "application/x-www-form-urlencoded" },
	{ "headers", "Authorization: Basic {{token}}" },
	{ "token_file", "/run/loa/b_token" },
	{ "body", "To={{to_plus}}&From=UBND&Body={{text}}&StatusCallback="
	    "https%3A%2F%2Floa.example%2Fdlr%2F{{delivery_id}}" },
	{ "id_field", "sid" },
	{ "error_field", "code" },
	{ "permanent_codes", "21211,21614" },
	{ "temporary_codes", "20429" },
	{ "fallback_codes", "21610" },
	{ "down_codes", "20003" },
	{ NULL, NULL }
};

/* Config C: everything in the URL of a GET. */
static const struct kv conf_c[] = {
	{ "url", "http://127.0.0.1:13013/cgi-bin/sendsms?username=loa&to="
	    "{{to}}&text={{text}}&coding={{encoding}}&dlr-url=http%3A%2F%2F"
	    "127.0.0.1%2Fdlr%3Fid%3D{{delivery_id}}" },
	{ "method", "get" },
	{ NULL, NULL }
};

/* Config D: Zalo templates through a JSON API. */
static const struct kv conf_d[] = {
	{ "channel", "zalo" },
	{ "url", "https://zns.example.vn/message/template" },
	{ "content_type", "application/json; charset=utf-8" },
	{ "headers", "access_token: {{token}}" },
	{ "token_file", "/run/loa/d_token" },
	{ "body", "{\"phone\":\"{{to}}\",\"template_id\":\"{{template_id}}\","
	    "\"template_data\":{{data}},\"tracking_id\":\"{{delivery_id}}\","
	    "\"channel\":\"{{channel}}\"}" },
	{ "success_field", "error" },
	{ "success_value", "0" },
	{ "id_field", "data.msg_id" },
	{ "error_field", "error" },
	{ "temporary_codes", "-100" },
	{ "down_codes", "-101,-102,-103,-104,-105,-115" },
	{ "fallback_codes", "-108,-114,-118" },
	{ "permanent_codes", "-109,-111,-112" },
	{ NULL, NULL }
};

static const struct kv secrets[] = {
	{ "token_file", TOKA },
	{ NULL, NULL }
};

static const struct kv secrets_b[] = {
	{ "token_file", TOKB },
	{ NULL, NULL }
};

static int
in_hbuf(const struct loa_request *req, const char *p)
{
	return p >= req->hbuf && p < req->hbuf + sizeof(req->hbuf);
}

/* hdrs: name, value, name, value, ..., NULL. */
static void
check_req(const char *what, const struct loa_request *req,
    const char *method, const char *url, const char *const *hdrs,
    const char *body)
{
	int	i, n;

	for (n = 0; hdrs[2 * n] != NULL; n++)
		;
	is_int(req->transport, LOA_TRANSPORT_HTTP, "%s: HTTP", what);
	is_str(req->method, method, "%s: method", what);
	is_str(req->url, url, "%s: url", what);
	is_int(req->nheaders, n, "%s: number of headers", what);
	for (i = 0; i < n && i < req->nheaders; i++) {
		is_str(req->headers[i].name, hdrs[2 * i], "%s: header %d name",
		    what, i);
		is_str(req->headers[i].value, hdrs[2 * i + 1], "%s: header "
		    "%d value", what, i);
		ok(in_hbuf(req, req->headers[i].value), "%s: header %d value "
		    "in hbuf", what, i);
	}
	is_str(req->body, body, "%s: body", what);
	is_int(req->body_len, body != NULL ? strlen(body) : 0, "%s: body_len",
	    what);
}

static void
test_module(void)
{
	static const char *const want[] = { "channel", "url", "method",
	    "content_type", "headers", "body", "token_file", "success_field",
	    "success_value", "id_field", "error_field", "permanent_codes",
	    "temporary_codes", "fallback_codes", "down_codes",
	    "webhook_token_file", "inbound_from_field", "inbound_text_field",
	    "inbound_id_field", "inbound_time_field" };
	size_t	i, n;
	int	found;

	is_int(loa_provider.abi_major, LOA_PROVIDER_ABI_MAJOR, "abi major");
	is_int(loa_provider.struct_size, sizeof(struct loa_provider_module),
	    "struct size");
	is_str(loa_provider.name, "http_json", "name");
	is_str(loa_provider.channels, "sms,zalo", "channels");
	is_int(loa_provider.flags, 0, "flags 0: no de-duplication claimed");
	ok(loa_provider.refresh_build == NULL &&
	    loa_provider.refresh_parse == NULL &&
	    loa_provider.set_token == NULL, "no expiring credentials");
	for (n = 0; loa_provider.config_keys[n] != NULL; n++)
		;
	is_int(n, nitems(want), "number of config keys");
	for (i = 0; i < nitems(want); i++) {
		found = 0;
		for (n = 0; loa_provider.config_keys[n] != NULL; n++)
			found |= strcmp(loa_provider.config_keys[n],
			    want[i]) == 0;
		ok(found, "config key %s declared", want[i]);
	}
}

static void
test_create_refusals(void)
{
#define C(...)	((const struct kv[]){ __VA_ARGS__, { NULL, NULL } })
	static const char many[] = "A: 1; B: 2; C: 3; D: 4; E: 5; F: 6; "
	    "G: 7; H: 8; I: 9; J: 10; K: 11; L: 12; M: 13; N: 14; O: 15; "
	    "P: 16";
	const struct {
		const char	*what;
		const struct kv	*conf;
		const char	*key;		/* named in the log */
		const char	*also;		/* also in the log, or NULL */
	} t[] = {
		{ "no url", C({ "method", "POST" }), "url", NULL },
		{ "empty url", C({ "url", "" }), "url", NULL },
		{ "ftp url", C({ "url", "ftp://x/y" }), "url", NULL },
		{ "url without host", C({ "url", "https://" }), "url", NULL },
		{ "url with placeholder host", C({ "url", "https://{{to}}" }),
		    "url", NULL },
		{ "url starting with a placeholder",
		    C({ "url", "{{token}}/send" }), "url", NULL },
		{ "url with a space", C({ "url", "https://a.vn/x y" }), "url",
		    NULL },
		{ "url with unknown placeholder",
		    C({ "url", "https://a.vn/{{account}}" }), "url",
		    "{{account}}" },
		{ "url with unclosed braces",
		    C({ "url", "https://a.vn/?to={{to" }), "url", "without" },
		{ "body with unknown placeholder", C({ "url", "https://a.vn/" },
		    { "body", "{\"t\":\"{{txt}}\"}" }), "body", "{{txt}}" },
		{ "body with empty placeholder", C({ "url", "https://a.vn/" },
		    { "body", "{\"t\":\"{{}}\"}" }), "body", "unknown" },
		{ "body with unclosed braces", C({ "url", "https://a.vn/" },
		    { "body", "{\"t\":\"{{text}\"}" }), "body", "without" },
		{ "body: unquoted text", C({ "url", "https://a.vn/" },
		    { "body", "{\"t\":{{text}}}" }), "body", "JSON" },
		{ "body: quoted data", C({ "url", "https://a.vn/" },
		    { "body", "{\"d\":\"{{data}}\"}" }), "body", "JSON" },
		{ "body: not JSON at all", C({ "url", "https://a.vn/" },
		    { "body", "{\"t\":\"{{text}}\"" }), "body", "JSON" },
		{ "body: +json not JSON", C({ "url", "https://a.vn/" },
		    { "content_type", "application/vnd.x+json" },
		    { "body", "to={{to}}" }), "body", "JSON" },
		{ "bad method", C({ "url", "https://a.vn/" },
		    { "method", "DELETE" }), "method", NULL },
		{ "GET with a body", C({ "url", "https://a.vn/" },
		    { "method", "GET" }, { "body", "{}" }), "body", NULL },
		{ "GET with a content type", C({ "url", "https://a.vn/" },
		    { "method", "GET" }, { "content_type", "text/plain" }),
		    "content_type", NULL },
		{ "empty content type", C({ "url", "https://a.vn/" },
		    { "content_type", "" }), "content_type", NULL },
		{ "header without colon", C({ "url", "https://a.vn/" },
		    { "headers", "Authorization Bearer x" }), "headers", NULL },
		{ "header with a space in its name",
		    C({ "url", "https://a.vn/" }, { "headers", "X Key: 1" }),
		    "headers", NULL },
		{ "header with an empty value",
		    C({ "url", "https://a.vn/" }, { "headers", "X-Key:" }),
		    "headers", NULL },
		{ "Content-Type in headers", C({ "url", "https://a.vn/" },
		    { "headers", "content-type: text/plain" }), "headers",
		    "content_type" },
		{ "too many headers", C({ "url", "https://a.vn/" },
		    { "headers", many }), "headers", "15" },
		{ "header with unknown placeholder",
		    C({ "url", "https://a.vn/" },
		    { "headers", "X-Key: {{s3cr3t}}" }), "headers", NULL },
		{ "header with unclosed braces",
		    C({ "url", "https://a.vn/" },
		    { "headers", "X-Key: {{token" }), "headers", NULL },
		{ "{{token}} without token_file", C({ "url", "https://a.vn/" },
		    { "headers", "Authorization: Bearer {{token}}" }),
		    "token_file", NULL },
		{ "{{token}} in the url without token_file",
		    C({ "url", "https://a.vn/{{token}}/send" }), "token_file",
		    NULL },
		{ "unreadable token_file", C({ "url", "https://a.vn/" },
		    { "token_file", "/nonexistent" }), "token_file", NULL },
		{ "code in two lists", C({ "url", "https://a.vn/" },
		    { "permanent_codes", "1,2" }, { "fallback_codes", "3, 2" }),
		    "fallback_codes", "permanent_codes" },
		{ "code twice in down_codes", C({ "url", "https://a.vn/" },
		    { "down_codes", "7,7" }), "down_codes", NULL },
		{ "success_value alone", C({ "url", "https://a.vn/" },
		    { "success_value", "ok" }), "success_value",
		    "success_field" },
		{ "bad success_field", C({ "url", "https://a.vn/" },
		    { "success_field", ".ok" }), "success_field", NULL },
		{ "bad id_field", C({ "url", "https://a.vn/" },
		    { "id_field", "data..id" }), "id_field", NULL },
		{ "bad error_field", C({ "url", "https://a.vn/" },
		    { "error_field", "error." }), "error_field", NULL },
		{ "bad channel", C({ "url", "https://a.vn/" },
		    { "channel", "mms" }), "channel", NULL },
	};
#undef C
	struct th	 th;
	void		*st = NULL;
	size_t		 i;

	for (i = 0; i < nitems(t); i++) {
		th_init(&th, t[i].conf, NULL);
		is_int(loa_provider.create(&th.host, &st), -1, "create "
		    "refuses: %s", t[i].what);
		ok(lastlog[0] == '0' && strstr(lastlog, t[i].key) != NULL,
		    "%s: logged as an error naming %s", t[i].what, t[i].key);
		if (t[i].also != NULL)
			ok(strstr(lastlog, t[i].also) != NULL, "%s: the log "
			    "says %s", t[i].what, t[i].also);
	}
	ok(strstr(logbuf, "s3cr3t") == NULL, "a header's placeholder name is "
	    "not logged");
}

static void
test_defaults(void)
{
	static const struct kv conf[] = {
		{ "url", "https://sms.example.vn/send" }, { NULL, NULL } };
	static const char *const hdrs[] = { "Content-Type",
	    "application/json", NULL };
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	struct loa_response	 resp;
	void			*st = NULL;

	th_init(&th, conf, NULL);
	is_int(loa_provider.create(&th.host, &st), 0, "url alone is enough");
	if (st == NULL)
		return;
	memset(&req, 0, sizeof(req));
	m = sms(TEXT_VI, "ucs2", 2);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "default build");
	check_req("default", &req, "POST", "https://sms.example.vn/send", hdrs,
	    "{\"to\":\"84912345678\",\"text\":\"Thông báo: \\\"Cắt điện\\\" "
	    "8h–11h\\\\P. Hoàn Kiếm\\nXin cảm ơn\",\"id\":\"" DID "\"}");
	req_clear(&req);

	/* The default channel is sms. */
	m = zalo("{}");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "default: zalo "
	    "message refused");
	is_int(res.outcome, LOA_OUT_FALLBACK, "default: zalo falls back");
	is_str(res.reason, "wrong_channel", "default: reason");
	ok(req.body == NULL, "default: no body for a refused message");

	/* No success_field: any 2xx is success, whatever the body. */
	memset(&resp, 0, sizeof(resp));
	resp.http_status = 200;
	resp.body = "{\"ok\":false}";
	resp.body_len = strlen(resp.body);
	res_init(&res);
	loa_provider.classify(st, &m, &resp, &res);
	is_int(res.outcome, LOA_OUT_SENT, "default: 2xx is sent");
	is_str(res.provider_id, "", "default: no id_field, no id");
	resp.http_status = 400;
	res_init(&res);
	loa_provider.classify(st, &m, &resp, &res);
	is_int(res.outcome, LOA_OUT_FAILED, "default: 400 failed");
	is_str(res.reason, "http_400", "default: 400 reason");
	loa_provider.destroy(st);
}

/* Build m with st; the body must be JSON giving back text as field. */
static void
check_json_text(const char *what, const struct loa_request *req,
    const char *field, const char *text)
{
	json_t	*j;

	j = req->body != NULL ? json_loads(req->body, 0, NULL) : NULL;
	ok(j != NULL, "%s: body is JSON", what);
	is_str(json_string_value(json_object_get(j, field)), text,
	    "%s: %s comes back unchanged", what, field);
	json_decref(j);
}

static void
test_config_a(void)
{
	static const char *const hdrs[] = { "Content-Type", "application/json",
	    "Authorization", "Bearer " TOKA, "X-Loa-Job", JOB, NULL };
	static const char url[] = "https://api.example.vn/v2/sms/send?ref="
	    DID "&to=%2B84912345678";
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st = NULL;

	th_init(&th, conf_a, secrets);
	is_int(loa_provider.create(&th.host, &st), 0, "config A (JSON)");
	if (st == NULL)
		return;
	memset(&req, 0, sizeof(req));

	m = sms(TEXT_VI, "ucs2", 2);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "A: UCS-2 build");
	check_req("A UCS-2", &req, "POST", url, hdrs,
	    "{\"to\":[\"84912345678\"],\"content\":\"Thông báo: \\\"Cắt điện"
	    "\\\" 8h–11h\\\\P. Hoàn Kiếm\\nXin cảm ơn\",\"encoding\":"
	    "\"ucs2\",\"parts\":2,\"request_id\":\"" DID "\","
	    "\"sender\":\"UBND\"}");
	check_json_text("A UCS-2", &req, "content", TEXT_VI);
	req_clear(&req);

	m = sms(TEXT_GSM, "gsm7", 1);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "A: GSM-7 build");
	check_req("A GSM-7", &req, "POST", url, hdrs,
	    "{\"to\":[\"84912345678\"],\"content\":\"Thong bao: cat dien "
	    "8h-11h {P. Hoan Kiem} 100% & @ ~/+\",\"encoding\":\"gsm7\","
	    "\"parts\":1,\"request_id\":\"" DID "\",\"sender\":\"UBND\"}");
	check_json_text("A GSM-7", &req, "content", TEXT_GSM);
	req_clear(&req);

	/* Control characters, and placeholders in a value stay text. */
	m = sms("a\tb\x01{{token}}\r", "gsm7", 1);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "A: odd text");
	ok(req.body != NULL && strstr(req.body, "\"content\":\"a\\tb\\u0001"
	    "{{token}}\\r\"") != NULL, "A: control characters escaped, "
	    "{{token}} in a value not expanded");
	check_json_text("A odd text", &req, "content", "a\tb\x01{{token}}\r");
	req_clear(&req);

	m = zalo("{}");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "A: zalo refused");
	is_str(res.reason, "wrong_channel", "A: zalo reason");
	loa_provider.destroy(st);
}

static void
test_config_b(void)
{
	static const char *const hdrs[] = { "Content-Type",
	    "application/x-www-form-urlencoded", "Authorization",
	    "Basic " TOKB, NULL };
	static const char url[] = "https://api.example.com/2010-04-01/"
	    "Accounts/AC0011/Messages.json";
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st = NULL;

	th_init(&th, conf_b, secrets_b);
	is_int(loa_provider.create(&th.host, &st), 0, "config B (form)");
	if (st == NULL)
		return;
	memset(&req, 0, sizeof(req));
	m = sms(TEXT_VI, "ucs2", 2);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "B: UCS-2 build");
	check_req("B UCS-2", &req, "POST", url, hdrs,
	    "To=%2B84912345678&From=UBND&Body=Th%C3%B4ng%20b%C3%A1o%3A%20%22C"
	    "%E1%BA%AFt%20%C4%91i%E1%BB%87n%22%208h%E2%80%9311h%5CP.%20Ho%C3"
	    "%A0n%20Ki%E1%BA%BFm%0AXin%20c%E1%BA%A3m%20%C6%A1n&StatusCallback"
	    "=https%3A%2F%2Floa.example%2Fdlr%2F" DID);
	req_clear(&req);

	m = sms(TEXT_GSM, "gsm7", 1);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "B: GSM-7 build");
	check_req("B GSM-7", &req, "POST", url, hdrs,
	    "To=%2B84912345678&From=UBND&Body=Thong%20bao%3A%20cat%20dien%208h"
	    "-11h%20%7BP.%20Hoan%20Kiem%7D%20100%25%20%26%20%40%20~%2F%2B&"
	    "StatusCallback=https%3A%2F%2Floa.example%2Fdlr%2F" DID);
	req_clear(&req);
	loa_provider.destroy(st);
}

static void
test_config_c(void)
{
	static const char *const hdrs[] = { NULL };
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	struct loa_response	 resp;
	void			*st = NULL;

	th_init(&th, conf_c, NULL);
	is_int(loa_provider.create(&th.host, &st), 0, "config C (GET)");
	if (st == NULL)
		return;
	memset(&req, 0, sizeof(req));
	m = sms(TEXT_VI, "ucs2", 2);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "C: UCS-2 build");
	check_req("C UCS-2", &req, "GET", "http://127.0.0.1:13013/cgi-bin/"
	    "sendsms?username=loa&to=84912345678&text=Th%C3%B4ng%20b%C3%A1o"
	    "%3A%20%22C%E1%BA%AFt%20%C4%91i%E1%BB%87n%22%208h%E2%80%9311h%5CP."
	    "%20Ho%C3%A0n%20Ki%E1%BA%BFm%0AXin%20c%E1%BA%A3m%20%C6%A1n&coding="
	    "ucs2&dlr-url=http%3A%2F%2F127.0.0.1%2Fdlr%3Fid%3D" DID, hdrs,
	    NULL);
	req_clear(&req);
	m = sms(TEXT_GSM, "gsm7", 1);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "C: GSM-7 build");
	check_req("C GSM-7", &req, "GET", "http://127.0.0.1:13013/cgi-bin/"
	    "sendsms?username=loa&to=84912345678&text=Thong%20bao%3A%20cat%20"
	    "dien%208h-11h%20%7BP.%20Hoan%20Kiem%7D%20100%25%20%26%20%40%20~"
	    "%2F%2B&coding=gsm7&dlr-url=http%3A%2F%2F127.0.0.1%2Fdlr%3Fid%3D"
	    DID, hdrs, NULL);
	req_clear(&req);

	/* A text too long for the URL buffer. */
	{
		char	 big[700];

		memset(big, 'x', sizeof(big) - 1);
		memcpy(big, "đ", 2);
		big[sizeof(big) - 1] = '\0';
		memset(big + 2, ' ', 400);	/* %20 each: 1200 bytes */
		m = sms(big, "ucs2", 11);
		res_init(&res);
		is_int(loa_provider.build(st, &m, &req, &res), -1, "C: URL "
		    "too long: -1");
		is_int(res.outcome, LOA_OUT_FAILED, "C: URL too long: failed");
		is_str(res.reason, "url_too_long", "C: URL too long: reason");
	}

	memset(&resp, 0, sizeof(resp));
	resp.http_status = 202;
	resp.body = "0: Accepted for delivery";
	resp.body_len = strlen(resp.body);
	res_init(&res);
	loa_provider.classify(st, &m, &resp, &res);
	is_int(res.outcome, LOA_OUT_SENT, "C: 202 text answer is sent");
	loa_provider.destroy(st);
}

static void
test_config_d(void)
{
	static const char *const hdrs[] = { "Content-Type",
	    "application/json; charset=utf-8", "access_token", TOKA, NULL };
	struct th		 th;
	struct loa_request	 req;
	struct loa_result	 res;
	struct loa_message	 m;
	json_t			*j;
	void			*st = NULL;

	th_init(&th, conf_d, secrets);
	is_int(loa_provider.create(&th.host, &st), 0, "config D (Zalo)");
	if (st == NULL)
		return;
	memset(&req, 0, sizeof(req));
	m = zalo("{\"ten\": \"Nguyễn Văn \\\"A\\\"\",\n \"ghi_chu\": "
	    "\"Số 1\\\\Tràng Tiền\\nHà Nội\"}");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "D: template build");
	check_req("D template", &req, "POST",
	    "https://zns.example.vn/message/template", hdrs,
	    "{\"phone\":\"84912345678\",\"template_id\":\"231456\","
	    "\"template_data\":{\"ten\":\"Nguyễn Văn \\\"A\\\"\",\"ghi_chu\":"
	    "\"Số 1\\\\Tràng Tiền\\nHà Nội\"},\"tracking_id\":\"" DID "\","
	    "\"channel\":\"zalo\"}");
	j = req.body != NULL ? json_loads(req.body, 0, NULL) : NULL;
	ok(j != NULL, "D: body is JSON");
	is_str(json_string_value(json_object_get(json_object_get(j,
	    "template_data"), "ghi_chu")), "Số 1\\Tràng Tiền\nHà Nội",
	    "D: data comes back unchanged");
	json_decref(j);
	req_clear(&req);

	m = zalo(NULL);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), 0, "D: no data");
	ok(req.body != NULL && strstr(req.body, "\"template_data\":{},") !=
	    NULL, "D: no data is {}");
	req_clear(&req);

	m = zalo("[\"a\"]");
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "D: data not an "
	    "object: -1");
	is_int(res.outcome, LOA_OUT_FAILED, "D: bad data: failed");
	is_str(res.reason, "bad_template_data", "D: bad data: reason");
	ok(req.body == NULL, "D: bad data: no body");

	m = sms("x", "gsm7", 1);
	res_init(&res);
	is_int(loa_provider.build(st, &m, &req, &res), -1, "D: sms refused");
	is_int(res.outcome, LOA_OUT_FALLBACK, "D: sms falls back");
	loa_provider.destroy(st);
}

struct ctest {
	int		 status;
	int		 timed_out;
	const char	*body;
	enum loa_outcome out;
	const char	*reason;
	const char	*id;
	int		 no_attempt;
};

static void
run_classify(const char *cfg, const struct kv *conf, const struct kv *sec,
    const struct ctest *t, size_t n)
{
	struct th		 th;
	struct loa_response	 resp;
	struct loa_result	 res;
	struct loa_message	 m;
	void			*st = NULL;
	size_t			 i;

	th_init(&th, conf, sec);
	if (loa_provider.create(&th.host, &st) == -1) {
		ok(0, "%s: create", cfg);
		return;
	}
	m = sms("x", "gsm7", 1);
	for (i = 0; i < n; i++) {
		memset(&resp, 0, sizeof(resp));
		resp.http_status = t[i].status;
		resp.timed_out = t[i].timed_out;
		resp.body = t[i].body;
		resp.body_len = strlen(t[i].body);
		res_init(&res);
		loa_provider.classify(st, &m, &resp, &res);
		is_int(res.outcome, t[i].out, "%s %d %s: outcome", cfg,
		    t[i].status, t[i].body);
		is_str(res.reason, t[i].reason, "%s %d %s: reason", cfg,
		    t[i].status, t[i].body);
		is_str(res.provider_id, t[i].id, "%s %d %s: id", cfg,
		    t[i].status, t[i].body);
		is_int(res.no_attempt, t[i].no_attempt, "%s %d %s: no_attempt",
		    cfg, t[i].status, t[i].body);
		is_int(res.retry_after_ms, -1, "%s %d %s: no delay invented",
		    cfg, t[i].status, t[i].body);
	}
	loa_provider.destroy(st);
}

static void
test_classify(void)
{
	static const struct ctest a[] = {
		{ 200, 0, "{\"status\":\"success\",\"code\":\"00\",\"data\":"
		    "{\"tranId\":123456,\"totalSMS\":1,\"invalidPhone\":[]}}",
		    LOA_OUT_SENT, "", "123456", 0 },
		{ 200, 0, "{\"status\":\"success\",\"data\":{\"tranId\":"
		    "\"t-9\"}}", LOA_OUT_SENT, "", "t-9", 0 },
		{ 200, 0, "{\"status\":\"success\"}", LOA_OUT_SENT, "", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"101\",\"message\":"
		    "\"bad parameters\"}", LOA_OUT_FAILED, "code_101", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"105\"}",
		    LOA_OUT_FAILED, "code_105", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"113\"}",
		    LOA_OUT_FAILED, "code_113", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"500\"}",
		    LOA_OUT_RETRY, "code_500", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"177\"}",
		    LOA_OUT_FALLBACK, "code_177", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"007\"}",
		    LOA_OUT_PROVIDER_DOWN, "code_007", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"008\"}",
		    LOA_OUT_PROVIDER_DOWN, "code_008", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"300\"}",
		    LOA_OUT_PROVIDER_DOWN, "code_300", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"7\"}",
		    LOA_OUT_FAILED, "code_7", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"999\"}",
		    LOA_OUT_FAILED, "code_999", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":\"a b/\\\"c\"}",
		    LOA_OUT_FAILED, "code_a_b__c", "", 0 },
		{ 200, 0, "{\"status\":\"error\",\"code\":"
		    "\"0123456789012345678901234567890123456789\"}",
		    LOA_OUT_FAILED, "code_01234567890123456789012345678901",
		    "", 0 },
		{ 200, 0, "{\"status\":\"error\"}", LOA_OUT_FAILED,
		    "unsuccessful", "", 0 },
		{ 200, 0, "{\"status\":true,\"code\":null}", LOA_OUT_FAILED,
		    "unsuccessful", "", 0 },
		{ 200, 0, "<html>ok</html>", LOA_OUT_RETRY, "bad_answer", "",
		    0 },
		{ 200, 0, "", LOA_OUT_RETRY, "bad_answer", "", 0 },
		{ 400, 0, "{\"status\":\"error\",\"code\":\"101\"}",
		    LOA_OUT_FAILED, "code_101", "", 0 },
		{ 400, 0, "{\"status\":\"error\",\"code\":\"177\"}",
		    LOA_OUT_FALLBACK, "code_177", "", 0 },
		{ 401, 0, "", LOA_OUT_PROVIDER_DOWN, "http_401", "", 0 },
		{ 403, 0, "{\"code\":\"999\"}", LOA_OUT_PROVIDER_DOWN,
		    "http_403", "", 0 },
		{ 401, 0, "{\"code\":\"500\"}", LOA_OUT_RETRY, "code_500", "",
		    0 },
		{ 404, 0, "not found", LOA_OUT_FAILED, "http_404", "", 0 },
		{ 422, 0, "{\"code\":\"999\"}", LOA_OUT_FAILED, "code_999", "",
		    0 },
		{ 302, 0, "", LOA_OUT_FAILED, "http_302", "", 0 },
		{ 500, 0, "{\"code\":\"177\"}", LOA_OUT_RETRY, "http_5xx", "",
		    0 },
		{ 503, 0, "", LOA_OUT_RETRY, "http_5xx", "", 0 },
		{ 429, 0, "{\"code\":\"007\"}", LOA_OUT_RETRY, "rate_limited",
		    "", 1 },
		{ 0, 0, "", LOA_OUT_RETRY, "no_answer", "", 0 },
		{ 0, 1, "", LOA_OUT_RETRY, "timeout", "", 0 },
	};
	static const struct ctest b[] = {
		{ 201, 0, "{\"sid\":\"SM0123\",\"status\":\"queued\"}",
		    LOA_OUT_SENT, "", "SM0123", 0 },
		{ 200, 0, "garbage", LOA_OUT_SENT, "", "", 0 },
		{ 200, 0, "{\"sid\":null}", LOA_OUT_SENT, "", "", 0 },
		{ 400, 0, "{\"code\":21211,\"message\":\"invalid To\"}",
		    LOA_OUT_FAILED, "code_21211", "", 0 },
		{ 400, 0, "{\"code\":21614}", LOA_OUT_FAILED, "code_21614", "",
		    0 },
		{ 400, 0, "{\"code\":21610}", LOA_OUT_FALLBACK, "code_21610",
		    "", 0 },
		{ 400, 0, "{\"code\":20429}", LOA_OUT_RETRY, "code_20429", "",
		    0 },
		{ 401, 0, "{\"code\":20003}", LOA_OUT_PROVIDER_DOWN,
		    "code_20003", "", 0 },
		{ 400, 0, "{\"code\":30000}", LOA_OUT_FAILED, "code_30000", "",
		    0 },
		{ 400, 0, "{\"message\":\"x\"}", LOA_OUT_FAILED, "http_400",
		    "", 0 },
		{ 403, 0, "", LOA_OUT_PROVIDER_DOWN, "http_403", "", 0 },
		{ 429, 0, "{\"code\":20429}", LOA_OUT_RETRY, "rate_limited",
		    "", 1 },
		{ 502, 0, "", LOA_OUT_RETRY, "http_5xx", "", 0 },
		{ 0, 0, "", LOA_OUT_RETRY, "no_answer", "", 0 },
	};
	static const struct ctest d[] = {
		{ 200, 0, "{\"error\":0,\"message\":\"Success\",\"data\":"
		    "{\"msg_id\":\"a5c7\"}}", LOA_OUT_SENT, "", "a5c7", 0 },
		{ 200, 0, "{\"error\":-100}", LOA_OUT_RETRY, "code_-100", "",
		    0 },
		{ 200, 0, "{\"error\":-101}", LOA_OUT_PROVIDER_DOWN,
		    "code_-101", "", 0 },
		{ 200, 0, "{\"error\":-105}", LOA_OUT_PROVIDER_DOWN,
		    "code_-105", "", 0 },
		{ 200, 0, "{\"error\":-108}", LOA_OUT_FALLBACK, "code_-108",
		    "", 0 },
		{ 200, 0, "{\"error\":-109}", LOA_OUT_FAILED, "code_-109", "",
		    0 },
		{ 200, 0, "{\"error\":-114}", LOA_OUT_FALLBACK, "code_-114",
		    "", 0 },
		{ 200, 0, "{\"error\":-115}", LOA_OUT_PROVIDER_DOWN,
		    "code_-115", "", 0 },
		{ 200, 0, "{\"error\":-118}", LOA_OUT_FALLBACK, "code_-118",
		    "", 0 },
		{ 200, 0, "{\"error\":-124}", LOA_OUT_FAILED, "code_-124", "",
		    0 },
		{ 200, 0, "{\"error\":\"0\"}", LOA_OUT_SENT, "", "", 0 },
	};

	run_classify("A", conf_a, secrets, a, nitems(a));
	run_classify("B", conf_b, secrets_b, b, nitems(b));
	run_classify("D", conf_d, secrets, d, nitems(d));
}

int
main(void)
{
	test_module();
	test_create_refusals();
	test_defaults();
	test_config_a();
	test_config_b();
	test_config_c();
	test_config_d();
	test_classify();

	ok(strstr(logbuf, TOKA) == NULL && strstr(logbuf, TOKB) == NULL,
	    "no token in the log");
	ok(strstr(logbuf, "912345678") == NULL, "no phone number in the log");
	return tap_done();
}
