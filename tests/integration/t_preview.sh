#!/bin/sh
# t_preview.sh -- "loactl preview": audience per ward (explicit recipients
# and the directory), the sample resident, the exact SMS text with its
# encoding and segments, too_long, the Zalo payload, missing_var, the
# SMS cost, --json, errors, masking, and that nothing is written to
# Redis (every command it sends is a read, the resolve script goes as
# EVAL_RO, and DBSIZE does not move).  Whole-audience checks and exit 3:
# t_preview_all.sh.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1

# The directory: two wards of Hoàn Kiếm's district and one elsewhere.
R HSET loa:ward:00070 name "Phường Hoàn Kiếm" district "" >/dev/null
R HSET loa:ward:00004 name "Phường Ba Đình" district "Ba Đình" >/dev/null
R HSET loa:ward:00008 name "Phường Ngọc Hà" district "Ba Đình" >/dev/null
R SADD loa:wards 00070 00004 00008 >/dev/null
R SADD loa:ward:00070:residents r1 r2 >/dev/null
R SADD loa:ward:00004:residents r3 r4 r5 >/dev/null
R HSET loa:resident:r1 phone 84912345678 name "Bà Lan" ward 00070 \
    var:to_dan_pho "Tổ 5" >/dev/null
R HSET loa:resident:r2 phone 84987654321 ward 00070 \
    var:to_dan_pho "Tổ 7" >/dev/null
R HSET loa:resident:r3 phone 84983111222 name "Ông Đức" ward 00004 \
    channels sms var:to_dan_pho "Tổ 1" >/dev/null
R HSET loa:resident:r4 phone 84983111333 name "Chị Hoa" ward 00004 \
    var:to_dan_pho "Tổ 2" >/dev/null
R HSET loa:resident:r5 phone 84983111444 name "Anh Minh" ward 00004 \
    var:to_dan_pho "Tổ 3" >/dev/null
R SADD loa:optout 84911000003 >/dev/null
R SADD loa:directory:columns to_dan_pho >/dev/null	# as import does

# Every command Redis receives from here on, to prove preview only reads.
redis-cli -s "$SOCK" MONITOR > "$T/monitor.out" 2>/dev/null &
echo $! > "$T/monitor.pid"
sleep 0.2
DB0=$(R DBSIZE)

P() { $LOACTL -r "unix://$SOCK" preview "$@"; }

cat > "$T/vn.json" <<'JSON'
{"id":"hk-vn","sender":"UBND phường Hoàn Kiếm",
 "audience":{"wards":["00070"]},"channels":["sms"],
 "sms":{"text":"{{ward_name}} thông báo: {{body}} Kính gửi {{name}}.","unicode":"never"},
 "vars":{"body":"Cắt điện 8h-11h ngày 28/11 để bảo dưỡng lưới điện trên phố Hàng Bạc."}}
JSON
sed 's/"unicode":"never"/"unicode":"auto"/' "$T/vn.json" > "$T/vn-auto.json"

# --- the default sample: the resident whose id sorts first in the first
# non-empty ward.  r2 has no name, so {{name}} fails for it: exit 3.
P "$T/vn.json" > "$T/default.out" 2>&1
is "default sample: exit 3 (r2 would fail missing_var)" $? 3
check "default sample is the first resident of the ward" grep -q '^sample: r1 (directory resident)$' "$T/default.out"
sed 's/"wards":\["00070"\]/"wards":["00008","00004"]/' "$T/vn.json" > "$T/empty-first.json"
P "$T/empty-first.json" --json > "$T/empty-first.jout"
is "default sample skips an empty ward" "$(jq -r '.sample.ward' "$T/empty-first.jout")" 00004

# --- SMS, unicode never: diacritics stripped, GSM-7, one segment
P "$T/vn.json" --resident r1 > "$T/vn.out" 2>&1
is "never: exit 3 (r2)" $? 3
is "never: exact text" "$(sed -n 's/^  | //p' "$T/vn.out")" \
    "Phuong Hoan Kiem thong bao: Cat dien 8h-11h ngay 28/11 de bao duong luoi dien tren pho Hang Bac. Kinh gui Ba Lan."
check "never: gsm7, 113 characters, 1 segment" grep -q \
    '^sms: gsm7, 113 characters, 113 units, 1 segment (unicode never, from the job)$' "$T/vn.out"
check "sample is the --resident" grep -q '^sample: r1 (directory resident)$' "$T/vn.out"
check "sample phone masked" grep -q '^  phone     8491\*\*\*\*678$' "$T/vn.out"

# --- unicode auto: Vietnamese kept, UCS-2, 113 units = 2 segments
P "$T/vn-auto.json" --resident r1 > "$T/auto.out" 2>&1
is "auto: exit 3 (r2)" $? 3
is "auto: exact text" "$(sed -n 's/^  | //p' "$T/auto.out")" \
    "Phường Hoàn Kiếm thông báo: Cắt điện 8h-11h ngày 28/11 để bảo dưỡng lưới điện trên phố Hàng Bạc. Kính gửi Bà Lan."
check "auto: ucs2, 2 segments" grep -q \
    '^sms: ucs2, 113 characters, 113 units, 2 segments (unicode auto, from the job)$' "$T/auto.out"

# --- a 3-segment message (400 GSM-7 characters: 153 + 153 + 94), and
# too_long once max_segments is 2
body=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "Thong bao " }')
printf '{"id":"long","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"{{body}}","max_segments":3},"vars":{"body":"%s"}}' \
    "$body" > "$T/long3.json"
sed 's/"max_segments":3/"max_segments":2/' "$T/long3.json" > "$T/long2.json"
P "$T/long3.json" --json > "$T/long3.jout"
is "3 segments: exit 0" $? 0
is "3 segments" "$(jq -r '.channels[0] | "\(.encoding) \(.chars) \(.segments) \(.too_long) \(.ok)"' "$T/long3.jout")" \
    "gsm7 400 3 false true"
P "$T/long2.json" > "$T/long2.out"
is "too_long: exit 3 (every resident would fail)" $? 3
check "too_long said" grep -q '^  too_long: 3 segments, more than max_segments 2' "$T/long2.out"
P "$T/long2.json" --json > "$T/long2.jout"
is "too_long in JSON" "$(jq -r '.channels[0] | "\(.too_long) \(.reason) \(.segments) \(.max_segments)"' "$T/long2.jout")" \
    "true too_long 3 2"

# --- Zalo payload and channel order; missing_var for a resident
# without a name (r2), chosen with --resident
cat > "$T/zalo.json" <<'JSON'
{"id":"hk-zalo","sender":"UBND phường Hoàn Kiếm",
 "audience":{"wards":["00070"]},"channels":["zalo","sms"],
 "sms":{"text":"{{name}} ({{to_dan_pho}}): {{body}}","unicode":"auto"},
 "zalo":{"template_id":"231768","data":{"ten":"{{name}}","to":"{{to_dan_pho}}","noi_dung":"{{body}}","don_vi":"{{sender}}"}},
 "vars":{"body":"Cắt điện 8h-11h."}}
JSON
P "$T/zalo.json" --resident r1 --json > "$T/zalo.jout"
is "zalo: exit 3 (r2)" $? 3
is "zalo first" "$(jq -r '[.channels[].channel] | join(",")' "$T/zalo.jout")" "zalo,sms"
is "zalo template_id" "$(jq -r '.channels[0].template_id' "$T/zalo.jout")" 231768
is "zalo payload" "$(jq -cS '.channels[0].template_data' "$T/zalo.jout")" \
    '{"don_vi":"UBND phường Hoàn Kiếm","noi_dung":"Cắt điện 8h-11h.","ten":"Bà Lan","to":"Tổ 5"}'
P "$T/zalo.json" --resident r1 > "$T/zalo.out"
check "zalo payload in the text output" grep -qF \
    '  | {"ten":"Bà Lan","to":"Tổ 5","noi_dung":"Cắt điện 8h-11h.","don_vi":"UBND phường Hoàn Kiếm"}' "$T/zalo.out"
P "$T/zalo.json" --resident r2 > "$T/miss.out"
is "missing_var: exit 3" $? 3
check "missing_var on zalo" grep -q '^  not rendered: missing_var {{name}}' "$T/miss.out"
check "missing_var on sms" grep -q '^sms: not rendered: missing_var {{name}}' "$T/miss.out"
P "$T/zalo.json" --resident r2 --json > "$T/miss.jout"
is "missing_var in JSON" "$(jq -r '[.channels[] | "\(.ok):\(.reason):\(.missing)"] | join(" ")' "$T/miss.jout")" \
    "false:missing_var:name false:missing_var:name"
is "--resident picks r2" "$(jq -r '.sample.id' "$T/miss.jout")" r2

# --- --resident from another ward: rendered with that ward, noted
P "$T/zalo.json" --resident r3 > "$T/r3.out"
check "--resident r3 rendered" grep -qF '  | Ông Đức (Tổ 1): Cắt điện 8h-11h.' "$T/r3.out"
check "r3 is outside this audience" grep -q "not in this job's audience" "$T/r3.out"
check "r3 excludes zalo" grep -q 'the daemon passes over zalo' "$T/r3.out"
P "$T/zalo.json" --resident nobody > "$T/nobody.out" 2>&1
is "unknown --resident: exit 1" $? 1
check "unknown --resident said" grep -q 'resident nobody: no such resident in the directory' "$T/nobody.out"

# --- audiences: wards, districts, all
cat > "$T/aud.json" <<'JSON'
{"audience":{"wards":["00070","00004"]},"channels":["sms"],"sms":{"text":"{{ward_name}}, {{district}}: {{name}}"}}
JSON
P "$T/aud.json" > "$T/aud.out"
is "wards: exit 3 (r2 has no name)" $? 3
check "ward 00070: 2 residents" grep -q '^ward 00070  2 residents  Phường Hoàn Kiếm$' "$T/aud.out"
check "ward 00004: 3 residents" grep -q '^ward 00004  3 residents  Phường Ba Đình (Ba Đình)$' "$T/aud.out"
check "total 5 in 2 wards" grep -q '^total 5 residents in 2 wards, 0 skipped before sending' "$T/aud.out"
check "job without id" grep -q '^job: (no id' "$T/aud.out"
P "$T/aud.json" --resident r4 > "$T/r4.out"
is "district rendered from the ward hash" "$(sed -n 's/^  | //p' "$T/r4.out")" \
    "Phuong Ba Dinh, Ba Dinh: Chi Hoa"
sed 's/"wards":\["00070","00004"\]/"districts":["Ba Đình"]/' "$T/aud.json" > "$T/dist.json"
P "$T/dist.json" --json > "$T/dist.jout"
is "districts: exit 0" $? 0
is "districts: wards of Ba Đình" "$(jq -r '[.audience.wards[] | "\(.code)=\(.residents)"] | join(" ")' "$T/dist.jout")" \
    "00004=3 00008=0"
is "districts: total" "$(jq -r '.audience.total' "$T/dist.jout")" 3
is "districts: sample from the first non-empty ward" "$(jq -r '.sample.ward' "$T/dist.jout")" 00004
sed 's/"wards":\["00070","00004"\]/"all":true/' "$T/aud.json" > "$T/all.json"
P "$T/all.json" --json > "$T/all.jout"
is "all: every ward" "$(jq -r '[.audience.wards[].code] | join(" ")' "$T/all.jout")" "00004 00008 00070"
is "all: total" "$(jq -r '.audience.total' "$T/all.jout")" 5

# --- unknown ward or district: exit 1, as the daemon rejects the job
sed 's/"00004"/"00999"/' "$T/aud.json" > "$T/unk.json"
P "$T/unk.json" > "$T/unk.out" 2> "$T/unk.err"
is "unknown ward: exit 1" $? 1
check "unknown ward listed" grep -q '^unknown ward 00999: not in the directory$' "$T/unk.out"
check "unknown ward on stderr" grep -q 'unknown ward "00999": the daemon will reject this job' "$T/unk.err"
check "known ward still counted" grep -q '^total 2 residents in 1 ward, ' "$T/unk.out"
P "$T/unk.json" --json > "$T/unk.jout" 2>/dev/null
is "unknown ward in JSON" "$(jq -c '[.ok, .audience.unknown_wards]' "$T/unk.jout")" '[false,["00999"]]'
sed 's/"wards":\["00070","00004"\]/"districts":["Ba Đình","Tây Hồ"]/' "$T/aud.json" > "$T/unkd.json"
P "$T/unkd.json" > /dev/null 2> "$T/unkd.err"
is "unknown district: exit 1" $? 1
check "unknown district said" grep -q 'unknown district "Tây Hồ"' "$T/unkd.err"

# --- a variable that no directory column has: the daemon rejects it
printf '{"audience":{"all":true},"channels":["sms"],"sms":{"text":"{{so_nha}}"}}' > "$T/col.json"
P "$T/col.json" > "$T/col.out" 2> "$T/col.err"
is "unknown column: exit 1" $? 1
check "unknown column said" grep -q 'variable {{so_nha}} is not defined.*the daemon will reject this job' "$T/col.err"
check "unknown column in the preview" grep -q '^rejected: sms.text: variable {{so_nha}}' "$T/col.out"
check "unknown column: still rendered (missing_var)" grep -q '^sms: not rendered: missing_var {{so_nha}}' "$T/col.out"

# --- explicit recipients: per ward, skipped before sending
cat > "$T/rcpt.json" <<'JSON'
{"id":"rc","channels":["sms"],"sms":{"text":"Xin chào {{name}}, {{phone}}","unicode":"never"},
 "recipients":[
  {"id":"a","phone":"0911000001","name":"An","ward":"00070"},
  {"id":"b","phone":"+84 911 000 001","name":"Bình (trùng)","ward":"00070"},
  {"id":"c","phone":"12345","name":"Cường","ward":"00004"},
  {"id":"d","phone":"0911000003","name":"Dũng","ward":"00004"},
  {"id":"e","zalo_uid":"777","name":"Em"},
  {"id":"f","phone":"0911000004","name":"Phương"}]}
JSON
P "$T/rcpt.json" > "$T/rcpt.out"
is "recipients: exit 0" $? 0
check "ward 00004: 2, 2 skipped" grep -q '^ward 00004   2 recipients, 2 skipped  Phường Ba Đình (Ba Đình)$' "$T/rcpt.out"
check "ward 00070: 2, 1 skipped" grep -q '^ward 00070   2 recipients, 1 skipped  Phường Hoàn Kiếm$' "$T/rcpt.out"
check "no ward: 2, 1 skipped" grep -q '^ward (none)  2 recipients, 1 skipped$' "$T/rcpt.out"
check "totals and reasons" grep -q \
    '^total 6 recipients, 4 skipped before sending (opted_out 1, duplicate 1, bad_phone 1, no_channel 1), 2 to send$' "$T/rcpt.out"
is "explicit sample text (phone unmasked in the message only)" \
    "$(sed -n 's/^  | //p' "$T/rcpt.out")" "Xin chao An, 0911000001"
P "$T/rcpt.json" --resident '#5' --json > "$T/r5.jout"
is "--resident #5" "$(jq -r '"\(.sample.id) \(.sample.index) \(.channels[0].text)"' "$T/r5.jout")" \
    "f 5 Xin chao Phuong, 0911000004"
P "$T/rcpt.json" --resident d --json > "$T/rd.jout"
is "--resident by id: opted out" "$(jq -r '"\(.sample.id) \(.sample.skipped)"' "$T/rd.jout")" "d opted_out"
P "$T/rcpt.json" --resident '#6' > /dev/null 2> "$T/r6.err"
is "--resident #6 out of range: exit 1" $? 1
check "says no such recipient" grep -q 'no such recipient in the job' "$T/r6.err"
is "recipients JSON: skipped" "$(P "$T/rcpt.json" --json | jq -c '[.audience.total, .audience.skipped, .audience.to_send]')" \
    '[6,{"opted_out":1,"duplicate":1,"bad_phone":1,"no_channel":1,"total":4},2]'
is "recipients JSON: (none) is null" "$(P "$T/rcpt.json" --json | jq -c '.audience.wards[-1] | [.code, .recipients, .skipped]')" \
    '[null,2,1]'

# --- estimated cost, from a config with price_per_segment
cat > "$T/cost.conf" <<EOF
[redis]
url = unix://$SOCK
[provider.zalo]
plugin = console
channel = zalo
price_per_segment = 99
[provider.esms]
plugin = console
channel = sms
price_per_segment = 450
unicode = auto
EOF
$LOACTL -c "$T/cost.conf" preview "$T/aud.json" --resident r1 > "$T/cost.out"
is "cost: exit 3 (r2)" $? 3
check "cost line (4 of 5 residents get 1 segment)" grep -q '^estimated SMS cost: 4 SMS, 4 segments x 450 = 1800$' "$T/cost.out"
check "cost names the provider and what it counts" grep -q 'price_per_segment of \[provider.esms\]; the SMS of every recipient who would get one' "$T/cost.out"
check "unicode from the provider section" grep -q '(unicode auto, from \[provider.esms\])' "$T/cost.out"
$LOACTL -c "$T/cost.conf" preview "$T/vn-auto.json" --resident r1 > "$T/cost2.out"
check "cost with 2 segments (r1 only)" grep -q '^estimated SMS cost: 1 SMS, 2 segments x 450 = 900$' "$T/cost2.out"
$LOACTL -c "$T/cost.conf" preview "$T/rcpt.json" --json > "$T/cost3.jout"
is "cost JSON (recipients to send)" "$(jq -c '.cost | [.provider, .price_per_segment, .recipients, .segments, .total]' "$T/cost3.jout")" \
    '["esms",450,2,2,900]'
P "$T/aud.json" > "$T/nocost.out"
check "no price, no cost line" sh -c "! grep -q 'estimated SMS cost' '$T/nocost.out'"
is "no price: cost null" "$(P "$T/aud.json" --json | jq -c .cost)" null

# --- --json is one JSON object
P "$T/zalo.json" --json > "$T/one.jout"
is "--json: one line" "$(wc -l < "$T/one.jout" | tr -d ' ')" 1
check "--json parses" jq -e 'type == "object" and .job == "hk-zalo"' "$T/one.jout"

# --- masking: no full phone outside the message text
for f in "$T"/*.out "$T"/*.err; do
	[ "$f" = "$T/monitor.out" ] && continue
	grep -v '^  | ' "$f"
done > "$T/shown"
check "no full phone number printed outside messages" sh -c "! grep -Eq '(84|0)9[0-9]{8}' '$T/shown'"
for f in "$T"/*.jout; do
	jq -c 'del(.channels)' "$f"
done > "$T/jshown"
check "no full phone number in JSON outside messages" sh -c "! grep -Eq '(84|0)9[0-9]{8}' '$T/jshown'"

# --- bad input: the job's own error, bad usage
printf '{"channels":["sms"],"sms":{"text":"x"}}' > "$T/bad.json"
P "$T/bad.json" > /dev/null 2> "$T/bad.err"
is "invalid job: exit 1" $? 1
is "invalid job: reason" "$(cat "$T/bad.err")" "loactl: $T/bad.json: want either \"audience\" or \"recipients\""
P "$T/nonexistent.json" > /dev/null 2> "$T/nofile.err"
is "missing file: exit 1" $? 1
P > /dev/null 2>&1
is "no FILE: exit 2" $? 2
P "$T/aud.json" --bogus > /dev/null 2>&1
is "unknown option: exit 2" $? 2
check "help lists preview" sh -c "$LOACTL -h | grep -q 'preview FILE \[--resident ID\] \[--json\]'"

# --- nothing was written: same DBSIZE, and only read commands were sent
is "DBSIZE unchanged" "$(R DBSIZE)" "$DB0"
sleep 0.2
kill "$(cat "$T/monitor.pid")" 2>/dev/null
rm -f "$T/monitor.pid"
sed -n 's/^[0-9.]* \[[^]]*\] "\([A-Za-z_]*\)".*/\1/p' "$T/monitor.out" |
    tr a-z A-Z | sort -u > "$T/commands"
check "preview sent commands" test -s "$T/commands"
is "only reads" "$(grep -Ev '^(EVAL_RO|HMGET|HGETALL|SMEMBERS|SSCAN|SMISMEMBER|DBSIZE)$' "$T/commands" | tr '\n' ' ')" ""

done_testing
