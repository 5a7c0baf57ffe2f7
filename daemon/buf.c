/*
 * buf.c -- a growable byte buffer, always NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"

void
loa_buf_init(struct loa_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
loa_buf_reserve(struct loa_buf *b, size_t more)
{
	size_t	need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xreallocarray(b->data, b->cap, 1);
}

void
loa_buf_add(struct loa_buf *b, const void *p, size_t n)
{
	loa_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
loa_buf_adds(struct loa_buf *b, const char *s)
{
	loa_buf_add(b, s, strlen(s));
}

void
loa_buf_printf(struct loa_buf *b, const char *fmt, ...)
{
	va_list	ap;
	size_t	avail;
	int	n;

	loa_buf_reserve(b, 64);
	avail = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= avail) {
		loa_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
loa_buf_reset(struct loa_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
loa_buf_steal(struct loa_buf *b)
{
	char	*p = b->data;

	if (p == NULL)
		p = xstrdup("");
	loa_buf_init(b);
	return p;
}

void
loa_buf_free(struct loa_buf *b)
{
	free(b->data);
	loa_buf_init(b);
}
