/*
 * store.c -- how the daemon and loactl call the store's Lua scripts.
 *
 * Every multi-key change that must happen together is one script
 * (daemon/lua/), so that a crash or a lost connection leaves either all
 * of it or none:
 *
 *   accept   a valid job: job hash, spec, work chunks, event, ack of the
 *            ingest entry; a known id is a no-op (duplicate).
 *   reject   an invalid job: dead letter, job state, event, ack.
 *   resolve  which wards an audience reaches, with names and districts.
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
 *   cancel, retry, dead_retry            loactl and the HTTP API.
 *   import_wards, import_residents       loactl import.
 *
 * Scripts are sent with EVAL (Redis caches them by hash), so a restarted
 * or flushed Redis never answers NOSCRIPT.  Keys are built from the prefix
 * inside the scripts; with a Redis Cluster hash-tag prefix ("{loa}:") they
 * all live in one slot.
 */
#include "loa.h"

/*
 * Start the argument vector of one script call: EVAL, the script, no
 * declared keys, and the key prefix as ARGV[1] (every script's first).
 */
void
loa_script_argv(struct loa_argv *av, const char *script, const char *prefix)
{
	loa_argv_init(av);
	loa_argv_add(av, "EVAL");
	loa_argv_add(av, script);
	loa_argv_add(av, "0");
	loa_argv_add(av, prefix);
}
