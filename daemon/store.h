/*
 * store.h -- the Redis protocol: Lua scripts and how they are called.
 *
 * Every script is a file of its own under daemon/lua/, embedded at build
 * time by daemon/lua/embed.sh (loa_script_<file name>); shared Lua lives
 * in daemon/lua/lib/ and is pulled in by a "--: include" line.  The same
 * assembled text is what luacheck and tests/store check.
 *
 * One calling convention for every script:
 *
 *	EVAL <script> 0 <prefix> <arguments...>
 *
 * built by loa_script_argv().  ARGV[1] is always the key prefix, and every
 * key a script touches is made from it by daemon/lua/lib/keys.lua (the
 * Lua half of the key builder), so no key is passed in KEYS: most of them
 * come from data (job ids of a batch, resident ids, ward codes in the
 * job's JSON) and could not be declared anyway; with a hash-tag prefix
 * ("{loa}:") they all live in one Cluster slot.  The one exception is a
 * stream whose entry the caller read (ingest or work: `stream eid`),
 * passed as it was read.  The arguments after the prefix are named, in
 * the order the script's header lists them, by one unpack() at its top;
 * a variable tail (items, operations, rows) follows them.
 */
#ifndef LOA_STORE_H
#define LOA_STORE_H

#include <stddef.h>

struct loa_argv;
struct loa_buf;
struct loa_job;
struct redisReply;

/* the files of daemon/lua/, embedded (build/gen/lua.c) */
extern const char loa_script_accept[];
extern const char loa_script_reject[];
extern const char loa_script_resolve[];
extern const char loa_script_gate[];
extern const char loa_script_expand[];
extern const char loa_script_record[];
extern const char loa_script_report[];
extern const char loa_script_inbox[];
extern const char loa_script_touch[];
extern const char loa_script_promote[];
extern const char loa_script_rate[];
extern const char loa_script_cancel[];
extern const char loa_script_retry[];
extern const char loa_script_dead_retry[];
extern const char loa_script_import_wards[];
extern const char loa_script_import_residents[];
extern const char loa_script_unlock[];
extern const char loa_script_submit[];
extern const char loa_script_overview[];
extern const char loa_script_jobs[];
extern const char loa_script_beat[];
extern const char loa_script_backfill[];
extern const char loa_script_account[];
extern const char loa_script_whoami[];
extern const char loa_script_login[];
extern const char loa_script_scope[];
extern const char loa_script_approve[];
extern const char loa_script_reject_approval[];
extern const char loa_script_approval_expire[];

/*
 * Every script, for EVALSHA (the daemon sends the 40-digit SHA1 instead
 * of the text, loa_redis_cmdv(), and loads them on each new link): the
 * table ends with a NULL name.
 */
struct loa_script_ref {
	const char	*name;
	const char	*text;
	size_t		 len;
	const char	*sha;
};
extern const struct loa_script_ref loa_scripts[];

/* A recipient's state: one value of <prefix>job:<id>:out, decoded. */
enum loa_rstate_kind {
	LOA_RS_QUEUED,	/* ".", or no entry yet */
	LOA_RS_SENDING,	/* "~N": attempt N left, no verdict yet */
	LOA_RS_RETRY,	/* "r:N:CI:DUE[:u]": attempt N waits */
	LOA_RS_FINAL,	/* "status:channel" */
};
struct loa_rstate {
	enum loa_rstate_kind	 kind;
	int			 attempt;	/* SENDING, RETRY (0: unreadable) */
	int			 ci;		/* RETRY: the job's channel
						   position, -1 unreadable */
	long long		 due;		/* RETRY: ms */
	int			 unclear;	/* RETRY ":u": a send may have
						   reached the provider */
	char			 status[32];	/* FINAL: sent, failed, ... */
	const char		*channel;	/* FINAL: into the value parsed;
						   "" when none */
};

/* What cancel.lua answered (loa_store_cancel_reply()). */
enum loa_cancel {
	LOA_CANCEL_OK,		/* cancelled now */
	LOA_CANCEL_UNKNOWN,	/* no such job */
	LOA_CANCEL_ENDED,	/* done, rejected or cancelled before */
	LOA_CANCEL_ERROR,	/* no answer, or not one of these */
};

/* What approve.lua and reject_approval.lua answered (loa_store_verdict_reply()). */
enum loa_verdict {
	LOA_VERDICT_OK,		/* done: *state is the job's new state */
	LOA_VERDICT_UNKNOWN,	/* no such job */
	LOA_VERDICT_SELF,	/* the actor submitted it */
	LOA_VERDICT_SCOPE,	/* a ward it reaches is outside the scope */
	LOA_VERDICT_STATE,	/* not awaiting approval: *state says what */
	LOA_VERDICT_ERROR,	/* no answer, or not one of these */
};

/* What a submitter does with a job (loa_submit_reply(), submit.c). */
enum loa_submit {
	LOA_SUBMIT_OK,		/* add it to the ingest stream */
	LOA_SUBMIT_INVALID,	/* the daemon would reject it */
	LOA_SUBMIT_USED,	/* its id names another job */
	LOA_SUBMIT_SAME,	/* its id names this very job: a no-op */
	LOA_SUBMIT_ERROR,	/* not the script's answer */
};

/* store.c */
void	 loa_script_argv(struct loa_argv *, const char *, const char *);
char	*loa_key_jobs(const char *);
char	*loa_key_events(const char *);
char	*loa_key_dead(const char *);
char	*loa_key_optout(const char *);
char	*loa_key_optout_zalo(const char *);
char	*loa_key_wards(const char *);
char	*loa_key_columns(const char *);
char	*loa_key_work(const char *, const char *);
char	*loa_key_job(const char *, const char *);
char	*loa_key_job_out(const char *, const char *);
char	*loa_key_job_why(const char *, const char *);
char	*loa_key_job_spec(const char *, const char *);
char	*loa_key_job_wards(const char *, const char *);
char	*loa_key_ward(const char *, const char *);
char	*loa_key_ward_residents(const char *, const char *);
char	*loa_key_resident(const char *, const char *);
char	*loa_key_phone_residents(const char *, const char *);
char	*loa_key_zalo_residents(const char *, const char *);
char	*loa_key_provider(const char *, const char *);
char	*loa_key_cred(const char *, const char *);
char	*loa_key_cred_lock(const char *, const char *);
char	*loa_key_log_level(const char *);
char	*loa_key_audit(const char *);
char	*loa_key_inbox(const char *);
char	*loa_key_users(const char *);
char	*loa_key_user(const char *, const char *);
char	*loa_key_tokens(const char *);
char	*loa_key_token(const char *, const char *);
void	 loa_rstate_parse(const char *, struct loa_rstate *);
int	 loa_rstate_reached(const struct loa_rstate *);
int	 loa_rstate_failed(const struct loa_rstate *);
void	 loa_rstate_add_retry(struct loa_argv *, int, int, long long, int);
void	 loa_store_cancel(struct loa_argv *, const char *, const char *,
	    long long, long long);
enum loa_cancel loa_store_cancel_reply(const struct redisReply *,
	    const char **);
void	 loa_store_verdict(struct loa_argv *, const char *, const char *,
	    const char *, const char *, const char *, long long, long long,
	    const char *);
enum loa_verdict loa_store_verdict_reply(const struct redisReply *,
	    const char **);

/* submit.c */
void	 loa_resolve_args(struct loa_argv *, const struct loa_job *);
int	 loa_resolve_verdict(const struct loa_job *, const struct redisReply *,
	    const struct redisReply *, const char *, struct loa_buf *);
int	 loa_ward_hint(struct loa_buf *, const char *, const char *);
void	 loa_submit_argv(struct loa_argv *, const char *,
	    const struct loa_job *);
enum loa_submit loa_submit_reply(const struct loa_job *,
	    const struct redisReply *, struct loa_buf *, const char **);
char	*loa_submit_bad_ward(const char *, size_t);
void	 loa_submit_parse_hint(struct loa_buf *, const char *, const char *,
	    const char *);

#endif
