#!/bin/sh
# t_report.sh -- "loactl optout" (add, remove, list, check: normalized
# numbers, masked output, exit codes, bad numbers reported while the
# others are processed) and "loactl report" (per-ward reached, failed and
# unreached counts and the list to follow up, in text and RFC 4180 CSV
# (with the reason of each failed or skipped recipient),
# masking and --unmasked, --ward) for a real audience job and a real
# explicit-recipients job run by the daemon, a scheduled job (recipients
# without an outcome entry), every kind of outcome value, and an outcome
# hash big enough for HSCAN to take many rounds.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
C() { $LOACTL -r "unix://$SOCK" "$@"; }

# parse_csv: an RFC 4180 file (CRLF, quoted fields) on stdin to one line
# per record, fields joined by "|".
parse_csv() {
	awk '
	function flush() { out = out (nf++ ? "|" : "") f; f = "" }
	{
		sub(/\r$/, "")
		if (!inq) { out = ""; nf = 0; f = "" }
		s = inq ? "\n" $0 : $0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (inq) {
				if (c == "\"" && substr(s, i + 1, 1) == "\"") { f = f c; i++ }
				else if (c == "\"") inq = 0
				else f = f c
			} else if (c == "\"") inq = 1
			else if (c == ",") flush()
			else f = f c
		}
		if (!inq) { flush(); print out }
	}'
}

# --- the directory: two wards
R HSET loa:ward:00070 name "Phường Hoàn Kiếm" district "" >/dev/null
R HSET loa:ward:00004 name "Phường Ba Đình" district "" >/dev/null
R SADD loa:wards 00070 00004 >/dev/null
res() { dir_resident "$@"; }
res r1 00070 84912000001 name "Bà Lan" var:to_dan_pho "Tổ 5"
res r2 00070 84912000002 name "Ông Đức"
res r3 00070 84912000003 name "Chị Hoa" opt_out 1 var:to_dan_pho "Tổ 1"
res r4 00070 84912000004 name "Anh Nam, con ông \"Tư\""
res r5 00070 84912000005			# no name: fails missing_var
res r6 00070 84912000006 name "Cô Mai"
res b1 00004 84983111222 name "Ông Tú"
res b2 00004 84983111333 name "Bà Tâm" opt_out 1

# --- optout
C optout add "+84 912 000 004" > "$T/oa.out" 2>&1
is "optout add: exit 0" $? 0
is "optout add: masked" "$(cat "$T/oa.out")" "8491****004 opted out"
is "stored normalized" "$(R SISMEMBER loa:optout 84912000004)" 1
C optout add 0912000004 > "$T/oa2.out" 2>&1
is "optout add again: exit 0" $? 0
is "optout add again says so" "$(cat "$T/oa2.out")" "8491****004 already opted out"
C optout add 12345 01662000777 > "$T/oa3.out" 2> "$T/oa3.err"
is "a bad number: exit 1" $? 1
is "a bad number: message" "$(cat "$T/oa3.err")" "loactl: 12345: not a Vietnamese mobile number"
is "the others still processed (old 11-digit form)" "$(cat "$T/oa3.out")" "8436****777 opted out"
is "two numbers in the set" "$(R SCARD loa:optout)" 2
is "list --count" "$(C optout list --count)" 2
C optout list > "$T/ol.out"
is "list: exit 0" $? 0
is "list: masked, sorted" "$(cat "$T/ol.out" | tr '\n' ' ')" "8436****777 8491****004 "
C optout check 0912000004 > "$T/oc.out"
is "check opted out: exit 0" $? 0
is "check opted out: says so" "$(cat "$T/oc.out")" "8491****004 opted out"
C optout check 0912000005 > "$T/oc2.out"
is "check not opted out: exit 1" $? 1
is "check not opted out: says so" "$(cat "$T/oc2.out")" "8491****005 not opted out"
C optout check 999 > /dev/null 2> "$T/oc3.err"
is "check a bad number: exit 1" $? 1
check "check a bad number: message" grep -q "999: not a Vietnamese mobile number" "$T/oc3.err"
C optout remove 0362000777 > "$T/or.out"
is "remove: exit 0" $? 0
is "remove: says so" "$(cat "$T/or.out")" "8436****777 no longer opted out"
C optout remove 0362000777 > "$T/or2.out"
is "remove again: exit 0" $? 0
is "remove again: says so" "$(cat "$T/or2.out")" "8436****777 not opted out before"
is "one number left" "$(R SMEMBERS loa:optout)" 84912000004
check "no full number printed" sh -c "! cat '$T'/o*.out | grep -Eq '[0-9]{9}'"
for a in "" "frob" "add" "check" "check 0912000004 0912000005" "list x" "add 0912000001 --count" "list --bogus"; do
	# shellcheck disable=SC2086
	C optout $a >/dev/null 2>&1
	is "optout $a: usage, exit 2" $? 2
done

# --- a real audience job through the daemon
write_conf a
start_loa a || exit 1
cat > "$T/rep1.json" <<'JSON'
{"id":"rep1","audience":{"wards":["00070","00004"]},"channels":["sms"],
 "sms":{"text":"Kinh gui {{name}}"}}
JSON
submit "$T/rep1.json" >/dev/null
wait_for 15 "rep1 done" state_is rep1 done
is "rep1 total" "$(job_field rep1 total)" 8
is "rep1 sent" "$(job_field rep1 sent)" 4
is "rep1 failed (missing_var)" "$(job_field rep1 failed)" 1
is "rep1 skipped (opt_out flag, loa:optout)" "$(job_field rep1 skipped)" 3
check "r5 failed missing_var" grep -q '"resident":"r5".*"status":"failed".*"reason":"missing_var"' "$T/a.delivery.log"

C report rep1 > "$T/r1.out" 2> "$T/r1.err"
is "report: exit 0" $? 0
is "report: nothing on stderr" "$(cat "$T/r1.err")" ""
row() { awk -v w="$2" '$1 == w { print $(NF-2), $(NF-1), $NF; exit }' "$1"; }
is "00070: reached failed unreached" "$(row "$T/r1.out" 00070)" "3 1 2"
is "00004: reached failed unreached" "$(row "$T/r1.out" 00004)" "1 0 1"
is "total row" "$(row "$T/r1.out" total)" "4 1 3"
check "ward name from the directory" grep -q '^00070  Phường Hoàn Kiếm  ' "$T/r1.out"
check "ward section heading" grep -qx '00070 Phường Hoàn Kiếm: 1 failed, 2 unreached' "$T/r1.out"
# The 00070 list: failed first, then by tổ dân phố ("" < "Tổ 1"), then id.
sed -n '/^00070 Phường Hoàn Kiếm: /,/^$/p' "$T/r1.out" | sed -n '3,$p' |
    awk 'NF { print $1 }' > "$T/r1.ids"
is "00070 list order" "$(tr '\n' ' ' < "$T/r1.ids")" "r5 r4 r3 "
check "failed row: id, no name, masked phone, status, channel" grep -Eq '^  r5 +- +8491\*\*\*\*005 +failed +sms' "$T/r1.out"
check "skipped row with tổ dân phố" grep -Eq '^  r3 +Chị Hoa +8491\*\*\*\*003 +skipped +- +Tổ 1$' "$T/r1.out"
check "opted out through loa:optout is unreached" grep -Eq '^  r4 +Anh Nam, con ông "Tư" +8491\*\*\*\*004 +skipped' "$T/r1.out"
check "00004 lists b2" grep -Eq '^  b2 +Bà Tâm +8498\*\*\*\*333 +skipped' "$T/r1.out"
check "reached residents not listed" sh -c "! grep -Eq '^  (r1|r2|r6|b1) ' '$T/r1.out'"
check "no full phone number" sh -c "! grep -Eq '[0-9]{9}' '$T/r1.out'"
check "footer: entries and total" grep -qx '8 outcome entries, job total 8' "$T/r1.out"

C report rep1 --csv > "$T/r1.csv"
is "csv: exit 0" $? 0
is "csv: header" "$(head -1 "$T/r1.csv")" "$(printf 'ward,ward_name,resident,name,phone,status,channel,reason\r')"
is "csv: CRLF on every line" "$(grep -vc "$(printf '\r')\$" "$T/r1.csv")" 0
parse_csv < "$T/r1.csv" | sed 1d | LC_ALL=C sort > "$T/r1.rows"
cat > "$T/r1.want" <<'EOF'
00004|Phường Ba Đình|b2|Bà Tâm|8498****333|skipped||opted_out
00070|Phường Hoàn Kiếm|r3|Chị Hoa|8491****003|skipped||opted_out
00070|Phường Hoàn Kiếm|r4|Anh Nam, con ông "Tư"|8491****004|skipped||opted_out
00070|Phường Hoàn Kiếm|r5||8491****005|failed|sms|missing_var
EOF
is "csv: exactly the failed and unreached, quoted where needed" "$(cat "$T/r1.rows")" "$(cat "$T/r1.want")"
check "csv: a name with a comma and quotes is quoted" grep -q '"Anh Nam, con ông ""Tư"""' "$T/r1.csv"
check "csv: no full phone number" sh -c "! grep -Eq '[0-9]{9}' '$T/r1.csv'"
C report rep1 --csv --unmasked | parse_csv | sed 1d | LC_ALL=C sort > "$T/r1u.rows"
is "csv --unmasked: full numbers" "$(cut -d'|' -f3,5 "$T/r1u.rows" | tr '\n' ' ')" "b2|84983111333 r3|84912000003 r4|84912000004 r5|84912000005 "
C report rep1 --ward 00004 > "$T/r1w.out"
is "--ward: exit 0" $? 0
is "--ward: that ward" "$(row "$T/r1w.out" 00004)" "1 0 1"
check "--ward: not the others" sh -c "! grep -q 00070 '$T/r1w.out' && ! grep -q '^total' '$T/r1w.out'"
check "--ward: only its residents" sh -c "grep -q '^  b2 ' '$T/r1w.out' && ! grep -q '^  r[0-9]' '$T/r1w.out'"
is "--ward --csv" "$(C report rep1 --csv --ward 00004 | parse_csv | sed 1d | cut -d'|' -f1,3)" "00004|b2"
is "--ward twice" "$(C report rep1 --csv --ward 00004 --ward 00070 | sed 1d | wc -l)" 4

# --- explicit recipients
cat > "$T/rep2.json" <<'JSON'
{"id":"rep2","channels":["sms"],"sms":{"text":"Kinh gui {{name}}"},
 "recipients":[
  {"phone":"0912 000 101","name":"Bà Một","ward":"00070"},
  {"phone":"0912000102","ward":"00070"},
  {"id":"x3","phone":"12345","name":"Sai số","ward":"00004"},
  {"phone":"0912000004","name":"Anh Nam","ward":"00004","vars":{"to_dan_pho":"Tổ 9"}},
  {"phone":"0912000105","name":"Không phường"}]}
JSON
submit "$T/rep2.json" >/dev/null
wait_for 15 "rep2 done" state_is rep2 done
C report rep2 > "$T/r2.out"
is "explicit: exit 0" $? 0
is "explicit 00070" "$(row "$T/r2.out" 00070)" "1 1 0"
is "explicit 00004" "$(row "$T/r2.out" 00004)" "0 0 2"
is "explicit, no ward" "$(row "$T/r2.out" -)" "1 0 0"
is "explicit total" "$(row "$T/r2.out" total)" "2 1 2"
check "explicit: #index, masked, failed" grep -Eq '^  #1 +- +8491\*\*\*\*102 +failed +sms$' "$T/r2.out"
check "explicit: the recipient's id, bad number masked whole" grep -Eq '^  x3 +Sai số +\*\*\*\*\* +skipped +- +-$' "$T/r2.out"
check "explicit: opted out, tổ dân phố from vars" grep -Eq '^  #3 +Anh Nam +8491\*\*\*\*004 +skipped +- +Tổ 9$' "$T/r2.out"
check "explicit: no full phone number" sh -c "! grep -Eq '[0-9]{9}' '$T/r2.out'"
check "explicit: footer" grep -qx '5 outcome entries, job total 5' "$T/r2.out"
C report rep2 --csv | parse_csv | sed 1d | LC_ALL=C sort > "$T/r2.rows"
cat > "$T/r2.want" <<'EOF'
00004|Phường Ba Đình|#3|Anh Nam|8491****004|skipped||opted_out
00004|Phường Ba Đình|x3|Sai số|*****|skipped||bad_phone
00070|Phường Hoàn Kiếm|#1||8491****102|failed|sms|missing_var
EOF
is "explicit csv" "$(cat "$T/r2.rows")" "$(cat "$T/r2.want")"

# --- a scheduled job: explicit recipients without an entry are queued
printf '%s' '{"id":"rep3","send_at":"2099-01-01T07:00:00+07:00","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000201","ward":"00070"},{"phone":"0912000202","ward":"00070"}]}' > "$T/rep3.json"
submit "$T/rep3.json" >/dev/null
wait_for 10 "rep3 scheduled" state_is rep3 scheduled
C report rep3 > "$T/r3.out"
is "scheduled: all unreached" "$(row "$T/r3.out" 00070)" "0 0 2"
is "scheduled: listed as queued" "$(grep -Ec '^  #[01] +- +8491\*\*\*\*20[12] +queued' "$T/r3.out")" 2
check "scheduled: footer says so" grep -q '^still scheduled' "$T/r3.out"
stop_loa a
is "SIGTERM exits 0" "$?" 0

# --- every kind of outcome value (a job written by hand, no daemon)
R HSET loa:job:fake state sending audience 1 total 9 >/dev/null
R SET loa:job:fake:spec '{"channels":["zalo","sms"]}' >/dev/null
R SET loa:job:fake:wards '[["00070","Phường Hoàn Kiếm",""],["00004","Phường Ba Đình",""]]' >/dev/null
R HSET loa:job:fake:out r1 sent:zalo r2 delivered:sms r3 maybe_duplicate:sms \
    r4 failed:zalo r5 . r6 '~' b1 '~2' b2 r:3:1:1790000000000 gone expired: >/dev/null
C report fake > "$T/f.out"
is "values: 00070" "$(row "$T/f.out" 00070)" "3 1 2"
is "values: 00004" "$(row "$T/f.out" 00004)" "0 0 2"
is "values: a resident gone from the directory" "$(row "$T/f.out" -)" "0 0 1"
C report fake --csv 2> "$T/f.err" | parse_csv | sed 1d | cut -d'|' -f1,3,6,7 | LC_ALL=C sort > "$T/f.rows"
cat > "$T/f.want" <<'EOF'
00004|b1|sending|
00004|b2|retry|sms
00070|r4|failed|zalo
00070|r5|queued|
00070|r6|sending|
|gone|expired|
EOF
is "values: statuses and channels" "$(cat "$T/f.rows")" "$(cat "$T/f.want")"
check "values: still sending" grep -q '^still sending' "$T/f.out"
is "values: csv says so on stderr" "$(cat "$T/f.err")" "loactl: report: job fake is still sending"

# --- a big outcome hash: many HSCAN rounds, nothing counted twice
R EVAL "
for i = 0, 2999 do
  local id, w = 'big-' .. i, (i % 2 == 0) and '00070' or '00004'
  redis.call('HSET', 'loa:resident:' .. id, 'phone', string.format('8491%07d', i), 'ward', w)
  local v = ({'sent:sms', 'failed:sms', 'skipped:'})[i % 3 + 1]
  redis.call('HSET', 'loa:job:big:out', id, v)
end
redis.call('HSET', 'loa:job:big', 'state', 'done', 'audience', 1, 'total', 3000)
return 1" 0 >/dev/null
C report big > "$T/b.out"
is "big: 00070" "$(row "$T/b.out" 00070)" "500 500 500"
is "big: 00004" "$(row "$T/b.out" 00004)" "500 500 500"
C report big --csv | parse_csv | sed 1d > "$T/b.rows"
is "big csv: 2000 rows" "$(wc -l < "$T/b.rows")" 2000
is "big csv: each once" "$(cut -d'|' -f3 "$T/b.rows" | LC_ALL=C sort -u | wc -l)" 2000
is "big csv: grouped by ward" "$(cut -d'|' -f1 "$T/b.rows" | uniq | tr '\n' ' ')" "00004 00070 "

# --- a rejected job: its error, nothing else
printf '%s' '{"id":"rep4","channels":["sms"],"sms":{"text":"{{nope}}"},"recipients":[{"phone":"0912000301"}]}' > "$T/rep4.json"
write_conf b
start_loa b || exit 1
submit "$T/rep4.json" >/dev/null
wait_for 10 "rep4 rejected" state_is rep4 rejected
stop_loa b
C report rep4 > "$T/r4.out"
is "rejected: exit 0" $? 0
check "rejected: the error" grep -q '^error  .*nope' "$T/r4.out"
check "rejected: footer" grep -qx '0 outcome entries, job total 0' "$T/r4.out"

# --- errors
C report nosuch > /dev/null 2> "$T/ns.err"
is "unknown job: exit 1" $? 1
is "unknown job: message" "$(cat "$T/ns.err")" "loactl: nosuch: no such job"
C report > /dev/null 2>&1
is "no id: exit 2" $? 2
C report a b > /dev/null 2>&1
is "two ids: exit 2" $? 2
C report rep1 --ward > /dev/null 2>&1
is "--ward without a value: exit 2" $? 2
done_testing
