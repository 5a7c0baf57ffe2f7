/*
 * http_json.c -- a provider described entirely by its configuration.
 *
 * Much like Kannel's generic HTTP SMSC: the operator writes the request
 * (url, method, content_type, headers, body) as templates with {{...}}
 * placeholders, and tells the plugin where to look in the JSON answer
 * (success_field/success_value, id_field, error_field) and what each error
 * code means (permanent_codes, temporary_codes, fallback_codes,
 * down_codes).  It serves one channel, `channel` (sms by default).
 *
 * Placeholders: {{to}} {{to_plus}} {{text}} {{encoding}} {{segments}}
 * {{delivery_id}} {{job}} {{template_id}} {{data}} {{token}} {{channel}}.
 * A substituted value is escaped for where it lands: JSON-string escaped
 * in a JSON body (the template writes the quotes; {{data}}, a JSON object,
 * goes in as it is), percent-encoded in a form body and in the URL, and
 * as it is in headers (where a value holding a control character fails
 * the message).  The templates are parsed once, in create(), which refuses
 * unknown placeholders, unclosed braces and a JSON body that would not be
 * JSON once filled in.
 *
 * Inbound messages (inbound(), ABI 1.2): a gateway that forwards
 * residents' replies POSTs them to /webhooks/<name>?loa_token=<token>
 * (webhook_token_file), as JSON or as a form; inbound_from_field,
 * inbound_text_field, inbound_id_field and inbound_time_field say where
 * the sender, the text, the gateway's id and the time are (dotted paths
 * in JSON, parameter names in a form).
 *
 * The provider's de-duplication cannot be declared per instance (the
 * module's flags are static), so http_json never claims it: flags are 0.
 *
 * Nothing secret ({{token}}, header values) and no phone number is ever
 * logged; reasons are short codes ("code_<code>", "http_<status>").
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "loa/provider.h"

#include "plugin.h"

#define HJ_DEFAULT_BODY \
	"{\"to\":\"{{to}}\",\"text\":\"{{text}}\",\"id\":\"{{delivery_id}}\"}"
#define HJ_MAX_CODE	32	/* longest code kept in a reason */

static const char *const hj_keys[] = {
	"channel", "url", "method", "content_type", "headers", "body",
	"token_file", "success_field", "success_value", "id_field",
	"error_field", "permanent_codes", "temporary_codes", "fallback_codes",
	"down_codes", "webhook_token_file", "inbound_from_field",
	"inbound_text_field", "inbound_id_field", "inbound_time_field", NULL
};

/* The inbound_* keys, in the order of struct hj's in_field. */
enum { IN_FROM, IN_TEXT, IN_ID, IN_TIME, IN_N };

static const char *const hj_in_keys[IN_N] = {
	"inbound_from_field", "inbound_text_field", "inbound_id_field",
	"inbound_time_field"
};

enum hj_ph {
	PH_LITERAL = 0,
	PH_TO,
	PH_TO_PLUS,
	PH_TEXT,
	PH_ENCODING,
	PH_SEGMENTS,
	PH_DELIVERY_ID,
	PH_JOB,
	PH_TEMPLATE_ID,
	PH_DATA,
	PH_TOKEN,
	PH_CHANNEL,
};

static const char *const hj_ph_names[] = {
	NULL, "to", "to_plus", "text", "encoding", "segments", "delivery_id",
	"job", "template_id", "data", "token", "channel"
};
#define HJ_NPH	(sizeof(hj_ph_names) / sizeof(hj_ph_names[0]))

/* How a substituted value is written. */
enum hj_esc {
	ESC_RAW,	/* headers, bodies of other content types */
	ESC_JSON,	/* inside a JSON string */
	ESC_PCT,	/* URL, form body */
};

/* A parsed template: literal text and placeholders, in order. */
struct hj_part {
	enum hj_ph	 ph;
	char		*lit;		/* PH_LITERAL */
	size_t		 len;
};

struct hj_tmpl {
	struct hj_part	*parts;
	size_t		 nparts;
};

struct hj_header {
	char		*name;
	struct hj_tmpl	 value;
};

/* The code lists, in the order of hj_list_keys. */
enum { L_PERMANENT, L_TEMPORARY, L_FALLBACK, L_DOWN, L_N };

static const char *const hj_list_keys[L_N] = {
	"permanent_codes", "temporary_codes", "fallback_codes", "down_codes"
};

static const enum loa_outcome hj_list_outcome[L_N] = {
	LOA_OUT_FAILED, LOA_OUT_RETRY, LOA_OUT_FALLBACK, LOA_OUT_PROVIDER_DOWN
};

struct hj_codes {
	char		**v;
	size_t		  n;
};

struct hj {
	const struct loa_host	*host;
	time_t			 id_warned;	/* plug_once_a_minute() */
	char			 channel[8];	/* "sms" or "zalo" */
	char			 method[8];
	char			*content_type;	/* NULL for GET */
	enum hj_esc		 body_esc;
	struct hj_tmpl		 url;
	struct hj_tmpl		 body;		/* no parts for GET */
	struct hj_header	 headers[LOA_MAX_HEADERS - 1];
	int			 nheaders;
	const char		*token;		/* owned by the host, or NULL */
	char			*success_field;
	char			*success_value;
	char			*id_field;
	char			*error_field;
	struct hj_codes		 lists[L_N];
	const char		*webhook_token;	/* owned by the host, or NULL:
						   inbound refused */
	char			*in_field[IN_N]; /* NULL: not read */
};

/* A growing buffer; oom remembers an allocation failure. */
struct hj_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

/* What placeholders are filled with for one message. */
struct hj_ctx {
	const struct hj			*h;
	const struct loa_message	*m;
	const char			*token;
	char				*data;	/* {{data}}, made on demand */
	int				 bad_data;
};

/* isalnum() for ASCII only, whatever the locale. */
static int
hj_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

static void
hj_buf_add(struct hj_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Empty b, keeping its memory. */
static void
hj_buf_reset(struct hj_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static void
hj_buf_free(struct hj_buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);	/* may hold {{token}} */
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Append s to b escaped as esc says. */
static void
hj_put(struct hj_buf *b, const char *s, enum hj_esc esc)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			e[8];
	unsigned char		c;

	if (esc == ESC_RAW) {
		hj_buf_add(b, s, strlen(s));
		return;
	}
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (esc == ESC_JSON) {
			if (c == '"' || c == '\\') {
				e[0] = '\\';
				e[1] = (char)c;
				hj_buf_add(b, e, 2);
			} else if (c == '\n')
				hj_buf_add(b, "\\n", 2);
			else if (c == '\r')
				hj_buf_add(b, "\\r", 2);
			else if (c == '\t')
				hj_buf_add(b, "\\t", 2);
			else if (c < 0x20) {
				snprintf(e, sizeof(e), "\\u%04x", c);
				hj_buf_add(b, e, 6);
			} else
				hj_buf_add(b, s, 1);
		} else {
			if (hj_alnum(c) || c == '-' || c == '_' || c == '.' ||
			    c == '~')
				hj_buf_add(b, s, 1);
			else {
				e[0] = '%';
				e[1] = hex[c >> 4];
				e[2] = hex[c & 0xf];
				hj_buf_add(b, e, 3);
			}
		}
	}
}

/*
 * The message's {{data}}: its template data as compact JSON (an object),
 * "{}" when there is none; NULL when it is not a JSON object.
 */
static char *
hj_data(const struct loa_message *m)
{
	json_t	*o;
	char	*s;

	if (m->template_data == NULL || *m->template_data == '\0')
		return strdup("{}");
	if ((o = json_loads(m->template_data, 0, NULL)) == NULL)
		return NULL;
	s = json_is_object(o) ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static const char *
hj_str(const char *s)
{
	return s != NULL ? s : "";
}

/* Append the value of placeholder ph for ctx's message, escaped. */
static void
hj_put_ph(struct hj_buf *b, enum hj_ph ph, struct hj_ctx *ctx,
    enum hj_esc esc)
{
	const struct loa_message	*m = ctx->m;
	char				 num[96];

	switch (ph) {
	case PH_LITERAL:
		break;
	case PH_TO:
		hj_put(b, hj_str(m->to), esc);
		break;
	case PH_TO_PLUS:
		snprintf(num, sizeof(num), "+%s", hj_str(m->to));
		hj_put(b, num, esc);
		break;
	case PH_TEXT:
		hj_put(b, hj_str(m->text), esc);
		break;
	case PH_ENCODING:
		hj_put(b, hj_str(m->encoding), esc);
		break;
	case PH_SEGMENTS:
		snprintf(num, sizeof(num), "%d", m->segments);
		hj_put(b, num, esc);
		break;
	case PH_DELIVERY_ID:
		hj_put(b, hj_str(m->delivery_id), esc);
		break;
	case PH_JOB:
		hj_put(b, hj_str(m->job_id), esc);
		break;
	case PH_TEMPLATE_ID:
		hj_put(b, hj_str(m->template_id), esc);
		break;
	case PH_DATA:
		if (ctx->data == NULL && !ctx->bad_data &&
		    (ctx->data = hj_data(m)) == NULL)
			ctx->bad_data = 1;
		if (ctx->data != NULL)
			hj_put(b, ctx->data, esc == ESC_JSON ? ESC_RAW : esc);
		break;
	case PH_TOKEN:
		hj_put(b, hj_str(ctx->token), esc);
		break;
	case PH_CHANNEL:
		hj_put(b, ctx->h->channel, esc);
		break;
	}
}

/* Append template t filled in for ctx: literals as they are. */
static void
hj_render(struct hj_buf *b, const struct hj_tmpl *t, struct hj_ctx *ctx,
    enum hj_esc esc)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++) {
		if (t->parts[i].ph == PH_LITERAL)
			hj_buf_add(b, t->parts[i].lit, t->parts[i].len);
		else
			hj_put_ph(b, t->parts[i].ph, ctx, esc);
	}
}

static void
hj_tmpl_free(struct hj_tmpl *t)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++)
		free(t->parts[i].lit);
	free(t->parts);
	t->parts = NULL;
	t->nparts = 0;
}

static int
hj_tmpl_add(struct hj_tmpl *t, enum hj_ph ph, const char *lit, size_t len)
{
	struct hj_part	*p;

	if ((p = reallocarray(t->parts, t->nparts + 1, sizeof(*p))) == NULL)
		return -1;
	t->parts = p;
	p = &t->parts[t->nparts];
	p->ph = ph;
	p->lit = NULL;
	p->len = len;
	if (ph == PH_LITERAL) {
		if ((p->lit = strndup(lit, len)) == NULL)
			return -1;
	}
	t->nparts++;
	return 0;
}

/*
 * Parse src into t.  "{{" opens a placeholder that "}}" closes; spaces
 * around the name are allowed.  Returns 0, or -1 after logging what is
 * wrong under key (naming the placeholder unless quiet: header values may
 * hold secrets).
 */
static int
hj_tmpl_parse(const struct loa_host *host, const char *key, int quiet,
    const char *src, struct hj_tmpl *t)
{
	const char	*p = src, *open, *close, *n0, *n1;
	size_t		 i, nlen;

	memset(t, 0, sizeof(*t));
	while (*p != '\0') {
		if ((open = strstr(p, "{{")) == NULL) {
			if (hj_tmpl_add(t, PH_LITERAL, p, strlen(p)) == -1)
				goto oom;
			break;
		}
		if (open > p && hj_tmpl_add(t, PH_LITERAL, p,
		    (size_t)(open - p)) == -1)
			goto oom;
		if ((close = strstr(open + 2, "}}")) == NULL) {
			host->log(host->hctx, LOA_LOG_ERR, "%s: \"{{\" without "
			    "\"}}\"", key);
			goto fail;
		}
		for (n0 = open + 2; n0 < close && *n0 == ' '; n0++)
			;
		for (n1 = close; n1 > n0 && n1[-1] == ' '; n1--)
			;
		nlen = (size_t)(n1 - n0);
		for (i = 1; i < HJ_NPH; i++)
			if (strlen(hj_ph_names[i]) == nlen &&
			    strncmp(hj_ph_names[i], n0, nlen) == 0)
				break;
		if (i == HJ_NPH && quiet) {
			host->log(host->hctx, LOA_LOG_ERR, "%s: unknown "
			    "placeholder", key);
			goto fail;
		}
		if (i == HJ_NPH) {
			host->log(host->hctx, LOA_LOG_ERR, "%s: unknown "
			    "placeholder {{%.*s}}", key,
			    nlen > 40 ? 40 : (int)nlen, n0);
			goto fail;
		}
		if (hj_tmpl_add(t, (enum hj_ph)i, NULL, 0) == -1)
			goto oom;
		p = close + 2;
	}
	return 0;

oom:
	host->log(host->hctx, LOA_LOG_ERR, "%s: out of memory", key);
fail:
	hj_tmpl_free(t);
	return -1;
}

static int
hj_tmpl_uses(const struct hj_tmpl *t, enum hj_ph ph)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].ph == ph)
			return 1;
	return 0;
}

static char *
hj_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* An HTTP token (RFC 9110) such as a header name. */
static int
hj_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!hj_alnum((unsigned char)*s) &&
		    strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return 0;
	return 1;
}

/* Whether s holds a control character (never allowed in a header). */
static int
hj_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* Parse the headers key: "Name: value; Name2: value2". */
static int
hj_parse_headers(struct hj *h, const char *src)
{
	const struct loa_host	*host = h->host;
	char			*dup, *item, *save = NULL, *colon, *name;

	if ((dup = strdup(src)) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "headers: out of memory");
		return -1;
	}
	for (item = strtok_r(dup, ";", &save); item != NULL;
	    item = strtok_r(NULL, ";", &save)) {
		item = hj_trim(item);
		if (*item == '\0')
			continue;
		if ((colon = strchr(item, ':')) == NULL) {
			host->log(host->hctx, LOA_LOG_ERR, "headers: want "
			    "\"Name: value; Name2: value2\"");
			goto fail;
		}
		*colon = '\0';
		name = hj_trim(item);
		if (!hj_is_token(name)) {
			host->log(host->hctx, LOA_LOG_ERR, "headers: bad "
			    "header name");
			goto fail;
		}
		if (strcasecmp(name, "Content-Type") == 0 ||
		    strcasecmp(name, "Content-Length") == 0 ||
		    strcasecmp(name, "Host") == 0) {
			host->log(host->hctx, LOA_LOG_ERR, "headers: %s is "
			    "set by the daemon (use content_type)", name);
			goto fail;
		}
		if (hj_has_ctl(colon + 1) || *hj_trim(colon + 1) == '\0') {
			host->log(host->hctx, LOA_LOG_ERR, "headers: empty "
			    "value or control character in %s", name);
			goto fail;
		}
		if (h->nheaders == (int)(sizeof(h->headers) /
		    sizeof(h->headers[0]))) {
			host->log(host->hctx, LOA_LOG_ERR, "headers: at most "
			    "%zu", sizeof(h->headers) / sizeof(h->headers[0]));
			goto fail;
		}
		if ((h->headers[h->nheaders].name = strdup(name)) == NULL) {
			host->log(host->hctx, LOA_LOG_ERR, "headers: out of "
			    "memory");
			goto fail;
		}
		if (hj_tmpl_parse(host, "headers", 1, hj_trim(colon + 1),
		    &h->headers[h->nheaders].value) == -1) {
			free(h->headers[h->nheaders].name);
			goto fail;
		}
		h->nheaders++;
	}
	free(dup);
	return 0;

fail:
	free(dup);
	return -1;
}

/*
 * Parse a comma list of codes.  A code may sit in one list only:
 * returns -1 after logging otherwise.
 */
static int
hj_parse_codes(struct hj *h, int which, const char *src)
{
	const struct loa_host	*host = h->host;
	const char		*key = hj_list_keys[which];
	struct hj_codes		*l = &h->lists[which];
	char			*dup, *tok, *save = NULL, **v;
	size_t			 i;
	int			 j;

	if ((dup = strdup(src)) == NULL)
		goto oom;
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = hj_trim(tok);
		if (*tok == '\0')
			continue;
		for (j = 0; j <= which; j++)
			for (i = 0; i < h->lists[j].n; i++)
				if (strcmp(h->lists[j].v[i], tok) == 0) {
					host->log(host->hctx, LOA_LOG_ERR,
					    "%s: code %s is also in %s", key,
					    tok, hj_list_keys[j]);
					free(dup);
					return -1;
				}
		if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
			goto oom;
		l->v = v;
		if ((l->v[l->n] = strdup(tok)) == NULL)
			goto oom;
		l->n++;
	}
	free(dup);
	return 0;

oom:
	free(dup);
	host->log(host->hctx, LOA_LOG_ERR, "%s: out of memory", key);
	return -1;
}

/* A dotted path: non-empty parts separated by dots. */
static int
hj_path_ok(const char *p)
{
	if (*p == '\0' || *p == '.' || p[strlen(p) - 1] == '.' ||
	    strstr(p, "..") != NULL)
		return 0;
	return 1;
}

/* Copy of the config string key (or def), NULL when both are NULL. */
static int
hj_conf_dup(struct hj *h, const char *key, const char *def, char **out)
{
	const char	*v = h->host->config(h->host->hctx, key);

	*out = NULL;
	if (v == NULL)
		v = def;
	if (v == NULL)
		return 0;
	if ((*out = strdup(v)) == NULL) {
		h->host->log(h->host->hctx, LOA_LOG_ERR, "%s: out of memory",
		    key);
		return -1;
	}
	return 0;
}

/*
 * Whether a parsed url template starts with http:// or https:// and its
 * host's first character, and has no space or control character outside
 * the placeholders.
 */
static int
hj_url_ok(const struct hj_tmpl *t)
{
	const char	*lit;
	size_t		 i, scheme;

	if (t->nparts == 0 || t->parts[0].ph != PH_LITERAL)
		return 0;
	lit = t->parts[0].lit;
	if (strncmp(lit, "https://", 8) == 0)
		scheme = 8;
	else if (strncmp(lit, "http://", 7) == 0)
		scheme = 7;
	else
		return 0;
	if (strlen(lit) <= scheme || lit[scheme] == '/')
		return 0;
	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].ph == PH_LITERAL &&
		    (hj_has_ctl(t->parts[i].lit) ||
		    strchr(t->parts[i].lit, ' ') != NULL))
			return 0;
	return 1;
}

static void
hj_destroy(void *state)
{
	struct hj	*h = state;
	size_t		 i;
	int		 j;

	if (h == NULL)
		return;
	hj_tmpl_free(&h->url);
	hj_tmpl_free(&h->body);
	for (j = 0; j < h->nheaders; j++) {
		free(h->headers[j].name);
		hj_tmpl_free(&h->headers[j].value);
	}
	for (j = 0; j < L_N; j++) {
		for (i = 0; i < h->lists[j].n; i++)
			free(h->lists[j].v[i]);
		free(h->lists[j].v);
	}
	free(h->content_type);
	free(h->success_field);
	free(h->success_value);
	free(h->id_field);
	free(h->error_field);
	for (j = 0; j < IN_N; j++)
		free(h->in_field[j]);
	free(h);
}

/*
 * Whether the body template gives JSON once filled in, tried with a
 * sample message whose text holds every character that needs escaping.
 */
static int
hj_body_is_json(struct hj *h)
{
	struct loa_message	 m;
	struct hj_ctx		 ctx;
	struct hj_buf		 b;
	json_t			*j = NULL;

	memset(&m, 0, sizeof(m));
	m.delivery_id = "0123456789abcdef0123456789abcdef";
	m.job_id = "1-1";
	m.channel = h->channel;
	m.to = "84912345678";
	m.text = "\"Th\xc3\xb4ng b\xc3\xa1o\"\\\n\t\x01/";
	m.encoding = "ucs2";
	m.segments = 1;
	m.template_id = "1";
	m.template_data = "{\"k\":\"v\\\"\"}";
	m.attempt = 1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.h = h;
	ctx.m = &m;
	ctx.token = "tok\"en";
	memset(&b, 0, sizeof(b));
	hj_render(&b, &h->body, &ctx, ESC_JSON);
	if (!b.oom && b.p != NULL)
		j = json_loads(b.p, JSON_DECODE_ANY, NULL);
	free(ctx.data);
	hj_buf_free(&b);
	if (j == NULL)
		return 0;
	json_decref(j);
	return 1;
}

/*
 * The inbound form (ABI 1.2): inbound_from_field and inbound_text_field
 * together, inbound_id_field and inbound_time_field optional, each a
 * dotted path (a JSON body) that is also a form parameter's name (a form
 * body); webhook_token_file required with them.  Returns 0, or -1 after
 * logging the key at fault.
 */
static int
hj_inbound_config(struct hj *h)
{
	const struct loa_host	*host = h->host;
	int			 i, any = 0;

	for (i = 0; i < IN_N; i++) {
		if (hj_conf_dup(h, hj_in_keys[i], NULL, &h->in_field[i]) == -1)
			return -1;
		if (h->in_field[i] == NULL)
			continue;
		any = 1;
		if (!hj_path_ok(h->in_field[i])) {
			host->log(host->hctx, LOA_LOG_ERR, "%s: want a dotted "
			    "path such as message.text", hj_in_keys[i]);
			return -1;
		}
	}
	if (any && (h->in_field[IN_FROM] == NULL ||
	    h->in_field[IN_TEXT] == NULL)) {
		host->log(host->hctx, LOA_LOG_ERR, "%s: required with the "
		    "other inbound_*_field keys", h->in_field[IN_FROM] == NULL ?
		    hj_in_keys[IN_FROM] : hj_in_keys[IN_TEXT]);
		return -1;
	}
	if (host->config(host->hctx, "webhook_token_file") != NULL) {
		h->webhook_token = host->secret(host->hctx,
		    "webhook_token_file");
		if (h->webhook_token == NULL || *h->webhook_token == '\0') {
			host->log(host->hctx, LOA_LOG_ERR, "webhook_token_file: "
			    "cannot read the token, or it is empty");
			return -1;
		}
	} else if (any) {
		host->log(host->hctx, LOA_LOG_ERR, "webhook_token_file is "
		    "required by inbound_from_field (inbound messages are "
		    "checked with it)");
		return -1;
	}
	return 0;
}

/*
 * Contract: reads and checks every key (templates are parsed here, once).
 * Returns -1, after logging the key at fault, for a missing url, a bad
 * method, a bad template, a body that would not be JSON, a {{token}}
 * without a readable token_file, or a code in two lists.
 */
static int
hj_create(const struct loa_host *host, void **state)
{
	struct hj	*h;
	const char	*v, *url, *body, *ct;
	char		 media[128];
	size_t		 n;
	int		 i, uses_token;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "out of memory");
		return -1;
	}
	h->host = host;

	v = host->config(host->hctx, "channel");
	if (v == NULL)
		v = "sms";
	if (strcmp(v, "sms") != 0 && strcmp(v, "zalo") != 0) {
		host->log(host->hctx, LOA_LOG_ERR, "channel: want sms or zalo");
		goto fail;
	}
	snprintf(h->channel, sizeof(h->channel), "%s", v);

	v = host->config(host->hctx, "method");
	if (v == NULL)
		v = "POST";
	if (strcasecmp(v, "POST") != 0 && strcasecmp(v, "GET") != 0 &&
	    strcasecmp(v, "PUT") != 0) {
		host->log(host->hctx, LOA_LOG_ERR, "method: want POST, GET or "
		    "PUT");
		goto fail;
	}
	for (n = 0; v[n] != '\0'; n++)
		h->method[n] = (char)toupper((unsigned char)v[n]);

	if ((url = host->config(host->hctx, "url")) == NULL || *url == '\0') {
		host->log(host->hctx, LOA_LOG_ERR, "url is required");
		goto fail;
	}
	if (hj_tmpl_parse(host, "url", 0, url, &h->url) == -1)
		goto fail;
	if (!hj_url_ok(&h->url)) {
		host->log(host->hctx, LOA_LOG_ERR, "url: want an http(s):// "
		    "URL with its host written out");
		goto fail;
	}

	body = host->config(host->hctx, "body");
	ct = host->config(host->hctx, "content_type");
	if (strcmp(h->method, "GET") == 0) {
		if (body != NULL || ct != NULL) {
			host->log(host->hctx, LOA_LOG_ERR, "%s: a GET request "
			    "has no body", body != NULL ? "body" :
			    "content_type");
			goto fail;
		}
	} else {
		if (ct == NULL)
			ct = "application/json";
		if (*ct == '\0' || hj_has_ctl(ct)) {
			host->log(host->hctx, LOA_LOG_ERR, "content_type: "
			    "want a media type");
			goto fail;
		}
		if ((h->content_type = strdup(ct)) == NULL)
			goto oom;
		/* The media type without parameters, in lower case. */
		for (n = 0; ct[n] != '\0' && ct[n] != ';' &&
		    n + 1 < sizeof(media); n++)
			media[n] = (char)tolower((unsigned char)ct[n]);
		media[n] = '\0';
		hj_trim(media);
		n = strlen(media);
		if (strcmp(media, "application/json") == 0 ||
		    (n > 5 && strcmp(media + n - 5, "+json") == 0))
			h->body_esc = ESC_JSON;
		else if (strcmp(media, "application/x-www-form-urlencoded") ==
		    0)
			h->body_esc = ESC_PCT;
		else
			h->body_esc = ESC_RAW;
		if (hj_tmpl_parse(host, "body", 0, body != NULL ? body :
		    HJ_DEFAULT_BODY, &h->body) == -1)
			goto fail;
	}

	if ((v = host->config(host->hctx, "headers")) != NULL &&
	    hj_parse_headers(h, v) == -1)
		goto fail;

	uses_token = hj_tmpl_uses(&h->url, PH_TOKEN) ||
	    hj_tmpl_uses(&h->body, PH_TOKEN);
	for (i = 0; i < h->nheaders; i++)
		uses_token |= hj_tmpl_uses(&h->headers[i].value, PH_TOKEN);
	if (host->config(host->hctx, "token_file") != NULL) {
		h->token = host->secret(host->hctx, "token_file");
		if (h->token == NULL || *h->token == '\0') {
			host->log(host->hctx, LOA_LOG_ERR, "token_file: cannot "
			    "read the token, or it is empty");
			goto fail;
		}
	} else if (uses_token) {
		host->log(host->hctx, LOA_LOG_ERR, "token_file is required "
		    "by {{token}}");
		goto fail;
	}

	if (h->body_esc == ESC_JSON && !hj_body_is_json(h)) {
		host->log(host->hctx, LOA_LOG_ERR, "body: not JSON once the "
		    "placeholders are filled in (text placeholders need "
		    "quotes around them, {{data}} none)");
		goto fail;
	}

	if (hj_conf_dup(h, "success_field", NULL, &h->success_field) == -1 ||
	    hj_conf_dup(h, "success_value", "true", &h->success_value) ==
	    -1 || hj_conf_dup(h, "id_field", NULL, &h->id_field) == -1 ||
	    hj_conf_dup(h, "error_field", NULL, &h->error_field) == -1)
		goto fail;
	if (h->success_field == NULL &&
	    host->config(host->hctx, "success_value") != NULL) {
		host->log(host->hctx, LOA_LOG_ERR, "success_value: needs "
		    "success_field");
		goto fail;
	}
	if (h->success_field != NULL && !hj_path_ok(h->success_field)) {
		host->log(host->hctx, LOA_LOG_ERR, "success_field: want a "
		    "dotted path such as data.status");
		goto fail;
	}
	if (h->id_field != NULL && !hj_path_ok(h->id_field)) {
		host->log(host->hctx, LOA_LOG_ERR, "id_field: want a dotted "
		    "path such as data.id");
		goto fail;
	}
	if (h->error_field != NULL && !hj_path_ok(h->error_field)) {
		host->log(host->hctx, LOA_LOG_ERR, "error_field: want a "
		    "dotted path such as error.code");
		goto fail;
	}
	for (i = 0; i < L_N; i++)
		if ((v = host->config(host->hctx, hj_list_keys[i])) != NULL &&
		    hj_parse_codes(h, i, v) == -1)
			goto fail;
	if (hj_inbound_config(h) == -1)
		goto fail;
	*state = h;
	return 0;

oom:
	host->log(host->hctx, LOA_LOG_ERR, "out of memory");
fail:
	hj_destroy(h);
	return -1;
}

/*
 * Contract: fills req from the templates.  Fails (-1) with FALLBACK
 * "wrong_channel" for a message of a channel this instance does not
 * serve, FAILED "bad_template_data" when {{data}} is used and the data is
 * not a JSON object, "bad_header_value" when a filled-in header holds a
 * control character, "url_too_long"/"headers_too_long" when they do not
 * fit the request.
 */
static int
hj_build(void *state, const struct loa_message *m, struct loa_request *req,
    struct loa_result *res)
{
	struct hj	*h = state;
	struct hj_ctx	 ctx;
	struct hj_buf	 b;
	size_t		 off = 0, nlen;
	int		 i, rc = -1;

	if (m->channel == NULL || strcmp(m->channel, h->channel) != 0) {
		plug_result(res, LOA_OUT_FALLBACK, "wrong_channel");
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.h = h;
	ctx.m = m;
	ctx.token = h->token;
	memset(&b, 0, sizeof(b));

	hj_render(&b, &h->url, &ctx, ESC_PCT);
	if (b.oom)
		goto oom;
	if (ctx.bad_data)
		goto bad_data;
	if (b.len >= sizeof(req->url)) {
		plug_result(res, LOA_OUT_FAILED, "url_too_long");
		goto out;
	}
	memcpy(req->url, b.p, b.len + 1);

	req->nheaders = 0;
	if (h->content_type != NULL) {
		nlen = strlen(h->content_type);
		if (nlen >= sizeof(req->hbuf))
			goto too_long;
		memcpy(req->hbuf, h->content_type, nlen + 1);
		req->headers[0].name = "Content-Type";
		req->headers[0].value = req->hbuf;
		req->nheaders = 1;
		off = nlen + 1;
	}
	for (i = 0; i < h->nheaders; i++) {
		hj_buf_reset(&b);
		hj_render(&b, &h->headers[i].value, &ctx, ESC_RAW);
		if (b.oom)
			goto oom;
		if (ctx.bad_data)
			goto bad_data;
		if (b.p != NULL && hj_has_ctl(b.p)) {
			plug_result(res, LOA_OUT_FAILED, "bad_header_value");
			goto out;
		}
		nlen = strlen(h->headers[i].name);
		if (off + nlen + 1 + b.len + 1 > sizeof(req->hbuf))
			goto too_long;
		memcpy(req->hbuf + off, h->headers[i].name, nlen + 1);
		req->headers[req->nheaders].name = req->hbuf + off;
		off += nlen + 1;
		memcpy(req->hbuf + off, b.p != NULL ? b.p : "", b.len);
		req->hbuf[off + b.len] = '\0';
		req->headers[req->nheaders].value = req->hbuf + off;
		off += b.len + 1;
		req->nheaders++;
	}

	req->body = NULL;
	req->body_len = 0;
	if (h->content_type != NULL) {
		hj_buf_free(&b);
		hj_render(&b, &h->body, &ctx, h->body_esc);
		if (b.oom)
			goto oom;
		if (ctx.bad_data)
			goto bad_data;
		if (b.p == NULL && (b.p = strdup("")) == NULL)
			goto oom;
		req->body = b.p;
		req->body_len = b.len;
		memset(&b, 0, sizeof(b));
	}
	req->transport = LOA_TRANSPORT_HTTP;
	snprintf(req->method, sizeof(req->method), "%s", h->method);
	rc = 0;
	goto out;

too_long:
	plug_result(res, LOA_OUT_FAILED, "headers_too_long");
	goto out;
bad_data:
	plug_result(res, LOA_OUT_FAILED, "bad_template_data");
	goto out;
oom:
	plug_result(res, LOA_OUT_RETRY, "no_memory");
out:
	if (rc == -1) {
		explicit_bzero(req->hbuf, sizeof(req->hbuf));
		req->nheaders = 0;
	}
	hj_buf_free(&b);
	free(ctx.data);
	return rc;
}

/*
 * The member at a dotted path ("data.id"; a part made of digits indexes
 * an array: "messages.0.sid"), or NULL.
 */
static json_t *
hj_path(json_t *root, const char *path)
{
	const char	*p = path, *dot;
	char		 part[128], *end;
	size_t		 len;
	unsigned long	 idx;

	while (root != NULL) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		if (json_is_object(root))
			root = json_object_get(root, part);
		else if (json_is_array(root) && len > 0 &&
		    strspn(part, "0123456789") == len) {
			idx = strtoul(part, &end, 10);
			root = json_array_get(root, idx);
		} else
			return NULL;
		if (dot == NULL)
			return root;
		p = dot + 1;
	}
	return NULL;
}

/*
 * A JSON scalar as text: a string's own text (no quotes), a number, true,
 * false or null.  Returns 0, or -1 for an object, an array, nothing, or a
 * text longer than len - 1.
 */
static int
hj_scalar(const json_t *v, char *buf, size_t len)
{
	char	*s;
	int	 n;

	if (v == NULL || json_is_object(v) || json_is_array(v))
		return -1;
	if (json_is_string(v))
		n = snprintf(buf, len, "%s", json_string_value(v));
	else {
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
			return -1;
		n = snprintf(buf, len, "%s", s);
		free(s);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The list holding code, or -1. */
static int
hj_list_of(const struct hj *h, const char *code)
{
	size_t	i;
	int	j;

	for (j = 0; j < L_N; j++)
		for (i = 0; i < h->lists[j].n; i++)
			if (strcmp(h->lists[j].v[i], code) == 0)
				return j;
	return -1;
}

/* res for a code: its list's outcome, FAILED when listed nowhere. */
static void
hj_by_code(const struct hj *h, const char *code, struct loa_result *res)
{
	char	safe[HJ_MAX_CODE + 1];
	size_t	i;
	int	l;

	/* Only harmless characters go in a reason. */
	for (i = 0; code[i] != '\0' && i < HJ_MAX_CODE; i++)
		safe[i] = hj_alnum((unsigned char)code[i]) || code[i] == '-' ||
		    code[i] == '.' ? code[i] : '_';
	safe[i] = '\0';
	l = hj_list_of(h, code);
	plug_result(res, l == -1 ? LOA_OUT_FAILED : hj_list_outcome[l],
	    "code_%s", safe);
}

static void
hj_sent(struct hj *h, json_t *root, struct loa_result *res)
{
	json_t	*v;
	char	 id[sizeof(res->provider_id)];

	res->outcome = LOA_OUT_SENT;
	res->reason[0] = '\0';
	if (h->id_field == NULL || root == NULL)
		return;
	v = hj_path(root, h->id_field);
	if (v == NULL || json_is_null(v))
		return;
	if (hj_scalar(v, id, sizeof(id)) == 0)
		memcpy(res->provider_id, id, strlen(id) + 1);
	else if (plug_once_a_minute(&h->id_warned))
		h->host->log(h->host->hctx, LOA_LOG_WARN, "id_field %s: not "
		    "a scalar of at most %zu bytes, not kept (said at most "
		    "once a minute)", h->id_field, sizeof(id) - 1);
}

/*
 * Contract: transport failures, 5xx and 429 are the daemon's common
 * reading.  A 2xx answer is sent when there is no success_field or the
 * field's value is success_value (then the id is read from id_field);
 * otherwise, and for other statuses, the code at error_field decides
 * through the lists (a code in none is FAILED "code_<code>").  Without a
 * listed code, 401 and 403 are PROVIDER_DOWN "http_<status>"; another
 * status is FAILED "http_<status>"; a 2xx answer that should say whether
 * it succeeded but is not JSON is RETRY "bad_answer", and one that says
 * it did not without a code is FAILED "unsuccessful".
 */
static void
hj_classify(void *state, const struct loa_message *m,
    const struct loa_response *resp, struct loa_result *res)
{
	struct hj	*h = state;
	json_t		*root = NULL;
	char		 code[256], val[256];
	int		 have_code = 0, st = resp->http_status;

	(void)m;
	if (loa_classify_transport(resp, res))
		return;
	if (resp->body != NULL && resp->body_len > 0)
		root = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY,
		    NULL);
	if (h->error_field != NULL && root != NULL &&
	    hj_scalar(hj_path(root, h->error_field), code, sizeof(code)) ==
	    0 && strcmp(code, "null") != 0 && code[0] != '\0')
		have_code = 1;

	if (st >= 200 && st < 300) {
		if (h->success_field == NULL)
			hj_sent(h, root, res);
		else if (root == NULL)
			plug_result(res, LOA_OUT_RETRY, "bad_answer");
		else if (hj_scalar(hj_path(root, h->success_field), val,
		    sizeof(val)) == 0 && strcmp(val, h->success_value) == 0)
			hj_sent(h, root, res);
		else if (have_code)
			hj_by_code(h, code, res);
		else
			plug_result(res, LOA_OUT_FAILED, "unsuccessful");
	} else if (have_code && hj_list_of(h, code) != -1)
		hj_by_code(h, code, res);
	else if (st == 401 || st == 403)
		plug_result(res, LOA_OUT_PROVIDER_DOWN, "http_%d", st);
	else if (have_code)
		hj_by_code(h, code, res);
	else
		plug_result(res, LOA_OUT_FAILED, "http_%d", st);
	json_decref(root);
}

/*
 * One inbound field of a form body (the whole path is the parameter's
 * name) into a malloc'd string (its length in *len).  Returns it, or NULL
 * with *len -1 when absent, -2 when it cannot be decoded.
 */
static char *
hj_form_field(const char *b, size_t n, const char *name, long *len)
{
	char	*v;

	if ((v = malloc(n + 1)) == NULL) {
		*len = -2;
		return NULL;
	}
	if ((*len = plug_param(b, n, name, v, n + 1)) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

/*
 * The time an inbound message was sent: an integer or a string of
 * digits, seconds since 1970 when below 10^11, milliseconds otherwise.
 * Returns milliseconds, or 0 (unknown) for anything else.
 */
static long long
hj_in_time(const char *s)
{
	size_t		n = strlen(s);
	long long	t;

	if (n == 0 || n > 15 || strspn(s, "0123456789") != n)
		return 0;
	t = strtoll(s, NULL, 10);
	return t < 100000000000LL ? t * 1000 : t;
}

/* The sender s (n bytes) as this instance's channel wants it. */
static int
hj_in_from(const struct hj *h, struct loa_inbound *in, const char *s,
    size_t n)
{
	if (strcmp(h->channel, "sms") == 0)
		return plug_inbound_phone(in->from, sizeof(in->from), s, n);
	return plug_inbound_uid(in->from, sizeof(in->from), s, n);
}

/* A form body into in.  Returns 1 or MALFORMED. */
static int
hj_in_form(const struct hj *h, const char *b, size_t n,
    struct loa_inbound *in)
{
	char	*v;
	long	 len;
	int	 rv = LOA_REPORT_MALFORMED;

	if ((v = hj_form_field(b, n, h->in_field[IN_FROM], &len)) == NULL)
		return rv;
	if (hj_in_from(h, in, v, (size_t)len) == -1)
		goto out;
	free(v);
	if ((v = hj_form_field(b, n, h->in_field[IN_TEXT], &len)) == NULL)
		return rv;
	plug_inbound_text(in->text, sizeof(in->text), v, (size_t)len,
	    &in->truncated);
	explicit_bzero(v, (size_t)len);
	free(v);
	v = NULL;
	if (h->in_field[IN_ID] != NULL) {
		v = hj_form_field(b, n, h->in_field[IN_ID], &len);
		if (len == -2 || (v != NULL &&
		    plug_id_copy(in->msg_id, sizeof(in->msg_id), v) == -1))
			goto out;
		free(v);
		v = NULL;
	}
	if (h->in_field[IN_TIME] != NULL &&
	    (v = hj_form_field(b, n, h->in_field[IN_TIME], &len)) != NULL)
		in->ts_ms = hj_in_time(v);
	rv = 1;
out:
	free(v);
	return rv;
}

/* A JSON body into in.  Returns 1 or MALFORMED. */
static int
hj_in_json(const struct hj *h, const char *b, size_t n,
    struct loa_inbound *in)
{
	json_t		*root, *v;
	char		 num[32];
	int		 rv = LOA_REPORT_MALFORMED;

	if ((root = json_loadb(b, n, 0, NULL)) == NULL)
		return rv;
	if (!json_is_object(root))
		goto out;
	v = hj_path(root, h->in_field[IN_FROM]);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		if (hj_in_from(h, in, num, strlen(num)) == -1)
			goto out;
	} else if (!json_is_string(v) || hj_in_from(h, in,
	    json_string_value(v), json_string_length(v)) == -1)
		goto out;
	v = hj_path(root, h->in_field[IN_TEXT]);
	if (!json_is_string(v))
		goto out;
	plug_inbound_text(in->text, sizeof(in->text), json_string_value(v),
	    json_string_length(v), &in->truncated);
	if (h->in_field[IN_ID] != NULL && (v = hj_path(root,
	    h->in_field[IN_ID])) != NULL && !json_is_null(v) &&
	    plug_json_id(in->msg_id, sizeof(in->msg_id), v) != 0)
		goto out;
	if (h->in_field[IN_TIME] != NULL &&
	    hj_scalar(hj_path(root, h->in_field[IN_TIME]), num,
	    sizeof(num)) == 0)
		in->ts_ms = hj_in_time(num);
	rv = 1;
out:
	json_decref(root);
	return rv;
}

/*
 * Contract: an inbound message (ABI 1.2) POSTed to /webhooks/<name> in
 * the shape the inbound_*_field keys describe.  BAD_SIGNATURE without
 * webhook_token_file, or when the query's loa_token is missing or not
 * that token (plug_check_token, in constant time).  0 when the token is
 * right but no inbound_from_field is configured.  Then MALFORMED for
 * another method than POST, a body that is neither a form
 * (Content-Type application/x-www-form-urlencoded) nor a JSON object, a
 * sender that is missing or not one (sms: 3 to 15 digits after an
 * optional '+'; zalo: 1 to 63 visible ASCII bytes), a text that is
 * missing or not a string, or an id (optional) that breaks the
 * message-id rule.  Otherwise one TEXT message; the time (optional) is 0
 * when it is not an integer.
 */
static int
hj_inbound(void *state, const struct loa_webhook *wh,
    struct loa_inbound *ins, int max)
{
	struct hj	*h = state;
	const char	*ct, *b;
	size_t		 n;
	int		 rv;

	if ((rv = plug_check_token(h->host, wh, h->webhook_token)) != 0)
		return rv;
	if (h->in_field[IN_FROM] == NULL || max < 1)
		return 0;
	if (wh->method == NULL || strcmp(wh->method, "POST") != 0)
		return LOA_REPORT_MALFORMED;
	b = wh->body != NULL ? wh->body : "";
	n = wh->body != NULL ? wh->body_len : 0;
	memset(&ins[0], 0, sizeof(ins[0]));
	ins[0].kind = LOA_INBOUND_TEXT;
	snprintf(ins[0].channel, sizeof(ins[0].channel), "%s", h->channel);
	ct = plug_header(wh->headers, wh->nheaders, "Content-Type");
	if (ct != NULL && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0)
		rv = hj_in_form(h, b, n, &ins[0]);
	else
		rv = hj_in_json(h, b, n, &ins[0]);
	if (rv != 1)
		explicit_bzero(&ins[0], sizeof(ins[0]));
	return rv;
}

LOA_PROVIDER_EXPORT const struct loa_provider_module loa_provider = {
	LOA_PROVIDER_MODULE_HEAD,
	"http_json",
	"sms,zalo",
	hj_keys,
	hj_create,
	hj_destroy,
	hj_build,
	hj_classify,
	0,
	NULL,
	NULL,
	NULL,
	NULL,		/* no delivery reports */
	hj_inbound,
};
