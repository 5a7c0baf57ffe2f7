#!/bin/sh
# t_preview_all.sh -- "loactl preview" over the whole audience (issue 13):
# a flood alert that fits max_segments for most residents but not for two
# with long names is reported (how many, the longest and whose) and exits
# 3; an empty CSV cell for a variable the text uses is a missing_var
# with the variable named; residents opted out by the CSV's opt_out and
# by "loactl optout add" are skipped and left out of the cost; explicit
# recipients are all rendered too; preview and "send --test" take the
# same sample resident; the --json shape.  The directory is imported with
# "loactl import", as an operator makes it.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
C() { $LOACTL -c "$T/a.conf" "$@"; }

write_conf a
echo "price_per_segment = 250" >> "$T/a.conf"	# [provider.console]

printf '%s\n' 'code,name,district' \
    '00070,Phường Hoàn Kiếm,Hoàn Kiếm' \
    '00004,Phường Ba Đình,Ba Đình' > "$T/wards.csv"
# Ids sort p01 < p02 < ...; SSCAN's order is another one.  p04 and p05
# have long names; p06 opts out in the CSV, p07 with "optout add"; p08's
# to_dan_pho cell is empty.
printf '%s\n' 'id,ward,phone,name,opt_out,to_dan_pho' \
    'p05,00070,0912000005,Tôn Nữ Thị Hoàng Phương Thảo Nguyên Khánh Linh,0,Tổ 5' \
    'p03,00070,0912000003,Lan,0,Tổ 3' \
    'p08,00070,0912000008,Hà,0,' \
    'p01,00070,0912000001,An,0,Tổ 1' \
    'p06,00070,0912000006,Sáu,1,Tổ 6' \
    'p04,00070,0912000004,Nguyễn Thị Phương Thảo Hoàng Lan Anh Thư Ngọc,0,Tổ 4' \
    'p02,00070,0912000002,Bình,0,Tổ 2' \
    'p07,00070,0912000007,Bảy,0,Tổ 7' \
    'q01,00004,0912000011,Mười Một,0,Tổ 1' > "$T/residents.csv"
C import wards "$T/wards.csv" > /dev/null
is "wards imported" $? 0
C import residents "$T/residents.csv" > /dev/null
is "residents imported" $? 0
C optout add 0912000007 > /dev/null
is "p07 opted out" $? 0

# --- the flood alert: 2 UCS-2 segments (at most 134 units) for short
# names, 3 for p04 and p05, whose names are long
cat > "$T/flood.json" <<'JSON'
{"id":"flood","audience":{"wards":["00070"]},"channels":["sms"],
 "sms":{"text":"CẢNH BÁO LŨ: nước sông Hồng lên nhanh, đê Hữu Hồng nguy hiểm. {{name}} chuẩn bị sơ tán theo loa phường, gọi 112 khi cần.","unicode":"auto","max_segments":2}}
JSON
C preview "$T/flood.json" > "$T/flood.out" 2> "$T/flood.err"
is "flood: exit 3 (recipients would fail)" $? 3
check "flood: two would fail too_long" grep -q \
    '^  would fail: 2 recipients (too_long 2, missing_var 0, bad_text 0)' "$T/flood.out"
check "flood: sms line counts them" grep -q \
    '^  sms: 6 tried, 4 sent (8 segments), 2 too_long, 0 missing_var$' "$T/flood.out"
check "flood: the longest is p05's, masked, 3 segments" grep -q \
    '^    longest: 3 segments, [0-9]* characters (ucs2), p05 8491\*\*\*\*005, ward 00070: more than max_segments 2$' "$T/flood.out"
check "flood: said on stderr" grep -q 'flood.json: 2 recipients would fail (too_long 2' "$T/flood.err"
C preview "$T/flood.json" --json > "$T/flood.jout"
is "flood --json: exit 3" $? 3
is "flood --json: counts" "$(jq -c '[.exit, .renders[0].tried, .renders[0].sent, .renders[0].too_long, .would_fail.too_long, .would_fail.total]' "$T/flood.jout")" \
    '[3,6,4,2,2,2]'
is "flood --json: the longest" "$(jq -c '.renders[0].longest | [.id, .phone, .ward, .segments, .encoding]' "$T/flood.jout")" \
    '["p05","8491****005","00070",3,"ucs2"]'
# Opted out: p06 (CSV) and p07 (optout add) are skipped, not counted.
is "opted out: skipped" "$(jq -c '.audience.skipped | [.opted_out, .total]' "$T/flood.jout")" '[2,2]'
is "opted out: per ward" "$(jq -c '.audience.wards[0] | [.code, .residents, .skipped]' "$T/flood.jout")" '["00070",8,2]'
is "cost: only the 4 SMS that go out (2 segments each)" \
    "$(jq -c '.cost | [.recipients, .segments, .price_per_segment, .total]' "$T/flood.jout")" '[4,8,250,2000]'
check "cost line" grep -q '^estimated SMS cost: 4 SMS, 8 segments x 250 = 2000$' "$T/flood.out"
# The sample is still shown in full: p01, 2 segments.
check "flood: the sample is p01" grep -q '^sample: p01 (directory resident)$' "$T/flood.out"
check "flood: its text in full" grep -q '^  | CẢNH BÁO LŨ: nước sông Hồng lên nhanh, đê Hữu Hồng nguy hiểm. An chuẩn bị' "$T/flood.out"
# With max_segments 3 nobody fails: exit 0.
sed 's/"max_segments":2/"max_segments":3/' "$T/flood.json" > "$T/flood3.json"
C preview "$T/flood3.json" > "$T/flood3.out" 2>&1
is "max_segments 3: exit 0" $? 0
check "max_segments 3: none would fail" grep -q '^  would fail: none$' "$T/flood3.out"
check "max_segments 3: cost of 6 SMS" grep -q '^estimated SMS cost: 6 SMS, 14 segments x 250 = 3500$' "$T/flood3.out"

# --- missing_var: p08's empty to_dan_pho cell
cat > "$T/tdp.json" <<'JSON'
{"id":"tdp","audience":{"wards":["00070","00004"]},"channels":["sms"],
 "sms":{"text":"Họp {{to_dan_pho}} tối nay","unicode":"never"}}
JSON
C preview "$T/tdp.json" > "$T/tdp.out" 2> "$T/tdp.err"
is "missing_var: exit 3" $? 3
check "missing_var: the variable and how many" grep -q '^    missing_var {{to_dan_pho}}: 1$' "$T/tdp.out"
check "missing_var: would fail" grep -q '^  would fail: 1 recipient (too_long 0, missing_var 1, bad_text 0)' "$T/tdp.out"
C preview "$T/tdp.json" --json > "$T/tdp.jout"
is "missing_var --json" "$(jq -c '[.renders[0].missing_var, .renders[0].missing_vars, .would_fail.missing_var, .audience.to_send]' "$T/tdp.jout")" \
    '[1,{"to_dan_pho":1},1,7]'
is "missing_var: both wards walked" "$(jq -c '[.audience.wards[] | "\(.code)=\(.residents)"]' "$T/tdp.jout")" '["00070=8","00004=1"]'
C preview "$T/tdp.json" --resident p08 > "$T/p08.out"
check "--resident p08 shows why" grep -q '^sms: not rendered: missing_var {{to_dan_pho}}' "$T/p08.out"

# --- explicit recipients: every one rendered, not only the first
cat > "$T/rc.json" <<'JSON'
{"id":"rc","channels":["sms"],"sms":{"text":"{{name}}: nuoc len","max_segments":1},
 "recipients":[{"id":"a","phone":"0913000001","name":"An"},
  {"id":"b","phone":"0913000002","name":"Bình"},
  {"id":"c","phone":"0913000003"}]}
JSON
C preview "$T/rc.json" --json > "$T/rc.jout" 2> "$T/rc.err"
is "recipients: exit 3 (c has no name)" $? 3
is "recipients: c fails missing_var" "$(jq -c '[.renders[0].sent, .renders[0].missing_vars, .sample.id]' "$T/rc.jout")" \
    '[2,{"name":1},"a"]'

# --- --json shape
is "--json: top-level keys" "$(jq -c 'keys' "$T/flood.jout")" \
    '["audience","channels","cost","exit","job","ok","renders","sample","would_fail"]'
is "--json: audience keys" "$(jq -c '.audience | keys' "$T/flood.jout")" \
    '["columns_error","skipped","to_send","total","type","unknown_wards","wards"]'
is "--json: skipped keys" "$(jq -c '.audience.skipped | keys' "$T/flood.jout")" \
    '["bad_phone","duplicate","no_channel","opted_out","total"]'
is "--json: render keys" "$(jq -c '.renders[0] | keys' "$T/flood.jout")" \
    '["bad_text","channel","longest","missing_var","missing_vars","segments","sent","too_long","tried"]'
is "--json: would_fail keys" "$(jq -c '.would_fail | keys' "$T/flood.jout")" \
    '["bad_text","missing_var","too_long","total"]'
is "--json: cost keys" "$(jq -c '.cost | keys' "$T/flood.jout")" \
    '["price_per_segment","provider","recipients","segments","total"]'
check "--json: no full phone outside the message" sh -c \
    "! jq -c 'del(.channels)' '$T/flood.jout' | grep -Eq '(84|0)9[0-9]{8}'"

# --- preview and send --test take the same sample, every time
cat > "$T/hello.json" <<'JSON'
{"id":"hello","audience":{"wards":["00070"]},"channels":["sms"],
 "sms":{"text":"Xin chao {{name}} ({{to_dan_pho}})","unicode":"never"}}
JSON
C preview "$T/hello.json" --json > "$T/hello.jout"
is "preview sample" "$(jq -r '.sample.id' "$T/hello.jout")" p01
start_loa a || exit 1
for n in 1 2 3; do
	C send "$T/hello.json" --test 0988765432 > /dev/null
	is "send --test $n exits 0" $? 0
	is "send --test $n rendered for the preview's sample" \
	    "$(tail -1 "$T/console.out" | jq -r .text)" "Xin chao An (To 1)"
done
# --resident picks another sample, as preview's --resident does
C preview "$T/hello.json" --resident p03 > "$T/hello.p03" 2>&1
check "preview --resident p03 renders for Lan" grep -qF "Xin chao Lan (To 3)" "$T/hello.p03"
C send "$T/hello.json" --test 0988765432 --resident p03 > /dev/null
is "send --test --resident p03 exits 0" $? 0
is "send --test --resident p03 rendered for p03" \
    "$(tail -1 "$T/console.out" | jq -r .text)" "Xin chao Lan (To 3)"
C send "$T/hello.json" --test 0988765432 --resident nosuch > /dev/null 2> "$T/nosuch.err"
is "send --test --resident nosuch exits 1" $? 1
check "and says so" grep -q "no such resident" "$T/nosuch.err"
# An id with ':' is data, never part of a key: a hash planted at
# loa:resident:p03:x is not found through --resident p03:x.
R HSET loa:resident:p03:x phone 84912000099 name Planted ward 00070 >/dev/null
C preview "$T/hello.json" --resident p03:x > "$T/planted.out" 2>&1
is "preview --resident p03:x exits 1" $? 1
check "preview --resident p03:x: not the planted hash" sh -c "! grep -q Planted '$T/planted.out'"
C send "$T/hello.json" --test 0988765432 --resident p03:x > /dev/null 2> "$T/planted.err"
is "send --test --resident p03:x exits 1" $? 1
check "and says there is no such resident" grep -q "no such resident" "$T/planted.err"
C send "$T/hello.json" --resident p03 > /dev/null 2>&1
is "--resident without --test is bad usage" $? 2
C send "$T/rc.json" --test 0988765432 --resident '#1' > /dev/null
is "explicit job: send --test --resident #1 exits 0" $? 0
is "explicit job: rendered for its second recipient" \
    "$(tail -1 "$T/console.out" | jq -r .text)" "Binh: nuoc len"
is "the test phone only" "$(jq -r .to "$T/console.out" | sort -u)" 84988765432
stop_loa a
done_testing
