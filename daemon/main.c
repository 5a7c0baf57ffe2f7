/*
 * main.c -- the loa daemon: command line, start-up, signals, the cron
 * timer and an orderly stop.
 *
 *	loa [-c FILE] [-f] [-t] [-V] [-v]
 *
 * -t makes every check start-up makes (check_config(), the plugins and
 * their secret files), reads every secret and token file the daemon would
 * read, as it would read them, says every problem and exits 0 or 1;
 * nothing it does contacts Redis or a provider or opens the listener.
 * -V prints the version.
 * The daemon never forks into the background: systemd (or -f, the same)
 * runs it in the foreground.  SIGTERM/SIGINT stop taking work, let the
 * requests under way finish for up to shutdown_timeout, hand unfinished
 * chunks back to Redis, record every outcome, and exit 0.  A second
 * SIGTERM exits at once (what is unrecorded is reclaimed and reported as
 * maybe_duplicate).  SIGHUP reopens the delivery log and console outputs
 * and reloads the config: providers, rates, tokens, quiet hours, retries
 * change without dropping a message in flight; a config that does not
 * load is refused with the reason and the running one kept.  What a
 * running daemon cannot change (the Redis address, key prefix, consumer
 * name, HTTP listen address, job size limit) is kept, and said so.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "capi.h"
#include "engine.h"
#include "kdf.h"

#define CRON_MS		100

static struct loa_daemon	 daemon_state;
struct loa_daemon		*loa = &daemon_state;

/*
 * The delivery layers call downwards only: engine -> deliver -> flow ->
 * provider -> http, each below the one before.  What a lower layer has
 * to tell a higher one (an answer came, a slot came free, credentials
 * are ready, an item is final) goes through the hooks wired here, once,
 * before anything runs.
 */
static const struct deliver_hooks deliver_hooks = {
	engine_item_final, engine_chunk_retrying
};
static const struct flow_ops flow_ops = {
	deliver_go, deliver_expire, deliver_abort, deliver_moved
};
static const struct provider_hooks provider_hooks = {
	deliver_answer, deliver_abandoned, flow_pump, flow_retired
};

static int	check_config(const struct loa_config *, const char *);
static void	password_free(char *);

static void
wire(void)
{
	deliver_init(&deliver_hooks);
	flow_init(&flow_ops);
	provider_hooks_set(&provider_hooks);
	creds_on_ready(flow_pump);
}

/* Bad usage: to stderr, exit 2; -h: to stdout, exit 0. */
static void __attribute__((noreturn))
usage(int asked)
{
	fprintf(asked ? stdout : stderr,
	    "usage: loa [-fhqtVv] [-c config]\n");
	exit(asked ? 0 : 2);
}

static void
make_keys(void)
{
	const char	*pfx = loa->cfg.prefix;
	int		 p;

	loa->k_jobs = loa_key_jobs(pfx);
	loa->k_events = loa_key_events(pfx);
	for (p = 0; p < LOA_PRIO_COUNT; p++)
		loa->k_work[p] = loa_key_work(pfx, loa_priority_name(p));
}

static void
stop_now(void)
{
	event_base_loopbreak(loa->base);
}

static void
drain_check(void)
{
	long long	now = loa_now_ms();

	if (!loa->handed_back && (engine_idle() ||
	    now >= loa->drain_deadline)) {
		if (!engine_idle())
			log_warnx("stopping with %d requests unanswered; they "
			    "will be reported as maybe_duplicate",
			    loa->inflight);
		engine_handback_all();
		flow_unpublish();	/* its circuit states go with it */
		registry_leave();	/* and its place in the overview */
		ledger_flush();
	}
	if (loa->handed_back && ((engine_settled() && ingest_idle() &&
	    ledger_idle()) || now >= loa->drain_deadline +
	    loa->cfg.redis_timeout_ms))
		stop_now();
}

static void
cron_cb(evutil_socket_t fd, short ev, void *arg)
{
	long long	now = loa_now_ms();
	long long	claim_every = loa->cfg.claim_timeout_ms / 4, wd;

	(void)fd;
	(void)ev;
	(void)arg;
	if ((wd = notify_watchdog_ms()) > 0 && now - loa->last_watchdog >= wd) {
		/* The loop is alive: a hung loop gets restarted by systemd. */
		notify_send("WATCHDOG=1");
		loa->last_watchdog = now;
	}
	if (now - loa->last_status >= 5000) {
		notify_send("STATUS=%s; %d deliveries under way, %d waiting "
		    "to retry, %d work entries held; redis %s",
		    loa->draining ? "stopping" : "running", loa->active,
		    loa->retrying, loa->nchunks,
		    loa_redis_up(loa->rc) ? "up" : "down");
		loa->last_status = now;
	}
	if (loa->draining) {
		drain_check();
		return;
	}
	ledger_retry();
	provider_reap();
	engine_cache_expire();
	if (loa_redis_up(loa->rc)) {
		if (now - loa->last_poll >= 250) {
			flow_poll();
			registry_poll();
			engine_poll_cancel();
			deliver_sweep_waiting();
			loa->last_poll = now;
		}
		creds_tick();
		registry_tick();
		if (now - loa->last_touch >= loa->cfg.claim_timeout_ms / 3) {
			engine_touch();
			loa->last_touch = now;
		}
		if (now - loa->last_claim >= (claim_every < CRON_MS ?
		    CRON_MS : claim_every)) {
			ingest_claim();
			loa->last_claim = now;
		}
		if (now - loa->last_promote >= 1000) {
			ingest_promote();
			report_sweep();
			metrics_poll();
			loa->last_promote = now;
		}
	}
	ingest_kick();
	wake_dispatch();		/* quiet hours may have ended */
}

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* *nv takes the running value ov; what changed is said. */
static void
keep_str(char **nv, const char *ov, const char *what)
{
	if (!same_str(*nv, ov))
		log_warnx("reload: %s changed; that takes a restart, still "
		    "using %s", what, ov != NULL ? ov : "the default");
	free(*nv);
	*nv = ov != NULL ? xstrdup(ov) : NULL;
}

/* What the running daemon cannot change goes back to what it runs with. */
static void
keep_fixed(struct loa_config *nc)
{
	const struct loa_config	*oc = &loa->cfg;
	char			 a[256], b[256];

	loa_redis_addr_str(&oc->redis, a, sizeof(a));
	loa_redis_addr_str(&nc->redis, b, sizeof(b));
	if (strcmp(a, b) != 0)
		log_warnx("reload: [redis] url changed; that takes a restart, "
		    "still using %s", a);
	loa_redis_addr_clear(&nc->redis);
	nc->redis = oc->redis;
	nc->redis.host = oc->redis.host != NULL ? xstrdup(oc->redis.host) :
	    NULL;
	nc->redis.path = oc->redis.path != NULL ? xstrdup(oc->redis.path) :
	    NULL;
	keep_str(&nc->prefix, oc->prefix, "[redis] prefix");
	keep_str(&nc->redis_password_file, oc->redis_password_file,
	    "[redis] password_file");
	loa_redis_sentinel_str(&oc->redis_sentinel, a, sizeof(a));
	loa_redis_sentinel_str(&nc->redis_sentinel, b, sizeof(b));
	if (strcmp(a, b) != 0)
		log_warnx("reload: [redis] sentinels or master_name changed; "
		    "that takes a restart, still using %s", a[0] != '\0' ? a :
		    "none");
	loa_redis_sentinel_clear(&nc->redis_sentinel);
	loa_redis_sentinel_copy(&nc->redis_sentinel, &oc->redis_sentinel);
	keep_str(&nc->redis_sentinel_password_file,
	    oc->redis_sentinel_password_file,
	    "[redis] sentinel_password_file");
	keep_str(&nc->consumer, oc->consumer, "[daemon] consumer");
	keep_str(&nc->http_listen, oc->http_listen, "[http] listen");
	if (nc->http_max_connections != oc->http_max_connections ||
	    nc->http_header_timeout_ms != oc->http_header_timeout_ms ||
	    nc->http_body_timeout_ms != oc->http_body_timeout_ms)
		log_warnx("reload: [http] max_connections, header_timeout or "
		    "body_timeout changed; that takes a restart");
	nc->http_max_connections = oc->http_max_connections;
	nc->http_header_timeout_ms = oc->http_header_timeout_ms;
	nc->http_body_timeout_ms = oc->http_body_timeout_ms;
	nc->redis_timeout_ms = oc->redis_timeout_ms;
	nc->max_job_size = oc->max_job_size;
}

/*
 * SIGHUP: load the config file again.  Everything is checked (syntax,
 * check_config() as at start-up, plugins, their secret files) before
 * anything changes.
 */
static void
reload_config(void)
{
	struct loa_config	 nc;
	char			 err[1024], *tok, *oldlog;

	if (loa_config_load(loa->cfg.path, &nc, err, sizeof(err)) == -1) {
		log_warnx("reload refused, the running config is kept: %s",
		    err);
		goto refused;
	}
	if (check_config(&nc, "reload refused, the running config is "
	    "kept: ") > 0)
		goto refused;
	if (httpd_token_read(nc.http_token_file, &tok, err,
	    sizeof(err)) == -1) {
		log_warnx("reload refused, the running config is kept: %s",
		    err);
		goto refused;
	}
	keep_fixed(&nc);
	oldlog = xstrdup(loa->cfg.log_path);
	if (provider_reload(&nc) == -1) {
		log_warnx("reload refused, the running config is kept: a "
		    "provider did not load (see above)");
		password_free(tok);
		free(oldlog);
		goto refused;
	}
	httpd_token_set(tok);
	loa_job_limits(loa->cfg.max_recipients);
	if (strcmp(oldlog, loa->cfg.log_path) != 0 &&
	    dlog_open(loa->cfg.log_path) == -1)
		log_warnx("reload: delivery log %s cannot be opened; still "
		    "writing to %s", loa->cfg.log_path, oldlog);
	free(oldlog);
	log_info("reloaded %s: %d provider%s, max_inflight %d",
	    loa->cfg.path, loa->nproviders, loa->nproviders == 1 ? "" : "s",
	    loa->cfg.max_inflight);
	snprintf(err, sizeof(err), "%d provider%s", loa->nproviders,
	    loa->nproviders == 1 ? "" : "s");
	httpd_audit("system", loa->consumer, "reload", loa->cfg.path, err);
	flow_pump_all();
	wake_dispatch();
	return;
 refused:
	/* Who sent the signal is not known; which daemon, and that. */
	httpd_audit("system", loa->consumer, "reload", loa->cfg.path,
	    "refused: the running config is kept (see the daemon's log)");
	loa_config_clear(&nc);
	/* Secrets are looked up by the running config's rule again. */
	loa_secret_dir_set(loa->cfg.credentials_dir);
}

/* The service manager hears of it (Type=notify). */
static void
reload(void)
{
	notify_send("RELOADING=1");
	reload_config();
	notify_send("READY=1");
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reopening log files, reloading %s",
		    loa->cfg.path);
		dlog_reopen();
		provider_reopen();
		reload();
		break;
	case SIGTERM:
	case SIGINT:
		if (loa->draining) {
			log_warnx("second stop signal: exiting now");
			stop_now();
			break;
		}
		log_info("stopping: %d deliveries under way, up to %lld ms",
		    loa->active, loa->cfg.shutdown_timeout_ms);
		notify_send("STOPPING=1");
		loa->draining = 1;
		loa->drain_deadline = loa_now_ms() +
		    loa->cfg.shutdown_timeout_ms;
		drain_check();
		break;
	}
}

/* The secret in file (NULL: none); check_config() has read it already. */
static char *
redis_password(const char *file, const char *key)
{
	char	*pw, err[512];

	if (file == NULL)
		return NULL;
	if (loa_read_secret(file, &pw, err, sizeof(err)) == -1)
		fatalx("[redis] %s %s", key, err);
	return pw;
}

static void
password_free(char *pw)
{
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

/*
 * Whether path (a log or output file, "-": standard output) can be
 * appended to, without creating it: the file, or else its directory,
 * writable.  0, or -1 with err set naming what.
 */
static int
check_appendable(const char *what, const char *path, char *err,
    size_t errlen)
{
	char	*dir, *slash;
	int	 rc = 0;

	if (strcmp(path, "-") == 0)
		return 0;
	if (access(path, F_OK) == 0) {
		if (access(path, W_OK) == -1) {
			snprintf(err, errlen, "%s %s: %s", what, path,
			    strerror(errno));
			rc = -1;
		}
		return rc;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "%s %s: directory %s: %s", what, path,
		    dir, strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

/*
 * What start-up checks before it runs anything, and all that loa -t
 * checks (one function, so that -t cannot say OK to a config the daemon
 * refuses; a reload checks the new config with it too): [http] listen
 * parsed as the listener parses it, the API token with its own rules,
 * the Redis password files, provider outputs and the delivery log
 * appendable; then (main) the plugins, each with its own config check,
 * and every secret file a provider names.  Nothing here contacts Redis
 * or a provider, opens the listener or creates a file.  Every problem is
 * said on a line of its own, after pfx; returns how many there are.
 */
static int
check_config(const struct loa_config *c, const char *pfx)
{
	const struct {
		const char	*file, *key;
	} redis[] = {
		{ c->redis_password_file, "password_file" },
		{ c->redis_sentinel_password_file, "sentinel_password_file" },
	};
	const char	*out;
	char		 err[1024], *pw, *host;
	unsigned short	 port;
	size_t		 i;
	int		 bad = 0;

	if (loa_http_listen_parse(c->http_listen, &host, &port, err,
	    sizeof(err)) == -1) {
		log_warnx("%s%s", pfx, err);
		bad++;
	} else
		free(host);
	if (httpd_token_read(c->http_token_file, &pw, err, sizeof(err)) == -1) {
		log_warnx("%s%s", pfx, err);
		bad++;
	} else
		password_free(pw);
	for (i = 0; i < sizeof(redis) / sizeof(redis[0]); i++) {
		if (redis[i].file == NULL)
			continue;
		if (loa_read_secret(redis[i].file, &pw, err,
		    sizeof(err)) == -1) {
			log_warnx("%s[redis] %s %s", pfx, redis[i].key, err);
			bad++;
		} else
			password_free(pw);
	}
	for (i = 0; i < c->nproviders; i++) {
		out = loa_provider_conf_get(&c->providers[i], "output");
		if (out != NULL && check_appendable("provider output", out,
		    err, sizeof(err)) == -1) {
			log_warnx("%s%s", pfx, err);
			bad++;
		}
	}
	if (check_appendable("delivery log", c->log_path, err,
	    sizeof(err)) == -1) {
		log_warnx("%s%s", pfx, err);
		bad++;
	}
	return bad;
}

/*
 * The event base.  With epoll, changes to a socket's interest made in one
 * loop round go to the kernel as one epoll_ctl (the changelist): libcurl
 * drops a kept-alive connection's socket when a transfer ends and asks
 * for it again when the next one starts on it, often in the same round.
 * (The changelist must not be used with dup()ed descriptors; loa watches
 * none.)
 */
static struct event_base *
new_base(void)
{
	struct event_config	*ec;
	struct event_base	*b;

	if ((ec = event_config_new()) == NULL)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	b = event_base_new_with_config(ec);
	event_config_free(ec);
	return b;
}

int
main(int argc, char *argv[])
{
	const char	*conf = "/etc/loa/loa.conf";
	struct event	*sig[4];
	int		 sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int		 ch, test = 0, verbose = 1, i, bad;
	char		 err[1024], host[64], *pw, *spw;
	struct timeval	 tv = { 0, CRON_MS * 1000 };

	while ((ch = getopt(argc, argv, "c:fhtVvq")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			break;		/* always in the foreground */
		case 'h':
			usage(1);
		case 't':
			test = 1;
			break;
		case 'V':
			printf("loa %s\n", LOA_VERSION);
			return 0;
		case 'v':
			verbose++;
			break;
		case 'q':
			verbose = 0;
			break;
		default:
			usage(0);
		}
	}
	if (optind != argc)
		usage(0);
	log_init("loa", verbose);
	log_stamp(!test);	/* a config check is read at once */
	if (loa_config_load(conf, &loa->cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "loa: %s\n", err);
		return 1;
	}
	loa_job_limits(loa->cfg.max_recipients);
	wire();
	/*
	 * Every problem is said, not only the first; outputs are opened
	 * only for a daemon that will run.
	 */
	bad = check_config(&loa->cfg, "");
	if (provider_load_all(&loa->cfg, !test && bad == 0) == -1)
		bad++;
	else
		bad += provider_check_secrets();
	if (bad > 0 || test) {
		if (bad > 0)
			fprintf(stderr, "loa: %s: %d problem%s (see above)\n",
			    conf, bad, bad == 1 ? "" : "s");
		else
			fprintf(stderr, "loa: %s: configuration OK (%d "
			    "provider%s)\n", conf, loa->nproviders,
			    loa->nproviders == 1 ? "" : "s");
		provider_free_all();
		loa_config_clear(&loa->cfg);
		return bad > 0;
	}
	if (dlog_open(loa->cfg.log_path) == -1)
		return 1;

	signal(SIGPIPE, SIG_IGN);
	srand48(getpid() ^ loa_now_ms());
	if (loa->cfg.consumer != NULL)
		snprintf(loa->consumer, sizeof(loa->consumer), "%s",
		    loa->cfg.consumer);
	else {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "loa");
		host[sizeof(host) - 1] = '\0';
		snprintf(loa->consumer, sizeof(loa->consumer), "%s-%ld", host,
		    (long)getpid());
		/* A host name outside the name rule: its odd bytes as '-'. */
		for (i = 0; loa->consumer[i] != '\0'; i++)
			if (!loa_name_valid((char[]){ loa->consumer[i], '\0' }))
				loa->consumer[i] = '-';
	}
	make_keys();
	log_route_libevent();
	if ((loa->base = new_base()) == NULL)
		fatalx("event_base_new");
	if (http_init() == -1)
		fatalx("HTTP engine failed to start");
	if (httpd_init(err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (kdf_init(loa->base) == -1)
		fatalx("the password checker did not start");
	engine_init();
	ledger_init();
	ingest_init();
	metrics_init();
	pw = redis_password(loa->cfg.redis_password_file, "password_file");
	spw = redis_password(loa->cfg.redis_sentinel_password_file,
	    "sentinel_password_file");
	/* With sentinels, each connection finds the master (redis.c). */
	loa->rc = loa_redis_new(loa->base, &loa->cfg.redis,
	    &loa->cfg.redis_sentinel, pw, spw, "commands",
	    loa->cfg.redis_timeout_ms, ingest_redis_up, ingest_redis_down,
	    NULL);
	loa->rb = loa_redis_new(loa->base, &loa->cfg.redis,
	    &loa->cfg.redis_sentinel, pw, spw, "reader",
	    loa->cfg.redis_timeout_ms + 1000, ingest_redis_up,
	    ingest_redis_down, NULL);
	password_free(pw);
	password_free(spw);
	for (i = 0; i < 3; i++) {
		sig[i] = evsignal_new(loa->base, sigs[i], signal_cb, NULL);
		evsignal_add(sig[i], NULL);
	}
	loa->ev_cron = event_new(loa->base, -1, EV_PERSIST, cron_cb, NULL);
	event_add(loa->ev_cron, &tv);
	notify_init();
	notify_send("READY=1");
	log_info("loa %s started as consumer %s (%d provider%s, max_inflight "
	    "%d)", LOA_VERSION, loa->consumer, loa->nproviders, loa->nproviders == 1 ? "" : "s",
	    loa->cfg.max_inflight);

	event_base_dispatch(loa->base);

	log_info("stopped");
	flow_abort_all();
	deliver_abort_waiting();
	ledger_free();
	loa_redis_free(loa->rb);
	loa_redis_free(loa->rc);
	engine_free();
	http_free();
	kdf_shutdown();
	httpd_free();
	provider_free_all();
	dlog_close();
	notify_free();
	metrics_free();
	for (i = 0; i < 3; i++)
		event_free(sig[i]);
	event_free(loa->ev_cron);
	wake_free();
	event_base_free(loa->base);
	free(loa->k_jobs);
	free(loa->k_events);
	for (i = 0; i < LOA_PRIO_COUNT; i++)
		free(loa->k_work[i]);
	loa_config_clear(&loa->cfg);
	return 0;
}
