/*
 * plugin.h -- small helpers shared by the provider plugins, included in
 * each plugin's source (plugins link against nothing of the daemon, so
 * each .so gets its own copy): results, digit checks, codes and ids read
 * from JSON answers, base64 and HTTP Basic credentials, percent-encoding;
 * and for delivery reports (webhooks): header lookup, form and query
 * parameters, hex and a constant-time comparison.
 */
#ifndef LOA_PLUGIN_H
#define LOA_PLUGIN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "loa/provider.h"

static void __attribute__((format(printf, 3, 4))) __attribute__((unused))
plug_result(struct loa_result *res, enum loa_outcome outcome,
    const char *fmt, ...)
{
	va_list	ap;

	res->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/*
 * An answer without a result code we can read: a 2xx is retried; a
 * redirect or an auth/URL refusal means every message would fail the same
 * way (provider down); other 4xx fail this message.
 */
static void __attribute__((unused))
plug_classify_http(const struct loa_response *resp, struct loa_result *res)
{
	int	s = resp->http_status;

	if (s >= 200 && s < 300)
		plug_result(res, LOA_OUT_RETRY, "bad_answer");
	else if (s < 400 || s == 401 || s == 403 || s == 404 || s == 405)
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "http_%d", s);
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", s);
}

static int __attribute__((unused))
plug_digits(const char *s, size_t max)
{
	size_t	n = strlen(s);

	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

/* A code sent as a string of digits or as a number.  Returns 0 or -1. */
static int __attribute__((unused))
plug_code_value(const json_t *v, long *code)
{
	const char	*s;

	if (json_is_integer(v)) {
		*code = (long)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (!plug_digits(s, 9))
		return -1;
	*code = strtol(s, NULL, 10);
	return 0;
}

/*
 * Copy the provider's message id s into dst (size bytes, NUL included)
 * when it passes loa_provider_id_ok(): 1 to LOA_PROVIDER_ID_MAX bytes of
 * visible ASCII that fit.  Any other id is refused whole (dst is left
 * empty), never cut or rewritten: two ids must not become one.  Delivery
 * reports use it too, so that their ids match what classify() kept.
 * Returns 0, or -1 when refused.
 */
static int __attribute__((unused))
plug_id_copy(char *dst, size_t size, const char *s)
{
	size_t	n = strlen(s);

	if (size == 0)
		return -1;
	dst[0] = '\0';
	if (n >= size || !loa_provider_id_ok(s, n + 1))
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/*
 * A message id sent as a string or a number (decimal text) into dst, as
 * plug_id_copy() does.  dst is left alone when v is neither.  Returns 0,
 * -1 when v is neither, -2 when the id is refused (dst empty).
 */
static int __attribute__((unused))
plug_json_id(char *dst, size_t size, const json_t *v)
{
	char	num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		return plug_id_copy(dst, size, num) == 0 ? 0 : -2;
	}
	if (!json_is_string(v))
		return -1;
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		dst[0] = '\0';		/* a NUL inside: not a C string */
		return -2;
	}
	return plug_id_copy(dst, size, json_string_value(v)) == 0 ? 0 : -2;
}

/*
 * Non-zero at most once a minute for *last (0 at first): for warnings
 * about a provider's answers, which may come with every message.
 */
static int __attribute__((unused))
plug_once_a_minute(time_t *last)
{
	time_t	now = time(NULL);

	if (*last != 0 && now - *last < 60)
		return 0;
	*last = now;
	return 1;
}

/* Copy the provider's message id (a string or a number), if it passes. */
static void __attribute__((unused))
plug_provider_id(struct loa_result *res, const json_t *v)
{
	(void)plug_json_id(res->provider_id, sizeof(res->provider_id), v);
}

/*
 * Standard base64 (RFC 4648, with padding) of n bytes of src into dst.
 * Returns 0, or -1 when dst (size bytes, NUL included) is too small.
 */
static int __attribute__((unused))
plug_base64(const unsigned char *src, size_t n, char *dst, size_t size)
{
	static const char	 al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long		 w;
	size_t			 i, o = 0;

	if (size < 4 * ((n + 2) / 3) + 1)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		w = (unsigned long)src[i] << 16 |
		    (unsigned long)src[i + 1] << 8 | src[i + 2];
		dst[o++] = al[(w >> 18) & 63];
		dst[o++] = al[(w >> 12) & 63];
		dst[o++] = al[(w >> 6) & 63];
		dst[o++] = al[w & 63];
	}
	if (i < n) {
		w = (unsigned long)src[i] << 16;
		if (i + 1 < n)
			w |= (unsigned long)src[i + 1] << 8;
		dst[o++] = al[(w >> 18) & 63];
		dst[o++] = al[(w >> 12) & 63];
		dst[o++] = i + 1 < n ? al[(w >> 6) & 63] : '=';
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return 0;
}

/*
 * "Basic " + base64(user ":" pass) into dst.  The clear text is built in
 * a scratch buffer wiped before return.  Returns 0, or -1 when too long.
 */
static int __attribute__((unused))
plug_basic_auth(const char *user, const char *pass, char *dst,
    size_t size)
{
	char	*clear;
	size_t	 n = strlen(user) + 1 + strlen(pass);
	int	 rv;

	if (size < 7 || (clear = malloc(n + 1)) == NULL)
		return -1;
	snprintf(clear, n + 1, "%s:%s", user, pass);
	memcpy(dst, "Basic ", 6);
	rv = plug_base64((const unsigned char *)clear, n, dst + 6,
	    size - 6);
	explicit_bzero(clear, n);
	free(clear);
	return rv;
}

/* RFC 3986's unreserved characters, kept as they are when encoding. */
static int __attribute__((unused))
plug_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Length of s once percent-encoded by plug_pct_append(). */
static size_t __attribute__((unused))
plug_pct_len(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		n += plug_unreserved((unsigned char)*s) ? 1 : 3;
	return n;
}

/*
 * Percent-encode s at p (room for plug_pct_len(s) bytes and a NUL, which
 * is written): every byte but the unreserved ones becomes %XX, upper-case
 * hex.  Returns the position of the NUL.
 */
static __attribute__((unused)) char *
plug_pct_append(char *p, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (plug_unreserved(c))
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return p;
}

/* n bytes of src as lower-case hex into dst (2n + 1 bytes). */
static void __attribute__((unused))
plug_hex(const unsigned char *src, size_t n, char *dst)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = hex[src[i] >> 4];
		dst[2 * i + 1] = hex[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

/*
 * Whether got (glen bytes, from the request) equals want (wlen bytes, the
 * secret or the value computed from it), in a time that depends on the
 * lengths only, never on where the bytes differ.
 */
static int __attribute__((unused))
plug_ct_equal(const char *got, size_t glen, const char *want, size_t wlen)
{
	volatile unsigned char	 d = glen != wlen;
	size_t			 i;

	for (i = 0; i < wlen; i++)
		d |= (unsigned char)want[i] ^
		    (unsigned char)(i < glen ? got[i] : 0);
	return d == 0;
}

/* The value of the first header called name (any case), or NULL. */
static __attribute__((unused)) const char *
plug_header(const struct loa_header *h, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++)
		if (h[i].name != NULL && h[i].value != NULL &&
		    strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

/*
 * The next name=value pair of a query string or form body, from *cur up
 * to end: sets the raw (still encoded) name and value and moves *cur
 * past the pair.  Empty pairs are skipped; a pair without '=' has an
 * empty value.  Returns 1, or 0 at the end.
 */
static int __attribute__((unused))
plug_form_next(const char **cur, const char *end, const char **name,
    size_t *nlen, const char **value, size_t *vlen)
{
	const char	*p = *cur, *amp, *eq;

	while (p < end && *p == '&')
		p++;
	if (p >= end)
		return 0;
	if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
		amp = end;
	if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
		eq = amp;
	*name = p;
	*nlen = (size_t)(eq - p);
	*value = eq < amp ? eq + 1 : amp;
	*vlen = (size_t)(amp - *value);
	*cur = amp;
	return 1;
}

static int __attribute__((unused))
plug_xdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode n bytes of form-encoded text ('+' is a space, %XX a byte) into
 * out (size bytes, NUL included).  Returns the decoded length, or -1 for
 * a bad or NUL escape, a NUL byte, or when it does not fit.
 */
static long __attribute__((unused))
plug_pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] == '\0')	/* a body may hold one: not a C string */
			return -1;
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] != '%')
			out[o++] = s[i];
		else {
			if (i + 2 >= n)
				return -1;
			if ((hi = plug_xdigit(s[i + 1])) == -1 ||
			    (lo = plug_xdigit(s[i + 2])) == -1 ||
			    (hi == 0 && lo == 0))
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[o] = '\0';
	return (long)o;
}

/*
 * The first parameter called name in the query string or form body s (n
 * bytes), decoded into out (size bytes).  Names that cannot be decoded
 * are passed over.  Returns the value's length, -1 when there is none,
 * -2 when the value cannot be decoded or does not fit.
 */
static long __attribute__((unused))
plug_param(const char *s, size_t n, const char *name, char *out,
    size_t size)
{
	const char	*cur = s, *k, *v;
	char		 key[64];
	size_t		 klen, vlen;
	long		 r;

	while (plug_form_next(&cur, s + n, &k, &klen, &v, &vlen)) {
		if (plug_pct_decode(k, klen, key, sizeof(key)) < 0 ||
		    strcmp(key, name) != 0)
			continue;
		r = plug_pct_decode(v, vlen, out, size);
		return r < 0 ? -2 : r;
	}
	return -1;
}

/*
 * Delivery reports: create() logs once, at info, that reports will be
 * refused because key (the secret or URL they are checked with) is not
 * set.
 */
static void __attribute__((unused))
plug_reports_refused(const struct loa_host *host, const char *key)
{
	host->log(host->hctx, LOA_LOG_INFO, "%s not set: delivery reports "
	    "will be refused", key);
}

/*
 * The secret delivery reports are checked with, from the secret file
 * named by key.  *out is NULL when key is not set (then reports are
 * refused, logged once at info).  Returns 0, or -1 after logging an error
 * naming key when the file is set but cannot be read or is empty.
 */
static int __attribute__((unused))
plug_report_secret(const struct loa_host *host, const char *key,
    const char **out)
{
	*out = NULL;
	if (host->config(host->hctx, key) == NULL) {
		plug_reports_refused(host, key);
		return 0;
	}
	*out = host->secret(host->hctx, key);
	if (*out == NULL || **out == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "%s: cannot read the "
		    "secret, or it is empty", key);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * A delivery report that cannot be shown to come from the provider: say
 * why at debug level (never a body, token or phone number).
 */
static int __attribute__((unused))
plug_refuse(const struct loa_host *host, const char *why)
{
	host->log(host->hctx, LOA_LOG_DEBUG, "delivery report refused: %s",
	    why);
	return LOA_REPORT_BAD_SIGNATURE;
}

/* The query parameter that carries a webhook token we put in a URL. */
#define PLUG_TOKEN_PARAM	"loa_token"

/*
 * For providers that sign nothing: whether the query's loa_token is
 * token, compared in constant time.  Returns 0, or BAD_SIGNATURE when
 * there is no token to check with (said once, by create()), or it is
 * missing or different (logged at debug).
 */
static int __attribute__((unused))
plug_check_token(const struct loa_host *host, const struct loa_webhook *wh,
    const char *token)
{
	const char	*q = wh->query != NULL ? wh->query : "";
	char		 got[1024];
	long		 n;
	int		 same;

	if (token == NULL)
		return LOA_REPORT_BAD_SIGNATURE;
	n = plug_param(q, strlen(q), PLUG_TOKEN_PARAM, got, sizeof(got));
	if (n < 0)
		return plug_refuse(host, "no " PLUG_TOKEN_PARAM);
	same = plug_ct_equal(got, (size_t)n, token, strlen(token));
	explicit_bzero(got, sizeof(got));
	if (!same)
		return plug_refuse(host, PLUG_TOKEN_PARAM " does not match");
	return 0;
}

/*
 * Inbound messages (ABI 1.2): the n bytes of src, a resident's text from
 * outside, into dst (size bytes, NUL included) as valid UTF-8.  A byte
 * that does not start a well-formed character (overlong forms, surrogates
 * and code points above U+10FFFF included) and a NUL become U+FFFD; a
 * text that does not fit is cut before the first character that would
 * not, never inside one, and *truncated is set.  The text is data: it is
 * copied, never interpreted or logged.
 */
static void __attribute__((unused))
plug_inbound_text(char *dst, size_t size, const char *src, size_t n,
    int *truncated)
{
	static const char	 repl[] = "\xef\xbf\xbd";
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i = 0, o = 0, len, k;
	unsigned long		 cp;
	const char		*from;

	*truncated = 0;
	if (size == 0)
		return;
	while (i < n) {
		/* The length the first byte announces; 0: none can. */
		if (s[i] < 0x80)
			len = 1;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			len = 0;	/* a continuation, C0, C1, F5..FF */
		cp = len <= 1 ? s[i] : s[i] & (0x7f >> len);
		for (k = 1; len > 1 && k < len; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 ||
		    cp > 0x10ffff)) || (len == 1 && cp == 0))
			len = 0;
		if (len == 0) {
			from = repl;
			k = 3;
			len = 1;	/* replace one byte, go on */
		} else {
			from = src + i;
			k = len;
		}
		if (o + k + 1 > size) {
			*truncated = 1;
			break;
		}
		memcpy(dst + o, from, k);
		o += k;
		i += len;
	}
	dst[o] = '\0';
}

/*
 * Whether s (n bytes) is a sender for channel sms: 3 to 15 digits after
 * an optional '+' (E.164, or a short code).  The digits, without '+', go
 * to dst (size bytes).  Returns 0, or -1.
 */
static int __attribute__((unused))
plug_inbound_phone(char *dst, size_t size, const char *s, size_t n)
{
	size_t	i;

	if (n > 0 && s[0] == '+') {
		s++;
		n--;
	}
	if (n < 3 || n > 15 || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Whether s (n bytes) is a sender id that is no phone (a Zalo user id):
 * 1 to size - 1 bytes of visible ASCII, copied into dst.  Returns 0, or
 * -1 (the id is refused whole, never cut).
 */
static int __attribute__((unused))
plug_inbound_uid(char *dst, size_t size, const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

#endif
