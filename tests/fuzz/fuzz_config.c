/*
 * fuzz_config.c -- loa.conf (daemon/config.c, libinih) from any bytes,
 * and the value parsers it uses (durations, sizes, rates, yes/no, Redis
 * URLs) on each line of the input.
 *
 * The config is read from a memory file (memfd) through its
 * /proc/self/fd path, as the daemon reads its file.  Promises checked: a
 * loaded config holds only values in their documented ranges (finite
 * positive rates, finite prices, quiet hours within the day, a usable
 * Redis address, a prefix without spaces, a plugin for every provider);
 * a refused one says where.
 */
#include <sys/mman.h>

#include <math.h>
#include <unistd.h>

#include "loa.h"
#include "fuzz.h"

static void
check_config(const struct loa_config *c)
{
	size_t	i;

	FZ_ASSERT(c->prefix != NULL && strlen(c->prefix) <= 64 &&
	    strpbrk(c->prefix, " \t\r\n") == NULL);
	if (c->redis.is_unix)
		FZ_ASSERT(c->redis.path != NULL && c->redis.path[0] == '/');
	else
		FZ_ASSERT(c->redis.host != NULL && c->redis.host[0] != '\0' &&
		    c->redis.port >= 1 && c->redis.port <= 65535);
	FZ_ASSERT(c->redis.db >= 0 && c->redis.db <= 15);
	FZ_ASSERT(c->quiet_start >= 0 && c->quiet_start < 24 * 60 &&
	    c->quiet_end >= 0 && c->quiet_end < 24 * 60);
	FZ_ASSERT(c->max_inflight >= 1 && c->chunk_size >= 1 &&
	    c->max_job_size >= 1024 && c->claim_timeout_ms >= 100 &&
	    c->redis_timeout_ms >= 100 && c->shutdown_timeout_ms >= 0);
	for (i = 0; i < c->nproviders; i++) {
		const struct loa_provider_conf *pc = &c->providers[i];
		FZ_ASSERT(pc->plugin != NULL && pc->name[0] != '\0');
		FZ_ASSERT(pc->rate == 0 || (isfinite(pc->rate) &&
		    pc->rate > 0));
		FZ_ASSERT(isfinite(pc->price_per_segment) &&
		    pc->price_per_segment >= 0);
		FZ_ASSERT(pc->max_inflight >= 1 && pc->max_attempts >= 1 &&
		    pc->weight >= 0 && pc->timeout_ms >= 100);
		FZ_ASSERT(loa_provider_conf_get(pc, "plugin") != NULL);
	}
	(void)loa_quiet_now(c, 1700000000000LL);
}

/* Every value parser on one line of the input. */
static void
parse_values(const char *s)
{
	struct loa_redis_addr	 a;
	long long		 v;
	double			 r;
	char			 err[256];

	if (loa_parse_duration_ms(s, &v) == 0)
		FZ_ASSERT(v >= 0);
	if (loa_parse_size(s, &v) == 0)
		FZ_ASSERT(v >= 0);
	if (loa_parse_rate(s, &r) == 0)
		FZ_ASSERT(isfinite(r) && r > 0);
	(void)loa_parse_bool(s);
	if (loa_redis_parse_url(s, &a, err, sizeof(err)) == 0)
		loa_redis_addr_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 fd = -1;
	static char		 path[64];
	struct loa_config	 cfg;
	const uint8_t		*p = data;
	size_t			 n = size;
	char			 err[1024], *line;

	if (fd == -1) {
		if ((fd = memfd_create("loa.conf", 0)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (loa_config_load(path, &cfg, err, sizeof(err)) == 0)
		check_config(&cfg);
	else
		FZ_ASSERT(strncmp(err, path, strlen(path)) == 0);
	loa_config_clear(&cfg);

	while ((line = fz_line(&p, &n)) != NULL) {
		parse_values(line);
		free(line);
	}
	return 0;
}
