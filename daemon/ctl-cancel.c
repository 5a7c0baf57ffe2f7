/*
 * ctl-cancel.c -- "loactl cancel ID": stop a job; nothing more goes out.
 *
 * One script (loa_script_cancel) sets the job's state to cancelled in
 * Redis.  Every daemon holding work of the job sees it within a second:
 * messages not sent yet end as "cancelled", requests already under way
 * finish and are recorded.  A job already done, rejected or cancelled is
 * left as it is (exit 1, saying why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CANCEL_USAGE	"cancel ID"

int
ctl_cancel(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	struct loa_argv	 av;
	char		*id, now[40];
	int		 rc;

	while (ctl_getopt(argc, argv, lo, CANCEL_USAGE) != -1)
		;
	id = ctl_job_operand("cancel", CANCEL_USAGE);
	ctl_connect();
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_cancel, ctl_cfg.prefix);
	loa_argv_add(&av, id);
	loa_argv_add(&av, now);
	loa_argv_add(&av, "100000");
	loa_argv_addf(&av, "%lld", ctl_cfg.retention_ms);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	if (r->type == REDIS_REPLY_STRING && strcmp(r->str, "ok") == 0) {
		printf("job %s cancelled: nothing more goes out for it\n",
		    id);
		rc = 0;
	} else if (r->type == REDIS_REPLY_STRING &&
	    strcmp(r->str, "unknown") == 0) {
		fprintf(stderr, "loactl: %s: no such job\n", id);
		rc = 1;
	} else {
		fprintf(stderr, "loactl: %s: already %s\n", id,
		    r->type == REDIS_REPLY_STRING ? r->str : "finished");
		rc = 1;
	}
	freeReplyObject(r);
	return rc;
}
