/*
 * submit.c -- the directory's verdict on a job, shared by the daemon
 * (ingest.c, which rejects) and the submitters, "loactl send" and
 * POST /v1/jobs (which refuse at once, with the same words).
 *
 * The daemon asks the resolve script which wards a job reaches and
 * rejects it when an audience names a ward code or a district the
 * directory does not have, or when a template of an audience job uses a
 * variable that is neither Loa's, nor the job's, nor a column of
 * <prefix>directory:columns (loa_job_check_columns()).  Both the
 * arguments of that question (loa_resolve_args()) and the message made
 * of its answer (loa_resolve_verdict()) are here, once.  Names from the
 * job are quoted as JSON strings (loa_json_str(): controls and bidi
 * controls escaped) in the message, which is data wherever it goes.
 *
 * A submitter asks the submit script instead (loa_submit_argv()), which
 * answers the same question and two more: what the daemon holds under
 * the job's id (state, created_at and the stored spec), and, when a ward
 * code was not found, every ward's code and name so that the message can
 * say which ward was meant (loa_ward_hint()): "Hoàn Kiếm" is taken for
 * "Phường Hoàn Kiếm" (00070) when both fold to the same letters
 * (ward_fold(): no case, no diacritics, đ as d, no spaces or
 * punctuation, without a leading "Phường", "Xã" or "Thị trấn"; "P.",
 * "X." and "TT" stand for them), and "70" for 00070 (a code written
 * without its leading zeros).
 * loa_submit_reply() decides:
 *
 *   LOA_SUBMIT_OK       enqueue it (a rejected job's id may be reused:
 *                       the daemon accepts the new one in its place)
 *   LOA_SUBMIT_INVALID  the daemon would reject it: why
 *   LOA_SUBMIT_USED     the id names another job: why (state, created)
 *   LOA_SUBMIT_SAME     the id names this very job (the spec the daemon
 *                       stored, loa_job_dump(), equals this job's, byte
 *                       for byte): the documented no-op, nothing to add
 *   LOA_SUBMIT_ERROR    the reply is not the script's
 *
 * Between the check and XADD another submitter may add the same id; the
 * daemon still checks everything and keeps the first (a "duplicate").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uninorm.h>
#include <unistr.h>

#include "loa.h"

#define UNKNOWN_SHOWN	10	/* unknown names listed in a message */
#define HINTS_SHOWN	3	/* wards a hint names */

/*
 * The arguments of the resolve and submit scripts after their own: the
 * kind of audience and its names (for explicit recipients, the wards
 * they say they live in, once each).
 */
void
loa_resolve_args(struct loa_argv *av, const struct loa_job *job)
{
	json_t	*seen;
	size_t	 i;

	switch (job->audience) {
	case LOA_AUD_WARDS:
	case LOA_AUD_DISTRICTS:
		loa_argv_add(av, job->audience == LOA_AUD_WARDS ? "wards" :
		    "districts");
		for (i = 0; i < json_array_size(job->audience_list); i++)
			loa_argv_add(av, json_string_value(
			    json_array_get(job->audience_list, i)));
		break;
	case LOA_AUD_ALL:
		loa_argv_add(av, "all");
		break;
	case LOA_AUD_RECIPIENTS:
		loa_argv_add(av, "codes");
		seen = json_object();
		for (i = 0; i < (size_t)job->nrcpt; i++) {
			const char *w = job->rcpt[i].ward;
			if (w == NULL || json_object_get(seen, w) != NULL)
				continue;
			json_object_set_new(seen, w, json_true());
			loa_argv_add(av, w);
		}
		json_decref(seen);
		break;
	}
}

/*
 * s folded for comparing ward names (see the top), malloc'd, without
 * its leading kind of ward when strip; NULL when s is not UTF-8.  The
 * kinds' usual abbreviations ("P.", "X.", "TT") stand for them.
 */
static char *
ward_fold(const char *s, int strip)
{
	static const char *const kinds[] = { "phuong ", "xa ", "thi tran ",
	    NULL };
	static const char *const abbr[] = { "p ", "x ", "tt ", NULL };
	uint8_t		*d, *p, *end;
	struct loa_buf	 b;
	ucs4_t		 c;
	size_t		 n, k, skip = 0;
	char		*r, *q;
	int		 i, sep = 0;

	if ((d = u8_normalize(UNINORM_NFD, (const uint8_t *)s, strlen(s),
	    NULL, &n)) == NULL)
		return NULL;
	/* Lower-case words of letters and digits, one space apart. */
	loa_buf_init(&b);
	loa_buf_add(&b, "", 0);
	for (p = d, end = d + n; p < end; p += k) {
		k = (size_t)u8_mbtouc(&c, p, end - p);
		if (c >= 0x0300 && c <= 0x036f)
			continue;		/* diacritics */
		if (c == 0x0110 || c == 0x0111)
			c = 'd';		/* Đ, đ */
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c < 0x80 && (c < 'a' || c > 'z') && (c < '0' || c > '9')) {
			sep = b.len > 0;
			continue;
		}
		if (sep)
			loa_buf_add(&b, " ", 1);
		sep = 0;
		if (c < 0x80) {
			char a = (char)c;
			loa_buf_add(&b, &a, 1);
		} else
			loa_buf_add(&b, p, k);
	}
	free(d);
	for (i = 0; abbr[i] != NULL; i++)
		if (strncmp(b.data, abbr[i], strlen(abbr[i])) == 0) {
			r = loa_buf_steal(&b);
			loa_buf_init(&b);
			loa_buf_adds(&b, kinds[i]);
			loa_buf_adds(&b, r + strlen(abbr[i]));
			free(r);
			break;
		}
	r = loa_buf_steal(&b);
	/* Without the kind of ward, and without the spaces. */
	for (i = 0; strip && kinds[i] != NULL; i++)
		if (strncmp(r, kinds[i], strlen(kinds[i])) == 0)
			skip = strlen(kinds[i]);
	for (q = r, p = (uint8_t *)r + skip; *p != '\0'; p++)
		if (*p != ' ')
			*q++ = (char)*p;
	*q = '\0';
	return r;
}

/*
 * Does the name a, folded as it is (ward_fold(), kind kept), name ward
 * b, with or without b's kind?  "Đông Anh" names "Xã Đông Anh" and
 * "Thị trấn Đông Anh", "X. Đông Anh" only the first; "Xã Đàn" is the
 * name of "Phường Xã Đàn".
 */
static int
ward_same(const char *a, const char *b)
{
	char	*f;
	int	 i, same = 0;

	for (i = 0; i < 2 && !same; i++) {
		if ((f = ward_fold(b, i)) == NULL)
			return 0;
		same = *f != '\0' && strcmp(a, f) == 0;
		free(f);
	}
	return same;
}

/* A ward code written without its leading zeros ("70" for "00070")? */
static int
code_same(const char *name, const char *code)
{
	size_t	n = strlen(name), m = strlen(code);

	if (n == 0 || n >= m || strspn(name, "0123456789") != n)
		return 0;
	return strspn(code, "0") >= m - n && strcmp(code + (m - n), name) == 0;
}

/*
 * Append to b " (did you mean CODE, NAME?)" when name, folded, is the
 * name of one or more wards of names_json ([[code, name], ...], as the
 * submit script answers); nothing otherwise.  Returns how many wards
 * have that name.
 */
int
loa_ward_hint(struct loa_buf *b, const char *name, const char *names_json)
{
	json_t	*names, *e;
	char	*want;
	size_t	 i;
	int	 found = 0;

	if (names_json == NULL ||
	    (names = json_loads(names_json, 0, NULL)) == NULL)
		return 0;
	if ((want = ward_fold(name, 0)) == NULL)
		goto out;
	json_array_foreach(names, i, e) {
		const char *code = json_string_value(json_array_get(e, 0));
		const char *wn = json_string_value(json_array_get(e, 1));
		if (code == NULL || wn == NULL || (!code_same(name, code) &&
		    !ward_same(want, wn)))
			continue;
		if (found++ < HINTS_SHOWN) {
			loa_buf_printf(b, "%s%s, ", found == 1 ?
			    " (did you mean " : " or ", code);
			loa_neutral_add(b, wn, strlen(wn));
		}
	}
	if (found > HINTS_SHOWN)
		loa_buf_printf(b, " or %d more", found - HINTS_SHOWN);
	if (found > 0)
		loa_buf_add(b, "?)", 2);
 out:
	free(want);
	json_decref(names);
	return found;
}

/*
 * The directory's verdict on job, from the first three elements of a
 * resolve (or submit) answer: missing (array of names) and columns
 * (array); names_json, when not NULL, the ward names for hints.
 * Returns 0 when the daemon accepts the job, else -1 with the reason in
 * why (initialised here; the caller frees it).
 */
int
loa_resolve_verdict(const struct loa_job *job, const redisReply *missing,
    const redisReply *columns, const char *names_json, struct loa_buf *why)
{
	json_t	*cols;
	char	 err[512];
	size_t	 i;
	int	 rc = 0;

	loa_buf_init(why);
	if (job->audience != LOA_AUD_RECIPIENTS && missing->elements > 0) {
		loa_buf_printf(why, "audience: unknown %s",
		    job->audience == LOA_AUD_DISTRICTS ? "district" : "ward");
		for (i = 0; i < missing->elements && i < UNKNOWN_SHOWN; i++) {
			loa_buf_add(why, i ? ", " : " ", i ? 2 : 1);
			loa_json_str(why, missing->element[i]->str);
			if (job->audience == LOA_AUD_WARDS)
				loa_ward_hint(why, missing->element[i]->str,
				    names_json);
		}
		if (i < missing->elements)
			loa_buf_printf(why, " and %zu more",
			    missing->elements - i);
		return -1;
	}
	if (job->audience != LOA_AUD_RECIPIENTS) {
		cols = json_array();
		for (i = 0; i < columns->elements; i++)
			json_array_append_new(cols, json_string(
			    columns->element[i]->str));
		if (loa_job_check_columns(job, cols, err, sizeof(err)) == -1) {
			loa_buf_adds(why, err);
			rc = -1;
		}
		json_decref(cols);
	}
	return rc;
}

/* The submit script's call for job (NULL: only the ward names). */
void
loa_submit_argv(struct loa_argv *av, const char *prefix,
    const struct loa_job *job)
{
	loa_script_argv(av, loa_script_submit, prefix);
	loa_argv_add(av, job != NULL && job->id != NULL ? job->id : "");
	if (job != NULL)
		loa_resolve_args(av, job);
	else
		loa_argv_add(av, "none");
}

/* Is rep the submit script's answer (7 elements, typed as it says)? */
static int
submit_reply_ok(const redisReply *rep)
{
	size_t	i;

	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY ||
	    rep->elements != 7 ||
	    rep->element[0]->type != REDIS_REPLY_ARRAY ||
	    rep->element[2]->type != REDIS_REPLY_ARRAY)
		return 0;
	for (i = 0; i < 7; i++)
		if (i != 0 && i != 2 &&
		    rep->element[i]->type != REDIS_REPLY_STRING)
			return 0;
	return 1;
}

/*
 * What a submitter does with job, from the submit script's answer rep
 * (see the top).  why (initialised here) says why for INVALID and USED,
 * what for SAME; *stale, when stale is not NULL, is set to the
 * created_at of an earlier rejection of the id (a pointer into rep), or
 * NULL.
 */
enum loa_submit
loa_submit_reply(const struct loa_job *job, const redisReply *rep,
    struct loa_buf *why, const char **stale)
{
	const char	*state, *created;
	char		*spec;
	int		 same;

	if (stale != NULL)
		*stale = NULL;
	if (!submit_reply_ok(rep)) {
		loa_buf_init(why);
		loa_buf_adds(why, rep != NULL && rep->type ==
		    REDIS_REPLY_ERROR ? rep->str : "unexpected answer");
		return LOA_SUBMIT_ERROR;
	}
	if (loa_resolve_verdict(job, rep->element[0], rep->element[2],
	    rep->element[6]->str, why) == -1)
		return LOA_SUBMIT_INVALID;
	state = rep->element[3]->str;
	created = rep->element[4]->str;
	if (job->id == NULL || *state == '\0')
		return LOA_SUBMIT_OK;
	if (strcmp(state, "rejected") == 0) {
		if (stale != NULL)
			*stale = created;
		return LOA_SUBMIT_OK;
	}
	spec = loa_job_dump(job);
	same = strlen(spec) == rep->element[5]->len &&
	    memcmp(spec, rep->element[5]->str, rep->element[5]->len) == 0;
	free(spec);
	loa_buf_adds(why, "job id ");
	loa_json_str(why, job->id);
	if (same) {
		loa_buf_adds(why, " already exists with this very job "
		    "(state ");
		loa_neutral_add(why, state, strlen(state));
		loa_buf_adds(why, "); nothing added");
		return LOA_SUBMIT_SAME;
	}
	loa_buf_adds(why, " is already used (state ");
	loa_neutral_add(why, state, strlen(state));
	loa_buf_adds(why, ", created ");
	loa_neutral_add(why, created, strlen(created));
	loa_buf_adds(why, "); choose another id");
	return LOA_SUBMIT_USED;
}

/*
 * The first entry of audience.wards in the job text raw that the parser
 * refuses as a ward code (a string that is not loa_name_valid()), when
 * every entry before it is one; malloc'd, or NULL.  It may be a ward's
 * name: the submitter looks for a hint when the job is refused.
 */
char *
loa_submit_bad_ward(const char *raw, size_t len)
{
	json_t		*root, *v, *e;
	char		*r = NULL;
	size_t		 i;

	/* Not a second full parse of what the parser found too big. */
	if (!loa_job_shape_ok(raw, len) ||
	    (root = json_loadb(raw, len, 0, NULL)) == NULL)
		return NULL;
	v = json_object_get(json_object_get(root, "audience"), "wards");
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > LOA_NAME_MAX)
			break;
		if (!loa_name_valid(json_string_value(e))) {
			r = xstrdup(json_string_value(e));
			break;
		}
	}
	json_decref(root);
	return r;
}

/*
 * The message for a job the parser refused (err) whose ward bad
 * (loa_submit_bad_ward()) is, perhaps, a ward's name: err, then
 * ": unknown ward "BAD" (did you mean CODE, NAME?)" when it is one of
 * names_json.  Initialises why.
 */
void
loa_submit_parse_hint(struct loa_buf *why, const char *err, const char *bad,
    const char *names_json)
{
	size_t	len;

	loa_buf_init(why);
	loa_buf_adds(why, err);
	len = why->len;
	loa_buf_adds(why, ": unknown ward ");
	loa_json_str(why, bad);
	if (loa_ward_hint(why, bad, names_json) == 0) {
		why->len = len;		/* no ward of that name */
		why->data[len] = '\0';
	}
}
