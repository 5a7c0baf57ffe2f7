/*
 * ctl-optout.c -- "loactl optout add|remove PHONE... | list [--count]
 * [--json] | check PHONE", and the same with --zalo and Zalo user ids:
 * the sets of phone numbers and user ids that refuse every message, and
 * the residents whose directory record refuses them.
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
 *
 * With --zalo, the same four act on <prefix>optout:zalo, the Zalo user
 * ids that sent an opt-out word (inbox.lua): add, remove, list and check
 * take user ids instead of numbers.  An id is a key part, so one that is
 * not what the daemon takes as one (loa_zalo_uid_valid()) is bad usage
 * (exit 2) before anything touches Redis.  Ids are shown as they are
 * ("zalo:5871234", as the keyword's audit entries name them); list
 * --json prints {"zalo_uid": ID}.  check looks in the set, then at the
 * residents with that id (<prefix>zalo:<uid>:residents).  remove takes
 * the id out of the set only: a resident the keyword gave opt_out=1
 * keeps it until imported again, as remove PHONE leaves the directory's
 * flags alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "plan.h"

#define OPTOUT_USAGE	"optout add|remove PHONE... | optout list [--count] " \
			"[--json] | optout check PHONE\n" \
			"       loactl optout add|remove --zalo UID... | " \
			"optout list --zalo [--count] [--json]\n" \
			"       loactl optout check --zalo UID"
/* What a number or a user id is printed as: "8491****678", "zalo:UID". */
#define OPTOUT_SHOWN	(sizeof("zalo:") + LOA_ZALO_UID_MAX)
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
 * The set item, and how it is shown, of a number (normalized, masked)
 * or, with zalo, of a user id (checked by ctl_optout() already).
 * Returns 0, or -1 for a number that is not valid (said on standard
 * error).
 */
static int
item(int zalo, const char *in, char value[OPTOUT_SHOWN],
    char shown[OPTOUT_SHOWN])
{
	if (zalo) {
		snprintf(value, OPTOUT_SHOWN, "%s", in);
		snprintf(shown, OPTOUT_SHOWN, "zalo:%s", in);
		return 0;
	}
	if (normalize(in, value) == -1)
		return -1;
	loa_phone_mask(value, shown, OPTOUT_SHOWN);
	return 0;
}

static char *
optout_key(int zalo)
{
	return zalo ? loa_key_optout_zalo(ctl_cfg.prefix) :
	    loa_key_optout(ctl_cfg.prefix);
}

/*
 * add (add != 0) or remove each number (with zalo: user id) of
 * items[0..n-1], one line each.  Returns 1 when any number was not
 * valid, else 0.
 */
static int
optout_change(int add, int zalo, char **items, int n)
{
	redisReply	*r;
	char		 value[OPTOUT_SHOWN], shown[OPTOUT_SHOWN], *key;
	int		 i, rc = 0;

	ctl_config();		/* the prefix */
	key = optout_key(zalo);
	for (i = 0; i < n; i++) {
		if (item(zalo, items[i], value, shown) == -1) {
			rc = 1;
			continue;
		}
		ctl_connect();
		r = ctl_commandl(add ? "SADD" : "SREM", key, value, NULL);
		if (add)
			printf("%s %s\n", shown, r->integer == 1 ?
			    "opted out" : "already opted out");
		else
			printf("%s %s\n", shown, r->integer == 1 ?
			    "no longer opted out" : "not opted out before");
		/* The audit trail is a log: the number masked. */
		if (r->integer == 1)
			ctl_audit_act("optout", shown, zalo ? (add ?
			    "zalo add" : "zalo remove") : add ? "add" :
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
 * Print the set, sorted and masked, one number a line (with zalo: the
 * user ids as they are); with count only the number of members.
 */
static int
optout_list(int count, int json, int zalo)
{
	redisReply	*r, *keys;
	char		*key, *cursor, **v = NULL, *masked;
	size_t		 i, n = 0;

	ctl_connect();
	key = optout_key(zalo);
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
			if (zalo)	/* shown as it is, made safe below */
				memcpy(masked, v[i], strlen(v[i]) + 1);
			else
				loa_phone_mask(v[i], masked, strlen(v[i]) + 1);
			if (json) {
				json_t *o = json_object();
				json_object_set_new(o, zalo ? "zalo_uid" :
				    "phone", json_string(masked));
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
 * The residents of the directory whose phone is value (with zalo: whose
 * Zalo user id is value) and whom the daemon skips as opted_out, one
 * line each: loa_plan_resident() reads them as the daemon's expansion
 * does (their opt_out flag, their phone or user id in the sets) and
 * loa_plan_skip() applies the daemon's rule.  Returns how many.
 * Residents are found through the import's phone or user id index, so
 * a directory imported by an older loactl is found once imported again.
 */
static int
directory_check(int zalo, const char *value, const char *shown)
{
	struct loa_plan		 plan;
	struct loa_recipient	 rc;
	struct loa_job		 nojob;	/* no channel: only the opt-out */
	redisReply		*r;
	json_t			*holder;
	char			*key, *sid, *sward;
	size_t			 i;
	int			 found, has, n = 0;

	memset(&plan, 0, sizeof(plan));
	plan.c = ctl_redis;
	plan.prefix = ctl_cfg.prefix;
	memset(&nojob, 0, sizeof(nojob));
	key = zalo ? loa_key_zalo_residents(ctl_cfg.prefix, value) :
	    loa_key_phone_residents(ctl_cfg.prefix, value);
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
		/* The index may be stale: the record says. */
		has = zalo ? rc.zalo_uid != NULL &&
		    strcmp(rc.zalo_uid, value) == 0 : rc.phone_ok &&
		    strcmp(rc.phone, value) == 0;
		if (found && has && loa_plan_skip(&nojob, &rc, rc.opted_out,
		    0) == LOA_SKIP_OPTED_OUT) {
			sid = ctl_mask(r->element[i]->str);
			sward = ctl_oneline(rc.ward != NULL ? rc.ward : "-");
			printf("%s opted out by the directory: resident %s in "
			    "ward %s\n", shown, sid, sward);
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
 * Exit status 0 when the daemon skips the number (with zalo: the user
 * id) as opted out: it is in the set, or a resident of the directory
 * with it is skipped so (opt_out=1); 1 when not or not valid.
 */
static int
optout_check(const char *in, int zalo)
{
	redisReply	*r;
	char		 value[OPTOUT_SHOWN], shown[OPTOUT_SHOWN], *key;
	int		 in_set;

	if (item(zalo, in, value, shown) == -1)
		return 1;
	ctl_connect();
	key = optout_key(zalo);
	r = ctl_commandl("SISMEMBER", key, value, NULL);
	in_set = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	free(key);
	if (in_set)
		printf("%s opted out\n", shown);
	else if (directory_check(zalo, value, shown) > 0)
		in_set = 1;
	else
		printf("%s not opted out\n", shown);
	return in_set ? 0 : 1;
}

/*
 * With --zalo, every operand after the subcommand must be a user id the
 * daemon would take as a key part: else bad usage, before Redis.
 */
static void
zalo_operands(char **ops, int n)
{
	char	*shown;
	int	 i;

	for (i = 0; i < n; i++)
		if (!loa_zalo_uid_valid(ops[i])) {
			shown = ctl_oneline(ops[i]);
			ctl_usage_error(OPTOUT_USAGE, "optout: --zalo: \"%.80s"
			    "%s\" is no Zalo user id (1 to %d letters, digits, "
			    "_ or -)", shown, strlen(shown) > 80 ? "..." : "",
			    LOA_ZALO_UID_MAX);
		}
}

int
ctl_optout(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count",	no_argument,	NULL,	'n' },
		{ "json",	no_argument,	NULL,	'j' },
		{ "zalo",	no_argument,	NULL,	'z' },
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	char		**ops;
	const char	*sub, *what;
	int		 ch, nops, count = 0, json = 0, zalo = 0;

	while ((ch = ctl_getopt(argc, argv, lo, OPTOUT_USAGE)) != -1)
		if (ch == 'n')
			count = 1;
		else if (ch == 'j')
			json = 1;
		else if (ch == 'z')
			zalo = 1;
	if ((nops = ctl_operands(&ops)) == 0)
		ctl_usage_error(OPTOUT_USAGE, "optout: missing add, remove, "
		    "list or check");
	sub = ops[0];
	what = zalo ? "UID" : "PHONE";
	if (strcmp(sub, "list") == 0) {
		if (nops != 1)
			ctl_usage_error(OPTOUT_USAGE, "optout: list takes no "
			    "operand");
		return optout_list(count, json, zalo);
	}
	if (count || json)
		ctl_usage_error(OPTOUT_USAGE, "optout: --%s goes with list "
		    "only", count ? "count" : "json");
	if (strcmp(sub, "add") == 0 || strcmp(sub, "remove") == 0) {
		if (nops < 2)
			ctl_usage_error(OPTOUT_USAGE, "optout: %s: missing "
			    "%s", sub, what);
		if (zalo)
			zalo_operands(ops + 1, nops - 1);
		return optout_change(strcmp(sub, "add") == 0, zalo, ops + 1,
		    nops - 1);
	}
	if (strcmp(sub, "check") == 0) {
		if (nops != 2)
			ctl_usage_error(OPTOUT_USAGE, "optout: check: %s %s",
			    nops < 2 ? "missing" : "one", nops < 2 ? what :
			    zalo ? "UID only" : "PHONE only");
		if (zalo)
			zalo_operands(ops + 1, 1);
		return optout_check(ops[1], zalo);
	}
	ctl_usage_error(OPTOUT_USAGE, "optout: unknown subcommand \"%s\"", sub);
}
