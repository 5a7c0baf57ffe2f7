/*
 * auth.h -- who acts (actors, roles, scopes), their secrets (passwords,
 * tokens, session ids) and the audit trail (auth.c).
 *
 * An actor is what every act is done as: the [http] token_file token
 * ("admin"), a named token (loactl token add), an account through its
 * session cookie, loactl itself ("cli:<unix user>") or a job written
 * straight into the ingest stream ("stream").  Its role says what it may
 * do (loa_role_may()), its scope which wards (loa_scope_covers()).
 *
 * Secrets are never kept in clear: passwords as libsodium Argon2id
 * strings (salted, slow), tokens and session ids (32 random bytes each,
 * too many to guess) as their SHA-256; digests are compared in constant
 * time.
 */
#ifndef LOA_AUTH_H
#define LOA_AUTH_H

#include <stddef.h>

#include "loa.h"

enum loa_actor_kind {
	LOA_ACTOR_ADMIN_TOKEN = 0,	/* [http] token_file */
	LOA_ACTOR_TOKEN,		/* a named token */
	LOA_ACTOR_USER,			/* an account (session) */
	LOA_ACTOR_CLI,			/* loactl with Redis access */
	LOA_ACTOR_STREAM,		/* a job written into loa:jobs */
};

enum loa_role {
	LOA_ROLE_DRAFTER = 0,	/* submit, read, cancel, retry */
	LOA_ROLE_APPROVER,	/* ... and approve, reject */
	LOA_ROLE_ADMIN,		/* everything */
};

enum loa_act {
	LOA_ACT_SUBMIT = 0,
	LOA_ACT_READ,
	LOA_ACT_CANCEL,
	LOA_ACT_RETRY,
	LOA_ACT_APPROVE,	/* approve and reject */
	LOA_ACT_ADMIN,		/* users, tokens, providers, audit */
};

struct loa_actor {
	enum loa_actor_kind	 kind;
	enum loa_role		 role;
	char			 name[LOA_NAME_MAX + 8];	/* "cli:" */
	int			 all;		/* scope: every ward */
	char			**wards;	/* else these codes */
	size_t			 nwards;
};

/* A token: "loa_" and 43 base64url characters (32 bytes). */
#define LOA_TOKEN_PREFIX	"loa_"
#define LOA_SECRET_B64		43
#define LOA_TOKEN_LEN		(sizeof(LOA_TOKEN_PREFIX) - 1 + LOA_SECRET_B64)
#define LOA_DIGEST_HEX		64
/* Enough for a libsodium Argon2id string (crypto_pwhash_STRBYTES). */
#define LOA_PW_HASH_MAX		128
#define LOA_PW_MAX		1024	/* bytes of a password */
#define LOA_PW_MIN		10
/*
 * Password checks (POST /v1/session, loactl approve|reject --as; the
 * counting is login.lua's): an account is locked LOA_LOCK_MS after
 * LOA_LOGIN_FAILS failures in a row, an address refused after
 * LOA_ADDR_FAILS failures in LOA_ADDR_WINDOW_MS.
 */
#define LOA_LOGIN_FAILS		5
#define LOA_LOCK_MS		(15 * 60000LL)
#define LOA_ADDR_FAILS		20
#define LOA_ADDR_WINDOW_MS	(15 * 60000LL)
/*
 * What an account with a one-time password (must_change: loactl made and
 * printed it) is told when it tries anything but changing it.
 */
#define LOA_MUST_CHANGE_MSG	"change the one-time password first " \
				"(POST /v1/session/password)"

const char *loa_role_name(enum loa_role);
int	 loa_role_parse(const char *, enum loa_role *);
const char *loa_actor_kind_name(enum loa_actor_kind);
int	 loa_scope_parse(struct loa_actor *, const char *, char *, size_t);
char	*loa_scope_str(const struct loa_actor *);
void	 loa_actor_clear(struct loa_actor *);
void	 loa_actor_set(struct loa_actor *, enum loa_actor_kind, enum loa_role,
	    const char *);
void	 loa_actor_cli(struct loa_actor *);
int	 loa_scope_covers(const struct loa_actor *, const char *const *,
	    size_t);
int	 loa_role_may(const struct loa_actor *, enum loa_act);
int	 loa_actor_name_ok(const char *);
int	 loa_actor_name_reserved(const char *);

int	 loa_pw_hash(const char *, char *, size_t);
int	 loa_pw_verify(const char *, const char *);
int	 loa_pw_ok(const char *, char *, size_t);
void	 loa_pw_new(char *, size_t);
int	 loa_random_b64(char *, size_t, const char *);
int	 loa_token_new(char *, size_t);
int	 loa_token_shape_ok(const char *, size_t);
void	 loa_token_digest(const char *, char[LOA_DIGEST_HEX + 1]);
int	 loa_digest_equal(const char *, const char *);

void	 loa_audit_argv(struct loa_argv *, const char *, long long,
	    const char *, const char *, const char *, const char *,
	    const char *);

#endif
