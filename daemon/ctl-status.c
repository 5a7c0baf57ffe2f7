/*
 * ctl-status.c -- "loactl status ID [--json]": a job's state and counters;
 * "loactl status [--json]" without an id: the overview of the whole
 * installation.
 *
 * Reads the job hash <prefix>job:<id> that the daemon's scripts keep
 * (state, total, sent, delivered, failed, skipped, expired, cancelled,
 * maybe_duplicate, created_at, finished_at, priority, error, and the
 * per-channel and per-ward counts "ch:<channel>:<status>" and
 * "ward:<code>:<status>") and prints it for a person, grouped by channel
 * and ward, or with --json as one JSON object: the hash's fields as they
 * are, integers as numbers, plus "job" (the id).
 *
 * The summary printer is shared with "send --wait"; it adds, when set,
 * the ward office's fields (submitted_by, approved_by, rejected_by,
 * reject_reason) and answered.  The error reason is masked (ctl_mask())
 * in case it quotes a phone number; reject_reason, a person's words,
 * is printed as loactl audit prints it (its detail).  Every value and
 * every ward code comes from a job and goes through ctl_oneline() before
 * the terminal: the ward codes of explicit recipients are whatever the
 * job said.  --json escapes them
 * as loa_json_str() does (no raw control either).
 *
 * Without an id, the overview (overview.c, the same JSON GET /v1/status
 * answers): the daemons alive (registry) with their load, the queues
 * (ingest, each work stream: entries and pending; scheduled jobs; dead
 * letters), the jobs by state, the providers with their pause flag and
 * each live daemon's circuit, the cluster-wide log level.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "overview.h"

#define STATUS_USAGE	"status [ID] [--json]"

/* Per-item statuses, in the order they are shown. */
static const char *const status_order[] = {
	"sent", "delivered", "failed", "skipped", "expired", "cancelled", NULL
};

struct count {
	const char	*status;	/* points into the reply */
	const char	*value;
};

struct group {
	char		*name;		/* channel or ward code */
	struct count	*c;
	size_t		 n;
};

struct groups {
	struct group	*g;
	size_t		 n;
};

/* Add the count of field "<name>:<status>" (rest) to its group. */
static void
group_add(struct groups *gs, const char *rest, const char *value)
{
	const char	*colon;
	struct group	*g = NULL;
	size_t		 nlen, i;

	if ((colon = strrchr(rest, ':')) == NULL || colon == rest ||
	    colon[1] == '\0')
		return;
	nlen = colon - rest;
	for (i = 0; i < gs->n; i++)
		if (strlen(gs->g[i].name) == nlen &&
		    strncmp(gs->g[i].name, rest, nlen) == 0) {
			g = &gs->g[i];
			break;
		}
	if (g == NULL) {
		gs->g = xreallocarray(gs->g, gs->n + 1, sizeof(*gs->g));
		g = &gs->g[gs->n++];
		g->name = xstrndup(rest, nlen);
		g->c = NULL;
		g->n = 0;
	}
	g->c = xreallocarray(g->c, g->n + 1, sizeof(*g->c));
	g->c[g->n].status = colon + 1;
	g->c[g->n].value = value;
	g->n++;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group	*ga = a, *gb = b;

	return strcmp(ga->name, gb->name);
}

/* Rank of a status in status_order; unknown ones after, in hash order. */
static int
status_rank(const struct count *c)
{
	int	i;

	for (i = 0; status_order[i] != NULL; i++)
		if (strcmp(c->status, status_order[i]) == 0)
			return i;
	return i;
}

/*
 * Print one line per group: "LABEL NAME  sent 2  skipped 1", names
 * padded to the longest, groups sorted by name, statuses in status_order.
 */
static void
groups_print(struct groups *gs, const char *label)
{
	size_t	 i, j, width = 0;
	int	 rank, max = 0;
	char	**shown, *st, *v;

	for (i = 0; status_order[i] != NULL; i++)
		max = (int)i + 1;
	if (gs->n == 0)
		return;	/* qsort() wants an array, even of none */
	qsort(gs->g, gs->n, sizeof(*gs->g), group_cmp);
	shown = xcalloc(gs->n + 1, sizeof(*shown));
	for (i = 0; i < gs->n; i++) {
		shown[i] = ctl_oneline(gs->g[i].name);
		if (strlen(shown[i]) > width)
			width = strlen(shown[i]);
	}
	for (i = 0; i < gs->n; i++) {
		struct group *g = &gs->g[i];
		printf("%s %-*s", label, (int)width, shown[i]);
		for (rank = 0; rank <= max; rank++)
			for (j = 0; j < g->n; j++)
				if (status_rank(&g->c[j]) == rank) {
					st = ctl_oneline(g->c[j].status);
					v = ctl_oneline(g->c[j].value);
					printf("  %s %s", st, v);
					free(st);
					free(v);
				}
		printf("\n");
		free(shown[i]);
	}
	free(shown);
}

/* "LABEL VALUE" on a line of its own, the value made safe to print. */
static void
field_line(const char *label, const char *v)
{
	char	*line = ctl_oneline(v);

	printf("%-9s %s\n", label, line);
	free(line);
}

static void
groups_free(struct groups *gs)
{
	size_t	i;

	for (i = 0; i < gs->n; i++) {
		free(gs->g[i].name);
		free(gs->g[i].c);
	}
	free(gs->g);
	gs->g = NULL;
	gs->n = 0;
}

/*
 * Print the summary of job id from its HGETALL reply (a non-empty array
 * of field/value pairs) on standard output.
 */
void
ctl_status_print(const char *id, const redisReply *h)
{
	static const char *const counters[] = { "total", "sent", "delivered",
	    "failed", "skipped", "expired", "cancelled", NULL };
	/* The ward office's fields, when set: who, why, who answered. */
	static const struct {
		const char	*field, *label;
	} office[] = {
		{ "submitted_by",	"submitted" },
		{ "approved_by",	"approved" },
		{ "rejected_by",	"rejected" },
		{ "reject_reason",	"reason" },
		{ "answered",		"answered" },
		{ NULL,			NULL }
	};
	struct groups	 ch = { NULL, 0 }, ward = { NULL, 0 };
	const char	*v;
	char		*masked, *line;
	size_t		 i;

	field_line("job", id);
	if ((v = ctl_field(h, "state", NULL)) != NULL)
		field_line("state", v);
	if ((v = ctl_field(h, "priority", NULL)) != NULL)
		field_line("priority", v);
	if ((v = ctl_field(h, "created_at", NULL)) != NULL)
		field_line("created", v);
	if ((v = ctl_field(h, "finished_at", NULL)) != NULL)
		field_line("finished", v);
	for (i = 0; counters[i] != NULL; i++) {
		v = ctl_field(h, counters[i], NULL);
		line = ctl_oneline(v != NULL ? v : "0");
		printf("%s%s %s", i == 0 ? "" : "  ", counters[i], line);
		free(line);
	}
	printf("\n");
	if ((v = ctl_field(h, "maybe_duplicate", NULL)) != NULL &&
	    strcmp(v, "0") != 0) {
		line = ctl_oneline(v);
		printf("maybe_duplicate %s\n", line);
		free(line);
	}
	if ((v = ctl_field(h, "error", NULL)) != NULL) {
		masked = ctl_mask(v);
		field_line("error", masked);
		free(masked);
	}
	for (i = 0; office[i].field != NULL; i++)
		if ((v = ctl_field(h, office[i].field, NULL)) != NULL)
			field_line(office[i].label, v);

	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *k = h->element[i], *val = h->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    val->type != REDIS_REPLY_STRING)
			continue;
		if (strncmp(k->str, "ch:", 3) == 0)
			group_add(&ch, k->str + 3, val->str);
		else if (strncmp(k->str, "ward:", 5) == 0)
			group_add(&ward, k->str + 5, val->str);
	}
	groups_print(&ch, "channel");
	groups_print(&ward, "ward");
	groups_free(&ch);
	groups_free(&ward);
}

/* The hash as one JSON object: "job" first, then the fields in order. */
static void
status_json(const char *id, const redisReply *h)
{
	struct loa_buf	 b;
	size_t		 i;
	char		*masked;

	loa_buf_init(&b);
	loa_json_kv(&b, "job", id);
	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *k = h->element[i], *v = h->element[i + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING || strcmp(k->str, "job") == 0)
			continue;
		if (ctl_is_integer(v->str))
			loa_json_kl(&b, k->str, strtoll(v->str, NULL, 10));
		else if (strcmp(k->str, "error") == 0) {
			masked = ctl_mask(v->str);
			loa_json_kv(&b, k->str, masked);
			free(masked);
		} else
			loa_json_kv(&b, k->str, v->str);
	}
	loa_buf_add(&b, "}\n", 2);
	fwrite(b.data, 1, b.len, stdout);
	loa_buf_free(&b);
}

/* A string member of o, made safe to print (the caller frees it). */
static char *
ov_str(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return ctl_oneline(s != NULL ? s : "");
}

static long long
ov_int(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void
ov_queue(const char *name, const json_t *q)
{
	printf("queue %-9s entries %lld  pending %lld\n", name,
	    ov_int(q, "entries"), ov_int(q, "pending"));
}

/* The overview for a person, a line per daemon, queue and provider. */
static void
overview_print(const json_t *o)
{
	const json_t	*d, *p, *c, *q, *jobs;
	const char	*st;
	char		*a, *b, *e, ts[40];
	size_t		 i, k;
	int		 any;
	json_t		*n;

	if (json_array_size(json_object_get(o, "daemons")) == 0)
		printf("daemon    none alive\n");
	json_array_foreach(json_object_get(o, "daemons"), i, d) {
		a = ov_str(d, "consumer");
		b = ov_str(d, "host");
		e = ov_str(d, "version");
		loa_time_iso(ov_int(d, "started_at"), ts, sizeof(ts));
		printf("daemon    %s  host %s  pid %lld  version %s  load "
		    "%lld/%lld  entries %lld  retrying %lld  since %s\n", a, b,
		    ov_int(d, "pid"), e, ov_int(d, "active"),
		    ov_int(d, "max_inflight"), ov_int(d, "chunks"),
		    ov_int(d, "retrying"), ts);
		free(a);
		free(b);
		free(e);
	}
	q = json_object_get(o, "queues");
	ov_queue("ingest", json_object_get(q, "ingest"));
	for (i = 0; i < LOA_PRIO_COUNT; i++)
		ov_queue(loa_priority_name(i), json_object_get(
		    json_object_get(q, "work"), loa_priority_name(i)));
	printf("queue %-9s %lld\n", "scheduled", ov_int(q, "scheduled"));
	printf("queue %-9s %lld\n", "dead", ov_int(q, "dead"));
	printf("jobs     ");
	jobs = json_object_get(o, "jobs");
	for (i = 0; loa_job_states[i] != NULL; i++)
		printf(" %s %lld", loa_job_states[i],
		    ov_int(jobs, loa_job_states[i]));
	json_object_foreach((json_t *)jobs, st, n)
		if (!loa_jobs_state_valid(st)) {
			a = ctl_oneline(st);
			printf(" %s %lld", a, (long long)json_integer_value(n));
			free(a);
		}
	printf("\n");
	json_array_foreach(json_object_get(o, "providers"), i, p) {
		a = ov_str(p, "name");
		printf("provider  %-16s", a);
		free(a);
		if (json_is_true(json_object_get(p, "paused"))) {
			ts[0] = '\0';
			if (ov_int(p, "paused_at") > 0)
				loa_time_iso(ov_int(p, "paused_at"), ts,
				    sizeof(ts));
			printf(" PAUSED%s%s\n", ts[0] ? " since " : "", ts);
		} else
			printf(" active\n");
		any = 0;
		json_array_foreach(json_object_get(p, "circuits"), k, c) {
			a = ov_str(c, "daemon");
			b = ov_str(c, "state");
			loa_time_iso(ov_int(c, "since"), ts, sizeof(ts));
			printf("          daemon %s circuit %s (since %s)\n", a,
			    b, ts);
			free(a);
			free(b);
			any = 1;
		}
		if (!any)
			printf("          no running daemon has reported its "
			    "circuit\n");
	}
	if (json_object_get(o, "log_level") != NULL) {
		a = ov_str(o, "log_level");
		printf("log level %s (loactl log-level)\n", a);
		free(a);
	} else
		printf("log level each daemon's own (command line)\n");
}

/* "loactl status [--json]" without an id. */
static int
overview(int json)
{
	struct loa_argv	 av;
	redisReply	*r;
	json_t		*o;

	ctl_connect();
	loa_overview_argv(&av, &ctl_cfg);
	r = ctl_commandv(&av);
	loa_argv_free(&av);
	if ((o = loa_overview_decode(r)) == NULL) {
		fprintf(stderr, "loactl: status: unreadable answer from "
		    "Redis\n");
		freeReplyObject(r);
		return 1;
	}
	if (json)
		ctl_print_json(o);
	else
		overview_print(o);
	json_decref(o);
	freeReplyObject(r);
	return 0;
}

int
ctl_status(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json",	no_argument,	NULL,	'j' },
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	redisReply	*r;
	char		*key;
	const char	*id;
	char		**ops;
	int		 ch, json = 0, rc = 0;

	while ((ch = ctl_getopt(argc, argv, lo, STATUS_USAGE)) != -1)
		if (ch == 'j')
			json = 1;
	if (ctl_operands(&ops) == 0)
		return overview(json);
	id = ctl_job_operand("status", STATUS_USAGE);

	ctl_connect();
	key = loa_key_job(ctl_cfg.prefix, id);
	r = ctl_commandl("HGETALL", key, NULL);
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		char *shown = ctl_oneline(id);
		fprintf(stderr, "loactl: %s: no such job\n", shown);
		free(shown);
		rc = 1;
	} else if (json)
		status_json(id, r);
	else
		ctl_status_print(id, r);
	freeReplyObject(r);
	free(key);
	return rc;
}
