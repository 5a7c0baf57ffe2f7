/*
 * ctl-send.c -- "loactl send FILE [--wait] [--timeout SECONDS]": check
 * a job, enqueue it, print its id, and optionally follow it to the end.
 *
 * The file (FILE "-": standard input) is read up to max_job_size bytes
 * and checked with the daemon's own parser (loa_job_parse()), then
 * against the directory and the daemon's jobs by the submit script
 * (submit.c), with the daemon's own check and words: an audience that
 * names a ward code or a district the directory lacks, or a template
 * variable of an audience job that is neither Loa's, nor the job's, nor
 * a directory column, is refused here ("audience: unknown ward "HoanKiem"
 * (did you mean 00070, Phường Hoàn Kiếm?)" when a ward's name was given
 * for its code), so nothing reaches Redis.  A job the parser refuses
 * because a ward is not a code gets the same hint.
 *
 * Its id: an id the daemon holds (its hash exists and is not "rejected")
 * is refused ("job id "X" is already used (state sending, created ...);
 * choose another id"), unless the job is the very one the daemon stored
 * (its spec, byte for byte as loa_job_dump() writes it): then nothing is
 * added, a note goes to standard error, the id is printed and the exit
 * status is 0 (SPEC: submitting an id again is a no-op); --wait then
 * follows that job.  A rejected id may be used again: the daemon files
 * the new job in its place.
 *
 * A job that passes is added to the ingest stream as its bytes are:
 * XADD <prefix>jobs * job <bytes> by cli:<unix user> (the job hash's
 * submitted_by; the submit is audited too).  Its id is the job's "id",
 * else the stream entry id XADD returns (what the daemon files it
 * under).  The
 * daemon checks everything again (another submitter may write to the
 * stream directly, or the directory may change in between).
 *
 * --wait polls the job hash every 200 ms until the state is final (done,
 * rejected, cancelled, expired) and prints the summary as "status" does;
 * --timeout gives up after that many seconds.  When the id was rejected
 * before, the old rejection is not taken for the answer: a new one has a
 * new created_at.
 *
 * Exit status (loactl.1):
 *   0  enqueued (or the identical job is there already); with --wait:
 *      done, and every recipient was reached or skipped
 *   1  refused (invalid, unknown ward, district or variable, id used),
 *      Redis failed; with --wait: the job was rejected, cancelled or
 *      expired as a whole
 *   2  bad usage
 *   4  --wait: done, but some recipients ended failed or expired (how
 *      many is said on standard error)
 *   5  --wait: --timeout reached before the job ended
 *
 * --test PHONE sends instead a test job: the same message and channels,
 * as the sample recipient "loactl preview" shows would get it (the job's
 * first recipient, or for an audience the resident the plan picks:
 * plan.c; --resident ID picks another, as preview's --resident does),
 * but to PHONE only, urgent, with an id
 * of its own ("<id>-test-<ms>"), and waits for it: an official checks the
 * notice on their own phone before the broadcast.  The directory check
 * applies to it; the id check does not (the broadcast's id may be in use).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ctl.h"
#include "plan.h"

#define SEND_USAGE	"send FILE [--wait] [--timeout SECONDS] " \
			"[--test PHONE [--resident ID]]"
#define SEND_POLL_MS	200

/* Exit status (see the top). */
#define SEND_OK		0
#define SEND_FAIL	1
#define SEND_UNREACHED	4
#define SEND_TIMEOUT	5

static int
state_final(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "rejected") == 0 ||
	    strcmp(state, "cancelled") == 0 || strcmp(state, "expired") == 0 ||
	    strcmp(state, "rejected_by_approver") == 0;
}

/* A counter of the job hash h, 0 when missing or not a number. */
static long long
counter(const redisReply *h, const char *name)
{
	const char	*v = ctl_field(h, name, NULL);

	return v != NULL && ctl_is_integer(v) ? strtoll(v, NULL, 10) : 0;
}

/*
 * Report a final state: the summary, and on standard error why not done
 * or which recipients were not reached.  Returns the exit status.
 */
static int
report_final(const char *id, const char *state, const redisReply *h)
{
	const char	*error;
	char		*masked, *line;
	long long	 failed, expired;

	ctl_status_print(id, h);
	fflush(stdout);
	if (strcmp(state, "done") == 0) {
		failed = counter(h, "failed");
		expired = counter(h, "expired");
		if (failed == 0 && expired == 0)
			return SEND_OK;
		fprintf(stderr, "loactl: %s: done, but %lld of %lld recipients "
		    "not reached: %lld failed, %lld expired (loactl report "
		    "lists them)\n", id, failed + expired,
		    counter(h, "total"), failed, expired);
		return SEND_UNREACHED;
	}
	if (strcmp(state, "rejected") == 0 &&
	    (error = ctl_field(h, "error", NULL)) != NULL) {
		masked = ctl_mask(error);
		line = ctl_oneline(masked);
		fprintf(stderr, "loactl: %s: rejected: %s\n", id, line);
		free(line);
		free(masked);
	} else
		fprintf(stderr, "loactl: %s: %s\n", id, state);
	return SEND_FAIL;
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
	return SEND_TIMEOUT;
}

/*
 * The sample resident of an audience job, as a recipient object: the one
 * "loactl preview" shows, chosen by the plan both share (plan.c: the id
 * that sorts first in the first ward, in the daemon's order, with
 * residents).  NULL with err when there is none; Redis trouble exits 1.
 */
static json_t *
first_resident(const struct loa_job *job, const char *want, char *err,
    size_t errlen)
{
	struct loa_plan		 plan;
	struct loa_recipient	 r;
	json_t			*rc = NULL, *holder = NULL;
	char			*id = NULL;
	int			 found = 0;

	if (want != NULL)
		id = xstrdup(want);
	if (loa_plan_resolve(&plan, ctl_redis, ctl_cfg.prefix, job) == -1 ||
	    (want == NULL && loa_plan_sample(&plan, &id) == -1) || (id != NULL &&
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
	} else if (want != NULL)
		snprintf(err, errlen, "--resident: no such resident in the "
		    "directory");
	else
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
test_job(const struct loa_job *job, const char *phone, const char *want,
    char *err, size_t errlen)
{
	json_t	*t = json_deep_copy(job->root), *rc;
	char	*s, id[160];
	int	 i;

	if (job->audience == LOA_AUD_RECIPIENTS) {
		if ((i = loa_plan_recipient(job, want)) < 0) {
			snprintf(err, errlen, "--resident: no recipient of the "
			    "job has that id (or #N)");
			json_decref(t);
			return NULL;
		}
		rc = json_deep_copy(json_array_get(json_object_get(job->root,
		    "recipients"), (size_t)i));
	} else if ((rc = first_resident(job, want, err, errlen)) == NULL) {
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

/*
 * Print the id of a job in the stream (taking id), and with do_wait
 * follow it (wait_job()).  Returns the exit status.
 */
static int
follow(char *id, const char *stale, int do_wait, double timeout,
    const char *timeout_arg)
{
	long long	timeout_ms;
	int		rc = SEND_OK;

	printf("%s\n", id);
	fflush(stdout);
	if (do_wait) {
		timeout_ms = (long long)(timeout * 1000);
		if (timeout > 0 && timeout_ms < 1)
			timeout_ms = 1;
		rc = wait_job(id, stale, timeout_ms, timeout_arg);
	}
	free(id);
	return rc;
}

/*
 * Say why the parser refused the job in b (err); when a ward of its
 * audience is not a code, perhaps it is a ward's name: ask the directory
 * for the hint (submit.c).
 */
static void
refuse_parse(const char *name, const struct loa_buf *b, const char *err)
{
	struct loa_argv	 av;
	struct loa_buf	 why;
	redisReply	*r;
	char		*bad, *line;

	loa_buf_init(&why);
	loa_buf_adds(&why, err);
	if ((bad = loa_submit_bad_ward(b->data != NULL ? b->data : "",
	    b->len)) != NULL) {
		ctl_connect();
		loa_submit_argv(&av, ctl_cfg.prefix, NULL);
		r = ctl_commandv(&av);
		loa_argv_free(&av);
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 7 &&
		    r->element[6]->type == REDIS_REPLY_STRING) {
			loa_buf_free(&why);
			loa_submit_parse_hint(&why, err, bad,
			    r->element[6]->str);
		}
		freeReplyObject(r);
		free(bad);
	}
	line = ctl_oneline(why.data);
	fprintf(stderr, "loactl: %s: %s\n", name, line);
	free(line);
	loa_buf_free(&why);
}

int
ctl_send(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "wait",	no_argument,		NULL,	'w' },
		{ "timeout",	required_argument,	NULL,	't' },
		{ "test",	required_argument,	NULL,	'T' },
		{ "resident",	required_argument,	NULL,	'R' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct loa_buf	 b, why;
	struct loa_job	*job;
	struct loa_argv	 av;
	redisReply	*r;
	enum loa_submit	 verdict;
	const char	*path, *name, *timeout_arg = NULL, *argv_x[7];
	const char	*stale_at;
	size_t		 len_x[7];
	struct loa_actor cli;
	char		 err[1024], *id, *jobs, *stale = NULL, *end, *line;
	char		**ops;
	double		 timeout = 0;
	int		 ch, nops, do_wait = 0, rc;
	const char	*test_phone = NULL, *resident = NULL;
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
		case 'R':
			if (*optarg == '\0')
				ctl_usage_error(SEND_USAGE, "send: --resident: "
				    "empty ID");
			resident = optarg;
			break;
		}
	}
	if ((nops = ctl_operands(&ops)) != 1)
		ctl_usage_error(SEND_USAGE, "send: %s", nops == 0 ?
		    "missing job FILE" : "one job FILE only");
	if (timeout_arg != NULL && !do_wait)
		ctl_usage_error(SEND_USAGE, "send: --timeout goes with --wait");
	if (resident != NULL && test_phone == NULL)
		ctl_usage_error(SEND_USAGE, "send: --resident goes with --test");
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
		refuse_parse(name, &b, err);
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

	/* The daemon's check against the directory, and the id. */
	loa_submit_argv(&av, ctl_cfg.prefix, job);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	verdict = loa_submit_reply(job, r, &why, &stale_at);
	if (verdict == LOA_SUBMIT_ERROR) {
		fprintf(stderr, "loactl: redis: submit: %s\n", why.data);
		exit(1);
	}
	if (stale_at != NULL)
		stale = xstrdup(stale_at);
	freeReplyObject(r);
	if (verdict == LOA_SUBMIT_INVALID || (test_phone == NULL &&
	    verdict == LOA_SUBMIT_USED)) {
		line = ctl_oneline(why.data);
		fprintf(stderr, "loactl: %s: %s\n", name, line);
		free(line);
		loa_buf_free(&why);
		loa_job_unref(job);
		loa_buf_free(&b);
		free(stale);
		return 1;
	}
	if (test_phone == NULL && verdict == LOA_SUBMIT_SAME) {
		/* The documented no-op: the job is there already. */
		line = ctl_oneline(why.data);
		fprintf(stderr, "loactl: note: %s\n", line);
		free(line);
		loa_buf_free(&why);
		id = xstrdup(job->id);
		loa_job_unref(job);
		loa_buf_free(&b);
		return follow(id, NULL, do_wait, timeout, timeout_arg);
	}
	loa_buf_free(&why);

	if (test_phone != NULL) {
		/* The same message, to one phone only, as a test. */
		char *tjob = test_job(job, e164, resident,
		    err, sizeof(err));
		loa_job_unref(job);
		free(stale);
		stale = NULL;
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
	/* Who submits it: the job hash's submitted_by (accept.lua). */
	loa_actor_cli(&cli);
	argv_x[5] = "by";
	argv_x[6] = cli.name;
	len_x[5] = 2;
	len_x[6] = strlen(cli.name);
	r = ctl_command(7, argv_x, len_x);
	if (r->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "loactl: redis: XADD %s: unexpected reply\n",
		    jobs);
		exit(1);
	}
	id = xstrdup(job->id != NULL ? job->id : r->str);
	freeReplyObject(r);
	ctl_audit_act("submit", id, NULL);
	free(jobs);
	loa_job_unref(job);
	loa_buf_free(&b);

	rc = follow(id, stale, do_wait, timeout, timeout_arg);
	free(stale);
	return rc;
}
