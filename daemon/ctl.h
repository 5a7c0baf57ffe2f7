/*
 * ctl.h -- what the pieces of loactl share.
 *
 * loactl.c owns the command line, the configuration and the one
 * synchronous Redis connection; each ctl-*.c file implements one command
 * as ctl_NAME(argc, argv), where argv[0] is the command's name and the
 * rest its own arguments.  A command parses its options with ctl_getopt()
 * and takes its operands from ctl_operands() (bad usage exits 2 before
 * anything touches Redis), then calls ctl_connect().
 *
 * Helpers that talk to Redis exit 1 with a message on a lost connection
 * or an error reply, so the commands only handle the answers they expect.
 */
#ifndef LOA_CTL_H
#define LOA_CTL_H

#include <getopt.h>

#include <hiredis/hiredis.h>

#include "auth.h"
#include "loa.h"

/* The configuration in use (after ctl_config()). */
extern struct loa_config	 ctl_cfg;
/* The Redis connection (after ctl_connect()). */
extern redisContext		*ctl_redis;

/* loactl.c */
void	 ctl_config(void);
void	 ctl_connect(void);
void	 ctl_disconnect(void);
int	 ctl_getopt(int, char **, const struct option *, const char *);
int	 ctl_getopt_short(int, char **, const char *, const struct option *,
	    const char *);
int	 ctl_operands(char ***);
char	*ctl_job_operand(const char *, const char *);
void	 ctl_usage_error(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	 ctl_redis_fail(void) __attribute__((noreturn));
redisReply *ctl_command(int, const char **, const size_t *);
redisReply *ctl_commandl(const char *, ...) __attribute__((sentinel));
redisReply *ctl_commandv(const struct loa_argv *);
const char *ctl_field(const redisReply *, const char *, size_t *);
int	 ctl_is_integer(const char *);
char	*ctl_mask(const char *);
char	*ctl_oneline(const char *);
void	 ctl_print_json(const json_t *);
void	 ctl_sleep_ms(long long);

int	 ctl_read_job(const char *, size_t, struct loa_buf *, char *, size_t);

/* ctl-status.c */
void	 ctl_status_print(const char *, const redisReply *);
int	 ctl_status(int, char **);

/* ctl-jobs.c */
int	 ctl_jobs(int, char **);
int	 ctl_log_level(int, char **);

/* ctl-send.c */
int	 ctl_send(int, char **);

/* ctl-tail.c */
int	 ctl_tail(int, char **);

/* ctl-dead.c */
int	 ctl_dead(int, char **);

/* ctl-import.c */
int	 ctl_import(int, char **);

/* ctl-retry.c */
int	 ctl_retry(int, char **);

/* ctl-approve.c */
int	 ctl_approve(int, char **);
int	 ctl_verdict(const char *, const char *, const char *);
void	 ctl_check_as(const char *, const char *);

/* ctl-reject.c */
int	 ctl_reject(int, char **);

/* ctl-cancel.c */
int	 ctl_cancel(int, char **);

/* ctl-provider.c */
int	 ctl_provider(int, char **);

/* ctl-preview.c */
int	 ctl_preview(int, char **);

/* ctl-report.c */
int	 ctl_report(int, char **);

/* ctl-optout.c */
int	 ctl_optout(int, char **);

/* ctl-auth.c */
struct loa_actor;
/* The options of loactl user and token. */
struct ctl_acct {
	enum loa_role	 role;
	const char	*rolename;	/* --role; NULL: not given */
	const char	*wards;		/* --wards */
	int		 all, json, stdin_pw;
};
void	 ctl_account_opts(int, char **, const struct option *, const char *,
	    int, struct ctl_acct *);
void	 ctl_audit_act(const char *, const char *, const char *);
redisReply *ctl_account(const char *, const char *, const char *,
	    const char *, const char *);
redisReply *ctl_account4(const char *, const char *, const char *,
	    const char *, const char *, const char *);
int	 ctl_account_result(redisReply *, const char *, const char *);
int	 ctl_account_list(redisReply *, int, int);
void	 ctl_password(int, char *, size_t, int *);
const char *ctl_name_operand(const char *, const char *, const char *);
const char *ctl_new_name(const char *, const char *, const char *);
void	 ctl_scope_known(const struct loa_actor *, const char *);
void	 ctl_scope_opts(struct loa_actor *, const char *, int, const char *,
	    const char *);
void	 ctl_as_user(const char *, struct loa_actor *);
/* The "from" of loactl's audit entries and logins. */
#define CTL_FROM	"local"

/* ctl-user.c, ctl-token.c, ctl-audit.c */
int	 ctl_user(int, char **);
int	 ctl_token(int, char **);
int	 ctl_audit(int, char **);
int	 ctl_inbox(int, char **);

#endif
