/*
 * loa.h -- internal declarations of the Loa daemon and loactl, grouped by
 * the file that defines them.  The plugin ABI is include/loa/provider.h;
 * phone and SMS text functions are in text.h.
 */
#ifndef LOA_H
#define LOA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/queue.h>

#include <jansson.h>

#include "loa/provider.h"
#include "text.h"

#define LOA_VERSION	"0.1.0"

struct event_base;
struct redisReply;

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* log.c */
void	 log_init(const char *, int);
void	 log_stamp(int);
void	 log_setverbose(int);
int	 log_getverbose(void);
void	 log_msg(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void	 log_vmsg(int, const char *, va_list);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 log_route_libevent(void);

/* buf.c */
struct loa_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 loa_buf_init(struct loa_buf *);
void	 loa_buf_reserve(struct loa_buf *, size_t);
void	 loa_buf_add(struct loa_buf *, const void *, size_t);
void	 loa_buf_adds(struct loa_buf *, const char *);
void	 loa_buf_printf(struct loa_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 loa_buf_reset(struct loa_buf *);
char	*loa_buf_steal(struct loa_buf *);
void	 loa_buf_free(struct loa_buf *);

/* util.c */
void	 loa_json_str(struct loa_buf *, const char *);
void	 loa_json_kv(struct loa_buf *, const char *, const char *);
void	 loa_json_kl(struct loa_buf *, const char *, long long);
void	 loa_time_iso(long long, char *, size_t);
void	 loa_delivery_id(const char *, const char *, const char *, char[33]);
/*
 * Secret files: regular files of at most LOA_SECRET_MAX bytes, owned by
 * the daemon's user or root, mode 600 or 400.  The API token is at least
 * LOA_TOKEN_MIN visible characters.
 */
#define LOA_SECRET_MAX	65536
#define LOA_TOKEN_MIN	16
#define LOA_CREDENTIALS_DIR	"/etc/credstore"	/* [daemon] credentials_dir */
void	 loa_secret_dir_set(const char *);
const char *loa_secret_path(const char *, char *, size_t);
void	 loa_secret_label(const char *, char *, size_t);
int	 loa_read_secret(const char *, char **, char *, size_t);
int	 loa_token_ok(const char *, char *, size_t);
int	 loa_provider_id_take(const char *, char *, size_t, const char *);
int	 loa_url_allowed(const char *);
/*
 * Every name from outside that becomes part of a Redis key or a hash field
 * (job id, ward code, resident id, provider name): 1 to LOA_NAME_MAX
 * letters, digits, '-', '_' or '.'.  ':' separates the parts of a key, so
 * no name can reach another object's key.
 */
#define LOA_NAME_MAX	128
#define LOA_NAME_RULE	"1 to 128 ASCII letters, digits, '-', '_' or '.'"
int	 loa_name_valid(const char *);
/* How many of the len bytes at s are of [0-9A-Za-z_-] (base64url). */
size_t	 loa_b64url_span(const char *, size_t);
/*
 * A Zalo user id that may be a key part (<prefix>zalo:<uid>:residents,
 * <prefix>optout:zalo): 1 to LOA_ZALO_UID_MAX of [0-9A-Za-z_-].  1 or 0.
 */
#define LOA_ZALO_UID_MAX	64
int	 loa_zalo_uid_valid(const char *);
#define LOA_ZALO_UID_RULE "1 to 64 ASCII letters, digits, '-' or '_'"

/* escape.c, neutral.c: text from outside, made safe to print (see there) */
#define LOA_NEUTRAL_BAD	(-1L)	/* the code point of a byte not UTF-8 */
int	 loa_neutral_char(const char *, size_t, size_t *, long *);
const char *loa_neutral_find(const char *, size_t);
size_t	 loa_neutral_esc(unsigned char, long, char[8]);
size_t	 loa_neutral_cpy(char *, size_t, const char *, size_t);
size_t	 loa_neutral_u(long, char[8]);
void	 loa_neutral_add(struct loa_buf *, const char *, size_t);
char	*loa_neutral(const char *);
char	*loa_mask_numbers(const char *);
void	 loa_neutral_json(struct loa_buf *, const char *, size_t);
void	 loa_neutral_csv(struct loa_buf *, const char *);

/* redis.c */
struct loa_redis_addr {
	int	 is_unix;
	char	*host;
	int	 port;
	char	*path;
	int	 db;
};
/* Redis Sentinel: the master named master_name, as the sentinels say. */
struct loa_redis_sentinel {
	char			*master_name;	/* NULL: no Sentinel */
	struct loa_redis_addr	*addrs;		/* the sentinels, in order */
	size_t			 naddrs;
};
struct loa_redis;
/* Binary-safe argument vector for one command. */
struct loa_script_ref;
struct loa_argv {
	char	**argv;
	size_t	 *len;
	int	  argc;
	int	  cap;
	const struct loa_script_ref *script;	/* loa_script_argv(): the
						   embedded script called */
};
typedef void (*loa_redis_cb)(struct loa_redis *, struct redisReply *,
    void *);
typedef void (*loa_redis_event_fn)(struct loa_redis *, void *);
int	 loa_redis_parse_url(const char *, struct loa_redis_addr *, char *,
	    size_t);
void	 loa_redis_addr_clear(struct loa_redis_addr *);
void	 loa_redis_addr_str(const struct loa_redis_addr *, char *, size_t);
int	 loa_redis_parse_sentinels(const char *, struct loa_redis_sentinel *,
	    char *, size_t);
void	 loa_redis_sentinel_copy(struct loa_redis_sentinel *,
	    const struct loa_redis_sentinel *);
void	 loa_redis_sentinel_clear(struct loa_redis_sentinel *);
void	 loa_redis_sentinel_str(const struct loa_redis_sentinel *, char *,
	    size_t);
const char *loa_redis_role(const struct redisReply *);
const char *loa_reply_str(const struct redisReply *, size_t);
int	 loa_redis_sentinel_ask(const struct loa_redis_sentinel *,
	    const char *, long long, struct loa_redis_addr *, char *, size_t);
long long loa_now_ms(void);
struct loa_redis *loa_redis_new(struct event_base *,
	    const struct loa_redis_addr *, const struct loa_redis_sentinel *,
	    const char *, const char *, const char *, long long,
	    loa_redis_event_fn, loa_redis_event_fn, void *);
void	 loa_redis_set_timeout(struct loa_redis *, long long);
int	 loa_redis_up(const struct loa_redis *);
int	 loa_redis_pending(const struct loa_redis *);
int	 loa_redis_cmd(struct loa_redis *, loa_redis_cb, void *, int,
	    const char **, const size_t *);
int	 loa_redis_cmdv(struct loa_redis *, loa_redis_cb, void *,
	    const struct loa_argv *);
void	 loa_redis_close(struct loa_redis *);
void	 loa_redis_free(struct loa_redis *);
void	 loa_argv_init(struct loa_argv *);
void	 loa_argv_add(struct loa_argv *, const char *);
void	 loa_argv_take(struct loa_argv *, char *);
void	 loa_argv_addn(struct loa_argv *, const char *, size_t);
void	 loa_argv_addf(struct loa_argv *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 loa_argv_free(struct loa_argv *);
struct loa_argv *loa_argv_push(struct loa_argv **, size_t *, size_t *);
void	 loa_argv_free_all(struct loa_argv *, size_t *);

/* config.c */
struct loa_kv {
	char	*key;
	char	*value;
	int	 line;
};
struct loa_provider_conf {
	char		*name;
	int		 line;		/* of its first key */
	char		*plugin;
	char		*channel;
	char		*base_url;
	double		 rate;		/* messages (segments) per second */
	int		 max_inflight;
	long long	 timeout_ms;
	long long	 connect_timeout_ms;
	int		 max_attempts;
	int		 weight;
	double		 price_per_segment;
	struct loa_kv	*kv;		/* every key, for the plugin */
	size_t		 nkv;
};
/* [approval] required: which audiences need a second person (approval.c). */
enum loa_approval_required {
	LOA_APPROVAL_NEVER = 0,
	LOA_APPROVAL_DISTRICT,	/* audiences naming a district, or all */
	LOA_APPROVAL_ALL,	/* only the audience "all" */
	LOA_APPROVAL_ALWAYS,	/* every job */
};

struct loa_config {
	char			*path;
	struct loa_redis_addr	 redis;		/* with Sentinel, only its db */
	struct loa_redis_sentinel redis_sentinel;
	char			*prefix;
	char			*redis_password_file;
	char			*redis_sentinel_password_file;
	long long		 redis_timeout_ms;
	char			*plugin_dir;
	char			*credentials_dir; /* relative secret names */
	int			 max_inflight;
	long long		 retention_ms;
	int			 quiet_start;	/* minutes; start == end: none */
	int			 quiet_end;
	char			*log_path;	/* "-": standard output */
	int			 mask_phones;
	char			*consumer;	/* NULL: host-pid */
	long long		 claim_timeout_ms;
	long long		 shutdown_timeout_ms;
	size_t			 max_job_size;
	int			 max_recipients;	/* explicit, per job */
	int			 events_maxlen;
	int			 early_reports_max; /* reports:early holds
						       at most this many */
	int			 chunk_size;
	char			*http_listen;
	char			*http_token_file;
	int			 http_max_connections;
	long long		 http_header_timeout_ms;
	long long		 http_body_timeout_ms;
	long long		 http_session_idle_ms;
	enum loa_approval_required approval_required;
	int			 approval_min_recipients; /* 0: off */
	int			 approval_urgent;	/* 1: urgent jobs too */
	long long		 approval_expire_ms;
	char			*www_dir;	/* the console's files */
	char			*inbox_ack_optout; /* OA text after TU CHOI
						      from Zalo; "": none */
	char			*inbox_ack_linked; /* ... after DANG KY */
	struct loa_provider_conf *providers;
	size_t			 nproviders;
};
extern const char *const loa_provider_common_keys[];
void	 loa_config_defaults(struct loa_config *);
int	 loa_config_load(const char *, struct loa_config *, char *, size_t);
int	 loa_http_listen_parse(const char *, char **, unsigned short *, char *,
	    size_t);
void	 loa_config_clear(struct loa_config *);
const char *loa_provider_conf_get(const struct loa_provider_conf *,
	    const char *);
int	 loa_parse_duration_ms(const char *, long long *);
int	 loa_parse_size(const char *, long long *);
int	 loa_parse_rate(const char *, double *);
int	 loa_parse_bool(const char *);
int	 loa_quiet_now(const struct loa_config *, long long);

/* template.c */
struct loa_tmpl;
typedef const char *(*loa_tmpl_lookup_fn)(void *, const char *);
struct loa_tmpl *loa_tmpl_parse(const char *, char *, size_t);
void	 loa_tmpl_free(struct loa_tmpl *);
int	 loa_tmpl_nvars(const struct loa_tmpl *);
const char *loa_tmpl_var(const struct loa_tmpl *, int);
const char *loa_tmpl_var_default(const struct loa_tmpl *, int);
char	*loa_tmpl_render(const struct loa_tmpl *, loa_tmpl_lookup_fn, void *,
	    const char **);

/* job.c */
enum loa_priority {
	LOA_PRIO_URGENT = 0,	/* overtakes everything, ignores quiet hours */
	LOA_PRIO_NORMAL,
	LOA_PRIO_BULK,
	LOA_PRIO_COUNT
};
enum loa_channel {
	LOA_CH_SMS = 0,
	LOA_CH_ZALO,
	LOA_CH_COUNT
};
enum loa_audience {
	LOA_AUD_RECIPIENTS = 0,	/* explicit list in the job */
	LOA_AUD_WARDS,
	LOA_AUD_DISTRICTS,
	LOA_AUD_ALL,
};
struct loa_recipient {
	const char	*id;		/* strings point into the job's JSON */
	const char	*phone_raw;
	const char	*zalo_uid;
	const char	*name;
	const char	*ward;
	json_t		*vars;		/* borrowed */
	unsigned	 channels;	/* mask of allowed channels */
	int		 phone_ok;
	char		 phone[LOA_PHONE_MAX];	/* normalized */
	int		 dup_of;	/* earlier recipient with this phone */
	int		 opted_out;	/* directory flag or loa:optout */
};
struct loa_zalo_param {
	char		*key;
	struct loa_tmpl	*t;
};
struct loa_job {
	int			 refs;
	size_t			 size;	/* of the JSON text it was read from */
	char			*id;
	enum loa_priority	 prio;
	const char		*sender;
	enum loa_channel	 channels[LOA_CH_COUNT];
	int			 nchannels;
	unsigned		 chanmask;
	struct loa_tmpl		*sms_text;
	int			 sms_unicode_set;
	enum loa_sms_unicode	 sms_unicode;
	int			 max_segments;	/* 0: no limit */
	char			*zalo_template_id;	/* NULL: no ZNS */
	struct loa_zalo_param	*zalo;
	int			 nzalo;
	struct loa_tmpl		*zalo_text;	/* OA text; NULL: none */
	json_t			*vars;		/* borrowed from root */
	enum loa_audience	 audience;
	json_t			*audience_list;	/* borrowed */
	struct loa_recipient	*rcpt;
	int			 nrcpt;
	long long		 send_at_ms;	/* 0: now */
	long long		 expires_at_ms;	/* 0: never */
	json_t			*root;
	json_t			*wards;		/* code -> [name, district] */
	int			 cancelled;	/* seen cancelled in Redis */
};
const char *loa_priority_name(enum loa_priority);
int	 loa_priority_parse(const char *, enum loa_priority *);
const char *loa_channel_name(enum loa_channel);
int	 loa_channel_parse(const char *, enum loa_channel *);
int	 loa_time_parse(const char *, long long *);
#define LOA_MAX_RECIPIENTS	20000	/* max_recipients' default */
void	 loa_job_limits(int);
int	 loa_job_shape_ok(const char *, size_t);
struct loa_job *loa_job_parse(const char *, size_t, const char *, size_t,
	    char *, size_t);
int	 loa_job_check_columns(const struct loa_job *, json_t *, char *,
	    size_t);
void	 loa_job_set_wards(struct loa_job *, json_t *);
const char *loa_job_ward_info(const struct loa_job *, const char *, int);
char	*loa_job_dump(const struct loa_job *);
void	 loa_job_unref(struct loa_job *);

/* approval.c */
const char *loa_approval_required_name(enum loa_approval_required);
int	 loa_approval_required_parse(const char *,
	    enum loa_approval_required *);
int	 loa_approval_needed(const struct loa_config *, enum loa_audience,
	    enum loa_priority, long long, int *);
#define LOA_REASON_MAX	500	/* bytes of a rejection's reason */
int	 loa_approval_reason_valid(const char *, size_t);

/* resident.c */
unsigned loa_channels_parse_list(const char *);
void	 loa_recipient_from_hash(struct loa_recipient *, json_t *, const char *,
	    const char *const *, const size_t *, size_t);

/* render.c */
struct loa_rendered {
	enum loa_channel	 channel;
	char			*text;		/* sms, prepared */
	struct loa_sms_info	 sms;
	char			*zalo_data;	/* zalo, JSON object */
	char			*zalo_text;	/* zalo, OA text (NULL: none) */
	const char		*reason;	/* on failure */
	const char		*missing;	/* variable, for missing_var */
};
int	 loa_render(const struct loa_job *, const struct loa_recipient *,
	    enum loa_channel, enum loa_sms_unicode, const char *, const char *,
	    struct loa_rendered *);
void	 loa_rendered_clear(struct loa_rendered *);
#define LOA_ZALO_TEXT_MAX	2000	/* characters of an OA text */

#include "store.h"

#endif
