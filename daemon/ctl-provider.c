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
 * refreshed for CIRCUIT_STALE_MS is a gone daemon's and is not shown (a
 * daemon that stops cleanly removes its own).  What the hash holds is
 * printed through ctl_oneline(): anything that can write to Redis could
 * have put controls there.
 *
 * A provider name becomes part of a key, so pause and resume take only
 * names that satisfy loa_name_valid() (bad usage otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define CIRCUIT_STALE_MS	30000

#define PROVIDER_USAGE	"provider list | provider pause|resume NAME"

static void
show(const char *name, const struct loa_provider_conf *pc)
{
	redisReply	*r;
	char		*key, ts[40];
	const char	*paused, *at;
	size_t		 i;
	int		 any = 0;

	key = loa_key_provider(ctl_cfg.prefix, name);
	r = ctl_commandl("HGETALL", key, NULL);
	paused = ctl_field(r, "paused", NULL);
	at = ctl_field(r, "paused_at", NULL);
	printf("%-16s", name);
	if (pc != NULL)
		printf(" plugin %-10s channel %-5s rate %s", pc->plugin,
		    pc->channel != NULL ? pc->channel : "(plugin's)",
		    loa_provider_conf_get(pc, "rate") != NULL ?
		    loa_provider_conf_get(pc, "rate") : "unlimited");
	if (paused != NULL && strcmp(paused, "1") == 0) {
		ts[0] = '\0';
		if (at != NULL)
			loa_time_iso(strtoll(at, NULL, 10), ts, sizeof(ts));
		printf("  PAUSED%s%s", ts[0] ? " since " : "", ts);
	} else
		printf("  active");
	printf("\n");
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2) {
		const char *f = r->element[i]->str, *v = r->element[i + 1]->str;
		char state[16], *sd, *ss;
		long long since = 0, seen = 0;
		int k;
		if (strncmp(f, "circuit:", 8) != 0 ||
		    (k = sscanf(v, "%15s %lld %lld", state, &since,
		    &seen)) < 2)
			continue;
		if (k == 2)
			seen = since;	/* written before heartbeats */
		if (loa_now_ms() - seen > CIRCUIT_STALE_MS)
			continue;	/* that daemon is gone */
		loa_time_iso(since, ts, sizeof(ts));
		sd = ctl_oneline(f + 8);
		ss = ctl_oneline(state);
		printf("    daemon %-24s circuit %-9s (since %s)\n", sd, ss,
		    ts);
		free(sd);
		free(ss);
		any = 1;
	}
	if (!any)
		printf("    no running daemon has reported its circuit\n");
	freeReplyObject(r);
	free(key);
}

static int
known(const char *name)
{
	size_t	i;

	if (ctl_cfg.nproviders == 0)
		return 1;	/* no config: trust the operator */
	for (i = 0; i < ctl_cfg.nproviders; i++)
		if (strcmp(ctl_cfg.providers[i].name, name) == 0)
			return 1;
	return 0;
}

int
ctl_provider(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	char		**ops, *key, now[32];
	size_t		 i;
	int		 nops, pause;

	while (ctl_getopt(argc, argv, lo, PROVIDER_USAGE) != -1)
		;
	nops = ctl_operands(&ops);
	if (nops == 1 && strcmp(ops[0], "list") == 0) {
		ctl_connect();
		if (ctl_cfg.nproviders == 0) {
			/* No configuration: the daemon's built-in console. */
			show("console", NULL);
			return 0;
		}
		for (i = 0; i < ctl_cfg.nproviders; i++)
			show(ctl_cfg.providers[i].name, &ctl_cfg.providers[i]);
		return 0;
	}
	if (nops != 2 || (strcmp(ops[0], "pause") != 0 &&
	    strcmp(ops[0], "resume") != 0))
		ctl_usage_error(PROVIDER_USAGE, "provider: want list, or pause "
		    "or resume and a provider name");
	pause = strcmp(ops[0], "pause") == 0;
	if (!loa_name_valid(ops[1]))
		ctl_usage_error(PROVIDER_USAGE, "provider: \"%s\": want a "
		    "provider name, " LOA_NAME_RULE, ops[1]);
	if (!known(ops[1])) {
		fprintf(stderr, "loactl: provider %s: not in %s\n", ops[1],
		    ctl_cfg.path != NULL ? ctl_cfg.path : "the configuration");
		return 1;
	}
	ctl_connect();
	key = loa_key_provider(ctl_cfg.prefix, ops[1]);
	snprintf(now, sizeof(now), "%lld", loa_now_ms());
	r = ctl_commandl("HSET", key, "paused", pause ? "1" : "0",
	    "paused_at", now, NULL);
	freeReplyObject(r);
	free(key);
	printf("provider %s %s: every daemon on this Redis follows within a "
	    "second\n", ops[1], pause ? "paused" : "resumed");
	return 0;
}
