/*
 * httpserv.h -- the request-head parser of the HTTP listener
 * (httpparse.c), a pure function over bytes that the unit tests and a
 * fuzzer drive.
 */
#ifndef LOA_HTTPSERV_H
#define LOA_HTTPSERV_H

#include <stddef.h>

#define HS_HEAD_MAX	(16 * 1024)	/* request line and header fields */
#define HS_FIELDS_MAX	64		/* header fields in one request */

/* httpparse.c */
struct hs_field {
	const char	*name;
	const char	*value;		/* without surrounding white space */
};

/*
 * A parsed request head.  Every string points into the buffer given to
 * hs_head_parse(), which must outlive it.
 */
struct hs_head {
	const char	*method;
	const char	*path;		/* the target up to '?' ("/..." form) */
	const char	*query;		/* after '?'; "" when none */
	int		 minor;		/* HTTP/1.minor: 0 or 1 */
	struct hs_field	 fields[HS_FIELDS_MAX];
	int		 nfields;
	int		 has_length;	/* Content-Length was sent */
	unsigned long long content_length;	/* 0 without it */
	int		 keep_alive;	/* the client allows another request */
	int		 expect_continue;	/* Expect: 100-continue */
	const char	*error;		/* why hs_head_parse refused it */
};

size_t	 hs_head_scan(int *, const char *, size_t);
int	 hs_head_parse(char *, size_t, struct hs_head *);
const char *hs_head_get(const struct hs_head *, const char *);

#endif
