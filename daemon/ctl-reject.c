/*
 * ctl-reject.c -- "loactl reject ID --reason TEXT [--as USER]": a second
 * person rejects a job held for approval; it ends rejected_by_approver
 * and never sends.  The checks, the actor and the exit status are
 * "loactl approve"'s (ctl_verdict(), ctl-approve.c); the reason is one
 * line (loa_approval_reason_valid()), kept as the job's reject_reason
 * and in the audit entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define REJECT_USAGE	"reject ID --reason TEXT [--as USER]"

int
ctl_reject(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "as",		required_argument,	NULL,	'a' },
		{ "reason",	required_argument,	NULL,	'r' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*as = NULL, *reason = NULL;
	char		*id;
	int		 c;

	while ((c = ctl_getopt(argc, argv, lo, REJECT_USAGE)) != -1)
		if (c == 'a')
			as = optarg;
		else if (c == 'r')
			reason = optarg;
	id = ctl_job_operand("reject", REJECT_USAGE);
	ctl_check_as(as, REJECT_USAGE);
	if (reason == NULL)
		ctl_usage_error(REJECT_USAGE, "reject: --reason TEXT is "
		    "required (it is kept with the job)");
	if (!loa_approval_reason_valid(reason, strlen(reason)))
		ctl_usage_error(REJECT_USAGE, "--reason: one line of 1 to %d "
		    "bytes, no control characters", LOA_REASON_MAX);
	return ctl_verdict(id, as, reason);
}
