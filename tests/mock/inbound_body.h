/*
 * inbound_body.h -- residents' messages as the providers send them to
 * Loa's /webhooks/<name>, built and signed: the Zalo OA event (JSON,
 * X-ZEvent-Signature: mac=<hex SHA-256(app_id + body + timestamp + OA
 * secret key)>), the Twilio inbound SMS (a form, X-Twilio-Signature:
 * base64(HMAC-SHA1(auth token, URL + the parameters sorted by name, each
 * name then value))) and the generic gateway's JSON (checked by a
 * loa_token in the URL, which the caller appends).
 *
 * Shared by the mock (POST /_mock/inbound, tests/mock/loa-mock.c) and the
 * plugins' inbound unit test (tests/unit/test_inbound.c), so that the
 * plugins are tested on the very bytes the mock sends to a daemon.  The
 * signatures are computed here from the provider's documentation, never
 * with the plugins' code: a plugin that checks them wrongly fails.
 *
 * Every function returns malloc'd text (or fills a fixed buffer) and NULL
 * (or -1) when memory runs out or a value cannot be encoded.
 */
#ifndef LOA_INBOUND_BODY_H
#define LOA_INBOUND_BODY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define INB_ZALO_OA_ID	"579745863508352884"	/* the recipient OA */

/* hex of SHA-256(app_id + body + ts + secret), the Zalo event's mac. */
static int __attribute__((unused))
inb_zalo_mac(const char *app_id, const char *body, size_t len,
    const char *ts, const char *secret, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	EVP_MD_CTX		*c;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 n = 0, i;
	int			 good;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return -1;
	good = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, app_id, strlen(app_id)) == 1 &&
	    EVP_DigestUpdate(c, body, len) == 1 &&
	    EVP_DigestUpdate(c, ts, strlen(ts)) == 1 &&
	    EVP_DigestUpdate(c, secret, strlen(secret)) == 1 &&
	    EVP_DigestFinal_ex(c, md, &n) == 1 && n == 32;
	EVP_MD_CTX_free(c);
	if (!good)
		return -1;
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}

/*
 * A Zalo OA event for user uid: user_send_text (message.msg_id, .text),
 * user_send_image and user_send_location (an attachment, no text),
 * user_submit_info (info, no message), follow and unfollow (follower.id,
 * no message), and any other name with a message like a text's.  ts is
 * the event's timestamp (milliseconds, as a string, as Zalo writes it).
 */
static char * __attribute__((unused))
inb_zalo_body(const char *app_id, const char *event, const char *uid,
    const char *text, const char *msg_id, const char *ts)
{
	json_t	*o, *m, *att;
	char	*s;
	int	 follow;

	follow = strcmp(event, "follow") == 0 || strcmp(event, "unfollow") == 0;
	o = json_pack("{s:s, s:s, s:s, s:s}", "app_id", app_id,
	    "user_id_by_app", uid, "event_name", event, "timestamp", ts);
	if (o == NULL)
		return NULL;
	if (follow) {
		json_object_set_new(o, "oa_id", json_string(INB_ZALO_OA_ID));
		json_object_set_new(o, "source", json_string("oa_profile"));
		json_object_set_new(o, "follower", json_pack("{s:s}", "id",
		    uid));
	} else {
		json_object_set_new(o, "sender", json_pack("{s:s}", "id",
		    uid));
		json_object_set_new(o, "recipient", json_pack("{s:s}", "id",
		    INB_ZALO_OA_ID));
	}
	if (strcmp(event, "user_submit_info") == 0)
		json_object_set_new(o, "info", json_pack("{s:s,s:s,s:s}",
		    "name", "Nguyen Van A", "phone", "0912345678", "address",
		    "So 5 ngo 12"));
	else if (!follow) {
		m = json_pack("{s:s}", "msg_id", msg_id);
		att = NULL;
		if (strcmp(event, "user_send_image") == 0)
			att = json_pack("[{s:s,s:{s:s,s:s}}]", "type", "image",
			    "payload", "thumbnail", "https://example.invalid/t.jpg",
			    "url", "https://example.invalid/i.jpg");
		else if (strcmp(event, "user_send_location") == 0)
			att = json_pack("[{s:s,s:{s:{s:s,s:s}}}]", "type",
			    "location", "payload", "coordinates", "latitude",
			    "21.0285", "longitude", "105.8542");
		if (att != NULL)
			json_object_set_new(m, "attachments", att);
		else
			json_object_set_new(m, "text", json_string(text));
		json_object_set_new(o, "message", m);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Percent-encoding as Twilio's forms use it ('+' for a space). */
static size_t
inb_form_enc(char *dst, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	size_t			 o = 0;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '*')
			dst[o++] = (char)c;
		else if (c == ' ')
			dst[o++] = '+';
		else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return o;
}

static int
inb_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const char *const *)a)[0],
	    ((const char *const *)b)[0]);
}

/*
 * A form of n name/value pairs (kv[2i], kv[2i+1]; kv is sorted by name
 * here) into *body, and its X-Twilio-Signature for url with token into
 * sig.  Returns 0, or -1.
 */
static int __attribute__((unused))
inb_twilio_form(const char **kv, size_t n, const char *url,
    const char *token, char **body, char sig[64])
{
	static const char	 al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i, o = 0;
	unsigned long		 w;
	size_t			 cap = 1, tcap, off = 0, j;
	char			*text, *p;

	qsort(kv, n, 2 * sizeof(*kv), inb_kv_cmp);
	tcap = strlen(url) + 1;
	for (j = 0; j < 2 * n; j++) {
		cap += 3 * strlen(kv[j]) + 1;
		tcap += strlen(kv[j]);
	}
	if ((*body = malloc(cap)) == NULL)
		return -1;
	if ((text = malloc(tcap)) == NULL) {
		free(*body);
		return -1;
	}
	p = stpcpy(text, url);
	for (j = 0; j < n; j++) {
		if (j > 0)
			(*body)[off++] = '&';
		off += inb_form_enc(*body + off, kv[2 * j]);
		(*body)[off++] = '=';
		off += inb_form_enc(*body + off, kv[2 * j + 1]);
		p = stpcpy(stpcpy(p, kv[2 * j]), kv[2 * j + 1]);
	}
	(*body)[off] = '\0';
	if (HMAC(EVP_sha1(), token, (int)strlen(token),
	    (unsigned char *)text, (size_t)(p - text), md, &mdlen) == NULL ||
	    mdlen != 20) {
		free(text);
		free(*body);
		return -1;
	}
	free(text);
	for (i = 0; i + 2 < mdlen; i += 3) {
		w = (unsigned long)md[i] << 16 | (unsigned long)md[i + 1] << 8 |
		    md[i + 2];
		sig[o++] = al[(w >> 18) & 63];
		sig[o++] = al[(w >> 12) & 63];
		sig[o++] = al[(w >> 6) & 63];
		sig[o++] = al[w & 63];
	}
	/* 20 bytes: two left, one '=' of padding. */
	w = (unsigned long)md[i] << 16 | (unsigned long)md[i + 1] << 8;
	sig[o++] = al[(w >> 18) & 63];
	sig[o++] = al[(w >> 12) & 63];
	sig[o++] = al[(w >> 6) & 63];
	sig[o++] = '=';
	sig[o] = '\0';
	return 0;
}

/*
 * The parameters of a Twilio inbound SMS into kv (room for 20 pointers),
 * or of a "delivered" status callback when status is set.  The strings
 * are borrowed.  Returns the number of pairs, for inb_twilio_form().
 */
static size_t __attribute__((unused))
inb_twilio_kv(const char **kv, const char *sid, const char *from,
    const char *to, const char *text, const char *media, int status)
{
	size_t	n = 0;

	kv[n++] = "MessageSid";
	kv[n++] = sid;
	kv[n++] = "SmsSid";
	kv[n++] = sid;
	kv[n++] = "AccountSid";
	kv[n++] = "AC0123456789abcdef0123456789abcdef";
	kv[n++] = "From";
	kv[n++] = from;
	kv[n++] = "To";
	kv[n++] = to;
	if (status) {
		kv[n++] = "MessageStatus";
		kv[n++] = "delivered";
	} else {
		kv[n++] = "Body";
		kv[n++] = text;
		kv[n++] = "NumSegments";
		kv[n++] = "1";
		kv[n++] = "NumMedia";
		kv[n++] = media;
	}
	return n / 2;
}

/* The generic gateway's inbound JSON: {"from","text","id","ts"}. */
static char * __attribute__((unused))
inb_generic_body(const char *from, const char *text, const char *id,
    long long ts_ms)
{
	json_t	*o;
	char	*s;

	if ((o = json_pack("{s:s,s:s,s:s,s:I}", "from", from, "text", text,
	    "id", id, "ts", (json_int_t)ts_ms)) == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

#endif
