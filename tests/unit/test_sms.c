/*
 * test_sms.c -- unit tests of sms.c: the GSM-7 tables of shared/providers.md,
 * diacritic stripping of all 134 accented Vietnamese letters in NFC and NFD
 * form, the substitutions of sms.unicode=never, the encoding choice of
 * auto/always, segment counts at every boundary (escape pairs and surrogate
 * pairs that may not be split) and refusal of invalid UTF-8.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>
#include <uninorm.h>

#include "text.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The GSM-7 tables exactly as providers.md gives them, ranges written out:
 * 127 basic characters (128 septets less the escape) and 10 extension ones.
 */
static const char gsm7_basic_doc[] =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
static const char gsm7_ext_doc[] = "^{}\\[~]|€\f";

/* Characters that are not GSM-7, some of them look-alikes of ones that are. */
static const char *const not_gsm7[] = {
	"`", "\t", "\x1b", "\x01", "\x7f", "ç", "À", "Á", "á", "ả", "ă", "â",
	"ê", "ô", "ơ", "ư", "đ", "Đ", "È", "Ì", "Ò", "Ù", "Α" /* alpha */,
	"ß\xcc\x81", "e\xcc\x81" /* NFD é */, "\xc2\xa0", "’", "“", "–", "…",
	"😀", "中", "ё", "\xef\xbb\xbf",
};

/*
 * The 134 Vietnamese letters carrying a diacritic (NFC), and what
 * sms.unicode=never makes of them: the base letter, except the seven that
 * are GSM-7 as they are (à è é ì ò ù É), which stay.  Tones in the usual
 * order: huyền, sắc, hỏi, ngã, nặng.
 */
static const struct {
	const char	*letter;
	const char	*want;
} vietnamese[] = {
	{ "à", "a" }, { "á", "a" }, { "ả", "a" }, { "ã", "a" }, { "ạ", "a" },
	{ "ă", "a" },
	{ "ằ", "a" }, { "ắ", "a" }, { "ẳ", "a" }, { "ẵ", "a" }, { "ặ", "a" },
	{ "â", "a" },
	{ "ầ", "a" }, { "ấ", "a" }, { "ẩ", "a" }, { "ẫ", "a" }, { "ậ", "a" },
	{ "è", "e" }, { "é", "e" }, { "ẻ", "e" }, { "ẽ", "e" }, { "ẹ", "e" },
	{ "ê", "e" },
	{ "ề", "e" }, { "ế", "e" }, { "ể", "e" }, { "ễ", "e" }, { "ệ", "e" },
	{ "ì", "i" }, { "í", "i" }, { "ỉ", "i" }, { "ĩ", "i" }, { "ị", "i" },
	{ "ò", "o" }, { "ó", "o" }, { "ỏ", "o" }, { "õ", "o" }, { "ọ", "o" },
	{ "ô", "o" },
	{ "ồ", "o" }, { "ố", "o" }, { "ổ", "o" }, { "ỗ", "o" }, { "ộ", "o" },
	{ "ơ", "o" },
	{ "ờ", "o" }, { "ớ", "o" }, { "ở", "o" }, { "ỡ", "o" }, { "ợ", "o" },
	{ "ù", "u" }, { "ú", "u" }, { "ủ", "u" }, { "ũ", "u" }, { "ụ", "u" },
	{ "ư", "u" },
	{ "ừ", "u" }, { "ứ", "u" }, { "ử", "u" }, { "ữ", "u" }, { "ự", "u" },
	{ "ỳ", "y" }, { "ý", "y" }, { "ỷ", "y" }, { "ỹ", "y" }, { "ỵ", "y" },
	{ "đ", "d" },

	{ "À", "A" }, { "Á", "A" }, { "Ả", "A" }, { "Ã", "A" }, { "Ạ", "A" },
	{ "Ă", "A" },
	{ "Ằ", "A" }, { "Ắ", "A" }, { "Ẳ", "A" }, { "Ẵ", "A" }, { "Ặ", "A" },
	{ "Â", "A" },
	{ "Ầ", "A" }, { "Ấ", "A" }, { "Ẩ", "A" }, { "Ẫ", "A" }, { "Ậ", "A" },
	{ "È", "E" }, { "É", "E" }, { "Ẻ", "E" }, { "Ẽ", "E" }, { "Ẹ", "E" },
	{ "Ê", "E" },
	{ "Ề", "E" }, { "Ế", "E" }, { "Ể", "E" }, { "Ễ", "E" }, { "Ệ", "E" },
	{ "Ì", "I" }, { "Í", "I" }, { "Ỉ", "I" }, { "Ĩ", "I" }, { "Ị", "I" },
	{ "Ò", "O" }, { "Ó", "O" }, { "Ỏ", "O" }, { "Õ", "O" }, { "Ọ", "O" },
	{ "Ô", "O" },
	{ "Ồ", "O" }, { "Ố", "O" }, { "Ổ", "O" }, { "Ỗ", "O" }, { "Ộ", "O" },
	{ "Ơ", "O" },
	{ "Ờ", "O" }, { "Ớ", "O" }, { "Ở", "O" }, { "Ỡ", "O" }, { "Ợ", "O" },
	{ "Ù", "U" }, { "Ú", "U" }, { "Ủ", "U" }, { "Ũ", "U" }, { "Ụ", "U" },
	{ "Ư", "U" },
	{ "Ừ", "U" }, { "Ứ", "U" }, { "Ử", "U" }, { "Ữ", "U" }, { "Ự", "U" },
	{ "Ỳ", "Y" }, { "Ý", "Y" }, { "Ỷ", "Y" }, { "Ỹ", "Y" }, { "Ỵ", "Y" },
	{ "Đ", "D" },
};

/*
 * sms.unicode=never on whole texts, NFC and hand-written NFD input
 * (\xcc\x80 grave, \xcc\x81 acute, \xcc\x82 circumflex, \xcc\x83 tilde,
 * \xcc\x86 breve, \xcc\x89 hook, \xcc\x9b horn, \xcc\xa3 dot below).
 */
static const struct {
	const char	*in;
	const char	*want;
} never[] = {
	{ "Thông báo cắt điện", "Thong bao cat dien" },
	{ "Tho\xcc\x82ng ba\xcc\x81o ca\xcc\x86\xcc\x81t \xc4\x91ie\xcc\x82\xcc\xa3n",
	    "Thong bao cat dien" },
	{ "Tho\xcc\x82ng ba\xcc\x81o ca\xcc\x86\xcc\x81t \xc4\x91ie\xcc\xa3\xcc\x82n",
	    "Thong bao cat dien" },	/* marks in the other order */
	{ "THÔNG BÁO CẮT ĐIỆN", "THONG BAO CAT DIEN" },
	{ "UBND phường Hoàn Kiếm thông báo: lịch tiêm chủng",
	    "UBND phuong Hoan Kiem thong bao: lich tiem chung" },
	{ "Hà Nội", "Ha Noi" },
	{ "Ha\xcc\x80 No\xcc\x82\xcc\xa3i", "Ha Noi" },
	{ "Đường Nguyễn Trãi, quận Thanh Xuân",
	    "Duong Nguyen Trai, quan Thanh Xuan" },
	{ "ư\xcc\x9b", "u" },			/* stray extra horn */
	{ "x\xcc\x82y\xcc\xa3", "xy" },		/* marks nothing absorbs */
	{ "\xcc\x81" "a", "a" },		/* leading combining mark */
	{ "plain ASCII, 100% ok?", "plain ASCII, 100% ok?" },
	{ "é è à ù ì ò É Ä ö ñ ü ß Ø å Ç ¿ ¡ § ¤ £ ¥ Δ Ω",
	    "e e a u i o E A o n u ß Ø a C ¿ ¡ § ¤ £ ¥ Δ Ω" },
	{ "{[~^|\\]} 5€\f", "{[~^|\\]} 5€\f" },
	{ "line 1\r\nline 2\n", "line 1\r\nline 2\n" },
	{ "‘single’ ‚low′", "'single' 'low'" },
	{ "“double” „low″", "\"double\" \"low\"" },
	{ "a–b—c‒d−e", "a-b-c-d-e" },
	{ "wait…", "wait..." },
	{ "a\xc2\xa0" "b\xe2\x80\xaf" "c\xe2\x80\x89" "d\xe3\x80\x80" "e",
	    "a b c d e" },			/* NBSP, narrow, thin, ideographic */
	{ "•\titem", "* item" },
	{ "ç Ê À Ñ", "c E A N" },
	{ "a\xe2\x80\x8b" "b\xef\xbb\xbf" "c\xc2\xad" "d", "abcd" },
	{ "`x`", "?x?" },
	{ "中文 ok", "?? ok" },
	{ "hi 😀!", "hi ?!" },
	{ "☎\xef\xb8\x8f 1022", "? 1022" },	/* with variation selector */
	{ "\x01\x1b", "??" },
	{ "Ω", "Ω" },				/* ohm sign: NFC is omega */
	{ "", "" },
};

/* Invalid UTF-8: loa_sms_prepare() must refuse every one. */
static const char *const invalid[] = {
	"\xff",
	"abc\xfe",
	"\xc3",				/* truncated */
	"caf\xc3",
	"\xe1\xbb",			/* truncated 3-byte */
	"\x80",				/* lone continuation */
	"\xc0\xaf",			/* overlong '/' */
	"\xe0\x80\xaf",
	"\xed\xa0\x80",			/* surrogate U+D800 */
	"\xed\xb8\x80",
	"\xf4\x90\x80\x80",		/* above U+10FFFF */
	"\xf8\x88\x80\x80\x80",
	"Th\xf4ng b\xe1o",		/* Latin-1, not UTF-8 */
};

/* Text a x na, then b, then c x nc; its counts in encoding enc. */
static const struct {
	const char		*name;
	const char		*a;
	int			 na;
	const char		*b;
	const char		*c;
	int			 nc;
	enum loa_sms_encoding	 enc;
	int			 chars, units, segments;
} counts[] = {
	{ "empty",		"", 0, "", "", 0, LOA_ENC_GSM7, 0, 0, 0 },
	{ "empty ucs2",		"", 0, "", "", 0, LOA_ENC_UCS2, 0, 0, 0 },
	{ "gsm7 1",		"a", 1, "", "", 0, LOA_ENC_GSM7, 1, 1, 1 },
	{ "gsm7 160",		"a", 160, "", "", 0, LOA_ENC_GSM7, 160, 160, 1 },
	{ "gsm7 161",		"a", 161, "", "", 0, LOA_ENC_GSM7, 161, 161, 2 },
	{ "gsm7 306",		"a", 306, "", "", 0, LOA_ENC_GSM7, 306, 306, 2 },
	{ "gsm7 307",		"a", 307, "", "", 0, LOA_ENC_GSM7, 307, 307, 3 },
	{ "gsm7 459",		"a", 459, "", "", 0, LOA_ENC_GSM7, 459, 459, 3 },
	{ "gsm7 460",		"a", 460, "", "", 0, LOA_ENC_GSM7, 460, 460, 4 },
	{ "gsm7 basic non-ascii 160", "é", 160, "", "", 0, LOA_ENC_GSM7,
	    160, 160, 1 },
	{ "gsm7 158 + euro = 160", "a", 158, "€", "", 0, LOA_ENC_GSM7,
	    159, 160, 1 },
	{ "gsm7 159 + euro = 161", "a", 159, "€", "", 0, LOA_ENC_GSM7,
	    160, 161, 2 },
	{ "gsm7 80 braces = 160", "{", 80, "", "", 0, LOA_ENC_GSM7,
	    80, 160, 1 },
	{ "gsm7 81 braces = 162", "{", 81, "", "", 0, LOA_ENC_GSM7,
	    81, 162, 2 },
	/* parts of 153: the escape pair at septets 153-154 moves on */
	{ "gsm7 152 + euro + 151", "a", 152, "€", "a", 151, LOA_ENC_GSM7,
	    304, 305, 2 },
	{ "gsm7 152 + euro + 152", "a", 152, "€", "a", 152, LOA_ENC_GSM7,
	    305, 306, 3 },
	{ "gsm7 152 + { + 152",	"a", 152, "{", "a", 152, LOA_ENC_GSM7,
	    305, 306, 3 },
	{ "gsm7 151 + euro + 153", "a", 151, "€", "a", 153, LOA_ENC_GSM7,
	    305, 306, 2 },
	{ "gsm7 153 + euro + 151", "a", 153, "€", "a", 151, LOA_ENC_GSM7,
	    305, 306, 2 },
	{ "gsm7 153 braces = 306", "{", 153, "", "", 0, LOA_ENC_GSM7,
	    153, 306, 3 },
	{ "gsm7 non-GSM char counts 1", "ă", 10, "", "", 0, LOA_ENC_GSM7,
	    10, 10, 1 },
	{ "ucs2 70",		"ắ", 70, "", "", 0, LOA_ENC_UCS2, 70, 70, 1 },
	{ "ucs2 71",		"ắ", 71, "", "", 0, LOA_ENC_UCS2, 71, 71, 2 },
	{ "ucs2 134",		"ắ", 134, "", "", 0, LOA_ENC_UCS2, 134, 134, 2 },
	{ "ucs2 135",		"ắ", 135, "", "", 0, LOA_ENC_UCS2, 135, 135, 3 },
	{ "ucs2 201",		"a", 201, "", "", 0, LOA_ENC_UCS2, 201, 201, 3 },
	{ "ucs2 202",		"a", 202, "", "", 0, LOA_ENC_UCS2, 202, 202, 4 },
	{ "ucs2 68 + emoji = 70", "ắ", 68, "😀", "", 0, LOA_ENC_UCS2,
	    69, 70, 1 },
	{ "ucs2 69 + emoji = 71", "ắ", 69, "😀", "", 0, LOA_ENC_UCS2,
	    70, 71, 2 },
	{ "ucs2 35 emoji = 70",	"😀", 35, "", "", 0, LOA_ENC_UCS2, 35, 70, 1 },
	{ "ucs2 36 emoji = 72",	"😀", 36, "", "", 0, LOA_ENC_UCS2, 36, 72, 2 },
	/* parts of 67: the surrogate pair at units 67-68 moves on */
	{ "ucs2 66 + emoji + 65", "ắ", 66, "😀", "ắ", 65, LOA_ENC_UCS2,
	    132, 133, 2 },
	{ "ucs2 66 + emoji + 66", "ắ", 66, "😀", "ắ", 66, LOA_ENC_UCS2,
	    133, 134, 3 },
	{ "ucs2 65 + emoji + 67", "ắ", 65, "😀", "ắ", 67, LOA_ENC_UCS2,
	    133, 134, 2 },
	{ "ucs2 67 + emoji + 65", "ắ", 67, "😀", "ắ", 65, LOA_ENC_UCS2,
	    133, 134, 2 },
	{ "ucs2 67 emoji = 134", "😀", 67, "", "", 0, LOA_ENC_UCS2,
	    67, 134, 3 },
	{ "ucs2 euro is 1 unit", "€", 70, "", "", 0, LOA_ENC_UCS2, 70, 70, 1 },
};

/* Append n copies of s to buf (size sz), which stays NUL-terminated. */
static void
repeat(char *buf, size_t sz, const char *s, int n)
{
	size_t	len = strlen(buf), sl = strlen(s);

	for (; n > 0 && len + sl < sz; n--, len += sl)
		memcpy(buf + len, s, sl + 1);
}

/* Printable copy of s in buf (size sz): control bytes as \xNN. */
static const char *
esc(const char *s, char *buf, size_t sz)
{
	size_t	len = 0;

	for (; *s != '\0' && len + 5 < sz; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			len += snprintf(buf + len, sz - len, "\\x%02x",
			    (unsigned char)*s);
		else
			buf[len++] = *s;
	}
	buf[len] = '\0';
	return buf;
}

/* Malloc'd NFD form of s; the test aborts on failure. */
static char *
nfd(const char *s)
{
	uint8_t	*r;
	char	*t;
	size_t	 len;

	r = u8_normalize(UNINORM_NFD, (const uint8_t *)s, strlen(s), NULL,
	    &len);
	if (r == NULL || (t = malloc(len + 1)) == NULL)
		abort();
	memcpy(t, r, len);
	t[len] = '\0';
	free(r);
	return t;
}

/* Check one prepared text against its expected form, encoding and size. */
static void
check_prepare(const char *in, enum loa_sms_unicode mode, const char *want,
    enum loa_sms_encoding enc, int chars, const char *what)
{
	struct loa_sms_info	 info;
	char			*out;

	memset(&info, 0x55, sizeof(info));
	out = loa_sms_prepare(in, mode, &info);
	is_str(out, want, "%s: text", what);
	is_int(info.encoding, enc, "%s: %s", what, loa_sms_encoding_name(enc));
	is_int(info.chars, chars, "%s: %d chars", what, chars);
	free(out);
}

static void
test_names(void)
{
	static const struct {
		const char		*s;
		int			 rc;
		enum loa_sms_unicode	 mode;
	} parse[] = {
		{ "never",	0,  LOA_UNICODE_NEVER },
		{ "always",	0,  LOA_UNICODE_ALWAYS },
		{ "auto",	0,  LOA_UNICODE_AUTO },
		{ "",		-1, 0 },
		{ "Never",	-1, 0 },
		{ "AUTO",	-1, 0 },
		{ " auto",	-1, 0 },
		{ "auto ",	-1, 0 },
		{ "yes",	-1, 0 },
		{ "ucs2",	-1, 0 },
		{ "alwaysx",	-1, 0 },
	};
	enum loa_sms_unicode	mode;
	size_t			i;

	for (i = 0; i < nitems(parse); i++) {
		mode = (enum loa_sms_unicode)42;
		is_int(loa_sms_unicode_parse(parse[i].s, &mode), parse[i].rc,
		    "parse \"%s\"", parse[i].s);
		is_int(mode, parse[i].rc == 0 ? (int)parse[i].mode : 42,
		    "parse \"%s\" sets mode only on success", parse[i].s);
	}
	is_int(loa_sms_unicode_parse(NULL, &mode), -1, "parse NULL");
	is_str(loa_sms_encoding_name(LOA_ENC_GSM7), "gsm7", "gsm7 name");
	is_str(loa_sms_encoding_name(LOA_ENC_UCS2), "ucs2", "ucs2 name");
	is_str(loa_sms_encoding_name((enum loa_sms_encoding)7), "unknown",
	    "unknown encoding name");
}

static void
test_gsm7_tables(void)
{
	struct loa_sms_info	 info;
	const uint8_t		*p;
	char			 one[8], show[64];
	ucs4_t			 c;
	size_t			 i;
	int			 n, bad;

	ok(loa_sms_is_gsm7(gsm7_basic_doc), "basic table is GSM-7");
	loa_sms_count(gsm7_basic_doc, LOA_ENC_GSM7, &info);
	is_int(info.chars, 127, "basic table has 127 characters");
	is_int(info.units, 127, "basic table: one septet each");

	ok(loa_sms_is_gsm7(gsm7_ext_doc), "extension table is GSM-7");
	loa_sms_count(gsm7_ext_doc, LOA_ENC_GSM7, &info);
	is_int(info.chars, 10, "extension table has 10 characters");
	is_int(info.units, 20, "extension table: two septets each");

	/* one by one, so a single missing character shows */
	bad = 0;
	for (p = (const uint8_t *)gsm7_basic_doc; *p; p += n) {
		n = u8_strmbtouc(&c, p);
		memcpy(one, p, n);
		one[n] = '\0';
		loa_sms_count(one, LOA_ENC_GSM7, &info);
		if (!loa_sms_is_gsm7(one) || info.units != 1) {
			bad++;
			printf("# basic U+%04X not 1 septet\n", (unsigned)c);
		}
	}
	is_int(bad, 0, "every basic character is 1 septet");
	bad = 0;
	for (p = (const uint8_t *)gsm7_ext_doc; *p; p += n) {
		n = u8_strmbtouc(&c, p);
		memcpy(one, p, n);
		one[n] = '\0';
		loa_sms_count(one, LOA_ENC_GSM7, &info);
		if (!loa_sms_is_gsm7(one) || info.units != 2) {
			bad++;
			printf("# extension U+%04X not 2 septets\n",
			    (unsigned)c);
		}
	}
	is_int(bad, 0, "every extension character is 2 septets");

	for (i = 0; i < nitems(not_gsm7); i++)
		ok(!loa_sms_is_gsm7(not_gsm7[i]), "\"%s\" is not GSM-7",
		    esc(not_gsm7[i], show, sizeof(show)));
	ok(loa_sms_is_gsm7(""), "empty text is GSM-7");
	ok(!loa_sms_is_gsm7(NULL), "NULL is not GSM-7");
	for (i = 0; i < nitems(invalid); i++)
		ok(!loa_sms_is_gsm7(invalid[i]), "invalid UTF-8 %zu is not "
		    "GSM-7", i);
}

static void
test_vietnamese(void)
{
	char	*d, what[32];
	size_t	 i;
	int	 kept;

	for (i = 0; i < nitems(vietnamese); i++) {
		/* à è é ì ò ù É are GSM-7: auto keeps them in GSM-7 */
		kept = loa_sms_is_gsm7(vietnamese[i].letter);
		check_prepare(vietnamese[i].letter, LOA_UNICODE_NEVER,
		    vietnamese[i].want, LOA_ENC_GSM7, 1, vietnamese[i].letter);

		d = nfd(vietnamese[i].letter);
		/* only đ and Đ have no decomposition */
		if (strcmp(vietnamese[i].want, "d") == 0 ||
		    strcmp(vietnamese[i].want, "D") == 0)
			is_str(d, vietnamese[i].letter, "%s has no NFD",
			    vietnamese[i].letter);
		else
			ok(strcmp(d, vietnamese[i].letter) != 0,
			    "%s NFD differs from NFC", vietnamese[i].letter);
		snprintf(what, sizeof(what), "%s NFD", vietnamese[i].letter);
		check_prepare(d, LOA_UNICODE_NEVER, vietnamese[i].want,
		    LOA_ENC_GSM7, 1, what);

		/* auto keeps the letter, NFC, and picks the encoding */
		snprintf(what, sizeof(what), "%s NFD auto",
		    vietnamese[i].letter);
		check_prepare(d, LOA_UNICODE_AUTO, vietnamese[i].letter,
		    kept ? LOA_ENC_GSM7 : LOA_ENC_UCS2, 1, what);
		free(d);
	}
}

static void
test_never(void)
{
	struct loa_sms_info	 info;
	char			*out, *d, show[256];
	size_t			 i;

	for (i = 0; i < nitems(never); i++) {
		out = loa_sms_prepare(never[i].in, LOA_UNICODE_NEVER, &info);
		is_str(out, never[i].want, "never \"%s\"",
		    esc(never[i].in, show, sizeof(show)));
		is_int(info.encoding, LOA_ENC_GSM7, "never is gsm7");
		ok(out && loa_sms_is_gsm7(out), "never gives GSM-7 only");
		if (out != NULL) {
			is_int(info.chars, u8_mbsnlen((const uint8_t *)out,
			    strlen(out)), "chars are code points of the output");
		}
		free(out);

		/* the same text decomposed gives the same result */
		d = nfd(never[i].in);
		out = loa_sms_prepare(d, LOA_UNICODE_NEVER, NULL);
		is_str(out, never[i].want, "never, NFD input %zu", i);
		free(out);
		free(d);
	}

	check_prepare("Thông báo cắt điện", LOA_UNICODE_NEVER,
	    "Thong bao cat dien", LOA_ENC_GSM7, 18, "sentence");
	out = loa_sms_prepare("Thông báo cắt điện", LOA_UNICODE_NEVER, &info);
	is_int(info.units, 18, "sentence: 18 septets");
	is_int(info.segments, 1, "sentence: 1 segment");
	free(out);
	out = loa_sms_prepare("", LOA_UNICODE_NEVER, &info);
	is_str(out, "", "never, empty text");
	is_int(info.segments, 0, "empty text: 0 segments");
	free(out);
	check_prepare("…", LOA_UNICODE_NEVER, "...", LOA_ENC_GSM7, 3,
	    "ellipsis counts 3 chars after mapping");
}

static void
test_auto_always(void)
{
	struct loa_sms_info	 info;
	char			*out;

	check_prepare("Mat dien 8h-17h ngay 28/11", LOA_UNICODE_AUTO,
	    "Mat dien 8h-17h ngay 28/11", LOA_ENC_GSM7, 26, "auto ASCII");
	check_prepare("Cà phê", LOA_UNICODE_AUTO, "Cà phê", LOA_ENC_UCS2, 6,
	    "auto Vietnamese");
	check_prepare("Thông báo cắt điện", LOA_UNICODE_AUTO,
	    "Thông báo cắt điện", LOA_ENC_UCS2, 18, "auto sentence");
	check_prepare("Tho\xcc\x82ng ba\xcc\x81o", LOA_UNICODE_AUTO,
	    "Thông báo", LOA_ENC_UCS2, 9, "auto NFD becomes NFC");
	check_prepare("Cafe\xcc\x81 Hà", LOA_UNICODE_AUTO, "Café Hà",
	    LOA_ENC_GSM7, 7, "auto, GSM-7 accents after NFC");
	check_prepare("5€ {x}", LOA_UNICODE_AUTO, "5€ {x}", LOA_ENC_GSM7, 6,
	    "auto, extension characters stay GSM-7");
	check_prepare("“quoted”", LOA_UNICODE_AUTO, "“quoted”", LOA_ENC_UCS2,
	    8, "auto keeps curly quotes, UCS-2");
	check_prepare("hi 😀", LOA_UNICODE_AUTO, "hi 😀", LOA_ENC_UCS2, 4,
	    "auto emoji");
	check_prepare("plain", (enum loa_sms_unicode)9, "plain", LOA_ENC_GSM7,
	    5, "unknown mode acts as auto");

	check_prepare("Mat dien", LOA_UNICODE_ALWAYS, "Mat dien",
	    LOA_ENC_UCS2, 8, "always forces UCS-2 on ASCII");
	check_prepare("Tho\xcc\x82ng ba\xcc\x81o", LOA_UNICODE_ALWAYS,
	    "Thông báo", LOA_ENC_UCS2, 9, "always, NFD becomes NFC");
	check_prepare("", LOA_UNICODE_ALWAYS, "", LOA_ENC_UCS2, 0,
	    "always, empty");

	out = loa_sms_prepare("Mat dien", LOA_UNICODE_ALWAYS, &info);
	is_int(info.units, 8, "always: 8 UTF-16 units");
	is_int(info.segments, 1, "always: 1 segment");
	free(out);
	out = loa_sms_prepare("", LOA_UNICODE_AUTO, &info);
	is_int(info.segments, 0, "auto, empty: 0 segments");
	free(out);
	out = loa_sms_prepare("x", LOA_UNICODE_AUTO, NULL);
	is_str(out, "x", "info may be NULL");
	free(out);
}

static void
test_counts(void)
{
	static const enum loa_sms_unicode modes[] = { LOA_UNICODE_NEVER,
	    LOA_UNICODE_ALWAYS, LOA_UNICODE_AUTO };
	struct loa_sms_info	 info;
	char			 text[2048], *out;
	size_t			 i;

	for (i = 0; i < nitems(counts); i++) {
		text[0] = '\0';
		repeat(text, sizeof(text), counts[i].a, counts[i].na);
		repeat(text, sizeof(text), counts[i].b, 1);
		repeat(text, sizeof(text), counts[i].c, counts[i].nc);
		memset(&info, 0x55, sizeof(info));
		loa_sms_count(text, counts[i].enc, &info);
		is_int(info.encoding, counts[i].enc, "%s: encoding",
		    counts[i].name);
		is_int(info.chars, counts[i].chars, "%s: chars",
		    counts[i].name);
		is_int(info.units, counts[i].units, "%s: units",
		    counts[i].name);
		is_int(info.segments, counts[i].segments, "%s: segments",
		    counts[i].name);
	}

	/* the same boundaries through loa_sms_prepare(AUTO) */
	text[0] = '\0';
	repeat(text, sizeof(text), "a", 152);
	repeat(text, sizeof(text), "€", 1);
	repeat(text, sizeof(text), "a", 152);
	out = loa_sms_prepare(text, LOA_UNICODE_AUTO, &info);
	is_int(info.encoding, LOA_ENC_GSM7, "auto, escape at 153: gsm7");
	is_int(info.segments, 3, "auto, escape at 153: 3 segments");
	free(out);
	text[0] = '\0';
	repeat(text, sizeof(text), "ắ", 66);
	repeat(text, sizeof(text), "😀", 1);
	repeat(text, sizeof(text), "ắ", 66);
	out = loa_sms_prepare(text, LOA_UNICODE_AUTO, &info);
	is_int(info.encoding, LOA_ENC_UCS2, "auto, emoji at 67: ucs2");
	is_int(info.units, 134, "auto, emoji at 67: 134 units");
	is_int(info.segments, 3, "auto, emoji at 67: 3 segments");
	free(out);
	out = loa_sms_prepare(text, LOA_UNICODE_NEVER, &info);
	is_int(info.encoding, LOA_ENC_GSM7, "never, same text: gsm7");
	is_int(info.chars, 133, "never, same text: 133 chars");
	is_int(info.segments, 1, "never, same text: 1 segment");
	free(out);
	text[0] = '\0';
	repeat(text, sizeof(text), "a", 160);
	for (i = 0; i < nitems(modes); i++) {
		out = loa_sms_prepare(text, modes[i], &info);
		is_int(info.segments, modes[i] == LOA_UNICODE_ALWAYS ? 3 : 1,
		    "160 x a, mode %d", (int)modes[i]);
		free(out);
	}

	loa_sms_count(NULL, LOA_ENC_GSM7, &info);
	is_int(info.segments, 0, "count NULL: 0 segments");
	loa_sms_count("x", LOA_ENC_GSM7, NULL);
	ok(1, "count with NULL info does not crash");
}

static void
test_invalid(void)
{
	static const enum loa_sms_unicode modes[] = { LOA_UNICODE_NEVER,
	    LOA_UNICODE_ALWAYS, LOA_UNICODE_AUTO };
	struct loa_sms_info	 info;
	char			*out;
	size_t			 i, m;

	for (i = 0; i < nitems(invalid); i++) {
		for (m = 0; m < nitems(modes); m++) {
			memset(&info, 0x55, sizeof(info));
			out = loa_sms_prepare(invalid[i], modes[m], &info);
			ok(out == NULL, "invalid UTF-8 %zu, mode %d: NULL", i,
			    (int)modes[m]);
			ok(info.chars == 0 && info.units == 0 &&
			    info.segments == 0, "invalid: info zeroed");
			free(out);
		}
	}
	ok(loa_sms_prepare(NULL, LOA_UNICODE_AUTO, &info) == NULL,
	    "NULL text: NULL");
}

int
main(void)
{
	test_names();
	test_gsm7_tables();
	test_vietnamese();
	test_never();
	test_auto_always();
	test_counts();
	test_invalid();
	return tap_done();
}
