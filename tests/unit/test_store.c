/*
 * test_store.c -- unit tests of store.c's key builder: the key names
 * against README's "Redis keys" layout (the Lua half,
 * daemon/lua/lib/keys.lua, is checked by tests/store against a real
 * server).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "tap.h"

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

int
main(void)
{
	keys();
	return tap_done();
}
