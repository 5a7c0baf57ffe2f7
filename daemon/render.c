/*
 * render.c -- one message for one recipient on one channel.
 *
 * Looks variables up (recipient built-ins, the recipient's vars, the job's
 * vars, in that order), renders the channel's templates, and for SMS
 * prepares the text (NFC, diacritics, encoding, segments).  Pure: used by
 * the daemon before a send and by loactl for previews.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa.h"
#include "text.h"

struct lookup_ctx {
	const struct loa_job		*job;
	const struct loa_recipient	*rc;
	const char			*ward_name;
	const char			*district;
	char				 national[LOA_PHONE_MAX];
};

static const char *
json_str(json_t *obj, const char *key)
{
	json_t	*v;

	if (obj == NULL || (v = json_object_get(obj, key)) == NULL)
		return NULL;
	return json_string_value(v);
}

static const char *
lookup_cb(void *arg, const char *name)
{
	struct lookup_ctx	*l = arg;
	const char		*v;

	if (strcmp(name, "name") == 0 && l->rc->name != NULL)
		return l->rc->name;
	if (strcmp(name, "phone") == 0 && l->rc->phone_ok) {
		/* National form reads better in a message: 0912345678. */
		snprintf(l->national, sizeof(l->national), "0%s",
		    l->rc->phone + 2);
		return l->national;
	}
	if (strcmp(name, "ward") == 0 && l->rc->ward != NULL)
		return l->rc->ward;
	if (strcmp(name, "ward_name") == 0 && l->ward_name != NULL)
		return l->ward_name;
	if (strcmp(name, "district") == 0 && l->district != NULL)
		return l->district;
	if (strcmp(name, "sender") == 0 && l->job->sender != NULL)
		return l->job->sender;
	if ((v = json_str(l->rc->vars, name)) != NULL)
		return v;
	return json_str(l->job->vars, name);
}

/* Characters (UTF-8 lead bytes) of s. */
static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
loa_rendered_clear(struct loa_rendered *r)
{
	free(r->text);
	free(r->zalo_data);
	free(r->zalo_text);
	memset(r, 0, sizeof(*r));
}

/*
 * Render recipient rc of job for channel ch.  Returns 0, or -1 with
 * out->reason set ("missing_var" with out->missing, "too_long",
 * "bad_text").  out is cleared first; free it with loa_rendered_clear().
 */
int
loa_render(const struct loa_job *job, const struct loa_recipient *rc,
    enum loa_channel ch, enum loa_sms_unicode default_unicode,
    const char *ward_name, const char *district, struct loa_rendered *out)
{
	struct lookup_ctx	 l = { job, rc, ward_name, district, "" };
	char			*raw;
	json_t			*data;
	int			 i;

	memset(out, 0, sizeof(*out));
	out->channel = ch;
	if (ch == LOA_CH_SMS) {
		raw = loa_tmpl_render(job->sms_text, lookup_cb, &l,
		    &out->missing);
		if (raw == NULL) {
			out->reason = "missing_var";
			return -1;
		}
		out->text = loa_sms_prepare(raw, job->sms_unicode_set ?
		    job->sms_unicode : default_unicode, &out->sms);
		free(raw);
		if (out->text == NULL) {
			out->reason = "bad_text";
			return -1;
		}
		if (job->max_segments > 0 &&
		    out->sms.segments > job->max_segments) {
			out->reason = "too_long";
			return -1;
		}
		return 0;
	}
	data = json_object();
	for (i = 0; i < job->nzalo; i++) {
		raw = loa_tmpl_render(job->zalo[i].t, lookup_cb, &l,
		    &out->missing);
		if (raw == NULL) {
			json_decref(data);
			out->reason = "missing_var";
			return -1;
		}
		json_object_set_new(data, job->zalo[i].key,
		    json_string(raw));
		free(raw);
	}
	out->zalo_data = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	if (job->zalo_text != NULL) {
		out->zalo_text = loa_tmpl_render(job->zalo_text, lookup_cb, &l,
		    &out->missing);
		if (out->zalo_text == NULL) {
			out->reason = "missing_var";
			return -1;
		}
		if (utf8_chars(out->zalo_text) > LOA_ZALO_TEXT_MAX) {
			out->reason = "too_long";
			return -1;
		}
	}
	return 0;
}
