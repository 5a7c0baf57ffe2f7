/*
 * test_auth.c -- auth.c: scopes (parse, covering), the role table,
 * Argon2id password hashes, tokens and their digests, the audit entry's
 * command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "store.h"
#include "tap.h"

static void
test_scope(void)
{
	struct loa_actor	 a;
	char			 err[256], *s;
	const char		*in[] = { "00001", "00002" };
	const char		*out[] = { "00001", "00009" };
	const char		*none[] = { "" };

	loa_actor_set(&a, LOA_ACTOR_TOKEN, LOA_ROLE_DRAFTER, "t");
	is_int(loa_scope_parse(&a, "00001,00002,00003", err, sizeof(err)), 0,
	    "three wards parse");
	is_int(a.nwards, 3, "three wards");
	ok(loa_scope_covers(&a, in, 2), "two of them are covered");
	ok(!loa_scope_covers(&a, out, 2), "one outside: not covered");
	ok(!loa_scope_covers(&a, none, 1), "a recipient with no ward: "
	    "not covered by wards");
	ok(!loa_scope_covers(&a, NULL, 0), "no wards known: not covered");
	s = loa_scope_str(&a);
	is_str(s, "00001,00002,00003", "stored as it was given");
	free(s);
	is_int(loa_scope_parse(&a, "all", err, sizeof(err)), 0, "all");
	ok(a.all && loa_scope_covers(&a, out, 2) &&
	    loa_scope_covers(&a, none, 1) && loa_scope_covers(&a, NULL, 0),
	    "all covers everything");
	s = loa_scope_str(&a);
	is_str(s, "all", "all stored as all");
	free(s);
	is_int(loa_scope_parse(&a, "00001,,00002", err, sizeof(err)), -1,
	    "an empty code is refused");
	ok(strstr(err, "wards:") != NULL, "says wards: %s", err);
	is_int(loa_scope_parse(&a, "", err, sizeof(err)), -1, "empty");
	is_int(loa_scope_parse(&a, "a:b", err, sizeof(err)), -1,
	    "a ':' in a code");
	is_int(loa_scope_parse(&a, "00001,all", err, sizeof(err)), -1,
	    "all among codes");
	ok(!a.all && a.nwards == 0, "a refused scope leaves nothing");
	loa_actor_clear(&a);
}

static void
test_roles(void)
{
	struct loa_actor	a;
	enum loa_role		r;
	static const struct {
		enum loa_actor_kind	kind;
		enum loa_role		role;
		int			approve, admin;
	} t[] = {
		{ LOA_ACTOR_TOKEN, LOA_ROLE_DRAFTER, 0, 0 },
		{ LOA_ACTOR_USER, LOA_ROLE_APPROVER, 1, 0 },
		{ LOA_ACTOR_USER, LOA_ROLE_ADMIN, 1, 1 },
		{ LOA_ACTOR_ADMIN_TOKEN, LOA_ROLE_ADMIN, 1, 1 },
		{ LOA_ACTOR_STREAM, LOA_ROLE_DRAFTER, 0, 0 },
		/* a stream never approves, whatever role it is given */
		{ LOA_ACTOR_STREAM, LOA_ROLE_ADMIN, 0, 0 },
	};
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		loa_actor_set(&a, t[i].kind, t[i].role, "x");
		ok(loa_role_may(&a, LOA_ACT_SUBMIT) &&
		    loa_role_may(&a, LOA_ACT_READ) &&
		    loa_role_may(&a, LOA_ACT_CANCEL) &&
		    loa_role_may(&a, LOA_ACT_RETRY),
		    "%s %s: submit, read, cancel, retry",
		    loa_actor_kind_name(t[i].kind), loa_role_name(t[i].role));
		is_int(loa_role_may(&a, LOA_ACT_APPROVE), t[i].approve,
		    "%s %s: approve", loa_actor_kind_name(t[i].kind),
		    loa_role_name(t[i].role));
		is_int(loa_role_may(&a, LOA_ACT_ADMIN), t[i].admin,
		    "%s %s: admin", loa_actor_kind_name(t[i].kind),
		    loa_role_name(t[i].role));
	}
	is_int(loa_role_parse("approver", &r), 0, "approver parses");
	is_int(r, LOA_ROLE_APPROVER, "as approver");
	is_int(loa_role_parse("root", &r), -1, "root is no role");
	loa_actor_cli(&a);
	ok(strncmp(a.name, "cli:", 4) == 0 && a.all &&
	    a.role == LOA_ROLE_ADMIN, "loactl is cli:<user>, admin, all: %s",
	    a.name);
}

static void
test_passwords(void)
{
	char	h[LOA_PW_HASH_MAX], h2[LOA_PW_HASH_MAX], err[128], pw[64];

	is_int(loa_pw_hash("correct horse", h, sizeof(h)), 0, "hash");
	ok(strncmp(h, "$argon2id$", 10) == 0, "Argon2id: %.30s", h);
	ok(strstr(h, "correct") == NULL, "not in clear");
	ok(loa_pw_verify(h, "correct horse"), "the right password");
	ok(!loa_pw_verify(h, "correct hors"), "one byte short");
	ok(!loa_pw_verify(h, "correct horse "), "one byte more");
	ok(!loa_pw_verify(h, ""), "empty");
	ok(!loa_pw_verify("", "correct horse"), "no stored hash");
	ok(!loa_pw_verify("$argon2id$garbage", "x"), "garbage stored");
	is_int(loa_pw_hash("correct horse", h2, sizeof(h2)), 0, "again");
	ok(strcmp(h, h2) != 0, "salted: another string each time");
	is_int(loa_pw_hash("x", h2, 16), -1, "too small a buffer");
	ok(loa_pw_ok("ten chars!", err, sizeof(err)), "ten bytes do");
	ok(!loa_pw_ok("nine char", err, sizeof(err)), "nine do not: %s", err);
	ok(!loa_pw_ok("tab\there is bad", err, sizeof(err)),
	    "a control character: %s", err);
	loa_pw_new(pw, sizeof(pw));
	ok(strlen(pw) == 22 && loa_pw_ok(pw, err, sizeof(err)),
	    "a one-time password is 22 characters and acceptable");
}

static void
test_tokens(void)
{
	char	t1[LOA_TOKEN_LEN + 1], t2[LOA_TOKEN_LEN + 1];
	char	d1[LOA_DIGEST_HEX + 1], d2[LOA_DIGEST_HEX + 1];

	is_int(loa_token_new(t1, sizeof(t1)), 0, "a token");
	is_int(loa_token_new(t2, sizeof(t2)), 0, "another");
	is_int(strlen(t1), LOA_TOKEN_LEN, "its length");
	ok(strncmp(t1, "loa_", 4) == 0, "prefixed loa_");
	ok(strcmp(t1, t2) != 0, "random");
	is_int(loa_token_new(t2, LOA_TOKEN_LEN), -1, "no room for the NUL");
	ok(loa_token_shape_ok(t1, strlen(t1)), "its shape is a token's");
	ok(loa_token_shape_ok(t1 + 4, strlen(t1) - 4), "and without loa_ "
	    "a session id's");
	ok(!loa_token_shape_ok(t1, strlen(t1) - 1), "one short is not");
	t2[0] = '\0';
	memcpy(t2, t1, sizeof(t1));
	t2[10] = '/';
	ok(!loa_token_shape_ok(t2, strlen(t2)), "'/' is not base64url");
	loa_token_digest("abc", d1);
	is_str(d1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
	    "0015ad", "SHA-256 of abc (FIPS 180-2)");
	loa_token_digest(t1, d1);
	loa_token_digest(t1, d2);
	ok(loa_digest_equal(d1, d2), "the same digest twice");
	d2[63] = d2[63] == '0' ? '1' : '0';
	ok(!loa_digest_equal(d1, d2), "the last digit differs");
	ok(!loa_digest_equal(d1, "ba78"), "a short one");
	ok(!loa_digest_equal("", ""), "empty ones are no digests");
}

static void
test_audit(void)
{
	struct loa_argv	av;
	char		long_detail[400];

	loa_audit_argv(&av, "p:", 86400000LL, "cli:root", "cancel", "j1",
	    NULL, NULL);
	is_str(av.argv[0], "XADD", "XADD");
	is_str(av.argv[1], "p:audit", "to <prefix>audit");
	is_str(av.argv[2], "MINID", "trimmed by age");
	is_str(av.argv[3], "~", "about");
	ok(strchr(av.argv[4], '-') != NULL, "an id: %s", av.argv[4]);
	is_str(av.argv[5], "*", "a new entry");
	is_int(av.argc, 16, "ts actor action target from, no detail");
	is_str(av.argv[9], "cli:root", "actor");
	is_str(av.argv[11], "cancel", "action");
	is_str(av.argv[13], "j1", "target");
	is_str(av.argv[15], "", "from: none");
	loa_argv_free(&av);
	memset(long_detail, 'x', sizeof(long_detail) - 1);
	long_detail[sizeof(long_detail) - 1] = '\0';
	long_detail[5] = '\n';
	loa_audit_argv(&av, "p:", 1000, "a", "reject", "j", "127.0.0.1",
	    long_detail);
	is_int(av.argc, 18, "with a detail");
	is_str(av.argv[16], "detail", "detail");
	ok(strchr(av.argv[17], '\n') == NULL, "no newline: %.12s",
	    av.argv[17]);
	ok(strlen(av.argv[17]) < 220, "cut short (%zu bytes)",
	    strlen(av.argv[17]));
	loa_argv_free(&av);
}

/* Actor names: who submitted, approved, rejected (loa_actor_name_ok). */
static void
test_actor_names(void)
{
	ok(loa_actor_name_ok("cli:ops") && loa_actor_name_ok("admin") &&
	    loa_actor_name_ok("stream"), "actor names");
	ok(!loa_actor_name_ok("cli:") && !loa_actor_name_ok("a:b") &&
	    !loa_actor_name_ok("") && !loa_actor_name_ok("cli:a b"),
	    "names that are no actor's");
}

int
main(void)
{
	test_scope();
	test_roles();
	test_passwords();
	test_tokens();
	test_audit();
	test_actor_names();
	return tap_done();
}
