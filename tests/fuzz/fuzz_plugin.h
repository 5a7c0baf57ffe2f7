/*
 * fuzz_plugin.h -- hosting a provider plugin in a fuzz target, without
 * dlopen (the target includes the plugin's source, so that it can sign
 * webhooks with the plugin's state), and reading a provider's answer or
 * a delivery report from the fuzzer's bytes.
 *
 * Each tests/fuzz/fuzz_plugin_NAME.c makes up to three targets
 * (fuzz.mk): plugin_NAME, its answer parsers; when the plugin has
 * report(), report_NAME (built with -DFZ_REPORT), its delivery reports;
 * when it has inbound() (ABI 1.2), inbound_NAME (-DFZ_INBOUND), its
 * residents' messages.  It ends with FZ_PLUGIN_TARGET(config, secrets,
 * access token, signer).
 *
 * An answer is written as the daemon would receive it:
 *
 *	200                  status line (0: no answer; "timeout": timed out)
 *	X-Rate-Limit-Reset: 30   headers, up to a blank line
 *
 *	{"status":"success"}     body: the rest, any bytes
 *
 * Promises checked on every verdict: an outcome of the enum, reason and
 * provider id NUL-terminated within their arrays, a provider id of valid
 * UTF-8 (it goes into JSON log lines), a retry delay of -1 or more, and
 * no secret of the instance in the reason, the provider id or the log
 * (unless the input itself holds it: a provider may echo anything).
 *
 * A delivery report (webhook) is written the same way, but its first
 * line is the method and the query string, and a leading '!' asks the
 * target to sign the request as the provider would:
 *
 *	!POST SMSID=6ea69&SendStatus=5
 *	Content-Type: application/x-www-form-urlencoded
 *
 *	body
 *
 * Promises checked on every report: the answer is BAD_SIGNATURE,
 * MALFORMED or a count from 0 to max, nothing written past max reports,
 * each report's status of the enum, its provider id not empty and valid
 * UTF-8 (as classify() keeps ids), its reason NUL-terminated;
 * an unsigned request (that does not hold the secret) is refused with
 * BAD_SIGNATURE, a signed one never is.  A resident's message (inbound())
 * is read from the same request format, with the same promise on
 * signing, and its own on what is filled: fz_check_inbound().
 */
#ifndef LOA_FUZZ_PLUGIN_H
#define LOA_FUZZ_PLUGIN_H

#include <stdarg.h>
#include <stdlib.h>

#include <unistr.h>

#include "loa/provider.h"
#include "fuzz.h"
#include "plugin.h"

extern const struct loa_provider_module loa_provider;

/* The unit tests' host: config and secrets in memory, a captured log. */
#include "tap.h"
#include "plugin_host.h"

/* The host of one instance, and the input it is given now. */
struct fz_host {
	struct th		 th;
	struct loa_host		 host;
	const uint8_t		*input;		/* the fuzzer's bytes */
	size_t			 inlen;
};

#define FZ_MAX_HEADERS	8

/* An answer read from fuzzer bytes; free with fz_answer_free(). */
struct fz_answer {
	struct loa_response	 resp;
	struct loa_header	 h[FZ_MAX_HEADERS];
	char			*lines[FZ_MAX_HEADERS];
	char			*body;
};

/* Create an instance; NULL when the plugin refuses the config. */
static void *
fz_create(struct fz_host *fh, const struct kv *config,
    const struct kv *secrets)
{
	void	*state = NULL;

	memset(fh, 0, sizeof(*fh));
	if (th_create(&fh->th, &fh->host, config, secrets, &state) == -1)
		return NULL;
	return state;
}

/* The input the instance is given now (what it may echo). */
static void
fz_input(struct fz_host *fh, const uint8_t *data, size_t size)
{
	fh->input = data;
	fh->inlen = size;
}

/* Nothing secret in s. */
static void
fz_no_secret(const struct fz_host *fh, const char *s)
{
	const struct kv	*k;

	for (k = fh->th.secrets; k != NULL && k->key != NULL; k++)
		if (strlen(k->value) >= 4 && strstr(s, k->value) != NULL &&
		    memmem(fh->input, fh->inlen, k->value,
		    strlen(k->value)) == NULL) {
			fprintf(stderr, "secret %s leaked into \"%s\"\n",
			    k->key, s);
			abort();
		}
}

static void
fz_answer(struct fz_answer *a, const uint8_t *data, size_t size)
{
	const uint8_t	*p = data;
	size_t		 n = size, len;
	char		*line, *colon;
	int		 nh = 0;

	memset(a, 0, sizeof(*a));
	if ((line = fz_line(&p, &n)) != NULL) {
		if (strncmp(line, "timeout", 7) == 0)
			a->resp.timed_out = 1;
		else
			a->resp.http_status = (int)strtol(line, NULL, 10) %
			    1000;
		if (a->resp.http_status < 0)
			a->resp.http_status = -a->resp.http_status;
		free(line);
	}
	while ((line = fz_line(&p, &n)) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || nh == FZ_MAX_HEADERS) {
			free(line);
			break;
		}
		a->lines[nh] = line;
		a->h[nh].name = line;
		if ((colon = strchr(line, ':')) != NULL) {
			*colon = '\0';
			a->h[nh].value = colon + 1 + strspn(colon + 1, " ");
		} else
			a->h[nh].value = "";
		nh++;
	}
	a->body = fz_cstr(p, n);
	a->resp.body = a->body;
	a->resp.body_len = n;
	a->resp.headers = a->h;
	a->resp.nheaders = nh;
}

static void
fz_answer_free(struct fz_answer *a)
{
	int	i;

	for (i = 0; i < FZ_MAX_HEADERS; i++)
		free(a->lines[i]);
	free(a->body);
}

static void
fz_result_init(struct loa_result *res)
{
	memset(res, 0xa5, sizeof(*res));	/* the daemon's is zeroed, */
	res->outcome = LOA_OUT_SENT;		/* but a plugin must not */
	res->provider_id[0] = '\0';		/* rely on more than that */
	res->reason[0] = '\0';
	res->retry_after_ms = -1;
	res->no_attempt = 0;
}

static void
fz_check_result(const struct fz_host *fh, const struct loa_result *res)
{
	FZ_ASSERT(res->outcome >= LOA_OUT_SENT &&
	    res->outcome <= LOA_OUT_PROVIDER_DOWN);
	FZ_ASSERT(memchr(res->reason, '\0', sizeof(res->reason)) != NULL);
	FZ_ASSERT(memchr(res->provider_id, '\0',
	    sizeof(res->provider_id)) != NULL);
	FZ_ASSERT(u8_check((const uint8_t *)res->provider_id,
	    strlen(res->provider_id)) == NULL);
	FZ_ASSERT(res->retry_after_ms >= -1);
	FZ_ASSERT(res->no_attempt == 0 || res->no_attempt == 1);
	fz_no_secret(fh, res->reason);
	fz_no_secret(fh, res->provider_id);
	fz_no_secret(fh, fh->th.log);
}

/*
 * A message of the plugin's first channel; text (NULL: a plain one) is
 * also the Zalo template data.
 */
static void
fz_message(struct loa_message *m, const char *text)
{
	memset(m, 0, sizeof(*m));
	m->delivery_id = "0123456789abcdef0123456789abcdef";
	m->job_id = "hk-2026-11-27-001";
	m->channel = strncmp(loa_provider.channels, "zalo", 4) == 0 ?
	    "zalo" : "sms";
	m->to = "84912345678";
	m->zalo_uid = "5871234";
	m->text = text != NULL ? text : "Thong bao cat dien";
	m->encoding = "gsm7";
	m->segments = 1;
	m->template_id = "231768";
	m->template_data = text != NULL ? text : "{\"ten\":\"Ba Lan\"}";
	m->attempt = 1;
}

/* Classify the answer in data for a message of the instance state. */
static void
fz_classify(struct fz_host *fh, void *state, const struct fz_answer *a)
{
	struct loa_message	m;
	struct loa_result	res;

	fz_message(&m, NULL);
	fz_result_init(&res);
	loa_provider.classify(state, &m, &a->resp, &res);
	fz_check_result(fh, &res);
}

/* Build a request whose text (and Zalo data) is text. */
static void
fz_build(struct fz_host *fh, void *state, const char *text)
{
	struct loa_message	m;
	struct loa_request	req;
	struct loa_result	res;

	fz_message(&m, text);
	memset(&req, 0, sizeof(req));
	fz_result_init(&res);
	if (loa_provider.build(state, &m, &req, &res) == 0) {
		FZ_ASSERT(memchr(req.url, '\0', sizeof(req.url)) != NULL);
		FZ_ASSERT(req.nheaders >= 0 && req.nheaders <= LOA_MAX_HEADERS);
		FZ_ASSERT(req.body == NULL || strlen(req.body) ==
		    req.body_len);
	} else
		fz_check_result(fh, &res);
	free(req.body);
}

/* A delivery report read from fuzzer bytes; free with fz_hook_free(). */
struct fz_hook {
	struct loa_webhook	 wh;
	struct fz_answer	 a;		/* headers and body */
	struct loa_header	 h[FZ_MAX_HEADERS + 1];	/* + a signature */
	char			*line;		/* "METHOD query" */
	char			*query;		/* malloc'd when signed */
	char			 sig[256];	/* a signature header's value */
	int			 sign;		/* asked to sign */
	int			 signed_ok;	/* signed: report() must trust it */
};

/*
 * Sign h as the provider would: a new query or a header in h->sig; set
 * h->signed_ok unless the request cannot be signed so that report() will
 * trust it (it names another app, say).
 */
typedef void (*fz_sign_fn)(void *state, struct fz_hook *h);

static void
fz_hook(struct fz_hook *h, const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 len = nl != NULL ? (size_t)(nl - data) : size;
	char		*sp;

	memset(h, 0, sizeof(*h));
	h->line = fz_cstr(data, len);
	h->sign = h->line[0] == '!';
	h->wh.method = h->line + h->sign;
	h->wh.query = "";
	if ((sp = strchr(h->line, ' ')) != NULL) {
		*sp = '\0';
		h->wh.query = sp + 1;
	}
	/* The rest, from the line break on, reads as an answer whose
	 * status line is empty. */
	fz_answer(&h->a, data + len, size - len);
	memcpy(h->h, h->a.h, sizeof(h->a.h));
	h->wh.headers = h->h;
	h->wh.nheaders = h->a.resp.nheaders;
	h->wh.body = h->a.body;
	h->wh.body_len = h->a.resp.body_len;
}

static void
fz_hook_free(struct fz_hook *h)
{
	fz_answer_free(&h->a);
	free(h->line);
	free(h->query);
}

/* Put header name: h->sig (the signer wrote it) first. */
static void __attribute__((unused))
fz_hook_header(struct fz_hook *h, const char *name)
{
	memmove(&h->h[1], &h->h[0], (size_t)h->wh.nheaders * sizeof(h->h[0]));
	h->h[0].name = name;
	h->h[0].value = h->sig;
	h->wh.nheaders++;
}

/* Put param=value (percent-encoded) first in the query string. */
static void __attribute__((unused))
fz_hook_param(struct fz_hook *h, const char *param, const char *value)
{
	size_t	n = strlen(param) + plug_pct_len(value) + 2 +
		    strlen(h->wh.query) + 1;
	char	*q, *p;

	if ((q = malloc(n)) == NULL)
		abort();
	p = stpcpy(stpcpy(q, param), "=");
	p = plug_pct_append(p, value);
	if (h->wh.query[0] != '\0')
		stpcpy(stpcpy(p, "&"), h->wh.query);
	free(h->query);
	h->query = q;
	h->wh.query = q;
}

/* Sign h for a provider that signs nothing: our token in the query. */
static void __attribute__((unused))
fz_sign_token(struct fz_hook *h, const char *token)
{
	fz_hook_param(h, PLUG_TOKEN_PARAM, token);
	h->signed_ok = 1;
}

static void __attribute__((unused))
fz_check_reports(int rv, const struct loa_report *reps, int max)
{
	const unsigned char	*b;
	int			 k;

	FZ_ASSERT(rv == LOA_REPORT_BAD_SIGNATURE ||
	    rv == LOA_REPORT_MALFORMED || (rv >= 0 && rv <= max));
	for (k = 0; k < rv; k++) {
		FZ_ASSERT(reps[k].status >= LOA_REPORT_DELIVERED &&
		    reps[k].status <= LOA_REPORT_PENDING);
		FZ_ASSERT(memchr(reps[k].provider_id, '\0',
		    sizeof(reps[k].provider_id)) != NULL &&
		    memchr(reps[k].reason, '\0', sizeof(reps[k].reason)) !=
		    NULL);
		FZ_ASSERT(reps[k].provider_id[0] != '\0' &&
		    u8_check((const uint8_t *)reps[k].provider_id,
		    strlen(reps[k].provider_id)) == NULL);
	}
	/* Nothing past the max reports it was given. */
	for (b = (const unsigned char *)&reps[max];
	    b < (const unsigned char *)&reps[max + 1]; b++)
		FZ_ASSERT(*b == 0xa5);
}

/*
 * Promises checked on every inbound() answer (loa/provider.h, ABI 1.2):
 * BAD_SIGNATURE, MALFORMED or a count from 0 to max, nothing written
 * past max messages; each message's kind of the enum, its strings
 * NUL-terminated within their arrays, channel "sms" or "zalo", from not
 * empty (sms: 1 to 15 digits), msg_id empty or loa_provider_id_ok, text
 * valid UTF-8 ("" for OTHER), truncated 0 or 1 and set only when the
 * text was cut at a character boundary (less than a 4-byte character
 * short of LOA_INBOUND_TEXT_MAX, from an input long enough to hold a
 * longer text: a byte of it is at most 3 of the text); neither the text
 * nor an sms sender in the log.
 */
static void __attribute__((unused))
fz_check_inbound(const struct fz_host *fh, int rv,
    const struct loa_inbound *ins, int max)
{
	const struct loa_inbound	*in;
	const unsigned char		*b;
	size_t				 tlen;
	int				 k;

	FZ_ASSERT(rv == LOA_REPORT_BAD_SIGNATURE ||
	    rv == LOA_REPORT_MALFORMED || (rv >= 0 && rv <= max));
	for (k = 0; k < rv; k++) {
		in = &ins[k];
		FZ_ASSERT(in->kind >= LOA_INBOUND_TEXT &&
		    in->kind <= LOA_INBOUND_OTHER);
		FZ_ASSERT(memchr(in->channel, '\0', sizeof(in->channel)) &&
		    memchr(in->from, '\0', sizeof(in->from)) &&
		    memchr(in->msg_id, '\0', sizeof(in->msg_id)) &&
		    memchr(in->text, '\0', sizeof(in->text)) &&
		    memchr(in->note, '\0', sizeof(in->note)));
		FZ_ASSERT(strcmp(in->channel, "sms") == 0 ||
		    strcmp(in->channel, "zalo") == 0);
		FZ_ASSERT(in->from[0] != '\0');
		if (strcmp(in->channel, "sms") == 0)
			FZ_ASSERT(strlen(in->from) <= 15 &&
			    strspn(in->from, "0123456789") ==
			    strlen(in->from));
		FZ_ASSERT(in->msg_id[0] == '\0' ||
		    loa_provider_id_ok(in->msg_id, sizeof(in->msg_id)));
		tlen = strlen(in->text);
		FZ_ASSERT(u8_check((const uint8_t *)in->text, tlen) == NULL);
		FZ_ASSERT(in->kind != LOA_INBOUND_OTHER || tlen == 0);
		FZ_ASSERT(in->truncated == 0 || in->truncated == 1);
		if (in->truncated)
			FZ_ASSERT(tlen + 4 >= LOA_INBOUND_TEXT_MAX &&
			    3 * fh->inlen >= LOA_INBOUND_TEXT_MAX);
		if (tlen >= 8)
			FZ_ASSERT(strstr(fh->th.log, in->text) == NULL);
		if (strcmp(in->channel, "sms") == 0 && strlen(in->from) >= 6)
			FZ_ASSERT(strstr(fh->th.log, in->from) == NULL);
	}
	for (b = (const unsigned char *)&ins[max];
	    b < (const unsigned char *)&ins[max + 1]; b++)
		FZ_ASSERT(*b == 0xa5);
}

/*
 * One webhook request, the n bytes at data (fh's input holds them), to
 * the instance st: signed when asked, handed to report() (or, built with
 * -DFZ_INBOUND, to inbound()) with room for 0 to 3 answers (from the
 * input's length), and its promises checked; an unsigned request that
 * does not hold a secret is refused, a signed one never is.
 */
static void
fz_webhook(struct fz_host *fh, void *st, const struct kv *secrets,
    fz_sign_fn sign, const uint8_t *data, size_t size)
{
#ifdef FZ_INBOUND
	struct loa_inbound	 out[4];
#else
	struct loa_report	 out[4];
#endif
	struct fz_hook		 h;
	const struct kv		*k;
	int			 rv, max = (int)(size % 4), holds = 0;

	fh->th.log[0] = '\0';
	fz_hook(&h, data, size);
	if (h.sign)
		sign(st, &h);
	memset(out, 0xa5, sizeof(out));
#ifdef FZ_INBOUND
	rv = loa_provider.inbound(st, &h.wh, out, max);
	fz_check_inbound(fh, rv, out, max);
#else
	rv = loa_provider.report(st, &h.wh, out, max);
	fz_check_reports(rv, out, max);
#endif
	for (k = secrets; k->key != NULL; k++)
		holds |= memmem(fh->input, fh->inlen, k->value,
		    strlen(k->value)) != NULL;
	if (!h.sign && !holds)
		FZ_ASSERT(rv == LOA_REPORT_BAD_SIGNATURE);
	if (h.signed_ok)
		FZ_ASSERT(rv != LOA_REPORT_BAD_SIGNATURE);
	fz_no_secret(fh, fh->th.log);
	fz_hook_free(&h);
}

/*
 * The whole report (or inbound) target of a plugin with a fixed config:
 * one instance for the run, each input one request (fz_webhook).
 */
static int __attribute__((unused))
fz_webhook_run(const struct kv *config, const struct kv *secrets,
    fz_sign_fn sign, const uint8_t *data, size_t size)
{
	static struct fz_host	 fh;
	static void		*st;

	if (st == NULL && (st = fz_create(&fh, config, secrets)) == NULL) {
		fprintf(stderr, "create: %s\n", fh.th.log);
		abort();
	}
	fz_input(&fh, data, size);
	fz_webhook(&fh, st, secrets, sign, data, size);
	return 0;
}

/* Read the answer of a token refresh (plugins that have one). */
static void
fz_refresh(struct fz_host *fh, void *state, const struct fz_answer *a)
{
	struct loa_credentials	cred;
	struct loa_result	res;

	memset(&cred, 0xa5, sizeof(cred));
	fz_result_init(&res);
	if (loa_provider.refresh_parse(state, &a->resp, &cred, &res) == 0) {
		FZ_ASSERT(memchr(cred.access_token, '\0',
		    sizeof(cred.access_token)) != NULL &&
		    memchr(cred.refresh_token, '\0',
		    sizeof(cred.refresh_token)) != NULL);
		/* They go into HTTP headers and Redis: no line breaks. */
		FZ_ASSERT(cred.access_token[0] != '\0' &&
		    strpbrk(cred.access_token, "\r\n") == NULL &&
		    strpbrk(cred.refresh_token, "\r\n") == NULL);
		FZ_ASSERT(cred.expires_in_s >= 0);
	} else {
		FZ_ASSERT(res.outcome == LOA_OUT_RETRY ||
		    res.outcome == LOA_OUT_PROVIDER_DOWN);
		FZ_ASSERT(res.reason[0] != '\0');
		fz_check_result(fh, &res);
	}
}

/*
 * The whole target of a plugin with a fixed config: one instance for
 * the run (given token, when the plugin takes one), then for each input
 * its answer classified, read as a token refresh answer, and its body
 * used as the text of a request.
 */
static int __attribute__((unused))
fz_plugin_run(const struct kv *config, const struct kv *secrets,
    const char *token, const uint8_t *data, size_t size)
{
	static struct fz_host	 fh;
	static void		*st;
	struct fz_answer	 a;

	if (st == NULL) {
		if ((st = fz_create(&fh, config, secrets)) == NULL) {
			fprintf(stderr, "create: %s\n", fh.th.log);
			abort();
		}
		if (loa_provider.set_token != NULL)
			loa_provider.set_token(st, token);
	}
	fz_input(&fh, data, size);
	fh.th.log[0] = '\0';		/* a log of its own */
	fz_answer(&a, data, size);
	fz_classify(&fh, st, &a);
	if (loa_provider.refresh_parse != NULL)
		fz_refresh(&fh, st, &a);
	fz_build(&fh, st, a.body);
	fz_answer_free(&a);
	return 0;
}

#if defined(FZ_REPORT) || defined(FZ_INBOUND)
#define FZ_PLUGIN_TARGET(config, secrets, token, sign)			\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	return fz_webhook_run(config, secrets, sign, data, size);	\
}
#else
#define FZ_PLUGIN_TARGET(config, secrets, token, sign)			\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	(void)sign;							\
	return fz_plugin_run(config, secrets, token, data, size);	\
}
#endif

#endif
