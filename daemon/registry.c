/*
 * registry.c -- the daemon's part of the overview ("loactl status",
 * GET /v1/status): its entry in the daemon registry, the cluster-wide log
 * level, and indexing the jobs of an older version once.
 *
 * Registry: every LOA_BEAT_MS the cron writes <prefix>daemon:<consumer>
 * (beat.lua): pid, host, version, started_at, last_seen, max_inflight,
 * active deliveries, work entries held, deliveries waiting to retry.  The
 * hash expires after three beats, so a daemon that dies or loses Redis
 * leaves the overview by itself; one that stops cleanly removes it when
 * it hands its work back (registry_leave()).
 *
 * Log level: "loactl log-level LEVEL" writes <prefix>log_level, which
 * each daemon reads where it polls the providers' pause flags (four
 * times a second) and applies, saying so once in its log.  When the key
 * is deleted or holds no level, the level of the command line comes back.
 *
 * Job index: jobs a version without the index created are not in it.
 * After start the cron walks the keyspace once, a SCAN step a second
 * (backfill.lua), until it reaches the end; the script then marks the
 * index complete and later starts, of any daemon, skip the walk.
 */
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "overview.h"

static long long	 started_at;
static long long	 last_beat;
static long long	 last_backfill;
static char		*backfill_cursor;	/* NULL: done */
static int		 backfill_busy;
static int		 base_verbose = -1;	/* of the command line */

static void
backfill_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	(void)r;
	(void)arg;
	backfill_busy = 0;
	if (rep == NULL || rep->type != REDIS_REPLY_STRING)
		return;	/* tried again on the next step */
	free(backfill_cursor);
	backfill_cursor = strcmp(rep->str, "0") == 0 ? NULL :
	    xstrdup(rep->str);
	if (backfill_cursor == NULL)
		log_debug("job index complete");
}

static void
beat(long long now)
{
	struct loa_argv	 av;
	char		 host[256];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	loa_script_argv(&av, loa_script_beat, loa->cfg.prefix);
	loa_argv_add(&av, loa->consumer);
	loa_argv_addf(&av, "%d", LOA_BEAT_TTL_MS);
	loa_argv_add(&av, "pid");
	loa_argv_addf(&av, "%ld", (long)getpid());
	loa_argv_add(&av, "host");
	loa_argv_add(&av, host);
	loa_argv_add(&av, "version");
	loa_argv_add(&av, LOA_VERSION);
	loa_argv_add(&av, "started_at");
	loa_argv_addf(&av, "%lld", started_at);
	loa_argv_add(&av, "last_seen");
	loa_argv_addf(&av, "%lld", now);
	loa_argv_add(&av, "max_inflight");
	loa_argv_addf(&av, "%d", loa->cfg.max_inflight);
	loa_argv_add(&av, "active");
	loa_argv_addf(&av, "%d", loa->active);
	loa_argv_add(&av, "chunks");
	loa_argv_addf(&av, "%d", loa->nchunks);
	loa_argv_add(&av, "retrying");
	loa_argv_addf(&av, "%d", loa->retrying);
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
}

/* From the cron, with Redis up: the heartbeat, and the backfill's step. */
void
registry_tick(void)
{
	struct loa_argv	 av;
	long long	 now = loa_now_ms();

	if (started_at == 0) {
		started_at = now;
		backfill_cursor = xstrdup("0");
	}
	if (now - last_beat >= LOA_BEAT_MS) {
		beat(now);
		last_beat = now;
	}
	if (backfill_cursor != NULL && !backfill_busy &&
	    now - last_backfill >= 1000) {
		loa_script_argv(&av, loa_script_backfill, loa->cfg.prefix);
		loa_argv_add(&av, backfill_cursor);
		if (loa_redis_cmdv(loa->rc, backfill_cb, NULL, &av) == 0)
			backfill_busy = 1;
		loa_argv_free(&av);
		last_backfill = now;
	}
}

/* The daemon stops cleanly: out of the registry now. */
void
registry_leave(void)
{
	struct loa_argv	 av;

	loa_script_argv(&av, loa_script_beat, loa->cfg.prefix);
	loa_argv_add(&av, loa->consumer);
	loa_argv_add(&av, "0");
	(void)loa_redis_cmdv(loa->rc, NULL, NULL, &av);
	loa_argv_free(&av);
	free(backfill_cursor);
	backfill_cursor = NULL;
}

static void
level_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	int	v = base_verbose;

	(void)r;
	(void)arg;
	if (rep == NULL || (rep->type != REDIS_REPLY_STRING &&
	    rep->type != REDIS_REPLY_NIL))
		return;
	if (rep->type == REDIS_REPLY_STRING &&
	    (v = loa_log_level_verbose(rep->str)) < 0)
		v = base_verbose;
	if (v == log_getverbose())
		return;
	log_setverbose(v);
	/* A warning, so that it is seen whatever the level was. */
	log_warnx("log level %s (%s)", loa_log_levels[v > 2 ? 2 : v],
	    rep->type == REDIS_REPLY_STRING && v != base_verbose ?
	    "loactl log-level" : "of the command line");
}

/* From the cron, where the pause flags are polled: the log level. */
void
registry_poll(void)
{
	const char	*argv[2];
	char		*key;

	if (base_verbose < 0)
		base_verbose = log_getverbose();
	key = loa_key_log_level(loa->cfg.prefix);
	argv[0] = "GET";
	argv[1] = key;
	(void)loa_redis_cmd(loa->rc, level_cb, NULL, 2, argv, NULL);
	free(key);
}
