/*
 * store.h -- the Redis protocol: Lua scripts and how they are called.
 *
 * Every script is a file of its own under daemon/lua/, embedded at build
 * time by daemon/lua/embed.sh (loa_script_<file name>); shared Lua lives
 * in daemon/lua/lib/ and is pulled in by a "--: include" line.  The same
 * assembled text is what luacheck and tests/store check.
 */
#ifndef LOA_STORE_H
#define LOA_STORE_H

struct loa_argv;

/* the files of daemon/lua/, embedded (build/gen/lua.c) */
extern const char loa_script_accept[];
extern const char loa_script_reject[];
extern const char loa_script_resolve[];
extern const char loa_script_gate[];
extern const char loa_script_expand[];
extern const char loa_script_record[];
extern const char loa_script_report[];
extern const char loa_script_touch[];
extern const char loa_script_promote[];
extern const char loa_script_rate[];
extern const char loa_script_cancel[];
extern const char loa_script_retry[];
extern const char loa_script_dead_retry[];
extern const char loa_script_import_wards[];
extern const char loa_script_import_residents[];

/* store.c */
void	 loa_script_argv(struct loa_argv *, const char *, const char *);

#endif
