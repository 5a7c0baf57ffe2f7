/*
 * webhook_check.h -- delivery reports in a plugin's unit test: requests
 * handed to the plugin's report() callback as the daemon would hand them
 * over from /webhooks/<name>, and the reading each must get.
 *
 * Included by tests/unit/test_plugin_*.c after tap.h and after they
 * declare
 *	extern const struct loa_provider_module loa_provider;
 */
#ifndef LOA_WEBHOOK_CHECK_H
#define LOA_WEBHOOK_CHECK_H

#include <string.h>

#include "loa/provider.h"

#define HOOK_MAX_REPORTS	4

/* One request and what report() must make of it. */
struct hook {
	const char		*name;
	const char		*method;
	const char		*query;		/* NULL: "" */
	const char		*body;		/* NULL: "" */
	const char		*hname;		/* one header, or NULL */
	const char		*hvalue;
	int			 rv;		/* count or LOA_REPORT_* */
	enum loa_report_status	 status;	/* when rv is 1 */
	const char		*provider_id;
	const char		*reason;
};

/*
 * Hand h to report() with body_len bytes of its body (all of it when
 * body_len is (size_t)-1), behind another header so that the lookup is
 * not the first one by chance.  Returns what report() returns.
 */
static int __attribute__((unused))
hook_call(void *st, const struct hook *h, size_t body_len,
    struct loa_report *reps)
{
	struct loa_header	hd[2] = { { "User-Agent", "loa-unit-test" },
				    { h->hname, h->hvalue } };
	struct loa_webhook	wh;

	memset(&wh, 0, sizeof(wh));
	memset(reps, 0, HOOK_MAX_REPORTS * sizeof(*reps));
	wh.method = h->method;
	wh.query = h->query != NULL ? h->query : "";
	wh.body = h->body != NULL ? h->body : "";
	wh.body_len = body_len != (size_t)-1 ? body_len : strlen(wh.body);
	wh.headers = hd;
	wh.nheaders = h->hname != NULL ? 2 : 1;
	return loa_provider.report(st, &wh, reps, HOOK_MAX_REPORTS);
}

/* Each of the n requests, and the answer and report it must give. */
static void __attribute__((unused))
check_hooks(void *st, const struct hook *h, size_t n)
{
	struct loa_report	reps[HOOK_MAX_REPORTS];
	size_t			i;
	int			rv;

	for (i = 0; i < n; i++) {
		rv = hook_call(st, &h[i], (size_t)-1, reps);
		is_int(rv, h[i].rv, "report: %s: answer", h[i].name);
		if (h[i].rv != 1 || rv != 1)
			continue;
		is_int(reps[0].status, h[i].status, "report: %s: status %s",
		    h[i].name, h[i].status == LOA_REPORT_DELIVERED ?
		    "delivered" : "failed");
		is_str(reps[0].provider_id, h[i].provider_id,
		    "report: %s: provider id", h[i].name);
		is_str(reps[0].reason, h[i].reason != NULL ? h[i].reason : "",
		    "report: %s: reason", h[i].name);
	}
}

/*
 * The id report() gives for h, a request that reports one delivery, is
 * the one classify() kept for msg from a send answered http, body.
 */
static void __attribute__((unused))
check_same_id(void *st, const struct loa_message *msg, int http,
    const char *body, const struct hook *h)
{
	struct loa_report	reps[HOOK_MAX_REPORTS];
	struct loa_response	resp;
	struct loa_result	res;

	memset(&resp, 0, sizeof(resp));
	resp.http_status = http;
	resp.body = body;
	resp.body_len = strlen(body);
	memset(&res, 0, sizeof(res));
	res.retry_after_ms = -1;
	loa_provider.classify(st, msg, &resp, &res);
	is_int(hook_call(st, h, (size_t)-1, reps), 1,
	    "report: %s: after a send", h->name);
	is_str(reps[0].provider_id, res.provider_id,
	    "report: %s: the id classify() kept", h->name);
}

/* With nothing to check them with (why), all n requests are refused. */
static void __attribute__((unused))
check_all_refused(void *st, const struct hook *h, size_t n, const char *why)
{
	struct loa_report	reps[HOOK_MAX_REPORTS];
	size_t			i;

	for (i = 0; i < n; i++)
		is_int(hook_call(st, &h[i], (size_t)-1, reps),
		    LOA_REPORT_BAD_SIGNATURE, "report: %s: %s: refused", why,
		    h[i].name);
}

#endif
