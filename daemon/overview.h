/*
 * overview.h -- what "loactl status", "loactl jobs", GET /v1/status and
 * GET /v1/jobs show, built one way for both (overview.c).
 */
#ifndef LOA_OVERVIEW_H
#define LOA_OVERVIEW_H

/* A circuit state older than this is a gone daemon's (loactl provider). */
#define LOA_CIRCUIT_STALE_MS	30000
#define LOA_JOBS_LIMIT		50	/* default of a listing */
#define LOA_JOBS_LIMIT_MAX	1000
/* The daemon registry: a heartbeat every so often, kept three times. */
#define LOA_BEAT_MS		5000
#define LOA_BEAT_TTL_MS		(3 * LOA_BEAT_MS)

extern const char *const loa_job_states[];
extern const char *const loa_log_levels[];

void	 loa_overview_argv(struct loa_argv *, const struct loa_config *);
json_t	*loa_overview_decode(const struct redisReply *);
int	 loa_jobs_state_valid(const char *);
int	 loa_jobs_limit_parse(const char *, long *);
void	 loa_jobs_argv(struct loa_argv *, const char *, const char *, long);
json_t	*loa_jobs_decode(const struct redisReply *);
json_t	*loa_job_json(const char *, const struct redisReply *, size_t);
int	 loa_job_field_public(const char *);
json_t	*loa_stream_entry(const struct redisReply *);
void	 loa_inbox_shown(json_t *);
int	 loa_log_level_verbose(const char *);
int	 loa_circuit_parse(const char *, const char *, char [16], long long *);
json_t	*loa_provider_json(const char *, const struct loa_provider_conf *,
	    const struct redisReply *);

#endif
