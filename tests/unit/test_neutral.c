/*
 * test_neutral.c -- unit tests of neutral.c, the neutralisers of text on
 * its way to a terminal, a log line, a JSON line or a CSV cell, and of
 * loa_json_str() (util.c), which uses them for the delivery log.
 *
 * Tables of inputs and the exact output wanted, then a seeded random test
 * over random byte strings built from the pieces attacks are made of
 * (controls, C1, bidi, broken UTF-8, Vietnamese text, formula starts):
 * the output never holds a raw control, is valid UTF-8, and plain text
 * comes through unchanged.  NEUTRAL_SEED=N replays a run; the seed is
 * printed.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistr.h>

#include "loa.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* An input and the exact output wanted. */
struct io {
	const char	*in;
	const char	*want;
};

static const struct io text_cases[] = {
	{ "", "" },
	{ "Phường Hoàn Kiếm", "Phường Hoàn Kiếm" },
	{ "r-01_a.b", "r-01_a.b" },
	{ "C:\\temp \\n", "C:\\temp \\n" },		/* backslash kept */
	{ "a\nb", "a\\nb" },
	{ "a\r\nb\tc", "a\\r\\nb\\tc" },
	{ "\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07" },
	{ "\x01\x1f", "\\x01\\x1f" },
	{ "del\x7f", "del\\x7f" },
	{ "c1 \xc2\x85 \xc2\x9b" "31m", "c1 \\u0085 \\u009b31m" },
	{ "\xc2\x80\xc2\x9f", "\\u0080\\u009f" },
	{ "nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok" },		/* U+00A0 is text */
	{ "00070\xe2\x80\xae" "07000", "00070\\u202e07000" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u202a\\u202b\\u202c\\u202d" },
	{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },
	{ "\xe2\x81\xa7\xe2\x81\xa8", "\\u2067\\u2068" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c" },
	{ "line\xe2\x80\xa8sep\xe2\x80\xa9", "line\\u2028sep\\u2029" },
	{ "\xe2\x80\xaf", "\xe2\x80\xaf" },		/* U+202F is text */
	{ "bad\xff", "bad\\xff" },
	{ "cut\xe1\xba", "cut\\xe1\\xba" },
	{ "overlong\xc0\xaf", "overlong\\xc0\\xaf" },
	{ "surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80" },
	{ "big\xf4\x90\x80\x80", "big\\xf4\\x90\\x80\\x80" },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },	/* emoji kept */
};

static const struct io csv_cases[] = {
	{ "", "" },
	{ "Bà Lan", "Bà Lan" },
	{ "Anh Nam, con ông \"Tư\"", "\"Anh Nam, con ông \"\"Tư\"\"\"" },
	{ "=HYPERLINK(\"http://x\",\"y\")",
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
	{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
	{ "@SUM(1+1)", "'@SUM(1+1)" },
	{ "-2+3", "'-2+3" },
	{ "=1+1", "'=1+1" },
	{ "   =1+1", "'   =1+1" },
	{ "\t=1+1", "\\t=1+1" },
	{ "\r=1+1", "\\r=1+1" },
	{ "a=b", "a=b" },
	{ "8491****678", "8491****678" },
	{ "a\r\nb", "a\\r\\nb" },
	{ "\x1b[31m", "\\x1b[31m" },
	{ "=\x1b", "'=\\x1b" },
	{ "'quoted", "'quoted" },
};

static const struct io json_cases[] = {
	{ "{\"a\":\"x\"}", "{\"a\":\"x\"}" },
	{ "{\"a\":\"Hoàn Kiếm\"}", "{\"a\":\"Hoàn Kiếm\"}" },
	{ "{\"a\":\"\x1b\xc2\x85\xe2\x80\xae\xff\x7f\"}",
	    "{\"a\":\"\\u001b\\u0085\\u202e\\ufffd\\u007f\"}" },
	{ "{\"a\":\"l1\nl2\"}", "{\"a\":\"l1\\u000al2\"}" },
};

/* json_str cases: loa_json_str() output wanted for an input. */
static const struct io json_str_cases[] = {
	{ "plain", "\"plain\"" },
	{ "q\"b\\", "\"q\\\"b\\\\\"" },
	{ "a\nb\x1b", "\"a\\nb\\u001b\"" },
	{ "Phường", "\"Phường\"" },
	{ "del\x7f c1\xc2\x9b bidi\xe2\x80\xae",
	    "\"del\\u007f c1\\u009b bidi\\u202e\"" },
	{ "bad\xff", "\"bad\\ufffd\"" },
};

/* Non-zero when the n bytes at s hold a C0 control or DEL. */
static int
has_raw_control(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Undo RFC 4180 quoting of one cell (no separators in it).  Returns a
 * malloc'ed string, or NULL when the cell is not well-formed.
 */
static char *
csv_unquote(const char *c)
{
	size_t	 n = strlen(c), i, o = 0;
	char	*out = malloc(n + 1);

	if (out == NULL)
		abort();
	if (n == 0 || c[0] != '"') {
		if (strpbrk(c, ",\"\r\n") != NULL) {
			free(out);
			return NULL;
		}
		memcpy(out, c, n + 1);
		return out;
	}
	if (n < 2 || c[n - 1] != '"')
		goto bad;
	for (i = 1; i < n - 1; i++) {
		if (c[i] == '"') {
			if (c[i + 1] != '"' || i + 1 >= n - 1)
				goto bad;
			i++;
		}
		out[o++] = c[i];
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void
test_tables(void)
{
	struct loa_buf	 b;
	char		*s;
	size_t		 i;

	for (i = 0; i < nitems(text_cases); i++) {
		s = loa_neutral(text_cases[i].in);
		is_str(s, text_cases[i].want, "text %zu: \"%s\"", i,
		    text_cases[i].want);
		free(s);
	}
	loa_buf_init(&b);
	for (i = 0; i < nitems(csv_cases); i++) {
		loa_buf_reset(&b);
		loa_buf_add(&b, "", 0);		/* "" for an empty cell */
		loa_neutral_csv(&b, csv_cases[i].in);
		is_str(b.data, csv_cases[i].want, "csv %zu: %s", i,
		    csv_cases[i].want);
	}
	for (i = 0; i < nitems(json_cases); i++) {
		loa_buf_reset(&b);
		loa_neutral_json(&b, json_cases[i].in,
		    strlen(json_cases[i].in));
		is_str(b.data, json_cases[i].want, "json %zu: %s", i,
		    json_cases[i].want);
	}
	for (i = 0; i < nitems(json_str_cases); i++) {
		loa_buf_reset(&b);
		loa_json_str(&b, json_str_cases[i].in);
		is_str(b.data, json_str_cases[i].want, "json_str %zu: %s", i,
		    json_str_cases[i].want);
	}
	loa_buf_free(&b);

	ok(loa_neutral_find("Phường 7", strlen("Phường 7")) == NULL,
	    "find: nothing in plain text");
	s = (char *)"ab\xe2\x80\xae" "cd";
	ok(loa_neutral_find(s, strlen(s)) == s + 2, "find: the bidi override");
	s = (char *)"ab\0cd";
	ok(loa_neutral_find(s, 5) == s + 2, "find: a NUL byte inside");
}

/* loa_neutral_cpy() into a buffer of dstlen: the output and bytes taken. */
static const struct {
	const char	*in;
	size_t		 dstlen;
	const char	*want;
	size_t		 taken;
	const char	*what;
} cpy_cases[] = {
	{ "a\nb", 16, "a\\nb", 3, "all fits" },
	{ "ab\ncd", 4, "ab", 2, "an escape is never cut" },
	{ "ab\ncd", 5, "ab\\n", 3, "the escape when it fits whole" },
	{ "a\xe1\xbb\x91", 3, "a", 1, "a character is never cut" },
	{ "abc", 1, "", 0, "room for the NUL only" },
};

static void
test_cpy(void)
{
	char	out[16];
	size_t	i, n;

	for (i = 0; i < nitems(cpy_cases); i++) {
		n = loa_neutral_cpy(out, cpy_cases[i].dstlen, cpy_cases[i].in,
		    strlen(cpy_cases[i].in));
		is_str(out, cpy_cases[i].want, "cpy: %s", cpy_cases[i].what);
		is_int(n, cpy_cases[i].taken, "cpy: %s: bytes taken",
		    cpy_cases[i].what);
	}
}

/* Pieces random inputs are made of. */
static const char *const pieces[] = {
	"a", "Z", "0", " ", ",", "\"", "'", "=", "+", "-", "@", "\\", ":",
	"ố", "ư", "Đ", "ờ", "\xc2\xa0", "\xf0\x9f\x98\x80",
	"\n", "\r", "\t", "\x1b", "\x7f", "\x01", "\x1b[2J",
	"\xc2\x85", "\xc2\x9b", "\xc2\x80", "\xc2\x9f",
	"\xe2\x80\xae", "\xe2\x80\xaa", "\xe2\x81\xa6", "\xe2\x81\xa9",
	"\xe2\x80\xa8", "\xe2\x80\x8f",
	"\xff", "\xc3", "\xe1\xba", "\xc0\xaf", "\xed\xa0\x80", "\xf8",
};

/* Printable pieces, for plain text. */
static const char *const plain[] = {
	"a", "Z", "0", " ", ",", "\"", "'", "\\", ":", ".", "ố", "ư", "Đ",
	"ờ", "Phường", "\xc2\xa0", "\xf0\x9f\x98\x80", "=", "+", "-", "@",
};

/*
 * A random string of up to max pieces, or random bytes, into buf (cap
 * 512); returns its length (it may hold NUL bytes when bytes is set).
 */
static size_t
random_input(char *buf, int plain_only, int bytes)
{
	size_t	 len = 0, k, n = (size_t)(rand() % 24);
	const char *p;

	if (bytes) {
		for (k = 0; k < n * 2; k++)
			buf[len++] = (char)(rand() % 256);
		buf[len] = '\0';
		return len;
	}
	for (k = 0; k < n; k++) {
		p = plain_only ? plain[rand() % nitems(plain)] :
		    pieces[rand() % nitems(pieces)];
		memcpy(buf + len, p, strlen(p));
		len += strlen(p);
	}
	buf[len] = '\0';
	return len;
}

static void
test_random(void)
{
	struct loa_buf	 b, csv, pre;
	char		 in[512], small[64], *s, *un, *want;
	unsigned	 seed;
	size_t		 len, n, k;
	int		 i, bad_text = 0, bad_cpy = 0, bad_json = 0, bad_csv = 0;
	int		 bad_plain = 0, iters = 20000;

	seed = getenv("NEUTRAL_SEED") != NULL ?
	    (unsigned)strtoul(getenv("NEUTRAL_SEED"), NULL, 10) :
	    (unsigned)time(NULL);
	printf("# random: NEUTRAL_SEED=%u\n", seed);
	srand(seed);
	loa_buf_init(&b);
	loa_buf_init(&csv);
	for (i = 0; i < iters; i++) {
		len = random_input(in, 0, i % 3 == 0);

		/* (a) for a terminal: no raw control, UTF-8, nothing unsafe */
		loa_buf_reset(&b);
		loa_neutral_add(&b, in, len);
		if (b.len > 0 && (has_raw_control(b.data, b.len) ||
		    u8_check((uint8_t *)b.data, b.len) != NULL ||
		    loa_neutral_find(b.data, b.len) != NULL ||
		    strlen(b.data) != b.len)) {
			if (bad_text++ == 0)
				printf("# text: input %d (seed %u) fails\n", i,
				    seed);
		}
		if (b.len > 4 * len)
			bad_text++;
		/* Plain input is unchanged. */
		if (loa_neutral_find(in, len) == NULL && (b.len != len ||
		    memcmp(b.data != NULL ? b.data : "", in, len) != 0))
			bad_text++;

		/* cpy into a random small buffer: a prefix, whole escapes */
		k = 1 + (size_t)rand() % sizeof(small);
		n = loa_neutral_cpy(small, k, in, len);
		loa_buf_init(&pre);
		loa_neutral_add(&pre, in, n);	/* what went in, whole */
		if (n > len || strlen(small) >= k || (n == len &&
		    (b.data == NULL ? *small != '\0' : strcmp(small,
		    b.data) != 0)) || strcmp(small, pre.data != NULL ?
		    pre.data : "") != 0)
			bad_cpy++;
		loa_buf_free(&pre);

		/* JSON: what loa_json_str wrote, hardened, parses back */
		loa_buf_reset(&b);
		loa_neutral_json(&b, in, len);
		if (b.len > 0 && (has_raw_control(b.data, b.len) ||
		    u8_check((uint8_t *)b.data, b.len) != NULL ||
		    loa_neutral_find(b.data, b.len) != NULL))
			bad_json++;
		if (memchr(in, '\0', len) == NULL) {
			json_t *j;
			loa_buf_reset(&b);
			loa_json_str(&b, in);
			j = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
			if (j == NULL || has_raw_control(b.data, b.len) ||
			    loa_neutral_find(b.data, b.len) != NULL ||
			    (u8_check((uint8_t *)in, len) == NULL &&
			    strcmp(json_string_value(j), in) != 0))
				bad_json++;
			json_decref(j);
		}

		/* (b) a CSV cell: defused, quoted, the text of (a) inside */
		if (memchr(in, '\0', len) != NULL)
			continue;
		loa_buf_reset(&csv);
		loa_neutral_csv(&csv, in);
		s = loa_neutral(in);
		un = csv_unquote(csv.data != NULL ? csv.data : "");
		want = xasprintf("%s%s", s[strspn(s, " ")] != '\0' &&
		    strchr("=+-@", s[strspn(s, " ")]) != NULL ? "'" : "", s);
		if (un == NULL || strcmp(un, want) != 0 || (csv.len > 0 &&
		    (has_raw_control(csv.data, csv.len) ||
		    u8_check((uint8_t *)csv.data, csv.len) != NULL)) ||
		    (un[strspn(un, " ")] != '\0' &&
		    strchr("=+-@", un[strspn(un, " ")]) != NULL)) {
			if (bad_csv++ == 0)
				printf("# csv: input %d (seed %u): \"%s\"\n",
				    i, seed, s);
		}
		free(un);
		free(want);
		free(s);

		/* Plain text that starts no formula comes through as is. */
		len = random_input(in, 1, 0);
		if (in[strspn(in, " ")] != '\0' &&
		    strchr("=+-@", in[strspn(in, " ")]) != NULL)
			continue;
		s = loa_neutral(in);
		loa_buf_reset(&csv);
		loa_neutral_csv(&csv, in);
		un = csv_unquote(csv.data != NULL ? csv.data : "");
		if (strcmp(s, in) != 0 || un == NULL || strcmp(un, in) != 0)
			bad_plain++;
		free(un);
		free(s);
	}
	loa_buf_free(&b);
	loa_buf_free(&csv);
	is_int(bad_text, 0, "random: %d inputs for a terminal", iters);
	is_int(bad_cpy, 0, "random: bounded copies are prefixes");
	is_int(bad_json, 0, "random: JSON stays JSON, nothing raw");
	is_int(bad_csv, 0, "random: CSV cells defused and quoted");
	is_int(bad_plain, 0, "random: plain text unchanged");
}

int
main(void)
{
	test_tables();
	test_cpy();
	test_random();
	return tap_done();
}
