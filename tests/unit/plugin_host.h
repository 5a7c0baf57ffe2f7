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

#endif
