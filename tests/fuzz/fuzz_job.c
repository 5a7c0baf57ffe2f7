/*
 * fuzz_job.c -- job JSON (daemon/job.c) and what the daemon does next with
 * an accepted job: render every recipient on every channel (render.c,
 * template.c, sms.c, phone.c), store it (loa_job_dump) and read it back
 * as another daemon would.
 *
 * Promises checked besides memory safety: an accepted job's stored spec
 * parses again, to the same job, and dumps to the same text (a daemon
 * that cannot read a stored spec loses the job); a rendered "never" SMS
 * is GSM-7 only; a time loa_time_parse() takes (the input itself, as a
 * string) is an RFC 3339 date and time that exists.
 */
#include <ctype.h>

#include <jansson.h>

#include "loa.h"
#include "fuzz.h"

#define FZ_MAX_RCPT	8	/* recipients rendered per input */

static void
render_all(const struct loa_job *job)
{
	static const enum loa_sms_unicode modes[] = {
		LOA_UNICODE_NEVER, LOA_UNICODE_ALWAYS, LOA_UNICODE_AUTO
	};
	struct loa_rendered	 out;
	const struct loa_recipient *rc;
	int			 i, c, m;

	for (i = 0; i < job->nrcpt && i < FZ_MAX_RCPT; i++) {
		rc = &job->rcpt[i];
		for (c = 0; c < job->nchannels; c++)
			for (m = 0; m < 3; m++) {
				if (loa_render(job, rc, job->channels[c],
				    modes[m], loa_job_ward_info(job, rc->ward,
				    1), loa_job_ward_info(job, rc->ward, 2),
				    &out) == 0 && out.text != NULL &&
				    (job->sms_unicode_set ? job->sms_unicode :
				    modes[m]) == LOA_UNICODE_NEVER)
					FZ_ASSERT(loa_sms_is_gsm7(out.text));
				loa_rendered_clear(&out);
				if (job->channels[c] != LOA_CH_SMS)
					break;	/* the mode is SMS only */
			}
	}
}

/* Digits only at the places of "2026-11-28T07:00:00". */
static int
digits_at(const char *s, const char *shape)
{
	for (; *shape != '\0'; s++, shape++)
		if (*shape == 'D' ? !isdigit((unsigned char)*s) : *s != *shape)
			return 0;
	return 1;
}

/* What loa_time_parse() accepts must be a real date and time. */
static void
check_time(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	long long	ms;
	int		y, mo, d, leap;

	if (loa_time_parse(s, &ms) == -1)
		return;
	FZ_ASSERT(digits_at(s, "DDDD-DD-DD") && strchr("Tt ", s[10]) != NULL &&
	    digits_at(s + 11, "DD:DD:DD"));
	y = atoi(s);
	mo = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	FZ_ASSERT(mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
	    (mo != 2 || d <= 28 + leap));
	FZ_ASSERT(atoi(s + 11) <= 23 && atoi(s + 14) <= 59 &&
	    atoi(s + 17) <= 60);
	s += 19;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	FZ_ASSERT((strchr("Zz", *s) != NULL && s[1] == '\0') ||
	    (strchr("+-", *s) != NULL && digits_at(s + 1, "DD:DD") &&
	    s[6] == '\0' && atoi(s + 1) <= 23 && atoi(s + 4) <= 59));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loa_job	*job, *again;
	json_t		*wards, *columns;
	char		 err[256], *spec, *spec2, *s;

	s = fz_cstr(data, size);
	check_time(s);
	free(s);
	job = loa_job_parse((const char *)data, size, "1700000000000-0",
	    1024 * 1024, err, sizeof(err));
	if (job == NULL) {
		FZ_ASSERT(err[0] != '\0');
		return 0;
	}
	FZ_ASSERT(job->id != NULL && loa_name_valid(job->id));

	wards = json_loads("[[\"00070\",\"Phường Hoàn Kiếm\",\"\"],"
	    "[\"00004\",\"Phường Ba Đình\",\"Ba Đình\"]]", 0, NULL);
	loa_job_set_wards(job, wards);
	json_decref(wards);
	columns = json_loads("[\"to_dan_pho\",\"shelter\"]", 0, NULL);
	(void)loa_job_check_columns(job, columns, err, sizeof(err));
	json_decref(columns);
	render_all(job);

	/* Stored, then read back by another daemon (no default id). */
	spec = loa_job_dump(job);
	again = loa_job_parse(spec, strlen(spec), NULL, (size_t)-1, err,
	    sizeof(err));
	if (again == NULL) {
		fprintf(stderr, "stored spec refused: %s\n%s\n", err, spec);
		abort();
	}
	FZ_ASSERT(strcmp(again->id, job->id) == 0);
	FZ_ASSERT(again->prio == job->prio && again->nrcpt == job->nrcpt &&
	    again->audience == job->audience &&
	    again->nchannels == job->nchannels &&
	    again->chanmask == job->chanmask &&
	    again->max_segments == job->max_segments &&
	    again->send_at_ms == job->send_at_ms &&
	    again->expires_at_ms == job->expires_at_ms);
	spec2 = loa_job_dump(again);
	FZ_ASSERT(strcmp(spec, spec2) == 0);
	free(spec2);
	free(spec);
	loa_job_unref(again);
	loa_job_unref(job);
	return 0;
}
