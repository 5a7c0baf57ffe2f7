/*
 * www.c -- the officials' console: static files of [http] www_dir
 * (default $(DATADIR)/www, compiled in as LOA_WWW_DIR) on the daemon's
 * HTTP listener.
 *
 *   GET /                 <www_dir>/index.html
 *   GET /static/<file>    <www_dir>/<file>
 *
 * The console is HTML, CSS and JavaScript that talk to the /v1 API only;
 * nothing here needs Redis or a credential (the files hold no secret: the
 * API decides who may do what).  httpd.c calls www_serve() for every path
 * its routes do not know, from the head callback: no body is ever read.
 *
 * What an outsider can name is kept small on purpose.  <file> is one path
 * component of [A-Za-z0-9_.-], not starting with '.', at most WWW_NAME_MAX
 * bytes, with an extension of the type table below; anything else (a '/',
 * "..", '%' escapes -- the target is never percent-decoded --, NUL, which
 * the parser refuses first) is 404 without touching the file system.  There
 * is no directory listing and no subdirectory.  The file is opened with
 * O_NOFOLLOW (a symbolic link in www_dir is not followed), must be a regular
 * file of at most WWW_FILE_MAX bytes, and is read whole: the console's files
 * are a few tens of KiB and in the page cache, so a read on the event loop
 * costs less than a thread would.
 *
 * Every answer carries "Cache-Control: no-cache" (the browser revalidates,
 * so an upgrade shows at once; there is no ETag, so it fetches again: the
 * files are small), "X-Content-Type-Options: nosniff" and, for HTML, a
 * strict Content-Security-Policy (WWW_CSP: only this origin's scripts,
 * styles and API, no inline script or style, no framing, no plugins).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "httpserv.h"

#define WWW_NAME_MAX	64		/* bytes of a file name */
#define WWW_FILE_MAX	(1024 * 1024)	/* bytes of a file served */
#define WWW_STATIC	"/static/"

#define WWW_CSP		"default-src 'none'; script-src 'self'; " \
			"style-src 'self'; img-src 'self' data:; " \
			"connect-src 'self'; font-src 'self'; " \
			"manifest-src 'self'; base-uri 'none'; " \
			"form-action 'self'; frame-ancestors 'none'"

static const struct www_type {
	const char	*ext;
	const char	*ctype;
} www_types[] = {
	{ "html",	"text/html; charset=utf-8" },
	{ "css",	"text/css; charset=utf-8" },
	{ "js",		"text/javascript; charset=utf-8" },
	{ "mjs",	"text/javascript; charset=utf-8" },
	{ "json",	"application/json" },
	{ "svg",	"image/svg+xml" },
	{ "png",	"image/png" },
	{ "ico",	"image/x-icon" },
	{ "txt",	"text/plain; charset=utf-8" },
	{ "woff2",	"font/woff2" },
};

static void	www_reply(struct hs_req *, int, const char *, const char *,
		    size_t);
static void	www_error(struct hs_req *, int, const char *);
static const struct www_type *www_type_of(const char *);
static void	www_file(struct hs_req *, const char *);

static void
www_reply(struct hs_req *req, int code, const char *ctype, const char *body,
    size_t len)
{
	hs_reply_header(req, "Cache-Control", "no-cache");
	hs_reply_header(req, "X-Content-Type-Options", "nosniff");
	hs_reply_header(req, "Referrer-Policy", "no-referrer");
	if (strncmp(ctype, "text/html", 9) == 0) {
		hs_reply_header(req, "Content-Security-Policy", WWW_CSP);
		hs_reply_header(req, "X-Frame-Options", "DENY");
	}
	hs_reply(req, code, ctype, body, len);
}

/* The API's error shape, {"error":"msg"}; msg is a constant of ours. */
static void
www_error(struct hs_req *req, int code, const char *msg)
{
	char	body[128];
	int	n;

	n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);
	www_reply(req, code, "application/json", body, (size_t)n);
}

/*
 * The type of the file name s, or NULL when s is not a name www_dir may
 * serve (see the comment at the top).
 */
static const struct www_type *
www_type_of(const char *s)
{
	const char	*dot = NULL, *p;
	size_t		 i;

	if (*s == '\0' || *s == '.' || strlen(s) > WWW_NAME_MAX)
		return NULL;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.')
			dot = p;
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		    *p == '-'))
			return NULL;
	}
	if (dot == NULL)
		return NULL;
	for (i = 0; i < sizeof(www_types) / sizeof(www_types[0]); i++)
		if (strcmp(dot + 1, www_types[i].ext) == 0)
			return &www_types[i];
	return NULL;
}

/* Answer with the file name (checked by www_type_of) of www_dir. */
static void
www_file(struct hs_req *req, const char *name)
{
	const struct www_type	*t = www_type_of(name);
	struct stat		 st;
	char			 path[PATH_MAX], *buf = NULL;
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd = -1, len;

	if (t == NULL) {
		www_error(req, 404, "no such file");
		return;
	}
	len = snprintf(path, sizeof(path), "%s/%s", loa->cfg.www_dir, name);
	if (len < 0 || (size_t)len >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		www_error(req, 404, "no such file");
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > WWW_FILE_MAX) {
		close(fd);
		www_error(req, 404, "no such file");
		return;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	/* A file that grows while read is cut at its size when opened. */
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got < (size_t)st.st_size) {
		free(buf);
		www_error(req, 500, "console file unreadable");
		return;
	}
	www_reply(req, 200, t->ctype, buf, got);
	free(buf);
}

/*
 * The hook of httpd.c's dispatch: when req's path is the console's ("/"
 * or under "/static/"), answer it and return 1; else return 0 and leave
 * req alone.
 */
int
www_serve(struct hs_req *req)
{
	const struct hs_head	*h = hs_req_head(req);
	const char		*name;

	if (strcmp(h->path, "/") == 0)
		name = "index.html";
	else if (strncmp(h->path, WWW_STATIC, strlen(WWW_STATIC)) == 0)
		name = h->path + strlen(WWW_STATIC);
	else
		return 0;
	if (strcmp(h->method, "GET") != 0) {
		hs_reply_header(req, "Allow", "GET");
		www_error(req, 405, "method not allowed");
		return 1;
	}
	www_file(req, name);
	return 1;
}

/*
 * Say once at start when www_dir has no console (the API works without
 * one).
 */
void
www_check(void)
{
	char	path[PATH_MAX];
	int	len;

	len = snprintf(path, sizeof(path), "%s/index.html", loa->cfg.www_dir);
	if (len < 0 || (size_t)len >= sizeof(path) || access(path, R_OK) == -1)
		log_info("http: no console: %s/index.html is not readable "
		    "([http] www_dir)", loa->cfg.www_dir);
}
