/*
 * test_csv.c -- unit tests of csv.c, the streaming CSV reader.
 *
 * A table of inputs and the records they must give, written compactly:
 * each record as "LINE:" then "[field]" per field, or "!reason" for a bad
 * record, then ';'.  Then the limits (a record of exactly the maximum
 * size, one byte more, followed by a good one), reading from a FILE across
 * block boundaries (the same records as from memory), a read error, and a
 * large random input read both ways.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loa.h"
#include "csv.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char	*what;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
} cases[] = {
	{ "empty input", "", 0, "" },
	{ "one field", "a", 0, "1:[a];" },
	{ "trailing newline", "a,b\nc,d\n", 0, "1:[a][b];2:[c][d];" },
	{ "no trailing newline", "a,b\nc,d", 0, "1:[a][b];2:[c][d];" },
	{ "CRLF", "a,b\r\nc,d\r\n", 0, "1:[a][b];2:[c][d];" },
	{ "CRLF, none at the end", "a,b\r\nc,d", 0, "1:[a][b];2:[c][d];" },
	{ "mixed line ends", "a\r\nb\nc\r\n", 0, "1:[a];2:[b];3:[c];" },
	{ "lone CR is data", "a\rb,c\n", 0, "1:[a\rb][c];" },
	{ "empty fields", ",a,,\n", 0, "1:[][a][][];" },
	{ "only commas", ",,\n", 0, "1:[][][];" },
	{ "blank line alone", "\n", 0, "1:[];" },
	{ "blank line between", "a\n\nb\n", 0, "1:[a];2:[];3:[b];" },
	{ "two blank lines at the end", "a\n\n\n", 0, "1:[a];2:[];3:[];" },
	{ "spaces kept", " a , b \n", 0, "1:[ a ][ b ];" },
	{ "quoted comma", "\"a,b\",c\n", 0, "1:[a,b][c];" },
	{ "quoted, last field", "x,\"a,b\"\n", 0, "1:[x][a,b];" },
	{ "quoted at EOF", "x,\"a\"", 0, "1:[x][a];" },
	{ "escaped quotes", "\"say \"\"hi\"\"\",x\n", 0,
	    "1:[say \"hi\"][x];" },
	{ "only an escaped quote", "\"\"\"\"\n", 0, "1:[\"];" },
	{ "empty quoted fields", "\"\",\"\"\n", 0, "1:[][];" },
	{ "quoted then empty", "\"a\",\n", 0, "1:[a][];" },
	{ "embedded LF, line numbers", "a,\"l1\nl2\"\nb,c\n", 0,
	    "1:[a][l1\nl2];3:[b][c];" },
	{ "two embedded LFs", "\"x\n\ny\"\nz\n", 0, "1:[x\n\ny];4:[z];" },
	{ "embedded CRLF read as LF", "a,\"x\r\ny\"\r\nb\r\n", 0,
	    "1:[a][x\ny];3:[b];" },
	{ "lone CR in quoted field", "\"a\rb\"\n", 0, "1:[a\rb];" },
	{ "quoted field of line breaks only", "\"\n\",x\ny\n", 0,
	    "1:[\n][x];3:[y];" },
	{ "BOM skipped", "\xef\xbb\xbf" "code,name\n1,x\n", 0,
	    "1:[code][name];2:[1][x];" },
	{ "BOM alone", "\xef\xbb\xbf", 0, "" },
	{ "BOM then quoted", "\xef\xbb\xbf\"a\"\n", 0, "1:[a];" },
	{ "BOM later is data", "a\n\xef\xbb\xbf" "b\n", 0,
	    "1:[a];2:[\xef\xbb\xbf" "b];" },
	{ "UTF-8 kept", "Phường Hoàn Kiếm,Hà Nội\n", 0,
	    "1:[Phường Hoàn Kiếm][Hà Nội];" },
	{ "NFD normalized to NFC", "Hoa\xcc\x80n Kie\xcc\x82\xcc\x81m\n", 0,
	    "1:[Ho\xc3\xa0n Ki\xe1\xba\xbfm];" },
	{ "NFD d-stroke and u-horn", "Đu\xcc\x9b\xcc\x80ng,Nguye\xcc\x82\xcc\x83n\n",
	    0, "1:[Đừng][Nguyễn];" },
	{ "NFD in a quoted field", "\"Tô\xcc\x89 5, nga\xcc\x83\"\n", 0,
	    "1:[Tổ 5, ngã];" },
	{ "bad UTF-8, next record fine", "ok,\xff\nnext\n", 0,
	    "1:!bad UTF-8;2:[next];" },
	{ "lone continuation byte", "\x80\n", 0, "1:!bad UTF-8;" },
	{ "overlong encoding", "\xc0\xaf\n", 0, "1:!bad UTF-8;" },
	{ "UTF-16 surrogate", "\xed\xa0\x80\n", 0, "1:!bad UTF-8;" },
	{ "truncated sequence at EOF", "a,\xc3", 0, "1:!bad UTF-8;" },
	{ "bad UTF-8 in multi-line record", "\"\xff\nx\",y\nz\n", 0,
	    "1:!bad UTF-8;3:[z];" },
	{ "NUL byte", "a\0b,c\nd\n", 8, "1:!NUL byte;2:[d];" },
	{ "unterminated quote at EOF", "a,b\nc,\"d\n", 0,
	    "1:[a][b];2:!unterminated quote;" },
	{ "unterminated quote, no newline", "\"abc", 0,
	    "1:!unterminated quote;" },
	{ "only a quote", "\"", 0, "1:!unterminated quote;" },
	{ "unterminated quote: the next lines read again",
	    "x,\"open\ny,z\n", 0, "1:!unterminated quote;2:[y][z];" },
	{ "stray quote in unquoted field", "ab\"c,d\ne,f\n", 0,
	    "1:!stray quote in unquoted field;2:[e][f];" },
	{ "stray quote at the end of a field", "ab\",d\ne\n", 0,
	    "1:!stray quote in unquoted field;2:[e];" },
	{ "text after closing quote", "\"a\"b,c\nd\n", 0,
	    "1:!text after closing quote;2:[d];" },
	{ "space after closing quote", "\"a\" ,c\nd\n", 0,
	    "1:!text after closing quote;2:[d];" },
	{ "runaway quotes resync line by line",
	    "1,\"Nguyen\n2,\"Tran\n3,x\n", 0,
	    "1:!text after closing quote;2:!unterminated quote;3:[3][x];" },
	{ "error in a replayed line",
	    "1,\"a\n2,b\"c\n3\n", 0,
	    "1:!text after closing quote;2:!stray quote in unquoted field;"
	    "3:[3];" },
	{ "CRLF after an error", "a\"b\r\nc\r\n", 0,
	    "1:!stray quote in unquoted field;2:[c];" },
};

/* Every record of r as "LINE:[f][f];" or "LINE:!error;"; -1 ends it. */
static char *
dump(struct loa_csv *r, int *rc)
{
	struct loa_csv_record	 rec;
	struct loa_buf		 b;
	size_t			 i;

	loa_buf_init(&b);
	while ((*rc = loa_csv_next(r, &rec)) == 1) {
		loa_buf_printf(&b, "%ld:", rec.line);
		if (rec.error != NULL)
			loa_buf_printf(&b, "!%s", rec.error);
		for (i = 0; i < rec.nfields; i++) {
			if (strlen(rec.fields[i]) != rec.lens[i])
				loa_buf_adds(&b, "(bad length)");
			loa_buf_printf(&b, "[%s]", rec.fields[i]);
		}
		loa_buf_adds(&b, ";");
	}
	return loa_buf_steal(&b);
}

static char *
dump_mem(const void *p, size_t len)
{
	struct loa_csv	*r;
	char		*s;
	int		 rc;

	r = loa_csv_open_mem(p, len);
	s = dump(r, &rc);
	loa_csv_free(r);
	if (rc != 0) {
		free(s);
		s = xstrdup("(read error)");
	}
	return s;
}

static char *
dump_file(const void *p, size_t len)
{
	struct loa_csv	*r;
	FILE		*fp;
	char		*s;
	int		 rc;

	if ((fp = tmpfile()) == NULL || fwrite(p, 1, len, fp) != len ||
	    fseek(fp, 0, SEEK_SET) != 0)
		return xstrdup("(tmpfile failed)");
	r = loa_csv_open(fp);
	s = dump(r, &rc);
	loa_csv_free(r);
	fclose(fp);
	if (rc != 0) {
		free(s);
		s = xstrdup("(read error)");
	}
	return s;
}

static void
test_table(void)
{
	size_t	 i, len;
	char	*got;

	for (i = 0; i < nitems(cases); i++) {
		len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
		got = dump_mem(cases[i].in, len);
		is_str(got, cases[i].want, "%s", cases[i].what);
		free(got);
		got = dump_file(cases[i].in, len);
		is_str(got, cases[i].want, "%s (FILE)", cases[i].what);
		free(got);
	}
}

/* n bytes of c, then tail. */
static char *
filled(int c, size_t n, const char *head, const char *tail, size_t *len)
{
	size_t	 h = strlen(head), t = strlen(tail);
	char	*s;

	s = xmalloc(h + n + t + 1);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	*len = h + n + t;
	return s;
}

static void
test_limits(void)
{
	struct loa_csv		*r;
	struct loa_csv_record	 rec;
	char			*s, *got;
	size_t			 len;

	/* Exactly the limit: fine. */
	s = filled('x', LOA_CSV_MAX_RECORD - 2, "a,", "\nb\n", &len);
	r = loa_csv_open_mem(s, len);
	is_int(loa_csv_next(r, &rec), 1, "record at the limit");
	ok(rec.error == NULL, "record at the limit is good");
	is_int(rec.nfields, 2, "record at the limit: 2 fields");
	is_int(rec.nfields == 2 ? rec.lens[1] : 0, LOA_CSV_MAX_RECORD - 2,
	    "record at the limit: field length");
	is_int(loa_csv_next(r, &rec), 1, "then the next one");
	is_str(rec.nfields == 1 ? rec.fields[0] : NULL, "b",
	    "next record after one at the limit");
	is_int(rec.line, 2, "its line");
	loa_csv_free(r);
	free(s);

	/* One byte more: error, then the next line. */
	s = filled('x', LOA_CSV_MAX_RECORD - 1, "a,", "\nok,1\n", &len);
	got = dump_mem(s, len);
	is_str(got, "1:!record too long;2:[ok][1];", "one byte over the limit");
	free(got);
	got = dump_file(s, len);
	is_str(got, "1:!record too long;2:[ok][1];",
	    "one byte over the limit (FILE)");
	free(got);
	free(s);

	/* Far over, with CRLF, from a FILE: the rest of the line is dropped
	 * without being kept. */
	s = filled('y', 5 * LOA_CSV_MAX_RECORD, "a,", "\r\nok\r\n", &len);
	got = dump_file(s, len);
	is_str(got, "1:!record too long;2:[ok];", "a 320 KiB line (FILE)");
	free(got);
	free(s);

	/* A long quoted field on one line: the line is dropped. */
	s = filled('z', LOA_CSV_MAX_RECORD + 10, "\"", "\",x\nok\n", &len);
	got = dump_mem(s, len);
	is_str(got, "1:!record too long;2:[ok];", "a long quoted field");
	free(got);
	free(s);

	/* A quoted field that runs over many lines: reading starts again
	 * at the line after its first one. */
	{
		struct loa_buf	b;
		int		i;

		loa_buf_init(&b);
		loa_buf_adds(&b, "id,\"start\n");
		for (i = 0; i < 2000; i++)
			loa_buf_adds(&b, "................................"
			    "................................\n");
		got = dump_mem(b.data, b.len);
		ok(strncmp(got, "1:!record too long;2:[", 22) == 0,
		    "a runaway quoted field: too long, then line 2");
		free(got);
		loa_buf_free(&b);
	}
}

/* Records across 64 KiB block boundaries read the same from a FILE. */
static void
test_blocks(void)
{
	struct loa_buf	 b;
	char		*m, *f;
	int		 i;
	unsigned	 seed = 12345;
	static const char alpha[] = "ab,\"\r\n\xc3\xa0\xcc\x80 ";

	loa_buf_init(&b);
	loa_buf_adds(&b, "\xef\xbb\xbfid,text\r\n");
	for (i = 0; i < 20000; i++)
		loa_buf_printf(&b, "r%d,\"q \"\"%d\"\"\r\nnext\"\r\n", i, i);
	m = dump_mem(b.data, b.len);
	f = dump_file(b.data, b.len);
	ok(strcmp(m, f) == 0, "%zu bytes: FILE and memory agree", b.len);
	ok(strstr(m, "40000:[r19999][q \"19999\"\nnext];") != NULL,
	    "last record and its line");
	ok(strstr(m, "!") == NULL, "no errors");
	free(m);
	free(f);

	/* Random bytes from a nasty alphabet: no crash, same both ways. */
	loa_buf_reset(&b);
	for (i = 0; i < 400000; i++) {
		seed = seed * 1103515245 + 12345;
		loa_buf_add(&b, &alpha[(seed >> 16) % (sizeof(alpha) - 1)], 1);
	}
	m = dump_mem(b.data, b.len);
	f = dump_file(b.data, b.len);
	ok(strcmp(m, f) == 0, "random input: FILE and memory agree");
	free(m);
	free(f);
	loa_buf_free(&b);
}

static void
test_read_error(void)
{
	struct loa_csv		*r;
	struct loa_csv_record	 rec;
	FILE			*fp;

	if ((fp = fopen("/dev/null", "w")) == NULL) {
		ok(0, "open /dev/null");
		return;
	}
	r = loa_csv_open(fp);
	errno = 0;
	is_int(loa_csv_next(r, &rec), -1, "read error");
	ok(errno != 0, "errno set (%s)", strerror(errno));
	is_int(loa_csv_next(r, &rec), -1, "read error again");
	loa_csv_free(r);
	fclose(fp);
	loa_csv_free(NULL);
}

/* Pointers and lengths of a record with a normalized field. */
static void
test_record_fields(void)
{
	static const char	 in[] = "Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t,,x";
	struct loa_csv		*r;
	struct loa_csv_record	 rec;

	r = loa_csv_open_mem(in, sizeof(in) - 1);
	is_int(loa_csv_next(r, &rec), 1, "a record");
	is_int(rec.nfields, 3, "3 fields");
	is_str(rec.fields[0], "Tiếng Việt", "NFC");
	is_int(rec.lens[0], strlen("Tiếng Việt"), "NFC length");
	is_int(rec.lens[1], 0, "empty field length");
	is_str(rec.fields[2], "x", "last field");
	is_int(loa_csv_next(r, &rec), 0, "end");
	is_int(loa_csv_next(r, &rec), 0, "end again");
	loa_csv_free(r);
}

int
main(void)
{
	test_table();
	test_limits();
	test_blocks();
	test_read_error();
	test_record_fields();
	return tap_done();
}
