/*
 * test_httpserv.c -- the request-head parser of the HTTP listener
 * (daemon/httpparse.c): where a head ends, whatever pieces it comes in,
 * and what is taken or refused, with which status.
 */
#include <stdlib.h>
#include <string.h>

#include "httpserv.h"
#include "tap.h"

/* Where the head of s ends, fed in pieces of step bytes (0: none). */
static size_t
end_in_steps(const char *s, size_t step)
{
	size_t	len = strlen(s), off = 0, n, k;
	int	st = 0;

	while (off < len) {
		n = len - off < step ? len - off : step;
		if ((k = hs_head_scan(&st, s + off, n)) > 0)
			return off + k;
		off += n;
	}
	return 0;
}

/* Parse s (copied); the status, with the head in *h and the copy kept. */
static char *keep;

static int
parse(const char *s, struct hs_head *h)
{
	free(keep);
	keep = strdup(s);
	return hs_head_parse(keep, strlen(keep), h);
}

static const struct {
	const char	*head;
	int		 status;
	const char	*what;
} cases[] = {
	{ "GET / HTTP/1.1\r\n\r\n", 0, "minimal" },
	{ "GET / HTTP/1.0\n\n", 0, "bare LF lines" },
	{ "\r\n\r\nGET / HTTP/1.1\r\n\r\n", 0, "empty lines first" },
	{ "get /x HTTP/1.1\r\n\r\n", 0, "any token is a method" },
	{ "GET  / HTTP/1.1\r\n\r\n", 400, "two spaces" },
	{ "GET / HTTP/1.1 \r\n\r\n", 400, "space after the version" },
	{ "GET /\r\n\r\n", 400, "HTTP/0.9" },
	{ "GET / HTTP/2.0\r\n\r\n", 505, "HTTP/2.0" },
	{ "GET / HTTPS/1.1\r\n\r\n", 400, "not HTTP" },
	{ "GET http://a/ HTTP/1.1\r\n\r\n", 400, "absolute form" },
	{ "GET * HTTP/1.1\r\n\r\n", 400, "asterisk form" },
	{ "G(T / HTTP/1.1\r\n\r\n", 400, "bad method" },
	{ "GET /a\x7f HTTP/1.1\r\n\r\n", 400, "DEL in the target" },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "space before colon" },
	{ "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 400, "folded line" },
	{ "GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400, "no colon" },
	{ "GET / HTTP/1.1\r\n: v\r\n\r\n", 400, "empty name" },
	{ "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400, "bare CR" },
	{ "GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "control byte" },
	{ "GET / HTTP/1.1\r\nA: \xc3\xa9\t\r\n\r\n", 0, "obs-text, tab" },
	{ "POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", 0, "length" },
	{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
	    0, "same length twice" },
	{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    400, "conflicting lengths" },
	{ "POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", 400,
	    "length list" },
	{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400,
	    "negative length" },
	{ "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", 400, "signed" },
	{ "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, "empty length" },
	{ "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
	    413, "huge length" },
	{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
	    "chunked" },
	{ "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n", 411, "chunked and length (smuggling)" },
	{ "POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", 0, "expect" },
	{ "POST / HTTP/1.1\r\nExpect: tea\r\n\r\n", 417, "odd expectation" },
	{ "GET / HTTP/1.1\r\nA: b\r\n", 400, "no empty line" },
	{ "", 400, "nothing" },
};

int
main(void)
{
	static const char	*ends[] = {
		"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\n\n",
		"GET / HTTP/1.1\n\r\n", "GET / HTTP/1.1\r\nA: b\r\n\r\n",
	};
	struct hs_head	 h;
	char		*big;
	size_t		 i, step, len, n;
	int		 st, r;

	/* hs_head_scan: the end, whatever the pieces. */
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		for (step = 1; step <= 5; step++)
			is_int(end_in_steps(ends[i], step), strlen(ends[i]),
			    "end of head %zu in pieces of %zu", i, step);
	is_int(end_in_steps("GET / HTTP/1.1\r\nA: b\r\n\r\nBODY", 3), 24,
	    "the body is not part of the head");
	is_int(end_in_steps("GET / HTTP/1.1\r\nA: b\r\n", 1), 0,
	    "no end yet");
	is_int(end_in_steps("GET / HTTP/1.1\r\n\r\r\n", 1), 0,
	    "CR CR LF is no empty line");
	st = 0;
	is_int(hs_head_scan(&st, "a\r\n", 3), 0, "one line");
	is_int(hs_head_scan(&st, "\r", 1), 0, "CR");
	is_int(hs_head_scan(&st, "\nrest", 5), 1, "LF after CR ends it");

	/* hs_head_parse: what is taken and what is refused. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = parse(cases[i].head, &h);
		is_int(r, cases[i].status, "%s: %d", cases[i].what,
		    cases[i].status);
		ok(r == 0 ? h.error == NULL : h.error != NULL &&
		    strchr(h.error, '\n') == NULL, "%s: one-line reason when "
		    "refused", cases[i].what);
	}

	is_int(parse("POST /v1/jobs/a%3Ab?x=1&y HTTP/1.1\r\nHost: h\r\n"
	    "Authorization:  Bearer  t \r\nContent-Length: 0012\r\n\r\n", &h),
	    0, "a full head");
	is_str(h.method, "POST", "method");
	is_str(h.path, "/v1/jobs/a%3Ab", "path, not decoded");
	is_str(h.query, "x=1&y", "query");
	is_int(h.minor, 1, "HTTP/1.1");
	is_int(h.nfields, 3, "three fields");
	is_str(hs_head_get(&h, "authorization"), "Bearer  t",
	    "field by any case, value trimmed");
	is_int(h.has_length, 1, "has a length");
	is_int((long long)h.content_length, 12, "length 12");
	is_int(h.keep_alive, 1, "1.1 keeps the connection by default");
	ok(hs_head_get(&h, "Cookie") == NULL, "absent field");

	parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n", &h);
	is_int(h.keep_alive, 0, "Connection: close in a list");
	parse("GET / HTTP/1.0\r\n\r\n", &h);
	is_int(h.keep_alive, 0, "1.0 closes by default");
	is_str(h.query, "", "no query: \"\"");
	parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &h);
	is_int(h.keep_alive, 1, "1.0 with keep-alive");
	parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &h);
	is_int(h.expect_continue, 0, "1.0: Expect ignored");
	parse("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", &h);
	is_int(h.expect_continue, 1, "1.1: Expect: 100-continue");
	is_int(h.has_length, 0, "no length");

	/* Field count bound. */
	len = 64 * 1024;
	big = malloc(len);
	n = (size_t)snprintf(big, len, "GET / HTTP/1.1\r\n");
	for (i = 0; i < HS_FIELDS_MAX; i++)
		n += (size_t)snprintf(big + n, len - n, "F%zu: v\r\n", i);
	snprintf(big + n, len - n, "\r\n");
	is_int(parse(big, &h), 0, "%d fields", HS_FIELDS_MAX);
	snprintf(big + n, len - n, "X: y\r\n\r\n");
	is_int(parse(big, &h), 431, "%d fields: 431", HS_FIELDS_MAX + 1);
	free(big);

	/* A NUL byte anywhere. */
	{
		char	nul[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
		is_int(hs_head_parse(nul, sizeof(nul) - 1, &h), 400,
		    "NUL byte: 400");
	}
	free(keep);
	return tap_done();
}
