/*
 * ctl-auth.c -- what loactl user, token and audit share (ctl-user.c,
 * ctl-token.c, ctl-audit.c), and the audit entry of loactl's acts.
 *
 * Every change of an account or a token is one script (account.lua) that
 * writes it and its audit entry together, as "cli:<unix user>": loactl
 * talks to Redis directly, so whoever runs it is an admin of every ward.
 * ctl_audit_act() is the audit entry of loactl's other acts (submit,
 * cancel, retry, import, optout, provider).  ctl_as_user() checks an
 * account's password for "loactl approve|reject --as USER" as the HTTP
 * login does (login.lua).  Names follow loa_name_valid(); what comes
 * back from Redis is printed through ctl_oneline() (or escaped JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ctl.h"

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
	    action, target, CTL_FROM, detail);
	freeReplyObject(ctl_commandv(&av));
	loa_argv_free(&av);
	loa_actor_clear(&a);
}

/*
 * Send the script call av with up to four more arguments (NULL: none);
 * its answer.  av is freed: it may have held a password hash or a token
 * digest, and no copy is left.
 */
static redisReply *
run_rest(struct loa_argv *av, const char *r1, const char *r2, const char *r3,
    const char *r4)
{
	const char	*rest[4] = { r1, r2, r3, r4 };
	redisReply	*r;
	size_t		 i;

	for (i = 0; i < 4 && rest[i] != NULL; i++)
		loa_argv_add(av, rest[i]);
	r = ctl_commandv(av);
	loa_argv_free(av);
	return r;
}

/* Run account.lua's op on name with the rest; its answer (a string). */
redisReply *
ctl_account(const char *op, const char *name, const char *r1, const char *r2,
    const char *r3)
{
	return ctl_account4(op, name, r1, r2, r3, NULL);
}

/* The same with four more arguments (user_add). */
redisReply *
ctl_account4(const char *op, const char *name, const char *r1,
    const char *r2, const char *r3, const char *r4)
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
	loa_argv_add(&av, CTL_FROM);
	loa_argv_add(&av, name);
	r = run_rest(&av, r1, r2, r3, r4);
	loa_actor_clear(&a);
	return r;
}

/* The script's answer: 0 for "ok", else a message and 1. */
int
ctl_account_result(redisReply *r, const char *what, const char *name)
{
	int	rc = 1;

	if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)
		fprintf(stderr, "loactl: %s %s: unreadable answer\n", what,
		    name);
	else if (strcmp(r->str, "ok") == 0)
		rc = 0;
	else if (strcmp(r->str, "exists") == 0)
		fprintf(stderr, "loactl: %s: an account or a token of that "
		    "name exists already\n", name);
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
 * One line of standard input into pw (pwlen bytes; the newline and a
 * carriage return cut).  Exits 1 for no line, or one longer than
 * LOA_PW_MAX bytes.
 */
static void
pw_line(char *pw, size_t pwlen)
{
	size_t	n;

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
}

/*
 * The password for an account: one line of standard input (stdin), or
 * a new one printed (*shown).  Exits 1 for a password that will not do.
 */
void
ctl_password(int stdin_pw, char *pw, size_t pwlen, int *shown)
{
	char	err[128];

	*shown = 0;
	if (!stdin_pw) {
		loa_pw_new(pw, pwlen);
		*shown = 1;
		return;
	}
	pw_line(pw, pwlen);
	if (!loa_pw_ok(pw, err, sizeof(err))) {
		explicit_bzero(pw, pwlen);
		fprintf(stderr, "loactl: %s\n", err);
		exit(1);
	}
}

/*
 * login.lua's op for user, from loactl ("local", and the digest of
 * "local" as the address the failures are counted for), with up to
 * three more arguments.
 */
static redisReply *
ctl_login(const char *op, const char *user, const char *r1, const char *r2,
    const char *r3)
{
	struct loa_argv	 av;
	redisReply	*r;
	char		 now[40], addr[LOA_DIGEST_HEX + 1];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_token_digest(CTL_FROM, addr);
	loa_script_argv(&av, loa_script_login, ctl_cfg.prefix);
	loa_argv_add(&av, op);
	loa_argv_addf(&av, "%lld", loa_now_ms());
	loa_argv_add(&av, now);
	loa_argv_addf(&av, "%lld", ctl_cfg.retention_ms);
	loa_argv_add(&av, user);
	loa_argv_add(&av, addr);
	loa_argv_add(&av, CTL_FROM);
	r = run_rest(&av, r1, r2, r3, NULL);
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "loactl: --as %s: unreadable answer from "
		    "Redis\n", user);
		exit(1);
	}
	return r;
}

/*
 * loactl approve|reject --as USER: USER's password is one line of
 * standard input, checked as POST /v1/session checks it (login.lua, from
 * "local"): refused while the account is locked or too many logins
 * failed; a failure counted and audited (login_failed), the account
 * locked after LOA_LOGIN_FAILS in a row; a success resets the count.
 * An unknown account, a disabled one and a wrong password are refused
 * in the same words, after the same work.  An account whose one-time
 * password is still to be changed (loactl user add|passwd without
 * --password-stdin) is refused once its password is checked.  On success
 * a is the account (kind user, its role and wards); otherwise exit 1.  The password is
 * wiped once checked and never printed.
 */
void
ctl_as_user(const char *user, struct loa_actor *a)
{
	static const char	 bad[] = "wrong password, or the account is "
				    "unknown, disabled or locked";
	char			 pw[LOA_PW_MAX + 2], dummy[LOA_PW_HASH_MAX];
	char			 n[16], lock[32], win[32], err[256];
	redisReply		*r;
	const char		*st;
	int			 good;

	pw_line(pw, sizeof(pw));
	snprintf(n, sizeof(n), "%d", LOA_ADDR_FAILS);
	r = ctl_login("check", user, n, NULL, NULL);
	st = r->element[0]->str;
	if (strcmp(st, "addr") == 0 || strcmp(st, "locked") == 0) {
		explicit_bzero(pw, sizeof(pw));
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: too many failed logins; "
		    "try again later\n", user);
		exit(1);
	}
	if (strcmp(st, "ok") == 0 && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		good = loa_pw_verify(r->element[1]->str, pw);
	else {
		/* The same work for nobody: no timing tells who exists. */
		if (loa_pw_hash("not a password at all", dummy,
		    sizeof(dummy)) == 0)
			(void)loa_pw_verify(dummy, pw);
		good = 0;
	}
	explicit_bzero(pw, sizeof(pw));
	freeReplyObject(r);
	if (!good) {
		snprintf(n, sizeof(n), "%d", LOA_LOGIN_FAILS);
		snprintf(lock, sizeof(lock), "%lld", LOA_LOCK_MS);
		snprintf(win, sizeof(win), "%lld", LOA_ADDR_WINDOW_MS);
		r = ctl_login("fail", user, n, lock, win);
		fprintf(stderr, "loactl: --as %s: %s%s\n", user, bad,
		    strcmp(r->element[0]->str, "locked") == 0 ?
		    " (now locked: too many failures)" : "");
		freeReplyObject(r);
		exit(1);
	}
	r = ctl_login("verified", user, NULL, NULL, NULL);
	if (strcmp(r->element[0]->str, "ok") != 0 || r->elements != 4 ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: %s\n", user, bad);
		exit(1);
	}
	if (strcmp(r->element[3]->str, "1") == 0) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: %s\n", user,
		    LOA_MUST_CHANGE_MSG);
		exit(1);
	}
	loa_actor_set(a, LOA_ACTOR_USER, LOA_ROLE_DRAFTER, user);
	if (loa_role_parse(r->element[1]->str, &a->role) == -1 ||
	    loa_scope_parse(a, r->element[2]->str, err, sizeof(err)) == -1) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: the account's role or "
		    "wards are unreadable\n", user);
		exit(1);
	}
	freeReplyObject(r);
}

/* A NAME operand: exits 2 unless it follows the name rule. */
const char *
ctl_name_operand(const char *s, const char *what, const char *usage)
{
	if (!loa_name_valid(s))
		ctl_usage_error(usage, "%s: want " LOA_NAME_RULE, what);
	return s;
}

/*
 * Every ward of a's scope is in the directory (loa:wards), or exit 1
 * naming the first that is not: a scope of "70" would never cover a job
 * of ward 00070, and the official would learn it only from a 403.
 */
void
ctl_scope_known(const struct loa_actor *a, const char *cmd)
{
	redisReply	*r;
	size_t		 i;
	char		*key;

	if (a->all)
		return;
	key = loa_key_wards(ctl_cfg.prefix);
	for (i = 0; i < a->nwards; i++) {
		r = ctl_commandl("SISMEMBER", key, a->wards[i], NULL);
		if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
			/* A ward code follows the name rule: printable. */
			fprintf(stderr, "loactl: %s: ward %s is not in the "
			    "directory (want its 5-digit code, as `loactl "
			    "import wards` loaded it)\n", cmd, a->wards[i]);
			freeReplyObject(r);
			free(key);
			exit(1);
		}
		freeReplyObject(r);
	}
	free(key);
}

/*
 * The NAME of a new account or token: exits 2 when the audit's own
 * names (loa_actor_name_reserved()) are asked for.
 */
const char *
ctl_new_name(const char *s, const char *what, const char *usage)
{
	if (loa_actor_name_reserved(s))
		ctl_usage_error(usage, "%s: %s is the audit's name for "
		    "the token_file token, the stream, the daemon or a "
		    "resident's keyword; choose "
		    "another", what, s);
	return s;
}

/* The rows of account.lua's user_list or token_list, printed. */
int
ctl_account_list(redisReply *r, int json, int users)
{
	static const char *const ucols[] = { "role", "wards", "disabled",
	    "created_at", "locked_until", "must_change" };
	static const char *const tcols[] = { "role", "wards", "revoked",
	    "created_at" };
	const char *const	*cols = users ? ucols : tcols;
	size_t			 ncols = users ? 6 : 4, i, c, k;
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
			s = ctl_oneline(row->element[0]->str);
			printf("%-24s", s);
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

/*
 * The options of user and token (the table lo is the command's own):
 * --role (admin only when admin_ok), --wards, --all, --json,
 * --password-stdin, into o.  Bad usage exits 2.
 */
void
ctl_account_opts(int argc, char **argv, const struct option *lo,
    const char *usage, int admin_ok, struct ctl_acct *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->role = LOA_ROLE_DRAFTER;
	while ((ch = ctl_getopt(argc, argv, lo, usage)) != -1)
		switch (ch) {
		case 'r':
			o->rolename = optarg;
			if (loa_role_parse(optarg, &o->role) == -1 ||
			    (!admin_ok && o->role == LOA_ROLE_ADMIN))
				ctl_usage_error(usage, "%s: --role: want "
				    "drafter%s", argv[0], admin_ok ?
				    ", approver or admin" : " or approver");
			break;
		case 'w':
			o->wards = optarg;
			break;
		case 'a':
			o->all = 1;
			break;
		case 'p':
			o->stdin_pw = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		}
}

/* --wards/--all and --role, as user add and token add take them. */
void
ctl_scope_opts(struct loa_actor *a, const char *wards, int all,
    const char *usage, const char *cmd)
{
	char	err[256];

	if ((wards == NULL) == !all)
		ctl_usage_error(usage, "%s: want --wards CODE,... or --all",
		    cmd);
	if (loa_scope_parse(a, all ? "all" : wards, err, sizeof(err)) == -1)
		ctl_usage_error(usage, "%s: %s", cmd, err);
}

