/*
 * ctl-authstub.c -- STAND-IN for the ward office's accounts (issue 15,
 * AUTH: daemon/auth.c, loa_pw_verify(), struct loa_actor) until they
 * land: delete this file then, and let ctl-approve.c ask auth.c.
 *
 * "loactl approve|reject ... --as USER": the password is one line of
 * standard input, checked against user:<USER>'s "pw" (an Argon2id string
 * of libsodium's crypto_pwhash_str()), in constant time by libsodium.
 * The account must be enabled, not locked (locked_until, ms), and have
 * the role approver or admin.  Its actor name is USER; its scope is its
 * "wards" field ("all" or "a,b,c"; none: "," which covers no ward).  Any refusal says the same thing
 * about the account and the password, so it tells no one which user
 * names exist; the password is wiped from memory once checked and is
 * never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"

#define PW_MAX	1024	/* bytes of a password line */

/*
 * Read USER's password from stdin and check it.  On success *actor and
 * *scope are set (allocated) and 0 is returned; else exit 1, saying why.
 */
int
ctl_as_user(const char *user, char **actor, char **scope)
{
	char		 pw[PW_MAX + 2], *key;
	const char	*hash, *role, *wards, *dis, *lock;
	redisReply	*r;
	size_t		 len;
	int		 good;

	if (sodium_init() < 0) {
		fprintf(stderr, "loactl: libsodium does not start\n");
		exit(1);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "loactl: --as %s: want the password on "
		    "standard input (one line)\n", user);
		exit(1);
	}
	len = strlen(pw);
	if (len > 0 && pw[len - 1] == '\n')
		pw[--len] = '\0';
	else if (len > PW_MAX) {
		sodium_memzero(pw, sizeof(pw));
		fprintf(stderr, "loactl: --as %s: a password is at most %d "
		    "bytes\n", user, PW_MAX);
		exit(1);
	}
	key = loa_key_user(ctl_cfg.prefix, user);
	r = ctl_commandl("HGETALL", key, NULL);
	free(key);
	hash = ctl_field(r, "pw", NULL);
	role = ctl_field(r, "role", NULL);
	wards = ctl_field(r, "wards", NULL);
	dis = ctl_field(r, "disabled", NULL);
	lock = ctl_field(r, "locked_until", NULL);
	good = hash != NULL && crypto_pwhash_str_verify(hash, pw, len) == 0;
	sodium_memzero(pw, sizeof(pw));
	if (!good || (dis != NULL && strcmp(dis, "0") != 0) ||
	    (lock != NULL && atoll(lock) > loa_now_ms())) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: wrong password, or the "
		    "account is unknown, disabled or locked\n", user);
		exit(1);
	}
	if (role == NULL || (strcmp(role, "approver") != 0 &&
	    strcmp(role, "admin") != 0)) {
		freeReplyObject(r);
		fprintf(stderr, "loactl: --as %s: only an approver or an "
		    "admin approves or rejects\n", user);
		exit(1);
	}
	*actor = xstrdup(user);
	*scope = xstrdup(wards != NULL && *wards != '\0' ? wards : ",");
	freeReplyObject(r);
	return 0;
}
