/*
 * fuzz_plugin_zalo_oa.c -- the Zalo OA plugin (plugins/zalo_oa.c): its
 * answer parsers (classify with its fallback codes, refresh_parse) on any
 * answer and its request builder on any text (target plugin_zalo_oa); its
 * residents' messages and follows (inbound: zalo_hook.h's
 * X-ZEvent-Signature, app_id and time checks, then zalo_events.h; target
 * inbound_zalo_oa).  Formats and promises: fuzz_plugin.h.
 */
#define LOA_PLUGIN_TEST		/* zns_test_now_ms: the plugin's clock */
#include "../../plugins/zalo_oa.c"
#include "fuzz_plugin.h"
#include "fuzz_zalo.h"

static const struct kv config[] = {
	{ "plugin", "zalo_oa" },
	FZ_ZALO_CONFIG,
	{ "fallback_codes", "-207, -211,-213,-230" },
	{ NULL, NULL }
};

/* Signed as Zalo signs (fuzz_zalo.h). */
FZ_ZALO_SIGNER(struct oa)

FZ_PLUGIN_TARGET(config, fz_zalo_secrets, FZ_ZALO_TOKEN, sign)
