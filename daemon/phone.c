/*
 * phone.c -- Vietnamese mobile numbers: normalize, detect the carrier, mask.
 *
 * Residents' numbers arrive from CSV imports, job files and loactl in every
 * form people write them: national ("0912 345 678", "(091) 234-5678"),
 * international ("+84 912 345 678", "0084912345678", "84912345678") and the
 * 11-digit form retired in 2018 ("01234567890").  loa_phone_normalize()
 * turns all of them into one canonical form, E.164 digits without the '+'
 * ("84912345678"), which is what the opt-out set, de-duplication and the
 * providers use.  Only mobile numbers of a known carrier are accepted: a
 * landline or a mistyped prefix cannot receive SMS or Zalo messages, so it
 * is better refused at import than failed at send time.  The prefix tables
 * below are the facts of shared/providers.md ("Vietnamese phone numbers").
 *
 * Everything here is pure: no I/O, no allocation, no global mutable state.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"

#define NSN_LEN		9	/* national significant number, new plan */
#define NSN_OLD_LEN	10	/* ... before the 2018 conversion */

/*
 * 2018 conversion of the 11-digit numbers: the old national prefix (without
 * the trunk '0') and its replacement.  "120xxxxxxx" became "70xxxxxxx".
 */
static const struct old_prefix {
	const char	*old;		/* 3 digits, after the trunk '0' */
	const char	*new;		/* 2 digits, after the trunk '0' */
} old_prefixes[] = {
	/* MobiFone */
	{ "120", "70" }, { "121", "79" }, { "122", "77" },
	{ "126", "76" }, { "128", "78" },
	/* Vinaphone */
	{ "123", "83" }, { "124", "84" }, { "125", "85" },
	{ "127", "81" }, { "129", "82" },
	/* Viettel */
	{ "162", "32" }, { "163", "33" }, { "164", "34" }, { "165", "35" },
	{ "166", "36" }, { "167", "37" }, { "168", "38" }, { "169", "39" },
	/* Vietnamobile */
	{ "186", "56" }, { "188", "58" },
	/* Gmobile */
	{ "199", "59" },
};

/*
 * Carriers by the leading digits of the national significant number (after
 * "84" or the trunk '0').  A one-digit entry stands for a whole block:
 * providers.md gives Viettel "03x" and MobiFone "07x".  No entry is a prefix
 * of another, so the first match is the only one.
 */
static const struct carrier_prefix {
	const char		*prefix;
	enum loa_carrier	 carrier;
} carrier_prefixes[] = {
	{ "3",  LOA_CARRIER_VIETTEL },
	{ "86", LOA_CARRIER_VIETTEL },
	{ "96", LOA_CARRIER_VIETTEL },
	{ "97", LOA_CARRIER_VIETTEL },
	{ "98", LOA_CARRIER_VIETTEL },
	{ "7",  LOA_CARRIER_MOBIFONE },
	{ "89", LOA_CARRIER_MOBIFONE },
	{ "90", LOA_CARRIER_MOBIFONE },
	{ "93", LOA_CARRIER_MOBIFONE },
	{ "81", LOA_CARRIER_VINAPHONE },
	{ "82", LOA_CARRIER_VINAPHONE },
	{ "83", LOA_CARRIER_VINAPHONE },
	{ "84", LOA_CARRIER_VINAPHONE },
	{ "85", LOA_CARRIER_VINAPHONE },
	{ "88", LOA_CARRIER_VINAPHONE },
	{ "91", LOA_CARRIER_VINAPHONE },
	{ "94", LOA_CARRIER_VINAPHONE },
	{ "52", LOA_CARRIER_VIETNAMOBILE },
	{ "56", LOA_CARRIER_VIETNAMOBILE },
	{ "58", LOA_CARRIER_VIETNAMOBILE },
	{ "92", LOA_CARRIER_VIETNAMOBILE },
	{ "59", LOA_CARRIER_GMOBILE },
	{ "99", LOA_CARRIER_GMOBILE },
	{ "55", LOA_CARRIER_REDDI },
	{ "87", LOA_CARRIER_ITEL },
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Carrier of a 9-digit national significant number. */
static enum loa_carrier
nsn_carrier(const char *nsn)
{
	size_t	i;

	for (i = 0; i < nitems(carrier_prefixes); i++)
		if (has_prefix(nsn, carrier_prefixes[i].prefix))
			return carrier_prefixes[i].carrier;
	return LOA_CARRIER_UNKNOWN;
}

/*
 * Collect the digits of in into digits (size dsz), skipping the separators
 * people write between groups.  A '+' is allowed once, before any digit.
 * Returns 0 and sets *plus, or -1 on any other character or when there are
 * more digits than fit (no valid number is that long).
 */
static int
collect_digits(const char *in, char *digits, size_t dsz, int *plus)
{
	size_t	n = 0;

	*plus = 0;
	for (; *in != '\0'; in++) {
		if (*in >= '0' && *in <= '9') {
			if (n + 1 >= dsz)
				return -1;
			digits[n++] = *in;
		} else if (*in == '+') {
			if (n > 0 || *plus)
				return -1;
			*plus = 1;
		} else if (strchr(" \t.-()", *in) == NULL)
			return -1;
	}
	digits[n] = '\0';
	return 0;
}

/*
 * Contract: in is a NUL-terminated string; out has LOA_PHONE_MAX bytes and
 * always ends up NUL-terminated: the canonical "84" + 9 digits on success
 * (return 0), the empty string on failure (return -1).
 *
 * Accepted, after dropping spaces, tabs, dots, dashes and parentheses:
 *   0 + NSN          national, trunk '0'
 *   +84 NSN, 0084 NSN, 84 NSN   international; also with the trunk '0'
 *                    people often leave in ("+84 (0)912 345 678")
 * where NSN is either 9 digits of a known carrier prefix, or one of the old
 * 10-digit "1xx" numbers, converted to its new prefix.  A bare 9-digit NSN
 * without '0' or '84' is refused: it cannot be told from a typing error.
 */
int
loa_phone_normalize(const char *in, char out[LOA_PHONE_MAX])
{
	char	 digits[24], nsn[NSN_LEN + 1];
	char	*s;
	size_t	 i, len;
	int	 plus, intl;

	out[0] = '\0';
	if (in == NULL || collect_digits(in, digits, sizeof(digits), &plus) == -1)
		return -1;

	s = digits;
	intl = 1;
	if (plus) {
		if (!has_prefix(s, "84"))
			return -1;
		s += 2;
	} else if (has_prefix(s, "0084"))
		s += 4;
	else if (has_prefix(s, "84"))
		s += 2;
	else if (has_prefix(s, "0")) {
		s += 1;
		intl = 0;
	} else
		return -1;
	if (intl && s[0] == '0')	/* "+84 (0)91..." */
		s++;

	len = strlen(s);
	if (len == NSN_OLD_LEN && s[0] == '1') {
		for (i = 0; i < nitems(old_prefixes); i++)
			if (strncmp(s, old_prefixes[i].old, 3) == 0)
				break;
		if (i == nitems(old_prefixes))
			return -1;
		memcpy(nsn, old_prefixes[i].new, 2);
		memcpy(nsn + 2, s + 3, NSN_LEN - 2);
	} else if (len == NSN_LEN)
		memcpy(nsn, s, NSN_LEN);
	else
		return -1;
	nsn[NSN_LEN] = '\0';

	if (strchr("35789", nsn[0]) == NULL ||
	    nsn_carrier(nsn) == LOA_CARRIER_UNKNOWN)
		return -1;

	memcpy(out, "84", 2);
	memcpy(out + 2, nsn, NSN_LEN + 1);
	return 0;
}

/* e164 must be exactly "84" and 9 digits, as loa_phone_normalize() writes. */
enum loa_carrier
loa_phone_carrier(const char *e164)
{
	if (e164 == NULL || strlen(e164) != 2 + NSN_LEN ||
	    !has_prefix(e164, "84") || !all_digits(e164))
		return LOA_CARRIER_UNKNOWN;
	return nsn_carrier(e164 + 2);
}

const char *
loa_carrier_name(enum loa_carrier c)
{
	switch (c) {
	case LOA_CARRIER_VIETTEL:
		return "viettel";
	case LOA_CARRIER_MOBIFONE:
		return "mobifone";
	case LOA_CARRIER_VINAPHONE:
		return "vinaphone";
	case LOA_CARRIER_VIETNAMOBILE:
		return "vietnamobile";
	case LOA_CARRIER_GMOBILE:
		return "gmobile";
	case LOA_CARRIER_REDDI:
		return "reddi";
	case LOA_CARRIER_ITEL:
		return "itel";
	case LOA_CARRIER_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * A `carriers` list ("viettel, vinaphone") as a mask of enum loa_carrier
 * bits; NULL or "" is 0 (every carrier).  A name that is not a carrier
 * is an error: -1, with the first such name in bad.
 */
int
loa_carriers_parse(const char *list, unsigned *mask, char *bad, size_t badsz)
{
	const char	*p = list, *e;
	size_t		 n;
	int		 c;

	*mask = 0;
	if (list == NULL)
		return 0;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		e = p + strcspn(p, ", \t");
		n = (size_t)(e - p);
		for (c = LOA_CARRIER_VIETTEL; c <= LOA_CARRIER_ITEL; c++)
			if (strlen(loa_carrier_name(c)) == n &&
			    strncasecmp(p, loa_carrier_name(c), n) == 0)
				break;
		if (c > LOA_CARRIER_ITEL) {
			snprintf(bad, badsz, "%.*s", (int)(n < 40 ? n : 40),
			    p);
			return -1;
		}
		*mask |= 1u << c;
		p = e;
	}
	return 0;
}

/*
 * Contract: out receives the masked copy of in, truncated to outsz - 1
 * characters if the caller gave less than strlen(in) + 1 bytes, and is
 * always NUL-terminated when outsz > 0.  A NULL in masks as "".  Works on
 * bytes: meant for the ASCII digits of a phone number.
 */
void
loa_phone_mask(const char *in, char *out, size_t outsz)
{
	size_t	i, len;
	int	whole;

	if (outsz == 0)
		return;
	if (in == NULL)
		in = "";
	len = strlen(in);
	whole = len <= 7;
	for (i = 0; i < len && i + 1 < outsz; i++) {
		if (whole || (i >= 4 && i < len - 3))
			out[i] = '*';
		else
			out[i] = in[i];
	}
	out[i] = '\0';
}

