/*
 * ctl-dead.c -- "loactl dead [--json]" lists the dead letters;
 * "loactl dead --retry ENTRY_ID" enqueues one of them again.
 *
 * <prefix>dead is a stream the daemon's reject script appends to, one
 * entry per rejected job with the fields job (the raw job, cut to 4 KiB
 * when it was too large), error (a one-line reason), id (the job id it
 * was filed under), entry (its ingest stream entry) and ts.
 *
 * The listing prints "ENTRY_ID  TS  JOBID  ERROR" per entry, oldest
 * first, ENTRY_ID being the dead stream's own entry id (what --retry
 * takes); with --json one object per line: entry_id, ts, id, error,
 * entry and job.  Dead letters are raw input, so phone numbers in them
 * are masked: the "phone" values of the job, and any long run of digits
 * in the error and elsewhere (ctl_mask()).  Dead letters are also the
 * very jobs an attacker writes: every field is made safe to print
 * (ctl_oneline(); with --json, loa_neutral_json(): the same JSON without
 * raw controls).  Entries are read in pages of 500 so a long stream does
 * not make one huge reply.
 *
 * --retry moves the entry back in one script, so two operators retrying
 * the same letter enqueue it once: XADD <prefix>jobs * job <job>, XDEL
 * from <prefix>dead, and prints the new ingest entry id.  The daemon
 * takes a rejected id again, so a job fixed by a change of environment
 * (a ward imported, a newer daemon) goes through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define DEAD_USAGE	"dead [--json | --retry ENTRY_ID]"
#define DEAD_PAGE	500


/* Non-zero for a stream entry id: "MS-SEQ" or "MS". */
static int
entry_id_valid(const char *s)
{
	size_t	n;

	n = strspn(s, "0123456789");
	if (n == 0 || n > 20)
		return 0;
	if (s[n] == '\0')
		return 1;
	if (s[n] != '-')
		return 0;
	s += n + 1;
	n = strspn(s, "0123456789");
	return n > 0 && n <= 20 && s[n] == '\0';
}

/* A JSON string of s; bytes that are not valid UTF-8 become '?'. */
static json_t *
json_text(const char *s, size_t len)
{
	json_t	*j;
	char	*copy;
	size_t	 i;

	if ((j = json_stringn(s, len)) != NULL)
		return j;
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 || s[i] == '\0' ?
		    '?' : s[i];
	copy[len] = '\0';
	j = json_string(copy);
	free(copy);
	return j != NULL ? j : json_string("");
}

/*
 * Mask, in place, every string in the JSON value v: the values of
 * "phone" keys whole (loa_phone_mask()), others with ctl_mask().
 */
static void
mask_json(json_t *v, int is_phone)
{
	const char	*k;
	json_t		*e;
	char		*m;
	size_t		 i, len;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			mask_json(e, strcmp(k, "phone") == 0);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			mask_json(e, 0);
	} else if (json_is_string(v)) {
		if (is_phone) {
			len = json_string_length(v);
			m = xmalloc(len + 1);
			loa_phone_mask(json_string_value(v), m, len + 1);
		} else
			m = ctl_mask(json_string_value(v));
		json_string_set(v, m);
		free(m);
	}
}

/* The job of a dead letter, for display: masked, as a JSON string. */
static json_t *
masked_job(const char *raw, size_t len)
{
	json_t	*root, *j;
	char	*s, *m;

	if ((root = json_loadb(raw, len, 0, NULL)) != NULL) {
		mask_json(root, 0);
		s = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		if (s == NULL)
			fatalx("json_dumps");
		j = json_string(s);
		free(s);
		return j != NULL ? j : json_string("");
	}
	m = ctl_mask(raw);	/* up to a NUL byte, if any */
	j = json_text(m, strlen(m));
	free(m);
	return j;
}

/* Print one dead letter (e is [id, [field, value, ...]]). */
static void
print_entry(const redisReply *e, int json)
{
	const redisReply	*f = e->element[1];
	const char		*ts, *id, *error, *entry, *job;
	size_t			 joblen = 0;
	char			*masked, *line, *sid, *sts, *seid;
	json_t			*o;

	ts = ctl_field(f, "ts", NULL);
	id = ctl_field(f, "id", NULL);
	error = ctl_field(f, "error", NULL);
	entry = ctl_field(f, "entry", NULL);
	job = ctl_field(f, "job", &joblen);
	masked = ctl_mask(error != NULL ? error : "");
	if (!json) {
		line = ctl_oneline(masked);
		seid = ctl_oneline(e->element[0]->str);
		sts = ctl_oneline(ts != NULL && *ts != '\0' ? ts : "-");
		sid = ctl_oneline(id != NULL && *id != '\0' ? id : "-");
		printf("%s  %s  %s  %s\n", seid, sts, sid, line);
		free(seid);
		free(sts);
		free(sid);
		free(line);
		free(masked);
		return;
	}
	o = json_object();
	json_object_set_new(o, "entry_id", json_string(e->element[0]->str));
	json_object_set_new(o, "ts", json_text(ts != NULL ? ts : "",
	    ts != NULL ? strlen(ts) : 0));
	json_object_set_new(o, "id", json_text(id != NULL ? id : "",
	    id != NULL ? strlen(id) : 0));
	json_object_set_new(o, "error", json_text(masked, strlen(masked)));
	json_object_set_new(o, "entry", json_text(entry != NULL ? entry : "",
	    entry != NULL ? strlen(entry) : 0));
	json_object_set_new(o, "job", job != NULL ? masked_job(job, joblen) :
	    json_null());
	ctl_print_json(o);
	json_decref(o);
	free(masked);
}

/* List the dead letters, oldest first, a page at a time. */
static int
dead_list(int json)
{
	redisReply	*r;
	const redisReply *e;
	char		*key, start[64] = "-", count[16];
	size_t		 i;
	int		 more = 1;

	key = loa_key_dead(ctl_cfg.prefix);
	snprintf(count, sizeof(count), "%d", DEAD_PAGE);
	while (more) {
		r = ctl_commandl("XRANGE", key, start, "+", "COUNT", count,
		    NULL);
		if (r->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			break;
		}
		for (i = 0; i < r->elements; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			print_entry(e, json);
			snprintf(start, sizeof(start), "(%s",
			    e->element[0]->str);
		}
		more = r->elements == DEAD_PAGE;
		freeReplyObject(r);
	}
	free(key);
	if (fflush(stdout) != 0)
		return 1;
	return 0;
}

/* Enqueue dead letter eid again; print the new ingest entry id. */
static int
dead_retry(const char *eid)
{
	redisReply	*r;
	struct loa_argv	 av;
	int		 rc = 1;

	loa_script_argv(&av, loa_script_dead_retry, ctl_cfg.prefix);
	loa_argv_add(&av, eid);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		fprintf(stderr, "loactl: %s: unexpected reply from Redis\n",
		    eid);
	else if (r->element[0]->integer == 0)
		fprintf(stderr, "loactl: %s: no such dead letter\n", eid);
	else if (r->element[0]->integer == 1 || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		fprintf(stderr, "loactl: %s: the dead letter holds no job; "
		    "left as it is\n", eid);
	else {
		printf("%s\n", r->element[1]->str);
		rc = 0;
	}
	freeReplyObject(r);
	return rc;
}

int
ctl_dead(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "retry",	required_argument,	NULL,	'r' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*retry = NULL;
	char		**ops;
	int		 ch, json = 0;

	while ((ch = ctl_getopt(argc, argv, lo, DEAD_USAGE)) != -1) {
		switch (ch) {
		case 'r':
			retry = optarg;
			break;
		case 'j':
			json = 1;
			break;
		}
	}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(DEAD_USAGE, "dead: unexpected \"%s\"", ops[0]);
	if (retry != NULL && json)
		ctl_usage_error(DEAD_USAGE, "dead: --json lists; it does not "
		    "go with --retry");
	if (retry != NULL && !entry_id_valid(retry))
		ctl_usage_error(DEAD_USAGE, "dead: --retry: want the entry id "
		    "of a dead letter (e.g. 1764212400000-0), not \"%s\"",
		    retry);

	ctl_connect();
	if (retry != NULL)
		return dead_retry(retry);
	return dead_list(json);
}
