/*
 * approval.c -- which jobs need a second person ([approval] in loa.conf).
 *
 * A job that needs approval is accepted in state awaiting_approval and
 * sends nothing until an approver other than its submitter approves it
 * (daemon/lua/approve.lua), is rejected (reject_approval.lua), or its
 * approval_deadline passes ([approval] expire; approval_expire.lua, from
 * the daemon's cron: it ends "expired", "not approved in time").
 *
 * The decision is pure, here, so that it is tested alone:
 *
 *   required = never      no audience rule
 *              district   audiences that name districts, or all wards
 *              all        only the audience "all"
 *              always     every job
 *   min_recipients = N    (0: off) a job reaching at least N recipients
 *                         needs approval too, whatever its audience
 *   urgent = bypass       urgent jobs never wait for approval (default)
 *            approve      urgent jobs follow the rules above
 *
 * How many recipients an audience job reaches is only known once the
 * directory is read: for those the accept script counts the residents of
 * the wards reached (SCARD of each ward's residents) against the
 * threshold loa_approval_needed() leaves it.
 *
 * Actor names (who submitted, approved, rejected) are auth.c's
 * (loa_actor_name_ok()).
 */
#include <string.h>

#include "loa.h"

static const char *const required_names[] = {
	[LOA_APPROVAL_NEVER] = "never",
	[LOA_APPROVAL_DISTRICT] = "district",
	[LOA_APPROVAL_ALL] = "all",
	[LOA_APPROVAL_ALWAYS] = "always",
};

const char *
loa_approval_required_name(enum loa_approval_required r)
{
	return required_names[r];
}

/* "never", "district", "all", "always": 0, or -1 for anything else. */
int
loa_approval_required_parse(const char *s, enum loa_approval_required *r)
{
	size_t	i;

	for (i = 0; i < sizeof(required_names) / sizeof(required_names[0]);
	    i++)
		if (strcmp(s, required_names[i]) == 0) {
			*r = (enum loa_approval_required)i;
			return 0;
		}
	return -1;
}

/*
 * Does a job of audience aud and priority prio, reaching reach
 * recipients (-1: not known yet), need approval under c?  Returns 1 or
 * 0.  When the answer is 0 only because reach is unknown, *count_min is
 * the number of recipients from which it would be 1 (the accept script
 * counts them); else 0.
 */
int
loa_approval_needed(const struct loa_config *c, enum loa_audience aud,
    enum loa_priority prio, long long reach, int *count_min)
{
	int	min = c->approval_min_recipients;

	*count_min = 0;
	if (prio == LOA_PRIO_URGENT && !c->approval_urgent)
		return 0;
	switch (c->approval_required) {
	case LOA_APPROVAL_ALWAYS:
		return 1;
	case LOA_APPROVAL_DISTRICT:
		if (aud == LOA_AUD_DISTRICTS || aud == LOA_AUD_ALL)
			return 1;
		break;
	case LOA_APPROVAL_ALL:
		if (aud == LOA_AUD_ALL)
			return 1;
		break;
	case LOA_APPROVAL_NEVER:
		break;
	}
	if (min <= 0)
		return 0;
	if (reach >= 0)
		return reach >= min;
	*count_min = min;
	return 0;
}

/*
 * A rejection's reason, as given (loactl reject --reason, the body of
 * POST /v1/jobs/<id>/reject): one line of 1 to LOA_REASON_MAX bytes of
 * UTF-8 with nothing loa_neutral_find() calls unsafe (no controls, no
 * bidi overrides), and not only spaces.  It is stored and shown as it is.
 */
int
loa_approval_reason_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > LOA_REASON_MAX || memchr(s, '\0', len) != NULL ||
	    loa_neutral_find(s, len) != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != ' ')
			return 1;
	return 0;
}
