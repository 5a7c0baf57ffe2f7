/*
 * fuzz_import.c -- "loactl import wards|residents" (daemon/ctl-import.c)
 * on any CSV, without Redis: the command runs as it is, reading the
 * input as its standard input, and a fake of the four hiredis calls it
 * makes checks each batch it would send and answers it.
 *
 * The first byte chooses wards (even) or residents (odd); the rest is
 * the file.  Promises checked: every script call is laid out as its Lua
 * script reads it (wards: code, name, district per row; residents: id,
 * ward, nf and nf field/value pairs, the six fixed fields among them,
 * each field once), every argument is a C string of its stated length,
 * and the import never asks Redis for anything it did not send.
 */
#include <hiredis/hiredis.h>

#include "ctl.h"
#include "fuzz.h"

struct loa_config	 ctl_cfg;
redisContext		*ctl_redis;

static int		 fz_kind;	/* 0 wards, 1 residents */
static int		 fz_rows = -1;	/* rows of the call sent, -1: none */

void
ctl_connect(void)
{
}

/* The import's audit entry is another call (ctl-auth.c): not fuzzed. */
void
ctl_audit_act(const char *action, const char *target, const char *detail)
{
	(void)action;
	(void)target;
	(void)detail;
}

void
ctl_redis_fail(void)
{
	fprintf(stderr, "ctl_redis_fail called\n");
	abort();
}

int
ctl_getopt(int argc, char **argv, const struct option *lo, const char *u)
{
	(void)argc;
	(void)argv;
	(void)lo;
	(void)u;
	return -1;
}

static char	*fz_ops[2];

int
ctl_operands(char ***ops)
{
	*ops = fz_ops;
	return 2;
}

void
ctl_usage_error(const char *usage, const char *fmt, ...)
{
	(void)usage;
	(void)fmt;
	abort();
}

/* The rows of a residents call (ARGV from argv[3]), checked; -1: bad. */
static int
resident_rows(int argc, const char **argv)
{
	static const char *const fixed[] = { "phone", "zalo_uid", "name",
	    "ward", "opt_out", "channels" };
	const char	**A = argv + 2;		/* A[1] is ARGV[1] */
	int		  nargv = argc - 3, ncols, i, nf, k, j, rows = 0;

	ncols = atoi(A[2]);
	FZ_ASSERT(ncols >= 0 && 2 + ncols <= nargv);
	for (i = 3 + ncols; i <= nargv; rows++) {
		FZ_ASSERT(i + 2 <= nargv);
		nf = atoi(A[i + 2]);
		FZ_ASSERT(nf >= 6 && i + 2 + 2 * nf <= nargv);
		for (k = 0; k < 6; k++)
			FZ_ASSERT(strcmp(A[i + 3 + 2 * k], fixed[k]) == 0);
		FZ_ASSERT(strcmp(A[i + 3 + 7], A[i + 1]) == 0);	/* ward */
		for (k = 0; k < nf; k++)
			for (j = 0; j < k; j++)
				FZ_ASSERT(strcmp(A[i + 3 + 2 * k],
				    A[i + 3 + 2 * j]) != 0);
		for (k = 6; k < nf; k++)
			FZ_ASSERT(strncmp(A[i + 3 + 2 * k], "var:", 4) == 0 &&
			    A[i + 4 + 2 * k][0] != '\0');
		i += 3 + 2 * nf;
	}
	FZ_ASSERT(i == nargv + 1);
	return rows;
}

int
redisAppendCommandArgv(redisContext *c, int argc, const char **argv,
    const size_t *argvlen)
{
	int	i;

	(void)c;
	FZ_ASSERT(fz_rows == -1);	/* one call in flight at most */
	FZ_ASSERT(argc >= 4 && strcmp(argv[0], "EVAL") == 0 &&
	    strcmp(argv[2], "0") == 0 && strcmp(argv[3], "loa:") == 0);
	for (i = 0; i < argc; i++)
		FZ_ASSERT(strlen(argv[i]) == argvlen[i]);
	if (fz_kind == 0) {
		FZ_ASSERT((argc - 4) % 3 == 0);
		for (i = 4; i < argc; i += 3)
			FZ_ASSERT(argv[i][0] != '\0' && argv[i + 1][0] != '\0');
		fz_rows = (argc - 4) / 3;
	} else
		fz_rows = resident_rows(argc, argv);
	FZ_ASSERT(fz_rows > 0);
	return REDIS_OK;
}

int
redisBufferWrite(redisContext *c, int *done)
{
	(void)c;
	*done = 1;
	return REDIS_OK;
}

static redisReply *
fake_string(const char *s)
{
	redisReply	*r = calloc(1, sizeof(*r));

	FZ_ASSERT(r != NULL);
	r->type = REDIS_REPLY_STRING;
	r->str = strdup(s);
	r->len = strlen(s);
	return r;
}

/* Answers cycle through what the scripts can say. */
int
redisGetReply(redisContext *c, void **reply)
{
	static const char *const say[] = { "added", "updated", "unchanged",
	    "unknown ward 70", "added", "unknown ward W1" };
	redisReply	*r;
	int		 i;

	(void)c;
	FZ_ASSERT(fz_rows > 0);
	r = calloc(1, sizeof(*r));
	FZ_ASSERT(r != NULL);
	r->type = REDIS_REPLY_ARRAY;
	r->elements = (size_t)fz_rows;
	r->element = calloc((size_t)fz_rows, sizeof(*r->element));
	for (i = 0; i < fz_rows; i++)
		r->element[i] = fake_string(say[i % 6]);
	fz_rows = -1;
	*reply = r;
	return REDIS_OK;
}

void
freeReplyObject(void *reply)
{
	redisReply	*r = reply;
	size_t		 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->elements; i++)
		freeReplyObject(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*devnull;
	static char	 name[] = "import", prefix[] = "loa:",
			 wards[] = "wards", residents[] = "residents",
			 dash[] = "-";
	char		*argv[] = { name, NULL };
	FILE		*in, *out, *err, *saved_in;

	if (size < 2)
		return 0;
	if (devnull == NULL) {
		ctl_cfg.prefix = prefix;
		ctl_redis = (redisContext *)&ctl_cfg;	/* never used */
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	fz_kind = data[0] & 1;
	fz_ops[0] = fz_kind ? residents : wards;
	fz_ops[1] = dash;
	if ((in = fmemopen((void *)(data + 1), size - 1, "r")) == NULL)
		abort();
	saved_in = stdin;
	out = stdout;
	err = stderr;
	stdin = in;
	stdout = stderr = devnull;
	(void)ctl_import(1, argv);
	stdin = saved_in;
	stdout = out;
	stderr = err;
	fclose(in);
	FZ_ASSERT(fz_rows == -1);	/* every answer was read */
	return 0;
}
