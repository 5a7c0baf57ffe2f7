/*
 * provider.c -- provider plugins: loading, host services, transports.
 *
 * Each [provider.NAME] section becomes one instance of its plugin.  The
 * loader dlopen()s <plugin_dir>/<plugin>.so with RTLD_NOW|RTLD_LOCAL,
 * finds the one data symbol "loa_provider", and checks the ABI head
 * (major equal, minor not newer, struct size) before reading anything
 * else; then it refuses config keys the plugin does not declare, naming
 * the file and line.  The console plugin is also built into the daemon,
 * so a config without providers (the demo) still delivers.
 *
 * Transports: the core does all I/O.  LOCAL requests (console) are one
 * line appended to the provider's `output` file; HTTP requests go to
 * http.c.  A provider sends at most max_inflight requests at once; the
 * rest wait in its queue in arrival order.
 *
 * A config reload (SIGHUP) loads a whole new set of providers first and
 * gives up, changing nothing, when any of them fails.  The old set is
 * retired, not freed: what waits in its queues moves to the new set, what
 * is in flight finishes on the old instances (their answers are judged by
 * the plugin instance that built the request), and the old set with its
 * config goes once it is idle and its last callbacks are surely done.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "plan.h"

extern const struct loa_provider_module loa_console_embedded;

static const struct provider_hooks *hooks;	/* from main.c */

/* Who hears what became of the requests (main.c wires it). */
void
provider_hooks_set(const struct provider_hooks *h)
{
	hooks = h;
}

static void __attribute__((format(printf, 3, 4)))
host_log(void *hctx, enum loa_log_level lvl, const char *fmt, ...)
{
	struct provider	*p = hctx;
	char		 msg[1024];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(lvl > LOA_LOG_DEBUG ? LOA_LOG_DEBUG : (int)lvl,
	    "provider %s: %s", p->conf->name, msg);
}

static const char *
host_config(void *hctx, const char *key)
{
	struct provider	*p = hctx;

	return loa_provider_conf_get(p->conf, key);
}

static const char *
host_secret(void *hctx, const char *key)
{
	struct provider	*p = hctx;
	const char	*path;
	char		*val, err[512];
	int		 i;

	for (i = 0; i < p->nsecrets; i++)
		if (strcmp(p->secrets[i].key, key) == 0)
			return p->secrets[i].value;
	if ((path = loa_provider_conf_get(p->conf, key)) == NULL) {
		log_warnx("provider %s: %s is not set", p->conf->name, key);
		return NULL;
	}
	if (loa_read_secret(path, &val, err, sizeof(err)) == -1) {
		log_warnx("provider %s: %s: %s", p->conf->name, key, err);
		return NULL;
	}
	p->secrets = xreallocarray(p->secrets, p->nsecrets + 1,
	    sizeof(*p->secrets));
	p->secrets[p->nsecrets].key = xstrdup(key);
	p->secrets[p->nsecrets].value = val;
	return p->secrets[p->nsecrets++].value;
}

/*
 * loa -t: every secret file a provider section names (the keys ending in
 * "_file") is read as the running daemon reads it (host_secret), those
 * the plugin reads later too (refresh_token_file).  A refresh_token_file
 * that does not exist is no error: it only seeds Redis, once, and may be
 * gone since.  Returns how many failed (each said, naming the file).
 */
int
provider_check_secrets(void)
{
	const struct loa_provider_conf	*pc;
	struct provider			*p;
	struct stat			 st;
	char				 full[4096];
	size_t				 j, n;
	int				 i, bad = 0;

	for (i = 0; i < loa->nproviders; i++) {
		p = &loa->providers[i];
		pc = p->conf;
		for (j = 0; j < pc->nkv; j++) {
			n = strlen(pc->kv[j].key);
			if (n < 5 || strcmp(pc->kv[j].key + n - 5, "_file") != 0)
				continue;
			loa_secret_path(pc->kv[j].value, full, sizeof(full));
			if (strcmp(pc->kv[j].key, "refresh_token_file") == 0 &&
			    lstat(full, &st) == -1 && errno == ENOENT) {
				log_info("provider %s: refresh_token_file %s "
				    "does not exist (needed only until Redis "
				    "holds a refresh token)", pc->name, full);
				continue;
			}
			if (host_secret(p, pc->kv[j].key) == NULL)
				bad++;
		}
	}
	return bad;
}

static int
key_allowed(const struct loa_provider_module *m, const char *key)
{
	int	i;

	for (i = 0; loa_provider_common_keys[i] != NULL; i++)
		if (strcmp(key, loa_provider_common_keys[i]) == 0)
			return 1;
	for (i = 0; m->config_keys != NULL && m->config_keys[i] != NULL; i++)
		if (strcmp(key, m->config_keys[i]) == 0)
			return 1;
	return 0;
}

static unsigned
parse_channels(const char *list)
{
	unsigned	 mask = 0;
	char		*dup = xstrdup(list), *tok, *save = NULL;
	enum loa_channel c;

	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (loa_channel_parse(tok, &c) == 0)
			mask |= 1u << c;
	free(dup);
	return mask;
}

static int
open_output(struct provider *p)
{
	const char	*out = loa_provider_conf_get(p->conf, "output");

	free(p->out_path);
	p->out_path = xstrdup(out != NULL ? out : "-");
	if (p->out != NULL && p->out != stdout)
		fclose(p->out);
	if (strcmp(p->out_path, "-") == 0) {
		p->out = stdout;
		return 0;
	}
	if ((p->out = fopen(p->out_path, "a")) == NULL) {
		log_warn("provider %s: %s", p->conf->name, p->out_path);
		return -1;
	}
	return 0;
}

/*
 * Load one provider instance.  Returns 0, or -1 with err set
 * ("FILE:LINE: [provider.x] key: why").
 */
static int
provider_load(struct provider *p, struct loa_provider_conf *pc,
    const struct loa_config *cfg, char *err, size_t errlen)
{
	const struct loa_provider_module *m;
	char				  path[4096];
	size_t				  i;

	memset(p, 0, sizeof(*p));
	p->conf = pc;
	fairq_init(&p->waitq);
	if (strcmp(pc->plugin, "console") == 0)
		m = &loa_console_embedded;	/* built in: always there */
	else {
		if (strchr(pc->plugin, '/') != NULL) {
			snprintf(err, errlen, "%s:%d: [provider.%s] plugin: a "
			    "name, not a path", cfg->path, pc->line, pc->name);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s.so", cfg->plugin_dir,
		    pc->plugin);
		if ((p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
			snprintf(err, errlen, "%s:%d: [provider.%s] plugin: %s",
			    cfg->path, pc->line, pc->name, dlerror());
			return -1;
		}
		dlerror();
		m = dlsym(p->dl, LOA_PROVIDER_SYMBOL);
		if (m == NULL) {
			snprintf(err, errlen, "%s: no symbol %s: not a Loa "
			    "provider plugin", path, LOA_PROVIDER_SYMBOL);
			return -1;
		}
		if (m->abi_major != LOA_PROVIDER_ABI_MAJOR ||
		    m->abi_minor > LOA_PROVIDER_ABI_MINOR ||
		    m->struct_size < offsetof(struct loa_provider_module,
		    report)) {
			snprintf(err, errlen, "%s: plugin ABI %u.%u (size %u), "
			    "this daemon speaks %u.%u: rebuild the plugin",
			    path, m->abi_major, m->abi_minor, m->struct_size,
			    LOA_PROVIDER_ABI_MAJOR, LOA_PROVIDER_ABI_MINOR);
			return -1;
		}
	}
	p->mod = m;
	for (i = 0; i < pc->nkv; i++)
		if (!key_allowed(m, pc->kv[i].key)) {
			snprintf(err, errlen, "%s:%d: [provider.%s] %s: unknown "
			    "key for plugin %s", cfg->path, pc->kv[i].line,
			    pc->name, pc->kv[i].key, m->name);
			return -1;
		}
	p->channels = parse_channels(m->channels);
	if (pc->channel != NULL) {
		unsigned want = parse_channels(pc->channel);
		if ((want & p->channels) == 0) {
			snprintf(err, errlen, "%s:%d: [provider.%s] channel: "
			    "plugin %s serves %s", cfg->path, pc->line,
			    pc->name, m->name, m->channels);
			return -1;
		}
		p->channels = want;
	}
	p->weight = pc->weight;
	{
		char bad[64];
		if (loa_carriers_parse(loa_provider_conf_get(pc, "carriers"),
		    &p->carriers, bad, sizeof(bad)) == -1) {
			log_warnx("provider %s: carriers: unknown carrier "
			    "\"%s\"", pc->name, bad);
			return -1;
		}
	}
	p->unicode = LOA_UNICODE_NEVER;
	if (loa_provider_conf_get(pc, "unicode") != NULL)
		(void)loa_sms_unicode_parse(loa_provider_conf_get(pc,
		    "unicode"), &p->unicode);	/* checked by config.c */
	p->host.log = host_log;
	p->host.config = host_config;
	p->host.secret = host_secret;
	p->host.hctx = p;
	if (m->create(&p->host, &p->state) == -1) {
		p->state = NULL;
		snprintf(err, errlen, "%s:%d: [provider.%s]: plugin %s refused "
		    "its config (see above)", cfg->path, pc->line, pc->name,
		    m->name);
		return -1;
	}
	creds_init(p);
	return 0;
}

static void
provider_clear(struct provider *p)
{
	int	i;

	fairq_free(&p->waitq);	/* its queue is empty by now: flows only */
	creds_free(p);
	if (p->mod != NULL && p->state != NULL)
		p->mod->destroy(p->state);
	if (p->dl != NULL)
		dlclose(p->dl);
	if (p->out != NULL && p->out != stdout)
		fclose(p->out);
	free(p->out_path);
	for (i = 0; i < p->nsecrets; i++) {
		explicit_bzero(p->secrets[i].value,
		    strlen(p->secrets[i].value));
		free(p->secrets[i].key);
		free(p->secrets[i].value);
	}
	free(p->secrets);
}

static void
set_free(struct provider *set, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		provider_clear(&set[i]);
	free(set);
}

/*
 * Load every provider of cfg into a new set (the embedded console for
 * both channels when there is none).  open_files: also open outputs (not
 * for loa -t).  Returns 0, or -1 (said why, nothing left allocated).
 */
static int
set_load(struct loa_config *cfg, int open_files, struct provider **setp,
    int *np)
{
	static char			 console[] = "console";
	struct loa_provider_conf	*dc = &loa->default_conf;
	struct provider			*set;
	char				 err[8192];
	int				 i, n = (int)cfg->nproviders;

	if (n == 0) {
		/* The same content each time: a retired set may point here. */
		memset(dc, 0, sizeof(*dc));
		dc->name = console;
		dc->plugin = console;
		dc->max_inflight = 1024;
		dc->max_attempts = 1;
		cfg->providers = NULL;
	}
	set = xcalloc(n > 0 ? n : 1, sizeof(*set));
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		err[0] = '\0';
		if (provider_load(&set[i], n > 0 ? &cfg->providers[i] : dc,
		    cfg, err, sizeof(err)) == -1 ||
		    (open_files && open_output(&set[i]) == -1)) {
			if (err[0] != '\0')
				log_warnx("%s", err);
			set_free(set, i + 1);
			return -1;
		}
	}
	/* Who sends on zalo, for plan.c's rules (flow_serves() agrees). */
	loa_plan_zalo = 0;
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		if (!(set[i].channels & (1u << LOA_CH_ZALO)))
			continue;
		if (set[i].mod->flags & LOA_PROVIDER_ANY_ADDR)
			loa_plan_zalo |= LOA_PLAN_ZALO_ANY;
		else if (set[i].mod->flags & LOA_PROVIDER_BY_UID)
			loa_plan_zalo |= LOA_PLAN_ZALO_UID;
	}
	*setp = set;
	*np = n > 0 ? n : 1;
	return 0;
}

int
provider_load_all(struct loa_config *cfg, int open_files)
{
	return set_load(cfg, open_files, &loa->providers, &loa->nproviders);
}

/* A set of providers a reload replaced, with the config it came from. */
struct retired {
	struct provider		*set;
	int			 n;
	struct loa_config	 cfg;
	long long		 at;
	long long		 grace_ms;
	struct retired		*next;
};

static struct retired	*retired;

static struct provider *
by_name(struct provider *set, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(set[i].conf->name, name) == 0)
			return &set[i];
	return NULL;
}

/*
 * SIGHUP: nc (checked by loa_config_load) becomes the running config and
 * its providers the running set, or, when a provider cannot be loaded,
 * nothing changes and -1 is returned (said why).  On success nc is taken
 * (emptied).
 */
int
provider_reload(struct loa_config *nc)
{
	struct provider	*set, *old, *p, *q;
	struct retired	*r;
	int		 n, i;

	if (set_load(nc, 1, &set, &n) == -1)
		return -1;
	old = loa->providers;
	/* An account's state outlives a reload: pause, circuit. */
	for (i = 0; i < n; i++) {
		p = &set[i];
		if ((q = by_name(old, loa->nproviders, p->conf->name)) == NULL)
			continue;
		p->paused = q->paused;
		p->circ = q->circ;
		p->down_said = q->down_said;
		p->published = q->published;
	}
	r = xcalloc(1, sizeof(*r));
	r->set = old;
	r->n = loa->nproviders;
	r->cfg = loa->cfg;
	r->at = loa_now_ms();
	r->grace_ms = 2 * loa->cfg.redis_timeout_ms;
	for (i = 0; i < r->n; i++) {
		old[i].retired = 1;
		if (2 * old[i].conf->timeout_ms > r->grace_ms)
			r->grace_ms = 2 * old[i].conf->timeout_ms;
	}
	r->grace_ms += 5000;
	r->next = retired;
	retired = r;
	loa->cfg = *nc;
	memset(nc, 0, sizeof(*nc));
	loa->providers = set;
	loa->nproviders = n;
	/* What waited on the old set goes through the new one. */
	for (i = 0; i < r->n; i++)
		hooks->retired(&old[i]);
	return 0;
}

/* From the cron: free retired sets that are idle and past their grace. */
void
provider_reap(void)
{
	struct retired	**rp, *r;
	long long	  now = loa_now_ms();
	int		  i, busy;

	for (rp = &retired; (r = *rp) != NULL; ) {
		for (i = busy = 0; i < r->n; i++)
			busy += r->set[i].inflight + r->set[i].waitq.n;
		if (busy > 0)
			r->at = now;	/* the grace counts from idle */
		if (busy > 0 || now - r->at < r->grace_ms) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		set_free(r->set, r->n);
		loa_config_clear(&r->cfg);
		free(r);
	}
}

void
provider_free_all(void)
{
	struct retired	*r;

	while ((r = retired) != NULL) {
		retired = r->next;
		set_free(r->set, r->n);
		loa_config_clear(&r->cfg);
		free(r);
	}
	set_free(loa->providers, loa->nproviders);
	loa->providers = NULL;
	loa->nproviders = 0;
}

/*
 * The console's transport: the message as one line, in one write(2) on
 * the output opened with O_APPEND, so that daemons sharing one output
 * file never interleave inside a line.
 */
static void
transport_local(struct provider *p, struct delivery *d)
{
	struct loa_response	 resp;
	char			*line;
	size_t			 len = d->req.body_len + 1, off = 0;
	ssize_t			 n;
	int			 fd = fileno(p->out);

	line = xmalloc(len);
	memcpy(line, d->req.body, d->req.body_len);
	line[len - 1] = '\n';
	while (off < len) {
		if ((n = write(fd, line + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	free(line);
	memset(&resp, 0, sizeof(resp));
	resp.http_status = off == len ? 200 : 0;
	resp.body = "";
	if (off != len)
		log_warn("provider %s: write %s", p->conf->name, p->out_path);
	hooks->answer(d, &resp, off == len ? HF_ANSWERED :
	    off == 0 ? HF_NOT_SENT : HF_BAD_ANSWER);
}

/* An HTTP answer for a delivery: free the slot, then judge it. */
static void
http_done_cb(const struct loa_response *resp, enum http_fate fate, void *arg)
{
	struct delivery	*d = arg;
	struct provider	*p = d->prov;

	p->inflight--;
	loa->inflight--;
	hooks->answer(d, resp, fate);
	hooks->room(p);
}

static void
abandon_cb(http_cb cb, void *arg)
{
	struct delivery	*d = arg;

	if (ack_abandoned(cb, arg))
		return;		/* an acknowledgement (ack.c) */
	if (cb != http_done_cb)
		return;		/* a credentials refresh: nothing to undo */
	d->prov->inflight--;
	loa->inflight--;
	hooks->abandoned(d);	/* it left: its mark stays "in flight" */
}

/*
 * Stopping and out of time: requests still unanswered are given up; their
 * recipients stay marked in flight, to be sent again by whoever takes the
 * work over, as possible duplicates.
 */
void
provider_abandon_all(void)
{
	http_abandon_all(abandon_cb);
}

/*
 * Send d's request now (flow.c decided it may go).  The answer reaches
 * deliver_answer(); a local transport answers before this returns.
 */
void
provider_start(struct provider *p, struct delivery *d)
{
	if (d->req.transport == LOA_TRANSPORT_LOCAL) {
		transport_local(p, d);
		return;
	}
	p->inflight++;
	loa->inflight++;
	http_request(p, &d->req, http_done_cb, d);
}

void
provider_reopen(void)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		if (loa->providers[i].out != NULL &&
		    loa->providers[i].out != stdout)
			open_output(&loa->providers[i]);
}
