/*
 * template.c -- "{{var}}" message templates.
 *
 * A template is parsed once per job into a list of literal and variable
 * parts, then rendered per recipient with a lookup callback.  Syntax:
 *
 *	{{name}}	the variable "name" (spaces inside the braces allowed)
 *	{{name|text}}	"name", or the literal text when it is missing or empty
 *	{{name|}}	"name", or nothing when it is missing
 *	{{{{		a literal "{{"
 *
 * Variable names are 1..64 letters, digits, '_', '-' or '.'.  Values are
 * inserted as they are: a value that itself contains "{{" is not expanded
 * again, so templates cannot loop.  Anything else that opens with "{{" and
 * does not close is a parse error, reported with its byte offset.
 *
 * A default is everything after the first '|' up to the closing "}}",
 * kept byte for byte (spaces too, and any later '|'), at most
 * TMPL_DEFAULT_MAX bytes.  It is literal text: it may not hold "{{", so
 * that "{{a|{{b}}}}" is an error rather than a default "{{b" the writer
 * did not mean.  A variable is missing when the lookup has no value for
 * it (the directory stores no empty cell, so an empty CSV cell is
 * missing); a value that is the empty string is used as it is, unless the
 * variable has a default, which then stands in for it.  A missing
 * variable without a default fails the render, so that a message never
 * goes out with a hole the writer did not allow for.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"

#define TMPL_MAX_PARTS	256
#define TMPL_NAME_MAX	64
#define TMPL_DEFAULT_MAX 256

struct tmpl_part {
	int	 is_var;
	char	*s;		/* literal text or variable name */
	size_t	 len;
	char	*def;		/* variable's default text, NULL: none */
};

struct loa_tmpl {
	struct tmpl_part	*parts;
	int			 nparts;
};

static int
tmpl_add(struct loa_tmpl *t, int is_var, const char *s, size_t len,
    const char *def, size_t deflen)
{
	if (len == 0 && !is_var)
		return 0;
	if (t->nparts == TMPL_MAX_PARTS)
		return -1;
	if (t->nparts % 8 == 0)
		t->parts = xreallocarray(t->parts, t->nparts + 8,
		    sizeof(*t->parts));
	t->parts[t->nparts].is_var = is_var;
	t->parts[t->nparts].s = xstrndup(s, len);
	t->parts[t->nparts].len = len;
	t->parts[t->nparts].def = def != NULL ? xstrndup(def, deflen) : NULL;
	t->nparts++;
	return 0;
}

static int
valid_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

struct loa_tmpl *
loa_tmpl_parse(const char *src, char *err, size_t errlen)
{
	struct loa_tmpl	*t;
	const char	*p = src, *lit = src, *end, *nb, *ne, *bar;
	size_t		 at;

	t = xcalloc(1, sizeof(*t));
	while ((p = strstr(p, "{{")) != NULL) {
		if (tmpl_add(t, 0, lit, p - lit, NULL, 0) == -1)
			goto toolong;
		if (strncmp(p, "{{{{", 4) == 0) {
			if (tmpl_add(t, 0, "{{", 2, NULL, 0) == -1)
				goto toolong;
			p += 4;
			lit = p;
			continue;
		}
		if ((end = strstr(p + 2, "}}")) == NULL) {
			snprintf(err, errlen, "\"{{\" at byte %zu is not "
			    "closed (write {{{{ for a literal {{)",
			    (size_t)(p - src));
			goto fail;
		}
		at = p - src;
		nb = p + 2;
		if ((bar = memchr(nb, '|', end - nb)) != NULL) {
			if (end - (bar + 1) > TMPL_DEFAULT_MAX) {
				snprintf(err, errlen, "default text at byte "
				    "%zu is too long (%d bytes at most)", at,
				    TMPL_DEFAULT_MAX);
				goto fail;
			}
			if (memmem(bar + 1, end - (bar + 1), "{{", 2) !=
			    NULL) {
				snprintf(err, errlen, "default text at byte "
				    "%zu holds \"{{\" (a default is literal "
				    "text, not a variable)", at);
				goto fail;
			}
		}
		ne = bar != NULL ? bar : end;
		while (nb < ne && *nb == ' ')
			nb++;
		while (ne > nb && ne[-1] == ' ')
			ne--;
		if (ne == nb) {
			snprintf(err, errlen, "empty variable name at byte %zu",
			    at);
			goto fail;
		}
		if (ne - nb > TMPL_NAME_MAX) {
			snprintf(err, errlen, "variable name at byte %zu is "
			    "too long (%d bytes at most)", at, TMPL_NAME_MAX);
			goto fail;
		}
		for (const char *q = nb; q < ne; q++)
			if (!valid_name_char((unsigned char)*q)) {
				snprintf(err, errlen, "bad character in "
				    "variable name at byte %zu (names use "
				    "letters, digits, _ - .; write {{{{ for "
				    "a literal {{)", (size_t)(q - src));
				goto fail;
			}
		if (tmpl_add(t, 1, nb, ne - nb, bar != NULL ? bar + 1 : NULL,
		    bar != NULL ? (size_t)(end - (bar + 1)) : 0) == -1)
			goto toolong;
		p = end + 2;
		lit = p;
	}
	if (tmpl_add(t, 0, lit, strlen(lit), NULL, 0) == -1)
		goto toolong;
	return t;
toolong:
	snprintf(err, errlen, "template has more than %d parts",
	    TMPL_MAX_PARTS);
fail:
	loa_tmpl_free(t);
	return NULL;
}

void
loa_tmpl_free(struct loa_tmpl *t)
{
	int	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++) {
		free(t->parts[i].s);
		free(t->parts[i].def);
	}
	free(t->parts);
	free(t);
}

int
loa_tmpl_nvars(const struct loa_tmpl *t)
{
	int	i, n = 0;

	for (i = 0; i < t->nparts; i++)
		n += t->parts[i].is_var;
	return n;
}

static const struct tmpl_part *
nth_var(const struct loa_tmpl *t, int n)
{
	int	i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].is_var && n-- == 0)
			return &t->parts[i];
	return NULL;
}

/* The name of the n-th variable reference, in order of appearance. */
const char *
loa_tmpl_var(const struct loa_tmpl *t, int n)
{
	const struct tmpl_part	*v = nth_var(t, n);

	return v != NULL ? v->s : NULL;
}

/*
 * The default text of the n-th variable reference ("" for "{{v|}}"), or
 * NULL when it has none: then a recipient without the variable fails.
 */
const char *
loa_tmpl_var_default(const struct loa_tmpl *t, int n)
{
	const struct tmpl_part	*v = nth_var(t, n);

	return v != NULL ? v->def : NULL;
}

/*
 * Render t into a malloc'd string.  lookup returns the value of a variable
 * or NULL when the recipient has none.  A variable with a default gets the
 * default when its value is NULL or empty; one without is missing when its
 * value is NULL: then NULL is returned and *missing points to the
 * variable's name (owned by t).
 */
char *
loa_tmpl_render(const struct loa_tmpl *t, loa_tmpl_lookup_fn lookup,
    void *arg, const char **missing)
{
	struct loa_buf	 b;
	const char	*v;
	int		 i;

	loa_buf_init(&b);
	for (i = 0; i < t->nparts; i++) {
		if (!t->parts[i].is_var) {
			loa_buf_add(&b, t->parts[i].s, t->parts[i].len);
			continue;
		}
		v = lookup(arg, t->parts[i].s);
		if (t->parts[i].def != NULL && (v == NULL || *v == '\0'))
			v = t->parts[i].def;
		if (v == NULL) {
			if (missing != NULL)
				*missing = t->parts[i].s;
			loa_buf_free(&b);
			return NULL;
		}
		loa_buf_adds(&b, v);
	}
	return loa_buf_steal(&b);
}
