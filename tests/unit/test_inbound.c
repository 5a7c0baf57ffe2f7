/*
 * test_inbound.c -- residents' messages through the plugins' inbound()
 * (ABI 1.2), on the built plugins (build/plugins/NAME.so, opened with
 * dlopen as the daemon's loader does), fed the very bodies and
 * signatures the mock's POST /_mock/inbound sends (tests/mock/
 * inbound_body.h, which signs from the providers' documentation and
 * never with the plugins' code).
 *
 * For zalo_zns, twilio and http_json: every field of a text; follow and
 * unfollow; an image, a location and shared info (OTHER with a note); an
 * oversized text cut at a UTF-8 boundary with truncated; invalid UTF-8
 * replaced; forged, unsigned, stale and other-app requests
 * (BAD_SIGNATURE); malformed bodies (MALFORMED); a delivery report (0
 * from inbound(), still read by report()); a replay (the same msg_id
 * again: de-duplication is the daemon's); and that nothing a resident
 * wrote, nor a phone, reaches the log.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loa/provider.h"

#include "tap.h"

static const struct loa_provider_module *mod;
#define loa_provider	(*mod)

#include "plugin_host.h"
#include "../mock/inbound_body.h"

#define APP_ID		"1234567890123456789"
#define OA_SECRET	"oa-secret-key"
#define UID		"2512523625412515"
#define TW_URL		"https://loa.example.vn/webhooks/twilio"
#define TW_TOKEN	"twilio-auth-token"
#define GEN_TOKEN	"generic-hook-token"
#define PHONE		"84912345678"
#define NGAP		"Nh\xc3\xa0 t\xc3\xb4i \xe1\xbb\x9f ng\xc3\xb5 5 b\xe1\xbb\x8b ng\xe1\xba\xadp"

static char	plugdir[4096];

static const struct loa_provider_module *
load(const char *name)
{
	char	 path[4200];
	void	*dl;

	snprintf(path, sizeof(path), "%s/%s.so", plugdir, name);
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		printf("# %s\n", dlerror());
		return NULL;
	}
	return dlsym(dl, LOA_PROVIDER_SYMBOL);
}

static long long
now_ms(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct loa_inbound	ins[4];

/* One webhook to inbound(); one header (or none). */
static int
call(void *st, const char *method, const char *query, const char *body,
    const char *hname, const char *hvalue)
{
	struct loa_header	hd[2] = { { "User-Agent", "unit" },
				    { hname, hvalue } };
	struct loa_webhook	wh;

	memset(&wh, 0, sizeof(wh));
	memset(ins, 0x55, sizeof(ins));		/* no field left by chance */
	wh.method = method;
	wh.query = query != NULL ? query : "";
	wh.body = body;
	wh.body_len = strlen(body);
	wh.headers = hd;
	wh.nheaders = hname != NULL ? 2 : 1;
	return mod->inbound(st, &wh, ins, 4);
}

static int
call_report(void *st, const char *body, const char *hname,
    const char *hvalue, struct loa_report *rep)
{
	struct loa_header	hd[1] = { { hname, hvalue } };
	struct loa_webhook	wh;

	memset(&wh, 0, sizeof(wh));
	wh.method = "POST";
	wh.query = "";
	wh.body = body;
	wh.body_len = strlen(body);
	wh.headers = hd;
	wh.nheaders = 1;
	return mod->report(st, &wh, rep, 4);
}

static void
check_in(const char *name, enum loa_inbound_kind kind, const char *channel,
    const char *from, const char *msg_id, long long ts, const char *text,
    int truncated, const char *note)
{
	is_int(ins[0].kind, kind, "%s: kind", name);
	is_str(ins[0].channel, channel, "%s: channel", name);
	is_str(ins[0].from, from, "%s: from", name);
	is_str(ins[0].msg_id, msg_id, "%s: msg_id", name);
	is_int(ins[0].ts_ms, ts, "%s: ts_ms", name);
	if (text != NULL)
		is_str(ins[0].text, text, "%s: text", name);
	is_int(ins[0].truncated, truncated, "%s: truncated", name);
	is_str(ins[0].note, note, "%s: note", name);
}

/* ---- Zalo OA events (zalo_zns.so) ---- */

static char	zbody[16384], zsig[80];

/* A Zalo section (zalo_zns or zalo_oa), with and without the OA secret. */
static const struct kv zconf[] = {
	{ "app_id", APP_ID }, { "app_secret_file", "f1" },
	{ "oa_secret_file", "f2" }, { NULL, NULL } };
static const struct kv zsecrets[] = {
	{ "app_secret_file", "app-secret" },
	{ "oa_secret_file", OA_SECRET }, { NULL, NULL } };
static const struct kv znosec_conf[] = {
	{ "app_id", APP_ID }, { "app_secret_file", "f1" },
	{ NULL, NULL } };

/* A Zalo event as the mock builds it; sign 0 none, 1 right, 2 wrong. */
static void
zmake(const char *app_id, const char *event, const char *uid,
    const char *text, const char *msg_id, long long ts, int sign)
{
	char	tss[32], *b;

	snprintf(tss, sizeof(tss), "%lld", ts);
	b = inb_zalo_body(app_id, event, uid, text, msg_id, tss);
	snprintf(zbody, sizeof(zbody), "%s", b != NULL ? b : "");
	free(b);
	memcpy(zsig, "mac=", 5);
	if (sign)
		inb_zalo_mac(app_id, zbody, strlen(zbody), tss, sign == 1 ?
		    OA_SECRET : "another-secret", zsig + 4);
}

static int
zcall(void *st, int sign)
{
	return call(st, "POST", NULL, zbody, sign ? "X-ZEvent-Signature" :
	    NULL, sign ? zsig : NULL);
}

static void
test_zalo(void)
{
	struct loa_host		 host;
	struct loa_report	 rep[4];
	struct th		 th;
	void			*st;
	char			 big[7000], want[4100], id[160];
	long long		 ts = now_ms() - 5000;
	size_t			 i;

	if ((mod = load("zalo_zns")) == NULL || mod->inbound == NULL) {
		ok(0, "zalo_zns.so has inbound()");
		return;
	}
	ok(mod->abi_minor >= 2, "zalo_zns: ABI 1.2");
	is_int(th_create(&th, &host, zconf, zsecrets, &st), 0, "zalo: create");

	zmake(APP_ID, "user_send_text", UID, NGAP, "msg-0001", ts, 1);
	is_int(zcall(st, 1), 1, "zalo text: one message");
	check_in("zalo text", LOA_INBOUND_TEXT, "zalo", UID, "msg-0001", ts,
	    NGAP, 0, "");
	is_int(zcall(st, 1), 1, "zalo text replayed: read again");
	is_str(ins[0].msg_id, "msg-0001", "zalo replay: the same msg_id (the "
	    "daemon keeps it once)");

	zmake(APP_ID, "follow", UID, "", "", ts, 1);
	is_int(zcall(st, 1), 1, "zalo follow: one event");
	snprintf(id, sizeof(id), "follow:%s:%lld", UID, ts);
	check_in("zalo follow", LOA_INBOUND_FOLLOW, "zalo", UID, id, ts, "",
	    0, "");
	zmake(APP_ID, "unfollow", UID, "", "", ts, 1);
	is_int(zcall(st, 1), 1, "zalo unfollow: one event");
	snprintf(id, sizeof(id), "unfollow:%s:%lld", UID, ts);
	check_in("zalo unfollow", LOA_INBOUND_UNFOLLOW, "zalo", UID, id, ts,
	    "", 0, "");

	zmake(APP_ID, "user_send_image", UID, "", "img-1", ts, 1);
	is_int(zcall(st, 1), 1, "zalo image: one message");
	check_in("zalo image", LOA_INBOUND_OTHER, "zalo", UID, "img-1", ts, "",
	    0, "image");
	zmake(APP_ID, "user_send_location", UID, "", "loc-1", ts, 1);
	is_int(zcall(st, 1), 1, "zalo location: one message");
	check_in("zalo location", LOA_INBOUND_OTHER, "zalo", UID, "loc-1", ts,
	    "", 0, "location");
	zmake(APP_ID, "user_submit_info", UID, "", "", ts, 1);
	is_int(zcall(st, 1), 1, "zalo shared info: one message");
	snprintf(id, sizeof(id), "user_submit_info:%s:%lld", UID, ts);
	check_in("zalo shared info", LOA_INBOUND_OTHER, "zalo", UID, id, ts,
	    "", 0, "shared_info");
	ok(strstr((char *)ins, "0912345678") == NULL, "zalo shared info: the "
	    "phone shared is not copied");

	/* 3000 x U+00E0 (2 bytes): 4094 bytes fit, never half of one. */
	for (i = 0; i < 3000; i++)
		memcpy(big + 2 * i, "\xc3\xa0", 2);
	big[6000] = '\0';
	memcpy(want, big, 4094);
	want[4094] = '\0';
	zmake(APP_ID, "user_send_text", UID, big, "msg-big", ts, 1);
	is_int(zcall(st, 1), 1, "zalo oversized text: one message");
	check_in("zalo oversized", LOA_INBOUND_TEXT, "zalo", UID, "msg-big", ts,
	    want, 1, "");

	/* A delivery report is report()'s, not a message. */
	zmake(APP_ID, "user_received_message", UID, "", "zns-77", ts, 1);
	is_int(zcall(st, 1), 0, "zalo delivery report: no message");
	is_int(call_report(st, zbody, "X-ZEvent-Signature", zsig, rep), 1,
	    "zalo delivery report: report() still reads it");
	is_str(rep[0].provider_id, "zns-77", "zalo delivery report: its id");
	zmake(APP_ID, "user_seen_message", UID, "", "zns-77", ts, 1);
	is_int(zcall(st, 1), 0, "zalo read receipt: no message");

	/* Forged, unsigned, another app, stale or ahead: refused. */
	zmake(APP_ID, "user_send_text", UID, "TU CHOI", "msg-f", ts, 2);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo forged: refused");
	zmake(APP_ID, "user_send_text", UID, "TU CHOI", "msg-f", ts, 1);
	is_int(zcall(st, 0), LOA_REPORT_BAD_SIGNATURE, "zalo unsigned: "
	    "refused");
	zbody[strlen(zbody) - 3] = 'X';		/* in the text, after signing */
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo body changed "
	    "after signing: refused");
	zmake("999", "user_send_text", UID, "hi", "msg-a", ts, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo another app_id: "
	    "refused");
	zmake(APP_ID, "user_send_text", UID, "hi", "msg-old", ts - 7200000, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo signed 2 h ago "
	    "(a replay beyond webhook_max_age): refused");
	zmake(APP_ID, "user_send_text", UID, "hi", "msg-new", ts + 3600000, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo signed an hour "
	    "ahead: refused");

	/* Signed but malformed. */
	zmake(APP_ID, "user_send_text", UID, "hi", "bad id", ts, 1);
	is_int(zcall(st, 1), LOA_REPORT_MALFORMED, "zalo msg_id with a space: "
	    "malformed");
	zmake(APP_ID, "user_send_text", "", "hi", "msg-u", ts, 1);
	is_int(zcall(st, 1), LOA_REPORT_MALFORMED, "zalo without a sender id: "
	    "malformed");
	zmake(APP_ID, "user_send_text", UID, "hi", "msg-g", ts, 1);
	is_int(call(st, "GET", NULL, zbody, "X-ZEvent-Signature", zsig),
	    LOA_REPORT_MALFORMED, "zalo GET: malformed");
	/* Not JSON: the signature cannot even be computed. */
	is_int(call(st, "POST", NULL, "{\"app_id\":", "X-ZEvent-Signature",
	    zsig), LOA_REPORT_BAD_SIGNATURE, "zalo body not JSON: refused");

	ok(strstr(th.log, "ng\xc3\xb5") == NULL && strstr(th.log, "TU CHOI") ==
	    NULL && strstr(th.log, UID) == NULL && strstr(th.log, OA_SECRET) ==
	    NULL, "zalo: no text, user id or secret in the log");
	mod->destroy(st);

	/* Without oa_secret_file nothing is taken. */
	is_int(th_create(&th, &host, znosec_conf, zsecrets, &st), 0,
	    "zalo without oa_secret_file: create");
	zmake(APP_ID, "user_send_text", UID, "hi", "msg-n", ts, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo without "
	    "oa_secret_file: refused");
	mod->destroy(st);
}

/*
 * zalo_oa.so reads the same events through the same code (zalo_hook.h,
 * zalo_events.h), for an OA without a ZNS section: a text, a forged and
 * a stale one, a delivery report (not its: 0), no oa_secret_file.
 */
static void
test_zalo_oa(void)
{
	struct loa_host		 host;
	struct th		 th;
	void			*st;
	long long		 ts = now_ms() - 5000;

	if ((mod = load("zalo_oa")) == NULL || mod->inbound == NULL) {
		ok(0, "zalo_oa.so has inbound()");
		return;
	}
	is_int(th_create(&th, &host, zconf, zsecrets, &st), 0,
	    "zalo_oa: create");
	zmake(APP_ID, "user_send_text", UID, NGAP, "oa-0001", ts, 1);
	is_int(zcall(st, 1), 1, "zalo_oa text: one message");
	check_in("zalo_oa text", LOA_INBOUND_TEXT, "zalo", UID, "oa-0001", ts,
	    NGAP, 0, "");
	zmake(APP_ID, "user_send_text", UID, "TU CHOI", "oa-f", ts, 2);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo_oa forged: "
	    "refused");
	zmake(APP_ID, "user_send_text", UID, "TU CHOI", "oa-f", ts, 1);
	is_int(zcall(st, 0), LOA_REPORT_BAD_SIGNATURE, "zalo_oa unsigned: "
	    "refused");
	zmake(APP_ID, "user_send_text", UID, "hi", "oa-old", ts - 7200000, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo_oa signed 2 h "
	    "ago: refused");
	zmake(APP_ID, "user_received_message", UID, "", "oa-77", ts, 1);
	is_int(zcall(st, 1), 0, "zalo_oa delivery report: no message");
	ok(strstr(th.log, "ng\xc3\xb5") == NULL && strstr(th.log, UID) ==
	    NULL && strstr(th.log, OA_SECRET) == NULL, "zalo_oa: no text, "
	    "user id or secret in the log");
	mod->destroy(st);
	is_int(th_create(&th, &host, znosec_conf, zsecrets, &st), 0,
	    "zalo_oa without oa_secret_file: create");
	zmake(APP_ID, "user_send_text", UID, "hi", "oa-n", ts, 1);
	is_int(zcall(st, 1), LOA_REPORT_BAD_SIGNATURE, "zalo_oa without "
	    "oa_secret_file: refused");
	mod->destroy(st);
}

/* ---- Twilio inbound SMS (twilio.so) ---- */

static char	*tbody, tsig[64];

/*
 * An inbound SMS form as the mock builds it for url, signed with token
 * (NULL: no signature is sent).  status: a status callback instead.
 */
static void
tmake(const char *url, const char *token, const char *from,
    const char *text, const char *sid, const char *media, int status)
{
	const char	*kv[20];
	size_t		 n;

	free(tbody);
	n = inb_twilio_kv(kv, sid, from, "+15005550006", text, media, status);
	if (inb_twilio_form(kv, n, url, token != NULL ? token : "x",
	    &tbody, tsig) == -1)
		tbody = NULL;
	if (token == NULL)
		tsig[0] = '\0';
}

static int
tcall(void *st)
{
	return call(st, "POST", NULL, tbody, tsig[0] != '\0' ?
	    "X-Twilio-Signature" : NULL, tsig);
}

static void
test_twilio(void)
{
	static const struct kv conf[] = {
		{ "account_sid", "AC0011" }, { "auth_token_file", "f" },
		{ "from", "+15005550006" }, { "status_callback", TW_URL },
		{ NULL, NULL } };
	static const struct kv nocb[] = {
		{ "account_sid", "AC0011" }, { "auth_token_file", "f" },
		{ "from", "+15005550006" }, { NULL, NULL } };
	static const struct kv secrets[] = {
		{ "auth_token_file", TW_TOKEN }, { NULL, NULL } };
	struct loa_host		 host;
	struct loa_report	 rep[4];
	struct th		 th;
	void			*st;
	char			 big[7000], want[4100];
	size_t			 i;

	if ((mod = load("twilio")) == NULL || mod->inbound == NULL) {
		ok(0, "twilio.so has inbound()");
		return;
	}
	is_int(th_create(&th, &host, conf, secrets, &st), 0, "twilio: "
	    "create");

	tmake(TW_URL, TW_TOKEN, "+" PHONE, NGAP, "SM0001", "0", 0);
	is_int(tcall(st), 1, "twilio sms: one message");
	check_in("twilio sms", LOA_INBOUND_TEXT, "sms", PHONE, "SM0001", 0,
	    NGAP, 0, "");
	is_int(tcall(st), 1, "twilio sms replayed: read again");
	is_str(ins[0].msg_id, "SM0001", "twilio replay: the same msg_id");

	/* Invalid UTF-8 (a lone byte, an overlong '/', a surrogate). */
	tmake(TW_URL, TW_TOKEN, "+" PHONE, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80"
	    "d\xc3", "SM0002", "0", 0);
	is_int(tcall(st), 1, "twilio invalid UTF-8: one message");
	check_in("twilio invalid UTF-8", LOA_INBOUND_TEXT, "sms", PHONE,
	    "SM0002", 0, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
	    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd", 0, "");

	/* 'x' then 2000 x U+1EC7 (3 bytes): 4093 bytes, then one cut. */
	big[0] = 'x';
	for (i = 0; i < 2000; i++)
		memcpy(big + 1 + 3 * i, "\xe1\xbb\x87", 3);
	big[6001] = '\0';
	memcpy(want, big, 4093);
	want[4093] = '\0';
	tmake(TW_URL, TW_TOKEN, "+" PHONE, big, "SM0003", "0", 0);
	is_int(tcall(st), 1, "twilio oversized: one message");
	check_in("twilio oversized", LOA_INBOUND_TEXT, "sms", PHONE, "SM0003",
	    0, want, 1, "");

	tmake(TW_URL, TW_TOKEN, "+" PHONE, "", "MM0004", "1", 0);
	is_int(tcall(st), 1, "twilio picture without text: one message");
	check_in("twilio picture", LOA_INBOUND_OTHER, "sms", PHONE, "MM0004",
	    0, "", 0, "media");

	tmake(TW_URL, TW_TOKEN, "+" PHONE, "", "SM0005", "0", 1);
	is_int(tcall(st), 0, "twilio status callback: no message");
	is_int(call_report(st, tbody, "X-Twilio-Signature", tsig, rep), 1,
	    "twilio status callback: report() still reads it");
	is_str(rep[0].provider_id, "SM0005", "twilio status callback: its "
	    "sid");

	tmake(TW_URL, "another-token", "+" PHONE, "STOP", "SM0006", "0", 0);
	is_int(tcall(st), LOA_REPORT_BAD_SIGNATURE, "twilio forged: refused");
	tmake(TW_URL, NULL, "+" PHONE, "STOP", "SM0006", "0", 0);
	is_int(tcall(st), LOA_REPORT_BAD_SIGNATURE, "twilio unsigned: "
	    "refused");
	tmake("https://evil.example/webhooks/twilio", TW_TOKEN, "+" PHONE,
	    "STOP", "SM0006", "0", 0);
	is_int(tcall(st), LOA_REPORT_BAD_SIGNATURE, "twilio signed for "
	    "another URL: refused");
	tmake(TW_URL, TW_TOKEN, "+" PHONE, "STOP", "SM0006", "0", 0);
	tbody[strlen(tbody) - 1] = '9';
	is_int(tcall(st), LOA_REPORT_BAD_SIGNATURE, "twilio body changed after "
	    "signing: refused");

	tmake(TW_URL, TW_TOKEN, "UBND", "hi", "SM0007", "0", 0);
	is_int(tcall(st), LOA_REPORT_MALFORMED, "twilio From not a number: "
	    "malformed");
	tmake(TW_URL, TW_TOKEN, "+" PHONE, "hi", "SM 8", "0", 0);
	is_int(tcall(st), LOA_REPORT_MALFORMED, "twilio MessageSid with a "
	    "space: malformed");
	tmake(TW_URL, TW_TOKEN, "+" PHONE, "hi", "SM0009", "0", 0);
	is_int(call(st, "GET", NULL, tbody, "X-Twilio-Signature", tsig),
	    LOA_REPORT_MALFORMED, "twilio GET: malformed");
	ok(strstr(th.log, PHONE) == NULL && strstr(th.log, "STOP") == NULL &&
	    strstr(th.log, TW_TOKEN) == NULL, "twilio: no phone, text or "
	    "token in the log");
	mod->destroy(st);

	is_int(th_create(&th, &host, nocb, secrets, &st), 0, "twilio without "
	    "status_callback: create");
	tmake(TW_URL, TW_TOKEN, "+" PHONE, "hi", "SM0010", "0", 0);
	is_int(tcall(st), LOA_REPORT_BAD_SIGNATURE, "twilio without "
	    "status_callback: refused");
	mod->destroy(st);
	free(tbody);
	tbody = NULL;
}

/* ---- http_json's inbound form ---- */

static void
test_http_json(void)
{
	static const struct kv conf[] = {
		{ "url", "https://gw.example.vn/send" },
		{ "webhook_token_file", "f" },
		{ "inbound_from_field", "from" },
		{ "inbound_text_field", "text" },
		{ "inbound_id_field", "id" },
		{ "inbound_time_field", "ts" }, { NULL, NULL } };
	static const struct kv nested[] = {
		{ "url", "https://gw.example.vn/send" }, { "channel", "zalo" },
		{ "webhook_token_file", "f" },
		{ "inbound_from_field", "msg.sender.uid" },
		{ "inbound_text_field", "msg.body" }, { NULL, NULL } };
	static const struct kv no_token[] = {
		{ "url", "https://gw.example.vn/send" },
		{ "inbound_from_field", "from" },
		{ "inbound_text_field", "text" }, { NULL, NULL } };
	static const struct kv no_from[] = {
		{ "url", "https://gw.example.vn/send" },
		{ "webhook_token_file", "f" },
		{ "inbound_text_field", "text" }, { NULL, NULL } };
	static const struct kv token_only[] = {
		{ "url", "https://gw.example.vn/send" },
		{ "webhook_token_file", "f" }, { NULL, NULL } };
	static const struct kv plain[] = {
		{ "url", "https://gw.example.vn/send" }, { NULL, NULL } };
	static const struct kv secrets[] = {
		{ "webhook_token_file", GEN_TOKEN }, { NULL, NULL } };
	static const char	 q[] = "loa_token=" GEN_TOKEN;
	static const char	 ct[] = "application/x-www-form-urlencoded";
	struct loa_host		 host;
	struct th		 th;
	void			*st;
	char			*b;

	if ((mod = load("http_json")) == NULL || mod->inbound == NULL) {
		ok(0, "http_json.so has inbound()");
		return;
	}
	is_int(th_create(&th, &host, conf, secrets, &st), 0, "http_json: "
	    "create");
	b = inb_generic_body("+" PHONE, NGAP, "g-1", 1733300000123LL);
	is_int(call(st, "POST", q, b, NULL, NULL), 1, "http_json: one message");
	check_in("http_json", LOA_INBOUND_TEXT, "sms", PHONE, "g-1",
	    1733300000123LL, NGAP, 0, "");
	is_int(call(st, "POST", q, b, NULL, NULL), 1, "http_json replayed: "
	    "read again, the same id");
	is_int(call(st, "POST", "loa_token=wrong", b, NULL, NULL),
	    LOA_REPORT_BAD_SIGNATURE, "http_json wrong token: refused");
	is_int(call(st, "POST", "", b, NULL, NULL), LOA_REPORT_BAD_SIGNATURE,
	    "http_json no token: refused");
	free(b);
	is_int(call(st, "POST", q, "{\"from\":\"84912345678\",\"text\":\"a\","
	    "\"ts\":1733300000}", NULL, NULL), 1, "http_json: time in "
	    "seconds, no id");
	check_in("http_json seconds", LOA_INBOUND_TEXT, "sms", PHONE, "",
	    1733300000000LL, "a", 0, "");
	is_int(call(st, "POST", q, "from=%2B84912345678&text=Xin+ch%C3%A0o"
	    "&id=f-2&ts=x", "Content-Type", ct), 1, "http_json form: one "
	    "message");
	check_in("http_json form", LOA_INBOUND_TEXT, "sms", PHONE, "f-2", 0,
	    "Xin ch\xc3\xa0o", 0, "");
	is_int(call(st, "POST", q, "from=84912345678&text=a%FFb", "Content-Type",
	    ct), 1, "http_json form, invalid UTF-8: one message");
	is_str(ins[0].text, "a\xef\xbf\xbd" "b", "http_json form: invalid "
	    "UTF-8 replaced");
	is_int(call(st, "POST", q, "{\"from\":\"84912345678\"", NULL, NULL),
	    LOA_REPORT_MALFORMED, "http_json not JSON: malformed");
	is_int(call(st, "POST", q, "{\"text\":\"a\"}", NULL, NULL),
	    LOA_REPORT_MALFORMED, "http_json no sender: malformed");
	is_int(call(st, "POST", q, "{\"from\":\"84912345678\"}", NULL, NULL),
	    LOA_REPORT_MALFORMED, "http_json no text: malformed");
	is_int(call(st, "POST", q, "{\"from\":\"84912345678\",\"text\":\"a\","
	    "\"id\":\"a b\"}", NULL, NULL), LOA_REPORT_MALFORMED, "http_json "
	    "id with a space: malformed");
	is_int(call(st, "POST", q, "from=84912345678&text=a%00", "Content-Type",
	    ct), LOA_REPORT_MALFORMED, "http_json form with a NUL: malformed");
	ok(strstr(th.log, PHONE) == NULL && strstr(th.log, GEN_TOKEN) == NULL,
	    "http_json: no phone or token in the log");
	mod->destroy(st);

	is_int(th_create(&th, &host, nested, secrets, &st), 0, "http_json "
	    "zalo, nested paths: create");
	is_int(call(st, "POST", q, "{\"msg\":{\"sender\":{\"uid\":\"" UID
	    "\"},\"body\":\"hi\"}}", NULL, NULL), 1, "http_json nested: one "
	    "message");
	check_in("http_json nested", LOA_INBOUND_TEXT, "zalo", UID, "", 0,
	    "hi", 0, "");
	mod->destroy(st);

	is_int(th_create(&th, &host, no_token, secrets, &st), -1, "http_json "
	    "inbound without webhook_token_file: refused");
	ok(strstr(th.log, "webhook_token_file") != NULL, "... naming the key");
	is_int(th_create(&th, &host, no_from, secrets, &st), -1, "http_json "
	    "inbound_text_field without inbound_from_field: refused");
	ok(strstr(th.log, "inbound_from_field") != NULL, "... naming the key");
	is_int(th_create(&th, &host, token_only, secrets, &st), 0, "http_json "
	    "token, no inbound fields: create");
	is_int(call(st, "POST", q, "{}", NULL, NULL), 0, "... no message");
	mod->destroy(st);
	is_int(th_create(&th, &host, plain, secrets, &st), 0, "http_json "
	    "without inbound: create");
	is_int(call(st, "POST", q, "{}", NULL, NULL), LOA_REPORT_BAD_SIGNATURE,
	    "... every inbound request refused");
	mod->destroy(st);
}

int
main(int argc, char *argv[])
{
	char	self[4096];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	if (getenv("LOA_PLUGIN_BUILD") != NULL)
		snprintf(plugdir, sizeof(plugdir), "%s",
		    getenv("LOA_PLUGIN_BUILD"));
	else
		snprintf(plugdir, sizeof(plugdir), "%s/../plugins",
		    dirname(self));
	test_zalo();
	test_zalo_oa();
	test_twilio();
	test_http_json();
	return tap_done();
}
