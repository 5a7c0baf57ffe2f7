/*
 * console.c -- the console provider: sends nothing, shows everything.
 *
 * For demos and dry runs.  Each message becomes one JSON line that the
 * daemon appends to the provider's `output` (default standard output):
 *
 *   {"channel":"sms","to":"84912345678","text":"...","encoding":"gsm7",
 *    "segments":1,"job":"...","delivery_id":"..."}
 *   {"channel":"zalo","to":"84912345678","template_id":"...",
 *    "data":{...},"job":"...","delivery_id":"..."}
 *
 * Every message is answered "sent", with the delivery id as the provider's
 * message id.
 *
 * Messages from residents, for demos and tests of the inbox (ABI 1.2):
 * POST /webhooks/<name> with a JSON object
 *
 *   {"from":"84912345678","channel":"sms","text":"...","msg_id":"m1",
 *    "ts":1700000000000}       (also "kind": text|follow|unfollow|other,
 *                               and "note" for other)
 *
 * signed by the header X-Loa-Signature: the hex HMAC-SHA256 of the body
 * with the secret in the file named by inbound_secret_file.  No secret
 * configured, no header, or a wrong one: LOA_REPORT_BAD_SIGNATURE, before
 * anything else of the request is read.  The same source is built as plugins/console.so and into the
 * daemon itself (as loa_console_embedded), so it is always available.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "loa/provider.h"
#include "plugin.h"

static const char *const console_keys[] = { "output",
    "inbound_secret_file", NULL };

static int
console_create(const struct loa_host *host, void **state)
{
	*state = (void *)host;
	return 0;
}

static void
console_destroy(void *state)
{
	(void)state;
}

static int
console_build(void *state, const struct loa_message *m,
    struct loa_request *req, struct loa_result *res)
{
	json_t	*o, *data = NULL;
	char	*s;

	(void)state;
	o = json_object();
	json_object_set_new(o, "channel", json_string(m->channel));
	json_object_set_new(o, "to", json_string(m->to));
	if (strcmp(m->channel, "sms") == 0) {
		json_object_set_new(o, "text", json_string(m->text));
		json_object_set_new(o, "encoding", json_string(m->encoding));
		json_object_set_new(o, "segments", json_integer(m->segments));
	} else {
		if (m->zalo_uid != NULL)
			json_object_set_new(o, "zalo_uid",
			    json_string(m->zalo_uid));
		json_object_set_new(o, "template_id",
		    json_string(m->template_id));
		if (m->template_data != NULL)
			data = json_loads(m->template_data, 0, NULL);
		json_object_set_new(o, "data", data != NULL ? data :
		    json_object());
	}
	json_object_set_new(o, "job", json_string(m->job_id));
	json_object_set_new(o, "delivery_id", json_string(m->delivery_id));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL) {
		snprintf(res->reason, sizeof(res->reason), "cannot_encode");
		res->outcome = LOA_OUT_FAILED;
		return -1;
	}
	req->transport = LOA_TRANSPORT_LOCAL;
	req->body = s;
	req->body_len = strlen(s);
	return 0;
}

static void
console_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	(void)state;
	if (resp->http_status == 200) {
		res->outcome = LOA_OUT_SENT;
		snprintf(res->provider_id, sizeof(res->provider_id), "%s",
		    m->delivery_id);
	} else {
		/* The output could not be written: try again later. */
		res->outcome = LOA_OUT_RETRY;
		snprintf(res->reason, sizeof(res->reason), "output_error");
	}
}

/* Copy a JSON string of at most size - 1 bytes; -1 when absent or longer. */
static int
copy_field(const json_t *o, const char *key, char *dst, size_t size, int need)
{
	const json_t	*v = json_object_get(o, key);
	size_t		 n;

	if (v == NULL && !need) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || (n = json_string_length(v)) >= size ||
	    (need && n == 0))
		return -1;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

static int
console_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	static const char *const kinds[] = { "text", "follow", "unfollow",
	    "other" };
	const struct loa_host	*host = state;
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			 want[2 * sizeof(mac) + 1], kind[16],
				 from[sizeof(ins->from)];
	const char		*secret, *got;
	const json_t		*v;
	json_t			*o;
	size_t			 n, k;

	/* The signature first: nothing else is read before it matches. */
	if (host->config(host->hctx, "inbound_secret_file") == NULL ||
	    (secret = host->secret(host->hctx, "inbound_secret_file")) ==
	    NULL || *secret == '\0' ||
	    (got = plug_header(wh->headers, wh->nheaders,
	    "X-Loa-Signature")) == NULL)
		return LOA_REPORT_BAD_SIGNATURE;
	{
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
		    strlen(secret));
		crypto_auth_hmacsha256_update(&st,
		    (const unsigned char *)wh->body, wh->body_len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_memzero(&st, sizeof(st));
	}
	plug_hex(mac, sizeof(mac), want);
	if (!plug_ct_equal(got, strlen(got), want, strlen(want)))
		return LOA_REPORT_BAD_SIGNATURE;
	if (max < 1 || strcmp(wh->method, "POST") != 0 ||
	    (o = json_loadb(wh->body, wh->body_len, 0, NULL)) == NULL)
		return LOA_REPORT_MALFORMED;
	memset(ins, 0, sizeof(*ins));
	if (!json_is_object(o) ||
	    copy_field(o, "from", from, sizeof(from), 1) == -1 ||
	    copy_field(o, "channel", ins->channel, sizeof(ins->channel),
	    1) == -1 ||
	    copy_field(o, "msg_id", ins->msg_id, sizeof(ins->msg_id), 0) ==
	    -1 || copy_field(o, "note", ins->note, sizeof(ins->note), 0) ==
	    -1 || copy_field(o, "kind", kind, sizeof(kind), 0) == -1 ||
	    (strcmp(ins->channel, "sms") != 0 &&
	    strcmp(ins->channel, "zalo") != 0) ||
	    (ins->msg_id[0] != '\0' &&
	    !loa_provider_id_ok(ins->msg_id, sizeof(ins->msg_id))))
		goto bad;
	/* The sender as the ABI has it: sms digits, a zalo user id. */
	if ((strcmp(ins->channel, "sms") == 0 ? plug_inbound_phone(ins->from,
	    sizeof(ins->from), from, strlen(from)) : plug_inbound_uid(ins->from,
	    sizeof(ins->from), from, strlen(from))) == -1)
		goto bad;
	ins->kind = LOA_INBOUND_TEXT;
	for (k = 0; kind[0] != '\0' && k < sizeof(kinds) / sizeof(*kinds); k++)
		if (strcmp(kind, kinds[k]) == 0)
			break;
	if (kind[0] != '\0' && k == sizeof(kinds) / sizeof(*kinds))
		goto bad;
	if (kind[0] != '\0')
		ins->kind = (enum loa_inbound_kind)k;
	if ((v = json_object_get(o, "ts")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			goto bad;
		ins->ts_ms = json_integer_value(v);
	}
	/* OTHER keeps a note, never a text (loa/provider.h). */
	if (ins->kind != LOA_INBOUND_OTHER &&
	    (v = json_object_get(o, "text")) != NULL) {
		if (!json_is_string(v))
			goto bad;
		/* jansson took valid UTF-8 only: cut at a character. */
		n = json_string_length(v);
		if (n >= sizeof(ins->text)) {
			n = sizeof(ins->text) - 1;
			while (n > 0 && ((unsigned char)json_string_value(v)[n] &
			    0xc0) == 0x80)
				n--;
			ins->truncated = 1;
		}
		memcpy(ins->text, json_string_value(v), n);
		ins->text[n] = '\0';
	}
	json_decref(o);
	return 1;
 bad:
	json_decref(o);
	return LOA_REPORT_MALFORMED;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"console",
	"sms,zalo",
	console_keys,
	console_create,
	console_destroy,
	console_build,
	console_classify,
	LOA_PROVIDER_ANY_ADDR,
	NULL,
	NULL,
	NULL,
	NULL,		/* no delivery reports */
	console_inbound,
};
