/*
 * fuzz_csv.c -- the streaming CSV reader (daemon/csv.c), from memory and
 * from a FILE, on any bytes.
 *
 * Promises checked (csv.h): every record is either an error without
 * fields or fields of valid NFC UTF-8 without NUL bytes, each with its
 * length; line numbers start at 1 and never go back; the reader ends
 * (no more records than bytes, plus one); reading the same bytes from a
 * FILE gives the same records as from memory.
 */
#include <unistr.h>
#include <uninorm.h>

#include "loa.h"
#include "csv.h"
#include "fuzz.h"

/* One record as text, to compare the two readers: "line|error|f1|f2..". */
static void
record_text(struct loa_buf *b, const struct loa_csv_record *rec)
{
	size_t	i;

	loa_buf_printf(b, "%ld|%s", rec->line, rec->error != NULL ?
	    rec->error : "");
	for (i = 0; i < rec->nfields; i++) {
		loa_buf_add(b, "|", 1);
		loa_buf_add(b, rec->fields[i], rec->lens[i]);
	}
	loa_buf_add(b, "\n", 1);
}

static void
check_record(const struct loa_csv_record *rec, long *last_line)
{
	uint8_t	*n;
	size_t	 i, nlen;

	FZ_ASSERT(rec->line >= 1 && rec->line >= *last_line);
	*last_line = rec->line;
	if (rec->error != NULL) {
		FZ_ASSERT(rec->nfields == 0 && rec->fields == NULL);
		return;
	}
	FZ_ASSERT(rec->nfields >= 1);
	for (i = 0; i < rec->nfields; i++) {
		FZ_ASSERT(strlen(rec->fields[i]) == rec->lens[i]);
		FZ_ASSERT(u8_check((const uint8_t *)rec->fields[i],
		    rec->lens[i]) == NULL);
		n = u8_normalize(UNINORM_NFC, (const uint8_t *)rec->fields[i],
		    rec->lens[i], NULL, &nlen);
		FZ_ASSERT(n != NULL && nlen == rec->lens[i] &&
		    (nlen == 0 || memcmp(n, rec->fields[i], nlen) == 0));
		free(n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loa_csv		*r;
	struct loa_csv_record	 rec;
	struct loa_buf		 a, b;
	FILE			*fp;
	size_t			 nrec = 0;
	long			 last = 1;
	int			 rc;

	loa_buf_init(&a);
	loa_buf_init(&b);
	r = loa_csv_open_mem(data, size);
	while ((rc = loa_csv_next(r, &rec)) == 1) {
		check_record(&rec, &last);
		record_text(&a, &rec);
		FZ_ASSERT(++nrec <= size + 1);
	}
	FZ_ASSERT(rc == 0);
	FZ_ASSERT(loa_csv_next(r, &rec) == 0);
	loa_csv_free(r);

	if (size > 0 && (fp = fmemopen((void *)data, size, "r")) != NULL) {
		r = loa_csv_open(fp);
		while ((rc = loa_csv_next(r, &rec)) == 1)
			record_text(&b, &rec);
		FZ_ASSERT(rc == 0);
		loa_csv_free(r);
		fclose(fp);
		FZ_ASSERT(a.len == b.len &&
		    (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
	}
	loa_buf_free(&a);
	loa_buf_free(&b);
	return 0;
}
