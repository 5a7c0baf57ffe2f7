/*
 * tap.h -- a tiny TAP test harness for Loa's unit tests.
 *
 * Each test program includes this header, calls ok()/is_int()/is_str() and
 * ends with `return tap_done();`.  Output follows the Test Anything Protocol
 * so `prove` or a human can read it; the exit status is non-zero when any
 * check failed.
 */
#ifndef LOA_TAP_H
#define LOA_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static void __attribute__((format(printf, 4, 5), unused))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
}

#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (g_ != w_)							\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int p_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;		\
	tap_ok(p_, __FILE__, __LINE__, __VA_ARGS__);			\
	if (!p_)							\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d checks failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
