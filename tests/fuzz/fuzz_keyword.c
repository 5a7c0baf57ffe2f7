/*
 * fuzz_keyword.c -- the keywords residents write back
 * (daemon/keyword.c: loa_keyword_parse) in any bytes.
 *
 * Promises checked (text.h, keyword.c): a keyword of the enum; the phone
 * NUL-terminated within LOA_PHONE_MAX, "" unless the keyword is DANG KY,
 * and then a number loa_phone_normalize() gave ("84" and 9 digits, which
 * normalizes to itself); case does not matter: the text with the case of
 * its ASCII letters swapped gives the same keyword and phone.
 */
#include <ctype.h>

#include "loa.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 phone[LOA_PHONE_MAX], again[LOA_PHONE_MAX];
	char			*text;
	enum loa_keyword	 kw;
	size_t			 i;

	text = fz_cstr(data, size);
	memset(phone, 'z', sizeof(phone));
	kw = loa_keyword_parse(text, phone);
	FZ_ASSERT(kw == LOA_KW_NONE || kw == LOA_KW_OPTOUT ||
	    kw == LOA_KW_REGISTER);
	FZ_ASSERT(memchr(phone, '\0', sizeof(phone)) != NULL);
	if (kw == LOA_KW_REGISTER) {
		FZ_ASSERT(strlen(phone) == 11 && strncmp(phone, "84", 2) == 0 &&
		    strspn(phone, "0123456789") == 11);
		FZ_ASSERT(loa_phone_normalize(phone, again) == 0 &&
		    strcmp(again, phone) == 0);
	} else
		FZ_ASSERT(phone[0] == '\0');
	FZ_ASSERT(loa_keyword_name(kw) != NULL);

	for (i = 0; i < size; i++)
		if (isupper((unsigned char)text[i]))
			text[i] = (char)tolower((unsigned char)text[i]);
		else if (islower((unsigned char)text[i]))
			text[i] = (char)toupper((unsigned char)text[i]);
	memset(again, 'z', sizeof(again));
	FZ_ASSERT(loa_keyword_parse(text, again) == kw);
	FZ_ASSERT(strcmp(again, phone) == 0);
	free(text);
	return 0;
}
