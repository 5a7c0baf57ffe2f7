/*
 * csv.c -- the streaming RFC 4180 CSV reader declared in csv.h.
 *
 * Bytes come from three places, in this order: the replay buffer (text
 * to read again after a structural error, see csv.h), the current input
 * block (64 KiB read from the FILE, or the whole memory buffer), and the
 * next block.  A record is parsed byte by byte with a four-state machine;
 * every byte it consumes (but its final line break) is also kept in raw,
 * which is what bounds a record and what is replayed after an error.
 * Field bytes go to fbuf; once the record is complete each field is
 * checked (NUL, UTF-8) and, when not plain ASCII, normalized to NFC into
 * out, where the returned pointers point.
 *
 * Memory is bounded by a few times LOA_CSV_MAX_RECORD, whatever the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uninorm.h>
#include <unistr.h>

#include "loa.h"
#include "csv.h"

#ifndef CSV_BLOCK		/* the fuzz build reads a few bytes at a time */
#define CSV_BLOCK	65536
#endif
#define CSV_EOF		(-1)
#define CSV_ERR		(-2)

enum csv_state {
	CSV_FIELD_START,	/* nothing of the current field read yet */
	CSV_UNQUOTED,		/* inside a field that started without '"' */
	CSV_QUOTED,		/* inside a quoted field */
	CSV_AFTER_QUOTE,	/* just after the '"' that closed a field */
};

struct csv_span {
	size_t	 off;
	size_t	 len;
};

struct loa_csv {
	FILE		*fp;		/* NULL: reading memory */
	const unsigned char *in;	/* current input block */
	size_t		 inpos;
	size_t		 inlen;
	unsigned char	*block;		/* fp: the block buffer */
	int		 at_end;	/* no more blocks */
	int		 failed;	/* fp read error (errno in saved_errno) */
	int		 saved_errno;

	unsigned char	*replay;	/* read before in (after an error) */
	size_t		 rpos;
	size_t		 rlen;

	long		 line;		/* line of the next byte */

	unsigned char	*raw;		/* current record as written */
	size_t		 rawlen;
	char		*fbuf;		/* field bytes, as read */
	size_t		 flen;
	struct csv_span	*span;		/* fields in fbuf, then in out */
	size_t		 nspan;
	size_t		 spancap;

	struct loa_buf	 out;		/* normalized fields, NUL after each */
	char		**fields;	/* handed out in records */
	size_t		*lens;
	size_t		 fieldcap;
	uint8_t		*norm;		/* u8_normalize() scratch */
	size_t		 normcap;
};

/* Allocate a reader with its record buffers. */
static struct loa_csv *
csv_new(void)
{
	struct loa_csv	*r;

	r = xcalloc(1, sizeof(*r));
	r->line = 1;
	/* +2: the byte that overflows (and its pair) is kept too. */
	r->raw = xmalloc(LOA_CSV_MAX_RECORD + 2);
	r->fbuf = xmalloc(LOA_CSV_MAX_RECORD + 2);
	loa_buf_init(&r->out);
	return r;
}

/* Skip a UTF-8 byte order mark at the start of the first block. */
static void
csv_skip_bom(struct loa_csv *r)
{
	if (r->inlen >= 3 && r->in[0] == 0xef && r->in[1] == 0xbb &&
	    r->in[2] == 0xbf)
		r->inpos = 3;
}

struct loa_csv *
loa_csv_open(FILE *fp)
{
	struct loa_csv	*r;

	r = csv_new();
	r->fp = fp;
	r->block = xmalloc(CSV_BLOCK);
	r->in = r->block;
	r->line = 0;		/* first fill: BOM check, then line 1 */
	return r;
}

struct loa_csv *
loa_csv_open_mem(const void *buf, size_t len)
{
	struct loa_csv	*r;

	r = csv_new();
	r->in = buf;
	r->inlen = len;
	r->at_end = 1;
	csv_skip_bom(r);
	return r;
}

void
loa_csv_free(struct loa_csv *r)
{
	if (r == NULL)
		return;
	free(r->block);
	free(r->replay);
	free(r->raw);
	free(r->fbuf);
	free(r->span);
	loa_buf_free(&r->out);
	free(r->fields);
	free(r->lens);
	free(r->norm);
	free(r);
}

/*
 * Read the next block from fp.  Returns 1, 0 at the end of input, or -1
 * on a read error (remembered: the reader is failed from then on).
 */
static int
csv_fill(struct loa_csv *r)
{
	size_t	n;
	int	first = r->line == 0;

	if (r->failed)
		return -1;
	if (r->at_end)
		return 0;
	n = fread(r->block, 1, CSV_BLOCK, r->fp);
	if (n < CSV_BLOCK) {
		if (ferror(r->fp)) {
			r->failed = 1;
			r->saved_errno = errno != 0 ? errno : EIO;
			return -1;
		}
		r->at_end = 1;
	}
	r->inpos = 0;
	r->inlen = n;
	if (first) {
		r->line = 1;
		csv_skip_bom(r);
	}
	return r->inpos < r->inlen;
}

/* The next byte without consuming it, CSV_EOF or CSV_ERR. */
static inline int
csv_peek(struct loa_csv *r)
{
	int	rc;

	if (r->rpos < r->rlen)
		return r->replay[r->rpos];
	if (r->inpos == r->inlen) {
		if ((rc = csv_fill(r)) <= 0)
			return rc == 0 ? CSV_EOF : CSV_ERR;
	}
	return r->in[r->inpos];
}

/* The next byte (consumed, lines counted), CSV_EOF or CSV_ERR. */
static inline int
csv_getc(struct loa_csv *r)
{
	int	c;

	if (r->rpos < r->rlen)
		c = r->replay[r->rpos++];
	else {
		if ((c = csv_peek(r)) < 0)
			return c;
		r->inpos++;
	}
	if (c == '\n')
		r->line++;
	return c;
}

/*
 * Put the part of raw after its first line break in front of what is
 * left to read, so that reading starts again at the line after the bad
 * record's first one; or, when raw holds no line break, drop the rest of
 * the current line.  Returns 0, or CSV_ERR on a read error.
 */
static int
csv_resync(struct loa_csv *r, long start, int at_eof)
{
	unsigned char	*nl, *nr;
	size_t		 tail, left;
	int		 c;

	nl = memchr(r->raw, '\n', r->rawlen);
	if (nl == NULL) {
		if (at_eof)
			return 0;
		while ((c = csv_getc(r)) != '\n')
			if (c < 0)
				return c == CSV_ERR ? CSV_ERR : 0;
		return 0;
	}
	tail = r->rawlen - (size_t)(nl + 1 - r->raw);
	left = r->rlen - r->rpos;
	nr = xmalloc(tail + left + 1);
	memcpy(nr, nl + 1, tail);
	if (left > 0)
		memcpy(nr + tail, r->replay + r->rpos, left);
	free(r->replay);
	r->replay = nr;
	r->rpos = 0;
	r->rlen = tail + left;
	r->line = start + 1;
	return 0;
}

/* Close the current field (its bytes are fbuf[off..flen)). */
static void
csv_end_field(struct loa_csv *r, size_t off)
{
	if (r->nspan == r->spancap) {
		r->spancap = r->spancap == 0 ? 16 : r->spancap * 2;
		r->span = xreallocarray(r->span, r->spancap,
		    sizeof(*r->span));
	}
	r->span[r->nspan].off = off;
	r->span[r->nspan].len = r->flen - off;
	r->nspan++;
}

/*
 * Check and normalize the fields of a well-formed record into out and
 * fill rec.  Returns NULL, or the reason the record is bad.
 */
static const char *
csv_finish(struct loa_csv *r, struct loa_csv_record *rec)
{
	const uint8_t	*s;
	uint8_t		*n;
	size_t		 i, j, len, nlen;
	int		 ascii;

	loa_buf_reset(&r->out);
	for (i = 0; i < r->nspan; i++) {
		s = (const uint8_t *)r->fbuf + r->span[i].off;
		len = r->span[i].len;
		ascii = 1;
		for (j = 0; j < len; j++) {
			if (s[j] == 0)
				return "NUL byte";
			if (s[j] >= 0x80)
				ascii = 0;
		}
		r->span[i].off = r->out.len;
		if (ascii) {
			loa_buf_add(&r->out, s, len);
			loa_buf_add(&r->out, "", 1);
			r->span[i].len = len;
			continue;
		}
		if (u8_check(s, len) != NULL)
			return "bad UTF-8";
		nlen = r->normcap;
		n = u8_normalize(UNINORM_NFC, s, len, r->norm, &nlen);
		if (n == NULL) {
			if (errno == ENOMEM)
				fatal("u8_normalize");
			return "bad UTF-8";
		}
		if (n != r->norm) {	/* did not fit: keep the new buffer */
			free(r->norm);
			r->norm = n;
			r->normcap = nlen;
		}
		loa_buf_add(&r->out, n, nlen);
		loa_buf_add(&r->out, "", 1);
		r->span[i].len = nlen;
	}

	if (r->nspan > r->fieldcap) {
		r->fieldcap = r->nspan;
		r->fields = xreallocarray(r->fields, r->fieldcap,
		    sizeof(*r->fields));
		r->lens = xreallocarray(r->lens, r->fieldcap,
		    sizeof(*r->lens));
	}
	for (i = 0; i < r->nspan; i++) {
		r->fields[i] = r->out.data + r->span[i].off;
		r->lens[i] = r->span[i].len;
	}
	rec->nfields = r->nspan;
	rec->fields = r->fields;
	rec->lens = r->lens;
	return NULL;
}

/* Keep a consumed byte of the record; 0, or -1 when over the limit. */
static inline int
csv_raw(struct loa_csv *r, int c)
{
	r->raw[r->rawlen++] = (unsigned char)c;
	return r->rawlen > LOA_CSV_MAX_RECORD ? -1 : 0;
}

int
loa_csv_next(struct loa_csv *r, struct loa_csv_record *rec)
{
	enum csv_state	 state = CSV_FIELD_START;
	const char	*error;
	size_t		 foff = 0;
	long		 start;
	int		 c;

	memset(rec, 0, sizeof(*rec));
	if (r->failed) {
		errno = r->saved_errno;
		return -1;
	}
	/* Fill the first block now, so that a BOM is gone before start. */
	if (r->line == 0 && (c = csv_peek(r)) == CSV_ERR)
		goto failed;
	start = r->line;
	r->rawlen = 0;
	r->flen = 0;
	r->nspan = 0;

	for (;;) {
		c = csv_getc(r);
		if (c == CSV_ERR)
			goto failed;
		if (c == CSV_EOF) {
			if (state == CSV_QUOTED) {
				error = "unterminated quote";
				goto bad;
			}
			if (state == CSV_FIELD_START && r->rawlen == 0 &&
			    r->nspan == 0)
				return 0;
			break;
		}
		if (state != CSV_QUOTED) {
			if (c == '\n')
				break;
			if (c == '\r') {
				if ((c = csv_peek(r)) == CSV_ERR)
					goto failed;
				if (c == '\n') {
					csv_getc(r);
					break;
				}
				c = '\r';
			}
		}
		if (csv_raw(r, c) == -1)
			goto toolong;

		switch (state) {
		case CSV_FIELD_START:
			if (c == '"') {
				state = CSV_QUOTED;
				break;
			}
			if (c == ',') {
				csv_end_field(r, foff);
				foff = r->flen;
				break;
			}
			r->fbuf[r->flen++] = (char)c;
			state = CSV_UNQUOTED;
			break;
		case CSV_UNQUOTED:
			if (c == ',') {
				csv_end_field(r, foff);
				foff = r->flen;
				state = CSV_FIELD_START;
				break;
			}
			if (c == '"') {
				error = "stray quote in unquoted field";
				goto bad;
			}
			r->fbuf[r->flen++] = (char)c;
			break;
		case CSV_QUOTED:
			if (c == '"' || c == '\r') {
				int want = c == '"' ? '"' : '\n';

				if ((c = csv_peek(r)) == CSV_ERR)
					goto failed;
				if (c != want) {
					if (want == '\n')	/* lone CR */
						r->fbuf[r->flen++] = '\r';
					else
						state = CSV_AFTER_QUOTE;
					break;
				}
				csv_getc(r);
				if (csv_raw(r, c) == -1)
					goto toolong;
				r->fbuf[r->flen++] = (char)c;
				break;
			}
			r->fbuf[r->flen++] = (char)c;
			break;
		case CSV_AFTER_QUOTE:
			if (c == ',') {
				csv_end_field(r, foff);
				foff = r->flen;
				state = CSV_FIELD_START;
				break;
			}
			error = "text after closing quote";
			goto bad;
		}
	}
	csv_end_field(r, foff);
	rec->line = start;
	if ((error = csv_finish(r, rec)) != NULL) {
		rec->error = error;
		rec->nfields = 0;
		rec->fields = NULL;
		rec->lens = NULL;
	}
	return 1;

toolong:
	error = "record too long";
bad:
	rec->line = start;
	rec->error = error;
	if (csv_resync(r, start, c == CSV_EOF) == CSV_ERR)
		goto failed;
	return 1;

failed:
	memset(rec, 0, sizeof(*rec));
	errno = r->saved_errno;
	return -1;
}
