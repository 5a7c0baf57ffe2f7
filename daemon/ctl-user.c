/*
 * ctl-user.c -- "loactl user": the ward office's accounts.
 *
 *	loactl user add NAME --role drafter|approver|admin
 *	    (--wards CODE,... | --all) [--password-stdin]
 *	loactl user list [--json] | user disable NAME
 *	loactl user passwd NAME [--password-stdin]
 *
 * Without --password-stdin a random password (16 bytes, base64url) is
 * made and printed once, a one-time password: the account must change it
 * (POST /v1/session/password) before it may do anything else; with it,
 * one line of standard input is the password (10 to 1024 bytes), the
 * admin's choice, kept as it is.  Only its Argon2id string is stored
 * (auth.c).  A password change or a disabling ends the account's
 * sessions.  Each change is audited (ctl-auth.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "ctl.h"

#define USER_USAGE	"user add NAME --role drafter|approver|admin " \
			"(--wards CODE,... | --all) [--password-stdin]\n" \
			"       loactl user list [--json] | user disable NAME " \
			"| user passwd NAME [--password-stdin]"

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
	struct ctl_acct		 o;
	const char		*name;
	char			**ops, pw[LOA_PW_MAX + 2];
	char			 hash[LOA_PW_HASH_MAX];
	char			*scope;
	int			 nops, shown, rc;

	memset(&a, 0, sizeof(a));
	ctl_account_opts(argc, argv, lo, USER_USAGE, 1, &o);
	nops = ctl_operands(&ops);
	if (nops == 0)
		ctl_usage_error(USER_USAGE, "user: want add, list, disable or "
		    "passwd");
	if (strcmp(ops[0], "list") == 0) {
		if (nops != 1 || o.rolename || o.wards || o.all || o.stdin_pw)
			ctl_usage_error(USER_USAGE, "user list: takes only "
			    "--json");
		ctl_connect();
		return ctl_account_list(ctl_account("user_list", "", NULL,
		    NULL, NULL), o.json, 1);
	}
	if (nops != 2)
		ctl_usage_error(USER_USAGE, "user %s: want one NAME",
		    ops[0]);
	name = ctl_name_operand(ops[1], "user: NAME", USER_USAGE);
	if (strcmp(ops[0], "add") == 0) {
		(void)ctl_new_name(name, "user add: NAME", USER_USAGE);
		if (o.rolename == NULL)
			ctl_usage_error(USER_USAGE, "user add: want --role");
		ctl_scope_opts(&a, o.wards, o.all, USER_USAGE, "user add");
	} else if (strcmp(ops[0], "passwd") == 0 ||
	    strcmp(ops[0], "disable") == 0) {
		if (o.rolename || o.wards || o.all || o.json ||
		    (o.stdin_pw && strcmp(ops[0], "disable") == 0))
			ctl_usage_error(USER_USAGE, "user %s: no such option "
			    "here", ops[0]);
	} else
		ctl_usage_error(USER_USAGE, "user: unknown subcommand; want "
		    "add, list, disable or passwd");

	ctl_connect();
	if (strcmp(ops[0], "add") == 0)
		ctl_scope_known(&a, "user add");
	if (strcmp(ops[0], "disable") == 0) {
		if ((rc = ctl_account_result(ctl_account("user_disable", name,
		    NULL, NULL, NULL), "user", name)) == 0)
			printf("user %s disabled; their sessions end\n", name);
		return rc;
	}
	ctl_password(o.stdin_pw, pw, sizeof(pw), &shown);
	if (loa_pw_hash(pw, hash, sizeof(hash)) == -1) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr, "loactl: password hash: out of memory\n");
		return 1;
	}
	if (strcmp(ops[0], "add") == 0) {
		scope = loa_scope_str(&a);
		rc = ctl_account_result(ctl_account4("user_add", name,
		    loa_role_name(o.role), scope, hash, shown ? "1" : "0"),
		    "user", name);
		free(scope);
	} else
		rc = ctl_account_result(ctl_account("user_passwd", name, hash,
		    shown ? "1" : "0", NULL), "user", name);
	explicit_bzero(hash, sizeof(hash));
	if (rc == 0 && shown)
		printf("user %s: password %s (shown once: give it to them "
		    "in person; to be changed at the first login)\n", name,
		    pw);
	else if (rc == 0)
		printf("user %s: password set\n", name);
	explicit_bzero(pw, sizeof(pw));
	loa_actor_clear(&a);
	return rc;
}

