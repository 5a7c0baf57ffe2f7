/*
 * ctl-approve.c -- "loactl approve ID [--as USER]": a second person's
 * verdict on a job held for approval ([approval] in loa.conf); "loactl
 * reject" (ctl-reject.c) is the other verdict, through ctl_verdict().
 *
 * One script each (approve.lua, reject_approval.lua, through
 * loa_store_verdict()) checks, in the same step as the act, that the job
 * awaits approval, that the actor did not submit it (two persons, even
 * for an admin) and that the actor's scope covers every ward the job
 * reaches; then it queues the job's first work entry (or schedules it),
 * or ends it rejected_by_approver, and appends the audit entry.
 *
 * Without --as the actor is the one running loactl, "cli:<unix user>",
 * with the scope of everything: whoever can reach Redis is an admin.
 * With --as USER the password is one line of standard input, checked as
 * a login of the console is (ctl_as_user(): the same lock after failed
 * tries, the failures audited); the account must be an approver or an
 * admin (loa_role_may()), its wards are its scope, and a refusal by role
 * or scope is audited "denied" as the HTTP API does.
 *
 * Exit status: 0 done; 1 refused (unknown job, not awaiting approval,
 * the submitter, outside the scope, a bad password) or Redis trouble;
 * 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ctl.h"

#define APPROVE_USAGE	"approve ID [--as USER]"

/*
 * A refusal by role, scope or the two-person rule: said on stderr and
 * audited "denied" (as the HTTP API's 403), as the account or loactl
 * user a.
 */
static void
deny(const struct loa_actor *a, const char *id, const char *why)
{
	struct loa_argv	av;

	fprintf(stderr, "loactl: %s: %s: %s\n", id, a->name, why);
	loa_audit_argv(&av, ctl_cfg.prefix, ctl_cfg.retention_ms, a->name,
	    "denied", id, CTL_FROM, why);
	freeReplyObject(ctl_commandv(&av));
	loa_argv_free(&av);
}

/*
 * Run the verdict on id (reason NULL: approve) as --as (NULL: the loactl
 * user); the exit status.  ctl-reject.c shares it.
 */
int
ctl_verdict(const char *id, const char *as, const char *reason)
{
	struct loa_actor a;
	struct loa_argv	 av;
	redisReply	*r;
	const char	*state, *actor;
	char		*scope, *line;
	int		 rc = 1;

	ctl_connect();
	if (as != NULL)
		ctl_as_user(as, &a);
	else
		loa_actor_cli(&a);
	actor = a.name;
	if (!loa_role_may(&a, LOA_ACT_APPROVE)) {
		deny(&a, id, "only an approver or an admin approves or "
		    "rejects");
		loa_actor_clear(&a);
		return 1;
	}
	scope = loa_scope_str(&a);
	loa_store_verdict(&av, ctl_cfg.prefix, id, actor, scope, reason,
	    ctl_cfg.events_maxlen, ctl_cfg.retention_ms, CTL_FROM);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	switch (loa_store_verdict_reply(r, &state)) {
	case LOA_VERDICT_OK:
		if (reason == NULL)
			printf("job %s approved by %s: %s\n", id, actor,
			    state);
		else
			printf("job %s rejected by %s: it never sends\n", id,
			    actor);
		rc = 0;
		break;
	case LOA_VERDICT_UNKNOWN:
		fprintf(stderr, "loactl: %s: no such job\n", id);
		break;
	case LOA_VERDICT_SELF:
		deny(&a, id, reason == NULL ? "you submitted it; another "
		    "person must approve it" : "you submitted it; another "
		    "person must reject it");
		break;
	case LOA_VERDICT_SCOPE:
		deny(&a, id, "the job reaches wards outside yours");
		break;
	case LOA_VERDICT_STATE:
		line = ctl_oneline(state);
		fprintf(stderr, "loactl: %s: not awaiting approval (%s)\n",
		    id, line);
		free(line);
		break;
	case LOA_VERDICT_ERROR:
		fprintf(stderr, "loactl: %s: unexpected answer from Redis\n",
		    id);
		break;
	}
	freeReplyObject(r);
	free(scope);
	loa_actor_clear(&a);
	return rc;
}

/* --as USER: a name by the name rule, or exit 2. */
void
ctl_check_as(const char *as, const char *usage)
{
	if (as != NULL && !loa_name_valid(as))
		ctl_usage_error(usage, "--as: a user name is " LOA_NAME_RULE);
}

int
ctl_approve(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "as",		required_argument,	NULL,	'a' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*as = NULL;
	char		*id;
	int		 c;

	while ((c = ctl_getopt(argc, argv, lo, APPROVE_USAGE)) != -1)
		if (c == 'a')
			as = optarg;
	id = ctl_job_operand("approve", APPROVE_USAGE);
	ctl_check_as(as, APPROVE_USAGE);
	return ctl_verdict(id, as, NULL);
}
