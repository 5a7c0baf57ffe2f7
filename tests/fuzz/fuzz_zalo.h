/*
 * fuzz_zalo.h -- signing a Zalo OA webhook event as Zalo does, for the
 * targets of the plugins that receive the OA's webhook (zalo_hook.h):
 * fuzz_plugin_zalo_zns.c and fuzz_plugin_zalo_oa.c, which include it
 * after the plugin's source (built with LOA_PLUGIN_TEST, for the clock
 * zns_test_now_ms) and fuzz_plugin.h.
 */
#ifndef LOA_FUZZ_ZALO_H
#define LOA_FUZZ_ZALO_H

/* The OA's keys both plugins read (zalo_common.h, zalo_hook.h). */
#define FZ_ZALO_CONFIG							\
	{ "app_id", "1234567890123456789" },				\
	{ "app_secret_file", "/run/loa/zalo_app_secret" },		\
	{ "oa_secret_file", "/run/loa/zalo_oa_secret" }

static const struct kv fz_zalo_secrets[] = {
	{ "app_secret_file", "Zal0-AppSecret-5555" },
	{ "oa_secret_file", "Zal0-OaSecret-6666" },
	{ NULL, NULL }
};

#define FZ_ZALO_TOKEN	"Zal0-AccessToken-7777"

/*
 * Signed with the app_id and timestamp the body holds, when it does.  The
 * plugin's clock is then set to that timestamp, so that signed events get
 * past the time window (webhook_max_age/ahead, unit-tested) to the parser
 * behind it; a timestamp that is not milliseconds is refused, and is
 * promised nothing.
 */
static void
fz_zalo_sign(const struct zalo_base *b, const struct zalo_hook *hook,
    struct fz_hook *h)
{
	json_t	*root;
	char	 app_id[256], ts[256];

	root = json_loadb(h->wh.body, h->wh.body_len, 0, NULL);
	if (json_is_object(root) &&
	    zh_text(json_object_get(root, "app_id"), app_id,
	    sizeof(app_id)) == 0 &&
	    zh_text(json_object_get(root, "timestamp"), ts,
	    sizeof(ts)) == 0) {
		memcpy(h->sig, "mac=", 4);
		if (zh_mac(app_id, h->wh.body, h->wh.body_len, ts,
		    hook->oa_secret, h->sig + 4) == -1)
			abort();
		fz_hook_header(h, ZH_SIG_HEADER);
		zns_test_now_ms = 0;
		if (ts[0] != '\0' && strlen(ts) <= 15 &&
		    strspn(ts, "0123456789") == strlen(ts))
			zns_test_now_ms = strtoll(ts, NULL, 10);
		h->signed_ok = strcmp(app_id, b->app.app_id) == 0 &&
		    zns_test_now_ms != 0;
	}
	json_decref(root);
}

/* sign() for a plugin whose state (type) holds b and hook. */
#define FZ_ZALO_SIGNER(type)						\
static void __attribute__((unused))					\
sign(void *state, struct fz_hook *h)					\
{									\
	type	*s = state;						\
									\
	fz_zalo_sign(&s->b, &s->hook, h);				\
}

#endif
