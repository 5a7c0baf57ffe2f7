/*
 * ctl-tail.c -- "loactl tail [--job ID] [-n N | --from-start]
 * [--exit-after N] [--json]":
 * follow the event stream.
 *
 * <prefix>events holds one field, "event", per entry: the JSON line the
 * daemon also writes to the delivery log (phones already masked as the
 * operator configured).  tail prints each on its own line, as it is but
 * for raw controls, C1 and bidi controls, which loa_neutral_json() turns
 * into \uXXXX escapes (the daemon writes none; an event put there by
 * anything else must not reach the terminal raw).  It reads with XREAD
 * BLOCK 1000 COUNT 100 from the last entry that existed when it started
 * (so nothing added between two reads is missed), or from the beginning
 * with --from-start.  -n N (--lines) first prints the last N events (of
 * the job, with --job), as tail -f -n N does, read backwards with
 * XREVRANGE.  --job keeps the events whose "job" is ID; --exit-after N
 * exits 0 after N events printed, the last N included.  --json is
 * accepted for symmetry with the other listings: the output is one JSON
 * object a line either way.
 *
 * SIGINT and SIGTERM end it cleanly with status 0: the handler shuts the
 * Redis socket down, which wakes the blocked read at once.  SIGPIPE is
 * ignored so that this cannot kill us; a reader of standard output that
 * went away (tail | head) also ends it with status 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl.h"

#define TAIL_USAGE	"tail [--job ID] [-n N | --from-start] " \
			"[--exit-after N] [--json]"
#define TAIL_LAST_MAX	100000
#define TAIL_BATCH	"100"
#define TAIL_BLOCK_MS	"1000"

static volatile sig_atomic_t	tail_stop;
static volatile sig_atomic_t	tail_fd = -1;

static void
tail_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
	if (tail_fd != -1)
		shutdown(tail_fd, SHUT_RDWR);
}

static void
tail_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tail_signal;	/* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Non-zero when the event (a JSON object) is about job id. */
static int
event_of_job(const char *event, size_t len, const char *id)
{
	json_t		*root, *v;
	int		 match;

	if ((root = json_loadb(event, len, 0, NULL)) == NULL)
		return 0;
	v = json_object_get(root, "job");
	match = json_is_string(v) && strcmp(json_string_value(v), id) == 0;
	json_decref(root);
	return match;
}

/* Flush standard output; a reader gone away ends tail (status 0). */
static void
tail_flush(void)
{
	if (fflush(stdout) == 0)
		return;
	if (errno == EPIPE)
		exit(0);
	fprintf(stderr, "loactl: standard output: %s\n", strerror(errno));
	exit(1);
}

/* The id of the stream's last entry, or "0-0" when it has none. */
static void
last_entry(const char *key, char *last, size_t len)
{
	redisReply	*r;

	r = ctl_commandl("XREVRANGE", key, "+", "-", "COUNT", "1", NULL);
	snprintf(last, len, "0-0");
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 &&
	    r->element[0]->element[0]->type == REDIS_REPLY_STRING)
		snprintf(last, len, "%s", r->element[0]->element[0]->str);
	freeReplyObject(r);
}

/*
 * Print the events of one XREAD reply ([[key, [[id, fields], ...]]]) that
 * pass the filter, remembering the last id seen in last.  Stops after
 * *left events when *left is not -1.  Returns the number printed.
 */
static long
print_batch(const redisReply *r, const char *job, long *left, char *last,
    size_t lastlen)
{
	const redisReply	*entries, *e;
	const char		*event;
	struct loa_buf		 b;
	size_t			 i, len;
	long			 n = 0;

	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY ||
	    r->element[0]->elements != 2)
		return 0;
	entries = r->element[0]->element[1];
	if (entries->type != REDIS_REPLY_ARRAY)
		return 0;
	loa_buf_init(&b);
	for (i = 0; i < entries->elements && *left != 0; i++) {
		e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		snprintf(last, lastlen, "%s", e->element[0]->str);
		if ((event = ctl_field(e->element[1], "event", &len)) == NULL)
			continue;
		if (job != NULL && !event_of_job(event, len, job))
			continue;
		loa_buf_reset(&b);
		loa_neutral_json(&b, event, len);
		loa_buf_add(&b, "\n", 1);
		fwrite(b.data, 1, b.len, stdout);
		n++;
		if (*left > 0)
			(*left)--;
	}
	loa_buf_free(&b);
	return n;
}

/*
 * A count option's value: a whole number from min to TAIL_LAST_MAX, or
 * bad usage (exit 2).
 */
static long
count_arg(const char *opt, const char *arg, long min)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno != 0 || n < min ||
	    n > TAIL_LAST_MAX)
		ctl_usage_error(TAIL_USAGE, "tail: %s: want a whole number "
		    "from %ld to %d, not \"%s\"", opt, min, TAIL_LAST_MAX, arg);
	return n;
}

/*
 * Print the last n events (of job, when not NULL) in the order they
 * were added, and set last to the stream's newest entry, from which the
 * follow goes on.  Reads backwards with XREVRANGE a page at a time, so
 * with --job it looks through the stream (which the daemon keeps to
 * events_maxlen entries) only as far as it must.  Returns the number
 * printed.
 */
static long
print_last(const char *key, const char *job, long n, char *last,
    size_t lastlen)
{
	redisReply	**pages = NULL, *r;
	const redisReply *e;
	const char	**ev, *event;
	size_t		*evlen, npages = 0, i, len;
	struct loa_buf	 b;
	char		 start[72] = "+";
	long		 found = 0, k;

	ev = xcalloc(n, sizeof(*ev));
	evlen = xcalloc(n, sizeof(*evlen));
	snprintf(last, lastlen, "0-0");
	while (found < n) {
		r = ctl_commandl("XREVRANGE", key, start, "-", "COUNT",
		    TAIL_BATCH, NULL);
		if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
			freeReplyObject(r);
			break;
		}
		pages = xreallocarray(pages, npages + 1, sizeof(*pages));
		pages[npages++] = r;
		for (i = 0; i < r->elements && found < n; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			if (npages == 1 && i == 0)
				snprintf(last, lastlen, "%s",
				    e->element[0]->str);
			snprintf(start, sizeof(start), "(%s",
			    e->element[0]->str);
			if ((event = ctl_field(e->element[1], "event",
			    &len)) == NULL ||
			    (job != NULL && !event_of_job(event, len, job)))
				continue;
			ev[found] = event;	/* newest first */
			evlen[found++] = len;
		}
	}

	loa_buf_init(&b);
	for (k = found; k-- > 0;) {
		loa_buf_reset(&b);
		loa_neutral_json(&b, ev[k], evlen[k]);
		loa_buf_add(&b, "\n", 1);
		fwrite(b.data, 1, b.len, stdout);
	}
	loa_buf_free(&b);
	for (i = 0; i < npages; i++)
		freeReplyObject(pages[i]);
	free(pages);
	free(ev);
	free(evlen);
	tail_flush();
	return found;
}

int
ctl_tail(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "job",	required_argument,	NULL,	'j' },
		{ "lines",	required_argument,	NULL,	'n' },
		{ "exit-after",	required_argument,	NULL,	'x' },
		{ "from-start",	no_argument,		NULL,	's' },
		{ "json",	no_argument,		NULL,	'J' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	redisReply	*r;
	const char	*job = NULL, *av[8];
	char		*key, last[64];
	long		 left = -1, nlast = 0;
	char		**ops;
	int		 ch, from_start = 0, have_n = 0;

	while ((ch = ctl_getopt_short(argc, argv, "n:", lo, TAIL_USAGE)) !=
	    -1) {
		switch (ch) {
		case 'j':
			job = optarg;
			break;
		case 'n':
			nlast = count_arg("-n", optarg, 0);
			have_n = 1;
			break;
		case 'x':
			left = count_arg("--exit-after", optarg, 1);
			break;
		case 's':
			from_start = 1;
			break;
		case 'J':
			break;	/* events are JSON objects already */
		}
	}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(TAIL_USAGE, "tail: unexpected \"%s\"", ops[0]);
	if (from_start && have_n)
		ctl_usage_error(TAIL_USAGE, "tail: -n and --from-start do not "
		    "go together");

	ctl_connect();
	tail_signals();
	key = loa_key_events(ctl_cfg.prefix);
	if (from_start)
		snprintf(last, sizeof(last), "0-0");
	else if (nlast == 0)
		last_entry(key, last, sizeof(last));
	else {
		/* --exit-after counts the last n too, as tail -n N | head */
		if (left != -1 && nlast > left)
			nlast = left;
		nlast = print_last(key, job, nlast, last, sizeof(last));
		if (left != -1)
			left -= nlast;
	}

	tail_fd = ctl_redis->fd;
	while (!tail_stop && left != 0) {
		av[0] = "XREAD";
		av[1] = "COUNT";
		av[2] = TAIL_BATCH;
		av[3] = "BLOCK";
		av[4] = TAIL_BLOCK_MS;
		av[5] = "STREAMS";
		av[6] = key;
		av[7] = last;
		r = redisCommandArgv(ctl_redis, 8, av, NULL);
		if (r == NULL) {
			if (tail_stop)
				break;
			ctl_redis_fail();
		}
		if (r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "loactl: redis: XREAD %s: %s\n", key,
			    r->str);
			exit(1);
		}
		if (print_batch(r, job, &left, last, sizeof(last)) > 0)
			tail_flush();
		freeReplyObject(r);
	}
	tail_flush();
	free(key);
	return 0;
}
