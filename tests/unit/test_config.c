/*
 * test_config.c -- config.c: defaults, every section, and errors that
 * name the file, the line and the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loa.h"
#include "tap.h"

static char	path[] = "/tmp/loa-test-config-XXXXXX";

static int
load(const char *text, struct loa_config *c, char *err, size_t errlen)
{
	FILE	*fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	return loa_config_load(path, c, err, errlen);
}

static const struct {
	const char	*text;
	const char	*err_has;	/* after "PATH:" */
} bad[] = {
	{ "[redis]\nurl = http://x\n", ":2: [redis] url:" },
	{ "[redis]\nurl = redis://:pw@host\n", "password_file" },
	{ "[redis]\nurl = redis://[]:6280\n", ":2: [redis] url:" },
	{ "[redis]\nsentinels = []:26379\nmaster_name = m\n", ":2: [redis] sentinels:" },
	{ "\n\n[daemon]\nmax_inflight = 0\n", ":4: [daemon] max_inflight:" },
	{ "[daemon]\nmax_inflight = lots\n", "whole number" },
	{ "[daemon]\nretention = 30 days\n", ":2: [daemon] retention: bad duration" },
	{ "[daemon]\nquiet_hours = 21-7\n", "HH:MM-HH:MM" },
	{ "[daemon]\nmask_phones = maybe\n", "yes or no" },
	{ "[daemon]\nfoo = 1\n", ":2: [daemon] foo: unknown key" },
	{ "[deamon]\nlog = -\n", "unknown section" },
	{ "[provider.x]\nplugin = esms\nchannel = fax\n", ":3: [provider.x] channel:" },
	{ "[provider.x]\nplugin = esms\nrate = fast\n", "rate" },
	{ "[provider.x]\nplugin = esms\nbase_url = ftp://x\n", "base_url" },
	{ "[provider.x]\nplugin = a\nplugin = b\n", "set twice (first on line 2)" },
	{ "[provider.x]\nchannel = sms\n", ":2: [provider.x] plugin: missing" },
	{ "[provider.a b]\nplugin = x\n", "provider names" },
	{ "[daemon]\nthis line is wrong\n", ":2: syntax error" },
	{ "[daemon]\nmax_job_size = 1g\n", "max_job_size" },
	{ "[daemon]\nmax_recipients = 0\n", "max_recipients" },
	{ "[daemon]\nmax_recipients = 1000001\n", "max_recipients" },
	{ "[provider.a:b]\nplugin = x\n", "provider names" },
	{ "[provider.x]\nplugin = esms\nprice_per_segment = nan\n",
	    "price_per_segment" },
	{ "[provider.x]\nplugin = esms\nrate = inf\n", "rate" },
};

int
main(void)
{
	struct loa_config	 c;
	char			 err[1024] = "";
	size_t			 i;
	int			 fd;
	double			 r;
	long long		 ms;

	fd = mkstemp(path);
	close(fd);

	ok(load("", &c, err, sizeof(err)) == 0, "empty config loads");
	is_str(c.prefix, "loa:", "default prefix");
	is_int(c.redis.port, 6379, "default port");
	is_int(c.max_inflight, 512, "default max_inflight");
	is_int(c.mask_phones, 1, "phones masked by default");
	is_str(c.http_listen, "127.0.0.1:8080", "loopback listener");
	is_int(c.retention_ms, 30LL * 86400 * 1000, "retention 30d");
	loa_config_clear(&c);

	ok(load("; comment\n[redis]\nurl = unix:///run/redis/r.sock ; inline\n"
	    "prefix = {loa}:\n[daemon]\nmax_inflight = 64\nretention = 7d\n"
	    "quiet_hours = 21:00-07:00\nlog = /tmp/x.log\nmask_phones = no\n"
	    "claim_timeout = 2s\n[provider.zalo]\nplugin = zalo_zns\n"
	    "channel = zalo\nbase_url = http://127.0.0.1:9\nrate = 100/s\n"
	    "app_id = 123\nmax_inflight = 8\ntimeout = 1500ms\n"
	    "[provider.esms]\nplugin = esms\nrate = 3000/min\n"
	    "price_per_segment = 450\n", &c, err, sizeof(err)) == 0,
	    "full config loads (%s)", err);
	ok(c.redis.is_unix, "unix socket");
	is_str(c.redis.path, "/run/redis/r.sock", "socket path");
	is_str(c.prefix, "{loa}:", "hash-tag prefix");
	is_int(c.max_inflight, 64, "max_inflight");
	is_int(c.retention_ms, 7LL * 86400 * 1000, "retention");
	is_int(c.quiet_start, 21 * 60, "quiet start");
	is_int(c.quiet_end, 7 * 60, "quiet end");
	is_int(c.mask_phones, 0, "masking off");
	is_int(c.claim_timeout_ms, 2000, "claim timeout");
	is_int(c.nproviders, 2, "two providers");
	is_str(c.providers[0].name, "zalo", "first provider");
	is_str(c.providers[0].plugin, "zalo_zns", "its plugin");
	is_int(c.providers[0].max_inflight, 8, "its max_inflight");
	is_int(c.providers[0].timeout_ms, 1500, "its timeout");
	is_str(loa_provider_conf_get(&c.providers[0], "app_id"), "123",
	    "plugin key kept");
	is_int(c.providers[0].kv[0].line, 13, "key line recorded");
	ok(c.providers[1].rate > 49.99 && c.providers[1].rate < 50.01,
	    "3000/min is 50/s");
	loa_config_clear(&c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(load(bad[i].text, &c, err, sizeof(err)) == -1,
		    "bad config %zu refused", i);
		ok(strncmp(err, path, strlen(path)) == 0,
		    "bad config %zu names the file", i);
		ok(strstr(err, bad[i].err_has) != NULL,
		    "bad config %zu: %s", i, err);
		loa_config_clear(&c);
	}
	ok(loa_config_load("/nonexistent/loa.conf", &c, err, sizeof(err)) ==
	    -1 && strstr(err, "No such file") != NULL, "missing file: %s", err);
	loa_config_clear(&c);

	ok(loa_parse_rate("50/s", &r) == 0 && r == 50, "rate 50/s");
	ok(loa_parse_rate("0/s", &r) == -1, "rate 0 refused");
	/* Found by fuzz_config: NaN and infinity passed "v <= 0". */
	ok(loa_parse_rate("nan", &r) == -1, "rate nan refused");
	ok(loa_parse_rate("inf/min", &r) == -1, "rate inf refused");
	ok(loa_parse_rate("1e-9/h", &r) == -1, "rate too small refused");
	ok(loa_parse_rate("1/h", &r) == 0 && r > 0.000277 && r < 0.000278,
	    "rate 1/h");
	ok(loa_parse_duration_ms("250ms", &ms) == 0 && ms == 250, "250ms");
	ok(loa_parse_duration_ms("2h", &ms) == 0 && ms == 7200000, "2h");
	ok(loa_parse_duration_ms("-1s", &ms) == -1, "negative refused");
	/* Quiet hours, Hanoi time (UTC+7), spanning midnight or not. */
	loa_config_defaults(&c);
	ok(!loa_quiet_now(&c, 0), "no quiet hours by default");
	c.quiet_start = 21 * 60;
	c.quiet_end = 7 * 60;
	/* 2026-11-28T14:00:00Z is 21:00 in Hanoi. */
	ok(loa_quiet_now(&c, 1795874400000LL), "21:00 is quiet");
	ok(!loa_quiet_now(&c, 1795874400000LL - 1000), "20:59:59 is not");
	ok(loa_quiet_now(&c, 1795874400000LL + 10 * 3600 * 1000LL - 1000),
	    "06:59:59 is quiet");
	ok(!loa_quiet_now(&c, 1795874400000LL + 10 * 3600 * 1000LL),
	    "07:00 is not");
	c.quiet_start = 12 * 60;
	c.quiet_end = 13 * 60;
	ok(loa_quiet_now(&c, 1795874400000LL - 9 * 3600 * 1000LL),
	    "12:00 within 12:00-13:00");
	ok(!loa_quiet_now(&c, 1795874400000LL - 8 * 3600 * 1000LL),
	    "13:00 outside 12:00-13:00");
	loa_config_clear(&c);

	/* [redis] with Redis Sentinel. */
	err[0] = '\0';
	ok(load("[redis]\nsentinels = 127.0.0.1:26379, [::1]:26380 ,"
	    "sentinel.local\nmaster_name = mymaster\ndb = 3\n"
	    "sentinel_password_file = s.pw\n", &c, err, sizeof(err)) == 0,
	    "sentinels load: %s", err);
	is_int(c.redis_sentinel.naddrs, 3, "three sentinels");
	is_str(c.redis_sentinel.addrs[0].host, "127.0.0.1", "first host");
	is_int(c.redis_sentinel.addrs[0].port, 26379, "first port");
	is_str(c.redis_sentinel.addrs[1].host, "::1", "IPv6 host");
	is_int(c.redis_sentinel.addrs[1].port, 26380, "its port");
	is_int(c.redis_sentinel.addrs[2].port, 26379, "default port 26379");
	is_str(c.redis_sentinel.master_name, "mymaster", "master_name");
	is_int(c.redis.db, 3, "db");
	is_str(c.redis_sentinel_password_file, "s.pw",
	    "sentinel_password_file");
	{
		struct loa_redis_sentinel copy;
		char a[256], b[256];
		loa_redis_sentinel_copy(&copy, &c.redis_sentinel);
		loa_redis_sentinel_str(&c.redis_sentinel, a, sizeof(a));
		loa_redis_sentinel_str(&copy, b, sizeof(b));
		is_str(b, a, "a copy says the same");
		is_str(a, "mymaster via 127.0.0.1:26379, [::1]:26380, "
		    "sentinel.local:26379", "sentinels as said in logs");
		loa_redis_sentinel_clear(&copy);
	}
	loa_config_clear(&c);
	{
		static const struct {
			const char *text, *err_has;
		} sbad[] = {
			{ "[redis]\nurl = redis://h\nsentinels = h:1\n"
			    "master_name = m\n", ":3: [redis] sentinels: url "
			    "(line 2) and sentinels (line 3) exclude" },
			{ "[redis]\nsentinels = h:1\nmaster_name = m\n"
			    "url = redis://h\n", ":4: [redis] url: url" },
			{ "[redis]\nsentinels = h:1\n",
			    ":2: [redis] sentinels: master_name missing" },
			{ "[redis]\nmaster_name = m\n",
			    ":2: [redis] master_name: goes with sentinels" },
			{ "[redis]\nsentinel_password_file = x\n",
			    ":2: [redis] sentinel_password_file: goes with" },
			{ "[redis]\nurl = redis://h/1\ndb = 2\n",
			    ":3: [redis] db: with url" },
			{ "[redis]\nsentinels = h:1,\nmaster_name = m\n",
			    ":2: [redis] sentinels: want HOST:PORT" },
			{ "[redis]\nsentinels = h:0\nmaster_name = m\n",
			    "not \"h:0\"" },
			{ "[redis]\nsentinels = h:1 x\nmaster_name = m\n",
			    "not \"h:1 x\"" },
			{ "[redis]\nsentinels = h:1\nmaster_name = my master\n",
			    ":3: [redis] master_name: want" },
			{ "[redis]\nsentinels = h:1\nmaster_name = m\n"
			    "db = 16\n", ":4: [redis] db: want a whole number" },
		};
		for (i = 0; i < sizeof(sbad) / sizeof(sbad[0]); i++) {
			err[0] = '\0';
			ok(load(sbad[i].text, &c, err, sizeof(err)) == -1 &&
			    strncmp(err, path, strlen(path)) == 0 &&
			    strstr(err, sbad[i].err_has) != NULL,
			    "bad sentinel config %zu: %s", i, err);
			loa_config_clear(&c);
		}
	}
	unlink(path);
	return tap_done();
}
