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
 * Where a relative secret name (token_file = api-token) is looked up when
 * $CREDENTIALS_DIRECTORY is not set: [daemon] credentials_dir, which
 * loa_config_load() sets here (NULL: LOA_CREDENTIALS_DIR).  Never the
 * current directory: loa, loa -t and loactl run from different ones.
 */
static char	*secret_dir;

void
loa_secret_dir_set(const char *dir)
{
	free(secret_dir);
	secret_dir = dir != NULL ? xstrdup(dir) : NULL;
}

/*
 * The file a secret name stands for: relative names are looked up in
 * $CREDENTIALS_DIRECTORY (systemd's LoadCredential=) when it is set, else
 * in credentials_dir (/etc/credstore, where LoadCredential= itself looks
 * for a relative source).  Returns where a relative name was looked up
 * ("$CREDENTIALS_DIRECTORY" or "credentials_dir"), NULL for an absolute
 * one.
 */
const char *
loa_secret_path(const char *path, char *full, size_t len)
{
	const char	*cd;

	if (path[0] == '/') {
		snprintf(full, len, "%s", path);
		return NULL;
	}
	if ((cd = getenv("CREDENTIALS_DIRECTORY")) != NULL && cd[0] != '\0') {
		snprintf(full, len, "%s/%s", cd, path);
		return "$CREDENTIALS_DIRECTORY";
	}
	snprintf(full, len, "%s/%s", secret_dir != NULL ? secret_dir :
	    LOA_CREDENTIALS_DIR, path);
	return "credentials_dir";
}

/*
 * How errors name the secret file: its full path, and for a relative
 * name also where it was looked up ("/etc/credstore/esms.key (esms.key
 * in credentials_dir)").
 */
void
loa_secret_label(const char *path, char *label, size_t len)
{
	char		 full[4096];
	const char	*where;

	if ((where = loa_secret_path(path, full, sizeof(full))) == NULL)
		snprintf(label, len, "%s", full);
	else
		snprintf(label, len, "%s (%s in %s)", full, path, where);
}

/*
 * Read a secret from path (resolved by loa_secret_path(); errors name it
 * as loa_secret_label() does).  Only a
 * regular file is read: it is opened with O_NONBLOCK and O_NOFOLLOW, so a
 * FIFO or a device never blocks the event loop (SIGHUP reloads read
 * secrets from inside it) and a symbolic link is refused, then checked
 * with fstat(2) on what was opened.  Refuses files owned by anyone but
 * the daemon's user or root, files readable by group or others, and
 * files over LOA_SECRET_MAX bytes.  Trailing newlines are removed.
 * Returns 0 and a malloc'd *out, or -1 with err set ("FILE: why");
 * never logs the value.
 */
int
loa_read_secret(const char *path, char **out, char *err, size_t errlen)
{
	char		 full[4096], name[4352], buf[LOA_SECRET_MAX + 1];
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	uid_t		 me = geteuid();
	int		 fd;

	loa_secret_path(path, full, sizeof(full));
	loa_secret_label(path, name, sizeof(name));
	fd = open(full, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: a symbolic link; name the "
			    "file itself", name);
		else
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (%s)", name,
		    S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ?
		    "a directory" : S_ISSOCK(st.st_mode) ? "a socket" :
		    "a device");
		goto fail;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %lu, not by the "
		    "daemon's user (uid %lu) or root", name,
		    (unsigned long)st.st_uid, (unsigned long)me);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: readable by group or others (mode "
		    "%03o); chmod 600 it", name, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	if (st.st_size > LOA_SECRET_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    LOA_SECRET_MAX);
		goto fail;
	}
	/* The file may grow between fstat and read: read one byte more. */
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			explicit_bzero(buf, got);
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got > LOA_SECRET_MAX) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    LOA_SECRET_MAX);
		return -1;
	}
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	buf[got] = '\0';
	*out = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * Whether tok (a secret file's text) will do as the API bearer token:
 * at least LOA_TOKEN_MIN bytes, and no space or control character
 * anywhere (a token of spaces, or one cut by a stray newline, is a
 * mistake, not a secret).  Returns 1, or 0 with why set.
 */
int
loa_token_ok(const char *tok, char *why, size_t len)
{
	size_t	i, n = strlen(tok);

	for (i = 0; i < n; i++)
		if ((unsigned char)tok[i] <= ' ' ||
		    (unsigned char)tok[i] == 0x7f) {
			snprintf(why, len, "holds a space or a control "
			    "character (byte %zu)", i + 1);
			return 0;
		}
	if (n < LOA_TOKEN_MIN) {
		snprintf(why, len, "%s: want at least %d characters",
		    n == 0 ? "empty" : "too short", LOA_TOKEN_MIN);
		return 0;
	}
	return 1;
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

size_t
loa_b64url_span(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			break;
	return i;
}

/*
 * A Zalo user id as the daemon takes it for a key part (inbox.c, loactl
 * optout --zalo): 1 to 64 ASCII letters, digits, '_' or '-'.  Zalo's ids
 * are digits; the rest leaves room for a gateway's own, and nothing that
 * could change a key's shape (':', '{', a space) is ever one.
 */
int
loa_zalo_uid_valid(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) < 1 || n > LOA_ZALO_UID_MAX)
		return 0;
	return loa_b64url_span(s, n) == n;
}

/*
 * The one check on a message id a plugin hands the daemon (id, a buffer
 * of size bytes, from a send answer or a delivery report): see
 * loa_provider_id_ok() in loa/provider.h.  A refused id is emptied, so
 * nothing downstream can key on it or log it, and said at most once a
 * minute (with how many since), never with its bytes.  Returns 1 when id
 * is empty or may be kept, 0 when it was refused.
 */
int
loa_provider_id_take(const char *provider, char *id, size_t size,
    const char *from)
{
	static time_t		last;
	static unsigned long	more;
	time_t			now;

	if (size == 0 || id[0] == '\0' || loa_provider_id_ok(id, size))
		return 1;
	id[0] = '\0';
	now = time(NULL);
	if (last != 0 && now - last < 60) {
		more++;
		return 0;
	}
	log_warnx("provider %s: message id in %s refused: not 1 to %d "
	    "visible ASCII characters (%lu more refused since the last "
	    "warning)", provider, from, LOA_PROVIDER_ID_MAX, more);
	last = now;
	more = 0;
	return 0;
}
