/*
 * test_phone.c -- unit tests of phone.c: normalization of every written
 * form, the 2018 11-digit conversion prefix by prefix, the carrier of every
 * prefix of shared/providers.md, refusals, carrier names and log masking.
 */

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Forms of one number, all normalizing to the same thing. */
static const struct {
	const char	*in;
	const char	*want;
} accepted[] = {
	{ "0912345678",			"84912345678" },
	{ "84912345678",		"84912345678" },
	{ "+84912345678",		"84912345678" },
	{ "+84 912 345 678",		"84912345678" },
	{ "(091) 234-5678",		"84912345678" },
	{ "0084912345678",		"84912345678" },
	{ "0084 912 345 678",		"84912345678" },
	{ "0912.345.678",		"84912345678" },
	{ "091-234-5678",		"84912345678" },
	{ "  0912 345 678  ",		"84912345678" },
	{ "\t0912345678",		"84912345678" },
	{ "+84 (0) 912 345 678",	"84912345678" },
	{ "840912345678",		"84912345678" },
	{ "(+84) 912-345-678",		"84912345678" },
	{ "+ 84 912 345 678",		"84912345678" },
	{ "0 9 1 2 3 4 5 6 7 8",	"84912345678" },
	{ "0388 123 456",		"84388123456" },
	{ "0523456789",			"84523456789" },
	{ "0987654321",			"84987654321" },
	{ "01234567890",		"84834567890" },
	{ "(0123) 456-7890",		"84834567890" },
	{ "+84 123 456 7890",		"84834567890" },
	{ "841234567890",		"84834567890" },
	{ "00841234567890",		"84834567890" },
	{ "+84 (0) 123 456 7890",	"84834567890" },
};

static const char *const rejected[] = {
	"",
	"   ",
	"+",
	"0",
	"84",
	"+84",
	"091234567",		/* one digit short */
	"09123456789",		/* one digit long */
	"8491234567",		/* 84 + 8 digits */
	"849123456789",		/* 84 + 10 digits, not an old prefix */
	"+8491234567",
	"+849123456789",
	"912345678",		/* no trunk 0 nor 84 */
	"0912345678x",
	"O912345678",		/* letter O */
	"09l2345678",		/* letter l */
	"0912 345 678 ext 1",
	"0912_345_678",
	"0912/345/678",
	"0912,345,678",
	"+0912345678",		/* '+' then not 84 */
	"+1 202 555 0123",	/* not Vietnam */
	"+44 7911 123456",
	"0044 7911 123456",
	"84+912345678",		/* '+' after digits */
	"++84912345678",
	"0912345678+",
	"02438123456",		/* Hanoi landline 024 */
	"+84 24 3812 3456",
	"02838123456",		/* Ho Chi Minh City landline 028 */
	"0812345678" "0",
	"0112345678",		/* 01x, new plan: no such prefix */
	"0212345678",
	"0412345678",
	"0612345678",
	"0012345678",
	"0802345678",		/* 080, 095, 050, 051, 053, 054, 057 */
	"0952345678",
	"0502345678",
	"0512345678",
	"0532345678",
	"0542345678",
	"0572345678",
	"01304567890",		/* 0130: never a mobile prefix */
	"01614567890",
	"01704567890",
	"01874567890",
	"01894567890",
	"01984567890",
	"01004567890",
	"841614567890",
	"0084 0084 912345678",
	"00912345678",		/* 009..: neither national nor +84 */
	"0000000000",
	"099999999999999999999999999999999999",
	"0912345678\xef\xbc\x90",	/* fullwidth zero */
	"\xd9\xa0" "912345678",		/* Arabic-Indic zero */
};

/* The 2018 conversion, all 21 old prefixes. */
static const struct {
	const char		*old;	/* national, 4 digits */
	const char		*new;	/* national, 3 digits */
	enum loa_carrier	 carrier;
} conversions[] = {
	{ "0120", "070", LOA_CARRIER_MOBIFONE },
	{ "0121", "079", LOA_CARRIER_MOBIFONE },
	{ "0122", "077", LOA_CARRIER_MOBIFONE },
	{ "0126", "076", LOA_CARRIER_MOBIFONE },
	{ "0128", "078", LOA_CARRIER_MOBIFONE },
	{ "0123", "083", LOA_CARRIER_VINAPHONE },
	{ "0124", "084", LOA_CARRIER_VINAPHONE },
	{ "0125", "085", LOA_CARRIER_VINAPHONE },
	{ "0127", "081", LOA_CARRIER_VINAPHONE },
	{ "0129", "082", LOA_CARRIER_VINAPHONE },
	{ "0162", "032", LOA_CARRIER_VIETTEL },
	{ "0163", "033", LOA_CARRIER_VIETTEL },
	{ "0164", "034", LOA_CARRIER_VIETTEL },
	{ "0165", "035", LOA_CARRIER_VIETTEL },
	{ "0166", "036", LOA_CARRIER_VIETTEL },
	{ "0167", "037", LOA_CARRIER_VIETTEL },
	{ "0168", "038", LOA_CARRIER_VIETTEL },
	{ "0169", "039", LOA_CARRIER_VIETTEL },
	{ "0186", "056", LOA_CARRIER_VIETNAMOBILE },
	{ "0188", "058", LOA_CARRIER_VIETNAMOBILE },
	{ "0199", "059", LOA_CARRIER_GMOBILE },
};

/* Every current prefix of providers.md (03x and 07x are whole blocks). */
static const struct {
	const char		*prefix;	/* national, 3 digits */
	enum loa_carrier	 carrier;
} carriers[] = {
	{ "030", LOA_CARRIER_VIETTEL },
	{ "031", LOA_CARRIER_VIETTEL },
	{ "032", LOA_CARRIER_VIETTEL },
	{ "033", LOA_CARRIER_VIETTEL },
	{ "034", LOA_CARRIER_VIETTEL },
	{ "035", LOA_CARRIER_VIETTEL },
	{ "036", LOA_CARRIER_VIETTEL },
	{ "037", LOA_CARRIER_VIETTEL },
	{ "038", LOA_CARRIER_VIETTEL },
	{ "039", LOA_CARRIER_VIETTEL },
	{ "086", LOA_CARRIER_VIETTEL },
	{ "096", LOA_CARRIER_VIETTEL },
	{ "097", LOA_CARRIER_VIETTEL },
	{ "098", LOA_CARRIER_VIETTEL },
	{ "070", LOA_CARRIER_MOBIFONE },
	{ "071", LOA_CARRIER_MOBIFONE },
	{ "072", LOA_CARRIER_MOBIFONE },
	{ "073", LOA_CARRIER_MOBIFONE },
	{ "074", LOA_CARRIER_MOBIFONE },
	{ "075", LOA_CARRIER_MOBIFONE },
	{ "076", LOA_CARRIER_MOBIFONE },
	{ "077", LOA_CARRIER_MOBIFONE },
	{ "078", LOA_CARRIER_MOBIFONE },
	{ "079", LOA_CARRIER_MOBIFONE },
	{ "089", LOA_CARRIER_MOBIFONE },
	{ "090", LOA_CARRIER_MOBIFONE },
	{ "093", LOA_CARRIER_MOBIFONE },
	{ "081", LOA_CARRIER_VINAPHONE },
	{ "082", LOA_CARRIER_VINAPHONE },
	{ "083", LOA_CARRIER_VINAPHONE },
	{ "084", LOA_CARRIER_VINAPHONE },
	{ "085", LOA_CARRIER_VINAPHONE },
	{ "088", LOA_CARRIER_VINAPHONE },
	{ "091", LOA_CARRIER_VINAPHONE },
	{ "094", LOA_CARRIER_VINAPHONE },
	{ "052", LOA_CARRIER_VIETNAMOBILE },
	{ "056", LOA_CARRIER_VIETNAMOBILE },
	{ "058", LOA_CARRIER_VIETNAMOBILE },
	{ "092", LOA_CARRIER_VIETNAMOBILE },
	{ "059", LOA_CARRIER_GMOBILE },
	{ "099", LOA_CARRIER_GMOBILE },
	{ "055", LOA_CARRIER_REDDI },
	{ "087", LOA_CARRIER_ITEL },
};

/* Three-digit national prefixes no carrier has. */
static const char *const unknown_prefixes[] = {
	"050", "051", "053", "054", "057", "080", "095",
	"000", "010", "020", "024", "028", "040", "060", "069",
};

static const struct {
	enum loa_carrier	 carrier;
	const char		*name;
} names[] = {
	{ LOA_CARRIER_UNKNOWN,		"unknown" },
	{ LOA_CARRIER_VIETTEL,		"viettel" },
	{ LOA_CARRIER_MOBIFONE,		"mobifone" },
	{ LOA_CARRIER_VINAPHONE,	"vinaphone" },
	{ LOA_CARRIER_VIETNAMOBILE,	"vietnamobile" },
	{ LOA_CARRIER_GMOBILE,		"gmobile" },
	{ LOA_CARRIER_REDDI,		"reddi" },
	{ LOA_CARRIER_ITEL,		"itel" },
	{ (enum loa_carrier)99,		"unknown" },
};

static const struct {
	const char	*e164;
	const char	*want;
} carrier_invalid[] = {
	{ "",			"unknown" },
	{ "84",			"unknown" },
	{ "0912345678",		"unknown" },	/* national, not normalized */
	{ "+84912345678",	"unknown" },
	{ "8491234567",		"unknown" },
	{ "849123456789",	"unknown" },
	{ "8491234567x",	"unknown" },
	{ "85912345678",	"unknown" },
	{ "84812345678",	"vinaphone" },	/* 081: fine */
	{ "84802345678",	"unknown" },
};

static const struct {
	const char	*in;
	const char	*want;
} masks[] = {
	{ "84912345678",	"8491****678" },
	{ "84388123456",	"8438****456" },
	{ "0912345678",		"0912***678" },
	{ "12345678",		"1234*678" },
	{ "1234567",		"*******" },
	{ "123",		"***" },
	{ "",			"" },
	{ "+84912345678",	"+849*****678" },
};

static void
test_accepted(void)
{
	char	out[LOA_PHONE_MAX];
	size_t	i;

	for (i = 0; i < nitems(accepted); i++) {
		memset(out, 'X', sizeof(out));
		is_int(loa_phone_normalize(accepted[i].in, out), 0,
		    "accept \"%s\"", accepted[i].in);
		is_str(out, accepted[i].want, "\"%s\" normalized",
		    accepted[i].in);
	}
}

static void
test_rejected(void)
{
	char	out[LOA_PHONE_MAX];
	size_t	i;

	for (i = 0; i < nitems(rejected); i++) {
		memset(out, 'X', sizeof(out));
		is_int(loa_phone_normalize(rejected[i], out), -1,
		    "reject \"%s\"", rejected[i]);
		is_str(out, "", "rejected \"%s\" leaves out empty",
		    rejected[i]);
	}
	memset(out, 'X', sizeof(out));
	is_int(loa_phone_normalize(NULL, out), -1, "reject NULL");
	is_str(out, "", "NULL leaves out empty");
}

/* Each old prefix written nationally, with 84, +84 and 0084. */
static void
test_conversions(void)
{
	static const char *const forms[] = { "%s%s", "84%s%s", "+84 %s %s",
	    "0084%s%s" };
	char	 in[64], want[LOA_PHONE_MAX], out[LOA_PHONE_MAX];
	size_t	 i, f;

	for (i = 0; i < nitems(conversions); i++) {
		snprintf(want, sizeof(want), "84%s4567890",
		    conversions[i].new + 1);
		for (f = 0; f < nitems(forms); f++) {
			/* the international forms drop the trunk '0' */
			snprintf(in, sizeof(in), forms[f],
			    conversions[i].old + (f == 0 ? 0 : 1), "4567890");
			is_int(loa_phone_normalize(in, out), 0, "accept %s", in);
			is_str(out, want, "%s -> %s", in, want);
		}
		is_int(loa_phone_carrier(want), conversions[i].carrier,
		    "%s -> %s is %s", conversions[i].old, conversions[i].new,
		    loa_carrier_name(conversions[i].carrier));
	}
}

static void
test_carriers(void)
{
	char	 in[32], want[LOA_PHONE_MAX], out[LOA_PHONE_MAX];
	size_t	 i;

	for (i = 0; i < nitems(carriers); i++) {
		snprintf(in, sizeof(in), "%s 123 4567", carriers[i].prefix);
		snprintf(want, sizeof(want), "84%s1234567",
		    carriers[i].prefix + 1);
		is_int(loa_phone_normalize(in, out), 0, "accept %s", in);
		is_str(out, want, "%s -> %s", in, want);
		is_int(loa_phone_carrier(want), carriers[i].carrier,
		    "%s is %s", carriers[i].prefix,
		    loa_carrier_name(carriers[i].carrier));
	}
	for (i = 0; i < nitems(unknown_prefixes); i++) {
		snprintf(in, sizeof(in), "%s1234567", unknown_prefixes[i]);
		is_int(loa_phone_normalize(in, out), -1, "reject %s", in);
		snprintf(in, sizeof(in), "84%s1234567",
		    unknown_prefixes[i] + 1);
		is_int(loa_phone_carrier(in), LOA_CARRIER_UNKNOWN,
		    "%s has no carrier", in);
	}
	for (i = 0; i < nitems(carrier_invalid); i++)
		is_str(loa_carrier_name(loa_phone_carrier(
		    carrier_invalid[i].e164)), carrier_invalid[i].want,
		    "carrier of \"%s\" is %s", carrier_invalid[i].e164,
		    carrier_invalid[i].want);
	is_int(loa_phone_carrier(NULL), LOA_CARRIER_UNKNOWN,
	    "carrier of NULL is unknown");
}

static void
test_names(void)
{
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		is_str(loa_carrier_name(names[i].carrier), names[i].name,
		    "carrier %d is \"%s\"", (int)names[i].carrier,
		    names[i].name);
}

static void
test_mask(void)
{
	char	out[LOA_PHONE_MAX];
	size_t	i;

	for (i = 0; i < nitems(masks); i++) {
		loa_phone_mask(masks[i].in, out, sizeof(out));
		is_str(out, masks[i].want, "mask \"%s\"", masks[i].in);
	}

	/* exactly strlen + 1 bytes is enough */
	loa_phone_mask("84912345678", out, 12);
	is_str(out, "8491****678", "mask into exactly 12 bytes");
	/* too small: truncated, still terminated, no overflow */
	memset(out, 'X', sizeof(out));
	loa_phone_mask("84912345678", out, 6);
	is_str(out, "8491*", "mask truncated to 6 bytes");
	is_int(out[6], 'X', "nothing written past outsz");
	memset(out, 'X', sizeof(out));
	loa_phone_mask("84912345678", out, 1);
	is_str(out, "", "mask into 1 byte");
	memset(out, 'X', sizeof(out));
	loa_phone_mask("84912345678", out, 0);
	is_int(out[0], 'X', "outsz 0 writes nothing");
	loa_phone_mask(NULL, out, sizeof(out));
	is_str(out, "", "mask NULL -> \"\"");
}

int
main(void)
{
	test_accepted();
	test_rejected();
	test_conversions();
	test_carriers();
	test_names();
	test_mask();
	return tap_done();
}
