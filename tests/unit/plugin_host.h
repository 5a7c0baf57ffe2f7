/*
 * plugin_host.h -- the host a provider plugin's unit test gives it: config
 * and secret tables in memory, a captured log (to check that errors name
 * the key and that no secret is ever logged), and small helpers.
 *
 * Included by tests/unit/test_plugin_*.c after they declare
 *	extern const struct loa_provider_module loa_provider;
 */
#ifndef LOA_PLUGIN_HOST_H
#define LOA_PLUGIN_HOST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loa/provider.h"

struct kv {
	const char	*key;
	const char	*value;
};

struct th {
	const struct kv	*config;	/* NULL-key terminated */
	const struct kv	*secrets;	/* by config key: the file's text */
	char		 log[4096];
	int		 nerr;
};

static void __attribute__((format(printf, 3, 4)))
th_log(void *hctx, enum loa_log_level lvl, const char *fmt, ...)
{
	struct th	*th = hctx;
	size_t		 n = strlen(th->log);
	va_list		 ap;

	if (lvl == LOA_LOG_ERR)
		th->nerr++;
	va_start(ap, fmt);
	vsnprintf(th->log + n, sizeof(th->log) - n, fmt, ap);
	va_end(ap);
	n = strlen(th->log);
	snprintf(th->log + n, sizeof(th->log) - n, "\n");
}

static const char *
th_lookup(const struct kv *t, const char *key)
{
	for (; t != NULL && t->key != NULL; t++)
		if (strcmp(t->key, key) == 0)
			return t->value;
	return NULL;
}

static const char *
th_config(void *hctx, const char *key)
{
	struct th	*th = hctx;

	return th_lookup(th->config, key);
}

/* Like the daemon's: the key must name a file, and the file be readable. */
static const char *
th_secret(void *hctx, const char *key)
{
	struct th	*th = hctx;
	const char	*v;

	if (th_lookup(th->config, key) == NULL) {
		th_log(th, LOA_LOG_WARN, "%s is not set", key);
		return NULL;
	}
	if ((v = th_lookup(th->secrets, key)) == NULL)
		th_log(th, LOA_LOG_WARN, "%s: cannot read", key);
	return v;
}

static int
th_create(struct th *th, struct loa_host *host, const struct kv *config,
    const struct kv *secrets, void **state)
{
	memset(th, 0, sizeof(*th));
	th->config = config;
	th->secrets = secrets;
	host->log = th_log;
	host->config = th_config;
	host->secret = th_secret;
	host->hctx = th;
	*state = NULL;
	return loa_provider.create(host, state);
}

static const char * __attribute__((unused))
outcome_name(enum loa_outcome o)
{
	switch (o) {
	case LOA_OUT_SENT:
		return "sent";
	case LOA_OUT_RETRY:
		return "retry";
	case LOA_OUT_FALLBACK:
		return "fallback";
	case LOA_OUT_FAILED:
		return "failed";
	case LOA_OUT_REFRESH:
		return "refresh";
	case LOA_OUT_PROVIDER_DOWN:
		return "provider_down";
	}
	return "?";
}

static void
result_init(struct loa_result *res)
{
	memset(res, 0, sizeof(*res));
	res->retry_after_ms = -1;
}

/* A real answer and how the plugin must read it. */
struct answer {
	const char	*name;
	int		 http;
	int		 timed_out;
	const char	*body;
	enum loa_outcome outcome;
	const char	*reason;
	const char	*provider_id;
	int		 no_attempt;
};

/* The four things every classification is checked on. */
static void __attribute__((unused))
check_result(const struct loa_result *res, const char *name,
    enum loa_outcome outcome, const char *reason, const char *provider_id,
    int no_attempt)
{
	is_str(outcome_name(res->outcome), outcome_name(outcome),
	    "%s: outcome", name);
	is_str(res->reason, reason, "%s: reason", name);
	is_str(res->provider_id, provider_id, "%s: provider id", name);
	is_int(res->no_attempt, no_attempt, "%s: no_attempt", name);
}

/*
 * Classify each of the n answers for msg with plugin state st and check
 * the verdict, and that the plugin sets no retry delay of its own.
 */
static void __attribute__((unused))
check_answers(void *st, const struct loa_message *msg,
    const struct answer *a, size_t n)
{
	struct loa_response	resp;
	struct loa_result	res;
	size_t			i;

	for (i = 0; i < n; i++) {
		memset(&resp, 0, sizeof(resp));
		resp.http_status = a[i].http;
		resp.timed_out = a[i].timed_out;
		resp.body = a[i].body;
		resp.body_len = strlen(a[i].body);
		result_init(&res);
		loa_provider.classify(st, msg, &resp, &res);
		check_result(&res, a[i].name, a[i].outcome, a[i].reason,
		    a[i].provider_id, a[i].no_attempt);
		is_int(res.retry_after_ms, -1, "%s: no retry delay of its own",
		    a[i].name);
	}
}

#endif
