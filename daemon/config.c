/*
 * config.c -- loading and checking loa.conf (INI, parsed by libinih).
 *
 * Every key is checked where it is read, so a bad config is reported as
 * "FILE:LINE: [section] key: what is wrong" and nothing half-parsed is kept.
 * Provider sections keep their keys (with line numbers) so that the plugin
 * loader can refuse keys the plugin does not know, naming the line too.
 * Secrets never live here: only the names of the files that hold them;
 * a loaded config sets where relative ones are looked up (credentials_dir,
 * util.c), for loa and loactl alike.  The [http] listen address is parsed
 * here too (loa_http_listen_parse), for the listener and for loa -t.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>
#include <unistr.h>

#include "loa.h"

#ifndef LOA_PLUGIN_DIR
#define LOA_PLUGIN_DIR "/usr/local/lib/loa/plugins"
#endif
#ifndef LOA_WWW_DIR
#define LOA_WWW_DIR "/usr/local/share/loa/www"
#endif

struct cfg_parse {
	struct loa_config	*cfg;
	FILE			*fp;
	int			 line;		/* of the line being parsed */
	char			 err[1024];	/* first error, "" if none */
	int			 errline;	/* ... on this line */
	char			 cursect[128];
	struct {			/* lines of [redis] keys, 0: unset */
		int	url, sentinels, master_name, sentinel_pw, db;
	}			 redis_line;
};

/* Provider keys every section takes, whatever its plugin. */
const char *const loa_provider_common_keys[] = {
	"plugin", "channel", "base_url", "rate", "max_inflight", "timeout",
	"connect_timeout", "max_attempts", "price_per_segment", "weight",
	"carriers", "unicode", "credentials", NULL
};

static void __attribute__((format(printf, 3, 4)))
cfg_error(struct cfg_parse *p, const char *key, const char *fmt, ...)
{
	char	msg[384];
	va_list	ap;

	if (p->err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errline = p->line;
	snprintf(p->err, sizeof(p->err), "%s:%d: [%s] %s: %s",
	    p->cfg->path, p->line, p->cursect, key, msg);
}

int
loa_parse_duration_ms(const char *s, long long *out)
{
	char		*end;
	long long	 v, mult;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mult = 86400LL * 1000;
	else
		return -1;
	if (v > LLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
loa_parse_size(const char *s, long long *out)
{
	char		*end;
	long long	 v, mult = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mult = 1024;
		end++;
		break;
	case 'm':
		mult = 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || v > LLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/*
 * "50/s", "3000/min", "100" (per second) -> messages per second, from
 * LOA_RATE_MIN to LOA_RATE_MAX: "nan", "inf" and rates that the shared
 * rate script would read as 0 (it gets "%.6f") are refused.
 */
#define LOA_RATE_MIN	1e-5		/* about one a day */
#define LOA_RATE_MAX	1e9
int
loa_parse_rate(const char *s, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "/s") == 0)
		;
	else if (strcmp(end, "/min") == 0 || strcmp(end, "/m") == 0)
		v /= 60.0;
	else if (strcmp(end, "/h") == 0)
		v /= 3600.0;
	else
		return -1;
	if (v < LOA_RATE_MIN || v > LOA_RATE_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
parse_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
loa_parse_bool(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0)
		return 0;
	return -1;
}

/* "21:00-07:00" -> minutes of the day; start == end means none. */
static int
parse_quiet(const char *s, int *start, int *end)
{
	int	h1, m1, h2, m2, n = 0;

	if (sscanf(s, "%d:%d-%d:%d%n", &h1, &m1, &h2, &m2, &n) != 4 ||
	    s[n] != '\0' || h1 < 0 || h1 > 23 || h2 < 0 || h2 > 23 ||
	    m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59)
		return -1;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return 0;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

#define DURATION(field, lo) do {					\
	long long ms_;							\
	if (loa_parse_duration_ms(value, &ms_) == -1)			\
		cfg_error(p, name, "bad duration \"%s\" (e.g. 500ms, "	\
		    "10s, 5m, 30d)", value);				\
	else if (ms_ < (lo))						\
		cfg_error(p, name, "%s is too short: at least %lld ms",	\
		    value, (long long)(lo));				\
	else								\
		(field) = ms_;						\
} while (0)

#define INTEGER(field, lo, hi) do {					\
	long v_;							\
	if (parse_int(value, (lo), (hi), &v_) == -1)			\
		cfg_error(p, name, "want a whole number from %ld to %ld," \
		    " not \"%s\"", (long)(lo), (long)(hi), value);	\
	else								\
		(field) = v_;						\
} while (0)

static int
cfg_redis(struct cfg_parse *p, const char *name, const char *value)
{
	struct loa_config	*c = p->cfg;
	char			 err[256];

	if (strcmp(name, "url") == 0) {
		struct loa_redis_addr a;
		p->redis_line.url = p->line;
		if (loa_redis_parse_url(value, &a, err, sizeof(err)) == -1)
			cfg_error(p, name, "%s", err);
		else {
			loa_redis_addr_clear(&c->redis);
			c->redis = a;
		}
	} else if (strcmp(name, "sentinels") == 0) {
		p->redis_line.sentinels = p->line;
		if (loa_redis_parse_sentinels(value, &c->redis_sentinel, err,
		    sizeof(err)) == -1)
			cfg_error(p, name, "%s", err);
	} else if (strcmp(name, "master_name") == 0) {
		p->redis_line.master_name = p->line;
		if (*value == '\0' || strlen(value) > 128 ||
		    strpbrk(value, " \t\r\n") != NULL)
			cfg_error(p, name, "want the name the sentinels monitor "
			    "(e.g. mymaster): no spaces, at most 128 bytes");
		else
			set_str(&c->redis_sentinel.master_name, value);
	} else if (strcmp(name, "sentinel_password_file") == 0) {
		p->redis_line.sentinel_pw = p->line;
		set_str(&c->redis_sentinel_password_file, value);
	} else if (strcmp(name, "db") == 0) {
		p->redis_line.db = p->line;
		INTEGER(c->redis.db, 0, 15);
	} else if (strcmp(name, "prefix") == 0) {
		if (strlen(value) > 64 || strpbrk(value, " \t\r\n") != NULL)
			cfg_error(p, name, "a prefix has no spaces and at most"
			    " 64 bytes");
		else
			set_str(&c->prefix, value);
	} else if (strcmp(name, "password_file") == 0)
		set_str(&c->redis_password_file, value);
	else if (strcmp(name, "timeout") == 0)
		DURATION(c->redis_timeout_ms, 100);
	else
		cfg_error(p, name, "unknown key");
	return 1;
}

static int
cfg_daemon(struct cfg_parse *p, const char *name, const char *value)
{
	struct loa_config	*c = p->cfg;
	long long		 sz;
	int			 b;

	if (strcmp(name, "plugin_dir") == 0)
		set_str(&c->plugin_dir, value);
	else if (strcmp(name, "credentials_dir") == 0) {
		if (value[0] != '/')
			cfg_error(p, name, "want an absolute directory (e.g. "
			    "%s), not \"%s\"", LOA_CREDENTIALS_DIR, value);
		else
			set_str(&c->credentials_dir, value);
	} else if (strcmp(name, "max_inflight") == 0)
		INTEGER(c->max_inflight, 1, 1000000);
	else if (strcmp(name, "retention") == 0)
		DURATION(c->retention_ms, 60 * 1000);
	else if (strcmp(name, "quiet_hours") == 0) {
		if (*value == '\0' || strcmp(value, "none") == 0)
			c->quiet_start = c->quiet_end = 0;
		else if (parse_quiet(value, &c->quiet_start,
		    &c->quiet_end) == -1)
			cfg_error(p, name, "want HH:MM-HH:MM, not \"%s\"",
			    value);
	} else if (strcmp(name, "log") == 0)
		set_str(&c->log_path, value);
	else if (strcmp(name, "mask_phones") == 0) {
		if ((b = loa_parse_bool(value)) == -1)
			cfg_error(p, name, "want yes or no, not \"%s\"", value);
		else
			c->mask_phones = b;
	} else if (strcmp(name, "consumer") == 0) {
		/* It names keys (daemon:<consumer>): the name rule. */
		if (!loa_name_valid(value))
			cfg_error(p, name, "want " LOA_NAME_RULE ", not \"%s\"",
			    value);
		else
			set_str(&c->consumer, value);
	}
	else if (strcmp(name, "claim_timeout") == 0)
		DURATION(c->claim_timeout_ms, 100);
	else if (strcmp(name, "shutdown_timeout") == 0)
		DURATION(c->shutdown_timeout_ms, 0);
	else if (strcmp(name, "max_job_size") == 0) {
		if (loa_parse_size(value, &sz) == -1 || sz < 1024 ||
		    sz > 64 * 1024 * 1024)
			cfg_error(p, name, "want a size from 1k to 64m, not "
			    "\"%s\"", value);
		else
			c->max_job_size = (size_t)sz;
	} else if (strcmp(name, "max_recipients") == 0)
		INTEGER(c->max_recipients, 1, 1000000);
	else if (strcmp(name, "events_maxlen") == 0)
		INTEGER(c->events_maxlen, 100, 100000000);
	else if (strcmp(name, "chunk_size") == 0)
		INTEGER(c->chunk_size, 1, 10000);
	else if (strcmp(name, "early_reports_max") == 0)
		INTEGER(c->early_reports_max, 10, 1000000);
	else
		cfg_error(p, name, "unknown key");
	return 1;
}

static int
cfg_http(struct cfg_parse *p, const char *name, const char *value)
{
	struct loa_config	*c = p->cfg;

	if (strcmp(name, "listen") == 0)
		set_str(&c->http_listen, value);
	else if (strcmp(name, "token_file") == 0)
		set_str(&c->http_token_file, value);
	else if (strcmp(name, "max_connections") == 0)
		INTEGER(c->http_max_connections, 16, 1000000);
	else if (strcmp(name, "header_timeout") == 0)
		DURATION(c->http_header_timeout_ms, 100);
	else if (strcmp(name, "body_timeout") == 0)
		DURATION(c->http_body_timeout_ms, 100);
	else if (strcmp(name, "session_idle") == 0)
		DURATION(c->http_session_idle_ms, 60000);
	else if (strcmp(name, "www_dir") == 0)
		set_str(&c->www_dir, value);
	else
		cfg_error(p, name, "unknown key");
	return 1;
}

static int
cfg_approval(struct cfg_parse *p, const char *name, const char *value)
{
	struct loa_config	*c = p->cfg;

	if (strcmp(name, "required") == 0) {
		if (loa_approval_required_parse(value,
		    &c->approval_required) == -1)
			cfg_error(p, name, "want never, district, all or "
			    "always, not \"%s\"", value);
	} else if (strcmp(name, "min_recipients") == 0)
		INTEGER(c->approval_min_recipients, 0, 100000000);
	else if (strcmp(name, "urgent") == 0) {
		if (strcmp(value, "bypass") == 0)
			c->approval_urgent = 0;
		else if (strcmp(value, "approve") == 0)
			c->approval_urgent = 1;
		else
			cfg_error(p, name, "want bypass or approve, not \"%s\"",
			    value);
	} else if (strcmp(name, "expire") == 0)
		DURATION(c->approval_expire_ms, 60 * 1000);
	else
		cfg_error(p, name, "unknown key");
	return 1;
}

/*
 * [inbox]: the acknowledgements sent to a Zalo user after a keyword
 * (ack.c); "" sends none.  An OA text is at most 2000 characters: a
 * longer one would be refused by Zalo at every use, so it is refused
 * here, once.
 */
static int
cfg_inbox(struct cfg_parse *p, const char *name, const char *value)
{
	struct loa_config	*c = p->cfg;
	char			**dst;

	if (strcmp(name, "ack_optout") == 0)
		dst = &c->inbox_ack_optout;
	else if (strcmp(name, "ack_linked") == 0)
		dst = &c->inbox_ack_linked;
	else {
		cfg_error(p, name, "unknown key");
		return 1;
	}
	if (u8_check((const uint8_t *)value, strlen(value)) != NULL ||
	    u8_mbsnlen((const uint8_t *)value, strlen(value)) > 2000)
		cfg_error(p, name, "want UTF-8 text of at most 2000 "
		    "characters");
	else
		set_str(dst, value);
	return 1;
}

static struct loa_provider_conf *
provider_get(struct loa_config *c, const char *name, int line)
{
	struct loa_provider_conf	*pc;
	size_t				 i;

	for (i = 0; i < c->nproviders; i++)
		if (strcmp(c->providers[i].name, name) == 0)
			return &c->providers[i];
	c->providers = xreallocarray(c->providers, c->nproviders + 1,
	    sizeof(*c->providers));
	pc = &c->providers[c->nproviders++];
	memset(pc, 0, sizeof(*pc));
	pc->name = xstrdup(name);
	pc->line = line;
	pc->max_inflight = 64;
	pc->timeout_ms = 10000;
	pc->connect_timeout_ms = 3000;
	pc->max_attempts = 5;
	pc->weight = 1;
	return pc;
}

static int
cfg_provider(struct cfg_parse *p, const char *pname, const char *name,
    const char *value)
{
	struct loa_provider_conf	*pc;
	size_t				 i;

	pc = provider_get(p->cfg, pname, p->line);
	for (i = 0; i < pc->nkv; i++)
		if (strcmp(pc->kv[i].key, name) == 0) {
			cfg_error(p, name, "set twice (first on line %d)",
			    pc->kv[i].line);
			return 1;
		}
	pc->kv = xreallocarray(pc->kv, pc->nkv + 1, sizeof(*pc->kv));
	pc->kv[pc->nkv].key = xstrdup(name);
	pc->kv[pc->nkv].value = xstrdup(value);
	pc->kv[pc->nkv].line = p->line;
	pc->nkv++;

	if (strcmp(name, "plugin") == 0)
		set_str(&pc->plugin, value);
	else if (strcmp(name, "channel") == 0) {
		if (strcmp(value, "sms") != 0 && strcmp(value, "zalo") != 0)
			cfg_error(p, name, "want sms or zalo, not \"%s\"",
			    value);
		else
			set_str(&pc->channel, value);
	} else if (strcmp(name, "base_url") == 0) {
		if (strncmp(value, "https://", 8) != 0 &&
		    strncmp(value, "http://", 7) != 0)
			cfg_error(p, name, "want an http(s):// URL");
		else if (!loa_url_allowed(value))
			cfg_error(p, name, "want https://, or http:// to a "
			    "loopback host (localhost, 127.x.x.x, [::1]), not "
			    "\"%s\"", value);
		else
			set_str(&pc->base_url, value);
	} else if (strcmp(name, "rate") == 0) {
		if (loa_parse_rate(value, &pc->rate) == -1)
			cfg_error(p, name, "want N/s, N/min or N/h, not \"%s\"",
			    value);
	} else if (strcmp(name, "max_inflight") == 0)
		INTEGER(pc->max_inflight, 1, 100000);
	else if (strcmp(name, "timeout") == 0)
		DURATION(pc->timeout_ms, 100);
	else if (strcmp(name, "connect_timeout") == 0)
		DURATION(pc->connect_timeout_ms, 100);
	else if (strcmp(name, "max_attempts") == 0)
		INTEGER(pc->max_attempts, 1, 100);
	else if (strcmp(name, "weight") == 0)
		INTEGER(pc->weight, 0, 1000);
	else if (strcmp(name, "price_per_segment") == 0) {
		char *end;
		errno = 0;
		pc->price_per_segment = strtod(value, &end);
		if (end == value || *end != '\0' || errno != 0 ||
		    !isfinite(pc->price_per_segment) ||
		    pc->price_per_segment < 0)
			cfg_error(p, name, "want a price, not \"%s\"", value);
	} else if (strcmp(name, "carriers") == 0) {
		unsigned	mask;
		char		bad[64];
		if (loa_carriers_parse(value, &mask, bad, sizeof(bad)) == -1)
			cfg_error(p, name, "unknown carrier \"%s\" (known: "
			    "viettel, mobifone, vinaphone, vietnamobile, "
			    "gmobile, reddi, itel)", bad);
	} else if (strcmp(name, "unicode") == 0) {
		enum loa_sms_unicode u;
		if (loa_sms_unicode_parse(value, &u) == -1)
			cfg_error(p, name, "want never, always or auto");
	}
	/* Other keys belong to the plugin, checked when it is loaded. */
	return 1;
}

static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct cfg_parse	*p = user;

	snprintf(p->cursect, sizeof(p->cursect), "%s", section);
	if (name == NULL)	/* a new section */
		return 1;
	if (strcmp(section, "redis") == 0)
		return cfg_redis(p, name, value);
	if (strcmp(section, "daemon") == 0)
		return cfg_daemon(p, name, value);
	if (strcmp(section, "http") == 0)
		return cfg_http(p, name, value);
	if (strcmp(section, "approval") == 0)
		return cfg_approval(p, name, value);
	if (strcmp(section, "inbox") == 0)
		return cfg_inbox(p, name, value);
	if (strncmp(section, "provider.", 9) == 0 && section[9] != '\0') {
		const char *pn = section + 9;
		/* The name rule of every key part, without '.' (the section
		 * name's own separator). */
		if (!loa_name_valid(pn) || strchr(pn, '.') != NULL) {
			cfg_error(p, name, "provider names use 1 to %d "
			    "letters, digits, '_' and '-'", LOA_NAME_MAX);
			return 1;
		}
		return cfg_provider(p, pn, name, value);
	}
	cfg_error(p, name, "unknown section");
	return 1;
}

/* libinih reader that counts lines, so the handler knows where it is. */
static char *
cfg_reader(char *buf, int size, void *stream)
{
	struct cfg_parse	*p = stream;
	char			*r;

	r = fgets(buf, size, p->fp);
	if (r != NULL)
		p->line++;
	return r;
}

void
loa_config_defaults(struct loa_config *c)
{
	memset(c, 0, sizeof(*c));
	loa_redis_parse_url("redis://127.0.0.1:6379/0", &c->redis, NULL, 0);
	c->prefix = xstrdup("loa:");
	c->redis_timeout_ms = 5000;
	c->plugin_dir = xstrdup(LOA_PLUGIN_DIR);
	c->credentials_dir = xstrdup(LOA_CREDENTIALS_DIR);
	c->max_inflight = 512;
	c->retention_ms = 30LL * 86400 * 1000;
	c->log_path = xstrdup("-");
	c->mask_phones = 1;
	c->claim_timeout_ms = 30000;
	c->shutdown_timeout_ms = 10000;
	c->max_job_size = 1024 * 1024;
	c->max_recipients = LOA_MAX_RECIPIENTS;
	c->events_maxlen = 100000;
	c->chunk_size = 100;
	c->early_reports_max = 10000;
	c->http_listen = xstrdup("127.0.0.1:8080");
	c->http_max_connections = 512;
	c->http_header_timeout_ms = 10000;
	c->http_body_timeout_ms = 30000;
	c->http_session_idle_ms = 30 * 60000;	/* a console session */
	c->approval_expire_ms = 86400LL * 1000;
	c->www_dir = xstrdup(LOA_WWW_DIR);
	c->inbox_ack_optout = xstrdup("Bạn đã từ chối nhận thông báo của "
	    "phường qua Zalo.");
	c->inbox_ack_linked = xstrdup("Tài khoản Zalo của bạn đã được liên "
	    "kết: thông báo của phường sẽ đến đây. Nhắn TU CHOI để dừng.");
}

/*
 * [redis]: url, or sentinels with master_name (and maybe db and
 * sentinel_password_file), never both.  0, or -1 with err set.
 */
static int
cfg_redis_finish(struct cfg_parse *p, char *err, size_t errlen)
{
	const char	*path = p->cfg->path;
	int		 url = p->redis_line.url, sen = p->redis_line.sentinels;
	int		 name = p->redis_line.master_name;

	if (url != 0 && sen != 0)
		snprintf(err, errlen, "%s:%d: [redis] %s: url (line %d) and "
		    "sentinels (line %d) exclude each other: use one", path,
		    url > sen ? url : sen, url > sen ? "url" : "sentinels",
		    url, sen);
	else if (sen != 0 && name == 0)
		snprintf(err, errlen, "%s:%d: [redis] sentinels: master_name "
		    "missing (the name the sentinels monitor, e.g. mymaster)",
		    path, sen);
	else if (sen == 0 && name != 0)
		snprintf(err, errlen, "%s:%d: [redis] master_name: goes with "
		    "sentinels = HOST:PORT, ...", path, name);
	else if (sen == 0 && p->redis_line.sentinel_pw != 0)
		snprintf(err, errlen, "%s:%d: [redis] sentinel_password_file: "
		    "goes with sentinels = HOST:PORT, ...", path,
		    p->redis_line.sentinel_pw);
	else if (url != 0 && p->redis_line.db != 0)
		snprintf(err, errlen, "%s:%d: [redis] db: with url, the "
		    "database goes in the URL (redis://HOST:PORT/DB)", path,
		    p->redis_line.db);
	else
		return 0;
	return -1;
}

/*
 * credentials = <provider>: this section reads and refreshes the other
 * section's stored tokens (cred:<other>, creds.c), so that ZNS and OA,
 * one Zalo Official Account, keep one refresh token.  The other section
 * must exist and keep its own (one level: no chains).  Returns 0 or -1
 * with err set.
 */
static int
cfg_credentials(const struct loa_config *c,
    const struct loa_provider_conf *pc, char *err, size_t errlen)
{
	const char	*o = loa_provider_conf_get(pc, "credentials");
	size_t		 i;
	int		 line = 0;

	if (o == NULL)
		return 0;
	for (i = 0; i < pc->nkv; i++)
		if (strcmp(pc->kv[i].key, "credentials") == 0)
			line = pc->kv[i].line;
	for (i = 0; i < c->nproviders; i++)
		if (strcmp(c->providers[i].name, o) == 0 &&
		    &c->providers[i] != pc)
			break;
	if (i == c->nproviders) {
		snprintf(err, errlen, "%s:%d: [provider.%s] credentials: want "
		    "the name of another [provider.NAME] section", c->path,
		    line, pc->name);
		return -1;
	}
	if (loa_provider_conf_get(&c->providers[i], "credentials") != NULL) {
		snprintf(err, errlen, "%s:%d: [provider.%s] credentials: "
		    "[provider.%s] uses another's credentials itself; name "
		    "the one that keeps them", c->path, line, pc->name,
		    c->providers[i].name);
		return -1;
	}
	return 0;
}

/*
 * Check what can only be checked once the whole file is read.  Returns 0
 * or -1 with err set.
 */
static int
cfg_finish(struct loa_config *c, char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < c->nproviders; i++) {
		struct loa_provider_conf *pc = &c->providers[i];
		if (pc->plugin == NULL) {
			snprintf(err, errlen, "%s:%d: [provider.%s] plugin: "
			    "missing (e.g. plugin = console)", c->path,
			    pc->line, pc->name);
			return -1;
		}
		if (cfg_credentials(c, pc, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
loa_config_load(const char *path, struct loa_config *c, char *err,
    size_t errlen)
{
	struct cfg_parse	p;
	int			rc;

	loa_config_defaults(c);
	c->path = xstrdup(path);
	memset(&p, 0, sizeof(p));
	p.cfg = c;
	if ((p.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(cfg_reader, &p, cfg_handler, &p);
	fclose(p.fp);
	/* The first error: a line that is not INI, or what a key says. */
	if (p.err[0] != '\0' && (rc <= 0 || p.errline <= rc)) {
		snprintf(err, errlen, "%s", p.err);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s:%d: syntax error (want [section] "
		    "or key = value)", path, rc > 0 ? rc : 0);
		return -1;
	}
	if (cfg_redis_finish(&p, err, errlen) == -1 ||
	    cfg_finish(c, err, errlen) == -1)
		return -1;
	/* Whoever loads a config reads its secrets by its rule. */
	loa_secret_dir_set(c->credentials_dir);
	return 0;
}

/*
 * [http] listen: split "host:port" or "[v6]:port" into *host (allocated,
 * brackets removed) and *port (0: any).  Returns 0 or -1 with err.  The
 * listener (httpd.c) and the start-up checks (loa -t) both parse it here.
 */
int
loa_http_listen_parse(const char *s, char **host, unsigned short *port, char *err,
    size_t errlen)
{
	const char	*colon, *end;
	char		*ep;
	long		 p;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			snprintf(err, errlen, "http listen %s: want [ADDRESS]:"
			    "PORT", s);
			return -1;
		}
		*host = xstrndup(s + 1, end - s - 1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s ||
		    memchr(s, ':', colon - s) != NULL) {
			snprintf(err, errlen, "http listen %s: want ADDRESS:"
			    "PORT", s);
			return -1;
		}
		*host = xstrndup(s, colon - s);
	}
	errno = 0;
	p = strtol(colon + 1, &ep, 10);
	if (colon[1] < '0' || colon[1] > '9' || *ep != '\0' || errno != 0 ||
	    p < 0 || p > 65535 || (*host)[0] == '\0') {
		snprintf(err, errlen, "http listen %s: want ADDRESS:PORT, port "
		    "0 to 65535", s);
		free(*host);
		*host = NULL;
		return -1;
	}
	*port = (unsigned short)p;
	return 0;
}

/*
 * Is it quiet hours at time ms (Hanoi time, UTC+7)?  A window may span
 * midnight (21:00-07:00); start == end means no quiet hours.
 */
int
loa_quiet_now(const struct loa_config *c, long long ms)
{
	int	minute;

	if (c->quiet_start == c->quiet_end)
		return 0;
	minute = (int)(((ms / 1000 + 7 * 3600) % 86400) / 60);
	if (c->quiet_start < c->quiet_end)
		return minute >= c->quiet_start && minute < c->quiet_end;
	return minute >= c->quiet_start || minute < c->quiet_end;
}

const char *
loa_provider_conf_get(const struct loa_provider_conf *pc, const char *key)
{
	size_t	i;

	for (i = 0; i < pc->nkv; i++)
		if (strcmp(pc->kv[i].key, key) == 0)
			return pc->kv[i].value;
	return NULL;
}

void
loa_config_clear(struct loa_config *c)
{
	size_t	i, j;

	for (i = 0; i < c->nproviders; i++) {
		struct loa_provider_conf *pc = &c->providers[i];
		for (j = 0; j < pc->nkv; j++) {
			free(pc->kv[j].key);
			free(pc->kv[j].value);
		}
		free(pc->kv);
		free(pc->name);
		free(pc->plugin);
		free(pc->channel);
		free(pc->base_url);
	}
	free(c->providers);
	loa_redis_addr_clear(&c->redis);
	loa_redis_sentinel_clear(&c->redis_sentinel);
	free(c->path);
	free(c->prefix);
	free(c->redis_password_file);
	free(c->redis_sentinel_password_file);
	free(c->plugin_dir);
	free(c->credentials_dir);
	free(c->log_path);
	free(c->consumer);
	free(c->http_listen);
	free(c->http_token_file);
	free(c->www_dir);
	free(c->inbox_ack_optout);
	free(c->inbox_ack_linked);
	memset(c, 0, sizeof(*c));
}
