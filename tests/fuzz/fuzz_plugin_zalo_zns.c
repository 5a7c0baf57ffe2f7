/*
 * fuzz_plugin_zalo_zns.c -- the Zalo ZNS plugin (plugins/zalo_zns.c): its
 * answer parsers (classify, refresh_parse) on any answer and its request
 * builder on any template data (target plugin_zalo_zns); its webhook
 * events (report: the X-ZEvent-Signature check, SHA-256 of app_id, the
 * raw body, timestamp and the OA secret, then user_received_message;
 * target report_zalo_zns).  Formats and promises: fuzz_plugin.h.
 */
#define LOA_PLUGIN_TEST		/* zns_test_now_ms: the plugin's clock */
#include "../../plugins/zalo_zns.c"
#include "fuzz_plugin.h"

static const struct kv config[] = {
	{ "plugin", "zalo_zns" },
	{ "app_id", "1234567890123456789" },
	{ "app_secret_file", "/run/loa/zalo_app_secret" },
	{ "oa_secret_file", "/run/loa/zalo_oa_secret" },
	{ NULL, NULL }
};
static const struct kv secrets[] = {
	{ "app_secret_file", "Zal0-AppSecret-5555" },
	{ "oa_secret_file", "Zal0-OaSecret-6666" },
	{ NULL, NULL }
};

/*
 * Signed with the app_id and timestamp the body holds, when it does.  The
 * plugin's clock is then set to that timestamp, so that signed events get
 * past the time window (webhook_max_age/ahead, unit-tested) to the parser
 * behind it; a timestamp that is not milliseconds is refused, and is
 * promised nothing.
 */
static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	struct zns	*z = state;
	json_t		*root;
	char		 app_id[256], ts[256];

	root = json_loadb(h->wh.body, h->wh.body_len, 0, NULL);
	if (json_is_object(root) &&
	    zh_text(json_object_get(root, "app_id"), app_id,
	    sizeof(app_id)) == 0 &&
	    zh_text(json_object_get(root, "timestamp"), ts,
	    sizeof(ts)) == 0) {
		memcpy(h->sig, "mac=", 4);
		if (zh_mac(app_id, h->wh.body, h->wh.body_len, ts,
		    z->hook.oa_secret, h->sig + 4) == -1)
			abort();
		fz_hook_header(h, ZH_SIG_HEADER);
		zns_test_now_ms = 0;
		if (ts[0] != '\0' && strlen(ts) <= 15 &&
		    strspn(ts, "0123456789") == strlen(ts))
			zns_test_now_ms = strtoll(ts, NULL, 10);
		h->signed_ok = strcmp(app_id, z->b.app.app_id) == 0 &&
		    zns_test_now_ms != 0;
	}
	json_decref(root);
}

FZ_PLUGIN_TARGET(config, secrets, "Zal0-AccessToken-7777", sign)
