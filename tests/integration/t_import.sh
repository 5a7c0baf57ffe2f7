#!/bin/sh
# t_import.sh -- "loactl import wards|residents FILE.csv" against a real
# Redis: the Hanoi ward list (added, then unchanged), residents with bad
# rows reported as FILE:LINE: reason while the good ones land with
# normalized phones and var: fields, a resident moving ward, idempotent
# re-imports, a header missing a column (nothing written), standard input,
# a configured prefix, batches across the batch size, and exit statuses.
. "$(dirname "$0")/lib.sh"

WARDS=$ROOT/conf/wards/hanoi.csv
RESIDENTS=$ROOT/conf/examples/residents.csv

start_redis || exit 1

# imp ARGS...: run loactl import; stdout in $T/out, stderr in $T/err,
# exit status in $rc.
imp() {
	$LOACTL -r "unix://$SOCK" import "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
H() { R HGET "$1" "$2"; }

# --- wards -----------------------------------------------------------
imp wards "$WARDS"
is "wards: exit 0" "$rc" 0
is "wards: 126 added" "$(cat "$T/out")" \
    "wards: 126 added, 0 updated, 0 unchanged, 0 rejected"
is "wards: nothing on stderr" "$(cat "$T/err")" ""
is "wards: set of codes" "$(R SCARD loa:wards)" 126
is "ward 00070 name" "$(H loa:ward:00070 name)" "Phường Hoàn Kiếm"
is "ward 00070 district empty" "$(R HEXISTS loa:ward:00070 district):$(H loa:ward:00070 district)" "1:"
is "ward 00008 name" "$(H loa:ward:00008 name)" "Phường Ngọc Hà"
is "type column ignored" "$(R HLEN loa:ward:00004)" 2

imp wards "$WARDS"
is "wards again: exit 0" "$rc" 0
is "wards again: 126 unchanged" "$(cat "$T/out")" \
    "wards: 0 added, 0 updated, 126 unchanged, 0 rejected"

# Header found by name, any case, trimmed; bad rows.
printf '%s\n' ' Name ,CODE,note,District' \
    'Phường Hoàn Kiếm,00070,x,Quận cũ Hoàn Kiếm' \
    'Phường Mới,T-01,,' \
    'Sai mã,0007 0,,' \
    ',00071,,' \
    'Trùng,T-01,,' \
    'Thiếu cột,00072' \
    'Phường Mới,,,' > "$T/w2.csv"
imp wards "$T/w2.csv"
is "wards with bad rows: exit 1" "$rc" 1
is "wards with bad rows: summary" "$(cat "$T/out")" \
    "wards: 1 added, 1 updated, 0 unchanged, 5 rejected"
is "wards with bad rows: reasons" "$(cat "$T/err")" \
"$T/w2.csv:4: bad code \"0007 0\" (1-16 of A-Z a-z 0-9 _-)
$T/w2.csv:5: missing name
$T/w2.csv:6: duplicate code (first on line 3)
$T/w2.csv:7: 2 fields where the header has 4
$T/w2.csv:8: missing code"
is "ward updated" "$(H loa:ward:00070 district)" "Quận cũ Hoàn Kiếm"
is "ward added" "$(H loa:ward:T-01 name)" "Phường Mới"
is "ward added to the set" "$(R SISMEMBER loa:wards T-01)" 1
is "rejected ward not written" "$(R EXISTS loa:ward:00071)" 0
imp wards "$WARDS"
is "wards restored: 1 updated" "$(cat "$T/out")" \
    "wards: 0 added, 1 updated, 125 unchanged, 0 rejected"
is "district empty again" "$(H loa:ward:00070 district)" ""

# --- residents -------------------------------------------------------
imp residents "$RESIDENTS"
is "residents: exit 0" "$rc" 0
is "residents: 40 added" "$(cat "$T/out")" \
    "residents: 40 added, 0 updated, 0 unchanged, 0 rejected"
is "residents: nothing on stderr" "$(cat "$T/err")" ""
is "ward 00070 residents" "$(R SCARD loa:ward:00070:residents)" 14
is "ward 00004 residents" "$(R SCARD loa:ward:00004:residents)" 13
is "ward 00008 residents" "$(R SCARD loa:ward:00008:residents)" 13
is "phone 0912 000 101" "$(H loa:resident:hk01 phone)" 84912000101
is "phone +84 983 000 102" "$(H loa:resident:hk02 phone)" 84983000102
is "phone 0168 000 0103 (old 11 digits)" "$(H loa:resident:hk03 phone)" 84380000103
is "phone (091) 200-0107" "$(H loa:resident:hk07 phone)" 84912000107
is "phone 0084 888 000 108" "$(H loa:resident:hk08 phone)" 84888000108
is "shared phone" "$(H loa:resident:hk05 phone)" "$(H loa:resident:hk06 phone)"
is "zalo_uid" "$(H loa:resident:hk01 zalo_uid)" 5871230000101
is "zalo only, no phone" "$(H loa:resident:hk11 phone):$(H loa:resident:hk11 zalo_uid)" ":5871230000111"
is "channels sms" "$(H loa:resident:hk02 channels)" sms
is "channels zalo;sms" "$(H loa:resident:hk08 channels)" "zalo;sms"
is "channels empty" "$(R HEXISTS loa:resident:hk01 channels):$(H loa:resident:hk01 channels)" "1:"
is "opt_out 1" "$(H loa:resident:hk07 opt_out)" 1
is "opt_out empty -> 0" "$(H loa:resident:hk04 opt_out)" 0
is "name" "$(H loa:resident:hk01 name)" "Bà Nguyễn Thị Lan"
is "ward field" "$(H loa:resident:bd01 ward)" 00004
is "variable" "$(H loa:resident:hk01 var:to_dan_pho)" "Tổ 5"
is "quoted variable with a comma" "$(H loa:resident:hk09 var:to_dan_pho)" "Tổ 12, ngõ Hàng Hành"
is "directory columns" "$(R SMEMBERS loa:directory:columns)" to_dan_pho
is "hash fields" "$(R HKEYS loa:resident:hk01 | tr '\n' ' ')" \
    "phone zalo_uid name ward opt_out channels var:to_dan_pho "

imp residents "$RESIDENTS"
is "residents again: exit 0" "$rc" 0
is "residents again: all unchanged" "$(cat "$T/out")" \
    "residents: 0 added, 0 updated, 40 unchanged, 0 rejected"

# Bad rows: every reason, with the line where the record starts.  The
# file has a multi-line record, NFD text, a blank line, a line of empty
# fields, a CRLF line and a BOM.
{
	printf '\357\273\277'
	printf '%s\n' 'ID , Phone,Ward,Name,zalo_uid,opt_out,channels,to_dan_pho,ghi_chu' \
	    'x01,0912 000 901,00070,Bà A,,,,Tổ 1,note' \
	    'x02,12345,00070,Bad phone,,,,,' \
	    'x03,,00070,No address,,,,,' \
	    'x04,0912 000 904,99999,Unknown ward,,,,,' \
	    'x05,0912 000 905,70,Zeros lost,,,,,' \
	    'x01,0912 000 906,00070,Dup,,,,,' \
	    'x07,0912 000 907,00004,"Multi' \
	    'line name",,,,,' \
	    'x08,0912 000 908,00004,Bad channel,,,fax,,' \
	    'x09,0912 000 909,00004,Bad opt,,maybe,,,' \
	    'bad id!,0912 000 910,00004,,,,,,' \
	    'x11,09"12,00004,Stray,,,,,' \
	    'x12,0912 000 912,00004,Too,few'
	printf 'x13,+84 912 000 913,00008,Ch\377Hoa,,,,,\n'
	printf 'x14,,00008,Zalo only,777000914,yes,ZALO,,\n'
	printf 'x15,0912000915,00008,Nguye\314\202\314\203n,,,"sms, zalo",T\341\273\225 4,\n'
	printf '\n,,,,,,,,\n'
	printf 'x16,"0912 000 916",00008,"Quoted ""nick""",,,,,\r\n'
	printf 'x17,0912 000 917,Phường Hoàn Kiếm,Name not code,,,,,\n'
	printf 'x18,"0912 000 918,00008,Unterminated,,,,,\n'
	printf 'x19,0912 000 919,00008,After the bad quote,,,,,\n'
} > "$T/r2.csv"
imp residents "$T/r2.csv"
is "bad rows: exit 1" "$rc" 1
is "bad rows: summary" "$(cat "$T/out")" \
    "residents: 5 added, 0 updated, 0 unchanged, 14 rejected"
F=$T/r2.csv
is "bad rows: reasons and lines" "$(cat "$T/err")" \
"$F:3: bad phone
$F:4: no phone and no zalo_uid
$F:5: unknown ward 99999
$F:6: unknown ward 70 (leading zeros lost in a spreadsheet?)
$F:7: duplicate id (first on line 2)
$F:8: bad name \"Multi\\nline name\" (holds \\n: no control or bidi characters)
$F:10: unknown channel \"fax\"
$F:11: bad opt_out \"maybe\" (want 0/1, yes/no, true/false)
$F:12: bad id \"bad id!\" (want 1 to 128 ASCII letters, digits, '-', '_' or '.')
$F:13: stray quote in unquoted field
$F:14: 5 fields where the header has 9
$F:15: bad UTF-8
$F:21: unknown ward \"Phường Hoàn Kiếm\" (want its code, e.g. 00070)
$F:22: unterminated quote"
is "good row: phone" "$(H loa:resident:x01 phone)" 84912000901
is "good row: two variables" "$(H loa:resident:x01 var:to_dan_pho)/$(H loa:resident:x01 var:ghi_chu)" "Tổ 1/note"
is "good row: kept the first of a duplicate" "$(H loa:resident:x01 name)" "Bà A"
is "a multi-line name is refused (a newline is a control)" "$(R EXISTS loa:resident:x07)" 0
is "empty variable not stored" "$(R HEXISTS loa:resident:x14 var:to_dan_pho)" 0
is "zalo only, yes, ZALO" "$(H loa:resident:x14 opt_out)/$(H loa:resident:x14 channels)" "1/zalo"
is "NFD name stored NFC" "$(H loa:resident:x15 name)" "Nguyễn"
is "channels normalized" "$(H loa:resident:x15 channels)" "zalo;sms"
is "quoted quotes, CRLF" "$(H loa:resident:x16 name)" 'Quoted "nick"'
is "row after an unterminated quote" "$(H loa:resident:x19 phone)" 84912000919

# A zalo_uid is part of a key (loa:zalo:<uid>:residents): only what the
# daemon takes as a Zalo user id is stored.
printf '%s\n' 'id,phone,ward,name,zalo_uid' 'z1,,00004,Colon,a:b' \
    'z2,0912000922,00004,Brace,{x}' 'z3,,00004,Good,zu_3-A' > "$T/rz.csv"
imp residents "$T/rz.csv"
is "zalo_uid that is no user id: rejected" "$rc/$(cat "$T/err")" \
"1/$T/rz.csv:2: bad zalo_uid \"a:b\" (want 1 to 64 ASCII letters, digits, '-' or '_')
$T/rz.csv:3: bad zalo_uid \"{x}\" (want 1 to 64 ASCII letters, digits, '-' or '_')"
is "... no key made of it" "$(R --scan --pattern '*a:b*' | wc -l)/$(R --scan --pattern '*{x}*' | wc -l)/$(R EXISTS loa:resident:z1 loa:resident:z2)" "0/0/0"
is "... a good one kept" "$(H loa:resident:z3 zalo_uid)/$(R SMEMBERS loa:zalo:zu_3-A:residents)" "zu_3-A/z3"
for id in x02 x03 x04 x05 x08 x09 x11 x12 x13 x17 x18; do
	is "rejected $id not written" "$(R EXISTS loa:resident:$id)" 0
done
is "unknown ward has no set" "$(R EXISTS loa:ward:99999:residents)" 0
is "directory columns" "$(R SMEMBERS loa:directory:columns | sort | tr '\n' ' ')" \
    "ghi_chu to_dan_pho "

# A resident moves: the hash is replaced, the old ward's set left.
printf '%s\n' 'id,phone,ward,name' 'hk01,0912 000 101,00004,Bà Nguyễn Thị Lan' \
    > "$T/move.csv"
imp residents "$T/move.csv"
is "move: exit 0" "$rc" 0
is "move: updated" "$(cat "$T/out")" \
    "residents: 0 added, 1 updated, 0 unchanged, 0 rejected"
is "move: left 00070" "$(R SISMEMBER loa:ward:00070:residents hk01)" 0
is "move: joined 00004" "$(R SISMEMBER loa:ward:00004:residents hk01)" 1
is "move: ward field" "$(H loa:resident:hk01 ward)" 00004
is "move: old fields gone" "$(R HEXISTS loa:resident:hk01 var:to_dan_pho):$(H loa:resident:hk01 zalo_uid)" "0:"
imp residents "$T/move.csv"
is "move again: unchanged" "$(cat "$T/out")" \
    "residents: 0 added, 0 updated, 1 unchanged, 0 rejected"

# Back, then idempotent.
imp residents "$RESIDENTS"
is "back: 1 updated" "$(cat "$T/out")" \
    "residents: 0 added, 1 updated, 39 unchanged, 0 rejected"
is "back in 00070" "$(R SISMEMBER loa:ward:00070:residents hk01):$(R SISMEMBER loa:ward:00004:residents hk01)" "1:0"
imp residents "$RESIDENTS"
is "idempotent: all unchanged" "$(cat "$T/out")" \
    "residents: 0 added, 0 updated, 40 unchanged, 0 rejected"
is "idempotent: exit 0" "$rc" 0
# The same fields written in another order are still the same.
R DEL loa:resident:hk02 >/dev/null
R HSET loa:resident:hk02 var:to_dan_pho "Tổ 5" channels sms opt_out 0 \
    ward 00070 name "Ông Trần Văn Đức" zalo_uid "" phone 84983000102 >/dev/null
imp residents "$RESIDENTS"
is "fields in another order: unchanged" "$(cat "$T/out")" \
    "residents: 0 added, 0 updated, 40 unchanged, 0 rejected"

# Standard input.
$LOACTL -r "unix://$SOCK" import wards - < "$WARDS" >"$T/out" 2>"$T/err"
is "stdin: exit 0" "$?" 0
is "stdin: unchanged" "$(cat "$T/out")" \
    "wards: 0 added, 0 updated, 126 unchanged, 0 rejected"
printf 'code,name\n0 1,x\n' | $LOACTL -r "unix://$SOCK" import wards - \
    >"$T/out" 2>"$T/err"
is "stdin: named <stdin>" "$(cat "$T/err")" \
    '<stdin>:2: bad code "0 1" (1-16 of A-Z a-z 0-9 _-)'

# A missing column: exit 1, the column named, nothing written.
before=$(R DBSIZE)
printf '%s\n' 'id,phone,name' 'y01,0912 000 001,Ai' > "$T/nocol.csv"
imp residents "$T/nocol.csv"
is "missing ward column: exit 1" "$rc" 1
is "missing ward column: named" "$(cat "$T/err")" \
    "loactl: $T/nocol.csv:1: header: missing column \"ward\"; nothing imported"
is "missing ward column: no summary" "$(cat "$T/out")" ""
printf '%s\n' 'name' 'Ai' > "$T/nocol2.csv"
imp wards "$T/nocol2.csv"
is "missing code column: exit 1" "$rc" 1
check "missing code column: named" grep -q 'missing column "code"' "$T/err"
printf '%s\n' 'id,ward,Phone,phone' 'y02,00070,0912000002,0912000002' > "$T/twice.csv"
imp residents "$T/twice.csv"
is "column twice: exit 1" "$rc" 1
check "column twice: named" grep -q 'column "phone" appears twice' "$T/err"
: > "$T/empty.csv"
imp wards "$T/empty.csv"
is "empty file: exit 1" "$rc" 1
check "empty file: said" grep -q "no header" "$T/err"
is "nothing written" "$(R DBSIZE)" "$before"
is "no resident y01" "$(R EXISTS loa:resident:y01)" 0

# Exit statuses of bad usage (2) and of an unreadable file (1).
$LOACTL -r "unix://$SOCK" import >/dev/null 2>&1
is "no operands: exit 2" "$?" 2
$LOACTL -r "unix://$SOCK" import wards >/dev/null 2>&1
is "no file: exit 2" "$?" 2
$LOACTL -r "unix://$SOCK" import people "$WARDS" >/dev/null 2>&1
is "unknown kind: exit 2" "$?" 2
$LOACTL -r "unix://$SOCK" import wards "$WARDS" extra >/dev/null 2>&1
is "extra operand: exit 2" "$?" 2
$LOACTL -r "unix://$SOCK" import wards --bogus "$WARDS" >/dev/null 2>&1
is "unknown option: exit 2" "$?" 2
imp wards "$T/does-not-exist.csv"
is "missing file: exit 1" "$rc" 1
check "missing file: said" grep -q "does-not-exist.csv: No such file" "$T/err"

# The prefix comes from the configuration.
printf '[redis]\nurl = unix://%s\nprefix = {t}:\n' "$SOCK" > "$T/p.conf"
$LOACTL -c "$T/p.conf" import wards "$WARDS" >"$T/out" 2>&1
is "prefix: added" "$(cat "$T/out")" \
    "wards: 126 added, 0 updated, 0 unchanged, 0 rejected"
is "prefix: keys" "$(R SCARD '{t}:wards'):$(H '{t}:ward:00070' name)" "126:Phường Hoàn Kiếm"
$LOACTL -c "$T/p.conf" import residents "$RESIDENTS" >"$T/out" 2>&1
is "prefix: residents" "$(cat "$T/out")" \
    "residents: 40 added, 0 updated, 0 unchanged, 0 rejected"
is "prefix: resident set" "$(R SCARD '{t}:ward:00070:residents')" 14

# Several batches: 2345 rows (a duplicate and an unknown ward far
# apart, across batch boundaries), from standard input.
awk 'BEGIN {
	print "id,phone,ward,zalo_uid,to"
	for (i = 0; i < 2345; i++) {
		w = (i % 3 == 0) ? "00070" : (i % 3 == 1) ? "00004" : "00008"
		if (i == 1700) w = "00071"
		id = (i == 2000) ? "g000010" : sprintf("g%06d", i)
		printf "%s,0912 %03d %03d,%s,,Tổ %d\n", id, int(i / 1000), i % 1000, w, i % 20
	}
}' > "$T/gen.csv"
$LOACTL -r "unix://$SOCK" import residents - < "$T/gen.csv" >"$T/out" 2>"$T/err"
is "batches: exit 1" "$?" 1
is "batches: summary" "$(cat "$T/out")" \
    "residents: 2343 added, 0 updated, 0 unchanged, 2 rejected"
is "batches: reasons" "$(cat "$T/err")" \
"<stdin>:1702: unknown ward 00071
<stdin>:2002: duplicate id (first on line 12)"
is "batches: last row" "$(H loa:resident:g002344 phone):$(H loa:resident:g002344 var:to)" "84912002344:Tổ 4"
$LOACTL -r "unix://$SOCK" import residents - < "$T/gen.csv" >"$T/out" 2>"$T/err"
is "batches again: unchanged" "$(cat "$T/out")" \
    "residents: 0 added, 0 updated, 2343 unchanged, 2 rejected"

done_testing
