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
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

extern const struct loa_provider_module loa_console_embedded;

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
	TAILQ_INIT(&p->waitq);
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
	p->carriers = flow_parse_carriers(loa_provider_conf_get(pc,
	    "carriers"));
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

/*
 * Load every provider of cfg (the embedded console for both channels when
 * there is none).  open_files: also open outputs (not for loa -t).
 */
int
provider_load_all(struct loa_config *cfg, int open_files)
{
	static char	 console[] = "console";
	char		 err[8192];
	size_t		 i, n = cfg->nproviders;

	if (n == 0) {
		struct loa_provider_conf *dc = &loa->default_conf;
		memset(dc, 0, sizeof(*dc));
		dc->name = console;
		dc->plugin = console;
		dc->max_inflight = 1024;
		dc->max_attempts = 1;
		cfg->providers = NULL;
		loa->providers = xcalloc(1, sizeof(*loa->providers));
		if (provider_load(&loa->providers[0], dc, cfg, err,
		    sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;
		}
		loa->nproviders = 1;
	} else {
		loa->providers = xcalloc(n, sizeof(*loa->providers));
		for (i = 0; i < n; i++) {
			if (provider_load(&loa->providers[i],
			    &cfg->providers[i], cfg, err, sizeof(err)) == -1) {
				log_warnx("%s", err);
				loa->nproviders = (int)i + 1;
				return -1;
			}
		}
		loa->nproviders = (int)n;
	}
	for (i = 0; open_files && i < (size_t)loa->nproviders; i++)
		if (open_output(&loa->providers[i]) == -1)
			return -1;
	return 0;
}

void
provider_free_all(void)
{
	int	i;

	for (i = 0; i < loa->nproviders; i++)
		provider_clear(&loa->providers[i]);
	free(loa->providers);
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
	deliver_answer(d, &resp);
}

/* An HTTP answer for a delivery: free the slot, then judge it. */
static void
http_done_cb(const struct loa_response *resp, void *arg)
{
	struct delivery	*d = arg;
	struct provider	*p = d->prov;

	p->inflight--;
	loa->inflight--;
	deliver_answer(d, resp);
	flow_pump(p);
}

static void
abandon_cb(http_cb cb, void *arg)
{
	struct delivery	*d = arg;

	if (cb != http_done_cb)
		return;		/* a credentials refresh: nothing to undo */
	d->prov->inflight--;
	loa->inflight--;
	d->sent_once = 1;	/* it left: its mark stays "in flight" */
	deliver_abort(d);
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
