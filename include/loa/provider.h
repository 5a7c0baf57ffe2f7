/*
 * loa/provider.h -- the provider plugin ABI of Loa (the only public header).
 *
 * A provider plugin turns one message into one request for its provider and
 * classifies the provider's answer.  It does no I/O of its own: the daemon
 * owns every socket, file, timer and retry.  A plugin is a shared object in
 * <libdir>/loa/plugins/<name>.so exporting one data symbol,
 *
 *	const struct loa_provider_module loa_provider = { LOA_PROVIDER_MODULE_HEAD, ... };
 *
 * whose first fields are the ABI version and the struct size, checked by the
 * loader before anything else is read.  Plugins link against nothing of the
 * daemon: the services they may use (logging, configuration lookup, secret
 * files) come in struct loa_host.
 *
 * Versioning: a change that breaks existing plugins bumps the major; adding
 * a field at the end of a struct bumps the minor.  The loader refuses a
 * plugin whose major differs or whose minor is newer than the daemon's.
 *
 * Threading: every callback is called from the daemon's single event-loop
 * thread; callbacks MUST NOT block, sleep, or do I/O other than through the
 * host services.
 */
#ifndef LOA_PROVIDER_H
#define LOA_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#define LOA_PROVIDER_ABI_MAJOR	1
#define LOA_PROVIDER_ABI_MINOR	2
#define LOA_PROVIDER_SYMBOL	"loa_provider"

enum loa_log_level {
	LOA_LOG_ERR = 0,
	LOA_LOG_WARN,
	LOA_LOG_INFO,
	LOA_LOG_DEBUG,
};

/*
 * Services the daemon offers a plugin instance.  Strings returned by the
 * host stay valid until the instance's destroy callback returns.
 */
struct loa_host {
	/* Operational log (not the delivery log), tagged with the provider. */
	void		 (*log)(void *hctx, enum loa_log_level, const char *fmt,
			    ...) __attribute__((format(printf, 3, 4)));
	/* Value of key in this provider's config section, or NULL. */
	const char	*(*config)(void *hctx, const char *key);
	/*
	 * Contents of the secret file named by the config key (e.g.
	 * "api_key_file"), trailing newline removed; NULL (and logged) when
	 * missing, unreadable or readable by group or others.
	 */
	const char	*(*secret)(void *hctx, const char *key);
	void		*hctx;
};

/* One message to one recipient on one channel, as rendered by the daemon. */
struct loa_message {
	const char	*delivery_id;	/* deterministic, [0-9a-f]{32} */
	const char	*job_id;
	const char	*channel;	/* "sms" or "zalo" */
	const char	*to;		/* E.164 digits without '+' */
	const char	*zalo_uid;	/* may be NULL */
	/* sms; zalo: the job's zalo.text rendered (NULL: none) */
	const char	*text;		/* UTF-8, already encoded for the SMS */
	const char	*encoding;	/* "gsm7" or "ucs2" */
	int		 segments;
	/* zalo */
	const char	*template_id;
	const char	*template_data;	/* JSON object, values are strings */
	int		 attempt;	/* 1 for the first try */
};

/* A header of a request or an answer. */
struct loa_header {
	const char	*name;
	const char	*value;
};

#define LOA_MAX_HEADERS	16

/*
 * The request a plugin builds.  The daemon owns the struct; the plugin
 * writes url, method, headers and body into the buffers provided (body is
 * malloc'd by the plugin with the host's allocator-free contract: the
 * daemon calls free() on it).  For LOA_TRANSPORT_LOCAL the daemon appends
 * body, followed by a newline, to the provider's `output` (no network).
 */
enum loa_transport {
	LOA_TRANSPORT_HTTP = 0,
	LOA_TRANSPORT_LOCAL,	/* console: write body as one line */
};

struct loa_request {
	enum loa_transport	 transport;
	char			 method[8];	/* "POST", "GET" */
	char			 url[1024];
	struct loa_header	 headers[LOA_MAX_HEADERS];
	int			 nheaders;	/* values must be static or
						   live in hbuf */
	char			 hbuf[2048];	/* storage for header strings */
	char			*body;		/* malloc'd, NUL-terminated */
	size_t			 body_len;
};

/* The provider's answer as the daemon received it. */
struct loa_response {
	int			 http_status;	/* 0: no answer (transport) */
	const char		*body;		/* NUL-terminated, may be "" */
	size_t			 body_len;
	const struct loa_header	*headers;
	int			 nheaders;
	int			 timed_out;	/* the request may have left */
};

/* What happened to one message, as the plugin judges the answer. */
enum loa_outcome {
	LOA_OUT_SENT = 0,	/* accepted; provider_id set when known */
	LOA_OUT_RETRY,		/* temporary; retry_after_ms optional */
	LOA_OUT_FALLBACK,	/* this recipient cannot be reached on this
				   channel: try the next one */
	LOA_OUT_FAILED,		/* permanent for this message */
	LOA_OUT_REFRESH,	/* credentials expired: refresh, retry once */
	LOA_OUT_PROVIDER_DOWN,	/* permanent for the provider (bad keys, no
				   balance): open its circuit, alert */
};

struct loa_result {
	enum loa_outcome	 outcome;
	char			 provider_id[128];
	char			 reason[128];	/* short, no personal data */
	long			 retry_after_ms; /* -1: none given (the daemon
						   then reads Retry-After) */
	int			 no_attempt;	/* 429 and alike: the try does
						   not count */
};

/* New credentials from a token refresh. */
struct loa_credentials {
	char	access_token[2048];
	char	refresh_token[2048];	/* "" when the provider keeps it */
	long	expires_in_s;		/* 0: unknown */
};

/*
 * A delivery report as the provider sent it to /webhooks/<name>: the
 * request, untouched.  Header names keep the case the sender used.
 */
struct loa_webhook {
	const char		*method;	/* "GET" or "POST" */
	const char		*query;		/* after '?', "" when none */
	const char		*body;		/* NUL-terminated, may be "" */
	size_t			 body_len;
	const struct loa_header	*headers;
	int			 nheaders;
};

enum loa_report_status {
	LOA_REPORT_DELIVERED = 0,	/* reached the handset */
	LOA_REPORT_FAILED,		/* the provider gave up on it */
	LOA_REPORT_PENDING,		/* an intermediate state: nothing to
					   record (the daemon skips it) */
};

/* One delivery a report speaks of, found by the provider's message id. */
struct loa_report {
	char			 provider_id[128];	/* as classify() gave it */
	enum loa_report_status	 status;
	char			 reason[128];	/* failed: short, no personal
						   data */
};

/* report() answers besides a count. */
#define LOA_REPORT_BAD_SIGNATURE	(-1)	/* answered 401, logged */
#define LOA_REPORT_MALFORMED		(-2)	/* answered 400 */

/* ---- ABI 1.2 ---- */
#define LOA_INBOUND_TEXT_MAX	4096	/* bytes kept, cut at a UTF-8 boundary */
enum loa_inbound_kind {
	LOA_INBOUND_TEXT = 0,	/* a message a resident wrote */
	LOA_INBOUND_FOLLOW,	/* a Zalo user followed the OA */
	LOA_INBOUND_UNFOLLOW,	/* ... stopped following it */
	LOA_INBOUND_OTHER,	/* image, location, shared info...: kept with
				   a note, text "" */
};
/* One message or event from a resident, as inbound() reads it. */
struct loa_inbound {
	enum loa_inbound_kind	 kind;
	char			 channel[8];	/* "sms" or "zalo" */
	char			 from[64];	/* sms: E.164 digits, no '+';
						   zalo: the user id */
	char			 msg_id[128];	/* the provider's id of the
						   message or event
						   (loa_provider_id_ok), or ""
						   (the daemon then uses the
						   SHA-256 of the body) */
	long long		 ts_ms;		/* when sent, as the provider
						   says; 0: unknown */
	char			 text[LOA_INBOUND_TEXT_MAX]; /* UTF-8, NUL-ended */
	int			 truncated;	/* the text was longer: cut */
	char			 note[32];	/* OTHER: "image", "location"... */
};

#define LOA_PROVIDER_DEDUPES	0x01	/* the provider drops a repeat of a
					   delivery id (eSMS RequestId): a
					   request whose outcome is unknown
					   may be sent again safely */
#define LOA_PROVIDER_REPORTS	0x02	/* the provider reports deliveries by
					   its message id: the daemon keeps
					   provider id -> delivery (TTL) */
#define LOA_PROVIDER_BY_UID	0x04	/* ABI 1.2: the plugin can reach a
					   recipient by zalo_uid (and only
					   so): the daemon routes residents
					   with a uid to it, others not */
#define LOA_PROVIDER_ANY_ADDR	0x08	/* ABI 1.2: the plugin takes any
					   recipient, by phone or by user
					   id, with or without a template
					   (the console: it writes, it does
					   not send) */

struct loa_provider_module {
	/* ABI head: never moves. */
	uint16_t	 abi_major;
	uint16_t	 abi_minor;
	uint32_t	 struct_size;	/* sizeof(struct loa_provider_module) */

	const char	*name;		/* "console", "esms", ... */
	const char	*channels;	/* channels served, "sms,zalo" */
	/* Config keys the plugin reads, NULL-terminated; others are refused. */
	const char *const *config_keys;

	/*
	 * Create an instance for one config section.  Returns 0 and sets
	 * *state, or -1 after logging why through host->log.
	 */
	int		 (*create)(const struct loa_host *host, void **state);
	void		 (*destroy)(void *state);
	/*
	 * Fill req for msg.  Returns 0, or -1 when the message cannot be
	 * expressed (result filled with LOA_OUT_FAILED and a reason).
	 */
	int		 (*build)(void *state, const struct loa_message *msg,
			    struct loa_request *req, struct loa_result *res);
	/* Classify an answer (also called for transport failures). */
	void		 (*classify)(void *state, const struct loa_message *msg,
			    const struct loa_response *resp,
			    struct loa_result *res);

	unsigned	 flags;		/* LOA_PROVIDER_* */

	/*
	 * Expiring credentials (Zalo OA access tokens); all three NULL when
	 * the provider has none.  The daemon keeps the tokens in Redis (a
	 * rotated refresh token is stored there before it is used, and one
	 * daemon at a time refreshes), asks for a refresh when the access
	 * token is missing or near its end or when classify() answers
	 * LOA_OUT_REFRESH, and hands every new access token to set_token().
	 *
	 * refresh_build: the request that trades refresh_token for new
	 * tokens.  Returns 0 or -1 (reason in res).
	 * refresh_parse: read the answer into cred.  Returns 0, or -1 with a
	 * short reason in res->reason (res->outcome LOA_OUT_RETRY when it
	 * may work later, LOA_OUT_PROVIDER_DOWN when the refresh token is
	 * refused).
	 */
	int		 (*refresh_build)(void *state, const char *refresh_token,
			    struct loa_request *req, struct loa_result *res);
	int		 (*refresh_parse)(void *state,
			    const struct loa_response *resp,
			    struct loa_credentials *cred,
			    struct loa_result *res);
	void		 (*set_token)(void *state, const char *access_token);

	/* ---- ABI 1.1 ---- */

	/*
	 * Delivery reports (NULL: the provider sends none).  Check that wh
	 * comes from the provider (its signature, or the shared token the
	 * plugin put in the callback URL) BEFORE reading anything else,
	 * then fill up to max reports.  Returns how many (0: a well-formed
	 * request that reports nothing final, such as a read receipt),
	 * LOA_REPORT_BAD_SIGNATURE when it cannot be shown to come from the
	 * provider (also when no secret is configured to check it with), or
	 * LOA_REPORT_MALFORMED.  Never log the body or a phone number.
	 */
	int		 (*report)(void *state, const struct loa_webhook *wh,
			    struct loa_report *reps, int max);

	/* ---- ABI 1.2 ---- */

	/*
	 * Messages from residents (NULL: the provider brings none).  Check
	 * the request's signature BEFORE reading anything else, as report()
	 * does.  Returns how many were filled (at most max), 0 when the
	 * request is well-formed and carries none (a delivery report, a
	 * read receipt), or LOA_REPORT_BAD_SIGNATURE / LOA_REPORT_MALFORMED.
	 * Invalid UTF-8 in a text is replaced (U+FFFD); a longer text is cut
	 * at a character boundary with truncated = 1.  Never log the text or
	 * a phone.
	 */
	int		 (*inbound)(void *state, const struct loa_webhook *wh,
			    struct loa_inbound *ins, int max);
};

#define LOA_PROVIDER_MODULE_HEAD					\
	LOA_PROVIDER_ABI_MAJOR, LOA_PROVIDER_ABI_MINOR,			\
	sizeof(struct loa_provider_module)

/*
 * The daemon's common reading of an answer that never came or says
 * nothing provider-specific, for plugins to call first in classify():
 * no answer (connection refused, reset, timeout) and HTTP 5xx are retried,
 * 429 is retried without spending an attempt.  Returns 1 when res was
 * filled, 0 when the plugin must read the answer itself.
 */
static inline int
loa_classify_transport(const struct loa_response *resp,
    struct loa_result *res)
{
	const char	*why = NULL;

	if (resp->http_status == 0)
		why = resp->timed_out ? "timeout" : "no_answer";
	else if (resp->http_status == 429) {
		why = "rate_limited";
		res->no_attempt = 1;
	} else if (resp->http_status >= 500)
		why = "http_5xx";
	if (why == NULL)
		return 0;
	res->outcome = LOA_OUT_RETRY;
	for (size_t i = 0; why[i] != '\0' && i + 1 < sizeof(res->reason); i++) {
		res->reason[i] = why[i];
		res->reason[i + 1] = '\0';
	}
	return 1;
}

/*
 * A provider's message id (loa_result.provider_id, loa_report.provider_id)
 * comes from outside: the daemon keeps it in a Redis key
 * (msgid:<provider>:<id>) and in log lines.  It is taken only when it is
 * 1 to LOA_PROVIDER_ID_MAX bytes of visible ASCII (0x21 to 0x7e: no
 * space, control byte or UTF-8) NUL-terminated within its buffer of size
 * bytes.  The daemon applies this check to every id a plugin hands it and
 * refuses (logs, and does not keep) any other; plugins should refuse such
 * ids themselves rather than cut or rewrite them, so that two ids never
 * become one.  Returns 1 when id may be kept.
 */
#define LOA_PROVIDER_ID_MAX	127
static inline int
loa_provider_id_ok(const char *id, size_t size)
{
	size_t	i;

	for (i = 0; i < size && i <= LOA_PROVIDER_ID_MAX; i++) {
		if (id[i] == '\0')
			return i > 0;
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
			return 0;
	}
	return 0;
}

#if defined(__GNUC__)
#define LOA_PROVIDER_EXPORT __attribute__((visibility("default")))
#else
#define LOA_PROVIDER_EXPORT
#endif

#endif
