/*
 * httpserv.h -- the daemon's own small HTTP/1.1 server (httpserv.c), on
 * libevent bufferevents, and its request-head parser (httpparse.c), a
 * pure function over bytes that the unit tests and a fuzzer drive.
 *
 * Why not evhttp: libevent 2.1's evhttp reads a whole request body
 * before the application sees the request, so a bearer token cannot be
 * checked before an outsider's megabyte is in memory, and its timeouts
 * are inactivity timeouts that a client trickling one byte at a time
 * extends forever.  This server calls the application after the head
 * (hs_head_fn), reads a body only when the application asked for it,
 * with the limit the application chose, and gives every phase an
 * absolute deadline.
 */
#ifndef LOA_HTTPSERV_H
#define LOA_HTTPSERV_H

#include <stddef.h>

struct event_base;

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

/* httpserv.c */
struct hs_server;
struct hs_req;

/*
 * Called once the head of a request is read, before any of its body.
 * It either answers (hs_reply: the body is never read, and the
 * connection closes when there was one) or lets the body come with
 * hs_req_body_max(); hs_request_fn then gets the whole request.  It
 * must not free anything of the request.
 */
typedef void	(*hs_head_fn)(struct hs_req *, void *);
/*
 * Called with a whole request (head and body).  It answers with
 * hs_reply(), now or later (from another callback): until then the
 * request stays valid, unless the connection goes first, which
 * hs_req_on_gone() tells.
 */
typedef void	(*hs_request_fn)(struct hs_req *, void *);
/* The request is dropped unanswered; it is invalid after this call. */
typedef void	(*hs_gone_fn)(struct hs_req *, void *);

struct hs_config {
	const char	*host;		/* to bind: address, no brackets */
	const char	*port;
	int		 max_connections;	/* open at once */
	long long	 header_timeout_ms;	/* to read a request head */
	long long	 body_timeout_ms;	/* to read a body, or send an answer */
	hs_head_fn	 head_cb;
	hs_request_fn	 request_cb;
	void		*arg;
};

struct hs_server *hs_server_new(struct event_base *, const struct hs_config *,
	    char *, size_t);
int	 hs_server_fd(const struct hs_server *);
int	 hs_server_connections(const struct hs_server *);
void	 hs_server_free(struct hs_server *);

const struct hs_head *hs_req_head(const struct hs_req *);
const char *hs_req_header(const struct hs_req *, const char *);
const char *hs_req_body(const struct hs_req *, size_t *);
const char *hs_req_peer(const struct hs_req *);
void	 hs_req_body_max(struct hs_req *, size_t, int);
void	 hs_req_on_gone(struct hs_req *, hs_gone_fn, void *);
void	 hs_req_set_data(struct hs_req *, void *, void (*)(void *));
void	 *hs_req_data(const struct hs_req *);
void	 hs_reply_header(struct hs_req *, const char *, const char *);
void	 hs_reply(struct hs_req *, int, const char *, const char *, size_t);

#endif
