/*
 * dlog.c -- the delivery log: one JSON object per line, per outcome.
 *
 * Written to the file named by [daemon] log (default "-", standard output,
 * which journald takes under systemd).  Lines are buffered and flushed
 * with every ledger flush, i.e. before the matching Redis record is sent,
 * so a crash loses at most the lines of one event-loop round.  SIGHUP
 * reopens the file (logrotate).  Phone numbers arrive already masked.
 *
 * A write that fails (a full disk) is said once per episode: the warning
 * comes with the first failure, and a line when writing works again (a
 * flush that succeeds), not once per flush in between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static FILE	*dlog_fp;
static char	*dlog_path;
static int	 dlog_failed;
static int	 dlog_pending;	/* lines written since the last flush */

static void	fail(const char *);

int
dlog_open(const char *path)
{
	FILE	*fp;

	if (strcmp(path, "-") == 0)
		fp = stdout;
	else if ((fp = fopen(path, "a")) == NULL) {
		log_warn("delivery log %s", path);
		return -1;
	}
	if (dlog_fp != NULL && dlog_fp != stdout)
		fclose(dlog_fp);
	dlog_fp = fp;
	if (dlog_path != path) {
		free(dlog_path);
		dlog_path = xstrdup(path);
	}
	return 0;
}

void
dlog_write(const char *line, size_t len)
{
	if (dlog_fp == NULL)
		return;
	dlog_pending = 1;
	if (fwrite(line, 1, len, dlog_fp) != len || fputc('\n', dlog_fp) ==
	    EOF)
		fail("write");
}

/* A write or flush failed: said once until writing works again. */
static void
fail(const char *what)
{
	if (!dlog_failed)
		log_warn("delivery log %s: %s (said once until it works "
		    "again)", dlog_path, what);
	dlog_failed = 1;
	clearerr(dlog_fp);
}

void
dlog_flush(void)
{
	if (dlog_fp == NULL)
		return;
	if (fflush(dlog_fp) == EOF)
		fail("flush");
	else if (dlog_failed && dlog_pending) {
		log_warnx("delivery log %s: writing again", dlog_path);
		dlog_failed = 0;
	}
	dlog_pending = 0;
}

void
dlog_reopen(void)
{
	char	*path;

	if (dlog_path == NULL || strcmp(dlog_path, "-") == 0)
		return;
	dlog_flush();
	path = xstrdup(dlog_path);
	if (dlog_open(path) == -1)
		log_warnx("delivery log: keeping the old file open");
	free(path);
}

void
dlog_close(void)
{
	dlog_flush();
	if (dlog_fp != NULL && dlog_fp != stdout)
		fclose(dlog_fp);
	dlog_fp = NULL;
	free(dlog_path);
	dlog_path = NULL;
}
