/*
 * neutral.c -- neutralisers for text from outside on its way to a
 * terminal, a log line, a JSON line or a spreadsheet cell.
 *
 * Names, ward codes, error reasons and message texts come from residents'
 * files, jobs and Redis.  Printed as they are, an ESC sequence rewrites an
 * official's screen, a newline forges a line of the operational log, a
 * bidi override makes one ward code read as another, and a cell such as
 * =HYPERLINK(...) runs in the spreadsheet a report is opened in.  So
 * whatever prints such text passes it through one of these:
 *
 * loa_neutral_add(), loa_neutral(), loa_neutral_cpy(): for a terminal or
 *	a log line.  The characters loa_neutral_char() calls unsafe become
 *	visible escapes; everything else, Vietnamese text included, is kept
 *	byte for byte:
 *	    C0 controls and DEL			\n \r \t, else \xHH
 *	    C1 controls (U+0080-U+009F)		\u0085
 *	    bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
 *	    U+2066-U+2069), line and paragraph separators (U+2028,
 *	    U+2029)				\u202e
 *	    a byte that is not valid UTF-8		\xHH
 *	The backslash itself is kept as it is: the output is for people to
 *	read, not to be decoded, and a literal "\n" in a name is only text.
 * loa_neutral_json(): for one line of JSON, the same characters as \uXXXX
 *	escapes (a byte that is not UTF-8 as \ufffd): valid JSON stays valid
 *	and means the same, and no raw control reaches the terminal.
 * loa_neutral_csv(): one CSV cell: neutralised as for a terminal (reports
 *	are often looked at on screen before they are saved), defused against
 *	formula injection, then quoted as RFC 4180 says.  Defusing follows
 *	OWASP: a cell whose first character is '=', '+', '-' or '@' gets a
 *	leading "'", which spreadsheets take as "this is text" and do not
 *	show.  Leading spaces are looked through too, since some spreadsheet
 *	imports trim them before they look for a formula.  The tab and CR
 *	OWASP also names are already escaped (\t, \r) by then.
 *
 * Pure functions, no logging: log.c uses them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "loa.h"

/* Code point of a byte that starts no valid UTF-8 sequence. */
#define NEUTRAL_BAD	(-1L)

static const char hex[] = "0123456789abcdef";

/* Non-zero for a code point (at or above 0x80) that must be escaped. */
static int
unsafe_cp(long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||	/* C1 controls */
	    cp == 0x061c ||			/* arabic letter mark */
	    cp == 0x200e || cp == 0x200f ||	/* LRM, RLM */
	    cp == 0x2028 || cp == 0x2029 ||	/* line, paragraph separator */
	    (cp >= 0x202a && cp <= 0x202e) ||	/* LRE RLE PDF LRO RLO */
	    (cp >= 0x2066 && cp <= 0x2069);	/* LRI RLI FSI PDI */
}

/*
 * The character at s (left > 0 bytes): its length in *len and its code
 * point in *cp (-1 for a byte that starts no valid UTF-8 sequence; its
 * length is then 1).  Returns non-zero when it must not reach a terminal
 * as it is.
 */
int
loa_neutral_char(const char *s, size_t left, size_t *len, long *cp)
{
	const uint8_t	*p = (const uint8_t *)s;
	ucs4_t		 uc;
	int		 n;

	if (*p < 0x80) {
		*len = 1;
		*cp = *p;
		return *p < 0x20 || *p == 0x7f;
	}
	if ((n = u8_mbtoucr(&uc, p, left)) < 0) {
		*len = 1;
		*cp = NEUTRAL_BAD;
		return 1;
	}
	*len = (size_t)n;
	*cp = (long)uc;
	return unsafe_cp(*cp);
}

/* The first unsafe character of the len bytes at s, or NULL. */
const char *
loa_neutral_find(const char *s, size_t len)
{
	size_t	 i, n;
	long	 cp;

	for (i = 0; i < len; i += n)
		if (loa_neutral_char(s + i, len - i, &n, &cp))
			return s + i;
	return NULL;
}

/* The escape \uXXXX of code point cp (at most U+FFFF) into out; 6. */
size_t
loa_neutral_u(long cp, char out[8])
{
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[(cp >> 12) & 15];
	out[3] = hex[(cp >> 8) & 15];
	out[4] = hex[(cp >> 4) & 15];
	out[5] = hex[cp & 15];
	return 6;
}

/*
 * The visible escape of the unsafe character c (code point cp) into out;
 * returns its length (at most 6).
 */
static size_t
escape(unsigned char c, long cp, char out[8])
{
	switch (cp) {
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	}
	if (cp == NEUTRAL_BAD || cp < 0x80) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	return loa_neutral_u(cp, out);
}

/*
 * Append the len bytes at s to b, each unsafe character replaced by its
 * visible escape, or (json) by \uXXXX, \ufffd for a byte not UTF-8.
 */
static void
neutral_add(struct loa_buf *b, const char *s, size_t len, int json)
{
	const char	*run = s;
	char		 e[8];
	size_t		 i, n;
	long		 cp;

	loa_buf_reserve(b, len);
	for (i = 0; i < len; i += n) {
		if (!loa_neutral_char(s + i, len - i, &n, &cp))
			continue;
		loa_buf_add(b, run, (size_t)(s + i - run));
		if (json)
			loa_buf_add(b, e, loa_neutral_u(cp == NEUTRAL_BAD ?
			    0xfffd : cp, e));
		else
			loa_buf_add(b, e, escape((unsigned char)s[i], cp, e));
		run = s + i + n;
	}
	loa_buf_add(b, run, (size_t)(s + len - run));
}

/* Append the len bytes at s to b, neutralised for a terminal. */
void
loa_neutral_add(struct loa_buf *b, const char *s, size_t len)
{
	neutral_add(b, s, len, 0);
}

/* A copy of the string s neutralised for a terminal; the caller frees. */
char *
loa_neutral(const char *s)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	loa_neutral_add(&b, s, strlen(s));
	return loa_buf_steal(&b);
}

/*
 * The len bytes at s neutralised for a terminal into dst (dstlen > 0),
 * NUL-terminated, as many whole characters and escapes as fit (never half
 * of either).  Returns how many bytes of s went in: len when all did.
 * For fixed buffers (log lines, messages): output of at most 4 * len + 1
 * bytes always holds everything.
 */
size_t
loa_neutral_cpy(char *dst, size_t dstlen, const char *s, size_t len)
{
	char	 e[8];
	size_t	 i, n, o = 0, elen;
	long	 cp;

	for (i = 0; i < len; i += n) {
		if (loa_neutral_char(s + i, len - i, &n, &cp)) {
			elen = escape((unsigned char)s[i], cp, e);
			if (o + elen >= dstlen)
				break;
			memcpy(dst + o, e, elen);
			o += elen;
		} else {
			if (o + n >= dstlen)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
		}
	}
	dst[o] = '\0';
	return i;
}

/*
 * Append one line of JSON text (len bytes at s) to b with every unsafe
 * character as a \uXXXX escape and every byte that is not UTF-8 as
 * \ufffd.  In valid JSON such characters can only be inside strings, where
 * the escape means the same; raw C0 controls are not valid there, and
 * escaping them keeps the line one line.
 */
void
loa_neutral_json(struct loa_buf *b, const char *s, size_t len)
{
	neutral_add(b, s, len, 1);
}

/* Non-zero when a spreadsheet could take the cell t for a formula. */
static int
formula_like(const char *t)
{
	t += strspn(t, " ");
	return *t != '\0' && strchr("=+-@", *t) != NULL;
}

/*
 * Append the string s to b as one CSV cell (no separator): neutralised
 * for a terminal, "'" before anything formula_like(), quoted (with ""
 * for ") when it holds ',' or '"'.
 */
void
loa_neutral_csv(struct loa_buf *b, const char *s)
{
	struct loa_buf	 t;
	const char	*p;
	size_t		 n;
	int		 quote;

	loa_buf_init(&t);
	loa_neutral_add(&t, s, strlen(s));
	p = t.data != NULL ? t.data : "";
	quote = strpbrk(p, ",\"") != NULL;
	if (quote)
		loa_buf_add(b, "\"", 1);
	if (formula_like(p))
		loa_buf_add(b, "'", 1);
	for (;;) {
		n = strcspn(p, "\"");
		loa_buf_add(b, p, n);
		if (p[n] == '\0')
			break;
		loa_buf_add(b, "\"\"", 2);
		p += n + 1;
	}
	if (quote)
		loa_buf_add(b, "\"", 1);
	loa_buf_free(&t);
}
