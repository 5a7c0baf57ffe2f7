/*
 * ctl-import.c -- "loactl import wards FILE.csv" and "loactl import
 * residents FILE.csv" (FILE "-": standard input): load the directory
 * from CSV into Redis, an idempotent upsert.
 *
 * The file is read with the streaming reader of csv.c (UTF-8, NFC, RFC
 * 4180).  Its first record is the header; columns are found by name,
 * compared without case after trimming spaces and tabs.  A header that is
 * missing a required column, repeats a column, or cannot be read stops
 * the import before anything is written (exit 1).  Values are trimmed of
 * spaces and tabs.  A line with every field empty (a blank line, or
 * ",,,," from a spreadsheet) is skipped; a row with a different number of
 * fields than the header is rejected (a comma in an unquoted name would
 * shift the columns).
 *
 * Wards: required code (1-16 of 0-9A-Za-z_-, a subset of the rule of
 * loa_name_valid() for every name that becomes part of a key) and name
 * (not empty), optional district; other columns are ignored.
 *	HSET <p>ward:<code> name <name> district <district or "">
 *	SADD <p>wards <code>
 * A ward is "unchanged" when its name and district already were these.
 *
 * Residents: required id (loa_name_valid(): 1-128 of A-Za-z0-9._-; no
 * ':', which would let an id such as "90001:residents" name another
 * key) and ward (a code as above, of an existing <p>ward:<code> hash,
 * checked in the script, atomically with the write);
 * optional phone (stored normalized, 84xxxxxxxxx), zalo_uid, name, opt_out
 * (empty, 0/1, yes/no, true/false, any case -> "0" or "1"), channels (sms
 * and zalo separated by ';' or ',', stored as "zalo;sms", "zalo" or "sms";
 * empty means every channel of the job).  A row needs a phone or a
 * zalo_uid.  Every other column with a name is a variable: the field
 * "var:<column>" (the name as in the header, trimmed), set only when the
 * value is not empty (an empty cell is a missing variable, as an empty
 * name is), and the column names are added to the set
 * <p>directory:columns.  The hash <p>resident:<id> is replaced as a whole
 * (phone, zalo_uid, name, ward, opt_out and channels always present,
 * possibly empty, then the var: fields); a resident that moved leaves
 * <p>ward:<old>:residents and joins <p>ward:<code>:residents.  Residents
 * absent from the file are left alone.
 *
 * Rows are written in batches (IMPORT_BATCH rows, or IMPORT_BATCH_BYTES)
 * by one Lua script each (EVAL, so a flushed script cache does not
 * matter), so each batch is atomic and costs one round trip; the script
 * answers per row "added", "updated", "unchanged" or why it refused the
 * row.  One batch is in flight while the next is read from the file.
 * Memory does not grow with the file, except for the set of ids (or
 * codes) already seen, which finds a duplicate id: the later row is
 * rejected, naming the line of the first (about 40 bytes an id).
 *
 * Text that is stored (ward name and district; resident name, zalo_uid
 * and variables) must hold no control character (C0 but for the tabs and
 * spaces trimmed at its ends, DEL, C1) and no bidi control
 * (loa_neutral_find()): a row with one is rejected, the cell shown with
 * the character escaped.  Stored, it would reach terminals, logs and
 * messages; a directory has no use for it, and an official fixes the
 * file more easily than they find a silently changed name.  Header
 * column names follow the same rule (the whole file is refused).  A name
 * that starts with '=', '+', '-' or '@' is data like any other: report
 * --csv defuses it.
 *
 * Every rejected row is reported on standard error as "FILE:LINE: reason"
 * (LINE: where the record starts; FILE "<stdin>" for "-"), in line order,
 * with every value quoted in it escaped (loa_neutral_cpy()); the good
 * rows are kept.  Then on standard output "wards: A added, U
 * updated, C unchanged, R rejected" (or "residents: ...").  Exit status 0
 * when nothing was rejected, 1 when something was (or on a read or Redis
 * error), 2 on bad usage.  Phone numbers are never echoed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "csv.h"

#define IMPORT_USAGE		"import wards|residents FILE.csv"
#define IMPORT_BATCH		500		/* rows per script call */
#define IMPORT_BATCH_BYTES	(4 << 20)	/* or argument bytes */
#define IMPORT_MAX_COLUMNS	256
#define IMPORT_REASON_MAX	200




enum import_kind {
	IMPORT_WARDS,
	IMPORT_RESIDENTS,
};

/* What a column of the file is. */
enum import_role {
	ROLE_IGNORED = 0,
	ROLE_CODE,		/* wards */
	ROLE_DISTRICT,
	ROLE_ID,		/* residents */
	ROLE_PHONE,
	ROLE_WARD,
	ROLE_ZALO_UID,
	ROLE_OPT_OUT,
	ROLE_CHANNELS,
	ROLE_NAME,		/* both */
	ROLE_VAR,		/* residents: any other named column */
	ROLE_COUNT
};

static const struct {
	enum import_kind	 kind;
	enum import_role	 role;
	const char		*name;
	int			 required;
} known_columns[] = {
	{ IMPORT_WARDS,		ROLE_CODE,	"code",		1 },
	{ IMPORT_WARDS,		ROLE_NAME,	"name",		1 },
	{ IMPORT_WARDS,		ROLE_DISTRICT,	"district",	0 },
	{ IMPORT_RESIDENTS,	ROLE_ID,	"id",		1 },
	{ IMPORT_RESIDENTS,	ROLE_WARD,	"ward",		1 },
	{ IMPORT_RESIDENTS,	ROLE_PHONE,	"phone",	0 },
	{ IMPORT_RESIDENTS,	ROLE_ZALO_UID,	"zalo_uid",	0 },
	{ IMPORT_RESIDENTS,	ROLE_NAME,	"name",		0 },
	{ IMPORT_RESIDENTS,	ROLE_OPT_OUT,	"opt_out",	0 },
	{ IMPORT_RESIDENTS,	ROLE_CHANNELS,	"channels",	0 },
};

/*
 * The ids (or ward codes) met so far, each with the line of the row that
 * first had it: open addressing, strings in 1 MiB chunks.
 */
struct seen_slot {
	const char	*key;		/* NULL: free */
	long		 line;
};
struct seen_chunk {
	struct seen_chunk	*next;
	size_t			 used;
	char			 data[1 << 20];
};
struct seen {
	struct seen_slot	*slot;
	size_t			 cap;		/* a power of two */
	size_t			 n;
	struct seen_chunk	*chunks;
};

/* A rejected row or a row sent to Redis, reported in line order. */
struct import_note {
	long		 line;
	int		 row;		/* index in the batch, or -1 */
	char		 reason[IMPORT_REASON_MAX];
};

/* Rows waiting for their script call, with the notes in between. */
struct import_batch {
	struct loa_buf		 bytes;		/* the arguments, back to back */
	size_t			*off;
	size_t			*len;
	int			 argc;
	int			 argcap;
	int			 nrows;
	struct import_note	 notes[2 * IMPORT_BATCH];
	int			 nnotes;
};

struct import {
	enum import_kind	 kind;
	const char		*label;		/* FILE, for messages */
	struct loa_csv		*csv;
	size_t			 ncols;
	enum import_role	*role;		/* per column */
	char			**colname;	/* per column, trimmed */
	int			 col[ROLE_COUNT];	/* column of a role or -1 */
	size_t			 nvars;
	struct seen		 seen;
	struct import_batch	 batch[2];
	struct import_batch	*b;		/* being filled */
	struct import_batch	*inflight;	/* sent, answer not read */
	long long		 added, updated, unchanged, rejected;
};

static uint64_t
seen_hash(const char *s)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
seen_grow(struct seen *st)
{
	struct seen_slot	*old = st->slot;
	size_t			 oldcap = st->cap, i, j;

	st->cap = oldcap == 0 ? 1024 : oldcap * 2;
	st->slot = xcalloc(st->cap, sizeof(*st->slot));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		j = seen_hash(old[i].key) & (st->cap - 1);
		while (st->slot[j].key != NULL)
			j = (j + 1) & (st->cap - 1);
		st->slot[j] = old[i];
	}
	free(old);
}

/*
 * Remember key (at most LOA_NAME_MAX bytes) as first met on line; or,
 * when it was met before, return the line where.  Returns 0 for a new key.
 */
static long
seen_add(struct seen *st, const char *key, long line)
{
	struct seen_chunk	*c;
	size_t			 j, len = strlen(key) + 1;

	if ((st->n + 1) * 10 > st->cap * 7)
		seen_grow(st);
	j = seen_hash(key) & (st->cap - 1);
	for (; st->slot[j].key != NULL; j = (j + 1) & (st->cap - 1))
		if (strcmp(st->slot[j].key, key) == 0)
			return st->slot[j].line;
	c = st->chunks;
	if (c == NULL || c->used + len > sizeof(c->data)) {
		c = xmalloc(sizeof(*c));
		c->used = 0;
		c->next = st->chunks;
		st->chunks = c;
	}
	memcpy(c->data + c->used, key, len);
	st->slot[j].key = c->data + c->used;
	st->slot[j].line = line;
	c->used += len;
	st->n++;
	return 0;
}

static void
seen_free(struct seen *st)
{
	struct seen_chunk	*c;

	while ((c = st->chunks) != NULL) {
		st->chunks = c->next;
		free(c);
	}
	free(st->slot);
	memset(st, 0, sizeof(*st));
}

/* s without leading and trailing spaces and tabs, in place. */
static char *
trim(char *s)
{
	size_t	n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/*
 * A value of the file for a message: controls, C1 and bidi controls as
 * visible escapes (loa_neutral_cpy()), cut on a character boundary after
 * 40 bytes of the value, or when out is full, with "...".  outlen must be
 * at least 48.
 */
static void
shown(char *out, size_t outlen, const char *s)
{
	size_t	len = strlen(s), cut = 40, n;

	if (len > cut) {
		while (((unsigned char)s[cut] & 0xc0) == 0x80)
			cut++;		/* on a character boundary */
	} else
		cut = len;
	n = loa_neutral_cpy(out, outlen - 3, s, cut);
	if (n < len)
		strcat(out, "...");
}

/* Non-zero when s is 1..max bytes, each a letter, a digit or in extra. */
static int
token_valid(const char *s, size_t max, const char *extra)
{
	size_t	n = strlen(s), i;
	int	c;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!(c < 0x80 && isalnum(c)) && strchr(extra, c) == NULL)
			return 0;
	}
	return 1;
}

/* Non-zero when a template could name a variable so (template.c). */
static int
var_name_usable(const char *s)
{
	return token_valid(s, 64, "_-.");
}

/* opt_out -> "0" or "1", or NULL when it is not a yes/no. */
static const char *
parse_opt_out(const char *s)
{
	static const char *const yes[] = { "1", "yes", "true", NULL };
	static const char *const no[] = { "", "0", "no", "false", NULL };
	int	i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return "1";
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0)
			return "0";
	return NULL;
}

/*
 * channels -> "zalo;sms", "zalo", "sms" or "" in out; -1 with the
 * unknown name in bad when a name is neither.
 */
static int
parse_channels(const char *s, char *out, size_t outlen, char *bad,
    size_t badlen)
{
	char	*dup = xstrdup(s), *tok, *save = NULL, *t;
	int	 sms = 0, zalo = 0, rc = 0;

	for (tok = strtok_r(dup, ";,", &save); tok != NULL;
	    tok = strtok_r(NULL, ";,", &save)) {
		t = trim(tok);
		if (*t == '\0')
			continue;
		if (strcasecmp(t, "sms") == 0)
			sms = 1;
		else if (strcasecmp(t, "zalo") == 0)
			zalo = 1;
		else {
			shown(bad, badlen, t);
			rc = -1;
			break;
		}
	}
	free(dup);
	snprintf(out, outlen, "%s%s%s", zalo ? "zalo" : "",
	    zalo && sms ? ";" : "", sms ? "sms" : "");
	return rc;
}

static void
batch_arg(struct import_batch *b, const char *s, size_t len)
{
	if (b->argc == b->argcap) {
		b->argcap = b->argcap == 0 ? 1024 : b->argcap * 2;
		b->off = xreallocarray(b->off, b->argcap, sizeof(*b->off));
		b->len = xreallocarray(b->len, b->argcap, sizeof(*b->len));
	}
	b->off[b->argc] = b->bytes.len;
	b->len[b->argc] = len;
	b->argc++;
	loa_buf_add(&b->bytes, s, len);
	b->bytes.len++;		/* keep the NUL: each is a C string too */
}

static void
batch_args(struct import_batch *b, const char *s)
{
	batch_arg(b, s, strlen(s));
}

/* One argument made of a and c. */
static void
batch_arg2(struct import_batch *b, const char *a, const char *c)
{
	batch_args(b, a);
	b->bytes.len--;
	b->len[b->argc - 1] += strlen(c);
	loa_buf_adds(&b->bytes, c);
	b->bytes.len++;
}

/* Start a batch: the script, its key count and its leading arguments. */
static void
batch_start(struct import *im, struct import_batch *b)
{
	char	n[32];
	size_t	i;

	loa_buf_reset(&b->bytes);
	b->argc = 0;
	b->nrows = 0;
	b->nnotes = 0;
	batch_args(b, "EVAL");
	batch_args(b, im->kind == IMPORT_WARDS ? loa_script_import_wards :
	    loa_script_import_residents);
	batch_args(b, "0");
	batch_args(b, ctl_cfg.prefix);
	if (im->kind == IMPORT_RESIDENTS) {
		snprintf(n, sizeof(n), "%zu", im->nvars);
		batch_args(b, n);
		for (i = 0; i < im->ncols; i++)
			if (im->role[i] == ROLE_VAR)
				batch_args(b, im->colname[i]);
	}
}

/* Write the batch's script call to Redis, not waiting for the answer. */
static void
batch_send(struct import_batch *b)
{
	const char	**argv;
	int		  i, done = 0;

	argv = xreallocarray(NULL, b->argc, sizeof(*argv));
	for (i = 0; i < b->argc; i++)
		argv[i] = b->bytes.data + b->off[i];
	if (redisAppendCommandArgv(ctl_redis, b->argc, argv, b->len) !=
	    REDIS_OK)
		ctl_redis_fail();
	free(argv);
	while (!done)
		if (redisBufferWrite(ctl_redis, &done) != REDIS_OK)
			ctl_redis_fail();
}

/*
 * Report the batch's notes in line order and count the outcomes; r is
 * the script's answer (NULL for a batch without rows).  Exits 1 when
 * Redis answered with an error.
 */
static void
batch_report(struct import *im, struct import_batch *b, redisReply *r)
{
	struct import_note	*nt;
	redisReply		*e;
	const char		*what;
	int			 i;

	if (r != NULL && r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "loactl: import: redis: %s\n", r->str);
		exit(1);
	}
	if (b->nrows > 0 && (r == NULL || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != (size_t)b->nrows)) {
		fprintf(stderr, "loactl: import: unexpected answer from "
		    "Redis\n");
		exit(1);
	}
	for (i = 0; i < b->nnotes; i++) {
		nt = &b->notes[i];
		if (nt->row == -1) {
			fprintf(stderr, "%s:%ld: %s\n", im->label, nt->line,
			    nt->reason);
			im->rejected++;
			continue;
		}
		e = r->element[nt->row];
		what = e->type == REDIS_REPLY_STRING ? e->str : "?";
		if (strcmp(what, "added") == 0)
			im->added++;
		else if (strcmp(what, "updated") == 0)
			im->updated++;
		else if (strcmp(what, "unchanged") == 0)
			im->unchanged++;
		else {
			/* "unknown ward 70": Excel ate the zeros of 00070? */
			if (strncmp(what, "unknown ward ", 13) == 0 &&
			    strspn(what + 13, "0123456789") == strlen(what +
			    13) && strlen(what + 13) < 5)
				fprintf(stderr, "%s:%ld: %s (leading zeros "
				    "lost in a spreadsheet?)\n", im->label,
				    nt->line, what);
			else
				fprintf(stderr, "%s:%ld: %s\n", im->label,
				    nt->line, what);
			im->rejected++;
		}
	}
}

/* Wait for the answer of the batch in flight, if any, and report it. */
static void
batch_wait(struct import *im)
{
	redisReply	*r;
	void		*reply;

	if (im->inflight == NULL)
		return;
	if (redisGetReply(ctl_redis, &reply) != REDIS_OK || reply == NULL)
		ctl_redis_fail();
	r = reply;
	batch_report(im, im->inflight, r);
	freeReplyObject(r);
	im->inflight = NULL;
}

/*
 * The batch being filled is complete: send it, then (while Redis runs
 * it) report the one sent before, so that reading the file and Redis
 * work at the same time; reports stay in line order.  A batch without
 * rows needs no Redis.  Exits 1 when Redis fails.
 */
static void
batch_flush(struct import *im)
{
	struct import_batch	*b = im->b;

	if (b->nrows > 0)
		batch_send(b);
	batch_wait(im);
	if (b->nrows > 0)
		im->inflight = b;
	else
		batch_report(im, b, NULL);
	im->b = b == &im->batch[0] ? &im->batch[1] : &im->batch[0];
	batch_start(im, im->b);
}

static int
batch_full(const struct import_batch *b)
{
	return b->nrows >= IMPORT_BATCH ||
	    b->nnotes >= (int)(sizeof(b->notes) / sizeof(b->notes[0])) ||
	    b->bytes.len >= IMPORT_BATCH_BYTES;
}

static void __attribute__((format(printf, 3, 4)))
reject(struct import *im, long line, const char *fmt, ...)
{
	struct import_note	*nt;
	va_list			 ap;

	nt = &im->b->notes[im->b->nnotes++];
	nt->line = line;
	nt->row = -1;
	va_start(ap, fmt);
	vsnprintf(nt->reason, sizeof(nt->reason), fmt, ap);
	va_end(ap);
	if (batch_full(im->b))
		batch_flush(im);
}

/* The row is in the batch (its arguments added); note its place. */
static void
accepted(struct import *im, long line)
{
	struct import_note	*nt;

	nt = &im->b->notes[im->b->nnotes++];
	nt->line = line;
	nt->row = im->b->nrows++;
	nt->reason[0] = '\0';
	if (batch_full(im->b))
		batch_flush(im);
}

/* The trimmed value of the role's column, "" when the file has none. */
static char *
value(struct import *im, struct loa_csv_record *rec, enum import_role role)
{
	static char	 empty[1];

	if (im->col[role] == -1)
		return empty;
	return trim(rec->fields[im->col[role]]);
}

/*
 * Check the id (or code), which valid says is good or not by rule, and
 * claim it; 0, or -1 when the row is rejected (reported).
 */
static int
claim(struct import *im, long line, const char *what, const char *id,
    int valid, const char *rule)
{
	char	 s[64];
	long	 first;

	if (*id == '\0') {
		reject(im, line, "missing %s", what);
		return -1;
	}
	if (!valid) {
		shown(s, sizeof(s), id);
		reject(im, line, "bad %s \"%s\" (%s)", what, s, rule);
		return -1;
	}
	if ((first = seen_add(&im->seen, id, line)) != 0) {
		reject(im, line, "duplicate %s (first on line %ld)", what,
		    first);
		return -1;
	}
	return 0;
}

/*
 * Reject the row (0 when it is kept) when the text s of its column what
 * holds a control or a bidi control character: see the top of the file.
 */
static int
text_unsafe(struct import *im, long line, const char *what, const char *s)
{
	const char	*bad;
	char		 cell[64], col[64], ch[16];
	size_t		 n;
	long		 cp;

	if ((bad = loa_neutral_find(s, strlen(s))) == NULL)
		return 0;
	loa_neutral_char(bad, strlen(bad), &n, &cp);
	loa_neutral_cpy(ch, sizeof(ch), bad, n);
	shown(cell, sizeof(cell), s);
	shown(col, sizeof(col), what);
	reject(im, line, "bad %s \"%s\" (holds %s: no control or bidi "
	    "characters)", col, cell, ch);
	return -1;
}

/* Ward codes: stricter than loa_name_valid(), which they satisfy. */
static int
ward_code_valid(const char *s)
{
	return token_valid(s, 16, "_-") && loa_name_valid(s);
}

#define WARD_CODE_RULE	"1-16 of A-Z a-z 0-9 _-"

static void
ward_row(struct import *im, struct loa_csv_record *rec)
{
	const char	*code, *name;

	code = value(im, rec, ROLE_CODE);
	if (claim(im, rec->line, "code", code, ward_code_valid(code),
	    WARD_CODE_RULE) == -1)
		return;
	name = value(im, rec, ROLE_NAME);
	if (*name == '\0') {
		reject(im, rec->line, "missing name");
		return;
	}
	if (text_unsafe(im, rec->line, "name", name) == -1 ||
	    text_unsafe(im, rec->line, "district", value(im, rec,
	    ROLE_DISTRICT)) == -1)
		return;
	batch_args(im->b, code);
	batch_args(im->b, name);
	batch_args(im->b, value(im, rec, ROLE_DISTRICT));
	accepted(im, rec->line);
}

static void
resident_row(struct import *im, struct loa_csv_record *rec)
{
	struct import_batch	*b = im->b;
	const char		*id, *ward, *phone, *zalo, *opt;
	char			 e164[LOA_PHONE_MAX], ch[16], bad[64];
	char			 nf[16], *v;
	size_t			 i, n;

	id = value(im, rec, ROLE_ID);
	if (claim(im, rec->line, "id", id, loa_name_valid(id),
	    "want " LOA_NAME_RULE) == -1)
		return;
	ward = value(im, rec, ROLE_WARD);
	if (*ward == '\0') {
		reject(im, rec->line, "missing ward");
		return;
	}
	if (!ward_code_valid(ward)) {
		shown(bad, sizeof(bad), ward);
		reject(im, rec->line, "unknown ward \"%s\" (want its code, "
		    "e.g. 00070)", bad);
		return;
	}
	phone = value(im, rec, ROLE_PHONE);
	e164[0] = '\0';
	if (*phone != '\0' && loa_phone_normalize(phone, e164) == -1) {
		reject(im, rec->line, "bad phone");
		return;
	}
	zalo = value(im, rec, ROLE_ZALO_UID);
	if (*phone == '\0' && *zalo == '\0') {
		reject(im, rec->line, "no phone and no zalo_uid");
		return;
	}
	/* Part of a key (<prefix>zalo:<uid>:residents): a user id only. */
	if (*zalo != '\0' && !loa_zalo_uid_valid(zalo)) {
		shown(bad, sizeof(bad), zalo);
		reject(im, rec->line, "bad zalo_uid \"%s\" (want "
		    LOA_ZALO_UID_RULE ")", bad);
		return;
	}
	v = value(im, rec, ROLE_OPT_OUT);
	if ((opt = parse_opt_out(v)) == NULL) {
		shown(bad, sizeof(bad), v);
		reject(im, rec->line, "bad opt_out \"%s\" (want 0/1, yes/no, "
		    "true/false)", bad);
		return;
	}
	if (parse_channels(value(im, rec, ROLE_CHANNELS), ch, sizeof(ch),
	    bad, sizeof(bad)) == -1) {
		reject(im, rec->line, "unknown channel \"%s\"", bad);
		return;
	}
	if (text_unsafe(im, rec->line, "name", value(im, rec, ROLE_NAME)) ==
	    -1 || text_unsafe(im, rec->line, "zalo_uid", zalo) == -1)
		return;
	for (i = 0; i < im->ncols; i++)
		if (im->role[i] == ROLE_VAR && text_unsafe(im, rec->line,
		    im->colname[i], trim(rec->fields[i])) == -1)
			return;

	for (n = 6, i = 0; i < im->ncols; i++)
		if (im->role[i] == ROLE_VAR && *trim(rec->fields[i]) != '\0')
			n++;
	snprintf(nf, sizeof(nf), "%zu", n);
	batch_args(b, id);
	batch_args(b, ward);
	batch_args(b, nf);
	batch_args(b, "phone");
	batch_args(b, e164);
	batch_args(b, "zalo_uid");
	batch_args(b, zalo);
	batch_args(b, "name");
	batch_args(b, value(im, rec, ROLE_NAME));
	batch_args(b, "ward");
	batch_args(b, ward);
	batch_args(b, "opt_out");
	batch_args(b, opt);
	batch_args(b, "channels");
	batch_args(b, ch);
	for (i = 0; i < im->ncols; i++) {
		if (im->role[i] != ROLE_VAR || *(v = trim(rec->fields[i])) ==
		    '\0')
			continue;
		batch_arg2(b, "var:", im->colname[i]);
		batch_args(b, v);
	}
	accepted(im, rec->line);
}

/*
 * Map the header's columns.  Returns 0, or -1 after saying on standard
 * error what is wrong with it.
 */
static int
import_header(struct import *im, struct loa_csv_record *rec)
{
	const char	*name, *missing[4];
	char		 s[64];
	size_t		 i, j, k, nmissing = 0;

	if (rec->error != NULL) {
		fprintf(stderr, "loactl: %s:%ld: header: %s\n", im->label,
		    rec->line, rec->error);
		return -1;
	}
	if (rec->nfields > IMPORT_MAX_COLUMNS) {
		fprintf(stderr, "loactl: %s:%ld: header: %zu columns, at most "
		    "%d\n", im->label, rec->line, rec->nfields,
		    IMPORT_MAX_COLUMNS);
		return -1;
	}
	for (i = 0; i < ROLE_COUNT; i++)
		im->col[i] = -1;
	im->ncols = rec->nfields;
	im->role = xcalloc(im->ncols, sizeof(*im->role));
	im->colname = xcalloc(im->ncols, sizeof(*im->colname));
	for (i = 0; i < im->ncols; i++) {
		name = trim(rec->fields[i]);
		im->colname[i] = xstrdup(name);
		if (loa_neutral_find(name, strlen(name)) != NULL) {
			shown(s, sizeof(s), name);
			fprintf(stderr, "loactl: %s:%ld: header: column \"%s\" "
			    "holds a control or bidi character; nothing "
			    "imported\n", im->label, rec->line, s);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (im->role[j] == ROLE_VAR &&
			    strcmp(im->colname[j], name) == 0) {
				shown(s, sizeof(s), name);
				fprintf(stderr, "loactl: %s:%ld: header: column "
				    "\"%s\" appears twice\n", im->label,
				    rec->line, s);
				return -1;
			}
		if (*name == '\0') {
			fprintf(stderr, "loactl: %s:%ld: warning: column %zu "
			    "has no name; ignored\n", im->label, rec->line,
			    i + 1);
			continue;
		}
		for (k = 0; k < sizeof(known_columns) /
		    sizeof(known_columns[0]); k++)
			if (known_columns[k].kind == im->kind &&
			    strcasecmp(known_columns[k].name, name) == 0)
				break;
		if (k < sizeof(known_columns) / sizeof(known_columns[0])) {
			if (im->col[known_columns[k].role] != -1) {
				fprintf(stderr, "loactl: %s:%ld: header: "
				    "column \"%s\" appears twice\n",
				    im->label, rec->line,
				    known_columns[k].name);
				return -1;
			}
			im->role[i] = known_columns[k].role;
			im->col[im->role[i]] = (int)i;
		} else if (im->kind == IMPORT_RESIDENTS) {
			im->role[i] = ROLE_VAR;
			im->nvars++;
			if (!var_name_usable(name)) {
				shown(s, sizeof(s), name);
				fprintf(stderr, "loactl: %s:%ld: warning: "
				    "column \"%s\" is imported, but templates "
				    "can only name variables of 1-64 letters, "
				    "digits, '_', '-' and '.'\n", im->label,
				    rec->line, s);
			}
		}
	}
	for (k = 0; k < sizeof(known_columns) / sizeof(known_columns[0]);
	    k++)
		if (known_columns[k].kind == im->kind &&
		    known_columns[k].required &&
		    im->col[known_columns[k].role] == -1)
			missing[nmissing++] = known_columns[k].name;
	if (nmissing > 0) {
		fprintf(stderr, "loactl: %s:%ld: header: missing column%s",
		    im->label, rec->line, nmissing > 1 ? "s" : "");
		for (k = 0; k < nmissing; k++)
			fprintf(stderr, "%s \"%s\"", k > 0 ? "," : "",
			    missing[k]);
		fprintf(stderr, "; nothing imported\n");
		return -1;
	}
	return 0;
}

/* Non-zero when every field of the record is empty or blank. */
static int
blank_record(const struct loa_csv_record *rec)
{
	size_t	i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i][strspn(rec->fields[i], " \t")] != '\0')
			return 0;
	return 1;
}

static void
import_clear(struct import *im)
{
	size_t	i;

	for (i = 0; i < im->ncols; i++)
		free(im->colname[i]);
	free(im->colname);
	free(im->role);
	seen_free(&im->seen);
	for (i = 0; i < 2; i++) {
		loa_buf_free(&im->batch[i].bytes);
		free(im->batch[i].off);
		free(im->batch[i].len);
	}
}

int
ctl_import(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	struct import		*im;
	struct loa_csv_record	 rec;
	FILE			*fp;
	char			**ops;
	int			 rc, status, saved_errno;

	while (ctl_getopt(argc, argv, lo, IMPORT_USAGE) != -1)
		;
	if (ctl_operands(&ops) != 2)
		ctl_usage_error(IMPORT_USAGE, "import: want what to import "
		    "(wards or residents) and a file");
	im = xcalloc(1, sizeof(*im));
	if (strcmp(ops[0], "wards") == 0)
		im->kind = IMPORT_WARDS;
	else if (strcmp(ops[0], "residents") == 0)
		im->kind = IMPORT_RESIDENTS;
	else {
		free(im);
		ctl_usage_error(IMPORT_USAGE, "import: \"%s\": want wards or "
		    "residents", ops[0]);
	}

	if (strcmp(ops[1], "-") == 0) {
		fp = stdin;
		im->label = "<stdin>";
	} else if ((fp = fopen(ops[1], "r")) == NULL) {
		fprintf(stderr, "loactl: %s: %s\n", ops[1], strerror(errno));
		free(im);
		return 1;
	} else
		im->label = ops[1];
	im->csv = loa_csv_open(fp);

	status = 1;
	if ((rc = loa_csv_next(im->csv, &rec)) == 0)
		fprintf(stderr, "loactl: %s: empty file, no header; nothing "
		    "imported\n", im->label);
	else if (rc == 1 && import_header(im, &rec) == 0) {
		ctl_connect();
		im->b = &im->batch[0];
		batch_start(im, im->b);
		while ((rc = loa_csv_next(im->csv, &rec)) == 1) {
			if (rec.error != NULL)
				reject(im, rec.line, "%s", rec.error);
			else if (blank_record(&rec))
				continue;
			else if (rec.nfields != im->ncols)
				reject(im, rec.line, "%zu field%s where the "
				    "header has %zu", rec.nfields,
				    rec.nfields == 1 ? "" : "s", im->ncols);
			else if (im->kind == IMPORT_WARDS)
				ward_row(im, &rec);
			else
				resident_row(im, &rec);
		}
		saved_errno = errno;
		batch_flush(im);
		batch_wait(im);
		printf("%s: %lld added, %lld updated, %lld unchanged, %lld "
		    "rejected\n", im->kind == IMPORT_WARDS ? "wards" :
		    "residents", im->added, im->updated, im->unchanged,
		    im->rejected);
		{
			char d[160];
			snprintf(d, sizeof(d), "%s: %lld added, %lld updated, "
			    "%lld rejected", im->kind == IMPORT_WARDS ?
			    "wards" : "residents", im->added, im->updated,
			    im->rejected);
			ctl_audit_act("import", im->kind == IMPORT_WARDS ?
			    "wards" : "residents", d);
		}
		errno = saved_errno;
		if (rc == 0 && im->rejected == 0)
			status = 0;
	}
	if (rc == -1)
		fprintf(stderr, "loactl: %s: %s\n", im->label,
		    strerror(errno));

	loa_csv_free(im->csv);
	if (fp != stdin)
		fclose(fp);
	import_clear(im);
	free(im);
	return status;
}
