/*
 * inbox.c -- what residents write back (README "Inbox"; design issue 16).
 *
 * A provider's webhook is offered to its plugin's inbound() first
 * (httpd.c route_webhook): what it reads is checked here once more before
 * it reaches Redis, since a plugin is code from elsewhere and the fields
 * come from outside: every string is cut inside its buffer, the text is
 * made valid UTF-8 (U+FFFD for a bad byte) and cut at a character
 * boundary, the channel must be sms or zalo, and the sender becomes a key
 * part only when it is a phone's digits or a Zalo user id of 1-64
 * [0-9A-Za-z_-] (else it is kept, but nothing is looked up by it).  The
 * message id is never a key part: its SHA-256 is (a message without one
 * is known by the SHA-256 of the body and its place in it).
 *
 * The keywords (keyword.c) are matched here, in C, and acted on in the
 * script (daemon/lua/inbox.lua), which keeps each message once.  Nothing
 * a resident wrote is logged: a stored message is one line with its
 * provider, kind, entry id, resident, job and action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <unistr.h>

#include "engine.h"

static const char *const kind_names[INBOUND_KINDS] = {
	"text", "follow", "unfollow", "other", "unknown"
};
static const char *const result_names[INBOUND_RESULTS] = {
	"stored", "duplicate", "bad_signature", "malformed"
};

const char *
inbound_kind_name(int k)
{
	return k >= 0 && k < INBOUND_KINDS ? kind_names[k] : "unknown";
}

const char *
inbound_result_name(enum inbound_result r)
{
	return r < INBOUND_RESULTS ? result_names[r] : "?";
}

/* A sender that may be a key part: phone digits, or a Zalo user id. */
static int
from_key_ok(const char *channel, const char *from)
{
	size_t	i, n = strlen(from);

	if (strcmp(channel, "sms") != 0)
		return loa_zalo_uid_valid(from);
	if (n < 8 || n > 15)
		return 0;
	for (i = 0; i < n; i++)
		if (from[i] < '0' || from[i] > '9')
			return 0;
	return 1;
}

/*
 * The text of in as valid UTF-8 of at most LOA_INBOUND_TEXT_MAX - 1
 * bytes, into out (LOA_INBOUND_TEXT_MAX): a bad byte becomes U+FFFD, a
 * control byte other than tab and newline is dropped (texts are shown on
 * terminals: loactl escapes them too), and what does not fit is cut at a
 * character boundary.  Returns 1 when something was cut.
 */
static int
clean_text(const char *in, char *out)
{
	const uint8_t	*p = (const uint8_t *)in, *end;
	uint8_t		 ch[6];
	size_t		 o = 0;
	ucs4_t		 c;
	int		 len, n;

	end = p + strnlen(in, LOA_INBOUND_TEXT_MAX);
	for (; p < end; p += len) {
		len = u8_mbtouc(&c, p, end - p);
		if (len <= 0)
			len = 1;
		if (c < 0x20 && c != '\t' && c != '\n')
			continue;
		if (c == 0x7f)
			continue;
		if ((n = u8_uctomb(ch, c, sizeof(ch))) <= 0)
			continue;
		if (o + n >= LOA_INBOUND_TEXT_MAX) {
			out[o] = '\0';
			return 1;
		}
		memcpy(out + o, ch, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* A note is a short word: [a-z_] kept, the rest dropped. */
static void
clean_note(const char *in, char *out, size_t size)
{
	size_t	i, o = 0;

	for (i = 0; i < size - 1 && in[i] != '\0'; i++)
		if ((in[i] >= 'a' && in[i] <= 'z') || in[i] == '_')
			out[o++] = in[i];
	out[o] = '\0';
}

static void
sha256_hex(const void *s, size_t n, char out[65])
{
	unsigned char	md[crypto_hash_sha256_BYTES];
	size_t		i;

	crypto_hash_sha256(md, s, n);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * The script call for the n messages ins read from body (len bytes) of
 * provider's webhook.  Returns how many went in (a message with a
 * channel Loa does not serve is counted malformed and left out).
 */
int
inbox_argv(struct loa_argv *av, const char *provider, struct loa_inbound *ins,
    int n, const char *body, size_t len)
{
	struct loa_inbound	*m;
	char			 ts[40], sent[40], digest[65], bodyd[65];
	char			 phone[LOA_PHONE_MAX], shown[80], id[160];
	char			*text, note[sizeof(ins->note)];
	enum loa_keyword	 kw;
	long long		 now = loa_now_ms();
	int			 i, k = 0, ok, trunc;

	text = xmalloc(LOA_INBOUND_TEXT_MAX);
	sha256_hex(body, len, bodyd);
	loa_time_iso(now, ts, sizeof(ts));
	loa_script_argv(av, loa_script_inbox, loa->cfg.prefix);
	loa_argv_addf(av, "%lld", now);
	loa_argv_add(av, ts);
	loa_argv_addf(av, "%lld", loa->cfg.retention_ms);
	loa_argv_addf(av, "%lld", loa->cfg.retention_ms);
	loa_argv_add(av, provider);
	for (i = 0; i < n; i++) {
		m = &ins[i];
		m->channel[sizeof(m->channel) - 1] = '\0';
		m->from[sizeof(m->from) - 1] = '\0';
		m->msg_id[sizeof(m->msg_id) - 1] = '\0';
		if ((strcmp(m->channel, "sms") != 0 &&
		    strcmp(m->channel, "zalo") != 0) ||
		    m->kind < LOA_INBOUND_TEXT || m->kind > LOA_INBOUND_OTHER) {
			metrics_inbound(provider, INBOUND_KINDS - 1,
			    INBOUND_MALFORMED);
			continue;
		}
		trunc = clean_text(m->text, text) || m->truncated != 0;
		clean_note(m->note, note, sizeof(note));
		ok = from_key_ok(m->channel, m->from);
		if (m->msg_id[0] != '\0' &&
		    loa_provider_id_ok(m->msg_id, sizeof(m->msg_id)))
			snprintf(id, sizeof(id), "%s", m->msg_id);
		else
			snprintf(id, sizeof(id), "body:%s:%d", bodyd, i);
		sha256_hex(id, strlen(id), digest);
		if (m->ts_ms > 0)
			loa_time_iso(m->ts_ms, sent, sizeof(sent));
		else
			sent[0] = '\0';
		kw = m->kind == LOA_INBOUND_TEXT ?
		    loa_keyword_parse(text, phone) : LOA_KW_NONE;
		if (strcmp(m->channel, "sms") == 0)
			loa_phone_mask(m->from, shown, sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "zalo:%s", ok ?
			    m->from : "?");
		loa_argv_add(av, kind_names[m->kind]);
		loa_argv_add(av, m->channel);
		loa_argv_add(av, m->from);
		loa_argv_add(av, ok ? "1" : "0");
		loa_argv_add(av, digest);
		loa_argv_add(av, id);
		loa_argv_add(av, sent);
		loa_argv_add(av, text);
		loa_argv_add(av, trunc ? "1" : "0");
		loa_argv_add(av, note);
		loa_argv_add(av, loa_keyword_name(kw));
		loa_argv_add(av, phone);
		loa_argv_add(av, shown);
		k++;
	}
	free(text);
	return k;
}

/* Element i of an answer, or "" (loa_reply_str). */
static const char *
el(const redisReply *r, size_t i)
{
	return loa_reply_str(r, i);
}

/*
 * Read the script's answer: one log line a stored message, its metric.
 * *stored gets how many were stored.  Returns how many answers were
 * read, or -1 when the answer is not the script's.
 */
int
inbox_results(const char *provider, const redisReply *rep, int *stored)
{
	const redisReply	*r;
	size_t			 i;
	int			 k;

	*stored = 0;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < rep->elements; i++) {
		r = rep->element[i];
		if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
			continue;
		if (strcmp(el(r, 0), "stored") == 0 && r->elements == 10) {
			for (k = 0; k < INBOUND_KINDS - 1; k++)
				if (strcmp(el(r, 7), kind_names[k]) == 0)
					break;
			metrics_inbound(provider, k, INBOUND_STORED);
			(*stored)++;
			log_info("inbox: %s: %s %s stored as %s (resident %s, "
			    "job %s%s%s)", provider, el(r, 7), el(r, 5)[0] ?
			    el(r, 5) : "-", el(r, 1), el(r, 2)[0] ? el(r, 2) :
			    "-", el(r, 4)[0] ? el(r, 4) : "-", el(r, 6)[0] ?
			    ", " : "", el(r, 6));
			/* A keyword from a Zalo user id is acknowledged. */
			if (strcmp(el(r, 8), "zalo") == 0 && el(r, 9)[0] != '\0')
				ack_send(el(r, 9), el(r, 6));
		} else {
			for (k = 0; k < INBOUND_KINDS - 1; k++)
				if (strcmp(el(r, 1), kind_names[k]) == 0)
					break;
			metrics_inbound(provider, k, INBOUND_DUPLICATE);
		}
	}
	return (int)rep->elements;
}
