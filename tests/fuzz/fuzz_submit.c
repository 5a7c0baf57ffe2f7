/*
 * fuzz_submit.c -- the "did you mean" hint of submit.c for a ward named
 * in a job (any bytes an official or a client sends), and the search of
 * a refused job text for the ward that is no code.
 *
 * The input is a ward "name" as a job gives it.  It is looked up among a
 * fixed directory of wards (with odd names of their own: controls, bidi,
 * combining marks, kinds alone) and in a directory that has it as the
 * name of a ward.  Promises checked (submit.c):
 *  - the hint is empty or " (did you mean ...?)", and holds no C0 or C1
 *    control and no bidi control: the names it shows are neutralised;
 *  - a name of valid UTF-8 with an ASCII letter or digit always finds
 *    the ward it is the very name of;
 *  - loa_submit_bad_ward() finds, in a job whose audience.wards is
 *    ["00070", name], the name when (and only when) it is not a code.
 */
#include <unistr.h>

#include "loa.h"
#include "fuzz.h"

static const char dir[] = "[[\"00070\",\"Phường Hoàn Kiếm\"],"
    "[\"00008\",\"Phường Ngọc Hà\"],[\"00100\",\"Xã Đông Anh\"],"
    "[\"00200\",\"Thị trấn Đông Anh\"],[\"00300\",\"Phường Xã Đàn\"],"
    "[\"00400\",\"Phường\"],[\"00500\",\"\\u001b[31mĐỏ\\u202e\"],"
    "[\"00600\",\"Ha\\u0300 \\u0085Nội\"],[\"00700\",\"\"]]";

/* No C0 (but none is wanted at all), no C1, no bidi control. */
static int
neutral(const char *s)
{
	const uint8_t	*p = (const uint8_t *)s, *end = p + strlen(s);
	ucs4_t		 c;
	int		 n;

	while (p < end) {
		if ((n = u8_mbtouc(&c, p, end - p)) <= 0)
			return 0;
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    c == 0x061c || c == 0x200e || c == 0x200f ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			return 0;
		p += n;
	}
	return 1;
}

static void
hint_ok(const char *name, const char *names, int *found)
{
	struct loa_buf	b;

	loa_buf_init(&b);
	loa_buf_adds(&b, "");
	*found = loa_ward_hint(&b, name, names);
	FZ_ASSERT(*found >= 0);
	FZ_ASSERT((*found == 0) == (b.len == 0));
	if (b.len > 0) {
		FZ_ASSERT(strncmp(b.data, " (did you mean ", 15) == 0);
		FZ_ASSERT(b.len >= 2 && strcmp(b.data + b.len - 2, "?)") == 0);
	}
	FZ_ASSERT(neutral(b.data));
	loa_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*self, *job;
	char	*name, *names, *text, *bad;
	size_t	 i;
	int	 found, alnum = 0;

	if (size > 512)
		return 0;
	name = fz_cstr(data, size);
	hint_ok(name, dir, &found);

	/* Its own ward, when the name can be a JSON string. */
	self = json_pack("[[s,s]]", "00900", name);
	if (self != NULL) {
		names = json_dumps(self, JSON_COMPACT);
		hint_ok(name, names, &found);
		for (i = 0; name[i] != '\0'; i++)
			alnum |= (name[i] >= 'a' && name[i] <= 'z') ||
			    (name[i] >= 'A' && name[i] <= 'Z') ||
			    (name[i] >= '0' && name[i] <= '9');
		if (alnum)
			FZ_ASSERT(found == 1);
		free(names);
		json_decref(self);
	}

	job = json_pack("{s:{s:[s,s]}}", "audience", "wards", "00070", name);
	if (job != NULL) {
		text = json_dumps(job, JSON_COMPACT);
		bad = loa_submit_bad_ward(text, strlen(text));
		if (strlen(name) > 0 && strlen(name) <= LOA_NAME_MAX &&
		    !loa_name_valid(name))
			FZ_ASSERT(bad != NULL && strcmp(bad, name) == 0);
		else
			FZ_ASSERT(bad == NULL);
		free(bad);
		free(text);
		json_decref(job);
	}
	free(name);
	return 0;
}
