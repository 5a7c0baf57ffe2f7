/*
 * resident.c -- a directory resident (hash loa:resident:<id>) as a
 * struct loa_recipient, the same shape as a job's explicit recipient.
 *
 * Used by the daemon (gate replies) and by loactl preview.  The strings
 * the recipient points to live in a Jansson object the caller owns
 * (holder); the recipient is valid as long as holder is.
 *
 * Hash fields: phone (E.164 digits as imported), zalo_uid, name, ward,
 * opt_out ("1" = refuses messages), channels ("zalo;sms"), and var:<col>
 * for each extra column of the import, which becomes the template
 * variable <col>.
 */
#include <stdlib.h>
#include <string.h>

#include "loa.h"

static const char *
keep(json_t *holder, const char *key, const char *s, size_t n)
{
	json_object_set_new(holder, key, json_stringn(s, n));
	return json_string_value(json_object_get(holder, key));
}

/* "zalo;sms" (also "," or " " between) -> mask; unknown names ignored. */
unsigned
loa_channels_parse_list(const char *s)
{
	unsigned	 mask = 0;
	char		*dup = xstrdup(s), *tok, *save = NULL;
	enum loa_channel c;

	for (tok = strtok_r(dup, ";, ", &save); tok != NULL;
	    tok = strtok_r(NULL, ";, ", &save))
		if (loa_channel_parse(tok, &c) == 0)
			mask |= 1u << c;
	free(dup);
	return mask;
}

/*
 * Fill rc from the n field/value pairs of a resident hash (as HGETALL
 * returns them: f[0] v[0] f[1] v[1] ... in kv, lengths in len).  Strings
 * are copied into holder.  A resident with no fields at all (deleted
 * since) gets no address, and so is skipped as no_channel.
 */
void
loa_recipient_from_hash(struct loa_recipient *rc, json_t *holder,
    const char *id, const char *const *kv, const size_t *len, size_t n)
{
	json_t		*vars = NULL;
	size_t		 i;
	char		 key[80];
	const char	*v;

	memset(rc, 0, sizeof(*rc));
	rc->id = keep(holder, "id", id, strlen(id));
	rc->channels = ~0u;
	rc->dup_of = -1;
	for (i = 0; i + 1 < 2 * n; i += 2) {
		const char *f = kv[i];
		if (strcmp(f, "phone") == 0 && len[i + 1] > 0)
			rc->phone_raw = keep(holder, "phone", kv[i + 1],
			    len[i + 1]);
		else if (strcmp(f, "zalo_uid") == 0 && len[i + 1] > 0)
			rc->zalo_uid = keep(holder, "zalo_uid", kv[i + 1],
			    len[i + 1]);
		else if (strcmp(f, "name") == 0 && len[i + 1] > 0)
			rc->name = keep(holder, "name", kv[i + 1], len[i + 1]);
		else if (strcmp(f, "ward") == 0 && len[i + 1] > 0)
			rc->ward = keep(holder, "ward", kv[i + 1], len[i + 1]);
		else if (strcmp(f, "opt_out") == 0)
			rc->opted_out = len[i + 1] == 1 && kv[i + 1][0] == '1';
		else if (strcmp(f, "channels") == 0 && len[i + 1] > 0) {
			/* Not UTF-8: no known channel, as for unknown names. */
			v = keep(holder, "channels", kv[i + 1], len[i + 1]);
			rc->channels = v != NULL ? loa_channels_parse_list(v) :
			    0;
		} else if (strncmp(f, "var:", 4) == 0 && f[4] != '\0') {
			if (vars == NULL) {
				vars = json_object();
				json_object_set_new(holder, "vars", vars);
			}
			snprintf(key, sizeof(key), "%s", f + 4);
			json_object_set_new(vars, key, json_stringn(kv[i + 1],
			    len[i + 1]));
		}
	}
	rc->vars = vars;
	rc->phone_ok = rc->phone_raw != NULL &&
	    loa_phone_normalize(rc->phone_raw, rc->phone) == 0;
}
