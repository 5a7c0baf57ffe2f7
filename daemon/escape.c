/*
 * escape.c -- what neutral.c calls unsafe in text from outside, and its
 * visible escapes: the part that needs no buffer of ours, so that log.c
 * (below everything, even the allocator's fatal()) can use it.  See
 * neutral.c for the rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "loa.h"


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
		*cp = LOA_NEUTRAL_BAD;
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
size_t
loa_neutral_esc(unsigned char c, long cp, char out[8])
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
	if (cp == LOA_NEUTRAL_BAD || cp < 0x80) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	return loa_neutral_u(cp, out);
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
			elen = loa_neutral_esc((unsigned char)s[i], cp, e);
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
