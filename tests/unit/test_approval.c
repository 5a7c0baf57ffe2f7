/*
 * test_approval.c -- approval.c: the [approval] keys and which jobs need
 * a second person (loa_approval_needed()), for every policy value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loa.h"
#include "tap.h"

static char	path[] = "/tmp/loa-test-approval-XXXXXX";

static int
load(const char *text, struct loa_config *c, char *err, size_t errlen)
{
	FILE	*fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	return loa_config_load(path, c, err, errlen);
}

/* needed(): the answer, and the threshold left to the script after it. */
static int	min_left;

static int
needed(const struct loa_config *c, enum loa_audience aud,
    enum loa_priority prio, long long reach)
{
	return loa_approval_needed(c, aud, prio, reach, &min_left);
}

int
main(void)
{
	static const char *const bad[][2] = {
		{ "[approval]\nrequired = sometimes\n",
		    ":2: [approval] required: want never, district, all or "
		    "always" },
		{ "[approval]\nmin_recipients = -1\n",
		    ":2: [approval] min_recipients:" },
		{ "[approval]\nmin_recipients = many\n", "whole number" },
		{ "[approval]\nurgent = skip\n",
		    ":2: [approval] urgent: want bypass or approve" },
		{ "[approval]\nexpire = 10s\n",
		    ":2: [approval] expire: 10s is too short" },
		{ "[approval]\nexpire = soon\n", "bad duration" },
		{ "[approval]\nquorum = 2\n", ":2: [approval] quorum: unknown "
		    "key" },
	};
	struct loa_config	 c;
	char			 err[1024] = "";
	size_t			 i;
	int			 fd;

	fd = mkstemp(path);
	close(fd);

	ok(load("", &c, err, sizeof(err)) == 0, "empty config loads");
	is_int(c.approval_required, LOA_APPROVAL_NEVER, "required = never");
	is_int(c.approval_min_recipients, 0, "min_recipients off");
	is_int(c.approval_urgent, 0, "urgent = bypass");
	is_int(c.approval_expire_ms, 86400LL * 1000, "expire = 24h");
	ok(!needed(&c, LOA_AUD_ALL, LOA_PRIO_NORMAL, -1) && min_left == 0,
	    "by default no job needs approval");
	loa_config_clear(&c);

	ok(load("[approval]\nrequired = district\nmin_recipients = 500\n"
	    "urgent = approve\nexpire = 2h\n", &c, err, sizeof(err)) == 0,
	    "an [approval] section loads (%s)", err);
	is_int(c.approval_required, LOA_APPROVAL_DISTRICT, "district");
	is_int(c.approval_min_recipients, 500, "min_recipients");
	is_int(c.approval_urgent, 1, "urgent = approve");
	is_int(c.approval_expire_ms, 7200000, "expire");
	loa_config_clear(&c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(load(bad[i][0], &c, err, sizeof(err)) == -1 &&
		    strstr(err, bad[i][1]) != NULL, "refused: %s", err);
		loa_config_clear(&c);
	}

	loa_config_defaults(&c);
	c.approval_required = LOA_APPROVAL_DISTRICT;
	ok(needed(&c, LOA_AUD_DISTRICTS, LOA_PRIO_NORMAL, -1),
	    "district: a district audience needs it");
	ok(needed(&c, LOA_AUD_ALL, LOA_PRIO_BULK, -1),
	    "district: all needs it");
	ok(!needed(&c, LOA_AUD_WARDS, LOA_PRIO_NORMAL, -1),
	    "district: wards do not");
	ok(!needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_NORMAL, 3),
	    "district: recipients do not");
	ok(!needed(&c, LOA_AUD_ALL, LOA_PRIO_URGENT, -1),
	    "urgent = bypass: an urgent all does not");
	c.approval_urgent = 1;
	ok(needed(&c, LOA_AUD_ALL, LOA_PRIO_URGENT, -1),
	    "urgent = approve: an urgent all does");
	ok(!needed(&c, LOA_AUD_WARDS, LOA_PRIO_URGENT, -1),
	    "urgent = approve: an urgent ward audience follows the rule");

	c.approval_urgent = 0;
	c.approval_required = LOA_APPROVAL_ALL;
	ok(needed(&c, LOA_AUD_ALL, LOA_PRIO_NORMAL, -1), "all: all does");
	ok(!needed(&c, LOA_AUD_DISTRICTS, LOA_PRIO_NORMAL, -1),
	    "all: districts do not");

	c.approval_required = LOA_APPROVAL_ALWAYS;
	ok(needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_BULK, 1),
	    "always: one recipient does");
	ok(!needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_URGENT, 1),
	    "always, urgent = bypass: an urgent job does not");

	c.approval_required = LOA_APPROVAL_NEVER;
	ok(!needed(&c, LOA_AUD_ALL, LOA_PRIO_NORMAL, -1) && min_left == 0,
	    "never: all does not");
	c.approval_min_recipients = 100;
	ok(needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_NORMAL, 100),
	    "min_recipients 100: 100 recipients do");
	ok(!needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_NORMAL, 99) &&
	    min_left == 0, "min_recipients 100: 99 do not");
	ok(!needed(&c, LOA_AUD_WARDS, LOA_PRIO_NORMAL, -1) &&
	    min_left == 100, "an audience: the script counts, from 100");
	ok(!needed(&c, LOA_AUD_RECIPIENTS, LOA_PRIO_URGENT, 1000) &&
	    min_left == 0, "urgent = bypass beats min_recipients");
	c.approval_required = LOA_APPROVAL_DISTRICT;
	ok(needed(&c, LOA_AUD_DISTRICTS, LOA_PRIO_NORMAL, -1) &&
	    min_left == 0, "decided by the audience: nothing left to count");

	is_str(loa_approval_required_name(LOA_APPROVAL_ALL), "all", "name");

	ok(loa_approval_reason_valid("sai chính tả", strlen("sai chính tả")),
	    "a reason in Vietnamese");
	ok(!loa_approval_reason_valid("", 0), "an empty reason");
	ok(!loa_approval_reason_valid("   ", 3), "only spaces");
	ok(!loa_approval_reason_valid("a\nb", 3), "two lines");
	ok(!loa_approval_reason_valid("a\033[2Jb", 6), "an escape");
	ok(!loa_approval_reason_valid("a\0b", 3), "a NUL");
	ok(!loa_approval_reason_valid("\xe2\x80\xae" "ab", 5), "a bidi override");
	{
		char long_[LOA_REASON_MAX + 2];
		memset(long_, 'x', sizeof(long_));
		ok(loa_approval_reason_valid(long_, LOA_REASON_MAX),
		    "%d bytes", LOA_REASON_MAX);
		ok(!loa_approval_reason_valid(long_, LOA_REASON_MAX + 1),
		    "one more");
	}

	loa_config_clear(&c);
	unlink(path);
	return tap_done();
}
