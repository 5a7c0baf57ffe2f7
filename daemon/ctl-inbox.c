/*
 * ctl-inbox.c -- "loactl inbox [--ward CODE] [--job ID] [--follow]
 * [--json] [--limit N]": what residents wrote back, <prefix>inbox.
 *
 * The newest N entries (50 unless --limit) that match, newest first,
 * among the last INBOX_SCAN read; --follow then prints each new one as it
 * comes (XREAD BLOCK), oldest first, until interrupted.  Everything shown
 * came from outside: a sender's phone is masked, numbers in texts are
 * masked, and every field goes through ctl_oneline() (a newline or an
 * escape sequence a resident typed is shown as "\n", "\x1b"), or is
 * escaped JSON (one array; with --follow one object a line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "overview.h"

#define INBOX_USAGE	"inbox [--ward CODE] [--job ID] [--follow] [--json] " \
			"[--limit N]"
#define INBOX_LIMIT	50
#define INBOX_LIMIT_MAX	10000
#define INBOX_SCAN	"100000"
#define INBOX_BLOCK_MS	"1000"

static const char	*want_ward, *want_job;

/* One entry as a JSON object for showing, or NULL when filtered out. */
static json_t *
inbox_entry(const redisReply *e)
{
	const char	*v;
	json_t		*o;

	if ((o = loa_stream_entry(e)) == NULL)
		return NULL;
	if (want_ward != NULL && ((v = json_string_value(json_object_get(o,
	    "ward"))) == NULL || strcmp(v, want_ward) != 0))
		goto out;
	if (want_job != NULL && ((v = json_string_value(json_object_get(o,
	    "job"))) == NULL || strcmp(v, want_job) != 0))
		goto out;
	loa_inbox_shown(o);
	return o;
 out:
	json_decref(o);
	return NULL;
}

static void
inbox_line(const json_t *o)
{
	static const char *const cols[] = { "ts", "ward", "resident", "from",
	    "job", "action", "text" };
	static const int w[] = { 29, 6, 12, 16, 16, 14, 0 };
	const char	*v;
	char		*s;
	size_t		 i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		v = json_string_value(json_object_get(o, cols[i]));
		if (i == 6 && (v == NULL || *v == '\0'))
			v = json_string_value(json_object_get(o, "kind"));
		s = ctl_oneline(v != NULL && *v != '\0' ? v : "-");
		printf("%s%-*s", i > 0 ? " " : "", w[i], s);
		free(s);
	}
	v = json_string_value(json_object_get(o, "truncated"));
	printf("%s\n", v != NULL && strcmp(v, "1") == 0 ? " [cut]" : "");
}

int
ctl_inbox(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ward",	required_argument,	NULL,	'w' },
		{ "job",	required_argument,	NULL,	'J' },
		{ "follow",	no_argument,		NULL,	'f' },
		{ "limit",	required_argument,	NULL,	'l' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	redisReply	*r, *s;
	json_t		*a, *o;
	char		**ops, *key, *end, last[64];
	const char	*av[7];
	long		 limit = INBOX_LIMIT;
	size_t		 i;
	int		 ch, json = 0, follow = 0;

	while ((ch = ctl_getopt(argc, argv, lo, INBOX_USAGE)) != -1)
		switch (ch) {
		case 'w':
			want_ward = optarg;
			if (!loa_name_valid(optarg))
				ctl_usage_error(INBOX_USAGE, "inbox: --ward: "
				    "want " LOA_NAME_RULE);
			break;
		case 'J':
			want_job = optarg;
			if (!loa_name_valid(optarg))
				ctl_usage_error(INBOX_USAGE, "inbox: --job: "
				    "want " LOA_NAME_RULE);
			break;
		case 'f':
			follow = 1;
			break;
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    limit < 1 || limit > INBOX_LIMIT_MAX)
				ctl_usage_error(INBOX_USAGE, "inbox: --limit: "
				    "want 1 to %d", INBOX_LIMIT_MAX);
			break;
		case 'j':
			json = 1;
			break;
		}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(INBOX_USAGE, "inbox: takes no operand");

	ctl_connect();
	key = loa_key_inbox(ctl_cfg.prefix);
	r = ctl_commandl("XREVRANGE", key, "+", "-", "COUNT", INBOX_SCAN,
	    NULL);
	if (r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "loactl: inbox: unreadable answer\n");
		freeReplyObject(r);
		free(key);
		return 1;
	}
	snprintf(last, sizeof(last), "%s", r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 &&
	    r->element[0]->element[0]->type == REDIS_REPLY_STRING ?
	    r->element[0]->element[0]->str : "0-0");
	a = json_array();
	for (i = 0; i < r->elements && json_array_size(a) < (size_t)limit;
	    i++)
		if ((o = inbox_entry(r->element[i])) != NULL)
			json_array_append_new(a, o);
	freeReplyObject(r);
	if (json && !follow)
		ctl_print_json(a);
	else if (json) {
		json_array_foreach(a, i, o)
			ctl_print_json(o);
	} else {
		printf("%-29s %-6s %-12s %-16s %-16s %-14s %s\n", "TIME",
		    "WARD", "RESIDENT", "FROM", "JOB", "ACTION", "TEXT");
		json_array_foreach(a, i, o)
			inbox_line(o);
	}
	json_decref(a);
	fflush(stdout);
	while (follow) {
		av[0] = "XREAD";
		av[1] = "BLOCK";
		av[2] = INBOX_BLOCK_MS;
		av[3] = "STREAMS";
		av[4] = key;
		av[5] = last;
		r = ctl_command(6, av, NULL);
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
		    r->element[0]->type == REDIS_REPLY_ARRAY &&
		    r->element[0]->elements == 2) {
			s = r->element[0]->element[1];
			for (i = 0; s->type == REDIS_REPLY_ARRAY &&
			    i < s->elements; i++) {
				if (s->element[i]->type == REDIS_REPLY_ARRAY &&
				    s->element[i]->elements == 2)
					snprintf(last, sizeof(last), "%s",
					    s->element[i]->element[0]->str);
				if ((o = inbox_entry(s->element[i])) == NULL)
					continue;
				if (json)
					ctl_print_json(o);
				else
					inbox_line(o);
				json_decref(o);
			}
			fflush(stdout);
		}
		freeReplyObject(r);
	}
	free(key);
	return 0;
}
