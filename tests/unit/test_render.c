/*
 * test_render.c -- render.c: variables from every source in the right
 * order, SMS preparation per unicode mode, max_segments, Zalo data,
 * template defaults on both channels (and counted in the segments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "tap.h"

static struct loa_job *
parse(const char *src)
{
	char		 err[256] = "";
	struct loa_job	*job;

	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	if (job == NULL)
		printf("# parse: %s\n", err);
	return job;
}

/*
 * A resident hash written by something else than loactl import: bytes
 * that are not UTF-8 (found by fuzz_resident: "channels" crashed).
 */
static void
resident_bad_bytes(void)
{
	const char *const	 kv[] = { "phone", "0912000101", "name",
	    "B\xe0 Lan", "channels", "zal\x96;sms", "var:to", "T\xff" };
	const size_t		 len[] = { 5, 10, 4, 6, 8, 8, 6, 2 };
	struct loa_recipient	 rc;
	json_t			*holder = json_object();

	loa_recipient_from_hash(&rc, holder, "hk01", kv, len, 4);
	is_int(rc.channels, 0, "channels not UTF-8: none");
	ok(rc.name == NULL, "name not UTF-8: none");
	ok(rc.phone_ok && strcmp(rc.phone, "84912000101") == 0, "phone kept");
	ok(rc.vars == NULL || json_object_get(rc.vars, "to") == NULL,
	    "var not UTF-8: missing");
	json_decref(holder);
}

/*
 * "{{v|text}}": the default stands in for a missing or empty value in
 * sms.text and in every zalo.data value; the SMS is counted as sent.
 */
static void
defaults(void)
{
	struct loa_job		*job;
	struct loa_rendered	 r;

	job = parse("{\"channels\":[\"sms\",\"zalo\"],"
	    "\"sms\":{\"text\":\"Kính gửi {{name|bà con}}, "
	    "{{to_dan_pho|tổ dân phố}}{{note|}}\",\"unicode\":\"auto\"},"
	    "\"zalo\":{\"template_id\":\"9\",\"data\":{"
	    "\"ten\":\"{{name|bà con}}\",\"to\":\"{{to_dan_pho|tổ dân phố}}\","
	    "\"ghi_chu\":\"{{note|}}\"}},"
	    "\"recipients\":[{\"phone\":\"0912345678\",\"name\":\"Bà Lan\","
	    "\"vars\":{\"to_dan_pho\":\"Tổ 5\",\"note\":\" (gấp)\"}},"
	    "{\"phone\":\"0987654321\",\"vars\":{\"to_dan_pho\":\"\"}}]}");
	ok(job != NULL, "a job whose only use of to_dan_pho has a default");
	if (job == NULL)
		return;
	ok(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "values given: renders");
	is_str(r.text, "Kính gửi Bà Lan, Tổ 5 (gấp)", "values win over defaults");
	loa_rendered_clear(&r);
	ok(loa_render(job, &job->rcpt[1], LOA_CH_SMS, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "no name, empty to_dan_pho, no note: renders");
	is_str(r.text, "Kính gửi bà con, tổ dân phố",
	    "missing and empty values get their defaults");
	ok(r.missing == NULL, "nothing missing");
	is_int(r.sms.encoding, LOA_ENC_UCS2, "the default's diacritics count");
	is_int(r.sms.chars, 27, "characters of the text with its defaults");
	loa_rendered_clear(&r);
	ok(loa_render(job, &job->rcpt[1], LOA_CH_ZALO, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "zalo renders with defaults");
	is_str(r.zalo_data, "{\"ten\":\"bà con\",\"to\":\"tổ dân phố\","
	    "\"ghi_chu\":\"\"}", "every zalo.data value gets its default");
	loa_rendered_clear(&r);
	loa_job_unref(job);

	/* 70 UCS-2 units fit one segment; the default makes it 71. */
	job = parse("{\"channels\":[\"sms\"],\"sms\":{\"text\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "{{x|ố}}\",\"max_segments\":1,\"unicode\":\"always\"},"
	    "\"recipients\":[{\"phone\":\"0912345678\"}]}");
	ok(job != NULL, "a long job parses");
	if (job == NULL)
		return;
	is_int(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER,
	    NULL, NULL, &r), -1, "the default is counted in the segments");
	is_str(r.reason, "too_long", "too_long with the default");
	is_int(r.sms.segments, 2, "two segments");
	loa_rendered_clear(&r);
	loa_job_unref(job);

	/* Without a default: missing fails, an empty job var is a value. */
	job = parse("{\"channels\":[\"sms\"],\"sms\":{\"text\":"
	    "\"[{{x}}]\"},\"recipients\":[{\"phone\":\"0912345678\","
	    "\"vars\":{\"x\":\"\"}},{\"phone\":\"0912345679\"}]}");
	ok(job != NULL, "job without a default parses");
	if (job == NULL)
		return;
	ok(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "an empty value without a default renders");
	is_str(r.text, "[]", "as nothing");
	loa_rendered_clear(&r);
	is_int(loa_render(job, &job->rcpt[1], LOA_CH_SMS, LOA_UNICODE_NEVER,
	    NULL, NULL, &r), -1, "a missing value without a default fails");
	is_str(r.reason, "missing_var", "missing_var, as before");
	is_str(r.missing, "x", "naming it");
	loa_rendered_clear(&r);
	loa_job_unref(job);
}

int
main(void)
{
	struct loa_job		*job;
	struct loa_rendered	 r;

	job = parse("{\"sender\":\"UBND phường Hoàn Kiếm\","
	    "\"channels\":[\"sms\",\"zalo\"],"
	    "\"sms\":{\"text\":\"{{sender}} thông báo: {{body}} ({{name}}, "
	    "{{phone}}, {{ward}}, {{x}})\"},"
	    "\"zalo\":{\"template_id\":\"9\",\"data\":{\"ten\":\"{{name}}\","
	    "\"noi_dung\":\"{{body}}\"}},"
	    "\"vars\":{\"body\":\"Cắt điện 8h-11h\",\"x\":\"job\"},"
	    "\"recipients\":[{\"phone\":\"0912345678\",\"name\":\"Bà Lan\","
	    "\"ward\":\"00070\",\"vars\":{\"x\":\"own\"}},"
	    "{\"phone\":\"0987654321\"}]}");
	ok(job != NULL, "job parses");
	if (job == NULL)
		return tap_done();

	ok(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "sms renders");
	is_str(r.text, "UBND phuong Hoan Kiem thong bao: Cat dien 8h-11h "
	    "(Ba Lan, 0912345678, 00070, own)",
	    "never: diacritics stripped, recipient var wins over job var");
	is_int(r.sms.encoding, LOA_ENC_GSM7, "gsm7");
	is_int(r.sms.segments, 1, "one segment");
	loa_rendered_clear(&r);

	ok(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_AUTO, NULL,
	    NULL, &r) == 0, "auto renders");
	ok(strstr(r.text, "thông báo") != NULL, "auto keeps Vietnamese");
	is_int(r.sms.encoding, LOA_ENC_UCS2, "auto picks ucs2 when needed");
	loa_rendered_clear(&r);

	ok(loa_render(job, &job->rcpt[0], LOA_CH_ZALO, LOA_UNICODE_NEVER, NULL,
	    NULL, &r) == 0, "zalo renders");
	is_str(r.zalo_data, "{\"ten\":\"Bà Lan\",\"noi_dung\":\"Cắt điện 8h-11h\"}",
	    "zalo data keeps Unicode");
	loa_rendered_clear(&r);

	is_int(loa_render(job, &job->rcpt[1], LOA_CH_SMS, LOA_UNICODE_NEVER,
	    NULL, NULL, &r), -1, "recipient without name fails");
	is_str(r.reason, "missing_var", "reason missing_var");
	is_str(r.missing, "name", "names the variable");
	loa_rendered_clear(&r);
	loa_job_unref(job);

	job = parse("{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{t}}\","
	    "\"max_segments\":1,\"unicode\":\"always\"},\"vars\":{\"t\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
	    "\"recipients\":[{\"phone\":\"0912345678\"}]}");
	is_int(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER,
	    NULL, NULL, &r), -1, "71 UCS-2 units > 1 segment");
	is_str(r.reason, "too_long", "reason too_long");
	is_int(r.sms.segments, 2, "two segments counted");
	loa_rendered_clear(&r);
	loa_job_unref(job);

	job = parse("{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{ward_name}}"
	    " {{district}}\"},\"recipients\":[{\"phone\":\"0912345678\"}]}");
	ok(loa_render(job, &job->rcpt[0], LOA_CH_SMS, LOA_UNICODE_NEVER,
	    "Phường Hoàn Kiếm", "Hoàn Kiếm", &r) == 0,
	    "ward name from the directory");
	is_str(r.text, "Phuong Hoan Kiem Hoan Kiem", "ward name rendered");
	loa_rendered_clear(&r);
	loa_job_unref(job);
	resident_bad_bytes();
	defaults();
	return tap_done();
}
