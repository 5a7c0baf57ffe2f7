/*
 * ctl-token.c -- "loactl token": bearer tokens for other systems.
 *
 *	loactl token add NAME (--wards CODE,... | --all)
 *	    [--role drafter|approver]
 *	loactl token list [--json] | token revoke NAME
 *
 * A token ("loa_" and 32 random bytes in base64url) is printed once, on
 * standard output, and stored only as its SHA-256 (auth.c); a revoked
 * token's digest stops naming it at once.  An admin is a person (an
 * account) or the [http] token_file token: no named token is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "ctl.h"

#define TOKEN_USAGE	"token add NAME (--wards CODE,... | --all) " \
			"[--role drafter|approver]\n" \
			"       loactl token list [--json] | token revoke NAME"

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
	struct ctl_acct		 o;
	const char		*name;
	char			**ops, tok[LOA_TOKEN_LEN + 1];
	char			 hex[LOA_DIGEST_HEX + 1], *scope;
	int			 nops, rc;

	memset(&a, 0, sizeof(a));
	/* An admin is a person or the token_file token: no named token. */
	ctl_account_opts(argc, argv, lo, TOKEN_USAGE, 0, &o);
	nops = ctl_operands(&ops);
	if (nops == 0)
		ctl_usage_error(TOKEN_USAGE, "token: want add, list or "
		    "revoke");
	if (strcmp(ops[0], "list") == 0) {
		if (nops != 1 || o.rolename || o.wards || o.all)
			ctl_usage_error(TOKEN_USAGE, "token list: takes only "
			    "--json");
		ctl_connect();
		return ctl_account_list(ctl_account("token_list", "", NULL,
		    NULL, NULL), o.json, 0);
	}
	if (nops != 2)
		ctl_usage_error(TOKEN_USAGE, "token %s: want one NAME",
		    ops[0]);
	name = ctl_name_operand(ops[1], "token: NAME", TOKEN_USAGE);
	if (strcmp(ops[0], "revoke") == 0) {
		if (o.rolename || o.wards || o.all || o.json)
			ctl_usage_error(TOKEN_USAGE, "token revoke: takes no "
			    "option");
		ctl_connect();
		if ((rc = ctl_account_result(ctl_account("token_revoke", name,
		    NULL, NULL, NULL), "token", name)) == 0)
			printf("token %s revoked\n", name);
		return rc;
	}
	if (strcmp(ops[0], "add") != 0)
		ctl_usage_error(TOKEN_USAGE, "token: unknown subcommand; want "
		    "add, list or revoke");
	if (o.json)
		ctl_usage_error(TOKEN_USAGE, "token add: no --json");
	(void)ctl_new_name(name, "token add: NAME", TOKEN_USAGE);
	ctl_scope_opts(&a, o.wards, o.all, TOKEN_USAGE, "token add");
	ctl_connect();
	ctl_scope_known(&a, "token add");
	if (loa_token_new(tok, sizeof(tok)) == -1)
		fatalx("token buffer");
	loa_token_digest(tok, hex);
	scope = loa_scope_str(&a);
	rc = ctl_account_result(ctl_account("token_add", name,
	    loa_role_name(o.role), scope, hex), "token", name);
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

