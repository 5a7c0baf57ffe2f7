/*
 * ctl-loglevel.c -- "loactl log-level [LEVEL]": the cluster-wide log
 * level of every daemon.
 *
 * log-level LEVEL writes <prefix>log_level, which every daemon polls four
 * times a second and applies (registry.c); "default" deletes it, and
 * each daemon goes back to the level of its command line.  Without an
 * operand it prints the level set, if any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "overview.h"

#define LEVEL_USAGE	"log-level [debug|info|warning|default]"

int
ctl_log_level(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	char		**ops, *key, *shown;
	int		 nops;

	while (ctl_getopt(argc, argv, lo, LEVEL_USAGE) != -1)
		;
	if ((nops = ctl_operands(&ops)) > 1)
		ctl_usage_error(LEVEL_USAGE, "log-level: one level only");
	if (nops == 1 && strcmp(ops[0], "default") != 0 &&
	    loa_log_level_verbose(ops[0]) < 0)
		ctl_usage_error(LEVEL_USAGE, "log-level: unknown level \"%s\"; "
		    "want debug, info, warning or default", ops[0]);

	ctl_connect();
	key = loa_key_log_level(ctl_cfg.prefix);
	if (nops == 0) {
		r = ctl_commandl("GET", key, NULL);
		if (r->type == REDIS_REPLY_STRING) {
			shown = ctl_oneline(r->str);
			printf("%s\n", shown);
			free(shown);
		} else
			printf("default (each daemon's command line)\n");
	} else if (strcmp(ops[0], "default") == 0) {
		r = ctl_commandl("DEL", key, NULL);
		printf("log level: each daemon's own again, within a "
		    "second\n");
	} else {
		r = ctl_commandl("SET", key, ops[0], NULL);
		printf("log level %s: every daemon on this Redis follows "
		    "within a second\n", ops[0]);
	}
	freeReplyObject(r);
	free(key);
	return 0;
}
