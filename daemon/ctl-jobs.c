/*
 * ctl-jobs.c -- "loactl jobs [--state S] [--limit N] [--json]": the
 * newest jobs.
 *
 * jobs lists the job index (overview.c, the same listing as GET
 * /v1/jobs): newest first, a line per job with its id, state, priority,
 * creation time and counters; --json prints the array GET /v1/jobs
 * answers.  Ids, states and times come from Redis and go through
 * ctl_oneline().  An unknown state or a limit outside 1..1000 is bad
 * usage (exit 2), with the list of states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "overview.h"

#define JOBS_USAGE	"jobs [--state STATE] [--limit N] [--json]"

/* "scheduled, expanding, ..." for the messages of bad usage. */
static void
states_list(char *buf, size_t len)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; loa_job_states[i] != NULL; i++) {
		if (i > 0)
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, loa_job_states[i], len - strlen(buf) - 1);
	}
}

static void
job_line(const json_t *j)
{
	static const char *const cols[] = { "job", "state", "priority",
	    "created_at" };
	static const char *const counts[] = { "total", "sent", "delivered",
	    "failed", "skipped", "cancelled" };
	const char	*s;
	char		*v;
	size_t		 i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		s = json_string_value(json_object_get(j, cols[i]));
		v = ctl_oneline(s != NULL ? s : "-");
		printf("%s%-*s", i == 0 ? "" : " ", i == 0 ? 24 : i == 3 ?
		    29 : 9, v);
		free(v);
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		printf(" %9lld", (long long)json_integer_value(
		    json_object_get(j, counts[i])));
	printf("\n");
}

int
ctl_jobs(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "state",	required_argument,	NULL,	's' },
		{ "limit",	required_argument,	NULL,	'l' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct loa_argv	 av;
	redisReply	*r;
	json_t		*a, *j;
	char		**ops, states[128];
	const char	*state = "";
	long		 limit = LOA_JOBS_LIMIT;
	size_t		 i;
	int		 ch, json = 0;

	while ((ch = ctl_getopt(argc, argv, lo, JOBS_USAGE)) != -1)
		switch (ch) {
		case 's':
			state = optarg;
			if (!loa_jobs_state_valid(state)) {
				states_list(states, sizeof(states));
				ctl_usage_error(JOBS_USAGE, "jobs: unknown "
				    "state \"%s\"; want one of %s", state,
				    states);
			}
			break;
		case 'l':
			if (loa_jobs_limit_parse(optarg, &limit) == -1)
				ctl_usage_error(JOBS_USAGE, "jobs: --limit "
				    "\"%s\": want 1 to %d", optarg,
				    LOA_JOBS_LIMIT_MAX);
			break;
		case 'j':
			json = 1;
			break;
		}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(JOBS_USAGE, "jobs: takes no operand");

	ctl_connect();
	loa_jobs_argv(&av, ctl_cfg.prefix, state, limit);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	if ((a = loa_jobs_decode(r)) == NULL) {
		fprintf(stderr, "loactl: jobs: unreadable answer from Redis\n");
		freeReplyObject(r);
		return 1;
	}
	if (json)
		ctl_print_json(a);
	else {
		printf("%-24s %-9s %-9s %-29s %9s %9s %9s %9s %9s %9s\n",
		    "JOB", "STATE", "PRIORITY", "CREATED", "TOTAL", "SENT",
		    "DELIVERED", "FAILED", "SKIPPED", "CANCELLED");
		json_array_foreach(a, i, j)
			job_line(j);
	}
	json_decref(a);
	freeReplyObject(r);
	return 0;
}
