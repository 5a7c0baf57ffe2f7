/*
 * overview.c -- the overview of a Loa installation and the job listing,
 * one way for "loactl status"/"loactl jobs" and for GET /v1/status and
 * GET /v1/jobs (httpd.c): each is one script (daemon/lua/overview.lua,
 * jobs.lua) whose answer is turned into the JSON both give here.
 *
 * The overview: the daemons of the registry (each writes its heartbeat,
 * beat.lua, from its cron), the depth of each queue, the jobs by state
 * (over the job index, <prefix>index:jobs, which accept and reject
 * write), and the configured providers with their pause flag and the
 * circuit state each live daemon published.  The listing: the newest
 * jobs of the index, optionally in one state, each with the fields of
 * its hash that GET /v1/jobs/<id> shows (loa_job_field_public()).  A
 * provider as "loactl provider list --json" and GET /v1/providers show
 * it (loa_provider_json()).
 *
 * Everything in these answers came from Redis, which anything with
 * access may have written: callers escape it for a terminal
 * (ctl_oneline()), and jansson escapes it for JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "loa.h"
#include "overview.h"
#include "text.h"

/* The states of a job (README "Jobs"). */
const char *const loa_job_states[] = {
	"scheduled", "expanding", "sending", "done", "cancelled", "rejected",
	"awaiting_approval", "rejected_by_approver", "expired", NULL
};

/* "loactl log-level": as many -v as the index (log.c). */
const char *const loa_log_levels[] = { "warning", "info", "debug", NULL };

/* The fields of a job's hash an API client may see (README "Jobs"). */
static const char *const job_fields[] = {
	"state", "total", "queued", "sent", "delivered", "failed",
	"skipped", "expired", "cancelled", "maybe_duplicate", "created_at",
	"finished_at", "priority", "entry", "error", "submitted_by",
	"approved_by", "rejected_by", "reject_reason", "approval_deadline",
	"answered", NULL
};
/* The <status> of the ch:<channel>:<status> and ward:<code>:<status>. */
static const char *const job_counts[] = {
	"sent", "delivered", "failed", "skipped", "expired", "cancelled",
	"maybe_duplicate", NULL
};

static int
in_list(const char *const *list, const char *s)
{
	int	i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

int
loa_jobs_state_valid(const char *s)
{
	return in_list(loa_job_states, s) >= 0;
}

/* The -v count of a level name, or -1. */
int
loa_log_level_verbose(const char *s)
{
	return in_list(loa_log_levels, s);
}

/* A listing's limit: 1 to LOA_JOBS_LIMIT_MAX.  Returns 0, or -1. */
int
loa_jobs_limit_parse(const char *s, long *limit)
{
	char	*end;
	long	 v;

	if (*s < '0' || *s > '9' || strlen(s) > 4)
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > LOA_JOBS_LIMIT_MAX)
		return -1;
	*limit = v;
	return 0;
}

/*
 * Whether a field of a job's hash is one README.md documents: an API
 * client sees those and nothing else of what the engine keeps there.
 */
int
loa_job_field_public(const char *k)
{
	char			 mid[LOA_NAME_MAX + 1];
	const char		*rest, *last;
	enum loa_channel	 ch;
	int			 ward;

	if (in_list(job_fields, k) >= 0)
		return 1;
	if (strncmp(k, "ch:", 3) == 0) {
		rest = k + 3;
		ward = 0;
	} else if (strncmp(k, "ward:", 5) == 0) {
		rest = k + 5;
		ward = 1;
	} else
		return 0;
	if ((last = strrchr(rest, ':')) == NULL || last == rest ||
	    (size_t)(last - rest) >= sizeof(mid) || in_list(job_counts,
	    last + 1) < 0)
		return 0;
	memcpy(mid, rest, last - rest);
	mid[last - rest] = '\0';
	return ward ? loa_name_valid(mid) : loa_channel_parse(mid, &ch) == 0;
}

/* A decimal integer JSON can carry exactly ("0", "-12", no "007"). */
static int
is_integer(const char *s, size_t len)
{
	size_t	i = 0;

	if (len > 0 && s[0] == '-')
		i++;
	if (i == len || len - i > 15 || (s[i] == '0' && len - i > 1))
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A JSON string of len bytes at s; bytes that are not UTF-8 escaped. */
static json_t *
str_json(const char *s, size_t len)
{
	json_t	*v;
	char	*safe;

	if ((v = json_stringn(s, len)) != NULL)
		return v;
	safe = xmalloc(4 * len + 1);
	loa_neutral_cpy(safe, 4 * len + 1, s, len);
	v = json_string(safe);
	free(safe);
	return v;
}

/*
 * The overview script's call: now, the staleness of a circuit state, and
 * the providers of cfg (the built-in console when there are none).
 */
void
loa_overview_argv(struct loa_argv *av, const struct loa_config *cfg)
{
	size_t	i;

	loa_script_argv(av, loa_script_overview, cfg->prefix);
	loa_argv_addf(av, "%lld", loa_now_ms());
	loa_argv_addf(av, "%d", LOA_CIRCUIT_STALE_MS);
	if (cfg->nproviders == 0)
		loa_argv_add(av, "console");
	for (i = 0; i < cfg->nproviders; i++)
		loa_argv_add(av, cfg->providers[i].name);
}

/* cjson writes an empty Lua table as {}: an array is meant. */
static void
want_array(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	if (v == NULL || (json_is_object(v) && json_object_size(v) == 0))
		json_object_set_new(o, k, json_array());
}

/* The overview script's answer as the JSON object shown, or NULL. */
json_t *
loa_overview_decode(const struct redisReply *r)
{
	json_t	*o, *p;
	size_t	 i;

	if (r == NULL || r->type != REDIS_REPLY_STRING ||
	    (o = json_loadb(r->str, r->len, 0, NULL)) == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	want_array(o, "daemons");
	want_array(o, "providers");
	json_array_foreach(json_object_get(o, "providers"), i, p)
		if (json_is_object(p))
			want_array(p, "circuits");
	return o;
}

/* The listing script's call: state "" for all. */
void
loa_jobs_argv(struct loa_argv *av, const char *prefix, const char *state,
    long limit)
{
	loa_script_argv(av, loa_script_jobs, prefix);
	loa_argv_add(av, state != NULL ? state : "");
	loa_argv_addf(av, "%ld", limit);
}

/*
 * A job as GET /v1/jobs/<id> shows it: "job" (the id) and the public
 * fields of its hash, integers as numbers.  The fields are the pairs of
 * the array h from element first on (HGETALL's answer, or a listing's).
 */
json_t *
loa_job_json(const char *id, const struct redisReply *h, size_t first)
{
	const redisReply	*k, *v;
	json_t			*o;
	size_t			 f;

	o = json_object();
	json_object_set_new(o, "job", str_json(id, strlen(id)));
	for (f = first; f + 1 < h->elements; f += 2) {
		k = h->element[f];
		v = h->element[f + 1];
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    !loa_job_field_public(k->str))
			continue;
		if (strcmp(k->str, "error") == 0) {
			/* A reason may quote a phone: masked, as loactl does. */
			char *m = loa_mask_numbers(v->str);
			json_object_set_new(o, k->str, str_json(m, strlen(m)));
			free(m);
			continue;
		}
		json_object_set_new(o, k->str, is_integer(v->str, v->len) ?
		    json_integer(strtoll(v->str, NULL, 10)) :
		    str_json(v->str, v->len));
	}
	return o;
}

/*
 * The listing script's answer as a JSON array of loa_job_json(), newest
 * first.  NULL when the answer is not one.
 */
json_t *
loa_jobs_decode(const struct redisReply *r)
{
	const redisReply	*j;
	json_t			*a;
	size_t			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return NULL;
	a = json_array();
	for (i = 0; i < r->elements; i++) {
		j = r->element[i];
		if (j->type != REDIS_REPLY_ARRAY || j->elements == 0 ||
		    j->element[0]->type != REDIS_REPLY_STRING)
			continue;
		json_array_append_new(a, loa_job_json(j->element[0]->str, j,
		    1));
	}
	return a;
}

/*
 * The circuit a daemon published in field f of a provider's hash (value
 * v: "STATE SINCE [SEEN]"), when it is fresh: 0 with state and since
 * filled, else -1 (not a circuit field, unreadable, or the daemon is
 * gone: not seen for LOA_CIRCUIT_STALE_MS).
 */
int
loa_circuit_parse(const char *f, const char *v, char state[16],
    long long *since)
{
	long long	seen = 0;
	int		k;

	if (strncmp(f, "circuit:", 8) != 0 ||
	    (k = sscanf(v, "%15s %lld %lld", state, since, &seen)) < 2)
		return -1;
	if (k == 2)
		seen = *since;	/* written before heartbeats */
	if (loa_now_ms() - seen > LOA_CIRCUIT_STALE_MS)
		return -1;	/* that daemon is gone */
	return 0;
}

/* s as a JSON string; null when it is not UTF-8 (Redis holds bytes). */
static json_t *
pjstr(const char *s)
{
	json_t	*j;

	return (j = json_string(s)) != NULL ? j : json_null();
}

/* The value of field name in HGETALL reply r, or NULL. */
static const char *
hfield(const redisReply *r, const char *name)
{
	size_t	i;

	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i]->str, name) == 0)
			return r->element[i + 1]->str;
	return NULL;
}

/*
 * One provider as "loactl provider list --json" shows it and GET
 * /v1/providers answers: its configuration (pc; NULL when not
 * configured), the pause flag of its hash (r: HGETALL
 * <prefix>provider:<name>) and the fresh circuits: {name, paused,
 * plugin, channel, rate, paused_since, circuits: [{daemon, circuit,
 * since}]}.  The caller neutralises what Redis held (loa_neutral_json()).
 */
json_t *
loa_provider_json(const char *name, const struct loa_provider_conf *pc,
    const redisReply *r)
{
	const char	*paused, *at, *rate;
	char		 ts[40], state[16];
	long long	 since;
	size_t		 i;
	int		 is_paused;
	json_t		*o, *circ, *c;

	paused = hfield(r, "paused");
	at = hfield(r, "paused_at");
	is_paused = paused != NULL && strcmp(paused, "1") == 0;
	ts[0] = '\0';
	if (is_paused && at != NULL)
		loa_time_iso(strtoll(at, NULL, 10), ts, sizeof(ts));
	o = json_object();
	json_object_set_new(o, "name", pjstr(name));
	json_object_set_new(o, "paused", json_boolean(is_paused));
	if (pc != NULL) {
		rate = loa_provider_conf_get(pc, "rate");
		json_object_set_new(o, "plugin", pjstr(pc->plugin));
		json_object_set_new(o, "channel", pc->channel != NULL ?
		    pjstr(pc->channel) : json_null());
		json_object_set_new(o, "rate", rate != NULL ? pjstr(rate) :
		    json_null());
	}
	json_object_set_new(o, "paused_since", ts[0] != '\0' ?
	    json_string(ts) : json_null());
	circ = json_array();
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING ||
		    loa_circuit_parse(r->element[i]->str,
		    r->element[i + 1]->str, state, &since) == -1)
			continue;
		loa_time_iso(since, ts, sizeof(ts));
		c = json_object();
		json_object_set_new(c, "daemon", pjstr(r->element[i]->str + 8));
		json_object_set_new(c, "circuit", pjstr(state));
		json_object_set_new(c, "since", json_string(ts));
		json_array_append_new(circ, c);
	}
	json_object_set_new(o, "circuits", circ);
	return o;
}

/*
 * One entry of a stream read with XRANGE/XREVRANGE ([id, [field, value,
 * ...]]) as a JSON object {"id": ..., field: value...}: the audit trail
 * and the inbox, for loactl and the API.  NULL when it has another shape.
 */
json_t *
loa_stream_entry(const redisReply *e)
{
	const redisReply	*f;
	json_t			*o;
	size_t			 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    (f = e->element[1])->type != REDIS_REPLY_ARRAY)
		return NULL;
	o = json_object();
	json_object_set_new(o, "id", json_string(e->element[0]->str));
	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			json_object_set_new(o, f->element[i]->str,
			    json_stringn(f->element[i + 1]->str,
			    f->element[i + 1]->len));
	return o;
}

/*
 * An inbox entry (loa_stream_entry()) as loactl and the API show it: an
 * SMS sender's phone masked, the numbers in the text masked.
 */
void
loa_inbox_shown(json_t *o)
{
	const char	*v, *ch;
	char		 masked[80], *m;

	ch = json_string_value(json_object_get(o, "channel"));
	if ((v = json_string_value(json_object_get(o, "from"))) != NULL &&
	    ch != NULL && strcmp(ch, "sms") == 0) {
		loa_phone_mask(v, masked, sizeof(masked));
		json_object_set_new(o, "from", json_string(masked));
	}
	if ((v = json_string_value(json_object_get(o, "text"))) != NULL) {
		m = loa_mask_numbers(v);
		json_object_set_new(o, "text", json_string(m));
		free(m);
	}
}
