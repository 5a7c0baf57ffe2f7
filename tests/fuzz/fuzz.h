/*
 * fuzz.h -- what the libFuzzer targets of tests/fuzz/ share: turning the
 * fuzzer's bytes into the C strings and lines the parsers take, and a
 * check that stops the run (as a crash, with the input saved) when a
 * parser breaks one of its documented promises without crashing.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput() and is built by
 * tests/fuzz/fuzz.mk with clang -fsanitize=fuzzer,address,undefined.
 */
#ifndef LOA_FUZZ_H
#define LOA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A broken promise: say which and abort, so libFuzzer keeps the input. */
#define FZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A malloc'd NUL-terminated copy of n bytes of d (NUL bytes kept). */
static inline char *
fz_cstr(const uint8_t *d, size_t n)
{
	char	*s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/*
 * The next line of *p (n bytes left) without its LF, as a malloc'd
 * string; *p and *n move past it.  NULL when nothing is left.
 */
static inline char *
fz_line(const uint8_t **p, size_t *n)
{
	const uint8_t	*nl;
	size_t		 len;
	char		*s;

	if (*n == 0)
		return NULL;
	nl = memchr(*p, '\n', *n);
	len = nl != NULL ? (size_t)(nl - *p) : *n;
	s = fz_cstr(*p, len);
	*p += len + (nl != NULL);
	*n -= len + (nl != NULL);
	return s;
}

#endif
