/*
 * fuzz_plugin_zalo_zns.c -- the Zalo ZNS plugin (plugins/zalo_zns.c): its
 * answer parsers (classify, refresh_parse) on any answer and its request
 * builder on any template data (target plugin_zalo_zns); its webhook
 * events (report: the X-ZEvent-Signature check, SHA-256 of app_id, the
 * raw body, timestamp and the OA secret, then user_received_message;
 * target report_zalo_zns), and the residents' messages and follows in
 * the same events (inbound: the same checks, then zalo_events.h; target
 * inbound_zalo_zns).  Formats and promises: fuzz_plugin.h.
 */
#define LOA_PLUGIN_TEST		/* zns_test_now_ms: the plugin's clock */
#include "../../plugins/zalo_zns.c"
#include "fuzz_plugin.h"
#include "fuzz_zalo.h"

static const struct kv config[] = {
	{ "plugin", "zalo_zns" },
	FZ_ZALO_CONFIG,
	{ NULL, NULL }
};

/* Signed as Zalo signs (fuzz_zalo.h). */
FZ_ZALO_SIGNER(struct zns)

FZ_PLUGIN_TARGET(config, fz_zalo_secrets, FZ_ZALO_TOKEN, sign)
