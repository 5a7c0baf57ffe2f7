/*
 * console.c -- the console provider: sends nothing, shows everything.
 *
 * For demos and dry runs.  Each message becomes one JSON line that the
 * daemon appends to the provider's `output` (default standard output):
 *
 *   {"channel":"sms","to":"84912345678","text":"...","encoding":"gsm7",
 *    "segments":1,"job":"...","delivery_id":"..."}
 *   {"channel":"zalo","to":"84912345678","template_id":"...",
 *    "data":{...},"job":"...","delivery_id":"..."}
 *
 * Every message is answered "sent", with the delivery id as the provider's
 * message id.  The same source is built as plugins/console.so and into the
 * daemon itself (as loa_console_embedded), so it is always available.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"

static const char *const console_keys[] = { "output", NULL };

static int
console_create(const struct loa_host *host, void **state)
{
	*state = (void *)host;
	return 0;
}

static void
console_destroy(void *state)
{
	(void)state;
}

static int
console_build(void *state, const struct loa_message *m,
    struct loa_request *req, struct loa_result *res)
{
	json_t	*o, *data = NULL;
	char	*s;

	(void)state;
	o = json_object();
	json_object_set_new(o, "channel", json_string(m->channel));
	json_object_set_new(o, "to", json_string(m->to));
	if (strcmp(m->channel, "sms") == 0) {
		json_object_set_new(o, "text", json_string(m->text));
		json_object_set_new(o, "encoding", json_string(m->encoding));
		json_object_set_new(o, "segments", json_integer(m->segments));
	} else {
		if (m->zalo_uid != NULL)
			json_object_set_new(o, "zalo_uid",
			    json_string(m->zalo_uid));
		json_object_set_new(o, "template_id",
		    json_string(m->template_id));
		if (m->template_data != NULL)
			data = json_loads(m->template_data, 0, NULL);
		json_object_set_new(o, "data", data != NULL ? data :
		    json_object());
	}
	json_object_set_new(o, "job", json_string(m->job_id));
	json_object_set_new(o, "delivery_id", json_string(m->delivery_id));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL) {
		snprintf(res->reason, sizeof(res->reason), "cannot_encode");
		res->outcome = LOA_OUT_FAILED;
		return -1;
	}
	req->transport = LOA_TRANSPORT_LOCAL;
	req->body = s;
	req->body_len = strlen(s);
	return 0;
}

static void
console_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	(void)state;
	if (resp->http_status == 200) {
		res->outcome = LOA_OUT_SENT;
		snprintf(res->provider_id, sizeof(res->provider_id), "%s",
		    m->delivery_id);
	} else {
		/* The output could not be written: try again later. */
		res->outcome = LOA_OUT_RETRY;
		snprintf(res->reason, sizeof(res->reason), "output_error");
	}
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"console",
	"sms,zalo",
	console_keys,
	console_create,
	console_destroy,
	console_build,
	console_classify,
	0,
	NULL,
	NULL,
	NULL,
	NULL,		/* no delivery reports */
	NULL,		/* no messages from residents */
};
