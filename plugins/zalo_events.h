/*
 * zalo_events.h -- residents' messages and follows in Zalo OA webhook
 * events (ABI 1.2 inbound()), shared by the plugins that receive Zalo's
 * webhook (zalo_zns.c, zalo_oa.c): one OA has one webhook URL, and every
 * event reaches it, delivery reports and residents' messages alike.
 *
 * Only the reading lives here.  The caller checks X-ZEvent-Signature, the
 * app_id and the timestamp's window first (zalo_zns.c's report path) and
 * hands over the parsed body; nothing here trusts a body on its own.  The
 * events (shared/providers.md, "Zalo Official Account"):
 *
 *	user_send_text	{"event_name","app_id","timestamp","sender":{"id"},
 *			 "recipient":{"id"},"message":{"msg_id","text"}}
 *	follow, unfollow {"event_name","app_id","timestamp","oa_id",
 *			 "follower":{"id"}}
 *	user_send_image, user_send_location, other user_send_*: the same
 *			 shape as a text, kept as OTHER with the note
 *			 "image", "location", ... (the attachment is not
 *			 kept: its URL may point at a resident's photo)
 *	user_submit_info {"sender":{"id"},"info":{name, phone, address..}}:
 *			 OTHER "shared_info", the shared details NOT copied
 *			 (personal data the inbox has no place for)
 *
 * Any other event (user_received_message, user_seen_message, oa_send_*,
 * ...) is no message from a resident: 0.  msg_id is message.msg_id; an
 * event without one is named "<event>:<user id>:<timestamp>", which is
 * the same for Zalo's second delivery of the same event (the daemon keeps
 * each msg_id once).  Nothing here logs.
 */
#ifndef LOA_ZALO_EVENTS_H
#define LOA_ZALO_EVENTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

/* The text of a string or an integer member (Zalo writes ids either way). */
static const char *
zev_text(const json_t *v, char *num, size_t size, size_t *len)
{
	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_integer(v)) {
		snprintf(num, size, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*len = strlen(num);
		return num;
	}
	return NULL;
}

/* The user id at root.<obj>.id into dst.  Returns 0, or -1. */
static int
zev_uid(const json_t *root, const char *obj, char *dst, size_t size)
{
	const char	*s;
	char		 num[32];
	size_t		 n;

	s = zev_text(json_object_get(json_object_get(root, obj), "id"), num,
	    sizeof(num), &n);
	if (s == NULL || strlen(s) != n)	/* absent, or a NUL inside */
		return -1;
	return plug_inbound_uid(dst, size, s, n);
}

/*
 * The note of an OTHER event named after "user_send_" (tail): letters,
 * digits and '_' only, cut to fit (the note is a label, no id).
 */
static void
zev_note(const char *tail, char *dst, size_t size)
{
	size_t	o = 0;

	for (; *tail != '\0' && o + 1 < size; tail++)
		if ((*tail >= 'a' && *tail <= 'z') ||
		    (*tail >= '0' && *tail <= '9') || *tail == '_')
			dst[o++] = *tail;
	dst[o] = '\0';
	if (o == 0)
		snprintf(dst, size, "other");
}

/*
 * Contract: reads the event in root, a JSON object whose signature, app_id
 * and timestamp ts (digits, milliseconds) the caller has checked, into
 * ins[0] (max >= 1).  Returns 1; 0 for an event that is no resident's
 * message or follow; MALFORMED for one without event_name, without a
 * usable user id (sender.id or follower.id: 1 to 63 visible ASCII bytes),
 * with a msg_id that breaks the message-id rule, or a text event whose
 * message.text is not a string.  A text is copied by plug_inbound_text()
 * (cut at LOA_INBOUND_TEXT_MAX - 1 bytes with truncated set).
 */
static int __attribute__((unused))
zev_inbound(const json_t *root, const char *ts, struct loa_inbound *ins,
    int max)
{
	struct loa_inbound	*in = &ins[0];
	const char		*ev, *who = "sender";
	const json_t		*msg, *text, *id;
	int			 n;

	if ((ev = json_string_value(json_object_get(root, "event_name"))) ==
	    NULL)
		return LOA_REPORT_MALFORMED;
	if (max < 1)
		return 0;
	memset(in, 0, sizeof(*in));
	snprintf(in->channel, sizeof(in->channel), "zalo");
	if (strcmp(ev, "user_send_text") == 0)
		in->kind = LOA_INBOUND_TEXT;
	else if (strcmp(ev, "follow") == 0) {
		in->kind = LOA_INBOUND_FOLLOW;
		who = "follower";
	} else if (strcmp(ev, "unfollow") == 0) {
		in->kind = LOA_INBOUND_UNFOLLOW;
		who = "follower";
	} else if (strcmp(ev, "user_submit_info") == 0) {
		in->kind = LOA_INBOUND_OTHER;
		snprintf(in->note, sizeof(in->note), "shared_info");
	} else if (strncmp(ev, "user_send_", 10) == 0) {
		in->kind = LOA_INBOUND_OTHER;
		zev_note(ev + 10, in->note, sizeof(in->note));
	} else
		return 0;
	if (zev_uid(root, who, in->from, sizeof(in->from)) == -1)
		return LOA_REPORT_MALFORMED;
	in->ts_ms = strtoll(ts, NULL, 10);

	msg = json_object_get(root, "message");
	id = json_object_get(msg, "msg_id");
	if (id != NULL) {
		if (plug_json_id(in->msg_id, sizeof(in->msg_id), id) != 0)
			return LOA_REPORT_MALFORMED;
	} else {
		n = snprintf(in->msg_id, sizeof(in->msg_id), "%s:%s:%s", ev,
		    in->from, ts);
		if (n < 0 || (size_t)n >= sizeof(in->msg_id) ||
		    !loa_provider_id_ok(in->msg_id, sizeof(in->msg_id)))
			in->msg_id[0] = '\0';	/* the daemon hashes the body */
	}

	if (in->kind == LOA_INBOUND_TEXT) {
		text = json_object_get(msg, "text");
		if (!json_is_string(text))
			return LOA_REPORT_MALFORMED;
		plug_inbound_text(in->text, sizeof(in->text),
		    json_string_value(text), json_string_length(text),
		    &in->truncated);
	}
	return 1;
}

#endif
