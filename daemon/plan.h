/*
 * plan.h -- what a job will do, decided as the daemon decides it: which
 * wards and residents it reaches (the resolve script), which of them the
 * daemon skips before sending and why (the gate's and deliver.c's rules),
 * and which resident stands for all of them as the sample.
 *
 * Used by loactl preview (the whole audience, streamed), loactl send
 * --test (the sample), deliver.c (the skip rules) and the daemon's POST
 * /v1/preview (preview.c, capi.c), so they cannot disagree.  The walk is
 * a machine of steps (loa_plan_next(), loa_plan_feed()): loa_plan_walk()
 * drives it synchronously on a hiredis redisContext, the daemon on its
 * event loop; the other calls come as an argv builder and a reply reader
 * for the daemon, and composed for loactl.
 */
#ifndef LOA_PLAN_H
#define LOA_PLAN_H

#include <stdint.h>

#include "loa.h"

struct redisContext;
struct redisReply;

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

	/* The walk in steps (loa_plan_next(), plan.c). */
	struct loa_argv		*io;		/* the step's commands */
	size_t			 nio;
	size_t			 iocap;
	int			 wstage;
	size_t			 wward;		/* the ward walked */
	char			*wkey;		/* its residents set */
	char			 wcur[32];	/* SSCAN cursor */
	int			 wfrom;		/* explicit: the batch */
	char			**wids;		/* the SSCAN step's ids */
	size_t			 wn;
	struct loa_recipient	*wrc;		/* ... their hashes */
	json_t			*wholder;	/* ... their strings */
	unsigned char		*wopted;	/* ... opted out */
	int			 wask;		/* PW_OPTOUT: 1 phones asked,
						   2 Zalo user ids asked */
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
#define LOA_PLAN_ZALO_ANY	0x01	/* the console: phone or user id */
#define LOA_PLAN_ZALO_UID	0x02	/* a plugin sends by user id */
extern unsigned loa_plan_zalo;
int	 loa_plan_usable(const struct loa_job *, const struct loa_recipient *,
	    enum loa_channel);
enum loa_skip loa_plan_unreachable(const struct loa_recipient *);
enum loa_skip loa_plan_skip(const struct loa_job *,
	    const struct loa_recipient *, int, int);
int	 loa_plan_resolve(struct loa_plan *, struct redisContext *,
	    const char *, const struct loa_job *);
void	 loa_plan_init(struct loa_plan *, struct redisContext *,
	    const char *, const struct loa_job *);
void	 loa_plan_resolve_argv(const struct loa_plan *, struct loa_argv *);
int	 loa_plan_resolve_reply(struct loa_plan *, const struct redisReply *);
int	 loa_plan_next(struct loa_plan *, loa_plan_cb, void *);
int	 loa_plan_feed(struct loa_plan *, size_t, const struct redisReply *);
int	 loa_plan_walk(struct loa_plan *, loa_plan_cb, void *);
int	 loa_plan_recipient(const struct loa_job *, const char *);
int	 loa_plan_sample(struct loa_plan *, char **);
int	 loa_plan_resident(struct loa_plan *, const char *,
	    struct loa_recipient *, json_t *, int *);
int	 loa_plan_resident_argv(const struct loa_plan *, const char *,
	    struct loa_argv *);
void	 loa_plan_resident_reply(const char *, const struct redisReply *,
	    struct loa_recipient *, json_t *, int *);
int	 loa_plan_optout_argv(const struct loa_plan *,
	    const struct loa_recipient *, struct loa_argv *);
int	 loa_plan_optout_zalo_argv(const struct loa_plan *,
	    const struct loa_recipient *, struct loa_argv *);
void	 loa_plan_optout_reply(struct loa_recipient *,
	    const struct redisReply *);
void	 loa_plan_free(struct loa_plan *);

#endif
