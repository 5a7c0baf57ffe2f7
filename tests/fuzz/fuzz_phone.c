/*
 * fuzz_phone.c -- phone numbers (daemon/phone.c) in any form.
 *
 * Promises checked (text.h): the output is always a C string, "84" and
 * 9 digits of a known carrier on success and "" on failure;
 * normalizing is idempotent and the national ("0..."), "+84 ..." and
 * "0084..." forms of a result normalize to it; masking keeps the length
 * and shows at most the first 4 and the last 3 characters.
 */
#include "loa.h"
#include "fuzz.h"

static void
same(const char *form, const char *want)
{
	char	out[LOA_PHONE_MAX];

	FZ_ASSERT(loa_phone_normalize(form, out) == 0);
	FZ_ASSERT(strcmp(out, want) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 out[LOA_PHONE_MAX], form[40], *in, *masked;
	size_t	 i, len;

	in = fz_cstr(data, size);
	memset(out, 'z', sizeof(out));
	if (loa_phone_normalize(in, out) == -1)
		FZ_ASSERT(out[0] == '\0');
	else {
		FZ_ASSERT(strlen(out) == 11 && strncmp(out, "84", 2) == 0 &&
		    strspn(out, "0123456789") == 11);
		FZ_ASSERT(loa_phone_carrier(out) != LOA_CARRIER_UNKNOWN);
		same(out, out);
		snprintf(form, sizeof(form), "0%s", out + 2);
		same(form, out);
		snprintf(form, sizeof(form), "+84 %.3s %.3s %s", out + 2,
		    out + 5, out + 8);
		same(form, out);
		snprintf(form, sizeof(form), "00%s", out);
		same(form, out);
	}
	(void)loa_carrier_name(loa_phone_carrier(in));

	len = strlen(in);
	masked = malloc(len + 1);
	FZ_ASSERT(masked != NULL);
	loa_phone_mask(in, masked, len + 1);
	FZ_ASSERT(strlen(masked) == len);
	for (i = 0; i < len; i++)
		FZ_ASSERT(masked[i] == '*' || (len > 7 && (i < 4 ||
		    i >= len - 3) && masked[i] == in[i]));
	loa_phone_mask(in, masked, len / 2 + 1);	/* too small: cut */
	FZ_ASSERT(strlen(masked) == len / 2);
	free(masked);
	free(in);
	return 0;
}
