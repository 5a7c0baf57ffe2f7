/*
 * loactl.c -- the control tool: command line, configuration, the Redis
 * connection and the helpers the commands share.
 *
 *	loactl [-c CONFIG] [-r URL] COMMAND [ARGS]
 *	loactl -h | --help | -V | --version
 *
 * The commands[] table dispatches the commands and is also what the
 * usage message and --help list; "loactl COMMAND --help" prints the
 * command's own usage line (ctl_getopt()).
 *
 * loactl reads the daemon's configuration (-c, else /etc/loa/loa.conf
 * when it exists, else the built-in defaults) for the Redis address, the
 * key prefix, the Redis password file and the job size limit; -r URL
 * overrides the Redis address (and the sentinels).  It talks to Redis
 * over one synchronous hiredis connection (5 s connect and I/O timeouts).
 * With sentinels it asks them once, in turn (1 s each), where the master
 * is, connects there and checks with ROLE that it is the master.
 *
 * Exit status: 0 on success, 1 on failure (including a Redis that cannot
 * be reached), 2 on bad usage with a usage message on standard error.
 *
 * Phone numbers read from Redis are never printed in full: free text that
 * comes from Redis (error reasons, dead letters) goes through ctl_mask().
 * Nothing read from Redis, a file or the command line reaches the terminal
 * raw: it goes through ctl_oneline() (loa_neutral(): controls, C1 and
 * bidi controls as visible escapes), so a name cannot rewrite the screen.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_DEFAULT_CONF	"/etc/loa/loa.conf"
#define CTL_TIMEOUT_S		5
#define CTL_SENTINEL_MS		1000
#define CTL_ARGV_MAX		32

struct loa_config	 ctl_cfg;
redisContext		*ctl_redis;

static const char	*conf_path;	/* -c */
static struct loa_redis_addr url_addr;	/* -r, until moved into ctl_cfg */
static int		 have_url;
static int		 cfg_loaded;
static char		 redis_name[300];	/* "host:port" for messages */
static char		**operands;	/* of the command, from ctl_getopt() */
static int		 noperands;


/*
 * The commands: what dispatches them is also what usage() and --help
 * list, so a command cannot be missing from the help.  synopsis is the
 * command's usage line (a second line, when there is one, after '\n');
 * help says what it does, in lines of at most 60 columns.
 */
static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*synopsis;
	const char	*help;
} commands[] = {
	{ "send", ctl_send,
	  "send FILE [--wait] [--timeout SECONDS] [--test PHONE]",
	  "validate a job (FILE \"-\": standard input), enqueue it and\n"
	  "print its id; --wait follows it to the end; --test PHONE\n"
	  "sends it only to PHONE, as the first resident would get it" },
	{ "preview", ctl_preview,
	  "preview FILE [--resident ID] [--json]",
	  "show what a job will send, writing nothing: audience per\n"
	  "ward, one resident's messages, estimated SMS cost" },
	{ "status", ctl_status,
	  "status [ID] [--json]",
	  "state and counters of a job, per channel and per ward;\n"
	  "without ID: daemons, queues, jobs by state, providers" },
	{ "jobs", ctl_jobs,
	  "jobs [--state STATE] [--limit N] [--json]",
	  "the newest jobs (50 unless --limit), a line each" },
	{ "log-level", ctl_log_level,
	  "log-level [debug|info|warning|default]",
	  "the log level of every daemon; without LEVEL: the one set" },
	{ "tail", ctl_tail,
	  "tail [--job ID] [-n N | --from-start] [--exit-after N] [--json]",
	  "print the last N events (default 0), then follow the\n"
	  "delivery and job events, one JSON object a line" },
	{ "dead", ctl_dead,
	  "dead [--json | --retry ENTRY_ID]",
	  "list dead letters, or enqueue one again" },
	{ "import", ctl_import,
	  "import wards|residents FILE.csv",
	  "load the ward or resident directory from CSV (FILE \"-\":\n"
	  "standard input); bad rows are reported, good ones kept" },
	{ "provider", ctl_provider,
	  "provider list [--json] | provider pause|resume NAME",
	  "providers, pause state and circuits; pause or resume one\n"
	  "in every daemon sharing the Redis (failover switch)" },
	{ "report", ctl_report,
	  "report ID [--csv] [--ward CODE]... [--unmasked]",
	  "per ward: residents reached, failed and unreached, then\n"
	  "the failed and unreached ones to follow up in person;\n"
	  "--csv for a spreadsheet (with the reason); --unmasked\n"
	  "prints FULL phone numbers (for officials who must call)" },
	{ "optout", ctl_optout,
	  "optout add|remove [--zalo] PHONE|UID... | "
	  "optout check [--zalo] PHONE|UID\n"
	  "optout list [--zalo] [--count | --json]",
	  "the numbers that refuse every message (shown masked);\n"
	  "check exits 0 when the number is opted out (the optout\n"
	  "set, or a resident with opt_out=1 who has it), 1 when not;\n"
	  "--zalo: the same for the Zalo user ids that sent an\n"
	  "opt-out word (remove leaves residents' opt_out as it is)" },
	{ "cancel", ctl_cancel,
	  "cancel ID",
	  "stop a job in every daemon; nothing more goes out for it" },
	{ "retry", ctl_retry,
	  "retry ID",
	  "send a finished job again to the recipients it failed" },
	{ "user", ctl_user,
	  "user add NAME --role drafter|approver|admin\n"
	  "    (--wards CODE,... | --all) [--password-stdin]\n"
	  "user list [--json] | user disable NAME | "
	  "user passwd NAME [--password-stdin]",
	  "the ward office's accounts; a new password is printed\n"
	  "once unless --password-stdin reads it (one line)" },
	{ "token", ctl_token,
	  "token add NAME (--wards CODE,... | --all) [--role drafter|approver]"
	  "\ntoken list [--json] | token revoke NAME",
	  "bearer tokens for systems, printed once and stored\n"
	  "only as a hash" },
	{ "audit", ctl_audit,
	  "audit [--since TIME] [--actor NAME] [--limit N] [--json]",
	  "the audit trail: who did what, to what, from where;\n"
	  "TIME is RFC 3339 or a duration back from now (24h)" },
	{ "inbox", ctl_inbox,
	  "inbox [--ward CODE] [--job ID] [--follow] [--json] [--limit N]",
	  "what residents wrote back, newest first (phones\n"
	  "masked); --follow prints new ones as they come" },
	{ "approve", ctl_approve,
	  "approve ID [--as USER]",
	  "approve a job awaiting approval (not your own): it is\n"
	  "sent; --as USER reads USER's password from stdin" },
	{ "reject", ctl_reject,
	  "reject ID --reason TEXT [--as USER]",
	  "reject a job awaiting approval: it never sends" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

#define CTL_SYNOPSIS	"loactl [-c CONFIG] [-r URL] "

/*
 * Print s, a text of lines separated by '\n', each line after the first
 * preceded by lead.
 */
static void
print_lines(FILE *fp, const char *s, const char *lead)
{
	for (; *s != '\0'; s++) {
		fputc(*s, fp);
		if (*s == '\n')
			fputs(lead, fp);
	}
	fputc('\n', fp);
}

/* The synopsis on stderr (bad usage, exit 2) or full help on stdout. */
static void __attribute__((noreturn))
usage(FILE *fp, int status)
{
	size_t	i;

	if (fp == stderr) {
		for (i = 0; i < NCOMMANDS; i++) {
			fprintf(fp, "%s" CTL_SYNOPSIS, i == 0 ? "usage: " :
			    "       ");
			print_lines(fp, commands[i].synopsis,
			    "       " CTL_SYNOPSIS);
		}
		fprintf(fp, "       loactl -h | --help | -V | --version\n"
		    "       loactl COMMAND --help\n");
		exit(status);
	}
	fprintf(fp, "usage: " CTL_SYNOPSIS "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		fprintf(fp, "  ");
		print_lines(fp, commands[i].synopsis, "  ");
		fprintf(fp, "            ");
		print_lines(fp, commands[i].help, "            ");
	}
	fprintf(fp,
"\n"
"options:\n"
"  -c CONFIG  configuration file (default " CTL_DEFAULT_CONF
    " when it exists)\n"
"  -r URL     Redis, redis://HOST:PORT/DB or unix:///PATH (overrides the\n"
"             configuration)\n"
"  -h, --help this help; \"loactl COMMAND --help\": the command's usage\n"
"  -V, --version\n"
"             version\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad usage.\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	char	 err[512];
	size_t	 i;
	int	 ch, rc;

	log_init("loactl", 0);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:r:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'r':
			if (have_url)
				loa_redis_addr_clear(&url_addr);
			have_url = 0;
			if (loa_redis_parse_url(optarg, &url_addr, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "loactl: -r: %s\n", err);
				usage(stderr, 2);
			}
			have_url = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("loactl %s\n", LOA_VERSION);
			exit(0);
		case ':':
			fprintf(stderr, "loactl: -%c needs a value\n", optopt);
			usage(stderr, 2);
		default:
			if (optopt != 0)
				fprintf(stderr, "loactl: unknown option -%c\n",
				    optopt);
			else {
				char *o = ctl_oneline(argv[optind - 1]);
				fprintf(stderr, "loactl: unknown option %s\n",
				    o);
				free(o);
			}
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fprintf(stderr, "loactl: no command\n");
		usage(stderr, 2);
	}
	if (strcmp(argv[0], "help") == 0)
		usage(stdout, 0);

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		optind = 0;	/* glibc: start afresh on the command's argv */
		rc = commands[i].fn(argc, argv);
		ctl_disconnect();
		free(operands);
		if (cfg_loaded)
			loa_config_clear(&ctl_cfg);
		if (have_url)
			loa_redis_addr_clear(&url_addr);
		return rc;
	}
	{
		char *cmd = ctl_oneline(argv[0]);
		fprintf(stderr, "loactl: unknown command \"%s\"\n", cmd);
		free(cmd);
	}
	usage(stderr, 2);
}

/*
 * Load the configuration once: -c, else the default file when it exists,
 * else the defaults; then apply -r.  A configuration that cannot be read
 * or parsed exits 1.
 */
void
ctl_config(void)
{
	const char	*path = conf_path;
	char		 err[512];

	if (cfg_loaded)
		return;
	if (path == NULL && access(CTL_DEFAULT_CONF, F_OK) == 0)
		path = CTL_DEFAULT_CONF;
	if (path != NULL) {
		if (loa_config_load(path, &ctl_cfg, err, sizeof(err)) == -1) {
			fprintf(stderr, "loactl: %s\n", err);
			loa_config_clear(&ctl_cfg);
			exit(1);
		}
	} else
		loa_config_defaults(&ctl_cfg);
	loa_job_limits(ctl_cfg.max_recipients);
	if (have_url) {
		loa_redis_addr_clear(&ctl_cfg.redis);
		ctl_cfg.redis = url_addr;	/* moved: ctl_cfg frees it */
		memset(&url_addr, 0, sizeof(url_addr));
		have_url = 0;
		loa_redis_sentinel_clear(&ctl_cfg.redis_sentinel);
	}
	if (ctl_cfg.redis_sentinel.master_name != NULL)
		snprintf(redis_name, sizeof(redis_name), "master of %s",
		    ctl_cfg.redis_sentinel.master_name);
	else
		loa_redis_addr_str(&ctl_cfg.redis, redis_name,
		    sizeof(redis_name));
	cfg_loaded = 1;
}

/*
 * With sentinels: ask them where the master is, into ctl_cfg.redis (the
 * db kept), and name it "HOST:PORT (master of NAME)".  Exits 1 when no
 * sentinel names it.
 */
static void
ctl_find_master(void)
{
	struct loa_redis_addr	 m;
	char			 err[1024], *pw = NULL, a[256];
	const char		*name = ctl_cfg.redis_sentinel.master_name;
	int			 rc;

	if (ctl_cfg.redis_sentinel_password_file != NULL &&
	    loa_read_secret(ctl_cfg.redis_sentinel_password_file, &pw, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "loactl: redis sentinel password: %s\n", err);
		exit(1);
	}
	rc = loa_redis_sentinel_ask(&ctl_cfg.redis_sentinel, pw,
	    CTL_SENTINEL_MS, &m, err, sizeof(err));
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (rc == -1) {
		fprintf(stderr, "loactl: redis: no sentinel named the master of "
		    "%s (%s)\n", name, err);
		exit(1);
	}
	m.db = ctl_cfg.redis.db;
	loa_redis_addr_clear(&ctl_cfg.redis);
	ctl_cfg.redis = m;
	loa_redis_addr_str(&m, a, sizeof(a));
	snprintf(redis_name, sizeof(redis_name), "%s (master of %s)", a,
	    name);
}

/*
 * Connect to Redis (once), authenticate with the password file when the
 * configuration names one and select the database.  Exits 1 with
 * "loactl: redis HOST:PORT: ..." when any of it fails.
 */
void
ctl_connect(void)
{
	struct timeval	 tv = { CTL_TIMEOUT_S, 0 };
	redisContext	*c;
	redisReply	*r;
	char		 err[512], db[16], *pw;

	ctl_config();
	if (ctl_redis != NULL)
		return;
	if (ctl_cfg.redis_sentinel.master_name != NULL)
		ctl_find_master();
	if (ctl_cfg.redis.is_unix)
		c = redisConnectUnixWithTimeout(ctl_cfg.redis.path, tv);
	else
		c = redisConnectWithTimeout(ctl_cfg.redis.host,
		    ctl_cfg.redis.port, tv);
	if (c == NULL) {
		fprintf(stderr, "loactl: redis %s: out of memory\n",
		    redis_name);
		exit(1);
	}
	ctl_redis = c;
	if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK)
		ctl_redis_fail();

	if (ctl_cfg.redis_password_file != NULL) {
		if (loa_read_secret(ctl_cfg.redis_password_file, &pw, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "loactl: redis password: %s\n", err);
			exit(1);
		}
		r = redisCommand(c, "AUTH %s", pw);
		explicit_bzero(pw, strlen(pw));
		free(pw);
		if (r == NULL)
			ctl_redis_fail();
		if (r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "loactl: redis %s: AUTH: %s\n",
			    redis_name, r->str);
			exit(1);
		}
		freeReplyObject(r);
	}
	if (ctl_cfg.redis.db != 0) {
		snprintf(db, sizeof(db), "%d", ctl_cfg.redis.db);
		freeReplyObject(ctl_commandl("SELECT", db, NULL));
	}
	if (ctl_cfg.redis_sentinel.master_name != NULL) {
		const char *role;
		r = ctl_commandl("ROLE", NULL);
		if ((role = loa_redis_role(r)) == NULL ||
		    strcmp(role, "master") != 0) {
			fprintf(stderr, "loactl: redis %s: not the master but a "
			    "%s; try again when the failover is over\n",
			    redis_name, role != NULL ? role : "?");
			exit(1);
		}
		freeReplyObject(r);
	}
}

void
ctl_disconnect(void)
{
	if (ctl_redis != NULL)
		redisFree(ctl_redis);
	ctl_redis = NULL;
}

/* The Redis connection failed: say why and exit 1. */
void
ctl_redis_fail(void)
{
	const char	*why = "connection lost";

	if (ctl_redis != NULL && ctl_redis->errstr[0] != '\0')
		why = ctl_redis->errstr;
	fprintf(stderr, "loactl: redis %s: %s\n", redis_name, why);
	exit(1);
}

/*
 * Run one command (binary-safe when len is not NULL) and return its reply
 * for the caller to free.  A lost connection or an error reply exits 1.
 */
/*
 * Run a command; an error answer exits 1, naming the command by its first
 * argument, or by the script's name (shown) for a script call.
 */
static redisReply *
command_named(int argc, const char **argv, const size_t *len,
    const char *shown)
{
	redisReply	*r;

	r = redisCommandArgv(ctl_redis, argc, argv, len);
	if (r == NULL)
		ctl_redis_fail();
	if (r->type == REDIS_REPLY_ERROR) {
		char *a1 = ctl_oneline(shown != NULL ? shown :
		    argc > 1 ? argv[1] : "");
		char *why = ctl_oneline(r->str);
		fprintf(stderr, "loactl: redis %s: %s%s%s: %s\n", redis_name,
		    argv[0], argc > 1 ? " " : "", a1, why);
		free(a1);
		free(why);
		freeReplyObject(r);
		exit(1);
	}
	return r;
}

redisReply *
ctl_command(int argc, const char **argv, const size_t *len)
{
	return command_named(argc, argv, len, NULL);
}

/*
 * ctl_command() with an argument vector (a script call: loa_script_argv()):
 * an error names the script, not its whole text.
 */
redisReply *
ctl_commandv(const struct loa_argv *av)
{
	return command_named(av->argc, (const char **)av->argv, av->len,
	    av->script != NULL ? av->script->name : NULL);
}

/* ctl_command() with C-string arguments, ending with NULL. */
redisReply *
ctl_commandl(const char *arg0, ...)
{
	const char	*argv[CTL_ARGV_MAX];
	const char	*s;
	va_list		 ap;
	int		 argc = 0;

	argv[argc++] = arg0;
	va_start(ap, arg0);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (argc == CTL_ARGV_MAX)
			fatalx("ctl_commandl: too many arguments");
		argv[argc++] = s;
	}
	va_end(ap);
	return ctl_command(argc, argv, NULL);
}

/*
 * The value of field name in a flat array of field/value pairs (an
 * HGETALL reply or a stream entry's fields), with its length in *len when
 * len is not NULL; NULL when absent.
 */
const char *
ctl_field(const redisReply *pairs, const char *name, size_t *len)
{
	size_t	i;

	if (pairs == NULL || pairs->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < pairs->elements; i += 2) {
		const redisReply *k = pairs->element[i];
		const redisReply *v = pairs->element[i + 1];
		if (k->type == REDIS_REPLY_STRING &&
		    v->type == REDIS_REPLY_STRING &&
		    strcmp(k->str, name) == 0) {
			if (len != NULL)
				*len = v->len;
			return v->str;
		}
	}
	return NULL;
}

/*
 * Non-zero when s is a whole decimal integer that JSON can carry as a
 * number without changing it: an optional '-', no leading zeros, at most
 * 15 digits.
 */
int
ctl_is_integer(const char *s)
{
	size_t	n;

	if (*s == '-')
		s++;
	n = strspn(s, "0123456789");
	if (n == 0 || n > 15 || s[n] != '\0')
		return 0;
	return s[0] != '0' || n == 1;
}

/* Numbers in free text masked (loa_mask_numbers(), neutral.c). */
char *
ctl_mask(const char *s)
{
	return loa_mask_numbers(s);
}

/*
 * A copy of s for the terminal, on one line: controls, C1 and bidi
 * controls and bytes that are not UTF-8 as visible escapes ("\n",
 * "\x1b", "\u202e"), everything else as it is.  The caller frees.
 */
char *
ctl_oneline(const char *s)
{
	return loa_neutral(s);
}

/*
 * Print o as one line of compact JSON, with no raw control, C1 or bidi
 * control in it (loa_neutral_json(): the same JSON).
 */
void
ctl_print_json(const json_t *o)
{
	struct loa_buf	 b;
	char		*s;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("json_dumps");
	loa_buf_init(&b);
	loa_neutral_json(&b, s, strlen(s));
	loa_buf_add(&b, "\n", 1);
	fwrite(b.data, 1, b.len, stdout);
	loa_buf_free(&b);
	free(s);
}

void
ctl_sleep_ms(long long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Report bad usage of a command: "loactl: MESSAGE" and its usage line on
 * standard error, then exit 2.  cmd_usage is the command's synopsis
 * ("status ID [--json]").
 */
void
ctl_usage_error(const char *cmd_usage, const char *fmt, ...)
{
	char	msg[1024], *line;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);	/* may quote an operand */
	va_end(ap);
	line = ctl_oneline(msg);
	fprintf(stderr, "loactl: %s\nusage: loactl %s\n", line, cmd_usage);
	free(line);
	exit(2);
}

/*
 * The one operand of a command that takes a job ID (status, report,
 * cancel, retry): exits 2 when it is missing, doubled, or not an id a
 * job can have (so "x:out" never reaches an internal key).
 */
char *
ctl_job_operand(const char *cmd, const char *cmd_usage)
{
	char	**ops;
	int	  nops;

	if ((nops = ctl_operands(&ops)) != 1)
		ctl_usage_error(cmd_usage, "%s: %s", cmd, nops == 0 ?
		    "missing job ID" : "one job ID only");
	if (!loa_name_valid(ops[0]))
		ctl_usage_error(cmd_usage, "%s: a job ID is " LOA_NAME_RULE,
		    cmd);
	return ops[0];
}

/*
 * getopt_long() over a command's arguments (argv[0] is the command),
 * long options only, options and operands in any order (even with
 * POSIXLY_CORRECT set); operands are collected for ctl_operands().
 * Returns the next option's val, or -1 when done.  -h/--help prints the
 * synopsis and exits 0; an unknown option or a missing or unexpected
 * value exits 2.
 */
int
ctl_getopt(int argc, char **argv, const struct option *lo,
    const char *cmd_usage)
{
	return ctl_getopt_short(argc, argv, "", lo, cmd_usage);
}

/*
 * ctl_getopt() with short options too: shorts in getopt()'s syntax
 * ("n:"), each returning its letter.
 */
int
ctl_getopt_short(int argc, char **argv, const char *shorts,
    const struct option *lo, const char *cmd_usage)
{
	const struct option	*o;
	char			 optstring[32];
	int			 ch;

	if (snprintf(optstring, sizeof(optstring), "-:h%s", shorts) >=
	    (int)sizeof(optstring))
		fatalx("ctl_getopt_short: too many options");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, optstring, lo, NULL)) == 1) {
		operands = xreallocarray(operands, noperands + 1,
		    sizeof(*operands));
		operands[noperands++] = optarg;
	}
	switch (ch) {
	case -1:	/* after "--": the rest are operands */
		for (; optind < argc; optind++) {
			operands = xreallocarray(operands, noperands + 1,
			    sizeof(*operands));
			operands[noperands++] = argv[optind];
		}
		break;
	case 'h':
		printf("usage: loactl %s\n", cmd_usage);
		exit(0);
	case ':':
		ctl_usage_error(cmd_usage, "%s: %s needs a value", argv[0],
		    argv[optind - 1]);
	case '?':
		for (o = lo; optopt != 0 && o->name != NULL; o++)
			if (o->val == optopt)	/* --flag=value */
				ctl_usage_error(cmd_usage, "%s: %s takes no "
				    "value", argv[0], argv[optind - 1]);
		if (optopt != 0)
			ctl_usage_error(cmd_usage, "%s: unknown option -%c",
			    argv[0], optopt);
		ctl_usage_error(cmd_usage, "%s: unknown option %s", argv[0],
		    argv[optind - 1]);
	}
	return ch;
}

/* The operands ctl_getopt() collected, in order; returns their number. */
int
ctl_operands(char ***out)
{
	*out = operands;
	return noperands;
}

/*
 * Read path ("-": standard input) into b.  Returns 0, or -1 with err set
 * when it cannot be read or holds more than max bytes.
 */
int
ctl_read_job(const char *path, size_t max, struct loa_buf *b, char *err,
    size_t errlen)
{
	FILE	*fp;
	char	 chunk[65536];
	size_t	 n;
	int	 rc = 0;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (n > max || b->len > max - n) {
			snprintf(err, errlen, "more than %zu bytes, the "
			    "max_job_size limit", max);
			rc = -1;
			break;
		}
		loa_buf_add(b, chunk, n);
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = -1;
	}
	if (fp != stdin)
		fclose(fp);
	return rc;
}
