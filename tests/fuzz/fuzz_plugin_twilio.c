/*
 * fuzz_plugin_twilio.c -- the Twilio plugin (plugins/twilio.c): its answer
 * parser (classify) on any answer and its request builder on any text
 * (target plugin_twilio); its status callbacks (report: the
 * X-Twilio-Signature check, HMAC-SHA1 over the callback URL and the
 * sorted, decoded form parameters, then MessageSid, MessageStatus and
 * ErrorCode; target report_twilio); its inbound SMS (inbound: the same
 * check, then MessageSid, From, Body and NumMedia; target
 * inbound_twilio).  Formats and promises: fuzz_plugin.h.
 */
#include "../../plugins/twilio.c"
#include "fuzz_plugin.h"

static const struct kv config[] = {
	{ "plugin", "twilio" },
	{ "account_sid", "AC0123456789abcdef0123456789abcdef" },
	{ "auth_token_file", "/etc/loa/twilio.token" },
	{ "from", "+15005550006" },
	{ "status_callback", "https://loa.example.vn/webhooks/twilio?x=1" },
	{ NULL, NULL }
};
static const struct kv secrets[] = {
	{ "auth_token_file", "f00dfeedcafe0123456789abcdef0000" },
	{ NULL, NULL }
};

static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	struct twilio	*t = state;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*text;
	size_t		 len;

	if ((text = twilio_signed_text(t->status_callback, h->wh.body,
	    h->wh.body_len, &len)) == NULL)
		return;		/* a parameter that cannot be decoded */
	if (HMAC(EVP_sha1(), t->token, (int)strlen(t->token),
	    (const unsigned char *)text, len, md, &mdlen) == NULL ||
	    plug_base64(md, mdlen, h->sig, sizeof(h->sig)) == -1)
		abort();
	free(text);
	fz_hook_header(h, TWILIO_SIG_HEADER);
	h->signed_ok = 1;
}

FZ_PLUGIN_TARGET(config, secrets, NULL, sign)
