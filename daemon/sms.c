/*
 * sms.c -- SMS text: GSM-7 / UCS-2 choice, diacritic stripping, segments.
 *
 * A rendered SMS template is UTF-8.  Before it goes to a provider it is
 * normalized to NFC, and depending on the job's sms.unicode setting either
 * kept as is (sent as UCS-2 when any character is outside GSM-7) or
 * rewritten to GSM-7 only: Vietnamese letters lose their diacritics
 * ("không dấu": "Thông báo cắt điện" -> "Thong bao cat dien", which is how
 * brandname SMS is usually sent in Vietnam), typographic quotes, dashes and
 * odd spaces become their ASCII look-alikes, anything else becomes '?'.
 * The same module counts characters, units and segments, which is what
 * providers bill and what sms.max_segments limits.  The GSM-7 tables and the
 * segment sizes are the facts of shared/providers.md ("SMS text encoding").
 *
 * Pure functions over libunistring: no I/O.  The only global state is a
 * memo of what "never" makes of each Latin letter (strip_memo below), filled
 * on first use and the same whatever the order of calls.
 *
 * Speed: the daemon prepares one text per message (tens of thousands a
 * second), so the common cases take short cuts that give the same result:
 * ASCII characters are looked up in a table, text that is NFC already (the
 * Latin letters Vietnamese is written with) is not normalized again, and a
 * letter's "không dấu" form is worked out once.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <uninorm.h>

#include "text.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define NOCHAR		0x110000	/* no code point: the ESC slot */

#define GSM7_SINGLE	160		/* septets in a message alone */
#define GSM7_PART	153		/* septets per part of a long one */
#define UCS2_SINGLE	70		/* UTF-16 units, alone */
#define UCS2_PART	67		/* UTF-16 units per part */

/*
 * GSM 03.38 basic character set, in code order (index = septet).  0x1B is
 * the escape to the extension table, not a character.
 */
static const ucs4_t gsm7_basic[128] = {
	'@',    0x00A3, '$',    0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, '\n',   0x00D8, 0x00F8, '\r',   0x00C5, 0x00E5,
	0x0394, '_',    0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, NOCHAR, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	' ',    '!',    '"',    '#',    0x00A4, '%',    '&',    '\'',
	'(',    ')',    '*',    '+',    ',',    '-',    '.',    '/',
	'0',    '1',    '2',    '3',    '4',    '5',    '6',    '7',
	'8',    '9',    ':',    ';',    '<',    '=',    '>',    '?',
	0x00A1, 'A',    'B',    'C',    'D',    'E',    'F',    'G',
	'H',    'I',    'J',    'K',    'L',    'M',    'N',    'O',
	'P',    'Q',    'R',    'S',    'T',    'U',    'V',    'W',
	'X',    'Y',    'Z',    0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 'a',    'b',    'c',    'd',    'e',    'f',    'g',
	'h',    'i',    'j',    'k',    'l',    'm',    'n',    'o',
	'p',    'q',    'r',    's',    't',    'u',    'v',    'w',
	'x',    'y',    'z',    0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Extension table: each is ESC + one septet, two septets in all. */
static const ucs4_t gsm7_ext[] = {
	'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC,
};

/*
 * What loa_sms_prepare(NEVER) writes for characters that are not GSM-7 even
 * without their marks.  An empty replacement drops the character (invisible
 * formatting characters); anything not listed here becomes '?'.
 */
static const struct gsm7_subst {
	ucs4_t		 lo, hi;	/* inclusive range */
	const char	*to;
} gsm7_substs[] = {
	{ 0x0009, 0x0009, " " },	/* tab */
	{ 0x00A0, 0x00A0, " " },	/* no-break space */
	{ 0x00AD, 0x00AD, "" },		/* soft hyphen */
	{ 0x1680, 0x1680, " " },	/* ogham space mark */
	{ 0x2000, 0x200A, " " },	/* en quad .. hair space */
	{ 0x200B, 0x200D, "" },		/* zero width space, (non-)joiner */
	{ 0x2010, 0x2015, "-" },	/* hyphen, figure dash, en/em dash */
	{ 0x2018, 0x201B, "'" },	/* ' ' , reversed-9 quote */
	{ 0x201C, 0x201F, "\"" },	/* " " ,, reversed-9 double quote */
	{ 0x2022, 0x2022, "*" },	/* bullet */
	{ 0x2026, 0x2026, "..." },	/* horizontal ellipsis */
	{ 0x202F, 0x202F, " " },	/* narrow no-break space */
	{ 0x2032, 0x2032, "'" },	/* prime */
	{ 0x2033, 0x2033, "\"" },	/* double prime */
	{ 0x205F, 0x205F, " " },	/* medium mathematical space */
	{ 0x2060, 0x2060, "" },		/* word joiner */
	{ 0x2212, 0x2212, "-" },	/* minus sign */
	{ 0x3000, 0x3000, " " },	/* ideographic space */
	{ 0xFE00, 0xFE0F, "" },		/* variation selectors */
	{ 0xFEFF, 0xFEFF, "" },		/* byte order mark */
};

/* Growing output buffer of loa_sms_prepare(NEVER); p is NUL-terminated. */
struct strbuf {
	char	*p;
	size_t	 len, cap;
};

/*
 * gsm7_septets() of the ASCII characters, from the two tables above: every
 * printable one is basic except '`' (none) and ^ { } \ [ ~ ] | (extension);
 * of the controls LF and CR are basic, FF an extension.
 */
static const unsigned char gsm7_ascii[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,
};

/* Septets c takes in GSM-7: 1 (basic), 2 (extension) or 0 (not GSM-7). */
static int
gsm7_septets(ucs4_t c)
{
	size_t	i;

	if (c < 0x80)
		return gsm7_ascii[c];
	for (i = 0; i < nitems(gsm7_basic); i++)
		if (gsm7_basic[i] == c)
			return 1;
	for (i = 0; i < nitems(gsm7_ext); i++)
		if (gsm7_ext[i] == c)
			return 2;
	return 0;
}

static const char *
gsm7_subst_of(ucs4_t c)
{
	size_t	i;

	for (i = 0; i < nitems(gsm7_substs); i++)
		if (c >= gsm7_substs[i].lo && c <= gsm7_substs[i].hi)
			return gsm7_substs[i].to;
	return NULL;
}

/* Append n bytes to b.  Returns 0, or -1 when out of memory. */
static int
strbuf_add(struct strbuf *b, const void *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
strbuf_add_uc(struct strbuf *b, ucs4_t c)
{
	uint8_t	u8[6];
	int	n;

	if ((n = u8_uctomb(u8, c, sizeof(u8))) < 0)
		return -1;
	return strbuf_add(b, u8, n);
}

/*
 * Write to b the GSM-7 rendering of one character c that is not GSM-7
 * itself: its canonical decomposition without combining diacritical marks
 * (U+0300..U+036F), with đ/Đ read as d/D, each remaining character kept if
 * GSM-7, else substituted from gsm7_substs, else '?'.  Returns 0 or -1 (out
 * of memory).
 */
static int
gsm7_strip(struct strbuf *b, ucs4_t c)
{
	ucs4_t		 dbuf[16], *d;
	const char	*sub;
	size_t		 i, n = nitems(dbuf);
	int		 rc = 0;

	if ((d = u32_normalize(UNINORM_NFD, &c, 1, dbuf, &n)) == NULL)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (d[i] >= 0x0300 && d[i] <= 0x036F)
			continue;
		if (d[i] == 0x0111)		/* đ */
			d[i] = 'd';
		else if (d[i] == 0x0110)	/* Đ */
			d[i] = 'D';
		if (gsm7_septets(d[i]))
			rc = strbuf_add_uc(b, d[i]);
		else if ((sub = gsm7_subst_of(d[i])) != NULL)
			rc = strbuf_add(b, sub, strlen(sub));
		else
			rc = strbuf_add(b, "?", 1);
	}
	if (d != dbuf)
		free(d);
	return rc;
}

/*
 * What gsm7_strip() writes for the characters U+0080..U+02FF and
 * U+1E00..U+1EFF (the Latin letters, Vietnamese ones included), kept the
 * first time each is met: len 0 means not known yet.  The results there
 * are a few bytes; a longer one would not be kept, only worked out again.
 */
#define MEMO_LATIN	(0x0300 - 0x0080)
#define MEMO_SIZE	(MEMO_LATIN + 0x0100)

static struct strip_memo {
	unsigned char	len;		/* bytes in s, plus one */
	char		s[7];
} strip_memo[MEMO_SIZE];

/* The memo slot of c, or NULL when c is not kept there. */
static struct strip_memo *
memo_slot(ucs4_t c)
{
	if (c >= 0x0080 && c < 0x0300)
		return &strip_memo[c - 0x0080];
	if (c >= 0x1E00 && c < 0x1F00)
		return &strip_memo[MEMO_LATIN + (c - 0x1E00)];
	return NULL;
}

/* gsm7_strip(), through the memo for the characters it keeps. */
static int
gsm7_strip_memo(struct strbuf *b, ucs4_t c)
{
	struct strip_memo	*m = memo_slot(c);
	struct strbuf		 one = { NULL, 0, 0 };

	if (m == NULL)
		return gsm7_strip(b, c);
	if (m->len == 0) {
		if (gsm7_strip(&one, c) == -1) {
			free(one.p);
			return -1;
		}
		if (one.len >= sizeof(m->s)) {
			/* Too long to keep: worked out every time. */
			free(one.p);
			return gsm7_strip(b, c);
		}
		memcpy(m->s, one.p, one.len);
		m->len = (unsigned char)(one.len + 1);
		free(one.p);
	}
	return strbuf_add(b, m->s, m->len - 1);
}

/*
 * GSM-7 rendering of the NFC text s, "không dấu": ASCII is kept as it is,
 * every other character goes through gsm7_strip(), so all accented letters
 * lose their marks alike (à -> a as well as ầ -> a: a resident never sees
 * a half-stripped word), while GSM-7 symbols without marks (€ £ Ø ß) stay.
 * Returns a malloc'd string, or NULL when out of memory.
 */
static char *
gsm7_only(const char *s)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const uint8_t	*p = (const uint8_t *)s, *end = p + strlen(s);
	ucs4_t		 c;
	int		 n;

	if (strbuf_add(&b, "", 0) == -1)
		return NULL;
	while (p < end) {
		if (*p < 0x80 && gsm7_ascii[*p]) {
			/* A run of GSM-7 ASCII, copied at once. */
			const uint8_t *q = p + 1;
			while (q < end && *q < 0x80 && gsm7_ascii[*q])
				q++;
			if (strbuf_add(&b, p, q - p) == -1)
				goto fail;
			p = q;
			continue;
		}
		n = u8_mbtouc(&c, p, end - p);
		if (gsm7_strip_memo(&b, c) == -1)
			goto fail;
		p += n;
	}
	return b.p;
fail:
	free(b.p);
	return NULL;
}

/*
 * Is the valid UTF-8 s of n bytes its own NFC form, as far as a quick look
 * tells?  Yes when every character is below U+0300 or in Latin Extended
 * Additional (U+1E00..U+1EFF): how Vietnamese is written in NFC.  None of
 * those changes under NFC (no singleton decomposition, no composition
 * exclusion), none is a combining mark, and none composes with the
 * character before it, so such a text is NFC already.  No means "maybe":
 * the text is normalized.
 */
static int
nfc_quick(const uint8_t *s, size_t n)
{
	const uint8_t	*end = s + n;
	ucs4_t		 c;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		s += u8_mbtouc_unsafe(&c, s, end - s);
		if (c >= 0x0300 && (c < 0x1E00 || c > 0x1EFF))
			return 0;
	}
	return 1;
}

/* NFC form of the valid UTF-8 s of n bytes, malloc'd and NUL-terminated. */
static char *
to_nfc(const char *s, size_t n)
{
	uint8_t	*r, *t;
	size_t	 len;

	if (n == 0 || nfc_quick((const uint8_t *)s, n))
		return strndup(s, n);
	if ((r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL,
	    &len)) == NULL)
		return NULL;
	if ((t = realloc(r, len + 1)) == NULL) {
		free(r);
		return NULL;
	}
	t[len] = '\0';
	return (char *)t;
}

int
loa_sms_unicode_parse(const char *s, enum loa_sms_unicode *out)
{
	static const struct {
		const char		*name;
		enum loa_sms_unicode	 mode;
	} modes[] = {
		{ "never",  LOA_UNICODE_NEVER },
		{ "always", LOA_UNICODE_ALWAYS },
		{ "auto",   LOA_UNICODE_AUTO },
	};
	size_t	i;

	if (s == NULL || out == NULL)
		return -1;
	for (i = 0; i < nitems(modes); i++) {
		if (strcmp(s, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	}
	return -1;
}

const char *
loa_sms_encoding_name(enum loa_sms_encoding enc)
{
	switch (enc) {
	case LOA_ENC_GSM7:
		return "gsm7";
	case LOA_ENC_UCS2:
		return "ucs2";
	}
	return "unknown";
}

/* Invalid UTF-8 (or NULL) is not GSM-7; the empty string is. */
int
loa_sms_is_gsm7(const char *utf8)
{
	const uint8_t	*p = (const uint8_t *)utf8;
	ucs4_t		 c;
	int		 n;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		if ((n = u8_strmbtouc(&c, p)) <= 0)
			return 0;
		if (!gsm7_septets(c))
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Contract: fills every field of *info (nothing when info is NULL).  Units
 * are septets for GSM-7 (extension characters 2; a character outside GSM-7,
 * which a prepared text never has, 1) or UTF-16 units for UCS-2 (2 above
 * U+FFFF).  A message of at most 160 / 70 units is one segment; a longer one
 * is cut greedily into parts of 153 / 67 units where a 2-unit character that
 * does not fit whole starts the next part, so a part may hold one unit less.
 * Invalid UTF-8 counts as one character per bad byte sequence; NULL as "".
 */
void
loa_sms_count(const char *utf8, enum loa_sms_encoding enc,
    struct loa_sms_info *info)
{
	const uint8_t	*p, *end;
	ucs4_t		 c;
	int		 n, w, single, part, fill = 0, parts = 0;

	if (info == NULL)
		return;
	if (utf8 == NULL)
		utf8 = "";
	p = (const uint8_t *)utf8;
	end = p + strlen(utf8);
	single = enc == LOA_ENC_UCS2 ? UCS2_SINGLE : GSM7_SINGLE;
	part = enc == LOA_ENC_UCS2 ? UCS2_PART : GSM7_PART;
	info->encoding = enc;
	info->chars = info->units = 0;
	while (p < end) {
		n = u8_mbtouc(&c, p, end - p);
		if (enc == LOA_ENC_UCS2)
			w = c > 0xFFFF ? 2 : 1;
		else if ((w = gsm7_septets(c)) == 0)
			w = 1;
		if (parts == 0 || fill + w > part) {
			parts++;
			fill = 0;
		}
		fill += w;
		info->chars++;
		info->units += w;
		p += n;
	}
	if (info->units == 0)
		info->segments = 0;
	else if (info->units <= single)
		info->segments = 1;
	else
		info->segments = parts;
}

/*
 * Contract: utf8 is borrowed; the result is a new malloc'd NUL-terminated
 * UTF-8 string the caller frees.  Returns NULL (and zeroes *info) when utf8
 * is NULL or not valid UTF-8 (bad sequences, overlongs, surrogates), or when
 * out of memory.  info may be NULL; otherwise it describes the returned text
 * (chars are its code points).  A mode outside the enum is taken as AUTO,
 * which never alters the text.
 *
 * NEVER: ASCII stays; any other character (é à ầ Ä included)
 * any other loses its combining marks U+0300..U+036F after NFD (also when
 * the input was NFD), đ/Đ become d/D, then typographic look-alikes are
 * mapped (quotes, dashes, ellipsis, spaces, bullet, tab), invisible
 * formatting characters dropped, and whatever is left becomes '?'.
 */
char *
loa_sms_prepare(const char *utf8, enum loa_sms_unicode mode,
    struct loa_sms_info *info)
{
	enum loa_sms_encoding	 enc;
	char			*nfc, *out;
	size_t			 n;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (utf8 == NULL)
		return NULL;
	n = strlen(utf8);
	if (u8_check((const uint8_t *)utf8, n) != NULL)
		return NULL;
	if ((nfc = to_nfc(utf8, n)) == NULL)
		return NULL;

	switch (mode) {
	case LOA_UNICODE_NEVER:
		out = gsm7_only(nfc);
		free(nfc);
		enc = LOA_ENC_GSM7;
		break;
	case LOA_UNICODE_ALWAYS:
		out = nfc;
		enc = LOA_ENC_UCS2;
		break;
	case LOA_UNICODE_AUTO:
	default:
		out = nfc;
		enc = loa_sms_is_gsm7(nfc) ? LOA_ENC_GSM7 : LOA_ENC_UCS2;
		break;
	}
	if (out != NULL)
		loa_sms_count(out, enc, info);
	return out;
}
