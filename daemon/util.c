/*
 * util.c -- small helpers shared by the daemon and loactl: JSON string
 * escaping for hand-built log lines, Hanoi-time timestamps, deterministic
 * delivery ids, and reading secret files safely.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "loa.h"

static void
json_u(struct loa_buf *b, long cp)
{
	char	u[8];

	loa_buf_add(b, u, loa_neutral_u(cp, u));
}

/*
 * Append s as a JSON string.  Besides what JSON requires, the characters
 * that loa_neutral_char() calls unsafe (DEL, C1 and bidi controls) are
 * written as \uXXXX and a byte that is not UTF-8 as \ufffd, so that the
 * delivery log, which operators read with tail, carries no raw control
 * and is always valid JSON, whatever a job held.
 */
void
loa_json_str(struct loa_buf *b, const char *s)
{
	const char	*p = s, *run = s, *end = s + strlen(s);
	size_t		 n;
	long		 cp;

	loa_buf_reserve(b, (size_t)(end - s) + 2);
	loa_buf_add(b, "\"", 1);
	for (; p < end; p += n) {
		n = 1;
		if ((unsigned char)*p >= 0x7f) {
			if (!loa_neutral_char(p, (size_t)(end - p), &n, &cp))
				continue;
			loa_buf_add(b, run, (size_t)(p - run));
			run = p + n;
			json_u(b, cp < 0 ? 0xfffd : cp);
			continue;
		}
		if ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		loa_buf_add(b, run, (size_t)(p - run));
		run = p + 1;
		switch (*p) {
		case '"':
			loa_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			loa_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			loa_buf_add(b, "\\n", 2);
			break;
		case '\r':
			loa_buf_add(b, "\\r", 2);
			break;
		case '\t':
			loa_buf_add(b, "\\t", 2);
			break;
		default:
			json_u(b, (unsigned char)*p);
		}
	}
	loa_buf_add(b, run, (size_t)(p - run));
	loa_buf_add(b, "\"", 1);
}

/* Append ,"key":"value" (or {"key":... when b is empty). */
void
loa_json_kv(struct loa_buf *b, const char *key, const char *value)
{
	loa_buf_add(b, b->len == 0 ? "{" : ",", 1);
	loa_json_str(b, key);
	loa_buf_add(b, ":", 1);
	loa_json_str(b, value);
}

void
loa_json_kl(struct loa_buf *b, const char *key, long long value)
{
	loa_buf_add(b, b->len == 0 ? "{" : ",", 1);
	loa_json_str(b, key);
	loa_buf_printf(b, ":%lld", value);
}

/*
 * Milliseconds since the epoch to RFC 3339 in Hanoi time (UTC+7, no
 * daylight saving): "2026-11-28T07:00:01.234+07:00".
 */
void
loa_time_iso(long long ms, char *buf, size_t len)
{
	/* Every event is stamped: the date part changes once a second. */
	static int	 have;
	static long long sec;
	static char	 date[64];	/* "2026-11-28T07:00:01" */
	static int	 datelen;
	time_t		 t;
	struct tm	 tm;
	int		 frac = (int)(ms % 1000);

	if (!have || ms / 1000 != sec) {
		t = (time_t)(ms / 1000) + 7 * 3600;
		gmtime_r(&t, &tm);
		datelen = snprintf(date, sizeof(date),
		    "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		sec = ms / 1000;
		have = 1;
	}
	if (frac < 0 || datelen != 19 || len < 30) {
		snprintf(buf, len, "%s.%03d+07:00", date, frac);
		return;
	}
	memcpy(buf, date, 19);
	buf[19] = '.';
	buf[20] = (char)('0' + frac / 100);
	buf[21] = (char)('0' + frac / 10 % 10);
	buf[22] = (char)('0' + frac % 10);
	memcpy(buf + 23, "+07:00", 7);
}

static uint64_t
fnv1a64(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;		/* separator, so ("ab","c") != ("a","bc") */
	h *= 0x100000001b3ULL;
	return h;
}

/*
 * The delivery id of (job, item, channel): 32 lower-case hex digits, the
 * same in every daemon and after every restart, so providers that
 * de-duplicate (eSMS RequestId, Zalo tracking_id) can do so.
 */
void
loa_delivery_id(const char *job, const char *item, const char *channel,
    char out[33])
{
	uint64_t	a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;

	a = fnv1a64(fnv1a64(fnv1a64(a, job), item), channel);
	b = fnv1a64(fnv1a64(fnv1a64(b, channel), item), job);
	b ^= a >> 29;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}

/*
 * Read a secret from path (relative paths are looked up in
 * $CREDENTIALS_DIRECTORY first).  Refuses files readable by group or
 * others, and files over 64 KiB.  The trailing newline is removed.
 * Returns 0 and a malloc'd *out, or -1 with err set; never logs the value.
 */
int
loa_read_secret(const char *path, char **out, char *err, size_t errlen)
{
	char		 full[4096], buf[65537];
	const char	*cd;
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if (path[0] != '/' && (cd = getenv("CREDENTIALS_DIRECTORY")) != NULL)
		snprintf(full, sizeof(full), "%s/%s", cd, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", full, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", full);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: readable by group or others (mode "
		    "%03o); chmod 600 it", full, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n == -1 || got == sizeof(buf) - 1) {
		snprintf(err, errlen, "%s: %s", full, n == -1 ?
		    strerror(errno) : "larger than 64 KiB");
		return -1;
	}
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	buf[got] = '\0';
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/*
 * May a request go to url?  https anywhere; plain http only to a loopback
 * host (the test mock): "localhost", an IPv4 address in 127.0.0.0/8 or
 * ::1, decided on the host as libcurl parses it, never on a prefix of the
 * text ("http://127.attacker.example" is not loopback).  A URL libcurl
 * cannot parse is refused.
 */
int
loa_url_allowed(const char *url)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 n;
	int		 ok = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") == 0) {
		ok = 1;
		goto out;
	}
	if (strcmp(scheme, "http") != 0)
		goto out;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		ok = inet_pton(AF_INET6, host + 1, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6);
	} else if (strcasecmp(host, "localhost") == 0)
		ok = 1;
	else if (inet_pton(AF_INET, host, &a4) == 1)
		ok = (ntohl(a4.s_addr) >> 24) == 127;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

int
loa_name_valid(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (n == LOA_NAME_MAX || ((s[n] < 'a' || s[n] > 'z') &&
		    (s[n] < 'A' || s[n] > 'Z') && (s[n] < '0' || s[n] > '9') &&
		    s[n] != '-' && s[n] != '_' && s[n] != '.'))
			return 0;
	return n > 0;
}
