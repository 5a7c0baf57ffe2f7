/*
 * ctl-send.c -- "loactl send FILE [--wait] [--timeout SECONDS]": validate
 * a job, enqueue it, print its id, and optionally follow it to the end.
 *
 * The file (FILE "-": standard input) is read up to max_job_size bytes
 * and checked with the daemon's own parser (loa_job_parse()), so a job
 * the daemon would reject is refused here, before anything reaches Redis
 * (what depends on the directory, such as unknown wards, the daemon
 * checks).  A valid job is added to the ingest stream as its bytes are:
 * XADD <prefix>jobs * job <bytes>.
 * Its id is the job's "id", else the stream entry id XADD returns (what
 * the daemon files it under).
 *
 * An id already known to the daemon (its hash exists and is not
 * "rejected") is reported on standard error but still enqueued: the
 * daemon logs the copy and ignores it, which is the contract.
 *
 * --wait polls the job hash every 200 ms until the state is final (done,
 * rejected, cancelled, expired), prints the summary as "status" does and
 * exits 0 for done, 1 otherwise; --timeout gives up after that many
 * seconds.  When the id was rejected before, the old rejection is not
 * taken for the answer: a new one has a new created_at.
 *
 * --test PHONE sends instead a test job: the same message and channels,
 * as the sample recipient "loactl preview" shows would get it (the job's
 * first recipient, or for an audience the resident the plan picks:
 * plan.c), but to PHONE only, urgent, with an id
 * of its own ("<id>-test-<ms>"), and waits for it: an official checks the
 * notice on their own phone before the broadcast.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "plan.h"

#define SEND_USAGE	"send FILE [--wait] [--timeout SECONDS] [--test PHONE]"
#define SEND_POLL_MS	200

static int
state_final(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "rejected") == 0 ||
	    strcmp(state, "cancelled") == 0 || strcmp(state, "expired") == 0;
}

/* Report a final state: the summary, and on standard error why not done. */
static int
report_final(const char *id, const char *state, const redisReply *h)
{
	const char	*error;
	char		*masked, *line;

	ctl_status_print(id, h);
	fflush(stdout);
	if (strcmp(state, "done") == 0)
		return 0;
	if (strcmp(state, "rejected") == 0 &&
	    (error = ctl_field(h, "error", NULL)) != NULL) {
		masked = ctl_mask(error);
		line = ctl_oneline(masked);
		fprintf(stderr, "loactl: %s: rejected: %s\n", id, line);
		free(line);
		free(masked);
	} else
		fprintf(stderr, "loactl: %s: %s\n", id, state);
	return 1;
}

/*
 * Poll the hash of job id until its state is final, then report it.
 * stale, when not NULL, is the created_at of an earlier rejection of the
 * same id, which does not count.  timeout_ms 0 waits for ever; timeout_arg
 * is the --timeout text, for the message.  Returns the exit status.
 */
static int
wait_job(const char *id, const char *stale, long long timeout_ms,
    const char *timeout_arg)
{
	redisReply	*r;
	const char	*state, *created;
	char		*key, last[64] = "queued";
	long long	 deadline = 0, left;
	int		 rc;

	if (timeout_ms > 0)
		deadline = loa_now_ms() + timeout_ms;
	key = loa_key_job(ctl_cfg.prefix, id);
	for (;;) {
		r = ctl_commandl("HGETALL", key, NULL);
		state = ctl_field(r, "state", NULL);
		created = ctl_field(r, "created_at", NULL);
		if (state != NULL && stale != NULL &&
		    strcmp(state, "rejected") == 0 &&
		    strcmp(created != NULL ? created : "", stale) == 0)
			state = NULL;	/* the old rejection */
		if (state != NULL && state_final(state)) {
			rc = report_final(id, state, r);
			freeReplyObject(r);
			free(key);
			return rc;
		}
		if (state != NULL)
			snprintf(last, sizeof(last), "%s", state);
		freeReplyObject(r);
		left = SEND_POLL_MS;
		if (deadline != 0) {
			left = deadline - loa_now_ms();
			if (left <= 0)
				break;
			if (left > SEND_POLL_MS)
				left = SEND_POLL_MS;
		}
		ctl_sleep_ms(left);
	}
	fprintf(stderr, "loactl: %s: still %s after %s s\n", id, last,
	    timeout_arg);
	free(key);
	return 1;
}

/*
 * The sample resident of an audience job, as a recipient object: the one
 * "loactl preview" shows, chosen by the plan both share (plan.c: the id
 * that sorts first in the first ward, in the daemon's order, with
 * residents).  NULL with err when there is none; Redis trouble exits 1.
 */
static json_t *
first_resident(const struct loa_job *job, char *err, size_t errlen)
{
	struct loa_plan		 plan;
	struct loa_recipient	 r;
	json_t			*rc = NULL, *holder = NULL;
	char			*id = NULL;
	int			 found = 0;

	if (loa_plan_resolve(&plan, ctl_redis, ctl_cfg.prefix, job) == -1 ||
	    loa_plan_sample(&plan, &id) == -1 || (id != NULL &&
	    loa_plan_resident(&plan, id, &r, holder = json_object(),
	    &found) == -1)) {
		fprintf(stderr, "loactl: %s\n", plan.err);
		exit(1);
	}
	if (found) {
		rc = json_object();
		json_object_set_new(rc, "id", json_string(r.id));
		if (r.name != NULL)
			json_object_set_new(rc, "name", json_string(r.name));
		if (r.ward != NULL)
			json_object_set_new(rc, "ward", json_string(r.ward));
		json_object_set_new(rc, "vars", r.vars != NULL ?
		    json_deep_copy(r.vars) : json_object());
	} else
		snprintf(err, errlen, "the audience has no resident in the "
		    "directory to take as the sample");
	json_decref(holder);
	free(id);
	loa_plan_free(&plan);
	return rc;
}

/*
 * The test version of job: the same message and channels, to phone only,
 * as the first resident would get it; urgent (it goes out now, even in
 * quiet hours), no schedule, an id of its own.  Returns a malloc'd JSON
 * text, or NULL with err.
 */
static char *
test_job(const struct loa_job *job, const char *phone, char *err,
    size_t errlen)
{
	json_t	*t = json_deep_copy(job->root), *rc;
	char	*s, id[160];

	if (job->audience == LOA_AUD_RECIPIENTS)
		rc = json_deep_copy(json_array_get(json_object_get(job->root,
		    "recipients"), 0));
	else if ((rc = first_resident(job, err, errlen)) == NULL) {
		json_decref(t);
		return NULL;
	}
	json_object_del(rc, "zalo_uid");	/* this phone only */
	json_object_set_new(rc, "phone", json_string(phone));
	json_object_del(t, "audience");
	json_object_del(t, "send_at");
	json_object_del(t, "expires_at");
	json_object_set_new(t, "recipients", json_pack("[o]", rc));
	json_object_set_new(t, "priority", json_string("urgent"));
	snprintf(id, sizeof(id), "%.96s-test-%lld", job->id != NULL ?
	    job->id : "job", loa_now_ms());
	json_object_set_new(t, "id", json_string(id));
	s = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	return s;
}

int
ctl_send(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "wait",	no_argument,		NULL,	'w' },
		{ "timeout",	required_argument,	NULL,	't' },
		{ "test",	required_argument,	NULL,	'T' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct loa_buf	 b;
	struct loa_job	*job;
	redisReply	*r;
	const char	*path, *name, *timeout_arg = NULL, *argv_x[5];
	const char	*state, *created;
	size_t		 len_x[5];
	char		 err[1024], *id, *jobs, *key, *stale = NULL, *end;
	char		**ops;
	double		 timeout = 0;
	long long	 timeout_ms;
	int		 ch, nops, do_wait = 0, rc;
	const char	*test_phone = NULL;
	char		 e164[LOA_PHONE_MAX];

	while ((ch = ctl_getopt(argc, argv, lo, SEND_USAGE)) != -1) {
		switch (ch) {
		case 'w':
			do_wait = 1;
			break;
		case 't':
			timeout_arg = optarg;
			errno = 0;
			timeout = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    !isfinite(timeout) || timeout <= 0 ||
			    timeout > 1e9)
				ctl_usage_error(SEND_USAGE, "send: --timeout: "
				    "want a number of seconds, not \"%s\"",
				    optarg);
			break;
		case 'T':
			test_phone = optarg;
			break;
		}
	}
	if ((nops = ctl_operands(&ops)) != 1)
		ctl_usage_error(SEND_USAGE, "send: %s", nops == 0 ?
		    "missing job FILE" : "one job FILE only");
	if (timeout_arg != NULL && !do_wait)
		ctl_usage_error(SEND_USAGE, "send: --timeout goes with --wait");
	path = ops[0];
	name = strcmp(path, "-") == 0 ? "stdin" : path;

	/* Validate before touching Redis. */
	ctl_config();
	loa_buf_init(&b);
	if (ctl_read_job(path, ctl_cfg.max_job_size, &b, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "loactl: %s: %s\n", name, err);
		loa_buf_free(&b);
		return 1;
	}
	job = loa_job_parse(b.data != NULL ? b.data : "", b.len, NULL,
	    ctl_cfg.max_job_size, err, sizeof(err));
	if (job == NULL) {
		fprintf(stderr, "loactl: %s: %s\n", name, err);
		loa_job_unref(job);
		loa_buf_free(&b);
		return 1;
	}

	if (test_phone != NULL &&
	    loa_phone_normalize(test_phone, e164) == -1) {
		fprintf(stderr, "loactl: %s: not a Vietnamese mobile number\n",
		    test_phone);
		loa_job_unref(job);
		loa_buf_free(&b);
		return 1;
	}
	ctl_connect();
	if (test_phone != NULL) {
		/* The same message, to one phone only, as a test. */
		char *tjob = test_job(job, e164, err, sizeof(err));
		loa_job_unref(job);
		if (tjob == NULL) {
			fprintf(stderr, "loactl: %s: %s\n", name, err);
			loa_buf_free(&b);
			return 1;
		}
		loa_buf_reset(&b);
		loa_buf_adds(&b, tjob);
		free(tjob);
		job = loa_job_parse(b.data, b.len, NULL, ctl_cfg.max_job_size,
		    err, sizeof(err));
		if (job == NULL) {
			fprintf(stderr, "loactl: %s: test job: %s\n", name,
			    err);
			loa_buf_free(&b);
			return 1;
		}
		do_wait = 1;
		if (timeout == 0) {
			timeout = 60;
			timeout_arg = "60";
		}
	}
	if (job->id != NULL) {
		key = loa_key_job(ctl_cfg.prefix, job->id);
		r = ctl_commandl("HMGET", key, "state", "created_at", NULL);
		state = created = NULL;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
			if (r->element[0]->type == REDIS_REPLY_STRING)
				state = r->element[0]->str;
			if (r->element[1]->type == REDIS_REPLY_STRING)
				created = r->element[1]->str;
		}
		if (state != NULL && strcmp(state, "rejected") != 0)
			fprintf(stderr, "loactl: %s: already submitted; the "
			    "daemon will ignore this copy\n", job->id);
		else if (state != NULL)
			stale = xstrdup(created != NULL ? created : "");
		freeReplyObject(r);
		free(key);
	}

	jobs = loa_key_jobs(ctl_cfg.prefix);
	argv_x[0] = "XADD";
	argv_x[1] = jobs;
	argv_x[2] = "*";
	argv_x[3] = "job";
	argv_x[4] = b.data;
	len_x[0] = 4;
	len_x[1] = strlen(jobs);
	len_x[2] = 1;
	len_x[3] = 3;
	len_x[4] = b.len;
	r = ctl_command(5, argv_x, len_x);
	if (r->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "loactl: redis: XADD %s: unexpected reply\n",
		    jobs);
		exit(1);
	}
	id = xstrdup(job->id != NULL ? job->id : r->str);
	freeReplyObject(r);
	free(jobs);
	loa_job_unref(job);
	loa_buf_free(&b);

	printf("%s\n", id);
	fflush(stdout);
	rc = 0;
	if (do_wait) {
		timeout_ms = (long long)(timeout * 1000);
		if (timeout > 0 && timeout_ms < 1)
			timeout_ms = 1;
		rc = wait_job(id, stale, timeout_ms, timeout_arg);
	}
	free(stale);
	free(id);
	return rc;
}
