/*
 * test_template.c -- template.c: parsing, the {{{{ escape, errors with
 * byte offsets, rendering and missing variables, defaults
 * ("{{name|text}}"): used for a missing or empty value, literal text
 * kept byte for byte, bounded, malformed ones refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "tap.h"

static const char *
lookup(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "name") == 0)
		return "Nguyễn Văn An";
	if (strcmp(name, "body") == 0)
		return "Cắt điện {{not_expanded}}";
	if (strcmp(name, "x.y") == 0)
		return "dot";
	if (strcmp(name, "empty") == 0)
		return "";
	return NULL;
}

static const struct {
	const char	*src;
	const char	*want;		/* NULL: render fails (missing) */
	const char	*missing;
	int		 nvars;
} ok_cases[] = {
	{ "", "", NULL, 0 },
	{ "plain text", "plain text", NULL, 0 },
	{ "Chào {{name}}!", "Chào Nguyễn Văn An!", NULL, 1 },
	{ "{{ name }}", "Nguyễn Văn An", NULL, 1 },
	{ "{{name}}{{name}}", "Nguyễn Văn AnNguyễn Văn An", NULL, 2 },
	{ "{{body}}", "Cắt điện {{not_expanded}}", NULL, 1 },
	{ "a {{{{ b", "a {{ b", NULL, 0 },
	{ "{{{{name}}", "{{name}}", NULL, 0 },
	{ "x}}y", "x}}y", NULL, 0 },
	{ "{{x.y}}", "dot", NULL, 1 },
	{ "hi {{nobody}} there", NULL, "nobody", 1 },
	{ "{{name}} {{ghost}}", NULL, "ghost", 2 },
	/* An empty value without a default is a value, as before. */
	{ "[{{empty}}]", "[]", NULL, 1 },
	/* Defaults: for a missing and for an empty value, not for a set one. */
	{ "{{to_dan_pho|tổ dân phố}}", "tổ dân phố", NULL, 1 },
	{ "{{empty|tổ dân phố}}", "tổ dân phố", NULL, 1 },
	{ "{{name|bà con}}", "Nguyễn Văn An", NULL, 1 },
	{ "Kính gửi {{ name |bà con}}!", "Kính gửi Nguyễn Văn An!", NULL, 1 },
	/* "Empty is fine". */
	{ "[{{ghost|}}]", "[]", NULL, 1 },
	{ "[{{empty|}}]", "[]", NULL, 1 },
	/* Kept byte for byte: spaces, a later '|', a lone '}' or '{'. */
	{ "[{{ghost| a | b }}]", "[ a | b ]", NULL, 1 },
	{ "{{ghost||}}", "|", NULL, 1 },
	{ "{{ghost|x}y{z}}", "x}y{z", NULL, 1 },
	{ "{{ghost|x}}}", "x}", NULL, 1 },
	/* A default is not expanded, and needs no escape for "}" alone. */
	{ "{{ghost|{name}}", "{name", NULL, 1 },
	/* Only the variable without a default is missing. */
	{ "{{ghost|x}} {{nobody}}", NULL, "nobody", 2 },
	{ "{{{{ghost|x}}", "{{ghost|x}}", NULL, 0 },
};

static const struct {
	const char	*src;
	const char	*err_has;
} bad_cases[] = {
	{ "open {{name", "byte 5" },
	{ "{{}}", "empty" },
	{ "{{   }}", "empty" },
	{ "{{na me}}", "bad character" },
	{ "{{{name}}}", "bad character" },
	{ "{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}",
	    "too long" },
	{ "{{tên}}", "bad character" },
	{ "{{|x}}", "empty variable name at byte 0" },
	{ "ab{{ |x}}", "empty variable name at byte 2" },
	{ "{{|}}", "empty variable name" },
	{ "{{na me|x}}", "bad character" },
	{ "{{name|x", "not closed" },
	{ "{{name|x}", "not closed" },
	{ "{{a|{{b}}}}", "literal text" },
	{ "{{a|x{{{{}}", "literal text" },
};

/*
 * "{{ghost|" extra "đ" * 128 "}}" in src: a default of 256 bytes (đ is
 * two in UTF-8) plus strlen(extra).
 */
static void
long_default(char *src, size_t size, const char *extra)
{
	size_t	i, n;

	n = snprintf(src, size, "{{ghost|%s", extra);
	for (i = 0; i < 128; i++)
		n += snprintf(src + n, size - n, "đ");
	snprintf(src + n, size - n, "}}");
}

/* A default of 256 bytes is accepted whole; one of 257 is refused. */
static void
bounds(void)
{
	char		 src[400], err[256], *out;
	struct loa_tmpl	*t;

	long_default(src, sizeof(src), "");
	t = loa_tmpl_parse(src, err, sizeof(err));
	ok(t != NULL, "a default of 256 bytes parses");
	out = t != NULL ? loa_tmpl_render(t, lookup, NULL, NULL) : NULL;
	ok(out != NULL && strlen(out) == 256 && strncmp(out, "đđ", 4) == 0,
	    "and renders whole");
	free(out);
	loa_tmpl_free(t);

	long_default(src, sizeof(src), "x");
	err[0] = '\0';
	t = loa_tmpl_parse(src, err, sizeof(err));
	ok(t == NULL, "a default of 257 bytes is refused");
	ok(strstr(err, "default text at byte 0 is too long") != NULL &&
	    strstr(err, "256") != NULL, "says so: %s", err);
	loa_tmpl_free(t);
}

int
main(void)
{
	struct loa_tmpl	*t;
	char		 err[256], *out;
	const char	*missing;
	size_t		 i;

	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		err[0] = '\0';
		t = loa_tmpl_parse(ok_cases[i].src, err, sizeof(err));
		ok(t != NULL, "parse case %zu", i);
		if (t == NULL) {
			printf("#   error: %s\n", err);
			continue;
		}
		is_int(loa_tmpl_nvars(t), ok_cases[i].nvars, "case %zu vars", i);
		missing = NULL;
		out = loa_tmpl_render(t, lookup, NULL, &missing);
		is_str(out, ok_cases[i].want, "case %zu render", i);
		is_str(missing, ok_cases[i].missing, "case %zu missing", i);
		free(out);
		loa_tmpl_free(t);
	}
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		err[0] = '\0';
		t = loa_tmpl_parse(bad_cases[i].src, err, sizeof(err));
		ok(t == NULL, "bad case %zu refused", i);
		ok(strstr(err, bad_cases[i].err_has) != NULL,
		    "bad case %zu says why (%s)", i, err);
		loa_tmpl_free(t);
	}
	t = loa_tmpl_parse("{{a}} {{b}} {{a}}", err, sizeof(err));
	is_str(loa_tmpl_var(t, 0), "a", "first var");
	is_str(loa_tmpl_var(t, 1), "b", "second var");
	is_str(loa_tmpl_var(t, 2), "a", "third var");
	ok(loa_tmpl_var(t, 3) == NULL, "no fourth var");
	loa_tmpl_free(t);

	t = loa_tmpl_parse("{{a|tổ}} {{ b }} {{c|}}", err, sizeof(err));
	is_str(loa_tmpl_var(t, 0), "a", "name before the default");
	is_str(loa_tmpl_var_default(t, 0), "tổ", "its default");
	ok(loa_tmpl_var_default(t, 1) == NULL, "no default: NULL");
	is_str(loa_tmpl_var(t, 2), "c", "name of {{c|}}");
	is_str(loa_tmpl_var_default(t, 2), "", "empty default: \"\"");
	ok(loa_tmpl_var_default(t, 3) == NULL, "past the last variable");
	loa_tmpl_free(t);
	bounds();
	return tap_done();
}
