/*
 * preview.h -- what a job will send to its whole audience, counted
 * recipient by recipient (preview.c): the figures and the JSON of
 * "loactl preview --json" (ctl-preview.c, synchronous) and of the
 * daemon's POST /v1/preview (capi.c, on the event loop).  Both drive
 * the same plan (plan.h) and feed every recipient of the walk to
 * loa_preview_item(), so the two cannot disagree.
 *
 * The order of calls, each Redis exchange being the driver's:
 *
 *   loa_preview_init(job, config)
 *   loa_plan_init() + resolve       then loa_preview_resolved()
 *   loa_preview_want(want)          1: fetch the resident pv->sample_id
 *                                   (loa_plan_resident*() into pv->dir_rc
 *                                   and pv->holder), then
 *                                   loa_preview_resident(found)
 *   the walk, with loa_preview_item() as its callback
 *   loa_preview_walked()            1: fetch pv->sample_id as above
 *   loa_preview_ward_argv()         1: send it, loa_preview_ward_reply()
 *   loa_preview_render()
 *   loa_preview_json(), loa_preview_status(), loa_preview_free()
 */
#ifndef LOA_PREVIEW_H
#define LOA_PREVIEW_H

#include "loa.h"
#include "plan.h"

#define PV_EXIT_FAILS	3	/* some recipient would fail */

enum pv_fail {				/* why a render fails */
	PV_FAIL_TOO_LONG = 0,
	PV_FAIL_MISSING_VAR,
	PV_FAIL_BAD_TEXT,		/* and anything else */
	PV_FAIL_COUNT
};

struct pv_ward {
	char		*code;		/* NULL: recipients without a ward */
	char		*name;		/* from the directory; NULL: none */
	char		*district;
	long long	 count;		/* residents or recipients */
	long long	 skipped;	/* skipped before sending */
};

/* The longest render of a channel, and whose. */
struct pv_longest {
	int			 have;
	int			 segments;	/* SMS */
	int			 chars;
	enum loa_sms_encoding	 encoding;	/* SMS */
	char			*id;		/* masked for show */
	char			*phone;		/* masked */
	char			*ward;
};

/* What the whole audience does on one channel of the job. */
struct pv_chan {
	enum loa_channel	 ch;
	long long		 tried;		/* rendered for a recipient */
	long long		 sent;		/* ... who gets it this way */
	long long		 segments;	/* SMS, of those sent */
	long long		 fail[PV_FAIL_COUNT];
	json_t			*missing;	/* variable -> count */
	struct pv_longest	 longest;
};

struct pv_render {
	enum loa_channel	 ch;
	int			 ok;	/* loa_render() returned 0 */
	const char		*unusable; /* why the daemon passes over it */
	struct loa_rendered	 r;
};

struct loa_preview {
	struct loa_job		*job;
	char			*prefix;	/* the key prefix, copied */
	struct loa_plan		 plan;
	int			 bad;	/* exit 1 at the end */

	/* The audience. */
	struct pv_ward		*w;
	size_t			 nw;
	json_t			*wmap;	/* code -> index into w */
	size_t			 wlast;	/* the last ward looked up */
	long long		 total;
	long long		 skip[LOA_SKIP_COUNT];
	long long		 nskipped;
	const char		*unknown_what;
	char			*columns_err;	/* a variable no column has */

	/* Every recipient, rendered. */
	struct pv_chan		 chan[LOA_CH_COUNT];	/* by job position */
	long long		 fails[PV_FAIL_COUNT];	/* would fail */
	long long		 nfails;

	/* The sample. */
	int			 have_sample;
	const char		*source;	/* "job" or "directory" */
	int			 index;		/* in the job, or -1 */
	char			*sample_id;	/* directory resident */
	struct loa_recipient	 dir_rc;	/* a directory resident */
	json_t			*holder;	/* its strings */
	const struct loa_recipient *rc;
	int			 dir_found;	/* its hash exists */
	int			 in_audience;
	const char		*skip_reason;	/* for this resident, or NULL */
	char			*ward_name;	/* of its ward, or NULL */
	char			*district;
	char			*no_sample;	/* why there is none */

	/* The messages and the cost. */
	enum loa_sms_unicode	 unicode;
	char			*unicode_from;
	struct pv_render	 rend[LOA_CH_COUNT];
	int			 nrend;
	char			*price_from;	/* the provider; NULL: no price */
	double			 price;		/* its price_per_segment */

	/* Default sample of an audience: the walk meets it (track). */
	int			 track;
	char			*track_ward;	/* the first ward with residents */
	char			*track_id;	/* its smallest resident id */
	const char		*track_skip;
};

struct redisReply;

/* preview.c */
void	 loa_preview_init(struct loa_preview *, struct loa_job *,
	    const struct loa_config *);
void	 loa_preview_resolved(struct loa_preview *);
int	 loa_preview_want(struct loa_preview *, const char *);
void	 loa_preview_item(void *, const struct loa_plan_item *);
int	 loa_preview_walked(struct loa_preview *);
int	 loa_preview_resident(struct loa_preview *, int);
int	 loa_preview_ward_argv(const struct loa_preview *, struct loa_argv *);
void	 loa_preview_ward_reply(struct loa_preview *,
	    const struct redisReply *);
void	 loa_preview_render(struct loa_preview *);
int	 loa_preview_status(const struct loa_preview *);
json_t	*loa_preview_json(const struct loa_preview *);
const struct pv_chan *loa_preview_sms_chan(const struct loa_preview *);
const char *loa_preview_unicode_name(enum loa_sms_unicode);
void	 loa_preview_fmtnum(double, char *, size_t);
void	 loa_preview_free(struct loa_preview *);

#endif
