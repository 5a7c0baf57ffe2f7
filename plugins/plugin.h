/*
 * plugin.h -- small helpers shared by the provider plugins, included in
 * each plugin's source (plugins link against nothing of the daemon, so
 * each .so gets its own copy): results, digit checks, codes and ids read
 * from JSON answers, base64 and HTTP Basic credentials.
 */
#ifndef LOA_PLUGIN_H
#define LOA_PLUGIN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loa/provider.h"

static void __attribute__((format(printf, 3, 4))) __attribute__((unused))
plug_result(struct loa_result *res, enum loa_outcome outcome,
    const char *fmt, ...)
{
	va_list	ap;

	res->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static int __attribute__((unused))
plug_digits(const char *s, size_t max)
{
	size_t	n = strlen(s);

	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

/* A code sent as a string of digits or as a number.  Returns 0 or -1. */
static int __attribute__((unused))
plug_code_value(const json_t *v, long *code)
{
	const char	*s;

	if (json_is_integer(v)) {
		*code = (long)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (!plug_digits(s, 9))
		return -1;
	*code = strtol(s, NULL, 10);
	return 0;
}

/* Copy the provider's message id (a string or a number), printable only. */
static void __attribute__((unused))
plug_provider_id(struct loa_result *res, const json_t *v)
{
	const char	*s;
	size_t		 i;

	if (json_is_integer(v)) {
		snprintf(res->provider_id, sizeof(res->provider_id), "%lld",
		    (long long)json_integer_value(v));
		return;
	}
	if (!json_is_string(v))
		return;
	s = json_string_value(v);
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(res->provider_id); i++)
		res->provider_id[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	res->provider_id[i] = '\0';
}

/*
 * Standard base64 (RFC 4648, with padding) of n bytes of src into dst.
 * Returns 0, or -1 when dst (size bytes, NUL included) is too small.
 */
static int __attribute__((unused))
plug_base64(const unsigned char *src, size_t n, char *dst, size_t size)
{
	static const char	 al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long		 w;
	size_t			 i, o = 0;

	if (size < 4 * ((n + 2) / 3) + 1)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		w = (unsigned long)src[i] << 16 |
		    (unsigned long)src[i + 1] << 8 | src[i + 2];
		dst[o++] = al[(w >> 18) & 63];
		dst[o++] = al[(w >> 12) & 63];
		dst[o++] = al[(w >> 6) & 63];
		dst[o++] = al[w & 63];
	}
	if (i < n) {
		w = (unsigned long)src[i] << 16;
		if (i + 1 < n)
			w |= (unsigned long)src[i + 1] << 8;
		dst[o++] = al[(w >> 18) & 63];
		dst[o++] = al[(w >> 12) & 63];
		dst[o++] = i + 1 < n ? al[(w >> 6) & 63] : '=';
		dst[o++] = '=';
	}
	dst[o] = '\0';
	return 0;
}

/*
 * "Basic " + base64(user ":" pass) into dst.  The clear text is built in
 * a scratch buffer wiped before return.  Returns 0, or -1 when too long.
 */
static int __attribute__((unused))
plug_basic_auth(const char *user, const char *pass, char *dst,
    size_t size)
{
	char	*clear;
	size_t	 n = strlen(user) + 1 + strlen(pass);
	int	 rv;

	if (size < 7 || (clear = malloc(n + 1)) == NULL)
		return -1;
	snprintf(clear, n + 1, "%s:%s", user, pass);
	memcpy(dst, "Basic ", 6);
	rv = plug_base64((const unsigned char *)clear, n, dst + 6,
	    size - 6);
	explicit_bzero(clear, n);
	free(clear);
	return rv;
}

#endif
