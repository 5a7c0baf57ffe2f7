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
 * The rules (what is unsafe, its escapes) and loa_neutral_cpy(), which
 * needs no buffer of ours, are in escape.c: log.c uses them.
 */
#include <ctype.h>
#include <string.h>

#include "loa.h"

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
			loa_buf_add(b, e, loa_neutral_u(cp == LOA_NEUTRAL_BAD ?
			    0xfffd : cp, e));
		else
			loa_buf_add(b, e, loa_neutral_esc((unsigned char)s[i], cp, e));
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

/*
 * A copy of s, for display, in which every run of at least 9 digits
 * (separators " -.()+" allowed between them, as in "+84 912 345 678") has
 * all but its first 4 and last 3 digits replaced by '*', the way the
 * daemon masks numbers.  Catches phone numbers in free text; a long
 * number that is not one is masked too, which only costs readability.
 * The caller frees the result.
 */
char *
loa_mask_numbers(const char *s)
{
	struct loa_buf	 b;
	const char	*p = s, *q, *end;
	size_t		 nd, k;

	loa_buf_init(&b);
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p) && !((*p == '+' ||
		    *p == '(') && isdigit((unsigned char)p[1]))) {
			loa_buf_add(&b, p++, 1);
			continue;
		}
		nd = 0;
		end = p;
		for (q = p; *q != '\0' && (isdigit((unsigned char)*q) ||
		    strchr(" -.()+", *q) != NULL); q++)
			if (isdigit((unsigned char)*q)) {
				nd++;
				end = q + 1;
			}
		for (k = 0, q = p; q < end; q++) {
			if (!isdigit((unsigned char)*q)) {
				loa_buf_add(&b, q, 1);
				continue;
			}
			loa_buf_add(&b, nd >= 9 && k >= 4 && k + 3 < nd ? "*" :
			    q, 1);
			k++;
		}
		p = end;
	}
	return loa_buf_steal(&b);
}
