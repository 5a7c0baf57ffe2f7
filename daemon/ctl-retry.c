/*
 * ctl-retry.c -- "loactl retry ID": send again to the recipients of a
 * finished job whose delivery failed, and only to them.
 *
 * The job's outcome hash is read with HSCAN; the items whose outcome is
 * "failed:<channel>" are handed, a batch at a time, to one script each
 * (loa_script_retry) that puts them back to queued, gives back the failed
 * counters and adds work entries for them; the job is "sending" again
 * until they all have a new outcome.  Everyone reached stays reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define RETRY_USAGE	"retry ID"
#define RETRY_BATCH	500

/*
 * Run the retry script on the items collected in av (if any): add what
 * it re-queued to *total.  Returns 0, or 1 after saying why not.
 */
static int
flush(struct loa_argv *av, const char *id, long long *total)
{
	redisReply	*q;
	int		 rc = 0;

	if (av->argc == 0)
		return 0;
	q = ctl_commandv(av);
	if (q->type == REDIS_REPLY_INTEGER && q->integer >= 0)
		*total += q->integer;
	else {
		fprintf(stderr, "loactl: %s: %s\n", id,
		    q->type == REDIS_REPLY_INTEGER && q->integer == -1 ?
		    "no such job" : "not finished (wait for it, or cancel "
		    "it)");
		rc = 1;
	}
	freeReplyObject(q);
	loa_argv_free(av);
	return rc;
}

int
ctl_retry(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	struct loa_argv	 av;
	char		*id, *out, *key, cursor[32] = "0", now[40];
	size_t		 i;
	long long	 total = 0;
	int		 n = 0, rc = 0;

	while (ctl_getopt(argc, argv, lo, RETRY_USAGE) != -1)
		;
	id = ctl_job_operand("retry", RETRY_USAGE);
	ctl_connect();
	key = loa_key_job(ctl_cfg.prefix, id);
	r = ctl_commandl("HGET", key, "state", NULL);
	free(key);
	if (r->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "loactl: %s: no such job\n", id);
		freeReplyObject(r);
		return 1;
	}
	freeReplyObject(r);
	out = loa_key_job_out(ctl_cfg.prefix, id);
	loa_argv_init(&av);
	do {
		r = ctl_commandl("HSCAN", out, cursor, "COUNT", "1000", NULL);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			freeReplyObject(r);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (i = 0; rc == 0 && i + 1 < r->element[1]->elements;
		    i += 2) {
			redisReply *k = r->element[1]->element[i];
			redisReply *v = r->element[1]->element[i + 1];
			struct loa_rstate oc;
			loa_rstate_parse(v->str, &oc);
			if (!loa_rstate_failed(&oc))
				continue;
			if (av.argc == 0) {
				loa_time_iso(loa_now_ms(), now, sizeof(now));
				loa_script_argv(&av, loa_script_retry,
				    ctl_cfg.prefix);
				loa_argv_add(&av, id);
				loa_argv_addf(&av, "%d", ctl_cfg.chunk_size);
				loa_argv_addf(&av, "%d", ctl_cfg.events_maxlen);
				loa_argv_add(&av, now);
				n = 0;
			}
			loa_argv_add(&av, k->str);
			if (++n == RETRY_BATCH)
				rc = flush(&av, id, &total);
		}
		freeReplyObject(r);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	if (rc == 0)
		rc = flush(&av, id, &total);
	loa_argv_free(&av);
	free(out);
	if (rc == 0 && total == 0)
		printf("job %s: no failed recipient to retry\n", id);
	else if (rc == 0)
		printf("job %s: %lld failed recipients queued again\n",
		    id, total);
	if (rc == 0 && total > 0) {
		char d[32];
		snprintf(d, sizeof(d), "%lld recipients", total);
		ctl_audit_act("retry", id, d);
	}
	return rc;
}
