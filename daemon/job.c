/*
 * job.c -- parsing and validating announcement jobs (SPEC "Job").
 *
 * Pure functions: a job arrives as bytes and leaves as a struct loa_job or
 * a one-line reason why it was refused.  The same code runs in the daemon
 * (before anything is sent) and in loactl (before anything is enqueued), so
 * an official sees the same error either way.
 *
 * What makes a job invalid: too large, not UTF-8, not a JSON object, an
 * unknown or mistyped field, no audience, an unknown channel, a channel
 * without its message, a template that does not parse or uses a variable
 * nothing can define and gives no default ("{{v|text}}"), bad times.
 * What does not: a recipient with a bad phone or no usable channel
 * (skipped and counted at delivery time).
 */
#include <ctype.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "loa.h"
#include "text.h"


static const char *const prio_names[] = { "urgent", "normal", "bulk" };
static const char *const chan_names[] = { "sms", "zalo" };

/* Variables defined for each resident by the directory or the recipient. */
static const char *const resident_builtins[] = {
	"name", "phone", "ward", "ward_name", "district", NULL
};

const char *
loa_priority_name(enum loa_priority p)
{
	return prio_names[p];
}

int
loa_priority_parse(const char *s, enum loa_priority *p)
{
	int	i;

	for (i = 0; i < LOA_PRIO_COUNT; i++)
		if (strcmp(s, prio_names[i]) == 0) {
			*p = i;
			return 0;
		}
	return -1;
}

const char *
loa_channel_name(enum loa_channel c)
{
	return chan_names[c];
}

int
loa_channel_parse(const char *s, enum loa_channel *c)
{
	int	i;

	for (i = 0; i < LOA_CH_COUNT; i++)
		if (strcmp(s, chan_names[i]) == 0) {
			*c = i;
			return 0;
		}
	return -1;
}

/*
 * The n digits at s as a number, or -1 when one of them is not a digit
 * (sscanf's %d would take a sign or a space there).
 */
static int
time_digits(const char *s, int n)
{
	int	v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/*
 * RFC 3339 ("2026-11-28T07:00:00+07:00", "...Z", fractions allowed) to
 * milliseconds since the epoch.  Every field is its digits, and the date
 * exists (no 31 November): timegm() would quietly move it.  Returns 0 or
 * -1.
 */
int
loa_time_parse(const char *s, long long *ms)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, oh, om, frac = 0, digits = 0;
	const char	*p;
	long long	 t;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    strchr("Tt ", s[10]) == NULL || s[13] != ':' || s[16] != ':')
		return -1;
	y = time_digits(s, 4);
	mo = time_digits(s + 5, 2);
	d = time_digits(s + 8, 2);
	h = time_digits(s + 11, 2);
	mi = time_digits(s + 14, 2);
	sec = time_digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	if (d > mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0)))
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (long long)timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			return -1;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
	    p[3] == ':' && (oh = time_digits(p + 1, 2)) >= 0 && oh < 24 &&
	    (om = time_digits(p + 4, 2)) >= 0 && om < 60) {
		long long off = (oh * 60 + om) * 60;
		t += (*p == '+') ? -off : off;
	} else
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Every value of obj is a string. */
static int
check_string_object(json_t *obj, const char *what, char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;

	if (!json_is_object(obj))
		return fail(err, errlen, "%s: want an object of strings", what);
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v))
			return fail(err, errlen, "%s.%s: want a string", what,
			    k);
	}
	return 0;
}

static int
check_fields(json_t *obj, const char *what, const char *const *allowed,
    char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;
	int		 i, found;

	json_object_foreach(obj, k, v) {
		(void)v;
		for (found = 0, i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				found = 1;
		if (!found)
			return fail(err, errlen, "%s: unknown field \"%s\"",
			    what, k);
	}
	return 0;
}

static const char *
opt_string(json_t *obj, const char *key, int *bad)
{
	json_t	*v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static int
parse_channels(json_t *arr, unsigned *mask, enum loa_channel *list, int *n,
    const char *what, char *err, size_t errlen)
{
	size_t		 i;
	json_t		*v;
	enum loa_channel c;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return fail(err, errlen, "%s: want a non-empty array like "
		    "[\"zalo\",\"sms\"]", what);
	*mask = 0;
	if (n != NULL)
		*n = 0;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) ||
		    loa_channel_parse(json_string_value(v), &c) == -1)
			return fail(err, errlen, "%s[%zu]: unknown channel "
			    "(want \"sms\" or \"zalo\")", what, i);
		if (*mask & (1u << c))
			return fail(err, errlen, "%s: \"%s\" listed twice",
			    what, chan_names[c]);
		*mask |= 1u << c;
		if (list != NULL)
			list[(*n)++] = c;
	}
	return 0;
}

static int
parse_recipient(struct loa_job *job, size_t i, json_t *r, char *err,
    size_t errlen)
{
	static const char *const fields[] = { "id", "phone", "zalo_uid",
	    "name", "ward", "vars", "channels", NULL };
	struct loa_recipient	*rc = &job->rcpt[i];
	char			 what[48];
	int			 bad = 0;
	json_t			*v;

	snprintf(what, sizeof(what), "recipients[%zu]", i);
	if (!json_is_object(r))
		return fail(err, errlen, "%s: want an object", what);
	if (check_fields(r, what, fields, err, errlen) == -1)
		return -1;
	rc->id = opt_string(r, "id", &bad);
	rc->phone_raw = opt_string(r, "phone", &bad);
	rc->zalo_uid = opt_string(r, "zalo_uid", &bad);
	rc->name = opt_string(r, "name", &bad);
	rc->ward = opt_string(r, "ward", &bad);
	if (bad)
		return fail(err, errlen, "%s: id, phone, zalo_uid, name and "
		    "ward are strings", what);
	/* A ward code names keys and counters (ward:<code>:...). */
	if (rc->ward != NULL && !loa_name_valid(rc->ward))
		return fail(err, errlen, "%s.ward: want a ward code of "
		    LOA_NAME_RULE, what);
	if (rc->id != NULL && strlen(rc->id) > LOA_NAME_MAX)
		return fail(err, errlen, "%s.id: longer than %d bytes", what,
		    LOA_NAME_MAX);
	if ((v = json_object_get(r, "vars")) != NULL) {
		snprintf(what, sizeof(what), "recipients[%zu].vars", i);
		if (check_string_object(v, what, err, errlen) == -1)
			return -1;
		rc->vars = v;
	}
	rc->channels = ~0u;
	if ((v = json_object_get(r, "channels")) != NULL) {
		snprintf(what, sizeof(what), "recipients[%zu].channels", i);
		if (parse_channels(v, &rc->channels, NULL, NULL, what, err,
		    errlen) == -1)
			return -1;
	}
	rc->phone_ok = rc->phone_raw != NULL &&
	    loa_phone_normalize(rc->phone_raw, rc->phone) == 0;
	rc->dup_of = -1;
	return 0;
}

/* Mark recipients whose phone already appeared earlier in the job. */
static void
mark_duplicates(struct loa_job *job)
{
	json_t	*seen = json_object();
	int	 i;

	for (i = 0; i < job->nrcpt; i++) {
		struct loa_recipient *rc = &job->rcpt[i];
		json_t *prev;
		if (!rc->phone_ok)
			continue;
		if ((prev = json_object_get(seen, rc->phone)) != NULL)
			rc->dup_of = (int)json_integer_value(prev);
		else
			json_object_set_new(seen, rc->phone, json_integer(i));
	}
	json_decref(seen);
}

/*
 * Can anything define variable name for this job?  columns: the extra
 * columns of the resident directory (JSON array of strings), or NULL when
 * not known yet (directory variables are then checked later).
 */
static int
var_definable(const struct loa_job *job, const char *name, json_t *columns)
{
	size_t	 k;
	int	 i;

	for (i = 0; resident_builtins[i] != NULL; i++)
		if (strcmp(name, resident_builtins[i]) == 0)
			return 1;
	if (strcmp(name, "sender") == 0)
		return job->sender != NULL;
	if (job->vars != NULL && json_object_get(job->vars, name) != NULL)
		return 1;
	if (job->audience != LOA_AUD_RECIPIENTS) {
		if (columns == NULL)
			return 1;
		for (k = 0; k < json_array_size(columns); k++)
			if (json_is_string(json_array_get(columns, k)) &&
			    strcmp(json_string_value(json_array_get(columns,
			    k)), name) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < job->nrcpt; i++)
		if (job->rcpt[i].vars != NULL &&
		    json_object_get(job->rcpt[i].vars, name) != NULL)
			return 1;
	return 0;
}

static int
check_tmpl_vars(const struct loa_job *job, const struct loa_tmpl *t,
    const char *what, json_t *columns, char *err, size_t errlen)
{
	int		 i, n = loa_tmpl_nvars(t);
	const char	*name;

	for (i = 0; i < n; i++) {
		name = loa_tmpl_var(t, i);
		/* A default stands in for whatever nothing defines. */
		if (loa_tmpl_var_default(t, i) == NULL &&
		    !var_definable(job, name, columns))
			return fail(err, errlen, "%s: variable {{%s}} is not "
			    "defined by the job, %s or Loa", what, name,
			    job->audience == LOA_AUD_RECIPIENTS ?
			    "its recipients" : "the resident directory");
	}
	return 0;
}

/* Every template of every channel of job against columns (see above). */
static int
check_all_vars(const struct loa_job *job, json_t *columns, char *err,
    size_t errlen)
{
	char	what[96];
	int	i;

	if (job->sms_text != NULL && (job->chanmask & (1u << LOA_CH_SMS)) &&
	    check_tmpl_vars(job, job->sms_text, "sms.text", columns, err,
	    errlen) == -1)
		return -1;
	if (job->zalo_text != NULL && (job->chanmask & (1u << LOA_CH_ZALO)) &&
	    check_tmpl_vars(job, job->zalo_text, "zalo.text", columns, err,
	    errlen) == -1)
		return -1;
	if (job->chanmask & (1u << LOA_CH_ZALO))
		for (i = 0; i < job->nzalo; i++) {
			snprintf(what, sizeof(what), "zalo.data.%s",
			    job->zalo[i].key);
			if (check_tmpl_vars(job, job->zalo[i].t, what, columns,
			    err, errlen) == -1)
				return -1;
		}
	return 0;
}

static struct loa_tmpl *
parse_tmpl(const char *src, const char *what, char *err, size_t errlen)
{
	char		 terr[160];
	struct loa_tmpl	*t;

	if ((t = loa_tmpl_parse(src, terr, sizeof(terr))) == NULL)
		fail(err, errlen, "%s: %s", what, terr);
	return t;
}

static int
parse_sms(struct loa_job *job, json_t *sms, char *err, size_t errlen)
{
	static const char *const fields[] = { "text", "unicode",
	    "max_segments", NULL };
	json_t	*v;

	if (!json_is_object(sms))
		return fail(err, errlen, "sms: want an object with \"text\"");
	if (check_fields(sms, "sms", fields, err, errlen) == -1)
		return -1;
	v = json_object_get(sms, "text");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(err, errlen, "sms.text: want a non-empty string");
	if ((job->sms_text = parse_tmpl(json_string_value(v), "sms.text",
	    err, errlen)) == NULL)
		return -1;
	if ((v = json_object_get(sms, "unicode")) != NULL) {
		if (!json_is_string(v) || loa_sms_unicode_parse(
		    json_string_value(v), &job->sms_unicode) == -1)
			return fail(err, errlen, "sms.unicode: want \"never\", "
			    "\"always\" or \"auto\"");
		job->sms_unicode_set = 1;
	}
	job->max_segments = 0;
	if ((v = json_object_get(sms, "max_segments")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 255)
			return fail(err, errlen, "sms.max_segments: want a "
			    "whole number from 1 to 255");
		job->max_segments = (int)json_integer_value(v);
	}
	return 0;
}

static int
parse_zalo(struct loa_job *job, json_t *z, char *err, size_t errlen)
{
	static const char *const fields[] = { "template_id", "data", "text",
	    NULL };
	json_t		*v, *data;
	const char	*k;
	char		 what[96];
	int		 i = 0;

	if (!json_is_object(z))
		return fail(err, errlen, "zalo: want an object with "
		    "\"template_id\" and \"data\" (ZNS) or \"text\" (OA)");
	if (check_fields(z, "zalo", fields, err, errlen) == -1)
		return -1;
	/* zalo.text: an OA message (zalo_oa), rendered like sms.text. */
	if ((v = json_object_get(z, "text")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(err, errlen, "zalo.text: want a non-empty "
			    "string");
		if ((job->zalo_text = parse_tmpl(json_string_value(v),
		    "zalo.text", err, errlen)) == NULL)
			return -1;
	}
	v = json_object_get(z, "template_id");
	if (v == NULL && job->zalo_text != NULL && json_object_get(z,
	    "data") == NULL)
		return 0;	/* OA only */
	if (v == NULL)
		return fail(err, errlen, "zalo: want \"template_id\" (ZNS) "
		    "or \"text\" (OA)");
	if (json_is_integer(v))
		job->zalo_template_id = xasprintf("%lld",
		    (long long)json_integer_value(v));
	else if (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) <= 64)
		job->zalo_template_id = xstrdup(json_string_value(v));
	else
		return fail(err, errlen, "zalo.template_id: want a string");
	data = json_object_get(z, "data");
	if (data == NULL)
		data = json_object();
	else
		json_incref(data);
	if (check_string_object(data, "zalo.data", err, errlen) == -1) {
		json_decref(data);
		return -1;
	}
	job->nzalo = (int)json_object_size(data);
	job->zalo = xcalloc(job->nzalo + 1, sizeof(*job->zalo));
	json_object_foreach(data, k, v) {
		snprintf(what, sizeof(what), "zalo.data.%s", k);
		job->zalo[i].key = xstrdup(k);
		job->zalo[i].t = parse_tmpl(json_string_value(v), what, err,
		    errlen);
		if (job->zalo[i++].t == NULL) {
			json_decref(data);
			return -1;
		}
	}
	json_decref(data);
	return 0;
}

static int
parse_audience(struct loa_job *job, json_t *a, char *err, size_t errlen)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_object(a) || json_object_size(a) != 1)
		return fail(err, errlen, "audience: want one of {\"wards\":"
		    "[...]}, {\"districts\":[...]}, {\"all\":true}");
	if ((v = json_object_get(a, "all")) != NULL) {
		if (!json_is_true(v))
			return fail(err, errlen, "audience.all: want true");
		job->audience = LOA_AUD_ALL;
		return 0;
	}
	if ((v = json_object_get(a, "wards")) != NULL)
		job->audience = LOA_AUD_WARDS;
	else if ((v = json_object_get(a, "districts")) != NULL)
		job->audience = LOA_AUD_DISTRICTS;
	else
		return fail(err, errlen, "audience: want one of \"wards\", "
		    "\"districts\", \"all\"");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return fail(err, errlen, "audience: want a non-empty array of "
		    "codes");
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > LOA_NAME_MAX)
			return fail(err, errlen, "audience[%zu]: want a string "
			    "of 1 to %d bytes", i, LOA_NAME_MAX);
		/* Ward codes name keys; district names are only compared. */
		if (job->audience == LOA_AUD_WARDS &&
		    !loa_name_valid(json_string_value(e)))
			return fail(err, errlen, "audience.wards[%zu]: want a "
			    "ward code of " LOA_NAME_RULE, i);
	}
	job->audience_list = v;
	return 0;
}

static int
parse_times(struct loa_job *job, json_t *root, char *err, size_t errlen)
{
	static const char *const keys[] = { "send_at", "expires_at" };
	long long	*dst[] = { &job->send_at_ms, &job->expires_at_ms };
	json_t		*v;
	int		 i;

	for (i = 0; i < 2; i++) {
		*dst[i] = 0;
		if ((v = json_object_get(root, keys[i])) == NULL ||
		    json_is_null(v))
			continue;
		if (!json_is_string(v) ||
		    loa_time_parse(json_string_value(v), dst[i]) == -1)
			return fail(err, errlen, "%s: want an RFC 3339 time "
			    "like 2026-11-28T07:00:00+07:00", keys[i]);
	}
	if (job->send_at_ms != 0 && job->expires_at_ms != 0 &&
	    job->expires_at_ms <= job->send_at_ms)
		return fail(err, errlen, "expires_at: not after send_at");
	return 0;
}

static int	job_max_rcpt = LOA_MAX_RECIPIENTS;
#define JOB_TRIM_SIZE	(256 * 1024)	/* a job this large is trimmed after */

/* max_recipients of the config: what loa_job_parse() takes. */
void
loa_job_limits(int max_recipients)
{
	job_max_rcpt = max_recipients;
}

/*
 * Count a JSON text's objects and arrays before Jansson builds them: it
 * takes ~230 bytes for each "{}", so a job of 1 MiB of empty recipients
 * cost 80 MB of tree (and 205 MB with all that follows).  A recipient
 * needs at most three (itself, its vars, its channels).
 */
int
loa_job_shape_ok(const char *buf, size_t len)
{
	size_t	limit = 3 * (size_t)job_max_rcpt + 1024, n = 0, i;
	int	instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				instr = 0;
		} else if (buf[i] == '"')
			instr = 1;
		else if ((buf[i] == '{' || buf[i] == '[') && ++n > limit)
			return 0;
	}
	return 1;
}

struct loa_job *
loa_job_parse(const char *buf, size_t len, const char *default_id,
    size_t max_size, char *err, size_t errlen)
{
	static const char *const fields[] = { "id", "priority", "sender",
	    "audience", "recipients", "channels", "sms", "zalo", "vars",
	    "send_at", "expires_at", NULL };
	struct loa_job	*job;
	json_error_t	 jerr;
	json_t		*root, *v;
	int		 bad = 0, i;
	size_t		 k;
	const char	*s;

	if (len > max_size) {
		fail(err, errlen, "job is %zu bytes, more than the limit of "
		    "%zu", len, max_size);
		return NULL;
	}
	/* A stored spec (max_size SIZE_MAX) was checked when accepted,
	 * perhaps under a larger max_recipients: it is read as it is. */
	if (max_size != SIZE_MAX && !loa_job_shape_ok(buf, len)) {
		fail(err, errlen, "job has more than %zu objects and arrays; "
		    "a job takes at most %d recipients (max_recipients)",
		    3 * (size_t)job_max_rcpt + 1024, job_max_rcpt);
		return NULL;
	}
	/* Jansson refuses invalid UTF-8 and NUL bytes in strings. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		fail(err, errlen, "bad JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	job = xcalloc(1, sizeof(*job));
	job->root = root;
	job->refs = 1;
	job->size = len;
	if (!json_is_object(root)) {
		fail(err, errlen, "a job is a JSON object");
		goto fail;
	}
	if (check_fields(root, "job", fields, err, errlen) == -1)
		goto fail;

	if ((v = json_object_get(root, "id")) != NULL) {
		if (!json_is_string(v) ||
		    !loa_name_valid(json_string_value(v))) {
			fail(err, errlen, "id: want " LOA_NAME_RULE);
			goto fail;
		}
		job->id = xstrdup(json_string_value(v));
	} else if (default_id != NULL) {
		job->id = xstrdup(default_id);
		json_object_set_new(root, "id", json_string(default_id));
	}

	job->prio = LOA_PRIO_NORMAL;
	if ((s = opt_string(root, "priority", &bad)) != NULL &&
	    loa_priority_parse(s, &job->prio) == -1)
		bad = 1;
	if (bad) {
		fail(err, errlen, "priority: want \"urgent\", \"normal\" or "
		    "\"bulk\"");
		goto fail;
	}
	job->sender = opt_string(root, "sender", &bad);
	if (bad) {
		fail(err, errlen, "sender: want a string");
		goto fail;
	}
	if ((v = json_object_get(root, "vars")) != NULL) {
		if (check_string_object(v, "vars", err, errlen) == -1)
			goto fail;
		job->vars = v;
	}

	v = json_object_get(root, "recipients");
	if ((v != NULL) == (json_object_get(root, "audience") != NULL)) {
		fail(err, errlen, "want either \"audience\" or \"recipients\"");
		goto fail;
	}
	if (v != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			fail(err, errlen, "recipients: want a non-empty array");
			goto fail;
		}
		if (max_size != SIZE_MAX &&
		    json_array_size(v) > (size_t)job_max_rcpt) {
			fail(err, errlen, "recipients: %zu, more than the "
			    "limit of %d (max_recipients); a larger audience "
			    "belongs in the directory", json_array_size(v),
			    job_max_rcpt);
			goto fail;
		}
		job->audience = LOA_AUD_RECIPIENTS;
		job->nrcpt = (int)json_array_size(v);
		job->rcpt = xcalloc(job->nrcpt, sizeof(*job->rcpt));
		for (k = 0; k < json_array_size(v); k++)
			if (parse_recipient(job, k, json_array_get(v, k), err,
			    errlen) == -1)
				goto fail;
		mark_duplicates(job);
	} else if (parse_audience(job, json_object_get(root, "audience"),
	    err, errlen) == -1)
		goto fail;

	if ((v = json_object_get(root, "channels")) == NULL) {
		fail(err, errlen, "channels: missing (e.g. [\"zalo\",\"sms\"])");
		goto fail;
	}
	if (parse_channels(v, &job->chanmask, job->channels, &job->nchannels,
	    "channels", err, errlen) == -1)
		goto fail;
	for (i = 0; i < job->nchannels; i++) {
		enum loa_channel c = job->channels[i];
		if ((v = json_object_get(root, chan_names[c])) == NULL) {
			fail(err, errlen, "%s: missing, but channels lists "
			    "\"%s\"", chan_names[c], chan_names[c]);
			goto fail;
		}
	}
	if ((v = json_object_get(root, "sms")) != NULL &&
	    parse_sms(job, v, err, errlen) == -1)
		goto fail;
	if ((v = json_object_get(root, "zalo")) != NULL &&
	    parse_zalo(job, v, err, errlen) == -1)
		goto fail;
	if (check_all_vars(job, NULL, err, errlen) == -1)
		goto fail;
	if (parse_times(job, root, err, errlen) == -1)
		goto fail;
	return job;
fail:
	loa_job_unref(job);
	return NULL;
}

/* The job as stored for the daemons: compact JSON with its id. */
char *
loa_job_dump(const struct loa_job *job)
{
	char	*s;

	if ((s = json_dumps(job->root, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	return s;
}

void
loa_job_unref(struct loa_job *job)
{
	int	i, big;

	if (job == NULL || --job->refs > 0)
		return;
	loa_tmpl_free(job->sms_text);
	for (i = 0; i < job->nzalo; i++) {
		free(job->zalo[i].key);
		loa_tmpl_free(job->zalo[i].t);
	}
	free(job->zalo);
	free(job->zalo_template_id);
	loa_tmpl_free(job->zalo_text);
	free(job->rcpt);
	free(job->id);
	json_decref(job->wards);
	json_decref(job->root);
	big = job->size >= JOB_TRIM_SIZE;
	free(job);
	/* Its tree took ~10 to 80 times its text, in small blocks malloc
	 * keeps for itself; give the pages back to the system. */
	if (big)
		malloc_trim(0);
}

/*
 * For an audience job, once the directory's extra columns are known: every
 * template variable without a default must be definable.  Returns 0, or -1
 * with err.
 */
int
loa_job_check_columns(const struct loa_job *job, json_t *columns, char *err,
    size_t errlen)
{
	return check_all_vars(job, columns != NULL ? columns : json_null(),
	    err, errlen);
}

/*
 * Attach the wards a job reaches, as the resolve script returns them
 * (JSON [[code, name, district], ...]); the job keeps its own reference.
 */
void
loa_job_set_wards(struct loa_job *job, json_t *list)
{
	json_t	*e;
	size_t	 i;

	json_decref(job->wards);
	job->wards = json_object();
	json_array_foreach(list, i, e)
		if (json_is_array(e) && json_is_string(json_array_get(e, 0)))
			json_object_set(job->wards,
			    json_string_value(json_array_get(e, 0)), e);
}

/* Name (what 1) or district (what 2) of ward code, or NULL. */
const char *
loa_job_ward_info(const struct loa_job *job, const char *code, int what)
{
	json_t	*e;

	if (job->wards == NULL || code == NULL ||
	    (e = json_object_get(job->wards, code)) == NULL)
		return NULL;
	return json_string_value(json_array_get(e, (size_t)what));
}
