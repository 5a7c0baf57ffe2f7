/*
 * ack.c -- the acknowledgement of a resident's keyword from Zalo (design
 * issue 16, "where the channel allows"; README "Inbox").
 *
 * After a TU CHOI (opted_out) or a DANG KY (linked) from a Zalo user, the
 * user gets one OA text ([inbox] ack_optout, ack_linked; "" sends none)
 * through the first provider serving channel zalo whose plugin reaches a
 * recipient by user id (LOA_PROVIDER_BY_UID: zalo_oa).  It belongs to no
 * job: one try, no retry, no fallback, no Redis record; the outcome is one
 * delivery-log line with job "-" and reason "ack" (or why it was not
 * sent).  A keyword from SMS is not acknowledged: brandname SMS is
 * one-way.
 *
 * The request counts as the provider's in flight (so a reload keeps the
 * provider until it is answered, and a stop waits for it or gives it up:
 * ack_abandoned()).  The text is the operator's, not the resident's; the
 * user id is shown in the log line as the delivery log shows one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine.h"

struct ack {
	struct provider		*p;
	struct loa_message	 msg;
	struct loa_request	 req;
	char			 did[33];
	char			 uid[65];
	char			*text;
	long long		 t0;
};

/* One delivery-log line for an acknowledgement to uid, status and why. */
static void
ack_log(const struct provider *p, const char *uid, const char *status,
    const char *why, int http, const char *provider_id, long long ms)
{
	struct loa_buf	 b;
	char		 ts[40];

	loa_buf_init(&b);
	loa_time_iso(loa_now_ms(), ts, sizeof(ts));
	loa_json_kv(&b, "ts", ts);
	loa_json_kv(&b, "job", "-");
	loa_json_kv(&b, "channel", "zalo");
	if (p != NULL)
		loa_json_kv(&b, "provider", p->conf->name);
	loa_json_kv(&b, "to", uid);
	loa_json_kl(&b, "attempt", 1);
	loa_json_kv(&b, "status", status);
	loa_json_kv(&b, "reason", why);
	if (http >= 0)
		loa_json_kl(&b, "http", http);
	if (provider_id != NULL && provider_id[0] != '\0')
		loa_json_kv(&b, "provider_id", provider_id);
	if (ms >= 0)
		loa_json_kl(&b, "ms", ms);
	loa_buf_add(&b, "}", 1);
	dlog_write(b.data, b.len);
	dlog_flush();
	loa_buf_free(&b);
}

static void
ack_free(struct ack *a)
{
	a->p->inflight--;
	loa->inflight--;
	free(a->req.body);
	free(a->text);
	free(a);
}

static void
ack_done(const struct loa_response *resp, enum http_fate fate, void *arg)
{
	struct ack		*a = arg;
	struct loa_result	 res;
	char			 why[sizeof(res.reason) + 8];

	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	if (fate == HF_NOT_SENT)
		res.outcome = LOA_OUT_RETRY;
	else
		a->p->mod->classify(a->p->state, &a->msg, resp, &res);
	(void)loa_provider_id_take(a->p->conf->name, res.provider_id,
	    sizeof(res.provider_id), "an acknowledgement");
	if (res.outcome == LOA_OUT_SENT)
		ack_log(a->p, a->uid, "sent", "ack", resp->http_status,
		    res.provider_id, loa_now_ms() - a->t0);
	else {
		/* One try: what went wrong is said, nothing is retried. */
		snprintf(why, sizeof(why), "ack:%s", res.reason[0] ?
		    res.reason : fate == HF_NOT_SENT ? "not_sent" : "failed");
		ack_log(a->p, a->uid, "failed", why, resp->http_status, NULL,
		    loa_now_ms() - a->t0);
	}
	ack_free(a);
}

/* The daemon stops with a's request unanswered: it is given up. */
int
ack_abandoned(http_cb cb, void *arg)
{
	struct ack	*a = arg;

	if (cb != ack_done)
		return 0;
	ack_log(a->p, a->uid, "failed", "ack:abandoned", -1, NULL, -1);
	ack_free(a);
	return 1;
}

/* The first provider of channel zalo that sends by user id, or NULL. */
static struct provider *
ack_provider(void)
{
	struct provider	*p;
	int		 i;

	for (i = 0; i < loa->nproviders; i++) {
		p = &loa->providers[i];
		if ((p->channels & (1u << LOA_CH_ZALO)) &&
		    (p->mod->flags & LOA_PROVIDER_BY_UID) && !p->retired)
			return p;
	}
	return NULL;
}

/*
 * Acknowledge the keyword that did action (opted_out, linked) for the
 * Zalo user uid (a key part: inbox.c checked it).  Other actions, or an
 * empty configured text, send nothing.
 */
void
ack_send(const char *uid, const char *action)
{
	struct provider		*p;
	struct loa_result	 res;
	struct ack		*a;
	unsigned char		 rnd[16];
	const char		*text;
	size_t			 i;

	if (strcmp(action, "opted_out") == 0)
		text = loa->cfg.inbox_ack_optout;
	else if (strcmp(action, "linked") == 0)
		text = loa->cfg.inbox_ack_linked;
	else
		return;
	if (text == NULL || text[0] == '\0' || strlen(uid) >= sizeof(a->uid))
		return;
	if ((p = ack_provider()) == NULL) {
		ack_log(NULL, uid, "failed", "ack:no_provider", -1, NULL, -1);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	a->p = p;
	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(a->did + 2 * i, 3, "%02x", rnd[i]);
	snprintf(a->uid, sizeof(a->uid), "%s", uid);
	a->msg.delivery_id = a->did;
	a->msg.job_id = "-";
	a->msg.channel = "zalo";
	a->msg.to = "";
	a->msg.zalo_uid = a->uid;
	a->msg.text = a->text = xstrdup(text);
	a->msg.attempt = 1;
	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	a->t0 = loa_now_ms();
	p->inflight++;
	loa->inflight++;
	if (p->mod->build(p->state, &a->msg, &a->req, &res) == -1 ||
	    a->req.transport == LOA_TRANSPORT_LOCAL) {
		ack_log(p, a->uid, "failed", res.outcome == LOA_OUT_REFRESH ?
		    "ack:credentials" : "ack:cannot_build", -1, NULL, -1);
		ack_free(a);
		return;
	}
	http_request(p, &a->req, ack_done, a);
}
