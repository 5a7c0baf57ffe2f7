/*
 * test_submit.c -- unit tests of submit.c: the "did you mean" hint
 * (folding of ward names), the ward the parser refuses as no code, and
 * what a submitter makes of the submit script's answer (built here by
 * hand; tests/store runs the script, tests/integration/t_submit.sh the
 * whole path).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "loa.h"
#include "tap.h"

static const char names[] = "[[\"00070\",\"Phường Hoàn Kiếm\"],"
    "[\"00008\",\"Phường Ngọc Hà\"],[\"00100\",\"Xã Đông Anh\"],"
    "[\"00200\",\"Thị trấn Đông Anh\"],[\"00300\",\"Phường Xã Đàn\"]]";

static void
hint_is(const char *name, const char *want)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	loa_buf_adds(&b, "");
	loa_ward_hint(&b, name, names);
	is_str(b.data, want, "hint for \"%s\"", name);
	loa_buf_free(&b);
}

static void
hints(void)
{
	hint_is("Hoàn Kiếm", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("hoan kiem", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("HoanKiem", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("PHƯỜNG HOÀN KIẾM", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("ngoc-ha", " (did you mean 00008, Phường Ngọc Hà?)");
	/* NFD input folds alike: o + U+0323 + U+0302 ... */
	hint_is("Ngo\xcc\xa3\xcc\x82""c Ha\xcc\x80",
	    " (did you mean 00008, Phường Ngọc Hà?)");
	hint_is("Dong Anh", " (did you mean 00100, Xã Đông Anh or 00200, "
	    "Thị trấn Đông Anh?)");
	hint_is("Xã Đàn", " (did you mean 00300, Phường Xã Đàn?)");
	/* What officials write: abbreviated kinds, codes without their zeros. */
	hint_is("P. Hoàn Kiếm", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("p.hoan kiem", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("TT Đông Anh", " (did you mean 00200, Thị trấn Đông Anh?)");
	hint_is("X. Đông Anh", " (did you mean 00100, Xã Đông Anh?)");
	hint_is("70", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("0070", " (did you mean 00070, Phường Hoàn Kiếm?)");
	hint_is("8", " (did you mean 00008, Phường Ngọc Hà?)");
	hint_is("700", "");
	hint_is("Hoàn", "");
	hint_is("99999", "");
	hint_is("", "");
	hint_is("\xff", "");
}

static void
bad_ward(void)
{
	const char	*j;
	char		*s;

	j = "{\"audience\":{\"wards\":[\"00070\",\"Hoàn Kiếm\",\"x y\"]}}";
	s = loa_submit_bad_ward(j, strlen(j));
	is_str(s, "Hoàn Kiếm", "the first ward that is no code");
	free(s);
	j = "{\"audience\":{\"wards\":[1,\"Hoàn Kiếm\"]}}";
	ok(loa_submit_bad_ward(j, strlen(j)) == NULL,
	    "none when the parser stops before it");
	j = "{\"audience\":{\"wards\":[\"00070\"]}}";
	ok(loa_submit_bad_ward(j, strlen(j)) == NULL, "none when all are codes");
	j = "{\"audience\":{\"districts\":[\"Hoàn Kiếm\"]}}";
	ok(loa_submit_bad_ward(j, strlen(j)) == NULL, "none for districts");
	j = "{\"audience\":";
	ok(loa_submit_bad_ward(j, strlen(j)) == NULL, "none for bad JSON");
}

/* Hand-made replies of the submit script. */
static redisReply *
str(const char *s)
{
	redisReply	*r = xcalloc(1, sizeof(*r));

	r->type = REDIS_REPLY_STRING;
	r->str = xstrdup(s);
	r->len = strlen(s);
	return r;
}

static redisReply *
arr(size_t n)
{
	redisReply	*r = xcalloc(1, sizeof(*r));

	r->type = REDIS_REPLY_ARRAY;
	r->elements = n;
	r->element = xcalloc(n + 1, sizeof(*r->element));
	return r;
}

static void
rfree(redisReply *r)
{
	size_t	i;

	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		rfree(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* {missing..., wards, columns, state, created, spec, names} */
static redisReply *
answer(const char *missing, const char *state, const char *spec)
{
	redisReply	*r = arr(7);

	r->element[0] = arr(missing != NULL ? 1 : 0);
	if (missing != NULL)
		r->element[0]->element[0] = str(missing);
	r->element[1] = str("[]");
	r->element[2] = arr(1);
	r->element[2]->element[0] = str("to_dan_pho");
	r->element[3] = str(state);
	r->element[4] = str(*state != '\0' ? "T0" : "");
	r->element[5] = str(spec);
	r->element[6] = str(missing != NULL ? names : "[]");
	return r;
}

static void
verdicts(void)
{
	const char	*j = "{\"id\":\"j1\",\"audience\":{\"wards\":[\"00070\"]},"
	    "\"channels\":[\"sms\"],\"sms\":{\"text\":\"{{to_dan_pho}}\"}}";
	const char	*stale;
	struct loa_job	*job;
	struct loa_buf	 why;
	redisReply	*r;
	char		 err[256], *spec;

	job = loa_job_parse(j, strlen(j), NULL, 65536, err, sizeof(err));
	ok(job != NULL, "job parsed");
	if (job == NULL)
		return;
	spec = loa_job_dump(job);

	r = answer(NULL, "", "");
	is_int(loa_submit_reply(job, r, &why, &stale), LOA_SUBMIT_OK, "new");
	ok(stale == NULL, "nothing stale");
	loa_buf_free(&why);
	rfree(r);

	r = answer("HoanKiem", "", "");
	is_int(loa_submit_reply(job, r, &why, NULL), LOA_SUBMIT_INVALID,
	    "unknown ward");
	is_str(why.data, "audience: unknown ward \"HoanKiem\" (did you mean "
	    "00070, Phường Hoàn Kiếm?)", "in the daemon's words, with the "
	    "hint");
	loa_buf_free(&why);
	rfree(r);

	r = answer(NULL, "sending", "{}");
	is_int(loa_submit_reply(job, r, &why, NULL), LOA_SUBMIT_USED,
	    "id used by another job");
	is_str(why.data, "job id \"j1\" is already used (state sending, "
	    "created T0); choose another id", "says so");
	loa_buf_free(&why);
	rfree(r);

	r = answer(NULL, "done", spec);
	is_int(loa_submit_reply(job, r, &why, NULL), LOA_SUBMIT_SAME,
	    "the very same job");
	loa_buf_free(&why);
	rfree(r);

	r = answer(NULL, "rejected", "");
	is_int(loa_submit_reply(job, r, &why, &stale), LOA_SUBMIT_OK,
	    "a rejected id may be used again");
	is_str(stale, "T0", "its rejection is stale");
	loa_buf_free(&why);
	rfree(r);

	r = arr(3);
	r->element[0] = arr(0);
	r->element[1] = str("[]");
	r->element[2] = arr(0);
	is_int(loa_submit_reply(job, r, &why, NULL), LOA_SUBMIT_ERROR,
	    "not the script's answer");
	loa_buf_free(&why);
	rfree(r);

	free(spec);
	loa_job_unref(job);
}

int
main(void)
{
	hints();
	bad_ward();
	verdicts();
	return tap_done();
}
