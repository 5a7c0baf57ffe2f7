/*
 * test_secret.c -- util.c's secret files and the rules on what comes
 * from outside: loa_read_secret() on regular files, FIFOs (never
 * blocking), symbolic links, modes, sizes and $CREDENTIALS_DIRECTORY;
 * loa_token_ok() for the API token; loa_provider_id_ok() and
 * loa_provider_id_take() for providers' message ids.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loa.h"
#include "tap.h"

static char	dir[] = "/tmp/loa-test-secret.XXXXXX";

/* dir/name holding text with mode; returns the path (static). */
static const char *
file(const char *name, const char *text, mode_t mode)
{
	static char	path[512];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
	chmod(path, mode);
	return path;
}

static void
test_read(void)
{
	char		 err[512], path[512], *v = NULL, *big;
	const char	*p;

	p = file("good", "s3cret\n\n", 0600);
	is_int(loa_read_secret(p, &v, err, sizeof(err)), 0, "a 600 file");
	is_str(v != NULL ? v : "", "s3cret", "trailing newlines removed");
	free(v);
	p = file("ro", "x", 0400);
	is_int(loa_read_secret(p, &v, err, sizeof(err)), 0, "a 400 file");
	free(v);
	p = file("group", "x", 0640);
	is_int(loa_read_secret(p, &v, err, sizeof(err)), -1, "mode 640");
	ok(strstr(err, "readable by group or others (mode 640)") != NULL &&
	    strstr(err, p) != NULL, "mode 640: says so, naming it: %s", err);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkfifo(path, 0600);
	is_int(loa_read_secret(path, &v, err, sizeof(err)), -1,
	    "a FIFO: refused, without blocking");
	ok(strstr(err, "not a regular file (a FIFO)") != NULL, "a FIFO: %s",
	    err);
	is_int(loa_read_secret(dir, &v, err, sizeof(err)), -1, "a directory");
	ok(strstr(err, "(a directory)") != NULL, "a directory: %s", err);
	is_int(loa_read_secret("/dev/zero", &v, err, sizeof(err)), -1,
	    "a device");
	ok(strstr(err, "(a device)") != NULL, "a device: %s", err);

	snprintf(path, sizeof(path), "%s/link", dir);
	(void)symlink(file("target", "x", 0600), path);
	is_int(loa_read_secret(path, &v, err, sizeof(err)), -1,
	    "a symbolic link");
	ok(strstr(err, "a symbolic link; name the file itself") != NULL,
	    "a symbolic link: %s", err);

	big = malloc(LOA_SECRET_MAX + 2);
	memset(big, 'k', LOA_SECRET_MAX + 1);
	big[LOA_SECRET_MAX + 1] = '\0';
	p = file("big", big, 0600);
	is_int(loa_read_secret(p, &v, err, sizeof(err)), -1,
	    "one byte over LOA_SECRET_MAX");
	ok(strstr(err, "larger than 65536 bytes") != NULL, "too big: %s",
	    err);
	big[LOA_SECRET_MAX] = '\0';
	p = file("max", big, 0600);
	is_int(loa_read_secret(p, &v, err, sizeof(err)), 0,
	    "LOA_SECRET_MAX bytes exactly");
	free(v);
	free(big);

	if (geteuid() == 0) {
		p = file("theirs", "x", 0600);
		(void)chown(p, 65534, 65534);
		is_int(loa_read_secret(p, &v, err, sizeof(err)), -1,
		    "owned by another user");
		ok(strstr(err, "owned by uid 65534, not by the daemon's user "
		    "(uid 0) or root") != NULL, "another owner: %s", err);
	}

	file("rel", "relative\n", 0600);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	is_int(loa_read_secret("rel", &v, err, sizeof(err)), 0,
	    "a relative name, in $CREDENTIALS_DIRECTORY");
	is_str(v != NULL ? v : "", "relative", "... its text");
	free(v);
	loa_secret_path("rel", path, sizeof(path));
	ok(strncmp(path, dir, strlen(dir)) == 0, "loa_secret_path: %s", path);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_token(void)
{
	static const struct {
		const char	*tok;
		int		 ok;
		const char	*why;
	} cases[] = {
		{ "0123456789abcdef", 1, NULL },
		{ "tok-3f9a1c0e5b7d2a4c6e8f", 1, NULL },
		{ "0123456789abcde", 0, "too short: want at least 16" },
		{ "abc", 0, "too short" },
		{ "", 0, "empty" },
		{ "                ", 0, "holds a space" },
		{ "0123456789 abcdef", 0, "holds a space" },
		{ "0123456789abcdef\n", 0, "control character" },
		{ "\t0123456789abcdef", 0, "control character (byte 1)" },
		{ "0123456789abcd\x7f" "ef", 0, "control character" },
	};
	char	why[128];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		is_int(loa_token_ok(cases[i].tok, why, sizeof(why)),
		    cases[i].ok, "token %zu", i);
		if (!cases[i].ok)
			ok(strstr(why, cases[i].why) != NULL, "token %zu: %s",
			    i, why);
	}
}

static void
test_ids(void)
{
	char	id[128], longer[200];

	ok(loa_provider_id_ok("a7a7c1a7", 9), "hex id");
	ok(loa_provider_id_ok("SM:1/2~x", 9), "':' and '/' are visible ASCII");
	ok(!loa_provider_id_ok("", 1), "empty");
	ok(!loa_provider_id_ok("a b", 4), "a space");
	ok(!loa_provider_id_ok("a\nb", 4), "a newline");
	ok(!loa_provider_id_ok("a\tb", 4), "a tab");
	ok(!loa_provider_id_ok("\xc3\xa9", 3), "UTF-8");
	ok(!loa_provider_id_ok("abcd", 4), "not NUL-terminated in its buffer");
	memset(longer, 'x', sizeof(longer));
	longer[127] = '\0';
	ok(loa_provider_id_ok(longer, sizeof(longer)), "127 bytes");
	longer[127] = 'x';
	longer[128] = '\0';
	ok(!loa_provider_id_ok(longer, sizeof(longer)), "128 bytes");

	snprintf(id, sizeof(id), "ok-id");
	is_int(loa_provider_id_take("p", id, sizeof(id), "a test"), 1,
	    "take: a good id");
	is_str(id, "ok-id", "take: kept");
	snprintf(id, sizeof(id), "bad\x01id");
	is_int(loa_provider_id_take("p", id, sizeof(id), "a test"), 0,
	    "take: a control byte");
	is_str(id, "", "take: emptied");
	memset(id, 'y', sizeof(id));		/* no NUL at all */
	is_int(loa_provider_id_take("p", id, sizeof(id), "a test"), 0,
	    "take: no NUL in the buffer");
	is_int(id[0], '\0', "take: emptied");
}

int
main(void)
{
	char	cmd[600];

	log_init("test_secret", 0);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_read();
	test_token();
	test_ids();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
	return tap_done();
}
