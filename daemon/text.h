/*
 * text.h -- phone numbers and SMS text: pure functions, no I/O.
 *
 * Shared by the daemon and loactl.  Everything here is table-driven and
 * unit-tested in tests/unit/test_phone.c and tests/unit/test_sms.c.
 */
#ifndef LOA_TEXT_H
#define LOA_TEXT_H

#include <stddef.h>

/* phone.c */

/* Mobile carriers of Vietnam, detected from the number's prefix. */
enum loa_carrier {
	LOA_CARRIER_UNKNOWN = 0,
	LOA_CARRIER_VIETTEL,
	LOA_CARRIER_MOBIFONE,
	LOA_CARRIER_VINAPHONE,
	LOA_CARRIER_VIETNAMOBILE,
	LOA_CARRIER_GMOBILE,
	LOA_CARRIER_REDDI,
	LOA_CARRIER_ITEL,
};

#define LOA_PHONE_MAX 16	/* "84" + 9 digits + NUL fits with room */

/*
 * Normalize a Vietnamese mobile number written in any usual form
 * ("0912345678", "84912345678", "+84 912 345 678", "(091) 234-5678", old
 * 11-digit "01234567890") to E.164 digits without '+' ("84912345678") in
 * out.  Returns 0, or -1 when the input is not a valid mobile number (out is
 * then the empty string).
 */
int		 loa_phone_normalize(const char *in, char out[LOA_PHONE_MAX]);
/* keyword.c: what a resident's whole text asks for (README "Inbox"). */
enum loa_keyword {
	LOA_KW_NONE = 0,
	LOA_KW_OPTOUT,		/* TU CHOI, TUCHOI, HUY, STOP */
	LOA_KW_REGISTER,	/* DANG KY <phone>: phone normalized */
};
enum loa_keyword loa_keyword_parse(const char *, char phone[LOA_PHONE_MAX]);
const char	*loa_keyword_name(enum loa_keyword);	/* "optout"... "" */
/* Carrier of a normalized number ("84..."); UNKNOWN when no prefix fits. */
enum loa_carrier loa_phone_carrier(const char *e164);
/* "viettel", "mobifone", ... or "unknown". */
const char	*loa_carrier_name(enum loa_carrier);
int		 loa_carriers_parse(const char *, unsigned *, char *, size_t);
/*
 * Mask a number for logs: keep the first 4 and the last 3 characters, the
 * rest become '*' ("84912345678" -> "8491****678").  Inputs of 7 characters
 * or fewer are masked whole.  out must hold strlen(in) + 1 bytes.
 */
void		 loa_phone_mask(const char *in, char *out, size_t outsz);

/* sms.c */

enum loa_sms_unicode {		/* job / provider setting sms.unicode */
	LOA_UNICODE_NEVER = 0,	/* strip diacritics, always GSM-7 */
	LOA_UNICODE_ALWAYS,	/* always UCS-2 */
	LOA_UNICODE_AUTO,	/* UCS-2 only when a character needs it */
};

enum loa_sms_encoding {
	LOA_ENC_GSM7 = 0,
	LOA_ENC_UCS2,
};

struct loa_sms_info {
	enum loa_sms_encoding	encoding;
	int			chars;		/* Unicode code points */
	int			units;		/* septets (GSM-7) or UTF-16 units */
	int			segments;	/* 0 for an empty text */
};

/* "never" / "always" / "auto" -> 0 and *out, or -1. */
int		 loa_sms_unicode_parse(const char *s, enum loa_sms_unicode *out);
const char	*loa_sms_encoding_name(enum loa_sms_encoding);	/* gsm7/ucs2 */
/* Non-zero when s (valid UTF-8) is made of GSM-7 basic+extension chars. */
int		 loa_sms_is_gsm7(const char *utf8);
/*
 * Prepare a rendered SMS text for sending: normalize to NFC; for NEVER
 * strip Vietnamese diacritics (NFC and NFD input, đ/Đ -> d/D) and map other
 * non-GSM characters (curly quotes, dashes, ellipsis, non-breaking space...)
 * to GSM-7 equivalents or '?'; choose the encoding (AUTO: UCS-2 only when a
 * character is outside GSM-7) and count characters, units and segments
 * (GSM-7 160 / 153 per part, an escape pair never split; UCS-2 70 / 67 per
 * part in UTF-16 units, a surrogate pair never split).
 * Returns a malloc'd UTF-8 string the caller frees, or NULL when utf8 is not
 * valid UTF-8.
 */
char		*loa_sms_prepare(const char *utf8, enum loa_sms_unicode mode,
		    struct loa_sms_info *info);
/* Count units and segments of a text already prepared, in encoding enc. */
void		 loa_sms_count(const char *utf8, enum loa_sms_encoding enc,
		    struct loa_sms_info *info);

#endif
