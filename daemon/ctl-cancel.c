/*
 * ctl-cancel.c -- "loactl cancel ID": stop a job; nothing more goes out.
 *
 * One script (cancel.lua, through loa_store_cancel()) sets the job's
 * state to cancelled in Redis.  Every daemon holding work of the job sees
 * it within a second: messages not sent yet end as "cancelled", requests
 * already under way finish and are recorded.  A job already done, rejected or cancelled is
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
	const char	*state;
	char		*id;
	int		 rc = 1;

	while (ctl_getopt(argc, argv, lo, CANCEL_USAGE) != -1)
		;
	id = ctl_job_operand("cancel", CANCEL_USAGE);
	ctl_connect();
	loa_store_cancel(&av, ctl_cfg.prefix, id, 100000,
	    ctl_cfg.retention_ms);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	switch (loa_store_cancel_reply(r, &state)) {
	case LOA_CANCEL_OK:
		printf("job %s cancelled: nothing more goes out for it\n",
		    id);
		ctl_audit_act("cancel", id, NULL);
		rc = 0;
		break;
	case LOA_CANCEL_UNKNOWN:
		fprintf(stderr, "loactl: %s: no such job\n", id);
		break;
	case LOA_CANCEL_ENDED:
	case LOA_CANCEL_ERROR:
		fprintf(stderr, "loactl: %s: already %s\n", id,
		    state != NULL ? state : "finished");
		break;
	}
	freeReplyObject(r);
	return rc;
}
