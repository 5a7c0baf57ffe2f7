/*
 * reach.h -- a job's reach report (reach.c): per ward, who was reached,
 * who failed and who is still unreached, with the failed and unreached
 * residents listed.  "loactl report" (ctl-report.c, synchronous) and the
 * daemon's GET /v1/jobs/<id>/report.csv (capi.c, on the event loop)
 * drive the same machine of steps and write the same CSV.
 *
 * The order of calls, each Redis exchange being the driver's:
 *
 *   HGETALL <prefix>job:<id>          (404 without one)
 *   loa_reach_init(id, prefix, the job's audience flag)
 *   loop: n = loa_reach_next(); 0: done, -1: rp->err; else send the n
 *         commands of rp->io and give each reply to loa_reach_feed()
 *   loa_reach_csv() or the caller's own text over rp->w and
 *   loa_reach_rows(); loa_reach_free()
 */
#ifndef LOA_REACH_H
#define LOA_REACH_H

#include <stdio.h>

#include "loa.h"

#define LOA_REACH_CSV_HEADER	"ward,ward_name,resident,name,phone,status," \
				"channel,reason"

enum loa_reach_outcome {
	REACH_REACHED = 0,
	REACH_FAILED,
	REACH_UNREACHED,
	REACH_COUNT
};

struct loa_reach_ward {
	char		*code;		/* "" for recipients without a ward */
	char		*name;		/* NULL: unknown */
	long long	 n[REACH_COUNT];
	long long	 last;		/* spool offset of its newest row; -1 */
	size_t		 rows;
};

/* A row read back from the spool; the strings point into buf. */
struct loa_reach_row {
	char		*buf;
	const char	*id, *name, *phone, *status, *channel, *group, *reason;
};

struct loa_reach {
	char		 *id;
	char		 *prefix;
	int		  unmasked;
	char		**only;		/* --ward codes (borrowed) */
	int		  nonly;
	int		  audience;	/* items are resident ids */
	json_t		 *spec;
	json_t		 *rcpt;		/* the spec's recipients (borrowed) */
	json_t		 *channels;	/* the spec's channels (borrowed) */
	unsigned char	 *seen;		/* explicit: recipient has an entry */
	size_t		  nrcpt;
	struct loa_reach_ward *w;
	size_t		  nw;
	json_t		 *index;	/* ward code -> position in w */
	FILE		 *spool;
	long long	  entries;	/* outcome entries scanned */

	/* The steps (loa_reach_next(), loa_reach_feed()). */
	int		  stage;
	struct loa_argv	 *io;
	size_t		  nio;
	size_t		  iocap;
	char		  cursor[32];	/* HSCAN */
	char		**items;	/* the HSCAN batch: items, values */
	char		**values;
	char		**whys;		/* ... and their reasons */
	size_t		  nitems;
	char		  err[256];
};

/* reach.c */
int	 loa_reach_init(struct loa_reach *, const char *, const char *, int,
	    char **, int, int);
int	 loa_reach_next(struct loa_reach *);
int	 loa_reach_feed(struct loa_reach *, size_t, const struct redisReply *);
size_t	 loa_reach_rows(struct loa_reach *, const struct loa_reach_ward *,
	    struct loa_reach_row **);
void	 loa_reach_rows_free(struct loa_reach_row *, size_t);
int	 loa_reach_csv(struct loa_reach *,
	    int (*)(void *, const char *, size_t), void *);
void	 loa_reach_free(struct loa_reach *);

#endif
