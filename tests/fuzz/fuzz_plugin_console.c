/*
 * fuzz_plugin_console.c -- the console plugin (plugins/console.c): its
 * answer reading (classify) and its JSON line builder on any text (target
 * plugin_console); its residents' messages for demos and tests (inbound:
 * X-Loa-Signature, the hex HMAC-SHA256 of the body, then the JSON object
 * {"from","channel","text","msg_id","ts","kind","note"}; target
 * inbound_console).  Formats and promises: fuzz_plugin.h.
 */
#include <openssl/hmac.h>

#include "../../plugins/console.c"
#include "fuzz_plugin.h"

static const struct kv config[] = {
	{ "plugin", "console" },
	{ "inbound_secret_file", "/etc/loa/console.secret" },
	{ NULL, NULL }
};
static const struct kv secrets[] = {
	{ "inbound_secret_file", "C0ns0le-Inb0und-4444" },
	{ NULL, NULL }
};

static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	(void)state;
	if (HMAC(EVP_sha256(), secrets[0].value,
	    (int)strlen(secrets[0].value),
	    (const unsigned char *)h->wh.body, h->wh.body_len, md,
	    &mdlen) == NULL || mdlen != 32)
		abort();
	plug_hex(md, mdlen, h->sig);
	fz_hook_header(h, "X-Loa-Signature");
	h->signed_ok = 1;
}

FZ_PLUGIN_TARGET(config, secrets, NULL, sign)
