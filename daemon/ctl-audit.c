/*
 * ctl-audit.c -- "loactl audit [--since TIME] [--actor NAME] [--limit N]
 * [--json]": the audit trail, <prefix>audit.
 *
 * Without --since, the newest N entries (100 unless --limit), printed
 * oldest first; with it, the entries from then on (an RFC 3339 time, or
 * a duration back from now: 30m, 24h, 7d).  --actor shows one actor's
 * entries (among the last 100000 read).  Every field came from Redis and
 * is printed through ctl_oneline(), or as escaped JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ctl.h"
#include "overview.h"

#define AUDIT_USAGE	"audit [--since TIME] [--actor NAME] [--limit N] " \
			"[--json]"
#define AUDIT_LIMIT	100
#define AUDIT_LIMIT_MAX	100000

static void
audit_line(const json_t *o)
{
	static const char *const cols[] = { "ts", "actor", "action",
	    "target", "from", "detail" };
	static const int w[] = { 29, 20, 14, 24, 15, 0 };
	const char	*v;
	char		*s;
	size_t		 i;

	for (i = 0; i < 6; i++) {
		v = json_string_value(json_object_get(o, cols[i]));
		s = ctl_oneline(v != NULL && *v != '\0' ? v : "-");
		printf("%s%-*s", i > 0 ? " " : "", w[i], s);
		free(s);
	}
	printf("\n");
}

int
ctl_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "since",	required_argument,	NULL,	's' },
		{ "actor",	required_argument,	NULL,	'a' },
		{ "limit",	required_argument,	NULL,	'l' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	redisReply	*r;
	json_t		*a, *o;
	const char	*actor = NULL, *act;
	char		**ops, *key, from[32], count[32], *end;
	long long	 since = -1, ms;
	long		 limit = AUDIT_LIMIT;
	size_t		 i;
	int		 ch, json = 0;

	while ((ch = ctl_getopt(argc, argv, lo, AUDIT_USAGE)) != -1)
		switch (ch) {
		case 's':
			/* An RFC 3339 time, or a duration before now. */
			if (loa_time_parse(optarg, &ms) == 0)
				since = ms;
			else if (loa_parse_duration_ms(optarg, &ms) == 0)
				since = loa_now_ms() - ms;
			else
				ctl_usage_error(AUDIT_USAGE, "audit: --since "
				    "\"%s\": want an RFC 3339 time or a "
				    "duration (30m, 24h, 7d)", optarg);
			if (since < 0)
				since = 0;
			break;
		case 'a':
			actor = optarg;
			if (strlen(actor) > LOA_NAME_MAX + 8)
				ctl_usage_error(AUDIT_USAGE, "audit: --actor: "
				    "too long");
			break;
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    limit < 1 || limit > AUDIT_LIMIT_MAX)
				ctl_usage_error(AUDIT_USAGE, "audit: --limit: "
				    "want 1 to %d", AUDIT_LIMIT_MAX);
			break;
		case 'j':
			json = 1;
			break;
		}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(AUDIT_USAGE, "audit: takes no operand");

	ctl_connect();
	key = loa_key_audit(ctl_cfg.prefix);
	/*
	 * --since: from then on, oldest first; else the newest, read
	 * backwards and printed oldest first.  --actor filters what was
	 * read: the limit counts the entries shown.
	 */
	a = json_array();
	snprintf(from, sizeof(from), "%lld", since >= 0 ? since : 0);
	snprintf(count, sizeof(count), "%ld", actor != NULL ?
	    (long)AUDIT_LIMIT_MAX : limit);
	if (since >= 0)
		r = ctl_commandl("XRANGE", key, from, "+", "COUNT", count,
		    NULL);
	else
		r = ctl_commandl("XREVRANGE", key, "+", "-", "COUNT", count,
		    NULL);
	free(key);
	if (r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "loactl: audit: unreadable answer\n");
		freeReplyObject(r);
		json_decref(a);
		return 1;
	}
	for (i = 0; i < r->elements && json_array_size(a) < (size_t)limit;
	    i++) {
		if ((o = loa_stream_entry(r->element[i])) == NULL)
			continue;
		act = json_string_value(json_object_get(o, "actor"));
		if (actor != NULL && (act == NULL || strcmp(act, actor) != 0)) {
			json_decref(o);
			continue;
		}
		if (since >= 0)
			json_array_append_new(a, o);
		else
			json_array_insert_new(a, 0, o);
	}
	freeReplyObject(r);
	if (json)
		ctl_print_json(a);
	else {
		printf("%-29s %-20s %-14s %-24s %-15s %s\n", "TIME", "ACTOR",
		    "ACTION", "TARGET", "FROM", "DETAIL");
		json_array_foreach(a, i, o)
			audit_line(o);
	}
	json_decref(a);
	return 0;
}
