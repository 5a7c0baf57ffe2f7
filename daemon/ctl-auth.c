/*
 * ctl-auth.c -- the ward office from loactl: accounts, named tokens and
 * the audit trail.
 *
 *	loactl user add NAME --role drafter|approver|admin
 *	    (--wards CODE,... | --all) [--password-stdin]
 *	loactl user list [--json] | user disable NAME
 *	loactl user passwd NAME [--password-stdin]
 *	loactl token add NAME (--wards CODE,... | --all) [--role drafter|approver]
 *	loactl token list [--json] | token revoke NAME
 *	loactl audit [--since TIME] [--actor NAME] [--limit N] [--json]
 *
 * Without --password-stdin a random password is made and printed once;
 * with it, one line of standard input is the password.  A token is
 * printed once and stored only as its SHA-256 (auth.c).  Every change is
 * one script (account.lua) that writes it and its audit entry together,
 * as "cli:<unix user>": loactl talks to Redis directly, so whoever runs
 * it is an admin of every ward.  ctl_audit_act() is the audit entry of
 * loactl's other acts (cancel, retry, import, optout, provider).
 *
 * Names follow loa_name_valid(); what comes back from Redis is printed
 * through ctl_oneline() (or escaped JSON).  Passwords and tokens are
 * wiped from memory after use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "ctl.h"

#define USER_USAGE	"user add NAME --role drafter|approver|admin " \
			"(--wards CODE,... | --all) [--password-stdin]\n" \
			"       loactl user list [--json] | user disable NAME | " \
			"user passwd NAME [--password-stdin]"
#define TOKEN_USAGE	"token add NAME (--wards CODE,... | --all) " \
			"[--role drafter|approver]\n" \
			"       loactl token list [--json] | token revoke NAME"
#define AUDIT_USAGE	"audit [--since TIME] [--actor NAME] [--limit N] " \
			"[--json]"
#define AUDIT_LIMIT	100
#define AUDIT_LIMIT_MAX	100000

/*
 * One act of loactl into the audit trail, as cli:<unix user>, from
 * "local".
 */
void
ctl_audit_act(const char *action, const char *target, const char *detail)
{
	struct loa_actor	a;
	struct loa_argv		av;

	loa_actor_cli(&a);
	loa_audit_argv(&av, ctl_cfg.prefix, ctl_cfg.retention_ms, a.name,
	    action, target, "local", detail);
	freeReplyObject(ctl_commandv(&av));
	loa_argv_free(&av);
	loa_actor_clear(&a);
}

/* Run account.lua's op on name with the rest; its answer (a string). */
static redisReply *
account(const char *op, const char *name, const char *r1, const char *r2,
    const char *r3)
{
	struct loa_actor	 a;
	struct loa_argv		 av;
	redisReply		*r;
	char			 now[40];

	loa_actor_cli(&a);
	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(&av, loa_script_account, ctl_cfg.prefix);
	loa_argv_add(&av, op);
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%lld", ctl_cfg.retention_ms);
	loa_argv_add(&av, a.name);
	loa_argv_add(&av, "local");
	loa_argv_add(&av, name);
	if (r1 != NULL)
		loa_argv_add(&av, r1);
	if (r2 != NULL)
		loa_argv_add(&av, r2);
	if (r3 != NULL)
		loa_argv_add(&av, r3);
	r = ctl_commandv(&av);
	/* The argv held a password hash or a token digest: no copy left. */
	loa_argv_free(&av);
	loa_actor_clear(&a);
	return r;
}

/* The script's answer: 0 for "ok", else a message and 1. */
static int
account_result(redisReply *r, const char *what, const char *name)
{
	int	rc = 1;

	if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)
		fprintf(stderr, "loactl: %s %s: unreadable answer\n", what,
		    name);
	else if (strcmp(r->str, "ok") == 0)
		rc = 0;
	else if (strcmp(r->str, "exists") == 0)
		fprintf(stderr, "loactl: %s %s exists already\n", what, name);
	else if (strcmp(r->str, "unknown") == 0)
		fprintf(stderr, "loactl: no %s %s\n", what, name);
	else if (strcmp(r->str, "already") == 0)
		fprintf(stderr, "loactl: %s %s is %s already\n", what, name,
		    strcmp(what, "token") == 0 ? "revoked" : "disabled");
	else
		fprintf(stderr, "loactl: %s %s: unexpected answer\n", what,
		    name);
	freeReplyObject(r);
	return rc;
}

/*
 * The password for an account: one line of standard input (stdin), or
 * a new one printed (*shown).  Exits 1 for a password that will not do.
 */
static void
get_password(int stdin_pw, char *pw, size_t pwlen, int *shown)
{
	char	err[128];
	size_t	n;

	*shown = 0;
	if (!stdin_pw) {
		loa_pw_new(pw, pwlen);
		*shown = 1;
		return;
	}
	if (fgets(pw, pwlen, stdin) == NULL) {
		fprintf(stderr, "loactl: no password on standard input\n");
		exit(1);
	}
	n = strlen(pw);
	if (n > 0 && pw[n - 1] == '\n')
		pw[--n] = '\0';
	else if (!feof(stdin)) {
		explicit_bzero(pw, pwlen);
		fprintf(stderr, "loactl: password: want at most %d bytes\n",
		    LOA_PW_MAX);
		exit(1);
	}
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	if (!loa_pw_ok(pw, err, sizeof(err))) {
		explicit_bzero(pw, pwlen);
		fprintf(stderr, "loactl: %s\n", err);
		exit(1);
	}
}

/* A NAME operand: exits 2 unless it follows the name rule. */
static const char *
name_operand(const char *s, const char *what, const char *usage)
{
	if (!loa_name_valid(s))
		ctl_usage_error(usage, "%s: want " LOA_NAME_RULE, what);
	return s;
}

/* The rows of account.lua's user_list or token_list, printed. */
static int
print_list(redisReply *r, int json, int users)
{
	static const char *const ucols[] = { "role", "wards", "disabled",
	    "created_at", "locked_until" };
	static const char *const tcols[] = { "role", "wards", "revoked",
	    "created_at" };
	const char *const	*cols = users ? ucols : tcols;
	size_t			 ncols = users ? 5 : 4, i, c, k;
	const redisReply	*row;
	const char		*v;
	json_t			*a, *o;
	char			*s;

	if (r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: unreadable answer from Redis\n");
		return 1;
	}
	a = json_array();
	if (!json)
		printf("%-24s %-9s %-8s %-29s %s\n", "NAME", "ROLE",
		    users ? "DISABLED" : "REVOKED", "CREATED", "WARDS");
	for (i = 0; i < r->elements; i++) {
		row = r->element[i];
		if (row->type != REDIS_REPLY_ARRAY || row->elements < 1 ||
		    row->element[0]->type != REDIS_REPLY_STRING)
			continue;
		o = json_object();
		json_object_set_new(o, "name",
		    json_string(row->element[0]->str));
		for (c = 0; c < ncols; c++) {
			v = NULL;
			for (k = 1; k + 1 < row->elements; k += 2)
				if (row->element[k]->type ==
				    REDIS_REPLY_STRING &&
				    row->element[k + 1]->type ==
				    REDIS_REPLY_STRING &&
				    strcmp(row->element[k]->str, cols[c]) == 0)
					v = row->element[k + 1]->str;
			json_object_set_new(o, cols[c],
			    json_string(v != NULL ? v : ""));
		}
		if (!json) {
			printf("%-24s", (s = ctl_oneline(row->element[0]->str)));
			free(s);
			for (c = 0; c < 4; c++) {
				static const int w[] = { 9, 8, 29, 0 };
				const char *col = c == 0 ? "role" : c == 1 ?
				    (users ? "disabled" : "revoked") : c == 2 ?
				    "created_at" : "wards";
				v = json_string_value(json_object_get(o, col));
				s = ctl_oneline(v);
				printf(" %-*s", w[c], s);
				free(s);
			}
			printf("\n");
		}
		json_array_append_new(a, o);
	}
	if (json)
		ctl_print_json(a);
	json_decref(a);
	freeReplyObject(r);
	return 0;
}

/* --wards/--all and --role, as user add and token add take them. */
static void
scope_opts(struct loa_actor *a, const char *wards, int all,
    const char *usage, const char *cmd)
{
	char	err[256];

	if ((wards == NULL) == !all)
		ctl_usage_error(usage, "%s: want --wards CODE,... or --all",
		    cmd);
	if (loa_scope_parse(a, all ? "all" : wards, err, sizeof(err)) == -1)
		ctl_usage_error(usage, "%s: %s", cmd, err);
}

int
ctl_user(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "role",		required_argument,	NULL,	'r' },
		{ "wards",		required_argument,	NULL,	'w' },
		{ "all",		no_argument,		NULL,	'a' },
		{ "password-stdin",	no_argument,		NULL,	'p' },
		{ "json",		no_argument,		NULL,	'j' },
		{ "help",		no_argument,		NULL,	'h' },
		{ NULL,			0,			NULL,	0 }
	};
	struct loa_actor	 a;
	enum loa_role		 role = LOA_ROLE_DRAFTER;
	const char		*wards = NULL, *name, *rolename = NULL;
	char			**ops, pw[LOA_PW_MAX + 2], hash[LOA_PW_HASH_MAX];
	char			*scope;
	int			 ch, nops, all = 0, stdin_pw = 0, json = 0;
	int			 shown, rc;

	memset(&a, 0, sizeof(a));
	while ((ch = ctl_getopt(argc, argv, lo, USER_USAGE)) != -1)
		switch (ch) {
		case 'r':
			rolename = optarg;
			if (loa_role_parse(optarg, &role) == -1)
				ctl_usage_error(USER_USAGE, "user: --role: "
				    "want drafter, approver or admin");
			break;
		case 'w':
			wards = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'p':
			stdin_pw = 1;
			break;
		case 'j':
			json = 1;
			break;
		}
	nops = ctl_operands(&ops);
	if (nops == 0)
		ctl_usage_error(USER_USAGE, "user: want add, list, disable or "
		    "passwd");
	if (strcmp(ops[0], "list") == 0) {
		if (nops != 1 || rolename || wards || all || stdin_pw)
			ctl_usage_error(USER_USAGE, "user list: takes only "
			    "--json");
		ctl_connect();
		return print_list(account("user_list", "", NULL, NULL, NULL),
		    json, 1);
	}
	if (nops != 2)
		ctl_usage_error(USER_USAGE, "user %s: want one NAME",
		    ops[0]);
	name = name_operand(ops[1], "user: NAME", USER_USAGE);
	if (strcmp(ops[0], "add") == 0) {
		if (rolename == NULL)
			ctl_usage_error(USER_USAGE, "user add: want --role");
		scope_opts(&a, wards, all, USER_USAGE, "user add");
	} else if (strcmp(ops[0], "passwd") == 0 ||
	    strcmp(ops[0], "disable") == 0) {
		if (rolename || wards || all || json ||
		    (stdin_pw && strcmp(ops[0], "disable") == 0))
			ctl_usage_error(USER_USAGE, "user %s: no such option "
			    "here", ops[0]);
	} else
		ctl_usage_error(USER_USAGE, "user: unknown subcommand; want "
		    "add, list, disable or passwd");

	ctl_connect();
	if (strcmp(ops[0], "disable") == 0) {
		if ((rc = account_result(account("user_disable", name, NULL,
		    NULL, NULL), "user", name)) == 0)
			printf("user %s disabled; their sessions end\n", name);
		return rc;
	}
	get_password(stdin_pw, pw, sizeof(pw), &shown);
	if (loa_pw_hash(pw, hash, sizeof(hash)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr, "loactl: password hash: out of memory\n");
		return 1;
	}
	if (strcmp(ops[0], "add") == 0) {
		scope = loa_scope_str(&a);
		rc = account_result(account("user_add", name,
		    loa_role_name(role), scope, hash), "user", name);
		free(scope);
	} else
		rc = account_result(account("user_passwd", name, hash, NULL,
		    NULL), "user", name);
	explicit_bzero(hash, sizeof(hash));
	if (rc == 0 && shown)
		printf("user %s: password %s (shown once: give it to them "
		    "in person)\n", name, pw);
	else if (rc == 0)
		printf("user %s: password set\n", name);
	explicit_bzero(pw, sizeof(pw));
	loa_actor_clear(&a);
	return rc;
}

int
ctl_token(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "role",	required_argument,	NULL,	'r' },
		{ "wards",	required_argument,	NULL,	'w' },
		{ "all",	no_argument,		NULL,	'a' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct loa_actor	 a;
	enum loa_role		 role = LOA_ROLE_DRAFTER;
	const char		*wards = NULL, *name, *rolename = NULL;
	char			**ops, tok[LOA_TOKEN_LEN + 1];
	char			 hex[LOA_DIGEST_HEX + 1], *scope;
	int			 ch, nops, all = 0, json = 0, rc;

	memset(&a, 0, sizeof(a));
	while ((ch = ctl_getopt(argc, argv, lo, TOKEN_USAGE)) != -1)
		switch (ch) {
		case 'r':
			rolename = optarg;
			/* An admin is a person or the token_file token. */
			if (loa_role_parse(optarg, &role) == -1 ||
			    role == LOA_ROLE_ADMIN)
				ctl_usage_error(TOKEN_USAGE, "token: --role: "
				    "want drafter or approver");
			break;
		case 'w':
			wards = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		}
	nops = ctl_operands(&ops);
	if (nops == 0)
		ctl_usage_error(TOKEN_USAGE, "token: want add, list or "
		    "revoke");
	if (strcmp(ops[0], "list") == 0) {
		if (nops != 1 || rolename || wards || all)
			ctl_usage_error(TOKEN_USAGE, "token list: takes only "
			    "--json");
		ctl_connect();
		return print_list(account("token_list", "", NULL, NULL, NULL),
		    json, 0);
	}
	if (nops != 2)
		ctl_usage_error(TOKEN_USAGE, "token %s: want one NAME",
		    ops[0]);
	name = name_operand(ops[1], "token: NAME", TOKEN_USAGE);
	if (strcmp(ops[0], "revoke") == 0) {
		if (rolename || wards || all || json)
			ctl_usage_error(TOKEN_USAGE, "token revoke: takes no "
			    "option");
		ctl_connect();
		if ((rc = account_result(account("token_revoke", name, NULL,
		    NULL, NULL), "token", name)) == 0)
			printf("token %s revoked\n", name);
		return rc;
	}
	if (strcmp(ops[0], "add") != 0)
		ctl_usage_error(TOKEN_USAGE, "token: unknown subcommand; want "
		    "add, list or revoke");
	if (json)
		ctl_usage_error(TOKEN_USAGE, "token add: no --json");
	scope_opts(&a, wards, all, TOKEN_USAGE, "token add");
	ctl_connect();
	if (loa_token_new(tok, sizeof(tok)) == -1)
		fatalx("token buffer");
	loa_token_digest(tok, hex);
	scope = loa_scope_str(&a);
	rc = account_result(account("token_add", name, loa_role_name(role),
	    scope, hex), "token", name);
	free(scope);
	if (rc == 0)
		printf("%s\n", tok);
	if (rc == 0 && isatty(fileno(stdout)))
		fprintf(stderr, "token %s: shown once, stored only as a "
		    "hash; give it to the system as "
		    "\"Authorization: Bearer <token>\"\n", name);
	explicit_bzero(tok, sizeof(tok));
	loa_actor_clear(&a);
	return rc;
}

/* The fields of one audit entry, as a JSON object. */
static json_t *
audit_entry(const redisReply *e)
{
	const redisReply	*f;
	json_t			*o;
	size_t			 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    (f = e->element[1])->type != REDIS_REPLY_ARRAY)
		return NULL;
	o = json_object();
	json_object_set_new(o, "id", json_string(e->element[0]->str));
	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			json_object_set_new(o, f->element[i]->str,
			    json_string(f->element[i + 1]->str));
	return o;
}

static void
audit_line(const json_t *o)
{
	static const char *const cols[] = { "ts", "actor", "action",
	    "target", "from", "detail" };
	static const int w[] = { 29, 20, 14, 24, 15, 0 };
	const char	*v;
	char		*s;
	size_t		 i;

	for (i = 0; i < 6; i++) {
		v = json_string_value(json_object_get(o, cols[i]));
		s = ctl_oneline(v != NULL && *v != '\0' ? v : "-");
		printf("%s%-*s", i > 0 ? " " : "", w[i], s);
		free(s);
	}
	printf("\n");
}

int
ctl_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "since",	required_argument,	NULL,	's' },
		{ "actor",	required_argument,	NULL,	'a' },
		{ "limit",	required_argument,	NULL,	'l' },
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	redisReply	*r;
	json_t		*a, *o;
	const char	*actor = NULL, *act;
	char		**ops, *key, from[32], count[32], *end;
	long long	 since = -1, ms;
	long		 limit = AUDIT_LIMIT;
	size_t		 i;
	int		 ch, json = 0;

	while ((ch = ctl_getopt(argc, argv, lo, AUDIT_USAGE)) != -1)
		switch (ch) {
		case 's':
			/* An RFC 3339 time, or a duration before now. */
			if (loa_time_parse(optarg, &ms) == 0)
				since = ms;
			else if (loa_parse_duration_ms(optarg, &ms) == 0)
				since = loa_now_ms() - ms;
			else
				ctl_usage_error(AUDIT_USAGE, "audit: --since "
				    "\"%s\": want an RFC 3339 time or a "
				    "duration (30m, 24h, 7d)", optarg);
			if (since < 0)
				since = 0;
			break;
		case 'a':
			actor = optarg;
			if (strlen(actor) > LOA_NAME_MAX + 8)
				ctl_usage_error(AUDIT_USAGE, "audit: --actor: "
				    "too long");
			break;
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    limit < 1 || limit > AUDIT_LIMIT_MAX)
				ctl_usage_error(AUDIT_USAGE, "audit: --limit: "
				    "want 1 to %d", AUDIT_LIMIT_MAX);
			break;
		case 'j':
			json = 1;
			break;
		}
	if (ctl_operands(&ops) != 0)
		ctl_usage_error(AUDIT_USAGE, "audit: takes no operand");

	ctl_connect();
	key = loa_key_audit(ctl_cfg.prefix);
	/*
	 * --since: from then on, oldest first; else the newest, read
	 * backwards and printed oldest first.  --actor filters what was
	 * read: the limit counts the entries shown.
	 */
	a = json_array();
	snprintf(from, sizeof(from), "%lld", since >= 0 ? since : 0);
	snprintf(count, sizeof(count), "%ld", actor != NULL ?
	    (long)AUDIT_LIMIT_MAX : limit);
	if (since >= 0)
		r = ctl_commandl("XRANGE", key, from, "+", "COUNT", count,
		    NULL);
	else
		r = ctl_commandl("XREVRANGE", key, "+", "-", "COUNT", count,
		    NULL);
	free(key);
	if (r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "loactl: audit: unreadable answer\n");
		freeReplyObject(r);
		json_decref(a);
		return 1;
	}
	for (i = 0; i < r->elements && json_array_size(a) < (size_t)limit;
	    i++) {
		if ((o = audit_entry(r->element[i])) == NULL)
			continue;
		act = json_string_value(json_object_get(o, "actor"));
		if (actor != NULL && (act == NULL || strcmp(act, actor) != 0)) {
			json_decref(o);
			continue;
		}
		if (since >= 0)
			json_array_append_new(a, o);
		else
			json_array_insert_new(a, 0, o);
	}
	freeReplyObject(r);
	if (json)
		ctl_print_json(a);
	else {
		printf("%-29s %-20s %-14s %-24s %-15s %s\n", "TIME", "ACTOR",
		    "ACTION", "TARGET", "FROM", "DETAIL");
		json_array_foreach(a, i, o)
			audit_line(o);
	}
	json_decref(a);
	return 0;
}
