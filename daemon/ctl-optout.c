/*
 * ctl-optout.c -- "loactl optout add|remove PHONE... | list [--count]
 * [--json] | check PHONE": the set of phone numbers that refuse every
 * message, and the residents whose directory record refuses them.
 *
 * <prefix>optout is a set of normalized numbers (E.164 digits without
 * '+', "84912345678"); the daemon skips any recipient whose phone is in
 * it (reason opted_out), whatever the job.  Numbers are given in any
 * usual written form and normalized with loa_phone_normalize(); one that
 * is not a Vietnamese mobile number is reported and the others are still
 * processed (exit 1 at the end).
 *
 * Numbers are only ever printed masked ("8491****678"): an operator
 * handling a resident's request does not need the full list on screen.
 * list reads the set with SSCAN, so a large set never blocks Redis, and
 * prints it sorted (each number once, as SSCAN may return one twice).
 *
 * list --json prints one {"phone": MASKED} object a line ({"count": N}
 * with --count).
 *
 * check exits 0 when the number is opted out and 1 when it is not (or
 * is no valid number), so scripts can use it as a test.  Opted out means
 * what the daemon skips as opted_out: the number is in the set, or a
 * resident of the directory with that phone has opt_out=1 (the CSV
 * import's flag), found through <prefix>phone:<e164>:residents, the
 * index the import keeps, and judged by plan.c's rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "plan.h"

#define OPTOUT_USAGE	"optout add|remove PHONE... | optout list [--count] " \
			"[--json] | optout check PHONE"
#define OPTOUT_SCAN	"1000"
#define OPTOUT_RESIDENTS "100"	/* looked at for one phone, at most */

/*
 * Normalize in into out; on failure say so on standard error.  Returns 0
 * or -1.
 */
static int
normalize(const char *in, char out[LOA_PHONE_MAX])
{
	char	*shown;

	if (loa_phone_normalize(in, out) == 0)
		return 0;
	shown = ctl_oneline(in);	/* a pasted number may hold anything */
	fprintf(stderr, "loactl: %s: not a Vietnamese mobile number\n",
	    shown);
	free(shown);
	return -1;
}

/*
 * add (add != 0) or remove each number of phones[0..n-1], one line per
 * number.  Returns 1 when any number was not valid, else 0.
 */
static int
optout_change(int add, char **phones, int n)
{
	redisReply	*r;
	char		 e164[LOA_PHONE_MAX], masked[LOA_PHONE_MAX], *key;
	int		 i, rc = 0;

	ctl_config();		/* the prefix */
	key = loa_key_optout(ctl_cfg.prefix);
	for (i = 0; i < n; i++) {
		if (normalize(phones[i], e164) == -1) {
			rc = 1;
			continue;
		}
		ctl_connect();
		r = ctl_commandl(add ? "SADD" : "SREM", key, e164, NULL);
		loa_phone_mask(e164, masked, sizeof(masked));
		if (add)
			printf("%s %s\n", masked, r->integer == 1 ?
			    "opted out" : "already opted out");
		else
			printf("%s %s\n", masked, r->integer == 1 ?
			    "no longer opted out" : "not opted out before");
		/* The audit trail is a log: the number masked. */
		if (r->integer == 1)
			ctl_audit_act("optout", masked, add ? "add" :
			    "remove");
		freeReplyObject(r);
		fflush(stdout);
	}
	free(key);
	return rc;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Print the set, sorted and masked, one number a line; with count only
 * the number of members.
 */
static int
optout_list(int count, int json)
{
	redisReply	*r, *keys;
	char		*key, *cursor, **v = NULL, *masked;
	size_t		 i, n = 0;

	ctl_connect();
	key = loa_key_optout(ctl_cfg.prefix);
	if (count) {
		r = ctl_commandl("SCARD", key, NULL);
		if (json)
			printf("{\"count\":%lld}\n", r->integer);
		else
			printf("%lld\n", r->integer);
		freeReplyObject(r);
		free(key);
		return 0;
	}
	cursor = xstrdup("0");
	do {
		r = ctl_commandl("SSCAN", key, cursor, "COUNT", OPTOUT_SCAN,
		    NULL);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			fatalx("SSCAN: unexpected reply");
		free(cursor);
		cursor = xstrdup(r->element[0]->str);
		keys = r->element[1];
		v = xreallocarray(v, n + keys->elements, sizeof(*v));
		for (i = 0; i < keys->elements; i++)
			if (keys->element[i]->type == REDIS_REPLY_STRING)
				v[n++] = xstrdup(keys->element[i]->str);
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	free(cursor);
	free(key);

	if (n > 0)
		qsort(v, n, sizeof(*v), str_cmp);
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0) {
			masked = xmalloc(strlen(v[i]) + 1);
			loa_phone_mask(v[i], masked, strlen(v[i]) + 1);
			if (json) {
				json_t *o = json_object();
				json_object_set_new(o, "phone",
				    json_string(masked));
				ctl_print_json(o);
				json_decref(o);
			} else {
				char *shown = ctl_oneline(masked);
				printf("%s\n", shown);
				free(shown);
			}
			free(masked);
		}
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return 0;
}

/*
 * The residents of the directory whose phone is e164 and whom the
 * daemon skips as opted_out, one line each: loa_plan_resident() reads
 * them as the daemon's expansion does (their opt_out flag, their phone
 * in the set) and loa_plan_skip() applies the daemon's rule.  Returns
 * how many.  Residents are found through the import's phone index, so
 * a directory imported by an older loactl is found once imported again.
 */
static int
directory_check(const char *e164, const char *masked)
{
	struct loa_plan		 plan;
	struct loa_recipient	 rc;
	struct loa_job		 nojob;	/* no channel: only the opt-out */
	redisReply		*r;
	json_t			*holder;
	char			*key, *sid, *sward;
	size_t			 i;
	int			 found, n = 0;

	memset(&plan, 0, sizeof(plan));
	plan.c = ctl_redis;
	plan.prefix = ctl_cfg.prefix;
	memset(&nojob, 0, sizeof(nojob));
	key = loa_key_phone_residents(ctl_cfg.prefix, e164);
	r = ctl_commandl("SRANDMEMBER", key, OPTOUT_RESIDENTS, NULL);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		holder = json_object();
		if (loa_plan_resident(&plan, r->element[i]->str, &rc, holder,
		    &found) == -1) {
			fprintf(stderr, "loactl: %s\n", plan.err);
			exit(1);
		}
		if (found && rc.phone_ok && strcmp(rc.phone, e164) == 0 &&
		    loa_plan_skip(&nojob, &rc, rc.opted_out, 0) ==
		    LOA_SKIP_OPTED_OUT) {
			sid = ctl_mask(r->element[i]->str);
			sward = ctl_oneline(rc.ward != NULL ? rc.ward : "-");
			printf("%s opted out by the directory: resident %s in "
			    "ward %s\n", masked, sid, sward);
			free(sid);
			free(sward);
			n++;
		}
		json_decref(holder);
	}
	freeReplyObject(r);
	free(key);
	return n;
}

/*
 * Exit status 0 when the daemon skips phone as opted out: it is in the
 * set, or a resident of the directory with that phone has opt_out=1;
 * 1 when not or not valid.
 */
static int
optout_check(const char *phone)
{
	redisReply	*r;
	char		 e164[LOA_PHONE_MAX], masked[LOA_PHONE_MAX], *key;
	int		 in;

	if (normalize(phone, e164) == -1)
		return 1;
	ctl_connect();
	key = loa_key_optout(ctl_cfg.prefix);
	r = ctl_commandl("SISMEMBER", key, e164, NULL);
	in = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	free(key);
	loa_phone_mask(e164, masked, sizeof(masked));
	if (in)
		printf("%s opted out\n", masked);
	else if (directory_check(e164, masked) > 0)
		in = 1;
	else
		printf("%s not opted out\n", masked);
	return in ? 0 : 1;
}

int
ctl_optout(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count",	no_argument,	NULL,	'n' },
		{ "json",	no_argument,	NULL,	'j' },
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	char		**ops;
	const char	*sub;
	int		 ch, nops, count = 0, json = 0;

	while ((ch = ctl_getopt(argc, argv, lo, OPTOUT_USAGE)) != -1)
		if (ch == 'n')
			count = 1;
		else if (ch == 'j')
			json = 1;
	if ((nops = ctl_operands(&ops)) == 0)
		ctl_usage_error(OPTOUT_USAGE, "optout: missing add, remove, "
		    "list or check");
	sub = ops[0];
	if (strcmp(sub, "list") == 0) {
		if (nops != 1)
			ctl_usage_error(OPTOUT_USAGE, "optout: list takes no "
			    "operand");
		return optout_list(count, json);
	}
	if (count || json)
		ctl_usage_error(OPTOUT_USAGE, "optout: --%s goes with list "
		    "only", count ? "count" : "json");
	if (strcmp(sub, "add") == 0 || strcmp(sub, "remove") == 0) {
		if (nops < 2)
			ctl_usage_error(OPTOUT_USAGE, "optout: %s: missing "
			    "PHONE", sub);
		return optout_change(strcmp(sub, "add") == 0, ops + 1,
		    nops - 1);
	}
	if (strcmp(sub, "check") == 0) {
		if (nops != 2)
			ctl_usage_error(OPTOUT_USAGE, "optout: check: %s",
			    nops < 2 ? "missing PHONE" : "one PHONE only");
		return optout_check(ops[1]);
	}
	ctl_usage_error(OPTOUT_USAGE, "optout: unknown subcommand \"%s\"", sub);
}
