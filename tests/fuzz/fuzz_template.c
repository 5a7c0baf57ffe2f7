/*
 * fuzz_template.c -- message templates (daemon/template.c): parse any
 * text, render it with values that look like templates themselves.
 *
 * Promises checked: every variable a parsed template names is 1-64 name
 * characters; a default ("{{v|text}}") is at most 256 bytes and holds no
 * "{{"; rendering never expands a value again (a value "{{v}}" comes out
 * as it is, so the output is exactly as long as the literals plus the
 * values, a default standing in for a missing or empty one); a missing
 * variable without a default is reported by its name, one with a default
 * never is.
 */
#include <ctype.h>

#include "loa.h"
#include "fuzz.h"

#define FZ_VALUE	"{{v}}"	/* what every variable is worth */

/* Names starting with 'x' have no value; the others are FZ_VALUE. */
static const char *
lookup(void *arg, const char *name)
{
	(void)arg;
	return name[0] == 'x' ? NULL : FZ_VALUE;
}

static const char *
lookup_none(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return NULL;
}

static const char *
lookup_empty(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return "";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loa_tmpl	*t;
	char		 err[160], *src, *out, *lit;
	const char	*name, *def, *missing = NULL, *first = NULL;
	int		 i, n, x = 0;
	size_t		 j, litlen, want = 0;

	src = fz_cstr(data, size);
	err[0] = '\0';
	if ((t = loa_tmpl_parse(src, err, sizeof(err))) == NULL) {
		FZ_ASSERT(err[0] != '\0');
		free(src);
		return 0;
	}
	n = loa_tmpl_nvars(t);
	for (i = 0; i < n; i++) {
		name = loa_tmpl_var(t, i);
		FZ_ASSERT(name != NULL && *name != '\0' && strlen(name) <= 64);
		for (j = 0; name[j] != '\0'; j++)
			FZ_ASSERT(isalnum((unsigned char)name[j]) ||
			    strchr("_-.", name[j]) != NULL);
		def = loa_tmpl_var_default(t, i);
		FZ_ASSERT(def == NULL ||
		    (strlen(def) <= 256 && strstr(def, "{{") == NULL));
		/* Against the empty values: a default stands in for those. */
		if (name[0] != 'x')
			want += strlen(FZ_VALUE) - (def ? strlen(def) : 0);
		if (def == NULL) {
			x += name[0] == 'x';
			if (first == NULL)
				first = name;
		}
	}
	FZ_ASSERT(loa_tmpl_var(t, n) == NULL);
	FZ_ASSERT(loa_tmpl_var_default(t, n) == NULL);

	out = loa_tmpl_render(t, lookup, NULL, &missing);
	if (x > 0) {
		FZ_ASSERT(out == NULL && missing != NULL && missing[0] == 'x');
	} else {
		FZ_ASSERT(out != NULL);
		/* Empty values leave the literals and the defaults. */
		lit = loa_tmpl_render(t, lookup_empty, NULL, NULL);
		litlen = strlen(lit);
		FZ_ASSERT(strlen(out) == litlen + want);
		free(lit);
		free(out);
	}
	missing = NULL;
	out = loa_tmpl_render(t, lookup_none, NULL, &missing);
	if (first != NULL)
		FZ_ASSERT(out == NULL && missing == first);
	else
		FZ_ASSERT(out != NULL && missing == NULL);
	free(out);
	loa_tmpl_free(t);
	free(src);
	return 0;
}
