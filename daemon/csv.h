/*
 * csv.h -- a streaming RFC 4180 CSV reader: pure, no Redis, no logging.
 *
 * The reader hands out one record at a time from a FILE (or a memory
 * buffer, for tests and fuzzing), in bounded memory whatever the size of
 * the input: a record is at most LOA_CSV_MAX_RECORD bytes.
 *
 * Format accepted:
 *  - fields separated by ',', records ended by LF or CRLF (the last one
 *    may lack it); a UTF-8 byte order mark at the very start is skipped;
 *  - a field that starts with '"' is quoted: it ends at the next lone '"',
 *    "" stands for one '"', and commas, CR and LF inside are data (a CRLF
 *    inside a quoted field is read as a single LF, so a file reads the
 *    same with either line ending);
 *  - a CR that does not come right before a LF is data;
 *  - a blank line is a record of one empty field (the caller decides to
 *    skip it); the line break after the last record does not start
 *    another one; an empty input has no records.
 *
 * Every field of a good record is valid UTF-8 without NUL bytes and is
 * normalized to NFC (libunistring), so "Hoà" typed in NFD and in NFC
 * compares equal afterwards.
 *
 * Errors belong to one record and never stop the reader; each bad record
 * is returned with error set and no fields:
 *  "unterminated quote"		a quoted field runs to the end of input
 *  "text after closing quote"	'"' closing a field, followed by anything
 *				but ',' or the end of the record
 *  "stray quote in unquoted field"	'"' inside a field that did not start
 *				with one
 *  "record too long"		more than LOA_CSV_MAX_RECORD bytes
 *  "bad UTF-8", "NUL byte"	in some field of a well-formed record
 * After "bad UTF-8" or "NUL byte" the next record starts where the bad one
 * ended.  After the structural errors (the other four), where a record
 * ends is unknown, so the reader starts again at the physical line after
 * the one where the bad record started: a stray '"' swallows at most its
 * own line, not the rest of the file.  That re-reading is bounded by
 * LOA_CSV_MAX_RECORD bytes per bad record.
 *
 * Line numbers count LF bytes: a record's line is the physical line (1 for
 * the first) where it starts, so a record with an embedded newline takes
 * two lines and the next record's number says so.
 */
#ifndef LOA_CSV_H
#define LOA_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Largest record, in bytes as written (quotes included, final line break
 * not).  The fuzz build makes it small, so that inputs reach the limit. */
#ifndef LOA_CSV_MAX_RECORD
#define LOA_CSV_MAX_RECORD	65536
#endif

struct loa_csv;

/*
 * One record.  Filled by loa_csv_next(); everything it points to belongs
 * to the reader and stays valid until the next call of loa_csv_next() or
 * loa_csv_free() on that reader.
 */
struct loa_csv_record {
	long		 line;		/* physical line where it starts (1..) */
	const char	*error;		/* NULL, or why it is bad (static) */
	size_t		 nfields;	/* 0 when error is set */
	char		**fields;	/* NFC UTF-8, NUL-terminated */
	size_t		*lens;		/* strlen() of each field */
};

/*
 * A reader of fp, which stays the caller's (the reader reads it in blocks
 * from its current position, never closes it, and reads ahead: do not
 * read fp elsewhere while the reader is in use).  Never NULL.
 */
struct loa_csv	*loa_csv_open(FILE *fp);
/*
 * A reader of the len bytes at buf (which may hold NUL bytes and need not
 * be NUL-terminated); buf must outlive the reader.  The entry point for
 * fuzzing: every input, however malformed, gives records and errors,
 * never a crash or a read outside buf.  Never NULL.
 */
struct loa_csv	*loa_csv_open_mem(const void *buf, size_t len);
/*
 * The next record into *rec.  Returns 1 (a record, good or bad: see
 * rec->error), 0 at the end of input, or -1 when reading fp failed (errno
 * set; the reader then keeps returning -1).
 */
int		 loa_csv_next(struct loa_csv *, struct loa_csv_record *rec);
/* Free the reader and its buffers (not the FILE); NULL is allowed. */
void		 loa_csv_free(struct loa_csv *);

#endif
