/*
 * log.c -- the operational log (after OpenSMTPD's log.c).
 *
 * Messages about the daemon itself go to standard error, one line each,
 * with a syslog priority prefix ("<4>") when standard error is the systemd
 * journal, so journald files them at the right level (and stamps them).
 * Anywhere else (a terminal, a file, another supervisor) each line of
 * the daemon (log_stamp(); not loactl's, a command's errors) starts with
 * the time as the delivery log's "ts" has it
 * ("2026-11-28T07:00:01.234+07:00 loa: warning: ...").  Lines about one
 * job say "job ID: " first, wherever they come from.  The delivery log
 * (one JSON line per message outcome) is a different stream: dlog.c.
 *
 * log_warn() appends strerror(errno); fatal()/fatalx() exit and are only for
 * start-up errors and broken invariants.
 *
 * Messages quote job content (ids, ward codes, reasons), so every line is
 * neutralised here, whoever the caller: controls, C1 and bidi controls and
 * bytes that are not UTF-8 are written as visible escapes (neutral.c).  A
 * job can thus never start a line of its own, nor send ESC sequences to
 * whoever reads the journal on a terminal.  A message is cut at
 * LOG_MSG_MAX bytes before it is escaped, which at most quadruples it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "loa.h"

#define LOG_MSG_MAX	2048

static int	 log_verbose;
static int	 log_journal;	/* stderr is journald: use <N> prefixes */
static int	 log_stamped;	/* otherwise start lines with the time */
static const char *log_procname = "loa";

void
log_init(const char *procname, int verbose)
{
	log_procname = procname;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

/* Lines start with the time (when not to the journal, which stamps). */
void
log_stamp(int on)
{
	log_stamped = on;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int   sysl[] = { 3, 4, 6, 7 };
	char		   raw[LOG_MSG_MAX], msg[4 * LOG_MSG_MAX + 1];
	char		   ts[40];
	int		   n;

	if (pri == LOA_LOG_DEBUG && log_verbose < 2)
		return;
	if (pri == LOA_LOG_INFO && log_verbose < 1)
		return;
	if ((n = vsnprintf(raw, sizeof(raw), fmt, ap)) < 0)
		n = 0;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	loa_neutral_cpy(msg, sizeof(msg), raw, (size_t)n);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", sysl[pri], msg);
	else if (log_stamped) {
		loa_time_iso(loa_now_ms(), ts, sizeof(ts));
		fprintf(stderr, "%s %s: %s: %s\n", ts, log_procname,
		    names[pri], msg);
	} else
		fprintf(stderr, "%s: %s: %s\n", log_procname, names[pri], msg);
	fflush(stderr);
}

void
log_msg(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
log_vmsg(int pri, const char *fmt, va_list ap)
{
	vlog(pri, fmt, ap);
}

void
log_warn(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOA_LOG_WARN, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOA_LOG_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOA_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOA_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOA_LOG_ERR, "fatal: %s: %s", buf, strerror(saved));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOA_LOG_ERR, "fatal: %s", buf);
	exit(1);
}

/* libevent's own messages, routed into this log. */
static void
log_event_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

void
log_route_libevent(void)
{
	event_set_log_callback(log_event_cb);
}
