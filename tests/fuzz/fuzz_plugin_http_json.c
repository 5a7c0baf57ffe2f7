/*
 * fuzz_plugin_http_json.c -- the generic HTTP/JSON plugin
 * (plugins/http_json.c), whose parsers read both the operator's config
 * (request templates, dotted paths, code lists) and the provider's
 * answers: a new instance per input, from the config the input starts
 * with, then the answer classified and a request built (target
 * plugin_http_json), or, built with -DFZ_INBOUND, a request to
 * /webhooks/<name> read as a resident's message (inbound: the loa_token
 * check, then the form or JSON the inbound_*_field keys describe; target
 * inbound_http_json).
 *
 * Input: "key = value" lines (the provider's config section), a line
 * "--", then an answer (or a webhook request, '!' asking for the token)
 * as in fuzz_plugin.h.  Promises: fuzz_plugin.h.
 */
#include "../../plugins/http_json.c"
#include "fuzz_plugin.h"

#define FZ_MAX_KEYS	24

static const struct kv secrets[] = {
	{ "token_file", "Bearer-Tok3n-8888" },
	{ "webhook_token_file", "Gw-Webh00k-Tok3n-9999" },
	{ NULL, NULL }
};

/* Sign with our token in the query, when the instance has one. */
static void __attribute__((unused))
sign(void *state, struct fz_hook *h)
{
	struct hj	*hj = state;

	if (hj->webhook_token != NULL)
		fz_sign_token(h, hj->webhook_token);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv	 config[FZ_MAX_KEYS + 1];
	char		*lines[FZ_MAX_KEYS], *line, *eq, *k, *v;
	const uint8_t	*p = data;
	size_t		 n = size;
	struct fz_host	 fh;
	void		*st;
	int		 nk = 0, i;

	while (nk < FZ_MAX_KEYS && (line = fz_line(&p, &n)) != NULL) {
		if (strcmp(line, "--") == 0) {
			free(line);
			break;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			free(line);
			continue;
		}
		/* Trimmed as libinih trims them. */
		for (k = line; *k == ' '; k++)
			;
		for (v = eq; v > k && v[-1] == ' '; v--)
			;
		*v = '\0';
		for (v = eq + 1; *v == ' '; v++)
			;
		lines[nk] = line;
		config[nk].key = k;
		config[nk].value = v;
		nk++;
	}
	config[nk].key = config[nk].value = NULL;

	st = fz_create(&fh, config, secrets);
	fz_input(&fh, data, size);
	if (st != NULL) {
#ifdef FZ_INBOUND
		fz_webhook(&fh, st, secrets, sign, p, n);
#else
		struct fz_answer a;

		fz_answer(&a, p, n);
		fz_classify(&fh, st, &a);
		fz_build(&fh, st, a.body);
		fz_answer_free(&a);
#endif
		loa_provider.destroy(st);
	}
	fz_no_secret(&fh, fh.th.log);
	for (i = 0; i < nk; i++)
		free(lines[i]);
	return 0;
}
