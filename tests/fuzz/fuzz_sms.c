/*
 * fuzz_sms.c -- SMS text (daemon/sms.c): prepare any text in each
 * unicode mode, count units and segments; and the same text written as a
 * JSON string for the delivery log (loa_json_str in util.c).
 *
 * Promises checked (text.h): invalid UTF-8 is refused, valid text never
 * is; "never" gives GSM-7 only; "auto" picks GSM-7 exactly when the text
 * is GSM-7; preparing a prepared text changes nothing; the segment count
 * fits the units (160/153 septets, 70/67 UTF-16 units, a part one unit
 * short at most where a 2-unit character did not fit); a UTF-8 text
 * written by loa_json_str() reads back, with Jansson, as itself.
 */
#include <jansson.h>
#include <unistr.h>

#include "loa.h"
#include "fuzz.h"

static void
check_segments(const struct loa_sms_info *in)
{
	int	single = in->encoding == LOA_ENC_UCS2 ? 70 : 160;
	int	part = single == 70 ? 67 : 153;

	FZ_ASSERT(in->units >= in->chars && in->units <= 2 * in->chars);
	if (in->units == 0)
		FZ_ASSERT(in->segments == 0);
	else if (in->units <= single)
		FZ_ASSERT(in->segments == 1);
	else
		FZ_ASSERT(in->segments >= (in->units + part - 1) / part &&
		    in->segments <= (in->units + part - 2) / (part - 1));
}

/* What the delivery log writes, read back by a JSON parser. */
static void
check_json_str(const char *s)
{
	struct loa_buf	 b;
	json_t		*v;

	loa_buf_init(&b);
	loa_json_str(&b, s);
	v = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
	FZ_ASSERT(json_is_string(v) && strcmp(json_string_value(v), s) == 0);
	json_decref(v);
	loa_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum loa_sms_unicode modes[] = {
		LOA_UNICODE_NEVER, LOA_UNICODE_ALWAYS, LOA_UNICODE_AUTO
	};
	struct loa_sms_info	 info, again;
	char			*in, *out, *out2;
	int			 m, valid;

	in = fz_cstr(data, size);
	valid = u8_check((const uint8_t *)in, strlen(in)) == NULL;
	loa_sms_count(in, LOA_ENC_GSM7, &info);
	loa_sms_count(in, LOA_ENC_UCS2, &info);
	(void)loa_sms_is_gsm7(in);
	if (valid)
		check_json_str(in);
	for (m = 0; m < 3; m++) {
		out = loa_sms_prepare(in, modes[m], &info);
		if (!valid) {
			FZ_ASSERT(out == NULL && info.segments == 0);
			continue;
		}
		FZ_ASSERT(out != NULL);
		FZ_ASSERT(u8_check((const uint8_t *)out, strlen(out)) == NULL);
		FZ_ASSERT(info.chars == (int)u8_mbsnlen((const uint8_t *)out,
		    strlen(out)));
		check_segments(&info);
		if (modes[m] == LOA_UNICODE_NEVER)
			FZ_ASSERT(info.encoding == LOA_ENC_GSM7 &&
			    loa_sms_is_gsm7(out));
		else if (modes[m] == LOA_UNICODE_ALWAYS)
			FZ_ASSERT(info.encoding == LOA_ENC_UCS2);
		else
			FZ_ASSERT((info.encoding == LOA_ENC_GSM7) ==
			    loa_sms_is_gsm7(out));
		out2 = loa_sms_prepare(out, modes[m], &again);
		FZ_ASSERT(out2 != NULL && strcmp(out, out2) == 0);
		FZ_ASSERT(memcmp(&info, &again, sizeof(info)) == 0);
		free(out2);
		free(out);
	}
	free(in);
	return 0;
}
