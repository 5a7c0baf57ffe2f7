/*
 * zalo_hook.h -- the check of a Zalo OA webhook request, shared by the
 * plugins that receive the OA's one webhook (zalo_zns.c for delivery
 * reports and residents' messages, zalo_oa.c for residents' messages in
 * a setup without ZNS).
 *
 * Zalo signs every event with X-ZEvent-Signature: mac=<hex SHA-256(app_id
 * + raw body + timestamp + OA secret key)>, app_id and timestamp being
 * the values inside the body.  zh_verify() checks the signature before it
 * trusts anything, then the app_id, then that the event's timestamp lies
 * within webhook_max_age (1 h) before our clock and webhook_max_ahead
 * (5 min) after it, so that a signed event captured once cannot be
 * replayed for ever, then that it was POSTed.  Without oa_secret_file
 * every event is refused.  Secrets and bodies are never logged.
 *
 * Config keys read by zh_init(): oa_secret_file, webhook_max_age,
 * webhook_max_ahead.
 */
#ifndef LOA_ZALO_HOOK_H
#define LOA_ZALO_HOOK_H

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

/* What a plugin keeps to check the webhook. */
struct zalo_hook {
	const char	*oa_secret;	/* owned by the host; secret; NULL:
					   every event refused */
	long long	 max_age_ms;	/* the timestamp's window */
	long long	 max_ahead_ms;
};

#define ZH_SIG_HEADER	"X-ZEvent-Signature"
#define ZH_SHA256_LEN	32
/*
 * How far an event's timestamp may lie from our clock (webhook_max_age,
 * webhook_max_ahead).  Zalo wants an answer within about 2 s and may
 * deliver an event twice; it documents no retry schedule, so an hour
 * back covers its retries and an outage of ours of that length (the same
 * hour an early report is kept), and five minutes ahead covers clocks
 * that disagree.  Outside the window a correctly signed event is a
 * replay: refused.  Inside it a replay applies once (the daemon's
 * reports are idempotent).
 */
#define ZH_MAX_AGE_S	3600
#define ZH_MAX_AHEAD_S	300
#define ZH_WINDOW_MAX_S (366LL * 86400)	/* the widest either may be */

/*
 * A window bound from key: seconds, or a number with s, m, h or d, from 1 s
 * to ZH_WINDOW_MAX_S; def when unset.  Returns 0, or -1 after logging.
 */
static inline int
zh_window(const struct loa_host *host, const char *key, long long def,
    long long *ms)
{
	const char	*v = host->config(host->hctx, key);
	char		*end;
	long long	 n, mult = 1;

	if (v == NULL) {
		*ms = def * 1000;
		return 0;
	}
	n = (*v >= '0' && *v <= '9') ? strtoll(v, &end, 10) : -1;
	if (n >= 0) {
		if (strcmp(end, "m") == 0)
			mult = 60;
		else if (strcmp(end, "h") == 0)
			mult = 3600;
		else if (strcmp(end, "d") == 0)
			mult = 86400;
		else if (*end != '\0' && strcmp(end, "s") != 0)
			n = -1;
	}
	if (n < 1 || n > ZH_WINDOW_MAX_S / mult) {
		host->log(host->hctx, LOA_LOG_ERR, "%s: want seconds (or N "
		    "with s, m, h or d) from 1 s to 366 d", key);
		return -1;
	}
	*ms = n * mult * 1000;
	return 0;
}

/*
 * The text of a string or integer member (Zalo writes numbers either way)
 * into buf (size bytes), which is left alone on failure.  Returns 0, -1
 * when v is neither, -2 when the text does not fit.
 */
static inline int
zh_text(const json_t *v, char *buf, size_t size)
{
	char		 num[32];
	const char	*t;
	size_t		 n;

	if (json_is_string(v))
		t = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		t = num;
	} else
		return -1;
	if ((n = strlen(t)) >= size)
		return -2;
	memcpy(buf, t, n + 1);
	return 0;
}

/*
 * hex = SHA-256(app_id + body + timestamp + OA secret key), lower case.
 * Returns 0, or -1 when OpenSSL fails.
 */
static inline int
zh_mac(const char *app_id, const char *body, size_t len, const char *ts,
    const char *key, char hex[2 * ZH_SHA256_LEN + 1])
{
	EVP_MD_CTX	*c;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;
	int		 good;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return -1;
	good = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, app_id, strlen(app_id)) == 1 &&
	    EVP_DigestUpdate(c, body, len) == 1 &&
	    EVP_DigestUpdate(c, ts, strlen(ts)) == 1 &&
	    EVP_DigestUpdate(c, key, strlen(key)) == 1 &&
	    EVP_DigestFinal_ex(c, md, &n) == 1 && n == ZH_SHA256_LEN;
	EVP_MD_CTX_free(c);
	if (good)
		plug_hex(md, n, hex);
	OPENSSL_cleanse(md, sizeof(md));
	return good ? 0 : -1;
}

/*
 * Whether X-ZEvent-Signature holds "mac=" and the hex of the body's
 * SHA-256 (either case); the comparison takes the same time wherever
 * they differ.  The body is parsed (into *root, for the caller to free)
 * only when there is a signature to check, and its app_id and timestamp
 * are copied into app_id and ts.  Returns 0, or the refusal (logged at
 * debug).
 */
static inline int
zh_check_signature(const struct zalo_base *b,
    const struct zalo_hook *h, const struct loa_webhook *wh,
    const char *body, json_t **root, char *app_id, size_t idsize,
    char *ts, size_t tssize)
{
	char		 want[2 * ZH_SHA256_LEN + 1],
			 got[2 * ZH_SHA256_LEN + 1];
	const char	*sig;
	size_t		 i;
	int		 same;

	if (h->oa_secret == NULL)
		return LOA_REPORT_BAD_SIGNATURE;  /* said once, in create() */
	sig = plug_header(wh->headers, wh->nheaders, ZH_SIG_HEADER);
	if (sig == NULL || strncasecmp(sig, "mac=", 4) != 0)
		return plug_refuse(b->host, "no " ZH_SIG_HEADER " mac=");
	sig += 4;
	if (strlen(sig) != sizeof(got) - 1)
		return plug_refuse(b->host, ZH_SIG_HEADER " is not 64 hex "
		    "digits");
	for (i = 0; i < sizeof(got) - 1; i++)
		got[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ?
		    sig[i] - 'A' + 'a' : sig[i]);
	got[i] = '\0';
	*root = json_loadb(body, wh->body_len, 0, NULL);
	if (!json_is_object(*root) ||
	    zh_text(json_object_get(*root, "app_id"), app_id, idsize) != 0 ||
	    zh_text(json_object_get(*root, "timestamp"), ts, tssize) != 0)
		return plug_refuse(b->host, "no app_id or timestamp in a "
		    "JSON body: the signature cannot be computed");
	if (zh_mac(app_id, body, wh->body_len, ts, h->oa_secret,
	    want) == -1)
		return plug_refuse(b->host, "SHA-256 failed");
	same = plug_ct_equal(got, sizeof(got) - 1, want, sizeof(want) - 1);
	explicit_bzero(want, sizeof(want));
	if (!same)
		return plug_refuse(b->host, ZH_SIG_HEADER " does not match");
	return 0;
}

/*
 * Whether a signed event's timestamp ts (milliseconds since the epoch,
 * as Zalo writes it) lies in the window around now_ms: at most
 * max_age_ms before it, max_ahead_ms after it.  Returns 0, or
 * BAD_SIGNATURE after one warning for this event (the signature was good,
 * so the line is worth an operator's eye: a replay, or a clock off), that
 * holds no secret, body or id.
 */
static inline int
zh_fresh(const struct zalo_base *b, const struct zalo_hook *h, const char *ts,
    long long now_ms)
{
	long long	t;
	size_t		n = strlen(ts);

	if (n == 0 || n > 15 || strspn(ts, "0123456789") != n) {
		b->host->log(b->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: its timestamp is not milliseconds since 1970");
		return LOA_REPORT_BAD_SIGNATURE;
	}
	t = strtoll(ts, NULL, 10);
	if (now_ms - t > h->max_age_ms) {
		b->host->log(b->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: signed %lld s ago, more than webhook_max_age "
		    "(%lld s): a replay?", (now_ms - t) / 1000,
		    h->max_age_ms / 1000);
		return LOA_REPORT_BAD_SIGNATURE;
	}
	if (t - now_ms > h->max_ahead_ms) {
		b->host->log(b->host->hctx, LOA_LOG_WARN, "delivery report "
		    "refused: signed %lld s ahead of our clock, more than "
		    "webhook_max_ahead (%lld s)", (t - now_ms) / 1000,
		    h->max_ahead_ms / 1000);
		return LOA_REPORT_BAD_SIGNATURE;
	}
	return 0;
}

#ifdef LOA_PLUGIN_TEST
long long	zns_test_now_ms;	/* the unit test's clock; 0: the real one */
#endif

static inline long long
zh_now_ms(void)
{
	struct timespec	t;

#ifdef LOA_PLUGIN_TEST
	if (zns_test_now_ms != 0)
		return zns_test_now_ms;
#endif
	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * What report() and inbound() check before they read a webhook: the
 * signature (zh_check_signature), then that the event is for our app_id
 * and that its timestamp lies in the window (zh_fresh), then that it
 * was POSTed.  *root (for the caller to free, also on failure) is the
 * parsed body, ts its timestamp.  Returns 0, BAD_SIGNATURE or MALFORMED.
 */
static inline int
zh_verify(const struct zalo_base *b, const struct zalo_hook *h,
    const struct loa_webhook *wh, json_t **root, char *ts, size_t tssize)
{
	const char	*body = wh->body != NULL ? wh->body : "";
	char		 app_id[256];
	int		 rv;

	*root = NULL;
	if ((rv = zh_check_signature(b, h, wh, body, root, app_id,
	    sizeof(app_id), ts, tssize)) != 0)
		return rv;
	/* From Zalo from here on: but when, and for whom? */
	if (strcmp(app_id, b->app.app_id) != 0)
		return plug_refuse(b->host, "app_id is not ours");
	if ((rv = zh_fresh(b, h, ts, zh_now_ms())) != 0)
		return rv;
	if (wh->method == NULL || strcmp(wh->method, "POST") != 0)
		return LOA_REPORT_MALFORMED;
	return 0;
}

/*
 * Read oa_secret_file, webhook_max_age and webhook_max_ahead into h.
 * Returns 0, or -1 after logging the key at fault (a secret file set but
 * unreadable or empty, a bad window).  Without oa_secret_file, logs once
 * (info) that webhooks will be refused.
 */
static inline int
zh_init(const struct loa_host *host, struct zalo_hook *h)
{
	if (plug_report_secret(host, "oa_secret_file", &h->oa_secret) == -1)
		return -1;
	if (zh_window(host, "webhook_max_age", ZH_MAX_AGE_S,
	    &h->max_age_ms) == -1 || zh_window(host, "webhook_max_ahead",
	    ZH_MAX_AHEAD_S, &h->max_ahead_ms) == -1)
		return -1;
	return 0;
}

#endif /* LOA_ZALO_HOOK_H */
