/*
 * test_template.c -- template.c: parsing, the {{{{ escape, errors with
 * byte offsets, rendering and missing variables.
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
};

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
	return tap_done();
}
