/*
 * store.c -- how the daemon and loactl call the store's Lua scripts.
 *
 * Every multi-key change that must happen together is one script
 * (daemon/lua/), so that a crash or a lost connection leaves either all
 * of it or none:
 *
 *   accept   a valid job: job hash, spec, work chunks, event, ack of the
 *            ingest entry; a known id is a no-op (duplicate); a job that
 *            needs approval is held (awaiting_approval) instead.
 *   reject   an invalid job: dead letter, job state, event, ack.
 *   resolve  which wards an audience reaches, with names and districts.
 *   submit   the same, and the job's id and every ward's name, for what
 *            "loactl send" and POST /v1/jobs check (submit.c).
 *   gate     before sending a chunk: is the chunk still ours, what is the
 *            job's state, which items already have an outcome; marks the
 *            others as in flight ("~") so a crash can be recognised; the
 *            residents' directory entries and opt-outs.
 *   expand   one step of an audience job's expansion from the directory.
 *   record   a batch of outcomes, events, chunk acks and hand-backs.
 *   report   delivery reports, and the sweep of those that came early.
 *   touch    the keep-alive of the work entries a daemon holds.
 *   promote  scheduled jobs whose send_at has come.
 *   rate     a provider's rate, shared by every daemon (GCRA).
 *   unlock   release a provider's credentials refresh lock.
 *   cancel, retry, dead_retry            loactl and the HTTP API.
 *   overview, jobs  what "loactl status" and "loactl jobs", GET /v1/status
 *            and GET /v1/jobs show (overview.c).
 *   beat     a daemon's entry in the daemon registry (registry.c).
 *   backfill one step of indexing the jobs of a version before the index.
 *   import_wards, import_residents       loactl import.
 *   account  loactl user and token: an account or token changed with
 *            its audit entry (auth.c has the fields).
 *   whoami   the HTTP API: who a named token or a session cookie is.
 *   login    POST /v1/session: the limits, then the session or the
 *            failure, with the audit entry.
 *   scope    the wards of a stored job, for the scope checks.
 *   approve, reject_approval  a second person's verdict on a held job
 *            (state, submitter, scope, queue or end it, audit entry);
 *   approval_expire  held jobs past their approval deadline end expired.
 *
 * Scripts are sent with EVAL (Redis caches them by hash), so a restarted
 * or flushed Redis never answers NOSCRIPT.  The calling convention is in
 * store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "loa.h"

/*
 * Start the argument vector of one script call (store.h): EVAL, the
 * script, no declared keys, and the key prefix as ARGV[1].  The caller
 * adds the script's arguments and frees av (loa_argv_free()).  av->script
 * names the embedded script, which the daemon calls by its SHA1 instead
 * (loa_redis_cmdv()); loactl sends the text.
 */
void
loa_script_argv(struct loa_argv *av, const char *script, const char *prefix)
{
	const struct loa_script_ref	*s;

	loa_argv_init(av);
	for (s = loa_scripts; s->name != NULL; s++)
		if (s->text == script)
			av->script = s;
	loa_argv_add(av, "EVAL");
	loa_argv_add(av, script);
	loa_argv_add(av, "0");
	loa_argv_add(av, prefix);
}

/*
 * The key builder, C half (daemon/lua/lib/keys.lua is the Lua half; the
 * layout is README's "Redis keys").  Every function returns a new string
 * the caller frees; p is the configured prefix.  Names that come from
 * outside (job ids, ward codes, resident ids, provider names) are
 * validated before they get here (loa_name_valid()): a ':' in one would
 * reach another record's key.
 */
static char *
key3(const char *p, const char *a, const char *b, const char *c)
{
	return xasprintf("%s%s%s%s", p, a, b != NULL ? b : "",
	    c != NULL ? c : "");
}

char *
loa_key_jobs(const char *p)
{
	return key3(p, "jobs", NULL, NULL);
}

char *
loa_key_events(const char *p)
{
	return key3(p, "events", NULL, NULL);
}

char *
loa_key_dead(const char *p)
{
	return key3(p, "dead", NULL, NULL);
}

char *
loa_key_optout(const char *p)
{
	return key3(p, "optout", NULL, NULL);
}

/* Zalo user ids that said TU CHOI (inbox.lua; gate.lua, plan.c skip). */
char *
loa_key_optout_zalo(const char *p)
{
	return key3(p, "optout:zalo", NULL, NULL);
}

char *
loa_key_wards(const char *p)
{
	return key3(p, "wards", NULL, NULL);
}

char *
loa_key_columns(const char *p)
{
	return key3(p, "directory:columns", NULL, NULL);
}

/* The work stream of a priority ("urgent", "normal", "bulk"). */
char *
loa_key_work(const char *p, const char *prio)
{
	return key3(p, "work:", prio, NULL);
}

/* The cluster-wide log level of "loactl log-level" (a string). */
char *
loa_key_log_level(const char *p)
{
	return key3(p, "log_level", NULL, NULL);
}

char *
loa_key_job(const char *p, const char *id)
{
	return key3(p, "job:", id, NULL);
}

/* The outcome of each recipient: loa_rstate_parse(). */
char *
loa_key_job_out(const char *p, const char *id)
{
	return key3(p, "job:", id, ":out");
}

/* Why each unreached item of a job was not reached (record.lua). */
char *
loa_key_job_why(const char *p, const char *id)
{
	return key3(p, "job:", id, ":why");
}

char *
loa_key_job_spec(const char *p, const char *id)
{
	return key3(p, "job:", id, ":spec");
}

char *
loa_key_job_wards(const char *p, const char *id)
{
	return key3(p, "job:", id, ":wards");
}

char *
loa_key_ward(const char *p, const char *code)
{
	return key3(p, "ward:", code, NULL);
}

char *
loa_key_ward_residents(const char *p, const char *code)
{
	return key3(p, "ward:", code, ":residents");
}

char *
loa_key_resident(const char *p, const char *id)
{
	return key3(p, "resident:", id, NULL);
}

/* The ids of the residents whose phone is e164 (the import keeps it). */
char *
loa_key_phone_residents(const char *p, const char *e164)
{
	return key3(p, "phone:", e164, ":residents");
}

/* The ids of the residents with that Zalo user id (import, inbox.lua). */
char *
loa_key_zalo_residents(const char *p, const char *uid)
{
	return key3(p, "zalo:", uid, ":residents");
}

/* A provider's shared state (paused, circuit). */
char *
loa_key_provider(const char *p, const char *name)
{
	return key3(p, "provider:", name, NULL);
}

/* A provider's stored credentials (creds.c). */
char *
loa_key_cred(const char *p, const char *name)
{
	return key3(p, "cred:", name, NULL);
}

/* Who refreshes a provider's credentials (unlock.lua releases it). */
char *
loa_key_cred_lock(const char *p, const char *name)
{
	return key3(p, "cred:", name, ":lock");
}

/* The audit trail, a stream (auth.c, lib/audit.lua). */
char *
loa_key_audit(const char *p)
{
	return key3(p, "audit", NULL, NULL);
}

/* What residents wrote back, a stream (inbox.lua). */
char *
loa_key_inbox(const char *p)
{
	return key3(p, "inbox", NULL, NULL);
}

/* The accounts' names (a set), and one account (a hash). */
char *
loa_key_users(const char *p)
{
	return key3(p, "users", NULL, NULL);
}

char *
loa_key_user(const char *p, const char *name)
{
	return key3(p, "user:", name, NULL);
}

/* The named tokens' names (a set), and one token (a hash). */
char *
loa_key_tokens(const char *p)
{
	return key3(p, "tokens", NULL, NULL);
}

char *
loa_key_token(const char *p, const char *name)
{
	return key3(p, "token:", name, NULL);
}

/*
 * The outcome codec: the values of <prefix>job:<id>:out (README "Redis
 * keys").  "." queued (the gate answers "" for it and for no entry),
 * "~" or "~N" attempt N (1 when bare) left without a verdict yet,
 * "r:N:CI:DUE" attempt N waits until DUE (ms) on the job's channel
 * position CI (":u" after it: an earlier attempt may have reached the
 * provider), "status:channel" final.  The scripts write and read them
 * through daemon/lua/lib/outcome.lua (the Lua half); these read them in
 * C, and write the one the daemon builds.
 */
void
loa_rstate_parse(const char *v, struct loa_rstate *o)
{
	const char	*colon;
	int		 end = 0;

	memset(o, 0, sizeof(*o));
	o->channel = "";
	if (v[0] == '\0' || strcmp(v, ".") == 0) {
		o->kind = LOA_RS_QUEUED;
		return;
	}
	if (v[0] == '~') {
		o->kind = LOA_RS_SENDING;
		o->attempt = v[1] == '\0' ? 1 : atoi(v + 1);
		return;
	}
	if (strncmp(v, "r:", 2) == 0) {
		o->kind = LOA_RS_RETRY;
		if (sscanf(v + 2, "%d:%d:%lld%n", &o->attempt, &o->ci,
		    &o->due, &end) != 3 || o->attempt <= 0) {
			o->attempt = 0;		/* unreadable: start again */
			o->ci = -1;
			o->due = 0;
		} else
			o->unclear = strcmp(v + 2 + end, ":u") == 0;
		return;
	}
	o->kind = LOA_RS_FINAL;
	if ((colon = strchr(v, ':')) != NULL) {
		snprintf(o->status, sizeof(o->status), "%.*s",
		    (int)(colon - v), v);
		o->channel = colon + 1;
	} else
		snprintf(o->status, sizeof(o->status), "%s", v);
}

/* Did a final outcome reach its recipient (as far as we know)? */
int
loa_rstate_reached(const struct loa_rstate *o)
{
	return o->kind == LOA_RS_FINAL &&
	    (strcmp(o->status, "sent") == 0 ||
	    strcmp(o->status, "delivered") == 0 ||
	    strcmp(o->status, "maybe_duplicate") == 0);
}

/* Is it "failed:<channel>" (what loactl retry sends again)? */
int
loa_rstate_failed(const struct loa_rstate *o)
{
	return o->kind == LOA_RS_FINAL && strcmp(o->status, "failed") == 0;
}

/* Add the value "r:attempt:ci:due[:u]" to av (record's R operation). */
void
loa_rstate_add_retry(struct loa_argv *av, int attempt, int ci,
    long long due, int unclear)
{
	loa_argv_addf(av, "r:%d:%d:%lld%s", attempt, ci, due,
	    unclear ? ":u" : "");
}

/*
 * Typed calls: scripts that the daemon and loactl both call, built and
 * read in one place.
 *
 * Cancel job id (cancel.lua), now, trimming the events stream at about
 * maxlen and letting the job's keys expire after retention_ms.  av is
 * initialised here; the caller sends and frees it.
 */
void
loa_store_cancel(struct loa_argv *av, const char *prefix, const char *id,
    long long maxlen, long long retention_ms)
{
	char	now[40];

	loa_time_iso(loa_now_ms(), now, sizeof(now));
	loa_script_argv(av, loa_script_cancel, prefix);
	loa_argv_add(av, id);
	loa_argv_add(av, now);
	loa_argv_addf(av, "%lld", maxlen);
	loa_argv_addf(av, "%lld", retention_ms);
}

/*
 * Read cancel.lua's answer r (NULL: none).  For LOA_CANCEL_ENDED *state
 * is the job's state, pointing into r.
 */
enum loa_cancel
loa_store_cancel_reply(const redisReply *r, const char **state)
{
	*state = NULL;
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_STATUS))
		return LOA_CANCEL_ERROR;
	if (strcmp(r->str, "ok") == 0)
		return LOA_CANCEL_OK;
	if (strcmp(r->str, "unknown") == 0)
		return LOA_CANCEL_UNKNOWN;
	*state = r->str;
	return LOA_CANCEL_ENDED;
}

/*
 * A second person's verdict on job id, held for approval: approve it
 * (reason NULL: approve.lua) or reject it with reason
 * (reject_approval.lua), as actor (its name) whose scope is "all" or the
 * ward codes "a,b,c", from address from (the audit entry's; "" for
 * loactl).  The caller checked actor's role.  av is initialised here;
 * the caller sends and frees it.
 */
void
loa_store_verdict(struct loa_argv *av, const char *prefix, const char *id,
    const char *actor, const char *scope, const char *reason,
    long long maxlen, long long retention_ms, const char *from)
{
	char		now[40];
	long long	ms = loa_now_ms();

	loa_time_iso(ms, now, sizeof(now));
	loa_script_argv(av, reason == NULL ? loa_script_approve :
	    loa_script_reject_approval, prefix);
	loa_argv_add(av, id);
	loa_argv_add(av, actor);
	loa_argv_add(av, scope);
	if (reason != NULL)
		loa_argv_add(av, reason);
	loa_argv_add(av, now);
	if (reason == NULL)
		loa_argv_addf(av, "%lld", ms);
	loa_argv_addf(av, "%lld", maxlen);
	loa_argv_addf(av, "%lld", retention_ms);
	loa_argv_add(av, from);
}

/*
 * Read approve.lua's or reject_approval.lua's answer r (NULL: none).
 * *state points into r: the new state for LOA_VERDICT_OK
 * ("rejected_by_approver" for a rejection), the job's for
 * LOA_VERDICT_STATE.
 */
enum loa_verdict
loa_store_verdict_reply(const redisReply *r, const char **state)
{
	*state = NULL;
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_STATUS))
		return LOA_VERDICT_ERROR;
	if (strcmp(r->str, "ok") == 0) {
		*state = "rejected_by_approver";
		return LOA_VERDICT_OK;
	}
	if (strncmp(r->str, "ok:", 3) == 0) {
		*state = r->str + 3;
		return LOA_VERDICT_OK;
	}
	if (strcmp(r->str, "unknown") == 0)
		return LOA_VERDICT_UNKNOWN;
	if (strcmp(r->str, "self") == 0)
		return LOA_VERDICT_SELF;
	if (strcmp(r->str, "scope") == 0)
		return LOA_VERDICT_SCOPE;
	*state = r->str;
	return LOA_VERDICT_STATE;
}
