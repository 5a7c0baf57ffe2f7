/*
 * test_keyword.c -- unit tests of keyword.c: the opt-out words in every
 * way residents write them (diacritics, case, spaces, a full stop), DANG
 * KY with a phone in its usual forms, and texts that only look like one.
 */

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "tap.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char		*in;
	enum loa_keyword	 want;
	const char		*phone;
} cases[] = {
	{ "TU CHOI",			LOA_KW_OPTOUT,	"" },
	{ "tu choi",			LOA_KW_OPTOUT,	"" },
	{ "Từ chối",			LOA_KW_OPTOUT,	"" },
	{ "TỪ  CHỐI",			LOA_KW_OPTOUT,	"" },
	/* decomposed already (NFD input): the same */
	{ "Tu\xcc\x80 cho\xcc\x82\xcc\x81i", LOA_KW_OPTOUT, "" },
	{ "  từ chối.  ",		LOA_KW_OPTOUT,	"" },
	{ "tu\tchoi\n",			LOA_KW_OPTOUT,	"" },
	{ "tuchoi",			LOA_KW_OPTOUT,	"" },
	{ "Từ chối!!!",			LOA_KW_OPTOUT,	"" },
	{ "Từ chối…",			LOA_KW_OPTOUT,	"" },
	{ "\xc2\xa0huỷ\xc2\xa0",	LOA_KW_OPTOUT,	"" },
	{ "Hủy",			LOA_KW_OPTOUT,	"" },
	{ "HUY",			LOA_KW_OPTOUT,	"" },
	{ "stop",			LOA_KW_OPTOUT,	"" },
	{ "Stop.",			LOA_KW_OPTOUT,	"" },
	{ "DANG KY 0912345678",		LOA_KW_REGISTER, "84912345678" },
	{ "Đăng ký 0912 345 678",	LOA_KW_REGISTER, "84912345678" },
	/* "đăng kí" is as common a spelling as "đăng ký" */
	{ "đăng  kí +84 912 345 678",	LOA_KW_REGISTER, "84912345678" },
	{ "dang ki 0912345678",		LOA_KW_REGISTER, "84912345678" },
	{ "DANGKI 0912345678",		LOA_KW_REGISTER, "84912345678" },
	/* invisible format characters (zero-width space, BOM) are dropped */
	{ "STOP\xe2\x80\x8b",		LOA_KW_OPTOUT,	"" },
	{ "\xef\xbb\xbfHủy",		LOA_KW_OPTOUT,	"" },
	{ "Từ\xe2\x80\x8c chối",		LOA_KW_OPTOUT,	"" },
	{ "dangky 0912345678.",		LOA_KW_REGISTER, "84912345678" },
	{ "DANG KY (091) 234-5678",	LOA_KW_REGISTER, "84912345678" },
	{ "DANG KY 12345",		LOA_KW_NONE,	"" },
	{ "DANG KY",			LOA_KW_NONE,	"" },
	{ "DANG KY 0912345678 ngay",	LOA_KW_NONE,	"" },
	/* only the whole text */
	{ "đừng stop nước nữa",		LOA_KW_NONE,	"" },
	{ "stop stop",			LOA_KW_NONE,	"" },
	{ "HUYỀN",			LOA_KW_NONE,	"" },
	{ "HUY中",			LOA_KW_NONE,	"" },
	{ "STOP☺",			LOA_KW_NONE,	"" },
	{ "Nhà tôi ở ngõ 5 bị ngập",	LOA_KW_NONE,	"" },
	{ "",				LOA_KW_NONE,	"" },
	{ "...",			LOA_KW_NONE,	"" },
	/* invalid UTF-8 is no keyword, and no crash */
	{ "ST\xffOP",			LOA_KW_NONE,	"" },
	{ "\xc3",			LOA_KW_NONE,	"" },
};

int
main(void)
{
	char	phone[LOA_PHONE_MAX], big[600];
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		is_int(loa_keyword_parse(cases[i].in, phone), cases[i].want,
		    "\"%s\"", cases[i].in);
		is_str(phone, cases[i].phone, "\"%s\": phone", cases[i].in);
	}
	/* A long text is a message, however it starts. */
	memset(big, ' ', sizeof(big));
	memcpy(big + 200, "stop", 4);
	big[sizeof(big) - 1] = '\0';
	is_int(loa_keyword_parse(big, phone), LOA_KW_NONE, "600 bytes");
	is_int(loa_keyword_parse(NULL, phone), LOA_KW_NONE, "NULL");
	is_str(loa_keyword_name(LOA_KW_OPTOUT), "optout", "name optout");
	is_str(loa_keyword_name(LOA_KW_REGISTER), "register", "name register");
	is_str(loa_keyword_name(LOA_KW_NONE), "", "name none");
	return tap_done();
}
