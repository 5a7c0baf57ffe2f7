/*
 * fuzz_plugin_esms.c -- the eSMS plugin (plugins/esms.c): its answer
 * parser (classify) on any answer and its request builder on any text
 * (target plugin_esms); its delivery callbacks (report: the loa_token
 * check, SMSID and SendStatus from the query or a form body; target
 * report_esms).  Formats and promises: fuzz_plugin.h.
 */
#include "../../plugins/esms.c"
#include "fuzz_plugin.h"

static const struct kv config[] = {
	{ "plugin", "esms" },
	{ "api_key_file", "/etc/loa/esms.key" },
	{ "secret_key_file", "/etc/loa/esms.secret" },
	{ "brandname", "UBND-HK" },
	{ "callback_url", "https://loa.example.vn/webhooks/esms" },
	{ "webhook_token_file", "/etc/loa/esms.hook" },
	{ NULL, NULL }
};
static const struct kv secrets[] = {
	{ "api_key_file", "E5M5-ApiKey-0011" },
	{ "secret_key_file", "E5M5-SecretKey-0022" },
	{ "webhook_token_file", "esms-hook-t0ken" },
	{ NULL, NULL }
};

/* eSMS signs nothing: our token rides in the callback URL. */
static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	fz_sign_token(h, ((struct esms *)state)->token);
}

FZ_PLUGIN_TARGET(config, secrets, NULL, sign)
