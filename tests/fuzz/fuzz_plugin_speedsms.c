/*
 * fuzz_plugin_speedsms.c -- the SpeedSMS plugin (plugins/speedsms.c): its
 * answer parser (classify, X-Rate-Limit-Reset included) on any answer and
 * its request builder on any text (target plugin_speedsms); its delivery
 * reports (report: the loa_token check, the JSON report; target
 * report_speedsms).  Formats and promises: fuzz_plugin.h.
 */
#include "../../plugins/speedsms.c"
#include "fuzz_plugin.h"

static const struct kv config[] = {
	{ "plugin", "speedsms" },
	{ "token_file", "/etc/loa/speedsms.token" },
	{ "sender", "UBND-HK" },
	{ "webhook_token_file", "/etc/loa/speedsms.hook" },
	{ NULL, NULL }
};
static const struct kv secrets[] = {
	{ "token_file", "sp33d-T0ken" },
	{ "webhook_token_file", "speed-hook-t0ken" },
	{ NULL, NULL }
};

/* SpeedSMS signs nothing: our token rides in the callback URL. */
static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	fz_sign_token(h, ((struct speedsms *)state)->token);
}

FZ_PLUGIN_TARGET(config, secrets, NULL, sign)
