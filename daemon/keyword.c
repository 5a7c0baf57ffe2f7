/*
 * keyword.c -- the keywords residents may write back (README "Inbox").
 *
 * Residents type on phones, with or without Vietnamese diacritics, in
 * any case, with stray spaces and a full stop: "Từ chối", "tu choi.",
 * "TỪ  CHỐI" all mean TU CHOI.  The text is folded before it is compared:
 * canonical decomposition (NFD, libunistring), combining marks dropped
 * (the tones and the hats of ă, â, ê, ô, ơ, ư) and invisible format
 * characters (zero-width space, BOM) dropped, đ/Đ -> d (a letter of
 * its own, not a d with a mark: NFD keeps it), upper case, every run of
 * white space one space, punctuation and spaces at both ends trimmed.
 * The whole folded text must be the keyword: a message that merely
 * contains "stop" ("đừng stop nước nữa") is not an opt-out.
 *
 *   TU CHOI, TUCHOI, HUY, STOP     -> LOA_KW_OPTOUT
 *   DANG KY <phone>, DANGKY <phone> -> LOA_KW_REGISTER, phone normalized
 *   (KI too: "đăng kí" is a spelling)  by loa_phone_normalize() (a phone
 *                                     that is not one: no keyword)
 *
 * Only the first KW_SCAN_MAX bytes are looked at: a keyword is short, and
 * a long text is a message, not a command.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "text.h"

#define KW_SCAN_MAX	256	/* bytes of a text that may be a keyword */
#define KW_FOLD_MAX	128	/* bytes of the folded text compared */

/* Fold s (n bytes of UTF-8) into out (KW_FOLD_MAX); -1 when too long. */
static int
fold(const char *s, size_t n, char *out)
{
	uint8_t		*d;
	const uint8_t	*p, *end;
	size_t		 dn = 0, o = 0;
	ucs4_t		 c;
	int		 len, space = 0;

	d = u8_normalize(UNINORM_NFD, (const uint8_t *)s, n, NULL, &dn);
	if (d == NULL)
		return -1;
	for (p = d, end = d + dn; p < end; p += len) {
		if ((len = u8_mbtoucr(&c, p, end - p)) <= 0) {
			len = 1;
			c = 0xfffd;
		}
		/* Marks, and invisible format characters (U+200B, BOM). */
		if (uc_is_general_category(c, UC_CATEGORY_M) ||
		    uc_is_general_category(c, UC_CATEGORY_Cf))
			continue;
		if (c == 0x0111 || c == 0x0110)
			c = 'd';
		if (uc_is_space(c) || c == 0xa0) {
			space = o > 0;
			continue;
		}
		c = uc_toupper(c);
		if (space) {
			if (o + 1 >= KW_FOLD_MAX)
				goto long_;
			out[o++] = ' ';
			space = 0;
		}
		if (c < 0x80) {
			if (o + 1 >= KW_FOLD_MAX)
				goto long_;
			out[o++] = (char)c;
		} else {
			/*
			 * Punctuation ("…", "！") trims like '.'; anything
			 * else is no keyword's letter: one byte no keyword
			 * has and trim() keeps.
			 */
			if (o + 1 >= KW_FOLD_MAX)
				goto long_;
			out[o++] = uc_is_general_category(c, UC_CATEGORY_P) ? '.' : '\x7f';
		}
	}
	free(d);
	out[o] = '\0';
	return 0;
 long_:
	free(d);
	return -1;
}

/* Trim ASCII punctuation and spaces at both ends, in place. */
static char *
trim(char *s)
{
	size_t	n;

	while (*s != '\0' && (ispunct((unsigned char)*s) || *s == ' '))
		s++;
	n = strlen(s);
	while (n > 0 && (ispunct((unsigned char)s[n - 1]) || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

enum loa_keyword
loa_keyword_parse(const char *text, char phone[LOA_PHONE_MAX])
{
	static const char *const optout[] = { "TU CHOI", "TUCHOI", "HUY",
	    "STOP" };
	char		 buf[KW_FOLD_MAX], *s, *rest = NULL;
	size_t		 n, i;

	phone[0] = '\0';
	if (text == NULL || (n = strlen(text)) > KW_SCAN_MAX ||
	    fold(text, n, buf) == -1)
		return LOA_KW_NONE;
	s = trim(buf);
	for (i = 0; i < sizeof(optout) / sizeof(optout[0]); i++)
		if (strcmp(s, optout[i]) == 0)
			return LOA_KW_OPTOUT;
	/* "đăng kí" is as common a spelling as "đăng ký". */
	if (strncmp(s, "DANG KY ", 8) == 0 || strncmp(s, "DANG KI ", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "DANGKY ", 7) == 0 ||
	    strncmp(s, "DANGKI ", 7) == 0)
		rest = s + 7;
	if (rest != NULL && loa_phone_normalize(rest, phone) == 0)
		return LOA_KW_REGISTER;
	phone[0] = '\0';
	return LOA_KW_NONE;
}

const char *
loa_keyword_name(enum loa_keyword k)
{
	switch (k) {
	case LOA_KW_OPTOUT:
		return "optout";
	case LOA_KW_REGISTER:
		return "register";
	default:
		return "";
	}
}
