/*
 * test_store.c -- unit tests of store.c's key builder and outcome codec:
 * the key names against README's "Redis keys" layout (the Lua half,
 * daemon/lua/lib/keys.lua, is checked by tests/store against a real
 * server), and a table of :out values with what the daemon and loactl
 * read in them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static void
is_key(char *got, const char *want)
{
	is_str(got, want, "key %s", want);
	free(got);
}

static void
keys(void)
{
	const char	*p = "{loa}:";

	is_key(loa_key_jobs(p), "{loa}:jobs");
	is_key(loa_key_events(p), "{loa}:events");
	is_key(loa_key_dead(p), "{loa}:dead");
	is_key(loa_key_optout(p), "{loa}:optout");
	is_key(loa_key_wards(p), "{loa}:wards");
	is_key(loa_key_columns(p), "{loa}:directory:columns");
	is_key(loa_key_work(p, "bulk"), "{loa}:work:bulk");
	is_key(loa_key_job(p, "j-1"), "{loa}:job:j-1");
	is_key(loa_key_job_out(p, "j-1"), "{loa}:job:j-1:out");
	is_key(loa_key_job_spec(p, "j-1"), "{loa}:job:j-1:spec");
	is_key(loa_key_job_wards(p, "j-1"), "{loa}:job:j-1:wards");
	is_key(loa_key_ward(p, "00001"), "{loa}:ward:00001");
	is_key(loa_key_ward_residents(p, "00001"),
	    "{loa}:ward:00001:residents");
	is_key(loa_key_resident(p, "r7"), "{loa}:resident:r7");
	is_key(loa_key_provider(p, "esms"), "{loa}:provider:esms");
	is_key(loa_key_cred(p, "zalo"), "{loa}:cred:zalo");
	is_key(loa_key_cred_lock(p, "zalo"), "{loa}:cred:zalo:lock");
}

/* A value of :out and what it says. */
static const struct {
	const char		*v;
	enum loa_rstate_kind	 kind;
	int			 attempt, ci;
	long long		 due;
	int			 unclear, reached, failed;
	const char		*status, *channel;
} values[] = {
	{ "",			LOA_RS_QUEUED,	0, 0, 0, 0, 0, 0, "", "" },
	{ ".",			LOA_RS_QUEUED,	0, 0, 0, 0, 0, 0, "", "" },
	{ "~",			LOA_RS_SENDING,	1, 0, 0, 0, 0, 0, "", "" },
	{ "~3",			LOA_RS_SENDING,	3, 0, 0, 0, 0, 0, "", "" },
	{ "r:2:1:1700000000000", LOA_RS_RETRY,	2, 1, 1700000000000LL, 0, 0, 0,
	    "", "" },
	{ "r:2:0:5:u",		LOA_RS_RETRY,	2, 0, 5, 1, 0, 0, "", "" },
	{ "r:x",		LOA_RS_RETRY,	0, -1, 0, 0, 0, 0, "", "" },
	{ "r:0:1:5",		LOA_RS_RETRY,	0, -1, 0, 0, 0, 0, "", "" },
	{ "sent:sms",		LOA_RS_FINAL,	0, 0, 0, 0, 1, 0, "sent", "sms" },
	{ "delivered:zalo",	LOA_RS_FINAL,	0, 0, 0, 0, 1, 0, "delivered",
	    "zalo" },
	{ "maybe_duplicate:sms", LOA_RS_FINAL,	0, 0, 0, 0, 1, 0,
	    "maybe_duplicate", "sms" },
	{ "failed:sms",		LOA_RS_FINAL,	0, 0, 0, 0, 0, 1, "failed", "sms" },
	{ "skipped:",		LOA_RS_FINAL,	0, 0, 0, 0, 0, 0, "skipped", "" },
	{ "cancelled:",		LOA_RS_FINAL,	0, 0, 0, 0, 0, 0, "cancelled",
	    "" },
	{ "expired",		LOA_RS_FINAL,	0, 0, 0, 0, 0, 0, "expired", "" },
};

static void
codec(void)
{
	struct loa_rstate	 o;
	struct loa_argv		 av;
	size_t			 i;

	for (i = 0; i < nitems(values); i++) {
		loa_rstate_parse(values[i].v, &o);
		is_int(o.kind, values[i].kind, "\"%s\": kind", values[i].v);
		is_int(o.attempt, values[i].attempt, "\"%s\": attempt",
		    values[i].v);
		if (o.kind == LOA_RS_RETRY) {
			is_int(o.ci, values[i].ci, "\"%s\": ci", values[i].v);
			is_int(o.due, values[i].due, "\"%s\": due",
			    values[i].v);
			is_int(o.unclear, values[i].unclear,
			    "\"%s\": unclear", values[i].v);
		}
		is_int(loa_rstate_reached(&o), values[i].reached,
		    "\"%s\": reached", values[i].v);
		is_int(loa_rstate_failed(&o), values[i].failed,
		    "\"%s\": failed", values[i].v);
		is_str(o.status, values[i].status, "\"%s\": status",
		    values[i].v);
		is_str(o.channel, values[i].channel, "\"%s\": channel",
		    values[i].v);
	}

	/* What the daemon writes, it reads back. */
	loa_argv_init(&av);
	loa_rstate_add_retry(&av, 3, 1, 42, 1);
	loa_rstate_add_retry(&av, 2, 0, 7, 0);
	is_str(av.argv[0], "r:3:1:42:u", "a retry, unclear");
	is_str(av.argv[1], "r:2:0:7", "a retry");
	loa_rstate_parse(av.argv[0], &o);
	ok(o.kind == LOA_RS_RETRY && o.attempt == 3 && o.ci == 1 &&
	    o.due == 42 && o.unclear, "read back");
	loa_argv_free(&av);
}

int
main(void)
{
	keys();
	codec();
	return tap_done();
}
