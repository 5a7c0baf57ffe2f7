/*
 * ctl-provider.c -- "loactl provider list|pause|resume NAME": the
 * operator's view of the providers and the failover switch.
 *
 * pause/resume set the field `paused` of <prefix>provider:<NAME>, which
 * every daemon sharing the Redis polls four times a second: a paused
 * provider sends nothing, its queued messages go to the other providers
 * of the channel (or to the next channel when every provider of the
 * channel is paused), and a resume lets it take messages again.
 *
 * list shows the providers of the configuration with their plugin,
 * channel, rate, whether they are paused (and since when), and the
 * circuit state each running daemon last published (open, half-open,
 * closed).  Daemons publish it on each change and every 10 s; a state not
 * refreshed for LOA_CIRCUIT_STALE_MS is a gone daemon's and is not shown (a
 * daemon that stops cleanly removes its own).  What the hash holds is
 * printed through ctl_oneline(): anything that can write to Redis could
 * have put controls there.
 *
 * With --json, list prints one JSON object a provider, a line: name,
 * plugin, channel, rate (when configured), paused, paused_since and
 * circuits ([{daemon, circuit, since}]) (loa_provider_json(), overview.c:
 * GET /v1/providers answers the same objects as an array).
 *
 * A provider name becomes part of a key, so pause and resume take only
 * names that satisfy loa_name_valid() (bad usage otherwise), and only a
 * provider the configuration names ("console" without one) or one a
 * running daemon publishes a circuit for: any other name exits 1 with
 * "unknown provider NAME (known: ...)" and writes nothing (a pause no
 * daemon reads would look like a failover that did not happen).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "overview.h"

#define PROVIDER_USAGE	"provider list [--json] | provider pause|resume NAME"

/*
 * One provider: its configuration (pc, NULL when not configured), pause
 * state and circuits, as text lines or (json) one JSON object a line.
 */
static void
show(const char *name, const struct loa_provider_conf *pc, int json)
{
	redisReply	*r;
	char		*key, ts[40], state[16];
	const char	*paused, *at, *rate = NULL;
	long long	 since;
	size_t		 i;
	int		 any = 0, is_paused;
	json_t		*o;

	key = loa_key_provider(ctl_cfg.prefix, name);
	r = ctl_commandl("HGETALL", key, NULL);
	free(key);
	if (json) {
		/* ctl_print_json() neutralises what Redis held */
		o = loa_provider_json(name, pc, r);
		ctl_print_json(o);
		json_decref(o);
		freeReplyObject(r);
		return;
	}
	paused = ctl_field(r, "paused", NULL);
	at = ctl_field(r, "paused_at", NULL);
	is_paused = paused != NULL && strcmp(paused, "1") == 0;
	ts[0] = '\0';
	if (is_paused && at != NULL)
		loa_time_iso(strtoll(at, NULL, 10), ts, sizeof(ts));
	if (pc != NULL)
		rate = loa_provider_conf_get(pc, "rate");
	printf("%-16s", name);
	if (pc != NULL)
		printf(" plugin %-10s channel %-5s rate %s", pc->plugin,
		    pc->channel != NULL ? pc->channel : "(plugin's)",
		    rate != NULL ? rate : "unlimited");
	if (is_paused)
		printf("  PAUSED%s%s", ts[0] ? " since " : "", ts);
	else
		printf("  active");
	printf("\n");
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2) {
		const char *f = r->element[i]->str, *v = r->element[i + 1]->str;
		char *sd, *ss;
		if (loa_circuit_parse(f, v, state, &since) == -1)
			continue;
		loa_time_iso(since, ts, sizeof(ts));
		any = 1;
		sd = ctl_oneline(f + 8);
		ss = ctl_oneline(state);
		printf("    daemon %-24s circuit %-9s (since %s)\n", sd, ss,
		    ts);
		free(sd);
		free(ss);
	}
	if (!any)
		printf("    no running daemon has reported its circuit\n");
	freeReplyObject(r);
}

/*
 * Non-zero when name is a provider: one of the configuration ("console"
 * without one, the daemon's built-in), or one a running daemon
 * publishes a circuit for (a daemon with another configuration).
 */
static int
known(const char *name)
{
	redisReply	*r;
	char		*key, state[16];
	long long	 since;
	size_t		 i;
	int		 found = 0;

	if (ctl_cfg.nproviders == 0 && strcmp(name, "console") == 0)
		return 1;
	for (i = 0; i < ctl_cfg.nproviders; i++)
		if (strcmp(ctl_cfg.providers[i].name, name) == 0)
			return 1;
	ctl_connect();
	key = loa_key_provider(ctl_cfg.prefix, name);
	r = ctl_commandl("HGETALL", key, NULL);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    loa_circuit_parse(r->element[i]->str,
		    r->element[i + 1]->str, state, &since) == 0)
			found = 1;
	freeReplyObject(r);
	free(key);
	return found;
}

/* "loactl: unknown provider NAME (known: a, b)" on standard error. */
static void
unknown(const char *name)
{
	struct loa_buf	 b;
	char		*s;
	size_t		 i;

	loa_buf_init(&b);
	loa_buf_printf(&b, "unknown provider %s (known: ", name);
	if (ctl_cfg.nproviders == 0)
		loa_buf_printf(&b, "console");
	for (i = 0; i < ctl_cfg.nproviders; i++)
		loa_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
		    ctl_cfg.providers[i].name);
	loa_buf_adds(&b, ")");
	s = ctl_oneline(b.data);
	fprintf(stderr, "loactl: %s\n", s);
	free(s);
	loa_buf_free(&b);
}

int
ctl_provider(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json",	no_argument,	NULL,	'j' },
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	char		**ops, *key, now[32];
	size_t		 i;
	int		 nops, pause, json = 0;

	while (ctl_getopt(argc, argv, lo, PROVIDER_USAGE) != -1)
		json = 1;	/* the only option that returns */
	nops = ctl_operands(&ops);
	if (nops == 1 && strcmp(ops[0], "list") == 0) {
		ctl_connect();
		if (ctl_cfg.nproviders == 0) {
			/* No configuration: the daemon's built-in console. */
			show("console", NULL, json);
			return 0;
		}
		for (i = 0; i < ctl_cfg.nproviders; i++)
			show(ctl_cfg.providers[i].name, &ctl_cfg.providers[i],
			    json);
		return 0;
	}
	if (json)
		ctl_usage_error(PROVIDER_USAGE, "provider: --json goes with "
		    "list only");
	if (nops != 2 || (strcmp(ops[0], "pause") != 0 &&
	    strcmp(ops[0], "resume") != 0))
		ctl_usage_error(PROVIDER_USAGE, "provider: want list, or pause "
		    "or resume and a provider name");
	pause = strcmp(ops[0], "pause") == 0;
	if (!loa_name_valid(ops[1]))
		ctl_usage_error(PROVIDER_USAGE, "provider: \"%s\": want a "
		    "provider name, " LOA_NAME_RULE, ops[1]);
	ctl_config();
	if (!known(ops[1])) {
		unknown(ops[1]);
		return 1;
	}
	ctl_connect();
	key = loa_key_provider(ctl_cfg.prefix, ops[1]);
	snprintf(now, sizeof(now), "%lld", loa_now_ms());
	r = ctl_commandl("HSET", key, "paused", pause ? "1" : "0",
	    "paused_at", now, NULL);
	freeReplyObject(r);
	free(key);
	ctl_audit_act(pause ? "provider_pause" : "provider_resume", ops[1],
	    NULL);
	printf("provider %s %s: every daemon on this Redis follows within a "
	    "second\n", ops[1], pause ? "paused" : "resumed");
	return 0;
}
