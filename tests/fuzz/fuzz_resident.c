/*
 * fuzz_resident.c -- a directory resident as Redis hands it over
 * (daemon/resident.c: any fields, any bytes) rendered for a ward
 * notice on both channels (render.c, template.c, sms.c, phone.c).
 *
 * The input is the hash, one "field=value" per line (the value may hold
 * any byte but LF, NUL included).  Promises checked: a rendered SMS is
 * valid UTF-8, GSM-7 only in "never"; a rendered Zalo message is a JSON
 * object holding every parameter of the template; a failure says why.
 */
#include <jansson.h>
#include <unistr.h>

#include "loa.h"
#include "fuzz.h"

#define FZ_MAX_FIELDS	64

static const char job_json[] =
"{\"id\":\"fz\",\"sender\":\"UBND phường Hoàn Kiếm\","
"\"audience\":{\"wards\":[\"00070\"]},\"channels\":[\"zalo\",\"sms\"],"
"\"sms\":{\"text\":\"{{ward_name}} ({{district}}) báo {{name}} {{phone}} "
"{{to_dan_pho}}: {{body}} {{ward}}\"},"
"\"zalo\":{\"template_id\":\"231769\",\"data\":{\"ten\":\"{{name}}\","
"\"to\":\"{{to_dan_pho}}\",\"noi_dung\":\"{{body}} - {{sender}}\"}},"
"\"vars\":{\"body\":\"Tạm ngừng cấp nước 13h-17h.\"}}";

static struct loa_job *
the_job(void)
{
	static struct loa_job	*job;
	json_t			*w;
	char			 err[256];

	if (job != NULL)
		return job;
	job = loa_job_parse(job_json, strlen(job_json), NULL, 1 << 20, err,
	    sizeof(err));
	if (job == NULL) {
		fprintf(stderr, "fuzz_resident: %s\n", err);
		abort();
	}
	w = json_loads("[[\"00070\",\"Phường Hoàn Kiếm\",\"\"]]", 0, NULL);
	loa_job_set_wards(job, w);
	json_decref(w);
	return job;
}

static void
check_zalo(const struct loa_job *job, const char *data)
{
	json_t	*o = json_loads(data, 0, NULL);
	int	 i;

	FZ_ASSERT(json_is_object(o));
	for (i = 0; i < job->nzalo; i++)
		FZ_ASSERT(json_is_string(json_object_get(o,
		    job->zalo[i].key)));
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum loa_sms_unicode modes[] = {
		LOA_UNICODE_NEVER, LOA_UNICODE_ALWAYS, LOA_UNICODE_AUTO
	};
	struct loa_job		*job = the_job();
	struct loa_recipient	 rc;
	struct loa_rendered	 out;
	json_t			*holder;
	char			*kv[2 * FZ_MAX_FIELDS], *line, *eq;
	size_t			 len[2 * FZ_MAX_FIELDS], n = 0, i, left = size;
	const uint8_t		*p = data, *nl;
	int			 m;

	while (left > 0 && n < FZ_MAX_FIELDS) {
		nl = memchr(p, '\n', left);
		i = nl != NULL ? (size_t)(nl - p) : left;
		line = fz_cstr(p, i);
		p += i + (nl != NULL);
		left -= i + (nl != NULL);
		eq = memchr(line, '=', i);
		kv[2 * n] = fz_cstr((const uint8_t *)line, eq != NULL ?
		    (size_t)(eq - line) : i);
		kv[2 * n + 1] = eq != NULL ? fz_cstr((const uint8_t *)eq + 1,
		    i - (size_t)(eq + 1 - line)) : fz_cstr(NULL, 0);
		len[2 * n] = strlen(kv[2 * n]);
		len[2 * n + 1] = eq != NULL ? i - (size_t)(eq + 1 - line) : 0;
		free(line);
		n++;
	}
	holder = json_object();
	loa_recipient_from_hash(&rc, holder, "hk01",
	    (const char *const *)kv, len, n);
	if (rc.phone_ok)
		FZ_ASSERT(loa_phone_carrier(rc.phone) != LOA_CARRIER_UNKNOWN);

	for (m = 0; m < 3; m++) {
		if (loa_render(job, &rc, LOA_CH_SMS, modes[m],
		    loa_job_ward_info(job, rc.ward, 1),
		    loa_job_ward_info(job, rc.ward, 2), &out) == 0) {
			FZ_ASSERT(u8_check((const uint8_t *)out.text,
			    strlen(out.text)) == NULL);
			if (modes[m] == LOA_UNICODE_NEVER)
				FZ_ASSERT(loa_sms_is_gsm7(out.text));
		} else
			FZ_ASSERT(out.reason != NULL);
		loa_rendered_clear(&out);
	}
	if (loa_render(job, &rc, LOA_CH_ZALO, LOA_UNICODE_AUTO,
	    loa_job_ward_info(job, rc.ward, 1),
	    loa_job_ward_info(job, rc.ward, 2), &out) == 0)
		check_zalo(job, out.zalo_data);
	else
		FZ_ASSERT(out.reason != NULL);
	loa_rendered_clear(&out);

	json_decref(holder);
	for (i = 0; i < 2 * n; i++)
		free(kv[i]);
	return 0;
}
