/*
 * auth.c -- actors, roles, scopes, secrets and the audit trail (auth.h).
 *
 * Roles (README "The ward office"): a drafter submits, reads, cancels and
 * retries jobs within its scope; an approver also approves and rejects
 * them; an admin does everything, users, tokens, providers and the audit
 * trail included.  A scope is "all" or a set of ward codes; a job is
 * within it when every ward it reaches is in the set (a recipient with
 * no ward is within "all" only: the caller passes "" for it).
 *
 * Secrets, with libsodium (Debian's libsodium-dev):
 *   passwords   crypto_pwhash_str(), Argon2id with the "interactive"
 *               limits (about 64 MiB and a few tens of ms a check), the
 *               salt and the limits in the string stored;
 *   tokens      "loa_" and 32 random bytes in base64url, printed once;
 *               stored as their SHA-256 (hex), which is enough for 256
 *               random bits: no one guesses them, slow hashing buys
 *               nothing and would cost on every request;
 *   sessions    32 random bytes, stored the same way.
 * Digests are compared with sodium_memcmp(): no time that depends on
 * where they differ.  libsodium's SHA-256 is used for the digests too,
 * so the core does not link OpenSSL.
 *
 * The audit trail is the stream <prefix>audit (loa_audit_argv()): one
 * entry an act, trimmed by age (MINID ~) so that at least the retention
 * is kept.  Scripts that act atomically append their entry themselves
 * (daemon/lua/lib/audit.lua, the same fields).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "store.h"

#define AUDIT_DETAIL_MAX	200	/* bytes of a reason kept */

static const char *const role_names[] = { "drafter", "approver", "admin" };
static const char *const kind_names[] = {
	"admin-token", "token", "user", "cli", "stream"
};

/* libsodium once; it fails only without a source of randomness. */
static void
sodium_once(void)
{
	static int	done;

	if (done)
		return;
	if (sodium_init() < 0)
		fatalx("libsodium: cannot initialise (no randomness?)");
	done = 1;
}

const char *
loa_role_name(enum loa_role r)
{
	return (unsigned)r < 3 ? role_names[r] : "?";
}

/* Returns 0 with *r, or -1 when s names no role. */
int
loa_role_parse(const char *s, enum loa_role *r)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = i;
			return 0;
		}
	return -1;
}

const char *
loa_actor_kind_name(enum loa_actor_kind k)
{
	return (unsigned)k < 5 ? kind_names[k] : "?";
}

/* Forget a's scope. */
void
loa_actor_clear(struct loa_actor *a)
{
	size_t	i;

	for (i = 0; i < a->nwards; i++)
		free(a->wards[i]);
	free(a->wards);
	a->wards = NULL;
	a->nwards = 0;
	a->all = 0;
}

/* a becomes kind, role, name (cut to fit), with an empty scope. */
void
loa_actor_set(struct loa_actor *a, enum loa_actor_kind kind,
    enum loa_role role, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->role = role;
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/*
 * Parse the scope s ("all", or ward codes separated by commas, each
 * loa_name_valid()) into a (cleared first).  Returns 0, or -1 with err.
 */
int
loa_scope_parse(struct loa_actor *a, const char *s, char *err,
    size_t errlen)
{
	const char	*p, *comma;
	char		*w;
	size_t		 n;

	loa_actor_clear(a);
	if (strcmp(s, "all") == 0) {
		a->all = 1;
		return 0;
	}
	for (p = s;; p = comma + 1) {
		comma = p + strcspn(p, ",");
		n = comma - p;
		w = xstrndup(p, n);
		if (!loa_name_valid(w) || strcmp(w, "all") == 0) {
			free(w);
			snprintf(err, errlen, "wards: want \"all\" or ward "
			    "codes separated by commas, each "
			    LOA_NAME_RULE);
			loa_actor_clear(a);
			return -1;
		}
		a->wards = xreallocarray(a->wards, a->nwards + 1,
		    sizeof(*a->wards));
		a->wards[a->nwards++] = w;
		if (*comma == '\0')
			break;
	}
	return 0;
}

/* a's scope as stored: "all" or "a,b,c" (a new string). */
char *
loa_scope_str(const struct loa_actor *a)
{
	struct loa_buf	b;
	size_t		i;

	if (a->all)
		return xstrdup("all");
	loa_buf_init(&b);
	for (i = 0; i < a->nwards; i++) {
		if (i > 0)
			loa_buf_add(&b, ",", 1);
		loa_buf_adds(&b, a->wards[i]);
	}
	loa_buf_add(&b, "", 1);
	return loa_buf_steal(&b);
}

/* a is loactl run by this Unix user: an admin of every ward. */
void
loa_actor_cli(struct loa_actor *a)
{
	struct passwd	*pw = getpwuid(getuid());
	char		 name[LOA_NAME_MAX + 8];
	const char	*u = pw != NULL ? pw->pw_name : NULL;

	if (u != NULL && loa_name_valid(u))
		snprintf(name, sizeof(name), "cli:%s", u);
	else
		snprintf(name, sizeof(name), "cli:uid%u", (unsigned)getuid());
	loa_actor_set(a, LOA_ACTOR_CLI, LOA_ROLE_ADMIN, name);
	a->all = 1;
}

/*
 * Is every one of the n wards within a's scope?  "" stands for a
 * recipient without a ward: only scope "all" covers it.  A job that
 * reaches no ward at all is within any scope only when it is within
 * "all" too: an empty list is covered by "all" alone, so a job whose
 * wards could not be told is never let through a narrow scope.
 */
int
loa_scope_covers(const struct loa_actor *a, const char *const *wards,
    size_t n)
{
	size_t	i, j;

	if (a->all)
		return 1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < a->nwards; j++)
			if (strcmp(wards[i], a->wards[j]) == 0)
				break;
		if (j == a->nwards)
			return 0;
	}
	return 1;
}

/*
 * Is s an actor's name: a name (loa_name_valid()), or "cli:" and one?
 * What the ingest stream's "by" field must be to be believed.
 */
int
loa_actor_name_ok(const char *s)
{
	if (strncmp(s, "cli:", 4) == 0)
		s += 4;
	return loa_name_valid(s);
}

/*
 * Is s a name the audit gives to an actor that is no account or token:
 * the token_file token ("admin"), an entry written straight into the
 * stream ("stream"), the daemon itself ("system"), a resident's keyword
 * ("resident", inbox.lua)?  No account or named token may take one, or
 * the trail could not tell them apart.
 */
int
loa_actor_name_reserved(const char *s)
{
	static const char *const reserved[] = { "admin", "stream", "system",
	    "resident" };
	size_t	i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(s, reserved[i]) == 0)
			return 1;
	return 0;
}

/* May a's role do act (scope aside)? */
int
loa_role_may(const struct loa_actor *a, enum loa_act act)
{
	switch (act) {
	case LOA_ACT_SUBMIT:
	case LOA_ACT_READ:
	case LOA_ACT_CANCEL:
	case LOA_ACT_RETRY:
		return 1;
	case LOA_ACT_APPROVE:
		/* A stream writer submits; it never approves. */
		return a->kind != LOA_ACTOR_STREAM &&
		    (a->role == LOA_ROLE_APPROVER || a->role == LOA_ROLE_ADMIN);
	case LOA_ACT_ADMIN:
		return a->kind != LOA_ACTOR_STREAM &&
		    a->role == LOA_ROLE_ADMIN;
	}
	return 0;
}

/*
 * Is pw acceptable as a password: LOA_PW_MIN to LOA_PW_MAX bytes, no
 * control characters (it is read as one line)?  0 with err when not.
 */
int
loa_pw_ok(const char *pw, char *err, size_t errlen)
{
	size_t	n = strlen(pw), i;

	if (n < LOA_PW_MIN || n > LOA_PW_MAX) {
		snprintf(err, errlen, "password: want %d to %d bytes",
		    LOA_PW_MIN, LOA_PW_MAX);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f) {
			snprintf(err, errlen, "password: no control "
			    "characters");
			return 0;
		}
	return 1;
}

/*
 * The Argon2id string of pw into out (at least LOA_PW_HASH_MAX bytes).
 * Returns 0, or -1 (out of memory: the interactive limit is 64 MiB).
 */
int
loa_pw_hash(const char *pw, char *out, size_t outlen)
{
	sodium_once();
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

/* Is pw the password of stored (an Argon2id string)?  1 when it is. */
int
loa_pw_verify(const char *stored, const char *pw)
{
	sodium_once();
	if (strnlen(stored, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return 0;
	return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
}

/*
 * prefix and 32 random bytes in base64url (no padding) into out.
 * Returns 0, or -1 when out is too small.
 */
int
loa_random_b64(char *out, size_t outlen, const char *prefix)
{
	unsigned char	r[32];
	size_t		pl = strlen(prefix);

	sodium_once();
	if (outlen < pl + LOA_SECRET_B64 + 1)
		return -1;
	randombytes_buf(r, sizeof(r));
	memcpy(out, prefix, pl);
	sodium_bin2base64(out + pl, outlen - pl, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
	return 0;
}

/* A one-time password: 16 random bytes, base64url (22 characters). */
void
loa_pw_new(char *out, size_t outlen)
{
	unsigned char	r[16];

	sodium_once();
	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(out, outlen, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

/* A new token (LOA_TOKEN_LEN characters) into out. */
int
loa_token_new(char *out, size_t outlen)
{
	return loa_random_b64(out, outlen, LOA_TOKEN_PREFIX);
}

/*
 * Could the len bytes at s be a token loa_token_new() made (or, without
 * the prefix, a session id)?  A cheap test before any Redis lookup.
 */
int
loa_token_shape_ok(const char *s, size_t len)
{
	size_t	pl = sizeof(LOA_TOKEN_PREFIX) - 1;

	if (len == LOA_TOKEN_LEN && strncmp(s, LOA_TOKEN_PREFIX, pl) == 0) {
		s += pl;
		len -= pl;
	}
	return len == LOA_SECRET_B64 && loa_b64url_span(s, len) == len;
}

/* The SHA-256 of tok, in lower-case hex. */
void
loa_token_digest(const char *tok, char hex[LOA_DIGEST_HEX + 1])
{
	unsigned char	md[crypto_hash_sha256_BYTES];

	sodium_once();
	crypto_hash_sha256(md, (const unsigned char *)tok, strlen(tok));
	sodium_bin2hex(hex, LOA_DIGEST_HEX + 1, md, sizeof(md));
}

/* Are the digests a and b (hex) the same?  Constant time. */
int
loa_digest_equal(const char *a, const char *b)
{
	if (strnlen(a, LOA_DIGEST_HEX + 1) != LOA_DIGEST_HEX ||
	    strnlen(b, LOA_DIGEST_HEX + 1) != LOA_DIGEST_HEX)
		return 0;
	return sodium_memcmp(a, b, LOA_DIGEST_HEX) == 0;
}

/*
 * The audit entry of one act, into av (initialised here; the caller
 * sends and frees it): XADD <prefix>audit MINID ~ <now - retention> *
 * ts actor action target from [detail].  target, from and detail may be
 * NULL; detail is cut to AUDIT_DETAIL_MAX bytes and neutralised (one
 * line, no controls), the others are names the caller checked.
 */
void
loa_audit_argv(struct loa_argv *av, const char *prefix,
    long long retention_ms, const char *actor, const char *action,
    const char *target, const char *from, const char *detail)
{
	char		 ts[40], *d, *n;
	long long	 now = loa_now_ms();

	loa_time_iso(now, ts, sizeof(ts));
	loa_argv_init(av);
	loa_argv_add(av, "XADD");
	loa_argv_take(av, loa_key_audit(prefix));
	loa_argv_add(av, "MINID");
	loa_argv_add(av, "~");
	loa_argv_addf(av, "%lld-0", now - retention_ms > 0 ?
	    now - retention_ms : 0);
	loa_argv_add(av, "*");
	loa_argv_add(av, "ts");
	loa_argv_add(av, ts);
	loa_argv_add(av, "actor");
	loa_argv_add(av, actor);
	loa_argv_add(av, "action");
	loa_argv_add(av, action);
	loa_argv_add(av, "target");
	loa_argv_add(av, target != NULL ? target : "");
	loa_argv_add(av, "from");
	loa_argv_add(av, from != NULL ? from : "");
	if (detail != NULL && *detail != '\0') {
		d = xstrndup(detail, AUDIT_DETAIL_MAX);
		n = loa_neutral(d);
		loa_argv_add(av, "detail");
		loa_argv_take(av, n);
		free(d);
	}
}
