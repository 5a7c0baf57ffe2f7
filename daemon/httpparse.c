/*
 * httpparse.c -- the request head of HTTP/1.x (RFC 9112), as bytes in,
 * a struct hs_head out: no I/O, no allocation, no event loop, so that
 * the unit tests and tests/fuzz/fuzz_httpparse.c can drive it with any
 * bytes.
 *
 * Strict where leniency lets a request mean two things to two parsers
 * (request smuggling): white space before a field's colon, folded
 * lines, a bare CR, control bytes in a value, conflicting or malformed
 * Content-Length, and Transfer-Encoding (no chunked request bodies
 * here: 411, send Content-Length) are refused.  Lenient where RFC 9112
 * allows it: a bare LF ends a line as CRLF does.  The target must be in
 * origin form ("/path?query"); it is not percent-decoded.
 */
#include <string.h>
#include <strings.h>

#include "httpserv.h"

/* tchar of RFC 9110: the characters of a token (method, field name). */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Look for the empty line that ends a request head in the next n bytes
 * p[0..n) of the input; *state (0 at the start of a head) carries what
 * the bytes before said, so the input may come in any pieces and each
 * byte is looked at once.  Returns how many of these n bytes belong to
 * the head when it ends among them, else 0.  CRLF and bare LF both end
 * a line.
 */
size_t
hs_head_scan(int *state, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (*state != 0) {
				*state = 0;
				return i + 1;
			}
			*state = 1;	/* at the start of a line */
		} else if (p[i] == '\r' && *state == 1)
			*state = 2;	/* CR at the start of a line */
		else
			*state = 0;
	}
	return 0;
}

/*
 * The next line of *p (up to end, which a LF precedes), NUL-terminated
 * in place without its CRLF or LF; *p moves past it.  NULL when a CR
 * stands alone.
 */
static char *
next_line(char **p, char *end)
{
	char	*s = *p, *lf;

	lf = memchr(s, '\n', end - s);
	*p = lf + 1;
	if (lf > s && lf[-1] == '\r')
		lf--;
	if (memchr(s, '\r', lf - s) != NULL)
		return NULL;
	*lf = '\0';
	return s;
}

/* A comma-separated field value holds tok (case-insensitive). */
static int
list_has(const char *v, const char *tok)
{
	size_t	n = strlen(tok), l;

	while (*v != '\0') {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		l = strcspn(v, ",");
		while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
			l--;
		if (l == n && strncasecmp(v, tok, n) == 0)
			return 1;
		v += strcspn(v, ",");
	}
	return 0;
}

/* Content-Length: digits only; 0 or an HTTP status with h->error. */
static int
parse_length(struct hs_head *h, const char *v)
{
	unsigned long long	n = 0;
	const char		*s;

	if (*v == '\0') {
		h->error = "bad Content-Length";
		return 400;
	}
	for (s = v; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			h->error = "bad Content-Length";
			return 400;
		}
		if (n > 999999999999999ULL) {	/* 10^15 - 1 */
			h->error = "request body too large";
			return 413;
		}
		n = n * 10 + (unsigned long long)(*s - '0');
	}
	if (h->has_length && n != h->content_length) {
		h->error = "conflicting Content-Length fields";
		return 400;
	}
	h->has_length = 1;
	h->content_length = n;
	return 0;
}

/* The request line "METHOD /target HTTP/1.x"; 0 or an HTTP status. */
static int
parse_request_line(struct hs_head *h, char *s)
{
	char	*sp, *target, *q;

	for (sp = s; is_tchar((unsigned char)*sp); sp++)
		;
	if (sp == s || *sp != ' ') {
		h->error = "bad request line";
		return 400;
	}
	*sp = '\0';
	h->method = s;
	target = sp + 1;
	for (sp = target; (unsigned char)*sp > 0x20 && *sp != 0x7f; sp++)
		;
	if (*sp != ' ' || sp == target) {
		h->error = "bad request line";
		return 400;
	}
	*sp++ = '\0';
	if (strncmp(sp, "HTTP/", 5) != 0 || sp[5] < '0' || sp[5] > '9' ||
	    sp[6] != '.' || sp[7] < '0' || sp[7] > '9' || sp[8] != '\0') {
		h->error = "bad request line";
		return 400;
	}
	if (sp[5] != '1') {
		h->error = "HTTP/1.0 and HTTP/1.1 only";
		return 505;
	}
	h->minor = sp[7] == '0' ? 0 : 1;
	if (target[0] != '/') {
		h->error = "the target must be a path (\"/...\")";
		return 400;
	}
	if ((q = strchr(target, '?')) != NULL) {
		*q = '\0';
		h->query = q + 1;
	} else
		h->query = "";
	h->path = target;
	return 0;
}

/* One header field line, "Name: value"; 0 or an HTTP status. */
static int
parse_field(struct hs_head *h, char *s)
{
	char		*colon, *v, *e;
	unsigned char	 c;

	if (*s == ' ' || *s == '\t') {
		h->error = "folded header lines are not allowed";
		return 400;
	}
	for (colon = s; is_tchar((unsigned char)*colon); colon++)
		;
	if (colon == s || *colon != ':') {
		h->error = "bad header field";
		return 400;
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v; *e != '\0'; e++) {
		c = (unsigned char)*e;
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			h->error = "control character in a header field";
			return 400;
		}
	}
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	if (h->nfields == HS_FIELDS_MAX) {
		h->error = "too many header fields";
		return 431;
	}
	h->fields[h->nfields].name = s;
	h->fields[h->nfields].value = v;
	h->nfields++;
	if (strcasecmp(s, "Content-Length") == 0)
		return parse_length(h, v);
	if (strcasecmp(s, "Transfer-Encoding") == 0) {
		h->error = "no Transfer-Encoding (chunked) request bodies: "
		    "send Content-Length";
		return 411;
	}
	if (strcasecmp(s, "Connection") == 0) {
		if (list_has(v, "close"))
			h->keep_alive = 0;
		else if (list_has(v, "keep-alive"))
			h->keep_alive = 1;
	} else if (strcasecmp(s, "Expect") == 0 && h->minor == 1) {
		if (strcasecmp(v, "100-continue") != 0) {
			h->error = "unknown expectation";
			return 417;
		}
		h->expect_continue = 1;
	}
	return 0;
}

/*
 * Parse the head in buf[0..len) (as delimited by hs_head_scan(), empty
 * lines before the request line allowed), in place: NUL bytes replace
 * separators, and h points into buf.  Returns 0, or the HTTP status to
 * answer (400, 411, 413, 417, 431, 505) with h->error saying why in one
 * line.  Connection: close is seen even in a refused head, as far as it
 * was read (h->keep_alive).
 */
int
hs_head_parse(char *buf, size_t len, struct hs_head *h)
{
	char	*p = buf, *end = buf + len, *line;
	int	 r, first = 1;

	memset(h, 0, sizeof(*h));
	h->query = "";
	if (memchr(buf, '\0', len) != NULL) {
		h->error = "NUL byte in the request head";
		return 400;
	}
	while (len > 0 && buf[len - 1] != '\n')	/* not a whole line */
		len--;
	end = buf + len;
	while (p < end) {
		if ((line = next_line(&p, end)) == NULL) {
			h->error = "bare CR in the request head";
			return 400;
		}
		if (*line == '\0') {
			if (first)	/* RFC 9112 2.2: empty lines before */
				continue;
			return 0;
		}
		if (first) {
			if ((r = parse_request_line(h, line)) != 0)
				return r;
			h->keep_alive = h->minor == 1;
			first = 0;
		} else if ((r = parse_field(h, line)) != 0)
			return r;
	}
	h->error = first ? "no request line" : "incomplete request head";
	return 400;
}

/* The value of the first field named name (any case), or NULL. */
const char *
hs_head_get(const struct hs_head *h, const char *name)
{
	int	i;

	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, name) == 0)
			return h->fields[i].value;
	return NULL;
}
