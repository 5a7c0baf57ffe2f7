/*
 * zalo_zns.c -- the Zalo ZNS provider: template notifications to a phone.
 *
 * A ZNS message is a template registered with Zalo, filled with the job's
 * template data and sent to a phone number through the Official Account's
 * API (shared/providers.md, "Zalo ZNS"):
 *
 *   POST {base_url}/message/template
 *   Content-Type: application/json
 *   access_token: <OA access token>
 *
 *   {"phone":"849...","template_id":"..","template_data":{..},
 *    "tracking_id":"<delivery id>"}
 *
 * Zalo answers HTTP 200 for nearly everything; the verdict is the "error"
 * member of the JSON answer, which classify() maps onto Loa's outcomes
 * (the table is in zns_code_outcome()).
 *
 * The OA access token lives 25 hours.  The plugin only builds the refresh
 * request and reads its answer; the daemon stores the tokens, serialises
 * refreshes and hands every new access token to set_token().  Zalo's
 * refresh tokens are single-use: each answer carries the next one, which
 * refresh_parse() returns in cred->refresh_token.
 *
 * Delivery reports: Zalo POSTs a JSON event to /webhooks/<name>, signed
 * with X-ZEvent-Signature: mac=<hex SHA-256(app_id + raw body + timestamp
 * + OA secret key)>, app_id and timestamp being the values inside the
 * body.  report() checks the signature (oa_secret_file) before it trusts
 * anything, then the app_id, then that the event's timestamp lies
 * within webhook_max_age (1 h) before our clock and webhook_max_ahead
 * (5 min) after it, so that a signed event captured once cannot be
 * replayed for ever, and turns user_received_message into one DELIVERED
 * report for message.msg_id.  Without oa_secret_file every report is
 * refused.
 *
 * Residents' messages (inbound(), ABI 1.2) reach the same URL: the OA has
 * one webhook.  inbound() makes the same checks, then reads the event
 * with zalo_events.h (shared with zalo_oa.c): a text, a follow or
 * unfollow, an image, location or shared info.
 *
 * Secrets (the app secret, the OA secret, the tokens) are never logged;
 * neither are phone numbers or report bodies.  Result reasons are short
 * codes such as "zalo_-118".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "loa/provider.h"

#include "plugin.h"
#include "zalo_common.h"
#include "zalo_events.h"
#include "zalo_hook.h"

#define ZNS_BASE_URL	"https://business.openapi.zalo.me"

static const char *const zns_keys[] = {
	"base_url", "oauth_url", "app_id", "app_secret_file", "oa_secret_file",
	"refresh_token_file", "mode", "webhook_max_age", "webhook_max_ahead",
	NULL
};

struct zns {
	struct zalo_base	 b;		/* first: zalo_common.h */
	struct zalo_hook	 hook;		/* zalo_hook.h */
	int			 development;	/* "mode":"development" */
};

/*
 * Contract: reads the config.  Returns -1, after logging the key at
 * fault, without app_id or a usable app secret (a refresh needs it), for
 * a URL that is not http(s), an unknown mode, a bad webhook_max_age or
 * webhook_max_ahead, or an oa_secret_file that is set but cannot be read
 * or is empty.  Without oa_secret_file, logs
 * once (info) that delivery reports will be refused.  No token yet:
 * build() asks for a refresh until set_token() gives one.
 */
static int
zns_create(const struct loa_host *host, void **state)
{
	struct zns	*z;
	const char	*mode;

	if ((z = zalo_base_new(host, sizeof(*z), ZNS_BASE_URL)) == NULL)
		return -1;
	/* The OA secret key checks delivery reports (webhooks). */
	if (zh_init(host, &z->hook) == -1)
		goto fail;
	/* refresh_token_file is read by the daemon, never here. */

	mode = host->config(host->hctx, "mode");
	if (mode != NULL && strcmp(mode, "development") == 0)
		z->development = 1;
	else if (mode != NULL && strcmp(mode, "production") != 0) {
		host->log(host->hctx, LOA_LOG_ERR, "mode: want development "
		    "or production");
		goto fail;
	}
	*state = z;
	return 0;

fail:
	zalo_base_free(&z->b);
	return -1;
}

static void
zns_destroy(void *state)
{
	zalo_base_free(state);
}

/*
 * The template data as a JSON object whose values are all strings (a new
 * reference), or NULL.  No data at all is an empty object: Zalo judges.
 */
static json_t *
zns_template_data(const char *text)
{
	json_t		*o, *v;
	const char	*k;

	if (text == NULL || *text == '\0')
		return json_object();
	if ((o = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_object_foreach(o, k, v) {
		if (!json_is_string(v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/*
 * Contract: fills req for one ZNS message.  Fails (-1) with FALLBACK
 * "no_phone" when the resident has no phone (ZNS needs one, a zalo_uid
 * alone is not enough), REFRESH "no_token" before set_token() was given
 * a token ("bad_token" for one that cannot go in a header), and FAILED
 * for a message that cannot be expressed ("no_template_id",
 * "bad_template_data": not a JSON object of strings).
 */
static int
zns_build(void *state, const struct loa_message *m, struct loa_request *req,
    struct loa_result *res)
{
	struct zns	*z = state;
	json_t		*o, *data, *phone, *tid, *track;
	char		*body;
	int		 n;

	if (m->to == NULL || *m->to == '\0') {
		plug_result(res, LOA_OUT_FALLBACK, "no_phone");
		return -1;
	}
	if (m->template_id == NULL || *m->template_id == '\0') {
		plug_result(res, LOA_OUT_FAILED, "no_template_id");
		return -1;
	}
	if (zalo_token_headers(z->b.token, req, res) == -1)
		return -1;
	if ((data = zns_template_data(m->template_data)) == NULL) {
		plug_result(res, LOA_OUT_FAILED, "bad_template_data");
		return -1;
	}
	n = snprintf(req->url, sizeof(req->url), "%s/message/template",
	    z->b.base_url);
	if (n < 0 || (size_t)n >= sizeof(req->url)) {
		json_decref(data);
		plug_result(res, LOA_OUT_FAILED, "url_too_long");
		return -1;
	}

	/* json_string() is NULL for text that is not UTF-8. */
	phone = json_string(m->to);
	tid = json_string(m->template_id);
	track = json_string(m->delivery_id != NULL ? m->delivery_id : "");
	body = NULL;
	if (phone != NULL && tid != NULL && track != NULL &&
	    (o = json_object()) != NULL) {
		json_object_set_new(o, "phone", phone);
		json_object_set_new(o, "template_id", tid);
		json_object_set_new(o, "template_data", data);
		json_object_set_new(o, "tracking_id", track);
		if (z->development)
			json_object_set_new(o, "mode",
			    json_string("development"));
		body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else {
		json_decref(phone);
		json_decref(tid);
		json_decref(track);
		json_decref(data);
	}
	return zalo_post(req, res, body, "cannot_encode");
}

/*
 * Zalo's error codes, as shared/providers.md decides to treat them.
 * Codes not listed are permanent for the message.
 */
static void
zns_code_outcome(const struct zalo_base *b, long long code,
    struct loa_result *res)
{
	enum loa_outcome	o;

	(void)b;
	switch (code) {
	case -100:			/* unknown error, try later */
		o = LOA_OUT_RETRY;
		break;
	case -101:			/* app invalid */
	case -102:			/* app does not exist */
	case -103:			/* app not activated */
	case -104:			/* bad app secret */
	case -105:			/* no OA linked */
	case -115:			/* out of quota or balance */
		o = LOA_OUT_PROVIDER_DOWN;
		break;
	case -108:			/* phone number invalid */
	case -114:			/* user inactive or refused */
	case -118:			/* no Zalo account */
		o = LOA_OUT_FALLBACK;
		break;
	case -124:			/* access token invalid */
		o = LOA_OUT_REFRESH;
		break;
	default:			/* -109, -111, -112 and others */
		o = LOA_OUT_FAILED;
		break;
	}
	plug_result(res, o, "zalo_%lld", code);
}


/* Contract: zalo_classify(), message id in data.msg_id. */
static void
zns_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	(void)m;
	zalo_classify(state, resp, res, "msg_id", zns_code_outcome);
}


/*
 * Contract: a Zalo webhook event.  BAD_SIGNATURE without oa_secret_file,
 * without a matching X-ZEvent-Signature (also when the body is not a
 * JSON object with app_id and timestamp, as the signature cannot be
 * computed then), for another app_id than ours, or when its timestamp
 * lies outside the window (zh_fresh: a replay, logged once at warn).
 * Then MALFORMED for another method than POST or no event_name;
 * user_received_message is one DELIVERED report for message.msg_id
 * (MALFORMED without one, or for one that breaks the message-id rule);
 * any other event (user_seen_message, ...) is 0 reports.
 */
static int
zns_report(void *state, const struct loa_webhook *wh,
    struct loa_report *reps, int max)
{
	struct zns	*z = state;
	const char	*event;
	json_t		*root = NULL;
	char		 ts[256];
	int		 rv;

	if ((rv = zh_verify(&z->b, &z->hook, wh, &root, ts, sizeof(ts))) != 0)
		goto out;
	rv = LOA_REPORT_MALFORMED;
	if ((event = json_string_value(json_object_get(root,
	    "event_name"))) == NULL)
		goto out;
	if (strcmp(event, "user_received_message") != 0 || max < 1) {
		rv = 0;
		goto out;
	}
	memset(&reps[0], 0, sizeof(reps[0]));
	if (plug_json_id(reps[0].provider_id, sizeof(reps[0].provider_id),
	    json_object_get(json_object_get(root, "message"),
	    "msg_id")) != 0)
		goto out;
	reps[0].status = LOA_REPORT_DELIVERED;
	rv = 1;
out:
	json_decref(root);
	return rv;
}

/*
 * Contract: residents' messages in a Zalo webhook event (ABI 1.2).  The
 * same checks as report(), in the same order (zh_verify: BAD_SIGNATURE,
 * then MALFORMED for another method than POST); then zalo_events.h reads
 * the event: user_send_text, follow, unfollow, user_send_image and the
 * other user_send_* and user_submit_info are one message, any other
 * event 0 (user_received_message is then report()'s).  A replay inside
 * the window gives the same msg_id again: the daemon keeps it once.
 */
static int
zns_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	struct zns	*z = state;
	json_t		*root = NULL;
	char		 ts[256];
	int		 rv;

	if ((rv = zh_verify(&z->b, &z->hook, wh, &root, ts, sizeof(ts))) == 0)
		rv = zev_inbound(root, ts, ins, max);
	json_decref(root);
	return rv;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"zalo_zns",
	"zalo",
	zns_keys,
	zns_create,
	zns_destroy,
	zns_build,
	zns_classify,
	LOA_PROVIDER_REPORTS,
	zalo_cb_refresh_build,
	zalo_cb_refresh_parse,
	zalo_cb_set_token,
	zns_report,
	zns_inbound,
};
