/*
 * ctl-report.c -- "loactl report ID [--csv] [--ward CODE]... [--unmasked]":
 * who a job reached, per ward, and who officials must still see in person.
 *
 * The report itself is reach.c's (the outcome hash read HSCAN batch by
 * batch, the failed and unreached recipients spooled to an unlinked
 * temporary file and read back one ward at a time: see there), shared
 * with the daemon's GET /v1/jobs/<id>/report.csv; here its steps are
 * sent synchronously, and the text table is printed.
 *
 * Phone numbers are masked ("8491****678") and ids, names and tổ dân phố
 * go through ctl_mask(), unless --unmasked: officials who must call
 * residents get the full numbers, so such output must be handled like
 * the directory itself.
 *
 * Names and codes come from the directory and from jobs, and officials
 * open the CSV in a spreadsheet: every text cell goes through
 * ctl_oneline() (controls, C1 and bidi controls as visible escapes), and
 * every CSV cell through loa_neutral_csv() (the same, then "'" before a
 * cell a spreadsheet would take for a formula, then RFC 4180 quoting).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uniwidth.h>

#include "ctl.h"
#include "reach.h"

#define REPORT_USAGE	"report ID [--csv] [--ward CODE]... [--unmasked]"

/* Display width of UTF-8 text s in terminal columns. */
static int
width(const char *s)
{
	int	w = u8_strwidth((const uint8_t *)s, "UTF-8");

	return w < 0 ? (int)strlen(s) : w;
}

/* s, with control characters blanked, "-" when empty, padded to cols. */
static void
cell(const char *s, int cols, int last)
{
	char	*one = ctl_oneline(s[0] != '\0' ? s : "-");
	int	 pad = cols - width(one);

	fputs(one, stdout);
	if (!last)
		printf("%*s", pad > 0 ? pad + 2 : 2, "");
	free(one);
}

/* The wider of cur and the width s takes as cell() prints it. */
static int
max_width(int cur, const char *s)
{
	char	*one = ctl_oneline(s[0] != '\0' ? s : "-");
	int	 w = width(one);

	free(one);
	return w > cur ? w : cur;
}

/* printf("%s", s) for text from Redis or a job: made safe to print. */
static void
put(const char *fmt, const char *s)
{
	char	*one = ctl_oneline(s);

	printf(fmt, one);
	free(one);
}

/* The rows of one ward as an indented table. */
static void
text_rows(const struct loa_reach_row *rows, size_t n)
{
	int	 wid = 8, wname = 4, wph = 5, wst = 6, wch = 7, groups = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		wid = max_width(wid, rows[i].id);
		wname = max_width(wname, rows[i].name);
		wph = max_width(wph, rows[i].phone);
		wst = max_width(wst, rows[i].status);
		wch = max_width(wch, rows[i].channel);
		if (rows[i].group[0] != '\0')
			groups = 1;
	}
	printf("  ");
	cell("resident", wid, 0);
	cell("name", wname, 0);
	cell("phone", wph, 0);
	cell("status", wst, 0);
	cell("channel", wch, !groups);
	if (groups)
		cell("to_dan_pho", 0, 1);
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("  ");
		cell(rows[i].id, wid, 0);
		cell(rows[i].name, wname, 0);
		cell(rows[i].phone, wph, 0);
		cell(rows[i].status, wst, 0);
		cell(rows[i].channel, wch, !groups);
		if (groups)
			cell(rows[i].group, 0, 1);
		printf("\n");
	}
}

/* A ward's name for the text output. */
static const char *
ward_name(const struct loa_reach_ward *w)
{
	if (w->code[0] == '\0')
		return "(no ward)";
	return w->name != NULL ? w->name : "";
}

/* Right-aligned count in cols columns. */
static void
num(long long v, int cols, int last)
{
	printf("%*lld%s", cols, v, last ? "\n" : "  ");
}

static void
print_text(struct loa_reach *rp, const redisReply *job)
{
	struct loa_reach_row	*rows;
	struct loa_reach_ward	*w;
	const char	*state, *total, *v;
	char		*line, *masked;
	long long	 sum[REACH_COUNT] = { 0, 0, 0 };
	size_t		 i, n;
	int		 wcode = 4, wname = 4, k;

	state = ctl_field(job, "state", NULL);
	total = ctl_field(job, "total", NULL);
	put("job    %s\n", rp->id);
	put("state  %s\n", state != NULL ? state : "?");
	if ((v = ctl_field(job, "error", NULL)) != NULL) {
		masked = ctl_mask(v);
		line = ctl_oneline(masked);
		printf("error  %s\n", line);
		free(line);
		free(masked);
	}
	printf("\n");

	for (i = 0; i < rp->nw; i++) {
		wcode = max_width(wcode, rp->w[i].code);
		wname = max_width(wname, ward_name(&rp->w[i]));
	}
	cell("ward", wcode, 0);
	cell("name", wname, 0);
	printf("reached  failed  unreached\n");
	for (i = 0; i < rp->nw; i++) {
		w = &rp->w[i];
		cell(w->code, wcode, 0);
		cell(ward_name(w), wname, 0);
		num(w->n[REACH_REACHED], 7, 0);
		num(w->n[REACH_FAILED], 6, 0);
		num(w->n[REACH_UNREACHED], 9, 1);
		for (k = 0; k < REACH_COUNT; k++)
			sum[k] += w->n[k];
	}
	if (rp->nw > 1) {
		cell("total", wcode, 0);
		cell(" ", wname, 0);
		num(sum[REACH_REACHED], 7, 0);
		num(sum[REACH_FAILED], 6, 0);
		num(sum[REACH_UNREACHED], 9, 1);
	}

	for (i = 0; i < rp->nw; i++) {
		w = &rp->w[i];
		if (w->rows == 0)
			continue;
		put("\n%s ", w->code[0] != '\0' ? w->code : "-");
		put("%s: ", ward_name(w));
		printf("%lld failed, %lld unreached\n", w->n[REACH_FAILED],
		    w->n[REACH_UNREACHED]);
		n = loa_reach_rows(rp, w, &rows);
		text_rows(rows, n);
		loa_reach_rows_free(rows, n);
	}

	printf("\n%lld outcome entries, ", rp->entries);
	put("job total %s\n", total != NULL ? total : "0");
	/* Senders whose inbox entry names the job (inbox.lua). */
	v = ctl_field(job, "answered", NULL);
	put("answered %s\n", v != NULL ? v : "0");
	if (state != NULL && strcmp(state, "expanding") == 0)
		printf("still expanding: residents the expansion has not "
		    "reached yet are not counted\n");
	else if (state != NULL && (strcmp(state, "sending") == 0 ||
	    strcmp(state, "scheduled") == 0))
		printf("still %s: unreached includes residents not sent to "
		    "yet\n", state);
}

/* Rows of the CSV to standard output. */
static int
csv_out(void *arg, const char *s, size_t len)
{
	(void)arg;
	return fwrite(s, 1, len, stdout) == len ? 0 : -1;
}

static void
print_csv(struct loa_reach *rp, const redisReply *job)
{
	const char	*state;
	char		*id, *st;

	(void)loa_reach_csv(rp, csv_out, NULL);	/* checked by the caller */
	state = ctl_field(job, "state", NULL);
	if (state != NULL && (strcmp(state, "expanding") == 0 ||
	    strcmp(state, "sending") == 0 ||
	    strcmp(state, "scheduled") == 0)) {
		id = ctl_oneline(rp->id);
		st = ctl_oneline(state);
		fprintf(stderr, "loactl: report: job %s is still %s\n", id, st);
		free(id);
		free(st);
	}
}

/* The report's steps, each one's commands in one round trip. */
static void
run(struct loa_reach *rp)
{
	void	*reply;
	size_t	 i;
	int	 n, rv;

	while ((n = loa_reach_next(rp)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (redisAppendCommandArgv(ctl_redis, rp->io[i].argc,
			    (const char **)rp->io[i].argv, rp->io[i].len) !=
			    REDIS_OK)
				ctl_redis_fail();
		for (i = 0, rv = 0; i < (size_t)n; i++) {
			if (redisGetReply(ctl_redis, &reply) != REDIS_OK ||
			    reply == NULL)
				ctl_redis_fail();
			if (rv == 0)
				rv = loa_reach_feed(rp, i, reply);
			freeReplyObject(reply);
		}
		if (rv == -1)
			break;
	}
	if (n == -1 || rp->err[0] != '\0') {
		fprintf(stderr, "loactl: %s\n", rp->err);
		exit(1);
	}
}

int
ctl_report(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "csv",	no_argument,		NULL,	'c' },
		{ "ward",	required_argument,	NULL,	'w' },
		{ "unmasked",	no_argument,		NULL,	'u' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct loa_reach rp;
	redisReply	*job;
	char		*key, **only = NULL;
	const char	*v, *id;
	int		 ch, rc = 0, csv = 0, unmasked = 0, nonly = 0;

	while ((ch = ctl_getopt(argc, argv, lo, REPORT_USAGE)) != -1) {
		switch (ch) {
		case 'c':
			csv = 1;
			break;
		case 'u':
			unmasked = 1;
			break;
		case 'w':
			only = xreallocarray(only, nonly + 1, sizeof(*only));
			only[nonly++] = optarg;
			break;
		}
	}
	id = ctl_job_operand("report", REPORT_USAGE);

	ctl_connect();
	key = loa_key_job(ctl_cfg.prefix, id);
	job = ctl_commandl("HGETALL", key, NULL);
	free(key);
	if (job->type != REDIS_REPLY_ARRAY || job->elements == 0) {
		key = ctl_oneline(id);
		fprintf(stderr, "loactl: %s: no such job\n", key);
		free(key);
		freeReplyObject(job);
		free(only);
		return 1;
	}
	if (loa_reach_init(&rp, id, ctl_cfg.prefix, (v = ctl_field(job,
	    "audience", NULL)) != NULL && strcmp(v, "1") == 0, only, nonly,
	    unmasked) == -1) {
		fprintf(stderr, "loactl: %s\n", rp.err);
		exit(1);
	}
	run(&rp);
	if (csv)
		print_csv(&rp, job);
	else
		print_text(&rp, job);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "loactl: report: standard output: write "
		    "error\n");
		rc = 1;
	}
	freeReplyObject(job);
	loa_reach_free(&rp);
	free(only);
	return rc;
}
