/*
 * capi.h -- the routes the web console needs beyond the job API
 * (capi.c), called from httpd.c's dispatch once httpd.c has
 * authenticated the request and checked the caller's role (and, for a
 * stored job, its wards), and the few answers and checks of httpd.c
 * they use.
 */
#ifndef LOA_CAPI_H
#define LOA_CAPI_H

#include <jansson.h>

struct hs_req;
struct loa_job;
struct redisReply;

#define CAPI_PREVIEWS_MAX	2	/* at once, in the whole daemon */
#define CAPI_REPORTS_MAX	2	/* at once, in the whole daemon */
#define CAPI_REPORT_MAX		(64 * 1024 * 1024)	/* CSV bytes */
#define CAPI_REPORT_MAX_STR	"64 MiB"

/* capi.c */
void	 capi_preview(struct hs_req *);
void	 capi_job_preview(struct hs_req *, const char *);
int	 capi_previews_full(void);
void	 capi_providers(struct hs_req *);
void	 capi_report_csv(struct hs_req *, const char *);
int	 capi_reports_full(void);
void	 capi_provider_set(struct hs_req *, const char *, int);

/* httpd.c, for capi.c */
void	 httpd_reply(struct hs_req *, int, const char *, const char *,
	    size_t);
void	 httpd_reply_error(struct hs_req *, int, const char *);
void	 httpd_reply_json(struct hs_req *, int, json_t *);
void	 httpd_reply_redis_down(struct hs_req *);
void	 httpd_audit(const char *, const char *, const char *, const char *,
	    const char *);
void	 httpd_deny(struct hs_req *, const char *, const char *);
int	 httpd_job_in_scope(struct hs_req *, const struct loa_job *,
	    const struct redisReply *);

#endif
