/*
 * smscount.c -- what daemon/sms.c makes of texts, for the browser test
 * (console.py) to compare with the console's www/sms.js.
 *
 * Reads texts separated by NUL bytes on standard input; for each writes
 * one JSON line {"never":R,"auto":R,"always":R}, R being
 * {"text","encoding","chars","units","segments"} of loa_sms_prepare() in
 * that mode, or null when the text is not valid UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"

static json_t *
one(const char *s, enum loa_sms_unicode mode)
{
	struct loa_sms_info	 info;
	char			*out;
	json_t			*o;

	if ((out = loa_sms_prepare(s, mode, &info)) == NULL)
		return json_null();
	o = json_pack("{s:s, s:s, s:i, s:i, s:i}", "text", out, "encoding",
	    loa_sms_encoding_name(info.encoding), "chars", (int)info.chars,
	    "units", (int)info.units, "segments", (int)info.segments);
	free(out);
	return o;
}

int
main(void)
{
	char	*line = NULL, *s;
	size_t	 cap = 0;
	ssize_t	 n;
	json_t	*o;

	while ((n = getdelim(&line, &cap, '\0', stdin)) > 0) {
		o = json_pack("{s:o, s:o, s:o}",
		    "never", one(line, LOA_UNICODE_NEVER),
		    "auto", one(line, LOA_UNICODE_AUTO),
		    "always", one(line, LOA_UNICODE_ALWAYS));
		s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		puts(s);
		free(s);
		json_decref(o);
	}
	free(line);
	return 0;
}
