/*
 * loa-mock.c -- the mock provider: Zalo ZNS and OAuth, eSMS, SpeedSMS,
 * Twilio and a generic JSON API on one loopback port.
 *
 *	loa-mock [-v] [-p port] [-P portfile] [-l recordfile]
 *	    [-z zalo_refresh_token] [-c config]
 *
 * The integration tests and the benchmark send real provider traffic
 * here.  Every endpoint parses the request body of the real API (see
 * /work/shared/providers.md), checks its required fields and its
 * credentials, and answers the way the real API does, so plugins are
 * tested against the formats they will meet.  Failures are injected from
 * a config (at start with -c, at any time with POST /_mock/config): HTTP
 * 5xx and 429 in given proportions (with Retry-After in seconds or as an
 * HTTP-date or as any string of digits), a provider that is down, late
 * answers, connections closed without an answer (before or after the
 * message was accepted), answers that are garbled after the message was
 * accepted (an HTML page, an empty body, a body cut short, a huge body),
 * answers slowed by a random time, a request rate above which a provider
 * answers 429, and per-phone error codes.  The random draws come from a
 * seeded generator, one per message request (and one more for slow
 * answers, from a stream of its own), so a run is repeatable.
 *
 * Every message the mock accepts becomes one JSON line in the record file
 * (-l), written before its answer leaves (lines are flushed once per event
 * loop round, ahead of the socket writes of that round), so whoever got
 * an answer finds the line already in the file.  GET /_mock/stats counts
 * what happened.  POST /_mock/inbound plays a provider calling Loa: it
 * POSTs a resident's message, signed, to a daemon's webhook on loopback
 * and answers with the daemon's answers.  tests/mock/README.md documents
 * endpoints, config keys and the record format.
 *
 * One thread, one libevent loop, evhttp with keep-alive; late answers use
 * a timer each and never block other requests.  Bodies are capped at
 * 64 KiB (413).  It listens on 127.0.0.1 only.  SIGTERM or SIGINT: close
 * everything and exit 0.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <jansson.h>

#include "inbound_body.h"

#define BODY_MAX	(64 * 1024)
#define HEADERS_MAX	(16 * 1024)
#define IDLE_TIMEOUT	120		/* seconds, idle keep-alive */
#define DELAY_MAX	60000		/* ms */
#define SLOW_MS		1000		/* default slow_ms */
#define HUGE_PAD	(100 * 1024)	/* padding of a huge_200 answer */
#define DEFAULT_SEED	1
#define DEFAULT_QUOTA	1000000
#define TOKEN_EXPIRES	"90000"
#define ESMS_PATH	\
	"/MainService.svc/json/SendMultipleMessage_V4_post_json/"
#define RA_NONE		(-1)		/* retry_after unset */
#define RA_DATE		(-2)		/* retry_after "date" */
#define RA_DIGITS	(-3)		/* retry_after a string of digits */
/* Added to the seed for the slow draws, so they are a stream apart. */
#define SLOW_SALT	0x736c6f77736c6f77ULL

enum prov {
	P_ESMS,
	P_SPEEDSMS,
	P_TWILIO,
	P_ZALO,
	P_GENERIC,
	P_ZALO_OA,	/* OA messages (v3.0/oa/message), by user id */
	P_COUNT
};

static const char *const prov_names[P_COUNT] = {
	"esms", "speedsms", "twilio", "zalo", "generic", "zalo_oa"
};

/* What a message endpoint made of a request it processed. */
enum outcome {
	O_ACCEPTED,
	O_DUPLICATE,
	O_SANDBOX,
	O_ERROR
};

struct counters {
	long long	requests;	/* message requests */
	long long	accepted;	/* ... accepted (recorded) */
	long long	messages;	/* record lines (SpeedSMS: per phone) */
	long long	duplicates;	/* eSMS 124, generic repeated id */
	long long	sandbox;	/* eSMS Sandbox=1: validated only */
	long long	http_5xx;	/* injected 5xx and down */
	long long	http_429;	/* injected 429 and rate limit */
	long long	dropped;	/* closed unanswered, not processed */
	long long	lost_answers;	/* processed, then closed unanswered */
	long long	errors;		/* answered with an error */
	long long	bad_answers;	/* processed, then a garbled answer */
	long long	slow;		/* answers held up by slow */
};

struct stats {
	struct counters	 all;
	struct counters	 by[P_COUNT];
	long long	 refreshes;
	long long	 refresh_errors;
};

/*
 * The effective failure-injection config, parsed from cfg_json.  String
 * and object pointers are borrowed from cfg_json and live as long as it.
 */
struct conf {
	double		 fail_5xx;
	double		 fail_429;
	double		 drop;
	double		 drop_after;
	double		 bad_200;
	double		 empty_200;
	double		 truncated;
	double		 huge_200;
	double		 bad_sum;	/* the four above */
	double		 slow;		/* drawn apart, in no sum */
	int		 slow_ms;
	int		 code_5xx;
	int		 retry_after;	/* seconds, RA_NONE, RA_DATE, RA_DIGITS */
	const char	*retry_after_s;	/* RA_DIGITS: sent as it is */
	unsigned int	 down;		/* bit per provider */
	int		 delay_ms;
	long long	 rate_limit[P_COUNT];	/* per second, 0 = none */
	json_t		*codes[P_COUNT];
	long long	 zalo_quota;
	long long	 zalo_oa_quota;	/* OA messages accepted, in all */
	json_t		*zalo_followers; /* user ids following the OA */
	const char	*zalo_app_id;
	const char	*zalo_secret_key;
	const char	*esms_api_key;
	const char	*esms_secret_key;
	const char	*speedsms_token;
	const char	*twilio_auth_token;
	const char	*generic_token;
};

/* One request being handled; the answer goes to req's output buffer. */
struct call {
	struct evhttp_request	*req;
	struct evbuffer		*out;
	const char		*path;
	char			 sid[64];	/* Twilio AccountSid */
	enum evhttp_cmd_type	 method;
	const char		*body;		/* not NUL-terminated */
	size_t			 bodylen;
	int			 status;
	int			 drop;		/* close without answering */
	int			 delay_ms;
	const char		*bad;		/* garbled: how (for -v) */
};

/* An answer waiting for its timer (late answers and drops). */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	struct event		*ev;
	struct evhttp_request	*req;
	int			 status;
	int			 drop;
};

static struct event_base	*base;
static struct evhttp		*http;
static FILE			*recf;
static struct event		*flush_ev;
static int			 flush_pending;
static int			 verbose;
static TAILQ_HEAD(, pending)	 pendings = TAILQ_HEAD_INITIALIZER(pendings);

static json_t			*cfg_json;	/* merged config object */
static struct conf		 cfg;
static struct stats		 st;
static uint64_t			 rng;		/* failure draws */
static uint64_t			 rng_slow;	/* slow draws */
static uint64_t			 id_base;	/* unique ids */
static uint64_t			 id_serial;

static const char		*initial_refresh;	/* -z */
static char			*refresh_token;		/* the valid one */
static json_t			*access_tokens;		/* set: token -> true */
static json_t			*esms_ids;		/* RequestId -> SMSID */
static json_t			*generic_ids;		/* id -> message_id */
static long long		 zalo_used;
static long long		 zalo_oa_used;
static long long		 tran_id = 100000;
static struct {
	long long	sec;
	long long	n;
}				 window[P_COUNT];

#define BUMP(p, f)	do { st.all.f++; st.by[(p)].f++; } while (0)

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: loa-mock [-v] [-p port] [-P portfile] "
	    "[-l recordfile] [-z zalo_refresh_token] [-c config]\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "loa-mock: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("out of memory");
	return p;
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The splitmix64 finalizer: a bijection on 64-bit values. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A uniform draw in [0, 1) from a seeded generator (rng or rng_slow). */
static double
rnd_unit(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return (double)(mix64(*state) >> 11) * 0x1.0p-53;
}

/*
 * Both generators from one seed.  The slow draws have a stream of their
 * own, so turning slow on or off changes no other outcome of a seed.
 */
static void
seed_rng(uint64_t seed)
{
	rng = seed;
	rng_slow = mix64(seed + SLOW_SALT);
}

/*
 * 32 lower-case hex digits, never the same twice in a process: the first
 * half is a bijection of a serial number, the second scrambles it.
 */
static void
new_hex32(char out[33])
{
	uint64_t	hi, lo;

	hi = mix64(id_base + id_serial++);
	lo = mix64(hi ^ 0x5bd1e9955bd1e995ULL);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)hi,
	    (unsigned long long)lo);
}

/* An opaque token of 64 characters. */
static void
new_token(char out[65])
{
	new_hex32(out);
	new_hex32(out + 32);
}

/* eSMS ids look like a UUID. */
static void
new_uuid(char out[37])
{
	char	h[33];

	new_hex32(h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
	    h + 16, h + 20);
}

static int
all_digits(const char *s, size_t min, size_t max)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= min && n <= max;
}

/*
 * A phone as the providers take it, in the form the record and the code
 * tables use: one leading '+' dropped, a national 0xxxxxxxxx turned into
 * 84xxxxxxxxx.  Returns 0, or -1 when anything but digits is left (out
 * then holds what there was, cut to fit, for error messages).
 */
static int
phone_norm(const char *in, char out[32])
{
	if (in[0] == '+')
		in++;
	if (in[0] == '0' && strlen(in) == 10)
		snprintf(out, 32, "84%s", in + 1);
	else
		snprintf(out, 32, "%s", in);
	return all_digits(out, 1, 30) ? 0 : -1;
}

/* A Vietnamese mobile number, normalized: 84 and nine digits. */
static int
vn_mobile(const char *norm)
{
	return strncmp(norm, "84", 2) == 0 && all_digits(norm, 11, 11);
}

/* Decode one UTF-8 sequence at *p; invalid bytes give U+FFFD. */
static unsigned int
utf8_next(const unsigned char **p)
{
	const unsigned char	*s = *p;
	unsigned int		 cp;
	int			 n, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		*p = s + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p = s + 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*p = s + n + 1;
	return cp;
}

/* Septets of cp in GSM-7: 1 (basic set), 2 (extension) or 0 (none). */
static int
gsm_septets(unsigned int cp)
{
	static const unsigned short	basic[] = {
		0xa1, 0xa3, 0xa4, 0xa5, 0xa7, 0xbf, 0xc4, 0xc5, 0xc6, 0xc7,
		0xc9, 0xd1, 0xd6, 0xd8, 0xdc, 0xdf, 0xe0, 0xe4, 0xe5, 0xe6,
		0xe8, 0xe9, 0xec, 0xf1, 0xf2, 0xf6, 0xf8, 0xf9, 0xfc, 0x393,
		0x394, 0x398, 0x39b, 0x39e, 0x3a0, 0x3a3, 0x3a6, 0x3a8, 0x3a9
	};
	size_t				i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == '\f' || cp == 0x20ac || (cp != 0 && cp < 0x80 &&
	    strchr("^{}\\[~]|", (int)cp) != NULL))
		return 2;
	if (cp >= 0x20 && cp < 0x7f && cp != '`')
		return 1;
	for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		if (basic[i] == cp)
			return 1;
	return 0;
}

/*
 * SMS segments of text, for the totals the real APIs report: GSM-7 160
 * alone, 153 per part; otherwise UCS-2 70 alone, 67 per part (UTF-16
 * units).  Close enough for a mock: escapes may straddle parts here.
 */
static int
sms_segments(const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	unsigned int		 cp;
	int			 septets = 0, units = 0, gsm = 1, s;

	while (*p != '\0') {
		cp = utf8_next(&p);
		units += cp > 0xffff ? 2 : 1;
		if ((s = gsm_septets(cp)) == 0)
			gsm = 0;
		septets += s;
	}
	if (gsm)
		return septets <= 160 ? 1 : (septets + 152) / 153;
	return units <= 70 ? 1 : (units + 66) / 67;
}

/* Standard base64 into out (NUL-terminated); -1 if malformed or long. */
static int
b64_decode(const char *in, char *out, size_t outsz)
{
	static const char	 alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*q;
	unsigned int		 acc = 0;
	int			 bits = 0;
	size_t			 n = 0;

	for (; *in != '\0' && *in != '='; in++) {
		if ((q = strchr(alpha, *in)) == NULL)
			return -1;
		acc = (acc << 6) | (unsigned int)(q - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outsz)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	while (*in == '=')
		in++;
	if (*in != '\0')
		return -1;
	out[n] = '\0';
	return 0;
}

/* ---- the record file ---- */

static void
flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	flush_pending = 0;
	if (recf != NULL)
		fflush(recf);
}

/*
 * ,"key": and s as a JSON string (null for NULL), escaped as json_dumps()
 * does; s is valid UTF-8 (it came out of a parsed JSON body).
 */
static void
record_str(const char *key, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s, *run;

	fprintf(recf, ",\"%s\":", key);
	if (s == NULL) {
		fputs("null", recf);
		return;
	}
	fputc('"', recf);
	for (run = p; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		fwrite(run, 1, (size_t)(p - run), recf);
		run = p + 1;
		fputc('\\', recf);
		switch (*p) {
		case '"':
		case '\\':
			fputc(*p, recf);
			break;
		case '\b':
			fputc('b', recf);
			break;
		case '\f':
			fputc('f', recf);
			break;
		case '\n':
			fputc('n', recf);
			break;
		case '\r':
			fputc('r', recf);
			break;
		case '\t':
			fputc('t', recf);
			break;
		default:
			fprintf(recf, "u00%c%c", hex[*p >> 4], hex[*p & 15]);
		}
	}
	fwrite(run, 1, (size_t)(p - run), recf);
	fputc('"', recf);
}

/*
 * One line per accepted message, the compact JSON json_dumps() would
 * make of it, written directly (a JSON tree per message was a third of
 * the mock's time).  The flush event becomes active now, so it runs in
 * this loop round, before the answer is written to the socket (evhttp
 * writes when the socket reports writable, in a later round).
 */
static void
record(enum prov p, const char *to, const char *id, const char *text,
    const char *sender, const char *template_id, json_t *data,
    const char *provider_id)
{
	char	*d;

	BUMP(p, messages);
	if (recf == NULL)
		return;
	fprintf(recf, "{\"ts_ms\":%lld", now_ms());
	record_str("provider", prov_names[p]);
	record_str("to", to);
	record_str("id", id != NULL ? id : "");
	record_str("text", text);
	record_str("template_id", template_id);
	if (data != NULL && (d = json_dumps(data, JSON_COMPACT |
	    JSON_ENCODE_ANY)) != NULL) {
		fprintf(recf, ",\"data\":%s", d);
		free(d);
	} else
		fputs(",\"data\":null", recf);
	record_str("sender", sender);
	record_str("provider_id", provider_id);
	fputs("}\n", recf);
	if (!flush_pending) {
		flush_pending = 1;
		event_active(flush_ev, EV_TIMEOUT, 1);
	}
}

/* ---- config ---- */

static void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->code_5xx = 503;
	c->retry_after = RA_NONE;
	c->slow_ms = SLOW_MS;
	c->zalo_quota = DEFAULT_QUOTA;
	c->zalo_oa_quota = DEFAULT_QUOTA;
}

static int
prov_lookup(const char *name)
{
	int	p;

	for (p = 0; p < P_COUNT; p++)
		if (strcmp(name, prov_names[p]) == 0)
			return p;
	return -1;
}

/* Is v a valid injected code for provider p (never its success code)? */
static int
code_ok(enum prov p, json_t *v)
{
	const char	*s = json_string_value(v);
	long long	 n = json_integer_value(v);

	switch (p) {
	case P_ZALO:
	case P_ZALO_OA:
		return json_is_integer(v) && n < 0;
	case P_ESMS:
		if (s != NULL)
			return all_digits(s, 1, 8) && strcmp(s, "100") != 0;
		return json_is_integer(v) && n > 0 && n != 100;
	case P_SPEEDSMS:
		if (s != NULL)
			return all_digits(s, 1, 8) && atoi(s) != 0;
		return json_is_integer(v) && n > 0;
	case P_TWILIO:
		return json_is_integer(v) && n > 0;
	case P_GENERIC:
		return (s != NULL && *s != '\0') || json_is_integer(v);
	default:
		return 0;
	}
}

static int
prob(json_t *v, double *out)
{
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return *out >= 0 && *out <= 1 ? 0 : -1;
}

/*
 * Parse a whole config object into c (defaults first).  Unknown keys and
 * wrong types are errors, described in err.  c borrows from o.
 */
static int
conf_parse(json_t *o, struct conf *c, char *err, size_t errsz)
{
	const char	*k, *s, *pk;
	json_t		*v, *pv;
	size_t		 i;
	int		 p;
	long long	 n;

	conf_defaults(c);
	json_object_foreach(o, k, v) {
		n = json_integer_value(v);
		s = json_string_value(v);
		if (strcmp(k, "fail_5xx") == 0) {
			if (prob(v, &c->fail_5xx) == -1)
				goto badprob;
		} else if (strcmp(k, "fail_429") == 0) {
			if (prob(v, &c->fail_429) == -1)
				goto badprob;
		} else if (strcmp(k, "drop") == 0) {
			if (prob(v, &c->drop) == -1)
				goto badprob;
		} else if (strcmp(k, "drop_after") == 0) {
			if (prob(v, &c->drop_after) == -1)
				goto badprob;
		} else if (strcmp(k, "bad_200") == 0) {
			if (prob(v, &c->bad_200) == -1)
				goto badprob;
		} else if (strcmp(k, "empty_200") == 0) {
			if (prob(v, &c->empty_200) == -1)
				goto badprob;
		} else if (strcmp(k, "truncated") == 0) {
			if (prob(v, &c->truncated) == -1)
				goto badprob;
		} else if (strcmp(k, "huge_200") == 0) {
			if (prob(v, &c->huge_200) == -1)
				goto badprob;
		} else if (strcmp(k, "slow") == 0) {
			if (prob(v, &c->slow) == -1)
				goto badprob;
		} else if (strcmp(k, "slow_ms") == 0) {
			if (!json_is_integer(v) || n < 0 || n > DELAY_MAX)
				goto bad;
			c->slow_ms = (int)n;
		} else if (strcmp(k, "code_5xx") == 0) {
			if (!json_is_integer(v) || n < 500 || n > 599)
				goto bad;
			c->code_5xx = (int)n;
		} else if (strcmp(k, "retry_after") == 0) {
			/*
			 * Digits go out as they are, up to 20 of them
			 * (beyond any 64-bit number), so that clients
			 * meet absurd values too.
			 */
			if (s != NULL && strcmp(s, "date") == 0)
				c->retry_after = RA_DATE;
			else if (s != NULL && all_digits(s, 1, 20)) {
				c->retry_after = RA_DIGITS;
				c->retry_after_s = s;
			} else if (json_is_integer(v) && n >= 0 && n <= 86400)
				c->retry_after = (int)n;
			else
				goto bad;
		} else if (strcmp(k, "down") == 0) {
			if (json_is_boolean(v))
				c->down = json_is_true(v) ?
				    (1u << P_COUNT) - 1 : 0;
			else if (json_is_array(v)) {
				json_array_foreach(v, i, pv) {
					if (!json_is_string(pv) || (p =
					    prov_lookup(json_string_value(pv)))
					    == -1)
						goto bad;
					c->down |= 1u << p;
				}
			} else
				goto bad;
		} else if (strcmp(k, "delay_ms") == 0) {
			if (!json_is_integer(v) || n < 0 || n > DELAY_MAX)
				goto bad;
			c->delay_ms = (int)n;
		} else if (strcmp(k, "rate_limit") == 0) {
			if (json_is_integer(v) && n >= 0) {
				for (p = 0; p < P_COUNT; p++)
					c->rate_limit[p] = n;
			} else if (json_is_object(v)) {
				json_object_foreach(v, pk, pv) {
					if ((p = prov_lookup(pk)) == -1 ||
					    !json_is_integer(pv) ||
					    json_integer_value(pv) < 0)
						goto bad;
					c->rate_limit[p] =
					    json_integer_value(pv);
				}
			} else
				goto bad;
		} else if (strlen(k) > 6 && strcmp(k + strlen(k) - 6,
		    "_codes") == 0) {
			char	name[16];

			snprintf(name, sizeof(name), "%.*s",
			    (int)(strlen(k) - 6), k);
			if ((p = prov_lookup(name)) == -1)
				goto unknown;
			if (!json_is_object(v))
				goto bad;
			json_object_foreach(v, pk, pv)
				if (!code_ok(p, pv)) {
					snprintf(err, errsz, "%s: bad code "
					    "for %s", k, pk);
					return -1;
				}
			c->codes[p] = v;
		} else if (strcmp(k, "zalo_quota") == 0) {
			if (!json_is_integer(v) || n < 0)
				goto bad;
			c->zalo_quota = n;
		} else if (strcmp(k, "zalo_oa_quota") == 0) {
			if (!json_is_integer(v) || n < 0)
				goto bad;
			c->zalo_oa_quota = n;
		} else if (strcmp(k, "zalo_followers") == 0) {
			if (!json_is_array(v))
				goto bad;
			json_array_foreach(v, i, pv)
				if (!json_is_string(pv))
					goto bad;
			c->zalo_followers = v;
		} else if (strcmp(k, "seed") == 0) {
			if (!json_is_integer(v))
				goto bad;
		} else if (strcmp(k, "expire_zalo_tokens") == 0) {
			if (!json_is_boolean(v))
				goto bad;
		} else if (strcmp(k, "zalo_refresh_token") == 0) {
			if (s == NULL || *s == '\0')
				goto bad;
		} else if (strcmp(k, "zalo_access_tokens") == 0) {
			if (!json_is_array(v))
				goto bad;
			json_array_foreach(v, i, pv)
				if (!json_is_string(pv))
					goto bad;
		} else {
			static const struct {
				const char	 *key;
				size_t		  off;
			} strs[] = {
				{ "zalo_app_id",
				    offsetof(struct conf, zalo_app_id) },
				{ "zalo_secret_key",
				    offsetof(struct conf, zalo_secret_key) },
				{ "esms_api_key",
				    offsetof(struct conf, esms_api_key) },
				{ "esms_secret_key",
				    offsetof(struct conf, esms_secret_key) },
				{ "speedsms_token",
				    offsetof(struct conf, speedsms_token) },
				{ "twilio_auth_token",
				    offsetof(struct conf, twilio_auth_token) },
				{ "generic_token",
				    offsetof(struct conf, generic_token) },
			};

			for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
				if (strcmp(k, strs[i].key) == 0)
					break;
			if (i == sizeof(strs) / sizeof(strs[0]))
				goto unknown;
			if (s == NULL || *s == '\0')
				goto bad;
			*(const char **)(void *)((char *)c + strs[i].off) = s;
		}
	}
	/*
	 * These share one draw, each a slice of the unit interval; slow has
	 * a draw of its own.  The slack lets sums like 0.2 + 0.4 + 0.3 +
	 * 0.1, which floating point makes a hair over 1, through.
	 */
	c->bad_sum = c->bad_200 + c->empty_200 + c->truncated + c->huge_200;
	if (c->fail_5xx + c->fail_429 + c->drop + c->drop_after + c->bad_sum >
	    1.0 + 1e-9) {
		snprintf(err, errsz, "fail_5xx + fail_429 + drop + drop_after + "
		    "bad_200 + empty_200 + truncated + huge_200 exceed 1");
		return -1;
	}
	return 0;
badprob:
	snprintf(err, errsz, "%s: must be a number from 0 to 1", k);
	return -1;
bad:
	snprintf(err, errsz, "%s: bad value", k);
	return -1;
unknown:
	snprintf(err, errsz, "%s: unknown key", k);
	return -1;
}

static void
set_refresh_token(const char *tok)
{
	free(refresh_token);
	refresh_token = tok != NULL ? xstrdup(tok) : NULL;
}

/*
 * Merge upd into the config (a key set to null goes back to its default),
 * check the result, and only then make it current and run the one-shot
 * actions (seed, expire_zalo_tokens, zalo_refresh_token,
 * zalo_access_tokens), which are not kept.  Returns -1 and leaves
 * everything as it was when the result is invalid.
 */
static int
conf_apply(json_t *upd, char *err, size_t errsz)
{
	json_t		*merged, *v;
	const char	*k;
	void		*tmp;
	struct conf	 nc;
	size_t		 i;

	merged = json_copy(cfg_json);
	json_object_update(merged, upd);
	json_object_foreach_safe(merged, tmp, k, v)
		if (json_is_null(v))
			json_object_del(merged, k);
	if (conf_parse(merged, &nc, err, errsz) == -1) {
		json_decref(merged);
		return -1;
	}
	if (json_is_integer(v = json_object_get(upd, "seed")))
		seed_rng((uint64_t)json_integer_value(v));
	if (json_is_true(json_object_get(upd, "expire_zalo_tokens")))
		json_object_clear(access_tokens);
	if (json_is_string(v = json_object_get(upd, "zalo_refresh_token")))
		set_refresh_token(json_string_value(v));
	if (json_is_array(v = json_object_get(upd, "zalo_access_tokens")))
		for (i = 0; i < json_array_size(v); i++)
			json_object_set_new(access_tokens, json_string_value(
			    json_array_get(v, i)), json_true());
	json_object_del(merged, "expire_zalo_tokens");
	json_object_del(merged, "zalo_refresh_token");
	json_object_del(merged, "zalo_access_tokens");
	json_decref(cfg_json);
	cfg_json = merged;
	cfg = nc;
	return 0;
}

/* Back to the state at start-up, without -c: POST /_mock/reset. */
static void
reset_all(void)
{
	json_decref(cfg_json);
	cfg_json = json_object();
	conf_defaults(&cfg);
	memset(&st, 0, sizeof(st));
	memset(window, 0, sizeof(window));
	seed_rng(DEFAULT_SEED);
	set_refresh_token(initial_refresh);
	json_object_clear(access_tokens);
	json_object_clear(esms_ids);
	json_object_clear(generic_ids);
	zalo_used = 0;
	zalo_oa_used = 0;
}

/* ---- answers ---- */

/* The reason phrase (libevent's own for 429 is "Client Error"). */
static const char *
status_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return NULL;
	}
}

static void
set_header(struct call *c, const char *k, const char *v)
{
	evhttp_add_header(evhttp_request_get_output_headers(c->req), k, v);
}

static const char *
get_header(struct call *c, const char *k)
{
	return evhttp_find_header(evhttp_request_get_input_headers(c->req),
	    k);
}

static void __attribute__((format(printf, 3, 4)))
answer(struct call *c, int status, const char *fmt, ...)
{
	va_list	ap;

	c->status = status;
	set_header(c, "Content-Type", "application/json; charset=utf-8");
	va_start(ap, fmt);
	evbuffer_add_vprintf(c->out, fmt, ap);
	va_end(ap);
}

/* Answer with a JSON value; takes the reference. */
static void
answer_json(struct call *c, int status, json_t *o)
{
	char	*s;

	c->status = status;
	set_header(c, "Content-Type", "application/json; charset=utf-8");
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		evbuffer_add(c->out, s, strlen(s));
		free(s);
	}
	json_decref(o);
}

static void
answer_text(struct call *c, int status, const char *text)
{
	c->status = status;
	set_header(c, "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add_printf(c->out, "%s\n", text);
}

/*
 * Retry-After as configured; without a configured form, a rate-limit
 * answer still says when its window ends (wait_ms from now).
 */
static void
add_retry_after(struct call *c, int rate_limited, long long wait_ms)
{
	char		buf[64];
	time_t		t;
	struct tm	tm;

	/* The date is counted from when the answer leaves (late or slow). */
	if (cfg.retry_after == RA_DATE) {
		t = time(NULL) + 2 + c->delay_ms / 1000;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	} else if (cfg.retry_after == RA_DIGITS)
		snprintf(buf, sizeof(buf), "%s", cfg.retry_after_s);
	else if (cfg.retry_after >= 0)
		snprintf(buf, sizeof(buf), "%d", cfg.retry_after);
	else if (rate_limited)
		snprintf(buf, sizeof(buf), "%lld", (wait_ms + 999) / 1000);
	else
		return;
	set_header(c, "Retry-After", buf);
}

/* A 5xx as a load balancer in front of any provider gives it: HTML. */
static void
answer_5xx(struct call *c, int status)
{
	const char	*phrase;

	if ((phrase = status_phrase(status)) == NULL)
		phrase = "Server Error";
	c->status = status;
	set_header(c, "Content-Type", "text/html");
	evbuffer_add_printf(c->out, "<html><head><title>%d %s</title></head>"
	    "<body><h1>%d %s</h1></body></html>\n", status, phrase, status,
	    phrase);
	add_retry_after(c, 0, 0);
}

/* A 429 in the provider's own words; the status is what counts. */
static void
answer_429(struct call *c, enum prov p, int rate_limited, long long wait_ms)
{
	char	buf[32];

	switch (p) {
	case P_ESMS:
		answer(c, 429, "{\"ErrorMessage\":\"Too many requests\"}");
		break;
	case P_SPEEDSMS:
		answer(c, 429, "{\"status\":\"error\",\"code\":\"429\","
		    "\"message\":\"Too many requests\"}");
		/* Configured digits go out here too, absurd or not. */
		if (rate_limited)
			snprintf(buf, sizeof(buf), "%lld",
			    (wait_ms + 999) / 1000);
		else if (cfg.retry_after == RA_DIGITS)
			snprintf(buf, sizeof(buf), "%s", cfg.retry_after_s);
		else if (cfg.retry_after >= 0)
			snprintf(buf, sizeof(buf), "%d", cfg.retry_after);
		else
			snprintf(buf, sizeof(buf), "%d",
			    cfg.retry_after == RA_DATE ? 2 : 1);
		set_header(c, "X-Rate-Limit-Reset", buf);
		break;
	case P_TWILIO:
		answer(c, 429, "{\"code\":20429,\"message\":\"Too Many "
		    "Requests\",\"more_info\":\"https://www.twilio.com/docs/"
		    "errors/20429\",\"status\":429}");
		break;
	case P_ZALO:
	case P_ZALO_OA:
		answer(c, 429, "{\"error\":-32,\"message\":\"Request rate "
		    "limit exceeded\"}");
		break;
	default:
		answer(c, 429, "{\"ok\":false,\"error\":{\"code\":"
		    "\"rate_limited\",\"message\":\"Too many requests\"}}");
		break;
	}
	add_retry_after(c, rate_limited, wait_ms);
}

/* Over the per-second limit of p?  Counts p's admitted requests. */
static int
rate_exceeded(enum prov p, long long *wait_ms)
{
	long long	now, sec;

	if (cfg.rate_limit[p] <= 0)
		return 0;
	now = mono_ms();
	sec = now / 1000;
	if (window[p].sec != sec) {
		window[p].sec = sec;
		window[p].n = 0;
	}
	if (window[p].n >= cfg.rate_limit[p]) {
		*wait_ms = (sec + 1) * 1000 - now;
		return 1;
	}
	window[p].n++;
	return 0;
}

static int
ctype_is(struct call *c, const char *want)
{
	const char	*ct = get_header(c, "Content-Type");
	size_t		 n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static const char *
flat_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* A string of printable ASCII without escapes at *p: its bounds. */
static int
flat_str(const char **p, const char *end, const char **s, size_t *n)
{
	const char	*q = *p + 1;

	if (*p >= end || **p != '"')
		return -1;
	while (q < end && *q != '"') {
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return -1;
		q++;
	}
	if (q == end)
		return -1;
	*s = *p + 1;
	*n = (size_t)(q - *s);
	*p = q + 1;
	return 0;
}

/*
 * What the plugins send, a flat object of plain strings (printable
 * ASCII, no escapes) and small integers, built without the general
 * parser, which took a third of the mock's time; NULL for anything else,
 * which json_loadb reads.  The same object either way (a repeated key:
 * the last one, as json_loadb keeps it).
 */
static json_t *
flat_json(const char *p, size_t len)
{
	const char	*end = p + len, *k, *v;
	size_t		 kn, vn, d;
	json_t		*o, *val;

	if ((p = flat_ws(p, end)) == end || *p++ != '{' ||
	    (p = flat_ws(p, end)) == end || *p == '}')
		return NULL;
	o = json_object();
	for (;;) {
		if (flat_str(&p, end, &k, &kn) == -1 ||
		    (p = flat_ws(p, end)) == end || *p++ != ':' ||
		    (p = flat_ws(p, end)) == end)
			goto fail;
		if (*p == '"') {
			if (flat_str(&p, end, &v, &vn) == -1)
				goto fail;
			val = json_stringn_nocheck(v, vn);
		} else {
			v = p;
			if (*p == '-')
				p++;
			for (d = 0; p < end && *p >= '0' && *p <= '9'; p++)
				d++;
			if (d == 0 || d > 18 || (d > 1 && v[*v == '-'] == '0'))
				goto fail;
			val = json_integer(strtoll(v, NULL, 10));
		}
		json_object_setn_new_nocheck(o, k, kn, val);
		if ((p = flat_ws(p, end)) == end)
			goto fail;
		if (*p == '}')
			break;
		if (*p++ != ',' || (p = flat_ws(p, end)) == end)
			goto fail;
	}
	if (flat_ws(p + 1, end) != end)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
body_json(struct call *c)
{
	json_t	*o;

	if ((o = flat_json(c->body, c->bodylen)) != NULL)
		return o;
	o = json_loadb(c->body, c->bodylen, 0, NULL);
	if (o != NULL && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/*
 * Parse a form-encoded body into q, which the caller initialised and
 * clears in every case; -1 if malformed.
 */
static int
body_form(struct call *c, struct evkeyvalq *q)
{
	char	*s;
	int	 rv;

	if ((s = malloc(c->bodylen + 1)) == NULL)
		fatal("out of memory");
	memcpy(s, c->body, c->bodylen);
	s[c->bodylen] = '\0';
	rv = evhttp_parse_query_str(s, q);
	free(s);
	return rv;
}

/* HTTP Basic credentials into user and pass; -1 when absent or bad. */
static int
basic_auth(struct call *c, char *user, size_t usz, char *pass, size_t psz)
{
	const char	*h = get_header(c, "Authorization");
	char		 dec[512], *colon;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	for (h += 6; *h == ' '; h++)
		;
	if (b64_decode(h, dec, sizeof(dec)) == -1 ||
	    (colon = strchr(dec, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (strlen(dec) >= usz || strlen(colon + 1) >= psz)
		return -1;
	strcpy(user, dec);
	strcpy(pass, colon + 1);
	return 0;
}

/* The injected code for phone at provider p, or NULL. */
static json_t *
code_for(enum prov p, const char *phone)
{
	if (cfg.codes[p] == NULL)
		return NULL;
	return json_object_get(cfg.codes[p], phone);
}

static const char *
code_str(json_t *v, char buf[32], int width)
{
	if (json_is_string(v))
		return json_string_value(v);
	snprintf(buf, 32, "%0*lld", width, json_integer_value(v));
	return buf;
}

/* ---- Zalo ZNS and OAuth ---- */

static const char *
zalo_msg(long long code)
{
	switch (code) {
	case -100:
		return "Unknown error, please try again later";
	case -101:
		return "Application is invalid";
	case -102:
		return "Application does not exist";
	case -103:
		return "Application has not been activated";
	case -104:
		return "Application secret key is invalid";
	case -105:
		return "Application is not linked with an Official Account";
	case -108:
		return "Phone number is invalid";
	case -109:
		return "Template ID is invalid";
	case -111:
		return "Template data is empty";
	case -112:
		return "Template data is invalid";
	case -114:
		return "User is inactive, rejected the message or uses an "
		    "old Zalo version";
	case -115:
		return "Out of quota";
	case -118:
		return "Phone number has no Zalo account";
	case -124:
		return "Access token is invalid";
	case -201:
		return "Parameters are invalid";
	default:
		return "Error";
	}
}

static enum outcome
zalo_error(struct call *c, long long code)
{
	answer(c, 200, "{\"error\":%lld,\"message\":\"%s\"}", code,
	    zalo_msg(code));
	return O_ERROR;
}

static int
zalo_token_ok(struct call *c)
{
	const char	*tok = get_header(c, "access_token");

	return tok != NULL && json_object_get(access_tokens, tok) != NULL;
}

static int
tracking_ok(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z')))
			return 0;
	return n >= 1 && n <= 48;
}

/* Are all the values of object o strings? */
static int
strings_only(json_t *o)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(o, k, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

/* POST /message/template */
static enum outcome
zalo_send(struct call *c)
{
	json_t		*o, *data, *v, *code;
	const char	*phone, *tid, *track, *mode;
	char		 norm[32], msg_id[33];
	enum outcome	 r;

	if (!zalo_token_ok(c))
		return zalo_error(c, -124);
	if ((o = body_json(c)) == NULL)
		return zalo_error(c, -201);
	phone = json_string_value(json_object_get(o, "phone"));
	tid = json_string_value(json_object_get(o, "template_id"));
	data = json_object_get(o, "template_data");
	v = json_object_get(o, "tracking_id");
	track = json_string_value(v);
	mode = json_string_value(json_object_get(o, "mode"));
	if (phone == NULL || phone_norm(phone, norm) == -1 ||
	    !vn_mobile(norm))
		r = zalo_error(c, -108);
	else if (tid == NULL || *tid == '\0')
		r = zalo_error(c, -109);
	else if (data == NULL || (json_is_object(data) &&
	    json_object_size(data) == 0))
		r = zalo_error(c, -111);
	else if (!json_is_object(data) || !strings_only(data))
		r = zalo_error(c, -112);
	else if ((v != NULL && (track == NULL || !tracking_ok(track))) ||
	    (json_object_get(o, "mode") != NULL && (mode == NULL ||
	    strcmp(mode, "development") != 0)))
		r = zalo_error(c, -201);
	else if ((code = code_for(P_ZALO, norm)) != NULL)
		r = zalo_error(c, json_integer_value(code));
	else if (zalo_used >= cfg.zalo_quota)
		r = zalo_error(c, -115);
	else {
		r = O_ACCEPTED;
		zalo_used++;
		new_hex32(msg_id);
		record(P_ZALO, norm, track, NULL, NULL, tid, data, msg_id);
		answer(c, 200, "{\"error\":0,\"message\":\"Success\",\"data\":{"
		    "\"msg_id\":\"%s\",\"sent_time\":\"%lld\",\"quota\":{"
		    "\"dailyQuota\":\"%lld\",\"remainingQuota\":\"%lld\"}}}",
		    msg_id, now_ms(), cfg.zalo_quota,
		    cfg.zalo_quota - zalo_used);
	}
	json_decref(o);
	return r;
}

/* GET /message/quota */
static void
zalo_quota(struct call *c)
{
	long long	left = cfg.zalo_quota - zalo_used;

	if (!zalo_token_ok(c)) {
		zalo_error(c, -124);
		return;
	}
	answer(c, 200, "{\"error\":0,\"message\":\"Success\",\"data\":{"
	    "\"dailyQuota\":\"%lld\",\"remainingQuota\":\"%lld\"}}",
	    cfg.zalo_quota, left < 0 ? 0 : left);
}

static void
oauth_error(struct call *c, int code, const char *name, const char *reason)
{
	answer(c, 200, "{\"error\":%d,\"error_name\":\"%s\",\"error_reason\":"
	    "\"%s\",\"error_description\":\"%s\",\"ref_doc\":"
	    "\"https://developers.zalo.me/docs/official-account/"
	    "bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new\"}", code, name,
	    reason, reason);
	st.refresh_errors++;
}

/*
 * POST /v4/oa/access_token: rotate.  The one valid refresh token works
 * once; its answer carries the next one and a new access token (the
 * access tokens issued before stay valid until expire_zalo_tokens).
 */
static void
zalo_oauth(struct call *c)
{
	struct evkeyvalq	 q;
	const char		*secret, *rt, *app, *grant;
	char			 at[65], nrt[65];

	TAILQ_INIT(&q);
	secret = get_header(c, "secret_key");
	if (!ctype_is(c, "application/x-www-form-urlencoded") ||
	    body_form(c, &q) == -1) {
		evhttp_clear_headers(&q);
		oauth_error(c, -14001, "Invalid parameter",
		    "the body must be form-encoded");
		return;
	}
	rt = evhttp_find_header(&q, "refresh_token");
	app = evhttp_find_header(&q, "app_id");
	grant = evhttp_find_header(&q, "grant_type");
	if (app == NULL || *app == '\0' || grant == NULL || rt == NULL)
		oauth_error(c, -14001, "Invalid parameter",
		    "app_id, grant_type and refresh_token are required");
	else if (strcmp(grant, "refresh_token") != 0)
		oauth_error(c, -14001, "Invalid parameter",
		    "grant_type must be refresh_token");
	else if (cfg.zalo_app_id != NULL && strcmp(app, cfg.zalo_app_id) != 0)
		oauth_error(c, -14002, "Invalid app id",
		    "the app id is unknown");
	else if (secret == NULL || *secret == '\0' ||
	    (cfg.zalo_secret_key != NULL &&
	    strcmp(secret, cfg.zalo_secret_key) != 0))
		oauth_error(c, -14003, "Invalid secret key",
		    "the secret_key header is missing or wrong");
	else if (refresh_token == NULL || strcmp(rt, refresh_token) != 0)
		oauth_error(c, -14014, "Invalid refresh token",
		    "the refresh token is invalid, expired or already used");
	else {
		new_token(at);
		new_token(nrt);
		json_object_set_new(access_tokens, at, json_true());
		set_refresh_token(nrt);
		st.refreshes++;
		answer(c, 200, "{\"access_token\":\"%s\",\"refresh_token\":"
		    "\"%s\",\"expires_in\":\"%s\"}", at, nrt, TOKEN_EXPIRES);
	}
	evhttp_clear_headers(&q);
}

/* ---- Zalo OA messages (v3.0) ---- */

static enum outcome
oa_error(struct call *c, long long code, const char *msg)
{
	answer(c, 200, "{\"error\":%lld,\"message\":\"%s\"}", code, msg);
	return O_ERROR;
}

/* Does uid follow the OA (zalo_followers)? */
static int
oa_follower(const char *uid)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(cfg.zalo_followers, i, v)
		if (strcmp(json_string_value(v), uid) == 0)
			return 1;
	return 0;
}

/* Characters (UTF-8 lead bytes) of s. */
static size_t
oa_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * POST /v3.0/oa/message/cs and /transaction: a text to a follower.  The
 * token is the ZNS one (-201 when refused, as the OA API says it); the
 * user must be in zalo_followers (else -213, "not following": the code
 * is UNVERIFIED against the real API) and the OA have quota left
 * (zalo_oa_quota, else -211); zalo_oa_codes injects a code per user id.
 */
static enum outcome
oa_send(struct call *c)
{
	json_t		*o, *code;
	const char	*uid, *text;
	char		 msg_id[33];
	enum outcome	 r;

	if (!zalo_token_ok(c))
		return oa_error(c, -201, "Access token is invalid");
	if ((o = body_json(c)) == NULL)
		return oa_error(c, -203, "Parameters are invalid");
	uid = json_string_value(json_object_get(json_object_get(o,
	    "recipient"), "user_id"));
	text = json_string_value(json_object_get(json_object_get(o,
	    "message"), "text"));
	if (uid == NULL || *uid == '\0' || strlen(uid) > 64)
		r = oa_error(c, -207, "User id is invalid");
	else if (text == NULL || *text == '\0' || oa_chars(text) > 2000)
		r = oa_error(c, -204, "Message is invalid");
	else if ((code = code_for(P_ZALO_OA, uid)) != NULL)
		r = oa_error(c, json_integer_value(code), "Error");
	else if (!oa_follower(uid))
		r = oa_error(c, -213, "User has not followed the OA");
	else if (zalo_oa_used >= cfg.zalo_oa_quota)
		r = oa_error(c, -211, "Out of quota");
	else {
		r = O_ACCEPTED;
		zalo_oa_used++;
		new_hex32(msg_id);
		record(P_ZALO_OA, uid, NULL, text, NULL, NULL, NULL, msg_id);
		answer(c, 200, "{\"error\":0,\"message\":\"Success\",\"data\":{"
		    "\"message_id\":\"%s\",\"user_id\":\"%s\",\"quota\":{"
		    "\"quota_type\":\"sub_quota\",\"remain\":\"%lld\","
		    "\"total\":\"%lld\"}}}", msg_id, uid,
		    cfg.zalo_oa_quota - zalo_oa_used, cfg.zalo_oa_quota);
	}
	json_decref(o);
	return r;
}

/* GET /v3.0/oa/user/getlist: the followers (zalo_followers). */
static void
oa_followers(struct call *c)
{
	json_t	*users, *v, *o;
	size_t	 i;
	char	*s;

	if (!zalo_token_ok(c)) {
		oa_error(c, -201, "Access token is invalid");
		return;
	}
	users = json_array();
	json_array_foreach(cfg.zalo_followers, i, v)
		json_array_append_new(users, json_pack("{s:O}", "user_id", v));
	o = json_pack("{s:i,s:s,s:{s:I,s:I,s:i,s:o}}", "error", 0, "message",
	    "Success", "data", "total", (json_int_t)json_array_size(users),
	    "count", (json_int_t)json_array_size(users), "offset", 0,
	    "users", users);
	s = json_dumps(o, JSON_COMPACT);
	answer(c, 200, "%s", s);
	free(s);
	json_decref(o);
}

/* GET /v3.0/oa/quota/message: what zalo_oa_quota leaves. */
static void
oa_quota(struct call *c)
{
	long long	left = cfg.zalo_oa_quota - zalo_oa_used;

	if (!zalo_token_ok(c)) {
		oa_error(c, -201, "Access token is invalid");
		return;
	}
	answer(c, 200, "{\"error\":0,\"message\":\"Success\",\"data\":{"
	    "\"total\":\"%lld\",\"remain\":\"%lld\"}}", cfg.zalo_oa_quota,
	    left < 0 ? 0 : left);
}

/* ---- eSMS ---- */

/* An error code and the message the provider gives with it. */
struct code_msg {
	const char	*code;
	const char	*msg;
};

static const char *
code_msg_find(const struct code_msg *t, size_t n, const char *code)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(code, t[i].code) == 0)
			return t[i].msg;
	return "Error";
}

static const char *
esms_msg(const char *code)
{
	static const struct code_msg t[] = {
		{ "99", "Phone number is blocked" },
		{ "101", "Authorize Failed" },
		{ "103", "Balance not enough" },
		{ "104", "Brandname does not exist or is not registered" },
		{ "108", "Phone number is invalid" },
		{ "124", "Duplicate RequestId" },
		{ "140", "IP not allowed" },
		{ "146", "Content does not match a registered template" },
		{ "177", "Carrier not registered for this brandname" },
	};
	return code_msg_find(t, sizeof(t) / sizeof(t[0]), code);
}

static enum outcome
esms_error(struct call *c, const char *code)
{
	answer(c, 200, "{\"CodeResult\":\"%s\",\"CountRegenerate\":0,"
	    "\"ErrorMessage\":\"%s\"}", code, esms_msg(code));
	return O_ERROR;
}

/* A field eSMS takes as "0"/"1"-like strings; numbers allowed too. */
static const char *
esms_flag(json_t *o, const char *k, char buf[32])
{
	json_t	*v = json_object_get(o, k);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, 32, "%lld", json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* POST /MainService.svc/json/SendMultipleMessage_V4_post_json/ */
static enum outcome
esms_send(struct call *c)
{
	json_t		*o, *v, *code;
	const char	*key, *secret, *phone, *content, *brand, *type, *uni;
	const char	*sandbox, *rid, *first;
	char		 b1[32], b2[32], b3[32], cb[32], norm[32], id[37];
	enum outcome	 r;

	if (!ctype_is(c, "application/json") || (o = body_json(c)) == NULL) {
		answer_text(c, 400, "Bad Request: the body must be a JSON "
		    "object");
		return O_ERROR;
	}
	key = json_string_value(json_object_get(o, "ApiKey"));
	secret = json_string_value(json_object_get(o, "SecretKey"));
	phone = json_string_value(json_object_get(o, "Phone"));
	content = json_string_value(json_object_get(o, "Content"));
	brand = json_string_value(json_object_get(o, "Brandname"));
	type = esms_flag(o, "SmsType", b1);
	uni = esms_flag(o, "IsUnicode", b2);
	sandbox = esms_flag(o, "Sandbox", b3);
	v = json_object_get(o, "RequestId");
	rid = json_string_value(v);
	if (key == NULL || *key == '\0' || secret == NULL || *secret == '\0' ||
	    (cfg.esms_api_key != NULL && strcmp(key, cfg.esms_api_key) != 0) ||
	    (cfg.esms_secret_key != NULL &&
	    strcmp(secret, cfg.esms_secret_key) != 0))
		r = esms_error(c, "101");
	else if (content == NULL || *content == '\0' || type == NULL ||
	    !all_digits(type, 1, 2) || (uni != NULL && strcmp(uni, "0") != 0 &&
	    strcmp(uni, "1") != 0) || (sandbox != NULL &&
	    strcmp(sandbox, "0") != 0 && strcmp(sandbox, "1") != 0) ||
	    (v != NULL && (rid == NULL || *rid == '\0')) ||
	    (json_object_get(o, "CallbackUrl") != NULL &&
	    !json_is_string(json_object_get(o, "CallbackUrl")))) {
		answer_text(c, 400, "Bad Request: Content, SmsType, IsUnicode, "
		    "Sandbox, RequestId or CallbackUrl is missing or invalid");
		r = O_ERROR;
	} else if (phone == NULL || phone_norm(phone, norm) == -1 ||
	    !vn_mobile(norm))
		r = esms_error(c, "108");
	else if (brand == NULL || *brand == '\0')
		r = esms_error(c, "104");
	else if (rid != NULL && (first = json_string_value(json_object_get(
	    esms_ids, rid))) != NULL) {
		answer(c, 200, "{\"CodeResult\":\"124\",\"CountRegenerate\":0,"
		    "\"ErrorMessage\":\"Duplicate RequestId\",\"SMSID\":"
		    "\"%s\"}", first);
		r = O_DUPLICATE;
	} else if ((code = code_for(P_ESMS, norm)) != NULL)
		r = esms_error(c, code_str(code, cb, 1));
	else {
		new_uuid(id);
		if (sandbox != NULL && strcmp(sandbox, "1") == 0)
			r = O_SANDBOX;
		else {
			r = O_ACCEPTED;
			if (rid != NULL)
				json_object_set_new(esms_ids, rid,
				    json_string(id));
			record(P_ESMS, norm, rid, content, brand, NULL, NULL,
			    id);
		}
		answer(c, 200, "{\"CodeResult\":\"100\",\"CountRegenerate\":0,"
		    "\"SMSID\":\"%s\"}", id);
	}
	json_decref(o);
	return r;
}

/* ---- SpeedSMS ---- */

static const char *
speedsms_msg(const char *code)
{
	static const struct code_msg t[] = {
		{ "007", "IP locked" },
		{ "008", "Account blocked" },
		{ "101", "Invalid or missing parameters" },
		{ "105", "Invalid phone number" },
		{ "110", "Content encoding not supported" },
		{ "113", "Content too long" },
		{ "300", "Balance too low" },
		{ "401", "Invalid access token" },
		{ "500", "Internal error, please try again" },
	};
	return code_msg_find(t, sizeof(t) / sizeof(t[0]), code);
}

static enum outcome
speedsms_error(struct call *c, int status, const char *code)
{
	answer(c, status, "{\"status\":\"error\",\"code\":\"%s\","
	    "\"message\":\"%s\"}", code, speedsms_msg(code));
	return O_ERROR;
}

/* POST /index.php/sms/send */
static enum outcome
speedsms_send(struct call *c)
{
	json_t		*o, *to, *v, *invalid, *code, *d;
	const char	*content, *sender, *s;
	char		 user[256], pass[256], norm[32], cb[32], tid[32];
	long long	 type = 0;
	size_t		 i, nvalid;
	enum outcome	 r;

	if (basic_auth(c, user, sizeof(user), pass, sizeof(pass)) == -1 ||
	    user[0] == '\0' || strcmp(pass, "x") != 0 ||
	    (cfg.speedsms_token != NULL &&
	    strcmp(user, cfg.speedsms_token) != 0))
		return speedsms_error(c, 401, "401");
	if (!ctype_is(c, "application/json") || (o = body_json(c)) == NULL)
		return speedsms_error(c, 200, "101");
	to = json_object_get(o, "to");
	content = json_string_value(json_object_get(o, "content"));
	sender = json_string_value(json_object_get(o, "sender"));
	v = json_object_get(o, "sms_type");
	if (json_is_integer(v))
		type = json_integer_value(v);
	else if (json_is_string(v) && all_digits(json_string_value(v), 1, 1))
		type = atoi(json_string_value(v));
	r = O_ACCEPTED;
	if (!json_is_array(to) || json_array_size(to) == 0 ||
	    content == NULL || *content == '\0' || type < 2 || type > 6 ||
	    (type == 3 && (sender == NULL || *sender == '\0')))
		r = speedsms_error(c, 200, "101");
	json_array_foreach(to, i, v)
		if (r == O_ACCEPTED && !json_is_string(v))
			r = speedsms_error(c, 200, "101");
	if (r != O_ACCEPTED) {
		json_decref(o);
		return r;
	}
	invalid = json_array();
	nvalid = 0;
	code = NULL;
	json_array_foreach(to, i, v) {
		s = json_string_value(v);
		if (phone_norm(s, norm) == -1 || !vn_mobile(norm))
			json_array_append(invalid, v);
		else {
			nvalid++;
			if (code == NULL)
				code = code_for(P_SPEEDSMS, norm);
		}
	}
	if (nvalid == 0)
		r = speedsms_error(c, 200, "105");
	else if (code != NULL)
		r = speedsms_error(c, 200, code_str(code, cb, 3));
	else {
		snprintf(tid, sizeof(tid), "%lld", ++tran_id);
		json_array_foreach(to, i, v) {
			s = json_string_value(v);
			if (phone_norm(s, norm) == 0 && vn_mobile(norm))
				record(P_SPEEDSMS, norm, NULL, content,
				    sender, NULL, NULL, tid);
		}
		d = json_pack("{s:I,s:I,s:I,s:O}", "tranId",
		    (json_int_t)tran_id, "totalSMS",
		    (json_int_t)(nvalid * sms_segments(content)), "totalPrice",
		    (json_int_t)(nvalid * sms_segments(content) * 700),
		    "invalidPhone", invalid);
		answer_json(c, 200, json_pack("{s:s,s:s,s:o}", "status",
		    "success", "code", "00", "data", d));
	}
	json_decref(invalid);
	json_decref(o);
	return r;
}

/* ---- Twilio ---- */

static enum outcome
twilio_error(struct call *c, int status, int code, const char *msg)
{
	answer(c, status, "{\"code\":%d,\"message\":\"%s\",\"more_info\":"
	    "\"https://www.twilio.com/docs/errors/%d\",\"status\":%d}", code,
	    msg, code, status);
	return O_ERROR;
}

static int
e164(const char *s)
{
	return s[0] == '+' && all_digits(s + 1, 8, 15);
}

static void
rfc2822(char *buf, size_t sz)
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* POST /2010-04-01/Accounts/{AccountSid}/Messages.json */
static enum outcome
twilio_send(struct call *c)
{
	const char		*sid = c->sid;
	struct evkeyvalq	 q;
	const char		*to, *from, *mss, *body;
	char			 user[256], pass[256], norm[32], sm[35], h[33];
	char			 date[64], uri[256], media[256], nseg[16];
	json_t			*code, *o;
	enum outcome		 r;

	if (basic_auth(c, user, sizeof(user), pass, sizeof(pass)) == -1 ||
	    strcmp(user, sid) != 0 || pass[0] == '\0' ||
	    (cfg.twilio_auth_token != NULL &&
	    strcmp(pass, cfg.twilio_auth_token) != 0))
		return twilio_error(c, 401, 20003, "Authenticate");
	TAILQ_INIT(&q);
	if (!ctype_is(c, "application/x-www-form-urlencoded") ||
	    body_form(c, &q) == -1) {
		evhttp_clear_headers(&q);
		return twilio_error(c, 400, 21601, "The request body must be "
		    "form-encoded");
	}
	to = evhttp_find_header(&q, "To");
	from = evhttp_find_header(&q, "From");
	mss = evhttp_find_header(&q, "MessagingServiceSid");
	body = evhttp_find_header(&q, "Body");
	if (to == NULL || *to == '\0')
		r = twilio_error(c, 400, 21604, "A 'To' phone number is "
		    "required.");
	else if ((from == NULL || *from == '\0') && (mss == NULL ||
	    *mss == '\0'))
		r = twilio_error(c, 400, 21603, "A 'From' phone number is "
		    "required.");
	else if (body == NULL || *body == '\0')
		r = twilio_error(c, 400, 21602, "Message body is required.");
	else if (!e164(to))
		r = twilio_error(c, 400, 21211, "Invalid 'To' Phone Number");
	else {
		phone_norm(to, norm);
		if ((code = code_for(P_TWILIO, norm)) != NULL) {
			r = twilio_error(c, 400, (int)json_integer_value(code),
			    "Injected error");
		} else {
			r = O_ACCEPTED;
			new_hex32(h);
			snprintf(sm, sizeof(sm), "SM%s", h);
			rfc2822(date, sizeof(date));
			snprintf(uri, sizeof(uri), "/2010-04-01/Accounts/%s/"
			    "Messages/%s.json", sid, sm);
			snprintf(media, sizeof(media), "/2010-04-01/Accounts/"
			    "%s/Messages/%s/Media.json", sid, sm);
			snprintf(nseg, sizeof(nseg), "%d", sms_segments(body));
			o = json_pack("{s:s,s:s,s:s?,s:s,s:n,s:s,s:s,s:n,s:n,"
			    "s:s?,s:s?,s:s,s:s,s:n,s:s,s:s,s:s,s:{s:s},s:s,"
			    "s:s}",
			    "account_sid", sid, "api_version", "2010-04-01",
			    "body", body, "date_created", date,
			    "date_sent", "date_updated", date,
			    "direction", "outbound-api", "error_code",
			    "error_message", "from", from,
			    "messaging_service_sid", mss, "num_media", "0",
			    "num_segments", nseg, "price", "price_unit", "USD",
			    "sid", sm, "status", "queued",
			    "subresource_uris", "media", media, "to", to,
			    "uri", uri);
			if (o == NULL)		/* not UTF-8 */
				r = twilio_error(c, 400, 21617, "The message "
				    "body is not valid UTF-8");
			else {
				record(P_TWILIO, norm, NULL, body, from !=
				    NULL && *from != '\0' ? from : mss, NULL,
				    NULL, sm);
				answer_json(c, 201, o);
			}
		}
	}
	evhttp_clear_headers(&q);
	return r;
}

/* ---- generic ---- */

static enum outcome
generic_error(struct call *c, int status, const char *code, const char *msg)
{
	answer_json(c, status, json_pack("{s:b,s:{s:s,s:s}}", "ok", 0,
	    "error", "code", code, "message", msg));
	return O_ERROR;
}

/* POST /generic/send */
static enum outcome
generic_send(struct call *c)
{
	json_t		*o, *v, *code, *extra;
	const char	*to, *text, *id, *first, *h, *k;
	char		 mid[33], cb[32], norm[32];
	enum outcome	 r;

	if (cfg.generic_token != NULL && ((h = get_header(c,
	    "Authorization")) == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    strcmp(h + 7, cfg.generic_token) != 0))
		return generic_error(c, 401, "unauthorized",
		    "missing or wrong bearer token");
	if (!ctype_is(c, "application/json") || (o = body_json(c)) == NULL)
		return generic_error(c, 400, "bad_request",
		    "the body must be a JSON object");
	to = json_string_value(json_object_get(o, "to"));
	text = json_string_value(json_object_get(o, "text"));
	v = json_object_get(o, "id");
	id = json_string_value(v);
	/* A phone-like "to" is recorded and looked up as 84xxxxxxxxx. */
	if (to != NULL && phone_norm(to, norm) == 0)
		to = norm;
	if (to == NULL || *to == '\0' || text == NULL ||
	    (v != NULL && (id == NULL || *id == '\0')))
		r = generic_error(c, 400, "bad_request",
		    "to and text are required strings, id a string");
	else if (id != NULL && (first = json_string_value(json_object_get(
	    generic_ids, id))) != NULL) {
		answer(c, 200, "{\"ok\":true,\"message_id\":\"%s\","
		    "\"duplicate\":true}", first);
		r = O_DUPLICATE;
	} else if ((code = code_for(P_GENERIC, to)) != NULL)
		r = generic_error(c, 422, code_str(code, cb, 1),
		    "injected failure");
	else {
		r = O_ACCEPTED;
		new_hex32(mid);
		if (id != NULL)
			json_object_set_new(generic_ids, id, json_string(mid));
		extra = NULL;
		json_object_foreach(o, k, v) {
			if (strcmp(k, "to") == 0 || strcmp(k, "text") == 0 ||
			    strcmp(k, "id") == 0)
				continue;
			if (extra == NULL)
				extra = json_object();
			json_object_set(extra, k, v);
		}
		record(P_GENERIC, to, id, text, NULL, NULL, extra, mid);
		json_decref(extra);
		answer(c, 200, "{\"ok\":true,\"message_id\":\"%s\"}", mid);
	}
	json_decref(o);
	return r;
}

/* ---- garbled answers ---- */

/* Cut b down to its first n bytes. */
static void
buf_keep(struct evbuffer *b, size_t n)
{
	struct evbuffer	*head;

	if ((head = evbuffer_new()) == NULL)
		fatal("out of memory");
	evbuffer_remove_buffer(b, head, n);
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add_buffer(b, head);
	evbuffer_free(head);
}

/* n bytes of 'x' at the end of b, written in place. */
static void
buf_pad(struct evbuffer *b, size_t n)
{
	struct evbuffer_iovec	v;

	if (evbuffer_reserve_space(b, (ev_ssize_t)n, &v, 1) != 1)
		fatal("out of memory");
	memset(v.iov_base, 'x', n);
	v.iov_len = n;
	evbuffer_commit_space(b, &v, 1);
}

/*
 * The answer the endpoint made is replaced by a 200 with an HTML page,
 * as a proxy or captive portal in front of the provider gives it.
 */
static void
garble_html(struct call *c)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(c->req);

	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	evhttp_remove_header(h, "Content-Type");
	set_header(c, "Content-Type", "text/html");
	evbuffer_add_printf(c->out, "<html><head><title>502 Bad Gateway"
	    "</title></head><body><h1>502 Bad Gateway</h1></body></html>\n");
}

/*
 * The first half of the answer, under headers that announce all of it
 * (at least one byte more than is sent).  With Connection: close evhttp
 * frees the connection itself once those bytes are written, so the
 * client meets the end of the stream before the end of the body; the
 * request stays evhttp's throughout, also when the client leaves first.
 */
static void
garble_truncate(struct call *c)
{
	size_t	len = evbuffer_get_length(c->out);
	char	cl[32];

	snprintf(cl, sizeof(cl), "%zu", len > 0 ? len : 1);
	buf_keep(c->out, len / 2);
	set_header(c, "Content-Length", cl);
	set_header(c, "Connection", "close");
}

/*
 * The answer with a padding string of HUGE_PAD bytes: a JSON object gets
 * it as one more member, so it stays valid JSON; anything else gets it
 * appended.
 */
static void
garble_huge(struct call *c)
{
	const char	*b;
	size_t		 n;

	n = evbuffer_get_length(c->out);
	b = (const char *)evbuffer_pullup(c->out, -1);
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	if (n >= 2 && b[0] == '{' && b[n - 1] == '}') {
		buf_keep(c->out, n - 1);
		if (n > 2)
			evbuffer_add(c->out, ",", 1);
		evbuffer_add_printf(c->out, "\"_mock_padding\":\"");
		buf_pad(c->out, HUGE_PAD);
		evbuffer_add(c->out, "\"}", 2);
	} else {
		buf_pad(c->out, HUGE_PAD);
		evbuffer_add(c->out, "\n", 1);
	}
}

/*
 * After the endpoint processed a request (and recorded what it
 * accepted), the draw u may still fall in one of the slices of the
 * garbled answers, which follow drop_after's (ending at edge) in the
 * unit interval.  Each answers 200, whatever the endpoint's status was.
 */
static void
garble(struct call *c, enum prov p, double u, double edge)
{
	if (u < (edge += cfg.bad_200)) {
		c->bad = "bad_200";
		garble_html(c);
	} else if (u < (edge += cfg.empty_200)) {
		c->bad = "empty_200";
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
	} else if (u < (edge += cfg.truncated)) {
		c->bad = "truncated";
		garble_truncate(c);
	} else if (u < (edge += cfg.huge_200)) {
		c->bad = "huge_200";
		garble_huge(c);
	} else
		return;		/* rounding at the last slice's end */
	c->status = 200;
	BUMP(p, bad_answers);
}

/* ---- dispatch ---- */

/*
 * A message request to provider p: one random draw, then, in order:
 * down (503), over the rate limit (429), injected 5xx, 429 or drop (in
 * that order of the draw's unit interval), else the endpoint processes it
 * (fn) and, when the draw says so, its answer is lost (drop_after) or
 * garbled (bad_200, empty_200, truncated, huge_200).  Apart from that,
 * a draw of its own makes any answer slow.
 */
static void
message_request(struct call *c, enum prov p,
    enum outcome (*fn)(struct call *))
{
	double		u = rnd_unit(&rng), edge;
	long long	wait_ms = 0;
	enum outcome	r;

	BUMP(p, requests);
	c->delay_ms = cfg.delay_ms;
	if (cfg.slow > 0 && rnd_unit(&rng_slow) < cfg.slow) {
		c->delay_ms += (int)(rnd_unit(&rng_slow) * (cfg.slow_ms + 1));
		BUMP(p, slow);
	}
	if (cfg.down & (1u << p)) {
		answer_5xx(c, 503);
		BUMP(p, http_5xx);
		return;
	}
	if (rate_exceeded(p, &wait_ms)) {
		answer_429(c, p, 1, wait_ms);
		BUMP(p, http_429);
		return;
	}
	if (u < (edge = cfg.fail_5xx)) {
		answer_5xx(c, cfg.code_5xx);
		BUMP(p, http_5xx);
		return;
	}
	if (u < (edge += cfg.fail_429)) {
		answer_429(c, p, 0, 0);
		BUMP(p, http_429);
		return;
	}
	if (u < (edge += cfg.drop)) {
		c->drop = 1;
		BUMP(p, dropped);
		return;
	}
	r = fn(c);
	switch (r) {
	case O_ACCEPTED:
		BUMP(p, accepted);
		break;
	case O_DUPLICATE:
		BUMP(p, duplicates);
		break;
	case O_SANDBOX:
		BUMP(p, sandbox);
		break;
	case O_ERROR:
		BUMP(p, errors);
		break;
	}
	if (u < (edge += cfg.drop_after)) {
		c->drop = 1;
		BUMP(p, lost_answers);
	} else if (u < edge + cfg.bad_sum)
		garble(c, p, u, edge);
}

static json_t *
counters_json(const struct counters *k)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "requests", (json_int_t)k->requests,
	    "accepted", (json_int_t)k->accepted,
	    "messages", (json_int_t)k->messages,
	    "duplicates", (json_int_t)k->duplicates,
	    "sandbox", (json_int_t)k->sandbox,
	    "http_5xx", (json_int_t)k->http_5xx,
	    "http_429", (json_int_t)k->http_429,
	    "dropped", (json_int_t)k->dropped,
	    "lost_answers", (json_int_t)k->lost_answers,
	    "errors", (json_int_t)k->errors,
	    "bad_answers", (json_int_t)k->bad_answers,
	    "slow", (json_int_t)k->slow);
}

/* /_mock/...: stats, state, config, reset. */
static void
control(struct call *c, const char *what)
{
	json_t	*o, *by;
	char	 err[256];
	int	 p, get = c->method == EVHTTP_REQ_GET;

	if (strcmp(what, "stats") == 0 && get) {
		o = counters_json(&st.all);
		json_object_set_new(o, "refreshes", json_integer(st.refreshes));
		json_object_set_new(o, "refresh_errors",
		    json_integer(st.refresh_errors));
		by = json_object();
		for (p = 0; p < P_COUNT; p++)
			json_object_set_new(by, prov_names[p],
			    counters_json(&st.by[p]));
		json_object_set_new(o, "by_provider", by);
		answer_json(c, 200, o);
	} else if (strcmp(what, "state") == 0 && get) {
		answer_json(c, 200, json_pack("{s:s?,s:I,s:I,s:I,s:I}",
		    "zalo_refresh_token", refresh_token,
		    "zalo_access_tokens", (json_int_t)json_object_size(
		    access_tokens), "zalo_quota_used", (json_int_t)zalo_used,
		    "esms_request_ids", (json_int_t)json_object_size(esms_ids),
		    "generic_ids", (json_int_t)json_object_size(generic_ids)));
	} else if (strcmp(what, "config") == 0 && get) {
		answer_json(c, 200, json_incref(cfg_json));
	} else if (strcmp(what, "config") == 0) {
		if ((o = body_json(c)) == NULL)
			answer(c, 400, "{\"error\":\"the body must be a JSON "
			    "object\"}");
		else if (conf_apply(o, err, sizeof(err)) == -1)
			answer_json(c, 400, json_pack("{s:s}", "error", err));
		else
			answer_json(c, 200, json_incref(cfg_json));
		json_decref(o);
	} else if (strcmp(what, "reset") == 0 && !get) {
		reset_all();
		answer(c, 200, "{\"ok\":true}");
	} else if (strcmp(what, "stats") == 0 || strcmp(what, "state") == 0 ||
	    strcmp(what, "reset") == 0)
		answer(c, 405, "{\"error\":\"method not allowed\"}");
	else
		answer(c, 404, "{\"error\":\"not found\"}");
}

/* ---- inbound: POST /_mock/inbound ---- */

/*
 * A resident's message sent to a daemon: the mock builds the provider's
 * real body (inbound_body.h), signs it with its configured secrets (or
 * not, or wrongly), POSTs it `times` times, one after the other, to a
 * loopback URL, and then answers its own caller with what the daemon
 * answered each time.  Other requests are served meanwhile.
 */
#define INB_TIMES_MAX	20
#define INB_ANSWER_MAX	4096	/* bytes of each daemon answer kept */

struct inb {
	TAILQ_ENTRY(inb)	 entry;
	struct evhttp_request	*req;		/* the caller's, answered last */
	struct evhttp_connection *conn;
	struct event		*ev;		/* the next step, off callbacks */
	char			*path;		/* path and query */
	char			*host;
	char			*body;
	char			 ctype[48];
	char			 hname[24];	/* signature header, or "" */
	char			 hvalue[96];
	int			 port;
	int			 times;
	int			 done;
	json_t			*result;	/* the caller's answer */
};

static TAILQ_HEAD(, inb)	 inbs = TAILQ_HEAD_INITIALIZER(inbs);

static void
inb_free(struct inb *ib)
{
	TAILQ_REMOVE(&inbs, ib, entry);
	if (ib->conn != NULL)
		evhttp_connection_free(ib->conn);
	if (ib->ev != NULL)
		event_free(ib->ev);
	free(ib->path);
	free(ib->host);
	free(ib->body);
	json_decref(ib->result);
	free(ib);
}

static void	inb_step(evutil_socket_t, short, void *);

/* The daemon's answer to one POST (req NULL: none came). */
static void
inb_done(struct evhttp_request *req, void *arg)
{
	struct inb	*ib = arg;
	struct evbuffer	*in;
	size_t		 n = 0;
	const char	*b = "";
	int		 status = 0;
	struct timeval	 now = { 0, 0 };

	if (req != NULL && (status = evhttp_request_get_response_code(req)) >
	    0) {
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		if (n > INB_ANSWER_MAX)
			n = INB_ANSWER_MAX;
		if (n > 0)
			b = (const char *)evbuffer_pullup(in, (ssize_t)n);
	}
	json_array_append_new(json_object_get(ib->result, "statuses"),
	    json_integer(status));
	json_array_append_new(json_object_get(ib->result, "answers"),
	    json_stringn_nocheck(b != NULL ? b : "", b != NULL ? n : 0));
	json_object_set_new(ib->result, "status", json_integer(status));
	ib->done++;
	evtimer_add(ib->ev, &now);
}

/* Send the next POST, or answer the caller after the last one. */
static void
inb_step(evutil_socket_t fd, short ev, void *arg)
{
	struct inb		*ib = arg;
	struct evhttp_request	*r;
	struct evkeyvalq	*h;
	char			*s;

	(void)fd;
	(void)ev;
	/* A connection each: a listener may close after every answer. */
	if (ib->conn != NULL)
		evhttp_connection_free(ib->conn);
	ib->conn = NULL;
	if (ib->done < ib->times) {
		if ((ib->conn = evhttp_connection_base_new(base, NULL,
		    ib->host, (unsigned short)ib->port)) == NULL)
			fatal("cannot make a connection");
		evhttp_connection_set_timeout(ib->conn, 10);
		if ((r = evhttp_request_new(inb_done, ib)) == NULL)
			fatal("evhttp_request_new failed");
		h = evhttp_request_get_output_headers(r);
		evhttp_add_header(h, "Host", ib->host);
		evhttp_add_header(h, "Content-Type", ib->ctype);
		evhttp_add_header(h, "User-Agent", "loa-mock");
		if (ib->hname[0] != '\0')
			evhttp_add_header(h, ib->hname, ib->hvalue);
		evbuffer_add(evhttp_request_get_output_buffer(r), ib->body,
		    strlen(ib->body));
		if (evhttp_make_request(ib->conn, r, EVHTTP_REQ_POST,
		    ib->path) == -1)
			inb_done(NULL, ib);	/* r is freed by libevent */
		return;
	}
	json_object_set_new(ib->result, "sent", json_integer(ib->done));
	evhttp_add_header(evhttp_request_get_output_headers(ib->req),
	    "Content-Type", "application/json; charset=utf-8");
	if ((s = json_dumps(ib->result, JSON_COMPACT)) != NULL) {
		evbuffer_add(evhttp_request_get_output_buffer(ib->req), s,
		    strlen(s));
		free(s);
	}
	if (verbose)
		fprintf(stderr, "loa-mock: POST /_mock/inbound -> 200 (%d "
		    "sent)\n", ib->done);
	evhttp_send_reply(ib->req, 200, "OK", NULL);
	inb_free(ib);
}

/* A URL the mock may POST to: http:// on a loopback address. */
static int
inb_url(const char *url, char **host, int *port, char **path)
{
	struct evhttp_uri	*u;
	const char		*h, *p, *q;
	int			 ok;

	if ((u = evhttp_uri_parse(url)) == NULL)
		return -1;
	h = evhttp_uri_get_host(u);
	p = evhttp_uri_get_path(u);
	q = evhttp_uri_get_query(u);
	ok = evhttp_uri_get_scheme(u) != NULL &&
	    strcmp(evhttp_uri_get_scheme(u), "http") == 0 && h != NULL &&
	    (strcmp(h, "127.0.0.1") == 0 || strcmp(h, "localhost") == 0) &&
	    evhttp_uri_get_port(u) > 0 && evhttp_uri_get_userinfo(u) == NULL;
	if (ok) {
		*host = xstrdup(h);
		*port = evhttp_uri_get_port(u);
		if (asprintf(path, "%s%s%s", p != NULL && *p != '\0' ? p : "/",
		    q != NULL ? "?" : "", q != NULL ? q : "") == -1)
			fatal("out of memory");
	}
	evhttp_uri_free(u);
	return ok ? 0 : -1;
}

/* A JSON member that must be a string (or be absent: def). */
static const char *
inb_str(json_t *o, const char *k, const char *def, int *bad)
{
	json_t	*v = json_object_get(o, k);

	if (v == NULL)
		return def;
	if (!json_is_string(v) || strlen(json_string_value(v)) !=
	    json_string_length(v)) {
		*bad = 1;
		return def;
	}
	return json_string_value(v);
}

/*
 * Build ib's body and signature for the request o.  Returns NULL, or a
 * message for the caller (400).
 */
static const char *
inb_build(struct inb *ib, json_t *o, const char *prov, const char *url,
    int sign, int wrong)
{
	const char	*event, *from, *text, *msg_id, *to, *tok, *kv[20];
	char		 gen[40], ts[32], key[256];
	long long	 ts_ms;
	json_t		*tsv;
	size_t		 n = 0;
	int		 bad = 0;

	new_hex32(gen + 2);
	event = inb_str(o, "event", NULL, &bad);
	from = inb_str(o, "from", NULL, &bad);
	text = inb_str(o, "text", "", &bad);
	msg_id = inb_str(o, "msg_id", NULL, &bad);
	to = inb_str(o, "to", NULL, &bad);
	tsv = json_object_get(o, "ts");
	if (tsv != NULL && !json_is_integer(tsv))
		bad = 1;
	ts_ms = tsv != NULL ? (long long)json_integer_value(tsv) : now_ms();
	if (bad)
		return "event, from, text, msg_id and to are strings, ts "
		    "an integer";
	if (from == NULL || *from == '\0')
		return "from is required";
	snprintf(ts, sizeof(ts), "%lld", ts_ms);

	if (strcmp(prov, "zalo") == 0) {
		if (cfg.zalo_app_id == NULL || (sign &&
		    cfg.zalo_secret_key == NULL))
			return "zalo_app_id and zalo_secret_key must be "
			    "configured";
		if (msg_id == NULL) {
			memcpy(gen, "m-", 2);
			msg_id = gen;
		}
		if ((ib->body = inb_zalo_body(cfg.zalo_app_id, event != NULL ?
		    event : "user_send_text", from, text, msg_id, ts)) == NULL)
			return "the text is not UTF-8";
		snprintf(ib->ctype, sizeof(ib->ctype), "application/json");
		if (sign) {
			snprintf(key, sizeof(key), "%s%s", cfg.zalo_secret_key,
			    wrong ? "x" : "");
			snprintf(ib->hname, sizeof(ib->hname),
			    "X-ZEvent-Signature");
			memcpy(ib->hvalue, "mac=", 4);
			if (inb_zalo_mac(cfg.zalo_app_id, ib->body,
			    strlen(ib->body), ts, key, ib->hvalue + 4) == -1)
				fatal("SHA-256 failed");
		}
	} else if (strcmp(prov, "twilio") == 0) {
		if (sign && cfg.twilio_auth_token == NULL)
			return "twilio_auth_token must be configured";
		if (msg_id == NULL) {
			memcpy(gen, "SM", 2);
			msg_id = gen;
		}
		n = inb_twilio_kv(kv, msg_id, from, to != NULL ? to :
		    "+15005550006", text, "0", event != NULL &&
		    strcmp(event, "status") == 0);
		snprintf(key, sizeof(key), "%s%s", sign ?
		    cfg.twilio_auth_token : "x", wrong ? "x" : "");
		if (inb_twilio_form(kv, n, url, key, &ib->body,
		    ib->hvalue) == -1)
			fatal("HMAC-SHA1 failed");
		snprintf(ib->ctype, sizeof(ib->ctype),
		    "application/x-www-form-urlencoded");
		if (sign)
			snprintf(ib->hname, sizeof(ib->hname),
			    "X-Twilio-Signature");
	} else {
		if (sign && cfg.generic_token == NULL)
			return "generic_token must be configured";
		if (msg_id == NULL) {
			memcpy(gen, "g-", 2);
			msg_id = gen;
		}
		if ((ib->body = inb_generic_body(from, text, msg_id,
		    ts_ms)) == NULL)
			return "the text is not UTF-8";
		snprintf(ib->ctype, sizeof(ib->ctype), "application/json");
		if (sign) {
			/* The token goes in the query, as Loa's URL says. */
			tok = wrong ? "wrong-token" : cfg.generic_token;
			if ((ib->path = realloc(ib->path, strlen(ib->path) +
			    12 + 3 * strlen(tok) + 1)) == NULL)
				fatal("out of memory");
			strcat(ib->path, strchr(ib->path, '?') != NULL ?
			    "&loa_token=" : "?loa_token=");
			inb_form_enc(ib->path + strlen(ib->path), tok);
		}
	}
	explicit_bzero(key, sizeof(key));
	json_object_set_new(ib->result, "msg_id", json_string(msg_id));
	json_object_set_new(ib->result, "body", json_string(ib->body));
	return NULL;
}

/*
 * POST /_mock/inbound: returns 1 when the answer will come after the
 * POSTs, 0 when c was answered (an error) and the caller finishes it.
 */
static int
inbound_start(struct call *c)
{
	struct inb	*ib;
	json_t		*o, *v;
	const char	*prov, *url, *err = NULL;
	int		 port = 0, sign = 1, wrong = 0, bad = 0;

	if ((o = body_json(c)) == NULL) {
		answer(c, 400, "{\"error\":\"the body must be a JSON "
		    "object\"}");
		return 0;
	}
	if ((ib = calloc(1, sizeof(*ib))) == NULL)
		fatal("out of memory");
	TAILQ_INSERT_TAIL(&inbs, ib, entry);
	ib->req = c->req;
	ib->times = 1;
	ib->result = json_pack("{s:[],s:[]}", "statuses", "answers");
	prov = inb_str(o, "provider", "", &bad);
	url = inb_str(o, "url", "", &bad);
	v = json_object_get(o, "sign");
	if (json_is_false(v))
		sign = 0;
	else if (json_is_string(v) && strcmp(json_string_value(v),
	    "wrong") == 0)
		wrong = 1;
	else if (v != NULL && !json_is_true(v))
		err = "sign: want true, false or \"wrong\"";
	v = json_object_get(o, "times");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > INB_TIMES_MAX))
		err = "times: want 1 to 20";
	else if (v != NULL)
		ib->times = (int)json_integer_value(v);
	if (err == NULL && strcmp(prov, "zalo") != 0 &&
	    strcmp(prov, "twilio") != 0 && strcmp(prov, "generic") != 0)
		err = "provider: want zalo, twilio or generic";
	if (err == NULL && inb_url(url, &ib->host, &port, &ib->path) == -1)
		err = "url: want http://127.0.0.1:PORT/... (loopback only)";
	if (err == NULL)
		err = inb_build(ib, o, prov, url, sign, wrong);
	json_decref(o);
	if (err != NULL) {
		answer_json(c, 400, json_pack("{s:s}", "error", err));
		inb_free(ib);
		return 0;
	}
	ib->port = port;
	if ((ib->ev = evtimer_new(base, inb_step, ib)) == NULL)
		fatal("evtimer_new failed");
	inb_step(-1, 0, ib);
	return 1;
}

/* Send (or drop) now; the request is evhttp's again afterwards. */
static void
deliver(struct evhttp_request *req, int status, int drop)
{
	struct evhttp_connection	*conn;

	if (!drop) {
		evhttp_send_reply(req, status, status_phrase(status), NULL);
		return;
	}
	/* A request whose client left is ours alone (evcon is NULL). */
	if ((conn = evhttp_request_get_connection(req)) == NULL)
		evhttp_request_free(req);
	else
		evhttp_connection_free(conn);
}

static void
pending_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pending	*pd = arg;

	(void)fd;
	(void)ev;
	TAILQ_REMOVE(&pendings, pd, entry);
	deliver(pd->req, pd->status, pd->drop);
	event_free(pd->ev);
	free(pd);
}

/*
 * Answer now, or later from a timer: late answers, and drops (a
 * connection is never freed from inside evhttp's own callback).
 */
static void
finish(struct call *c)
{
	struct pending	*pd;
	struct timeval	 tv;

	if (verbose)
		fprintf(stderr, "loa-mock: %s %s -> %s%d%s%s%s\n",
		    c->method == EVHTTP_REQ_GET ? "GET" : "POST", c->path,
		    c->drop ? "(drop) " : "", c->status,
		    c->bad != NULL ? " " : "", c->bad != NULL ? c->bad : "",
		    c->delay_ms > 0 ? " (late)" : "");
	if (!c->drop && c->delay_ms <= 0) {
		deliver(c->req, c->status, 0);
		return;
	}
	if ((pd = calloc(1, sizeof(*pd))) == NULL)
		fatal("out of memory");
	pd->req = c->req;
	pd->status = c->status;
	pd->drop = c->drop;
	if ((pd->ev = evtimer_new(base, pending_cb, pd)) == NULL)
		fatal("evtimer_new failed");
	tv.tv_sec = c->delay_ms / 1000;
	tv.tv_usec = (c->delay_ms % 1000) * 1000;
	evtimer_add(pd->ev, &tv);
	TAILQ_INSERT_TAIL(&pendings, pd, entry);
}

/* Is path the Twilio one?  Its AccountSid goes to sid. */
static int
twilio_path(const char *path, char sid[64])
{
	static const char	 pre[] = "/2010-04-01/Accounts/";
	static const char	 post[] = "/Messages.json";
	const char		*s, *e;
	size_t			 n;

	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return 0;
	s = path + sizeof(pre) - 1;
	if ((e = strchr(s, '/')) == NULL || strcmp(e, post) != 0)
		return 0;
	n = (size_t)(e - s);
	if (n == 0 || n >= 64)
		return 0;
	memcpy(sid, s, n);
	sid[n] = '\0';
	return 1;
}

static int
sid_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct call		 c;
	const struct evhttp_uri	*uri;
	struct evbuffer		*in;
	int			 post;

	(void)arg;
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.out = evhttp_request_get_output_buffer(req);
	c.method = evhttp_request_get_command(req);
	c.status = 200;
	uri = evhttp_request_get_evhttp_uri(req);
	if (uri == NULL || (c.path = evhttp_uri_get_path(uri)) == NULL ||
	    *c.path == '\0')
		c.path = "/";
	in = evhttp_request_get_input_buffer(req);
	c.bodylen = evbuffer_get_length(in);
	c.body = (const char *)evbuffer_pullup(in, -1);
	if (c.body == NULL)
		c.body = "";
	post = c.method == EVHTTP_REQ_POST;

	if (strcmp(c.path, "/_mock/inbound") == 0 && post) {
		if (inbound_start(&c))
			return;		/* answered after the POSTs */
	} else if (strncmp(c.path, "/_mock/", 7) == 0)
		control(&c, c.path + 7);
	else if (strcmp(c.path, "/message/template") == 0 && post)
		message_request(&c, P_ZALO, zalo_send);
	else if ((strcmp(c.path, "/v3.0/oa/message/cs") == 0 ||
	    strcmp(c.path, "/v3.0/oa/message/transaction") == 0) && post)
		message_request(&c, P_ZALO_OA, oa_send);
	else if ((strcmp(c.path, "/v3.0/oa/user/getlist") == 0 ||
	    strcmp(c.path, "/v3.0/oa/quota/message") == 0) &&
	    c.method == EVHTTP_REQ_GET) {
		c.delay_ms = cfg.delay_ms;
		if (cfg.down & (1u << P_ZALO_OA))
			answer_5xx(&c, 503);
		else if (c.path[13] == 'u')
			oa_followers(&c);
		else
			oa_quota(&c);
	}
	else if ((strcmp(c.path, ESMS_PATH) == 0 || (strlen(c.path) ==
	    sizeof(ESMS_PATH) - 2 && strncmp(c.path, ESMS_PATH,
	    sizeof(ESMS_PATH) - 2) == 0)) && post)
		message_request(&c, P_ESMS, esms_send);
	else if (strcmp(c.path, "/index.php/sms/send") == 0 && post)
		message_request(&c, P_SPEEDSMS, speedsms_send);
	else if (twilio_path(c.path, c.sid) && post) {
		if (sid_ok(c.sid))
			message_request(&c, P_TWILIO, twilio_send);
		else
			twilio_error(&c, 404, 20404, "The requested resource "
			    "was not found");
	} else if (strcmp(c.path, "/generic/send") == 0 && post)
		message_request(&c, P_GENERIC, generic_send);
	else if (strcmp(c.path, "/message/quota") == 0 &&
	    c.method == EVHTTP_REQ_GET) {
		c.delay_ms = cfg.delay_ms;
		if (cfg.down & (1u << P_ZALO))
			answer_5xx(&c, 503);
		else
			zalo_quota(&c);
	} else if (strcmp(c.path, "/v4/oa/access_token") == 0 && post) {
		c.delay_ms = cfg.delay_ms;
		if (cfg.down & (1u << P_ZALO)) {
			answer_5xx(&c, 503);
			st.refresh_errors++;
		} else
			zalo_oauth(&c);
	} else if (strcmp(c.path, "/message/template") == 0 ||
	    strcmp(c.path, "/message/quota") == 0 ||
	    strcmp(c.path, "/v4/oa/access_token") == 0 ||
	    strcmp(c.path, "/generic/send") == 0 ||
	    strcmp(c.path, "/index.php/sms/send") == 0)
		answer(&c, 405, "{\"error\":\"method not allowed\"}");
	else
		answer(&c, 404, "{\"error\":\"not found\"}");
	finish(&c);
}

/* ---- start-up and shutdown ---- */

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	(void)arg;
	event_base_loopbreak(base);
}

static int
listen_loopback(int port, int *bound)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("bind 127.0.0.1:%d: %s", port, strerror(errno));
	if (listen(fd, SOMAXCONN) == -1)
		fatal("listen: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("getsockname: %s", strerror(errno));
	evutil_make_socket_nonblocking(fd);
	*bound = ntohs(sin.sin_port);
	return fd;
}

/* Free what reset_all() and the tokens hold (at exit). */
static void
free_state(void)
{
	json_decref(cfg_json);
	json_decref(access_tokens);
	json_decref(esms_ids);
	json_decref(generic_ids);
	free(refresh_token);
	while (!TAILQ_EMPTY(&inbs))
		inb_free(TAILQ_FIRST(&inbs));
}

/* The port, written whole (a reader never sees half a number). */
static void
write_portfile(const char *path, int port)
{
	char	tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s: %s", tmp, strerror(errno));
	fprintf(f, "%d\n", port);
	if (fclose(f) == EOF || rename(tmp, path) == -1)
		fatal("%s: %s", path, strerror(errno));
}

int
main(int argc, char *argv[])
{
	struct event	*sigterm, *sigint;
	struct pending	*pd;
	json_t		*start;
	json_error_t	 jerr;
	const char	*portfile = NULL, *recpath = NULL, *config = NULL;
	char		 err[256], *end;
	long		 l;
	int		 ch, port = 0, fd;
	struct timespec	 ts;

	while ((ch = getopt(argc, argv, "c:hl:p:P:vz:")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			recpath = optarg;
			break;
		case 'p':
			l = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || l < 0 ||
			    l > 65535)
				usage();
			port = (int)l;
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'z':
			initial_refresh = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	clock_gettime(CLOCK_REALTIME, &ts);
	id_base = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 48);
	access_tokens = json_object();
	esms_ids = json_object();
	generic_ids = json_object();
	cfg_json = NULL;
	reset_all();
	if (config != NULL) {
		if (config[0] == '{')
			start = json_loads(config, 0, &jerr);
		else
			start = json_load_file(config, 0, &jerr);
		if (start == NULL || !json_is_object(start))
			snprintf(err, sizeof(err), "%s", start == NULL ?
			    jerr.text : "not a JSON object");
		if (start == NULL || !json_is_object(start) ||
		    conf_apply(start, err, sizeof(err)) == -1) {
			fprintf(stderr, "loa-mock: -c: %s\n", err);
			json_decref(start);
			free_state();
			return 1;
		}
		json_decref(start);
	}
	if (recpath != NULL) {
		if (strcmp(recpath, "-") == 0)
			recf = stdout;
		else if ((recf = fopen(recpath, "a")) == NULL)
			fatal("%s: %s", recpath, strerror(errno));
	}

	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL || (http = evhttp_new(base)) ==
	    NULL)
		fatal("libevent initialisation failed");
	evhttp_set_max_body_size(http, BODY_MAX);
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	evhttp_set_timeout(http, IDLE_TIMEOUT);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(http, on_request, NULL);
	fd = listen_loopback(port, &port);
	if (evhttp_accept_socket_with_handle(http, fd) == NULL)
		fatal("evhttp_accept_socket failed");
	flush_ev = event_new(base, -1, 0, flush_cb, NULL);
	sigterm = evsignal_new(base, SIGTERM, signal_cb, NULL);
	sigint = evsignal_new(base, SIGINT, signal_cb, NULL);
	if (flush_ev == NULL || sigterm == NULL || sigint == NULL ||
	    evsignal_add(sigterm, NULL) == -1 || evsignal_add(sigint, NULL) ==
	    -1)
		fatal("libevent event set-up failed");
	if (portfile != NULL)
		write_portfile(portfile, port);
	fprintf(stderr, "loa-mock: listening on 127.0.0.1:%d\n", port);

	event_base_dispatch(base);

	/* Late answers still waiting are dropped with their connections. */
	while ((pd = TAILQ_FIRST(&pendings)) != NULL) {
		TAILQ_REMOVE(&pendings, pd, entry);
		if (evhttp_request_get_connection(pd->req) == NULL)
			evhttp_request_free(pd->req);
		event_free(pd->ev);
		free(pd);
	}
	evhttp_free(http);
	event_free(sigterm);
	event_free(sigint);
	event_free(flush_ev);
	event_base_free(base);
	libevent_global_shutdown();
	if (recf != NULL && recf != stdout)
		fclose(recf);
	else if (recf != NULL)
		fflush(recf);
	free_state();
	return 0;
}
