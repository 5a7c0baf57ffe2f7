/*
 * test_job.c -- job.c: every kind of invalid job is refused with a reason
 * that names the field, valid jobs parse into the right structure; a
 * template variable with a default is never undefined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "tap.h"

#define OKJOB(extra) "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"Hi {{name}}\"}," \
	"\"recipients\":[{\"phone\":\"0912345678\",\"name\":\"An\"}]" extra "}"

static const struct {
	const char	*json;
	const char	*err_has;
} bad[] = {
	{ "", "bad JSON" },
	{ "{", "bad JSON" },
	{ "[1,2]", "JSON object" },
	{ "\"str\"", "bad JSON" },
	{ "{\"id\":\"x\",\"id\":\"y\"}", "bad JSON" },		/* duplicate key */
	{ "{\"a\":\"\xff\"}", "bad JSON" },			/* bad UTF-8 */
	{ OKJOB(",\"chanels\":[]"), "unknown field \"chanels\"" },
	{ OKJOB(",\"id\":\"has space\""), "id:" },
	{ OKJOB(",\"id\":12"), "id:" },
	{ OKJOB(",\"priority\":\"high\""), "priority" },
	{ OKJOB(",\"sender\":1"), "sender" },
	{ OKJOB(",\"vars\":{\"a\":1}"), "vars.a" },
	{ OKJOB(",\"audience\":{\"wards\":[\"00070\"]}"), "either" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}", "either" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[]}",
	    "non-empty" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[3]}",
	    "recipients[0]" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{\"phon\":\"1\"}]}",
	    "recipients[0]: unknown field \"phon\"" },
	{ "{\"channels\":[\"fax\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{}]}",
	    "unknown channel" },
	{ "{\"channels\":[],\"sms\":{\"text\":\"x\"},\"recipients\":[{}]}",
	    "channels" },
	{ "{\"channels\":[\"sms\",\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{}]}",
	    "twice" },
	{ "{\"sms\":{\"text\":\"x\"},\"recipients\":[{}]}", "channels: missing" },
	{ "{\"channels\":[\"zalo\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{}]}",
	    "zalo: missing" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"\"},\"recipients\":[{}]}",
	    "sms.text" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{x\"},\"recipients\":[{}]}",
	    "sms.text" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{nobody}}\"},\"recipients\":[{}]}",
	    "{{nobody}}" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{sender}}\"},\"recipients\":[{}]}",
	    "{{sender}}" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\",\"unicode\":\"maybe\"},\"recipients\":[{}]}",
	    "sms.unicode" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\",\"max_segments\":0},\"recipients\":[{}]}",
	    "max_segments" },
	{ "{\"channels\":[\"zalo\"],\"zalo\":{\"data\":{}},\"recipients\":[{}]}",
	    "template_id" },
	{ "{\"channels\":[\"zalo\"],\"zalo\":{\"template_id\":\"1\",\"data\":{\"a\":2}},\"recipients\":[{}]}",
	    "zalo.data.a" },
	{ "{\"channels\":[\"zalo\"],\"zalo\":{\"template_id\":\"1\",\"data\":{\"a\":\"{{zz}}\"}},\"recipients\":[{}]}",
	    "zalo.data.a" },
	{ OKJOB(",\"send_at\":\"tomorrow\""), "send_at" },
	{ OKJOB(",\"expires_at\":\"2026-13-01T00:00:00Z\""), "expires_at" },
	/* Found by fuzz_job: sscanf's %d took signs and spaces, and
	 * timegm() moved dates that do not exist. */
	{ OKJOB(",\"send_at\":\"2026-02-29T07:00:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-31T07:00:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-28T-1:00:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-28T07:-5:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-28T 7:00:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"+026-11-28T07:00:00Z\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-28T07:00:00+-1:00\""), "send_at" },
	{ OKJOB(",\"send_at\":\"2026-11-28T08:00:00+07:00\",\"expires_at\":\"2026-11-28T07:00:00+07:00\""),
	    "not after send_at" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{\"phone\":5}]}",
	    "are strings" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{\"channels\":[\"pigeon\"]}]}",
	    "recipients[0].channels" },
	{ "{\"audience\":{\"wards\":[]},\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}",
	    "non-empty array" },
	{ "{\"audience\":{\"all\":false},\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}",
	    "audience.all" },
	/* Issue 12: a name that becomes part of a key may not hold ':'
	 * (vA:out wrote into job vA's outcomes, 90001:residents named a
	 * ward's resident set). */
	{ OKJOB(",\"id\":\"vA:out\""), "id: want 1 to 128" },
	{ OKJOB(",\"id\":\"vA:spec\""), "id: want 1 to 128" },
	{ OKJOB(",\"id\":\"{loa}x\""), "id: want 1 to 128" },
	{ OKJOB(",\"id\":\"thÃ´ng\""), "id: want 1 to 128" },
	{ OKJOB(",\"id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\""),
	    "id: want 1 to 128" },
	{ "{\"audience\":{\"wards\":[\"90001:residents\"]},\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}",
	    "audience.wards[0]: want a ward code" },
	{ "{\"audience\":{\"wards\":[\"00070\",\"a\\nb\"]},\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}",
	    "audience.wards[1]: want a ward code" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"},\"recipients\":[{\"ward\":\"00070:sent\"}]}",
	    "recipients[0].ward: want a ward code" },
	/* Issue 13: malformed defaults, named with the field. */
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"ab{{|x}}\"},\"recipients\":[{}]}",
	    "sms.text: empty variable name at byte 2" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{a|x\"},\"recipients\":[{}]}",
	    "sms.text: \"{{\" at byte 0 is not closed" },
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{a|{{b}}}}\"},\"recipients\":[{}]}",
	    "sms.text: default text at byte 0 holds \"{{\"" },
	{ "{\"channels\":[\"zalo\"],\"zalo\":{\"template_id\":\"1\",\"data\":{\"to\":\"{{ |x}}\"}},\"recipients\":[{}]}",
	    "zalo.data.to: empty variable name at byte 0" },
	/* A default does not cover another reference without one. */
	{ "{\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{nobody|x}} {{nobody}}\"},\"recipients\":[{}]}",
	    "sms.text: variable {{nobody}} is not defined" },
};

/* The name rule's edges: 128 bytes pass, district names are not codes. */
static void
test_names(void)
{
	char		 id[LOA_NAME_MAX + 2], src[512], err[256] = "";
	struct loa_job	*job;

	memset(id, 'a', LOA_NAME_MAX);
	id[LOA_NAME_MAX] = '\0';
	snprintf(src, sizeof(src), OKJOB(",\"id\":\"%s\""), id);
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err, sizeof(err));
	ok(job != NULL, "an id of %d bytes is taken (%s)", LOA_NAME_MAX, err);
	loa_job_unref(job);
	ok(loa_name_valid("A-z_0.9"), "letters, digits, '-', '_', '.'");
	ok(!loa_name_valid(""), "the empty name is refused");
	ok(!loa_name_valid("a:b"), "':' is refused");
	ok(!loa_name_valid("a b"), "a space is refused");
	ok(!loa_name_valid("a\nb"), "a newline is refused");
	snprintf(src, sizeof(src), "%s", "{\"audience\":{\"districts\":"
	    "[\"Quáº­n HoÃ n Kiáº¿m: c\u0169\"]},"
	    "\"channels\":[\"sms\"],\"sms\":{\"text\":\"x\"}}");
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err, sizeof(err));
	ok(job != NULL, "a district is a name, not a code (%s)", err);
	loa_job_unref(job);
}

/* max_recipients, and the count of objects made before parsing. */
static void
test_limits(void)
{
	struct loa_buf	 b;
	struct loa_job	*job;
	char		 err[256] = "";
	int		 i;

	loa_job_limits(3);
	job = loa_job_parse(OKJOB(""), strlen(OKJOB("")), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "1 of 3 recipients (%s)", err);
	loa_job_unref(job);
	loa_buf_init(&b);
	loa_buf_printf(&b, "{\"channels\":[\"sms\"],\"sms\":{\"text\":"
	    "\"x\"},\"recipients\":[{},{},{},{}]}");
	job = loa_job_parse(b.data, b.len, "1-1", 1 << 20, err, sizeof(err));
	ok(job == NULL && strstr(err, "recipients: 4, more than the limit of "
	    "3 (max_recipients)") != NULL, "4 of 3 recipients: %s", err);
	job = loa_job_parse(b.data, b.len, "1-1", SIZE_MAX, err, sizeof(err));
	ok(job != NULL, "a stored spec is read whatever the limit (%s)", err);
	loa_job_unref(job);
	/* 3 x 3 + 1024 objects and arrays at most, strings not counted. */
	loa_buf_free(&b);
	loa_buf_init(&b);
	loa_buf_printf(&b, "{\"channels\":[\"sms\"],\"sms\":{\"text\":"
	    "\"x {{a}}\"},\"vars\":{\"a\":\"{{[[[\\\"{\"},\"recipients\":[");
	for (i = 0; i < 1030; i++)
		loa_buf_printf(&b, "%s[]", i ? "," : "");
	loa_buf_printf(&b, "]}");
	ok(!loa_job_shape_ok(b.data, b.len), "1030 arrays are too many");
	job = loa_job_parse(b.data, b.len, "1-1", 1 << 20, err, sizeof(err));
	ok(job == NULL && strstr(err, "more than 1033 objects and arrays") !=
	    NULL, "refused before parsing: %s", err);
	b.len -= 2 + 7 * 3;	/* drop 7 of them, and "]}" */
	loa_buf_printf(&b, "]}");
	ok(loa_job_shape_ok(b.data, b.len), "1023 arrays and 5 more containers pass");
	loa_buf_free(&b);
	loa_job_limits(LOA_MAX_RECIPIENTS);
}

/*
 * Issue 13: a variable with a default ("{{v|text}}", "{{v|}}") is never
 * "undefined", for explicit recipients, for the directory's columns, and
 * for {{sender}} without a sender; a default longer than 256 bytes is the
 * job's error.
 */
static void
test_defaults(void)
{
	const char	*src;
	struct loa_job	*job;
	char		 err[256] = "", big[600];
	json_t		*cols;
	size_t		 n;

	src = "{\"channels\":[\"sms\",\"zalo\"],"
	    "\"sms\":{\"text\":\"{{sender|UBND}} {{nobody|bà con}}{{x|}}\"},"
	    "\"zalo\":{\"template_id\":\"1\",\"data\":{\"a\":\"{{zz|?}}\"}},"
	    "\"recipients\":[{\"phone\":\"0912345678\"}]}";
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "variables nothing defines, with defaults (%s)", err);
	loa_job_unref(job);

	src = "{\"audience\":{\"wards\":[\"00070\"]},\"channels\":[\"sms\"],"
	    "\"sms\":{\"text\":\"{{ward_name}}, {{to_dan_pho|tổ dân phố}}\"}}";
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "ward audience with a default parses (%s)", err);
	if (job != NULL) {
		cols = json_pack("[s]", "so_nha");
		is_int(loa_job_check_columns(job, cols, err, sizeof(err)), 0,
		    "a column the directory lacks, with a default: valid");
		json_decref(cols);
		is_int(loa_job_check_columns(job, NULL, err, sizeof(err)), 0,
		    "no columns at all: still valid");
	}
	loa_job_unref(job);

	n = snprintf(big, sizeof(big), "{\"channels\":[\"sms\"],\"sms\":"
	    "{\"text\":\"{{a|");
	memset(big + n, 'x', 257);
	snprintf(big + n + 257, sizeof(big) - n - 257, "}}\"},"
	    "\"recipients\":[{}]}");
	err[0] = '\0';
	job = loa_job_parse(big, strlen(big), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job == NULL && strcmp(err, "sms.text: default text at byte 0 is "
	    "too long (256 bytes at most)") == 0, "a long default: %s", err);
	loa_job_unref(job);
}

static void
test_valid(void)
{
	const char	*src = "{\"id\":\"hk-1\",\"priority\":\"urgent\","
	    "\"sender\":\"UBND\",\"channels\":[\"zalo\",\"sms\"],"
	    "\"sms\":{\"text\":\"{{sender}}: {{body}} {{extra}}\","
	    "\"unicode\":\"auto\",\"max_segments\":3},"
	    "\"zalo\":{\"template_id\":231768,\"data\":{\"ten\":\"{{name}}\"}},"
	    "\"vars\":{\"body\":\"Cắt điện\"},"
	    "\"recipients\":[{\"phone\":\"0912 345 678\",\"name\":\"An\","
	    "\"vars\":{\"extra\":\"!\"}},{\"phone\":\"+84912345678\"},"
	    "{\"phone\":\"12\",\"channels\":[\"sms\"]}],"
	    "\"send_at\":\"2026-11-28T07:00:00+07:00\","
	    "\"expires_at\":\"2026-11-28T11:00:00.5Z\"}";
	struct loa_job	*job;
	char		 err[256] = "";
	char		*dump;
	json_t		*cols;

	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "valid job parses (%s)", err);
	if (job == NULL)
		return;
	is_str(job->id, "hk-1", "own id kept over the default");
	is_int(job->prio, LOA_PRIO_URGENT, "priority");
	is_int(job->nchannels, 2, "two channels");
	is_int(job->channels[0], LOA_CH_ZALO, "zalo first");
	is_str(job->zalo_template_id, "231768", "numeric template id as text");
	is_int(job->sms_unicode, LOA_UNICODE_AUTO, "unicode auto");
	is_int(job->max_segments, 3, "max_segments");
	is_int(job->nrcpt, 3, "three recipients");
	is_str(job->rcpt[0].phone, "84912345678", "phone normalized");
	is_int(job->rcpt[1].dup_of, 0, "second recipient duplicates first");
	is_int(job->rcpt[0].dup_of, -1, "first is no duplicate");
	is_int(job->rcpt[2].phone_ok, 0, "bad phone kept, flagged");
	is_int(job->rcpt[2].channels, 1u << LOA_CH_SMS, "own channel list");
	is_int(job->send_at_ms, 1795824000000LL, "send_at in ms");
	is_int(job->expires_at_ms, 1795863600500LL, "expires_at with fraction");
	{
		long long	ms = 0;

		ok(loa_time_parse("2028-02-29t00:00:00z", &ms) == 0 &&
		    ms == 1835395200000LL, "a leap day, lower-case t and z");
		ok(loa_time_parse("2026-11-28 07:00:00.123456-01:30", &ms) ==
		    0 && ms == 1795854600123LL, "space, long fraction, -01:30");
		ok(loa_time_parse("2100-02-29T00:00:00Z", &ms) == -1,
		    "2100 is no leap year");
	}
	dump = loa_job_dump(job);
	ok(strstr(dump, "\"id\":\"hk-1\"") != NULL, "dump keeps id");
	free(dump);
	loa_job_unref(job);

	src = OKJOB("");
	job = loa_job_parse(src, strlen(src), "1700000000000-0", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "minimal job parses");
	is_str(job->id, "1700000000000-0", "default id from the entry");
	dump = loa_job_dump(job);
	ok(strstr(dump, "\"id\":\"1700000000000-0\"") != NULL,
	    "default id stored in the spec");
	free(dump);
	loa_job_unref(job);

	src = "{\"audience\":{\"wards\":[\"00070\"]},\"channels\":[\"sms\"],"
	    "\"sms\":{\"text\":\"{{ward_name}} {{col}}\"}}";
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL, "ward audience parses before the directory is known");
	is_int(job->audience, LOA_AUD_WARDS, "audience by wards");
	cols = json_pack("[s,s]", "to_dan_pho", "col");
	is_int(loa_job_check_columns(job, cols, err, sizeof(err)), 0,
	    "{{col}} is a directory column");
	json_decref(cols);
	cols = json_pack("[s]", "to_dan_pho");
	is_int(loa_job_check_columns(job, cols, err, sizeof(err)), -1,
	    "{{col}} is not a directory column");
	ok(strstr(err, "{{col}}") != NULL && strstr(err, "directory") != NULL,
	    "says which variable and where it was looked for: %s", err);
	json_decref(cols);
	is_int(loa_job_check_columns(job, NULL, err, sizeof(err)), -1,
	    "no columns at all");
	loa_job_unref(job);

	src = "{\"audience\":{\"districts\":[\"Hoàn Kiếm\"]},\"channels\":[\"sms\"],"
	    "\"sms\":{\"text\":\"{{ward_name}} {{name}}\"},\"priority\":\"bulk\"}";
	job = loa_job_parse(src, strlen(src), "1-1", 1 << 20, err,
	    sizeof(err));
	ok(job != NULL && job->audience == LOA_AUD_DISTRICTS, "districts");
	is_int(loa_job_check_columns(job, NULL, err, sizeof(err)), 0,
	    "built-in variables need no column");
	cols = json_pack("[[s,s,s]]", "00070", "Phường Hoàn Kiếm", "Hoàn Kiếm");
	loa_job_set_wards(job, cols);
	json_decref(cols);
	is_str(loa_job_ward_info(job, "00070", 1), "Phường Hoàn Kiếm",
	    "ward name");
	is_str(loa_job_ward_info(job, "00070", 2), "Hoàn Kiếm", "district");
	ok(loa_job_ward_info(job, "00004", 1) == NULL, "unknown ward");
	loa_job_unref(job);
	test_defaults();
}

/* loa_time_iso keeps the formatted second: each stamp must still be its own. */
static void
times(void)
{
	static const struct {
		long long	 ms;
		const char	*want;
	} t[] = {
		{ 1795770000123LL, "2026-11-27T16:00:00.123+07:00" },
		{ 1795770000999LL, "2026-11-27T16:00:00.999+07:00" },
		{ 1795770001000LL, "2026-11-27T16:00:01.000+07:00" },
		{ 1795769999999LL, "2026-11-27T15:59:59.999+07:00" },
		{ 0, "1970-01-01T07:00:00.000+07:00" },
		{ 253402275599999LL, "9999-12-31T23:59:59.999+07:00" },
		{ 253402275600001LL, "10000-01-01T00:00:00.001+07:00" },
		{ 1795770000123LL, "2026-11-27T16:00:00.123+07:00" },
	};
	char	buf[40], small[12];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		loa_time_iso(t[i].ms, buf, sizeof(buf));
		is_str(buf, t[i].want, "time %lld", t[i].ms);
	}
	loa_time_iso(1795770000123LL, small, sizeof(small));
	is_str(small, "2026-11-27T", "a short buffer gets the start");
}

/* The Zalo user id rule (inbox.c's key parts, loactl optout --zalo). */
static void
test_zalo_uid(void)
{
	static const char *const uid[] = { "5871234", "uid-777", "A_b-9",
	    "1" };
	static const char *const nouid[] = { "", "a b", "a:b", "{loa}", "a*",
	    "u\n1", "zalo\xc3\xa9", "1234567890123456789012345678901234567890"
	    "12345678901234567890123456" };
	char	 long64[LOA_ZALO_UID_MAX + 1];
	size_t	 i;

	for (i = 0; i < sizeof(uid) / sizeof(uid[0]); i++)
		is_int(loa_zalo_uid_valid(uid[i]), 1, "%s", uid[i]);
	for (i = 0; i < sizeof(nouid) / sizeof(nouid[0]); i++)
		is_int(loa_zalo_uid_valid(nouid[i]), 0, "not a Zalo user id");
	is_int(loa_zalo_uid_valid(NULL), 0, "NULL is no Zalo user id");
	memset(long64, '7', LOA_ZALO_UID_MAX);
	long64[LOA_ZALO_UID_MAX] = '\0';
	is_int(loa_zalo_uid_valid(long64), 1, "64 characters");
}

int
main(void)
{
	struct loa_job	*job;
	char		 err[256], *big;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		job = loa_job_parse(bad[i].json, strlen(bad[i].json), "1-1",
		    1 << 20, err, sizeof(err));
		ok(job == NULL, "bad job %zu refused", i);
		ok(strstr(err, bad[i].err_has) != NULL,
		    "bad job %zu: reason names the problem: %s", i, err);
		ok(strchr(err, '\n') == NULL, "bad job %zu: one line", i);
		loa_job_unref(job);
	}
	big = malloc(2000);
	memset(big, ' ', 1999);
	big[0] = '{';
	big[1998] = '}';
	big[1999] = '\0';
	job = loa_job_parse(big, 1999, "1-1", 1024, err, sizeof(err));
	ok(job == NULL && strstr(err, "limit") != NULL, "size limit: %s", err);
	free(big);

	ok(loa_name_valid("hk-2026-11-27-001"), "id with dashes");
	ok(loa_name_valid("1700000000000-0"), "stream id");
	ok(!loa_name_valid(""), "empty id");
	ok(!loa_name_valid("a/b"), "slash");
	test_valid();
	test_names();
	test_zalo_uid();
	test_limits();
	times();
	return tap_done();
}
