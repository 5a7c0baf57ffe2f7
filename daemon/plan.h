/*
 * plan.h -- what a job will do, decided as the daemon decides it: which
 * wards and residents it reaches (the resolve script), which of them the
 * daemon skips before sending and why (the gate's and deliver.c's rules),
 * and which resident stands for all of them as the sample.
 *
 * Used by loactl preview (the whole audience, streamed), loactl send
 * --test (the sample) and deliver.c (the skip rules), so the three cannot
 * disagree.  The walk is synchronous (a hiredis redisContext); the daemon
 * shares the rules, not the walk.
 */
#ifndef LOA_PLAN_H
#define LOA_PLAN_H

#include <stdint.h>

#include "loa.h"

struct redisContext;

/* Why the daemon skips a recipient before sending, in its order. */
enum loa_skip {
	LOA_SKIP_NONE = -1,	/* not skipped: it is sent */
	LOA_SKIP_OPTED_OUT = 0,	/* opt_out flag or <prefix>optout */
	LOA_SKIP_DUPLICATE,	/* its phone is another recipient's */
	LOA_SKIP_BAD_PHONE,	/* no usable channel: the phone is wrong */
	LOA_SKIP_NO_CHANNEL,	/* no usable channel */
	LOA_SKIP_COUNT
};

/* A ward the job reaches, as the resolve script names it. */
struct loa_plan_ward {
	char	*code;
	char	*name;
	char	*district;	/* "" when the ward has none */
};

/*
 * A job resolved against the directory (loa_plan_resolve()).  Owns
 * everything but job and c; loa_plan_free() releases it.
 */
struct loa_plan {
	struct redisContext	*c;
	const char		*prefix;
	const struct loa_job	*job;
	struct loa_plan_ward	*wards;		/* in the daemon's order */
	size_t			 nwards;
	json_t			*wards_json;	/* the same, for
						   loa_job_set_wards() */
	char			**missing;	/* unknown wards or districts */
	size_t			 nmissing;
	json_t			*columns;	/* <prefix>directory:columns */
	uint64_t		*phones;	/* hashes of the phones seen by
						   the walk (open addressing) */
	size_t			 phones_cap;
	size_t			 phones_n;
	char			 err[512];	/* after a -1 */
};

/* One recipient of the walk, valid during the callback only. */
struct loa_plan_item {
	const struct loa_recipient *rc;
	int			 index;	/* in the job's recipients, or -1 */
	const char		*ward;	/* the ward scanned, or rc->ward */
	enum loa_skip		 skip;
};
typedef void (*loa_plan_cb)(void *, const struct loa_plan_item *);

/* plan.c */
const char *loa_skip_name(enum loa_skip);
int	 loa_plan_usable(const struct loa_recipient *, enum loa_channel);
enum loa_skip loa_plan_unreachable(const struct loa_recipient *);
enum loa_skip loa_plan_skip(const struct loa_job *,
	    const struct loa_recipient *, int, int);
int	 loa_plan_resolve(struct loa_plan *, struct redisContext *,
	    const char *, const struct loa_job *);
int	 loa_plan_walk(struct loa_plan *, loa_plan_cb, void *);
int	 loa_plan_recipient(const struct loa_job *, const char *);
int	 loa_plan_sample(struct loa_plan *, char **);
int	 loa_plan_resident(struct loa_plan *, const char *,
	    struct loa_recipient *, json_t *, int *);
void	 loa_plan_free(struct loa_plan *);

#endif
