/*
 * zalo_oa.c -- the Zalo Official Account provider: a text message to a
 * follower, by Zalo user id.
 *
 * ZNS (zalo_zns) reaches a phone number with a registered template; a
 * resident known only by the user id Zalo gave them (they followed the
 * ward's OA, or linked themselves with DANG KY) needs the OA message API
 * v3 instead (shared/providers.md, "Zalo Official Account"):
 *
 *   POST {base_url}/v3.0/oa/message/{cs|transaction}
 *   Content-Type: application/json
 *   access_token: <OA access token>
 *
 *   {"recipient":{"user_id":"<uid>"},"message":{"text":"<zalo.text>"}}
 *
 * The text is the job's zalo.text rendered by the daemon (loa_message's
 * text on channel zalo).  This plugin carries LOA_PROVIDER_BY_UID: the
 * daemon routes to it only residents with a zalo_uid (and jobs with a
 * zalo.text), and a FALLBACK from it goes to the next provider of the
 * channel that can serve the resident before the next channel.
 *
 * Zalo answers HTTP 200 for nearly everything; the verdict is the JSON
 * "error" member (oa_code_outcome()): an invalid token is refreshed, a
 * refusal of the OA itself opens the provider's circuit, a user who does
 * not follow the OA or has no quota left falls back (the fallback_codes
 * key: Zalo does not publish all of these codes, so an operator can add
 * the ones their OA sees), and any other negative code fails the message
 * (never "sent": providers.md says so).
 *
 * The access token is the OA's, the same as ZNS's, refreshed the same
 * way (zalo_common.h).  With `credentials = <the zns section>` in its
 * section the daemon keeps one token for both.
 *
 * Delivery reports (user_received_message) arrive at the OA's one
 * webhook URL, usually the ZNS section's: the daemon looks the message
 * id up under every provider sharing the credentials.
 *
 * Secrets, tokens, user ids and texts are never logged.  Reasons are
 * short codes such as "zalo_-213".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"
#include "zalo_common.h"
#include "zalo_events.h"
#include "zalo_hook.h"

#define OA_BASE_URL	"https://openapi.zalo.me"
#define OA_UID_MAX	64
#define OA_MAX_CODES	32
/*
 * Fallback codes when fallback_codes is not set: -207 (invalid user id,
 * documented) and the quota and "not a follower" codes the mock answers
 * (-211 out of quota, -213 user not following: UNVERIFIED against the
 * real API, hence configurable).
 */
#define OA_FALLBACK_DEFAULT	"-207,-211,-213"

static const char *const oa_keys[] = {
	"base_url", "oauth_url", "app_id", "app_secret_file",
	"refresh_token_file", "message_type", "fallback_codes",
	"oa_secret_file", "webhook_max_age", "webhook_max_ahead", NULL
};

struct oa {
	struct zalo_base	 b;		/* first: zalo_common.h */
	struct zalo_hook	 hook;		/* zalo_hook.h: inbound() */
	const char		*type;		/* "cs" or "transaction" */
	long long		 fallback[OA_MAX_CODES];
	int			 nfallback;
};

/*
 * The fallback_codes list ("-207,-211,-213": negative integers, commas,
 * blanks allowed) into o->fallback.  Returns 0, or -1 after logging.
 */
static int
oa_codes(struct oa *o, const char *list)
{
	const char	*p = list;
	char		*end;
	long long	 n;

	o->nfallback = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = *p == '-' ? strtoll(p, &end, 10) : 0;
		if (n >= 0 || n < -99999 || (*end != '\0' && *end != ',' &&
		    *end != ' ')) {
			o->b.host->log(o->b.host->hctx, LOA_LOG_ERR,
			    "fallback_codes: want negative Zalo error codes "
			    "separated by commas (e.g. %s)",
			    OA_FALLBACK_DEFAULT);
			return -1;
		}
		if (o->nfallback == OA_MAX_CODES) {
			o->b.host->log(o->b.host->hctx, LOA_LOG_ERR,
			    "fallback_codes: at most %d codes", OA_MAX_CODES);
			return -1;
		}
		o->fallback[o->nfallback++] = n;
		p = end;
	}
	return 0;
}

/*
 * Contract: reads the config.  Returns -1, after logging the key at
 * fault, without app_id or a usable app secret (a refresh needs them),
 * for a URL that is not http(s), a message_type other than cs or
 * transaction, or a bad fallback_codes.  No token yet: build() asks for
 * a refresh until set_token() gives one.
 */
static int
oa_create(const struct loa_host *host, void **state)
{
	struct oa	*o;
	const char	*v;

	if ((o = zalo_base_new(host, sizeof(*o), OA_BASE_URL)) == NULL)
		return -1;
	v = host->config(host->hctx, "message_type");
	if (v == NULL || strcmp(v, "cs") == 0)
		o->type = "cs";
	else if (strcmp(v, "transaction") == 0)
		o->type = "transaction";
	else {
		host->log(host->hctx, LOA_LOG_ERR, "message_type: want cs or "
		    "transaction");
		goto fail;
	}
	v = host->config(host->hctx, "fallback_codes");
	if (oa_codes(o, v != NULL ? v : OA_FALLBACK_DEFAULT) == -1)
		goto fail;
	if (zh_init(host, &o->hook) == -1)
		goto fail;
	*state = o;
	return 0;
fail:
	zalo_base_free(&o->b);
	return -1;
}

static void
oa_destroy(void *state)
{
	zalo_base_free(state);
}

/* A Zalo user id as Loa takes it: 1 to 64 of [0-9A-Za-z_-]. */
static int
oa_uid_ok(const char *s)
{
	size_t	n = strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-");

	return n >= 1 && n <= OA_UID_MAX && s[n] == '\0';
}

/*
 * Contract: fills req for one OA text message.  Fails (-1) with FALLBACK
 * "no_uid" when the resident has no Zalo user id ("bad_uid" for one that
 * is not 1 to 64 of [0-9A-Za-z_-]) and "no_text" when the job has no
 * zalo.text (another provider of the channel may serve it); FAILED
 * "bad_text" for a text that is not UTF-8; REFRESH "no_token" before
 * set_token() gave a token ("bad_token" for one that cannot go in a
 * header).
 */
static int
oa_build(void *state, const struct loa_message *m, struct loa_request *req,
    struct loa_result *res)
{
	struct oa	*o = state;
	json_t		*root;
	char		*body = NULL;
	int		 n;

	if (m->zalo_uid == NULL || *m->zalo_uid == '\0') {
		plug_result(res, LOA_OUT_FALLBACK, "no_uid");
		return -1;
	}
	if (!oa_uid_ok(m->zalo_uid)) {
		plug_result(res, LOA_OUT_FALLBACK, "bad_uid");
		return -1;
	}
	if (m->text == NULL || *m->text == '\0') {
		plug_result(res, LOA_OUT_FALLBACK, "no_text");
		return -1;
	}
	if (zalo_token_headers(o->b.token, req, res) == -1)
		return -1;
	n = snprintf(req->url, sizeof(req->url), "%s/v3.0/oa/message/%s",
	    o->b.base_url, o->type);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		plug_result(res, LOA_OUT_FAILED, "url_too_long");
		return -1;
	}
	/* json_pack fails for text that is not UTF-8. */
	root = json_pack("{s:{s:s},s:{s:s}}", "recipient", "user_id",
	    m->zalo_uid, "message", "text", m->text);
	if (root != NULL) {
		body = json_dumps(root, JSON_COMPACT);
		json_decref(root);
	}
	return zalo_post(req, res, body, "bad_text");
}

/*
 * The OA API's error codes, as shared/providers.md decides to treat
 * them; fallback_codes first after the token's.  Unknown codes are
 * permanent for the message on this channel (FAILED: the next channel).
 */
static void
oa_code_outcome(const struct zalo_base *b, long long code,
    struct loa_result *res)
{
	const struct oa		*o = (const struct oa *)b;
	enum loa_outcome	out = LOA_OUT_FAILED;
	int			i;

	switch (code) {
	case -201:			/* access token invalid */
	case -124:			/* ... as ZNS says it */
		plug_result(res, LOA_OUT_REFRESH, "zalo_%lld", code);
		return;
	default:
		break;
	}
	for (i = 0; i < o->nfallback; i++)
		if (o->fallback[i] == code) {
			plug_result(res, LOA_OUT_FALLBACK, "zalo_%lld", code);
			return;
		}
	switch (code) {
	case -202:			/* permission denied */
	case -205:			/* OA not found */
	case -206:			/* app not linked to the OA */
	case -209:			/* feature not enabled */
		out = LOA_OUT_PROVIDER_DOWN;
		break;
	case -207:			/* invalid user id */
		out = LOA_OUT_FALLBACK;
		break;
	default:			/* -203, -204 and unknown codes */
		break;
	}
	plug_result(res, out, "zalo_%lld", code);
}

/* Contract: zalo_classify(), message id in data.message_id. */
static void
oa_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	(void)m;
	zalo_classify(state, resp, res, "message_id", oa_code_outcome);
}

/*
 * Contract: residents' messages at this section's webhook (ABI 1.2), for
 * an OA without a ZNS section: checked by zh_verify() (BAD_SIGNATURE,
 * MALFORMED) and read by zalo_events.h, as zalo_zns does.  Delivery
 * reports (user_received_message) are 0 here: report() is zalo_zns's.
 */
static int
oa_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	struct oa	*o = state;
	json_t		*root = NULL;
	char		 ts[256];
	int		 rv;

	if ((rv = zh_verify(&o->b, &o->hook, wh, &root, ts, sizeof(ts))) == 0)
		rv = zev_inbound(root, ts, ins, max);
	json_decref(root);
	return rv;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"zalo_oa",
	"zalo",
	oa_keys,
	oa_create,
	oa_destroy,
	oa_build,
	oa_classify,
	LOA_PROVIDER_REPORTS | LOA_PROVIDER_BY_UID,
	zalo_cb_refresh_build,
	zalo_cb_refresh_parse,
	zalo_cb_set_token,
	NULL,
	oa_inbound,
};
