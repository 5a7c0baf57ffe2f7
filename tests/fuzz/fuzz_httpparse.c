/*
 * fuzz_httpparse.c -- the HTTP listener's request-head parser
 * (daemon/httpparse.c), fed what any client may send.
 *
 * Promises checked (httpserv.h): hs_head_scan() finds the same end
 * whatever pieces the input comes in (the first byte picks the piece
 * sizes) and ends it at a LF; hs_head_parse() answers 0 or one of the
 * statuses it documents, with a one-line reason exactly when it
 * refuses; a head it takes has a token for a method, a path in origin
 * form, a query, fields with token names, and nothing in it that holds
 * a CR, a LF or a NUL (no header injection downstream); every string
 * lies inside the buffer given; and parsing is deterministic.
 */
#include "httpserv.h"
#include "fuzz.h"

static int
inside(const char *s, const char *buf, size_t len)
{
	return s >= buf && s + strlen(s) <= buf + len;
}

static int
clean(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_head	 h, h2;
	const char	*in;
	char		*buf, *buf2;
	size_t		 end, off, k, step, n, i;
	int		 st, r, r2;

	if (size < 1)
		return 0;
	step = data[0] % 17 + 1;
	in = (const char *)data + 1;
	n = size - 1;

	st = 0;
	end = hs_head_scan(&st, in, n);
	FZ_ASSERT(end <= n);
	FZ_ASSERT(end == 0 || in[end - 1] == '\n');
	st = 0;
	for (off = 0, k = 0; off < n; off += step) {
		i = n - off < step ? n - off : step;
		if ((k = hs_head_scan(&st, in + off, i)) > 0)
			break;
	}
	FZ_ASSERT((k > 0 ? off + k : 0) == end);

	/* The head as the server would give it, or all of the input. */
	if (end == 0)
		end = n;
	buf = fz_cstr((const uint8_t *)in, end);
	buf2 = fz_cstr((const uint8_t *)in, end);
	r = hs_head_parse(buf, end, &h);
	r2 = hs_head_parse(buf2, end, &h2);
	FZ_ASSERT(r == r2 && h.nfields == h2.nfields &&
	    h.content_length == h2.content_length);
	FZ_ASSERT(r == 0 || r == 400 || r == 411 || r == 413 || r == 417 ||
	    r == 431 || r == 505);
	FZ_ASSERT((r == 0) == (h.error == NULL));
	FZ_ASSERT(h.error == NULL || clean(h.error));
	FZ_ASSERT(h.nfields >= 0 && h.nfields <= HS_FIELDS_MAX);
	if (r == 0) {
		FZ_ASSERT(inside(h.method, buf, end) && h.method[0] != '\0');
		FZ_ASSERT(strpbrk(h.method, " \t\r\n:/") == NULL);
		FZ_ASSERT(inside(h.path, buf, end) && h.path[0] == '/');
		FZ_ASSERT(strpbrk(h.path, " ?\r\n") == NULL);
		FZ_ASSERT(h.query[0] == '\0' || inside(h.query, buf, end));
		FZ_ASSERT(clean(h.query) && strchr(h.query, ' ') == NULL);
		FZ_ASSERT(h.minor == 0 || h.minor == 1);
		FZ_ASSERT(h.has_length || h.content_length == 0);
		FZ_ASSERT(h.keep_alive == 0 || h.keep_alive == 1);
		for (i = 0; i < (size_t)h.nfields; i++) {
			FZ_ASSERT(inside(h.fields[i].name, buf, end));
			FZ_ASSERT(inside(h.fields[i].value, buf, end));
			FZ_ASSERT(h.fields[i].name[0] != '\0');
			FZ_ASSERT(strpbrk(h.fields[i].name, " \t:\r\n") ==
			    NULL);
			FZ_ASSERT(clean(h.fields[i].value));
			FZ_ASSERT(hs_head_get(&h, h.fields[i].name) != NULL);
		}
	}
	free(buf);
	free(buf2);
	return 0;
}
