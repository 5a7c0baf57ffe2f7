#!/bin/sh
# t_console_api.sh -- the console's API routes (issue 15, capi.c):
# POST /v1/preview answers exactly what "loactl preview --json" prints
# for the same job and directory (skipped reasons, too_long,
# missing_var, cost, explicit recipients, an empty audience), refuses a
# job the daemon would refuse with POST /v1/jobs's message (400), a
# caller without credentials or with a wrong token (401), a GET (405)
# and a body over max_job_size (413).  GET /v1/jobs/<id>/preview
# answers the same for the stored job.  GET /v1/providers answers what
# "loactl provider list --json" prints; POST /v1/providers/NAME/pause
# and /resume are seen by "loactl provider list", refuse an unknown
# provider (404, nothing written), a bad name (400), callers without
# credentials (401).  GET /v1/jobs/<id>/report.csv answers byte for
# byte what "loactl report ID --csv" writes (an audience job with every
# kind of outcome, a formula and a phone number in its cells; an
# explicit job; one of many HSCAN rounds) as a CSV attachment; 404 for
# no such job, 400 for a bad id, 401/405.
#
# Who may (AUTH's named tokens): a drafter of ward 00070 previews a job
# of 00070 and reads its report and stored preview; a drafter of 00004
# gets 403 for the same (audited "denied"), as for a job of every ward;
# any caller lists the providers; only the admin pauses and resumes
# them (a drafter or approver: 403, nothing written), audited
# provider_pause and provider_resume.
. "$(dirname "$0")/lib.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"
write_conf a
{
	echo "price_per_segment = 250"		# [provider.console]
	echo "[provider.spare]"
	echo "plugin = console"
	echo "output = $T/spare.out"
} >> "$T/a.conf"
sed -i "s|^listen = 127.0.0.1:0|listen = 127.0.0.1:0\ntoken_file = $T/token|" \
    "$T/a.conf"
C() { $LOACTL -c "$T/a.conf" "$@"; }

start_redis || exit 1
printf '%s\n' 'code,name,district' \
    '00070,Phường Hoàn Kiếm,Hoàn Kiếm' \
    '00004,Phường Ba Đình,Ba Đình' \
    '00008,Phường Trống,Ba Đình' > "$T/wards.csv"
# p04, p05: long names (too_long); p06 opts out in the CSV, p07 by
# "optout add"; p08 lacks to_dan_pho; p09 has p01's phone (duplicate);
# p10 a landline (bad_phone: planted, import refuses it).
printf '%s\n' 'id,ward,phone,name,opt_out,to_dan_pho' \
    'p05,00070,0912000005,Tôn Nữ Thị Hoàng Phương Thảo Nguyên Khánh Linh,0,Tổ 5' \
    'p03,00070,0912000003,Lan,0,Tổ 3' \
    'p08,00070,0912000008,Hà,0,' \
    'p01,00070,0912000001,An,0,Tổ 1' \
    'p06,00070,0912000006,Sáu,1,Tổ 6' \
    'p04,00070,0912000004,Nguyễn Thị Phương Thảo Hoàng Lan Anh Thư Ngọc,0,Tổ 4' \
    'p02,00070,0912000002,Bình,0,Tổ 2' \
    'p07,00070,0912000007,Bảy,0,Tổ 7' \
    'p09,00070,0912000001,Chín,0,Tổ 9' \
    'q01,00004,0912000011,Mười Một,0,Tổ 1' > "$T/residents.csv"
C import wards "$T/wards.csv" > /dev/null
is "wards imported" $? 0
C import residents "$T/residents.csv" > /dev/null
is "residents imported" $? 0
C optout add 0912000007 > /dev/null
is "p07 opted out" $? 0
R HSET loa:resident:p10 ward 00070 phone 0241234567 name Mười \
    var:to_dan_pho 'Tổ 10' > /dev/null
R SADD loa:ward:00070:residents p10 > /dev/null

start_loa a || { cat "$T/a.out"; exit 1; }
URL=http://127.0.0.1:$(http_port a)
AUTH="Authorization: Bearer $TOKEN"
# Named tokens: drafters of 00070 and of 00004, an approver of 00070.
D70="Authorization: Bearer $(C token add d70 --wards 00070)"
D04="Authorization: Bearer $(C token add d04 --wards 00004)"
A70="Authorization: Bearer $(C token add a70 --wards 00070 --role approver)"
# denied WHO TARGET: the last audit entry is WHO's "denied" of TARGET.
denied() {
	is "$1 on $2: audited denied" "$(R XREVRANGE loa:audit + - COUNT 1 |
	    tr '\n' ' ' | grep -o "actor $1 action denied target $2")" \
	    "actor $1 action denied target $2"
}
# req PATH [curl args]: the status code; the body in $T/body.
req() {
	local p
	p=$1
	shift
	curl -s -o "$T/body" -w '%{http_code}' --max-time 30 "$@" "$URL$p"
}
# same NAME FILE: POST /v1/preview of FILE answers 200 and the very JSON
# "loactl preview --json FILE" prints.
same() {
	C preview "$2" --json > "$T/$1.ctl" 2>/dev/null
	is "$1: POST /v1/preview answers 200" \
	    "$(req /v1/preview -H "$AUTH" --data-binary @"$2")" 200
	jq -S . "$T/$1.ctl" > "$T/$1.ctl.s"
	jq -S . "$T/body" > "$T/$1.api.s" 2>/dev/null
	check "$1: the same JSON as loactl preview --json" \
	    cmp -s "$T/$1.ctl.s" "$T/$1.api.s" ||
	    diff "$T/$1.ctl.s" "$T/$1.api.s" | head -20
}

# --- too_long, skipped (opted_out x2, duplicate, bad_phone), cost
cat > "$T/flood.json" <<'JSON'
{"id":"flood","audience":{"wards":["00070"]},"channels":["sms"],
 "sms":{"text":"CẢNH BÁO LŨ: nước sông Hồng lên nhanh, đê Hữu Hồng nguy hiểm. {{name}} chuẩn bị sơ tán theo loa phường, gọi 112 khi cần.","unicode":"auto","max_segments":2}}
JSON
same flood "$T/flood.json"
is "flood: the figures" "$(jq -S -c '[.exit, .audience.skipped, .renders[0].too_long, .cost.total, .sample.id]' "$T/body")" \
    '[3,{"bad_phone":1,"duplicate":1,"no_channel":0,"opted_out":2,"total":4},2,2000,"p01"]'
check "flood: no full phone outside the message" sh -c \
    "! jq -c 'del(.channels)' '$T/body' | grep -Eq '(84|0)9[0-9]{8}'"

# --- missing_var over two wards, a district, every ward
cat > "$T/tdp.json" <<'JSON'
{"id":"tdp","audience":{"wards":["00070","00004"]},"channels":["sms"],
 "sms":{"text":"Họp {{to_dan_pho}} tối nay","unicode":"never"}}
JSON
same tdp "$T/tdp.json"
is "tdp: missing_var counted" "$(jq -c '[.renders[0].missing_vars, .would_fail.missing_var]' "$T/body")" \
    '[{"to_dan_pho":1},1]'
printf '%s' '{"audience":{"districts":["Ba Đình"]},"channels":["sms","zalo"],"sms":{"text":"Xin chao {{name}}"},"zalo":{"template_id":"t1","data":{"n":"{{name}}"}}}' > "$T/dist.json"
same district "$T/dist.json"
printf '%s' '{"audience":{"all":true},"channels":["sms"],"sms":{"text":"Mất điện {{ward_name}}"}}' > "$T/all.json"
same all "$T/all.json"
# --- an audience with no resident: no sample, and why
printf '%s' '{"audience":{"wards":["00008"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/empty.json"
same empty "$T/empty.json"
is "empty: no sample" "$(jq -c '[.sample, .no_sample]' "$T/body")" \
    '[null,"the audience has no residents"]'
# --- explicit recipients
cat > "$T/rc.json" <<'JSON'
{"id":"rc","channels":["sms"],"sms":{"text":"{{name}}: nuoc len","max_segments":1},
 "recipients":[{"id":"a","phone":"0913000001","name":"An","ward":"00070"},
  {"id":"b","phone":"0913000002","name":"Bình"},
  {"id":"c","phone":"0913000003"},{"id":"d","phone":"0912000007","name":"D"}]}
JSON
same recipients "$T/rc.json"
is "recipients: c fails, d opted out" "$(jq -c '[.renders[0].missing_vars, .audience.skipped.opted_out]' "$T/body")" \
    '[{"name":1},1]'
# A preview writes nothing: no job, no ingest entry.
is "nothing queued" "$(R XLEN loa:jobs)" 0
is "no job hash" "$(R EXISTS loa:job:flood)" 0

# --- refused: the daemon's own messages (POST /v1/jobs's)
# refused WHAT JOB: POST /v1/jobs refuses JOB with 400, and POST
# /v1/preview with the same status and message.
refused() {
	printf '%s' "$2" > "$T/refused.json"
	is "$1: POST /v1/jobs 400" \
	    "$(req /v1/jobs -H "$AUTH" --data-binary @"$T/refused.json")" 400
	cp "$T/body" "$T/refused.jobs"
	is "$1: POST /v1/preview 400" \
	    "$(req /v1/preview -H "$AUTH" --data-binary @"$T/refused.json")" 400
	is "$1: the same message" "$(jq -r .error "$T/body")" \
	    "$(jq -r .error "$T/refused.jobs")"
}
refused "unknown ward" \
    '{"audience":{"wards":["99999"]},"channels":["sms"],"sms":{"text":"x"}}'
is "not JSON: 400" "$(req /v1/preview -H "$AUTH" --data-binary 'nope')" 400
check "not JSON: says why" grep -q '"error"' "$T/body"
refused "bad channel" \
    '{"audience":{"wards":["00070"]},"channels":["fax"],"sms":{"text":"x"}}'
refused "unknown column" \
    '{"audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"{{nosuch}}"}}'
# --- refused callers
is "no token: 401" "$(req /v1/preview --data-binary @"$T/flood.json")" 401
is "wrong token: 401" "$(req /v1/preview -H 'Authorization: Bearer nope' \
    --data-binary @"$T/flood.json")" 401
check "wrong token: no preview in the answer" sh -c "! grep -q audience '$T/body'"
is "GET: 405" "$(req /v1/preview -H "$AUTH")" 405
head -c 17000000 /dev/zero | tr '\0' ' ' > "$T/big.json"
is "over max_job_size: 413" "$(req /v1/preview -H "$AUTH" --data-binary @"$T/big.json")" 413
# --- preview by ward
is "drafter of 00070 previews a job of 00070: 200" \
    "$(req /v1/preview -H "$D70" --data-binary @"$T/flood.json")" 200
jq -S . "$T/body" > "$T/flood.d70.s" 2>/dev/null
check "... the same preview as the admin's" cmp -s "$T/flood.ctl.s" "$T/flood.d70.s"
is "drafter of 00004 previews a job of 00070: 403" \
    "$(req /v1/preview -H "$D04" --data-binary @"$T/flood.json")" 403
check "... not a figure of it" sh -c "! grep -q audience '$T/body'"
denied d04 flood
is "drafter of 00070, a job of 00070 and 00004: 403" \
    "$(req /v1/preview -H "$D70" --data-binary @"$T/tdp.json")" 403
is "drafter of 00004, a district reaching 00008 too: 403" \
    "$(req /v1/preview -H "$D04" --data-binary @"$T/dist.json")" 403
denied d04 /v1/preview
is "drafter of 00070, every ward: 403" \
    "$(req /v1/preview -H "$D70" --data-binary @"$T/all.json")" 403
is "drafter of 00070, a recipient without a ward: 403" \
    "$(req /v1/preview -H "$D70" --data-binary @"$T/rc.json")" 403
is "approver of 00070 may preview (the submit right): 200" \
    "$(req /v1/preview -H "$A70" --data-binary @"$T/flood.json")" 200

# --- report.csv
R HSET loa:resident:pf ward 00070 phone 84912000099 \
    name '=HYPERLINK("http://x","y")' var:to_dan_pho '@SUM(1)' > /dev/null
R HSET loa:job:rj state done audience 1 total 7 > /dev/null
R SET loa:job:rj:spec '{"channels":["sms","zalo"]}' > /dev/null
R SET loa:job:rj:wards '[["00070","Phường Hoàn Kiếm",""],["00004","Phường Ba Đình",""],["00008","Phường Trống","Ba Đình"]]' > /dev/null
R HSET loa:job:rj:out p01 delivered:sms p02 failed:sms p03 skipped: \
    p04 r:2:1:1790000000000 q01 failed:zalo gone expired: pf failed:sms > /dev/null
R HSET loa:job:rj:why p02 'the provider says 0912345678 is wrong' \
    p03 opted_out pf '+cmd|calc' > /dev/null
R HSET loa:job:rx state sending total 3 > /dev/null
R SET loa:job:rx:spec '{"channels":["sms"],"recipients":[{"id":"a","phone":"0913000001","name":"An","ward":"00070"},{"phone":"0913000002","name":"-2+3"},{"id":"c","phone":"0913000003"}]}' > /dev/null
R HSET loa:job:rx:out '#0' failed:sms '#2' sent:sms > /dev/null
R EVAL "
for i = 0, 2999 do
  local id, w = 'big-' .. i, (i % 2 == 0) and '00070' or '00004'
  redis.call('HSET', 'loa:resident:' .. id, 'phone', string.format('8491%07d', i), 'ward', w)
  redis.call('HSET', 'loa:job:big:out', id, ({'sent:sms', 'failed:sms', 'skipped:'})[i % 3 + 1])
end
redis.call('HSET', 'loa:job:big', 'state', 'done', 'audience', 1, 'total', 3000)
return 1" 0 > /dev/null
for id in rj rx big; do
	C report "$id" --csv > "$T/$id.ctl.csv" 2>/dev/null
	is "report.csv of $id: 200" "$(req "/v1/jobs/$id/report.csv" -H "$AUTH" \
	    -D "$T/$id.head")" 200
	check "report.csv of $id: byte for byte loactl report --csv" \
	    cmp -s "$T/$id.ctl.csv" "$T/body" ||
	    diff "$T/$id.ctl.csv" "$T/body" | head -10
	check "report.csv of $id: text/csv" grep -qi \
	    '^Content-Type: text/csv; charset=utf-8' "$T/$id.head"
	check "report.csv of $id: an attachment" grep -qi \
	    "^Content-Disposition: attachment; filename=\"report-$id.csv\"" \
	    "$T/$id.head"
done
is "big: its 2000 failed and unreached rows" "$(sed 1d "$T/body" | wc -l)" 2000
req /v1/jobs/rj/report.csv -H "$AUTH" > /dev/null
check "rj: a formula cell is defused" grep -q "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" "$T/body"
check "rj: a reason starting with + is defused" grep -q ",'+cmd|calc" "$T/body"
check "rj: no full phone number" sh -c "! grep -Eq '[0-9]{9}' '$T/body'"
is "rj: rows (failed first, then by to_dan_pho)" "$(sed 1d "$T/body" | cut -d, -f1,3 | tr -d '\r' | tr '\n' ' ')" \
    "00004,q01 00070,pf 00070,p02 00070,p03 00070,p04 ,gone "
req /v1/jobs/rx/report.csv -H "$AUTH" > /dev/null
is "rx: the failed and the queued" "$(sed 1d "$T/body" | cut -d, -f3,6 | tr -d '\r' | tr '\n' ' ')" \
    "a,failed #1,queued "
check "rx: a name like a formula is defused" grep -q ",'-2+3," "$T/body"
is "report.csv of no job: 404" "$(req /v1/jobs/nosuch/report.csv -H "$AUTH")" 404
is "report.csv of a bad id: 400" "$(req /v1/jobs/a:b/report.csv -H "$AUTH")" 400
is "report.csv without the token: 401" "$(req /v1/jobs/rj/report.csv)" 401
is "report.csv with a wrong token: 401" \
    "$(req /v1/jobs/rj/report.csv -H 'Authorization: Bearer nope')" 401
check "wrong token: no rows" sh -c "! grep -q p02 '$T/body'"
is "report.csv by POST: 405" "$(req /v1/jobs/rj/report.csv -H "$AUTH" -X POST)" 405
is "another file: 404" "$(req /v1/jobs/rj/report.txt -H "$AUTH")" 404
# --- report.csv by ward: rj reaches 00070, 00004 and 00008; r70 only 00070
R HSET loa:job:r70 state done audience 1 total 1 > /dev/null
R SET loa:job:r70:spec '{"channels":["sms"]}' > /dev/null
R SET loa:job:r70:wards '[["00070","Phường Hoàn Kiếm","Hoàn Kiếm"]]' > /dev/null
R HSET loa:job:r70:out p02 failed:sms > /dev/null
C report r70 --csv > "$T/r70.ctl.csv" 2>/dev/null
is "drafter of 00070, report of a job of 00070: 200" \
    "$(req /v1/jobs/r70/report.csv -H "$D70")" 200
check "... loactl report --csv's bytes" cmp -s "$T/r70.ctl.csv" "$T/body"
is "drafter of 00004, the same report: 403" \
    "$(req /v1/jobs/r70/report.csv -H "$D04")" 403
check "... no row of it" sh -c "! grep -q p02 '$T/body'"
denied d04 r70
is "drafter of 00070, a job reaching 00004 too: 403" \
    "$(req /v1/jobs/rj/report.csv -H "$D70")" 403
is "drafter of 00070, no such job: 404" \
    "$(req /v1/jobs/nosuch/report.csv -H "$D70")" 404

# --- GET /v1/jobs/<id>/preview: the stored job, as POST /v1/preview saw it
R HSET loa:job:flood state awaiting_approval audience 1 total 0 > /dev/null
R SET loa:job:flood:spec "$(jq -c . "$T/flood.json")" > /dev/null
R SET loa:job:flood:wards '[["00070","Phường Hoàn Kiếm","Hoàn Kiếm"]]' > /dev/null
is "stored preview: 200" "$(req /v1/jobs/flood/preview -H "$AUTH")" 200
jq -S . "$T/body" > "$T/flood.stored.s" 2>/dev/null
check "stored preview: what loactl preview --json printed for it" \
    cmp -s "$T/flood.ctl.s" "$T/flood.stored.s" ||
    diff "$T/flood.ctl.s" "$T/flood.stored.s" | head -10
is "stored preview, approver of 00070: 200" \
    "$(req /v1/jobs/flood/preview -H "$A70")" 200
jq -S . "$T/body" > "$T/flood.a70.s" 2>/dev/null
check "... the same" cmp -s "$T/flood.ctl.s" "$T/flood.a70.s"
is "stored preview, drafter of 00004: 403" \
    "$(req /v1/jobs/flood/preview -H "$D04")" 403
check "... not a figure of it" sh -c "! grep -q audience '$T/body'"
denied d04 flood
is "stored preview without credentials: 401" "$(req /v1/jobs/flood/preview)" 401
is "stored preview of no job: 404" "$(req /v1/jobs/nosuch/preview -H "$AUTH")" 404
is "stored preview of a job with no spec: 404" \
    "$(R DEL loa:job:r70:spec >/dev/null; req /v1/jobs/r70/preview -H "$AUTH")" 404
is "stored preview of a bad id: 400" "$(req /v1/jobs/a:b/preview -H "$AUTH")" 400
is "stored preview by POST: 405" "$(req /v1/jobs/flood/preview -H "$AUTH" -X POST)" 405
is "stored preview: nothing queued" "$(R XLEN loa:jobs)" 0

# --- providers
check "the daemon publishes its circuits" wait_for 10 "circuits" sh -c \
    "redis-cli -s '$SOCK' HKEYS loa:provider:spare | grep -q '^circuit:'"
C provider list --json | jq -S -s . > "$T/prov.ctl"
is "GET /v1/providers: 200" "$(req /v1/providers -H "$AUTH")" 200
jq -S . "$T/body" > "$T/prov.api" 2>/dev/null
check "GET /v1/providers: what loactl provider list --json prints" \
    cmp -s "$T/prov.ctl" "$T/prov.api" || diff "$T/prov.ctl" "$T/prov.api"
is "two providers, none paused" "$(jq -c '[.[] | [.name, .paused]]' "$T/body")" \
    '[["console",false],["spare",false]]'
is "pause spare: 200" "$(req /v1/providers/spare/pause -H "$AUTH" -X POST)" 200
is "pause spare: the answer" "$(jq -c . "$T/body")" '{"provider":"spare","paused":true}'
check "loactl provider list sees spare paused" sh -c \
    "$LOACTL -c '$T/a.conf' provider list | grep -q '^spare .*PAUSED since '"
check "loactl provider list sees console active" sh -c \
    "$LOACTL -c '$T/a.conf' provider list | grep -q '^console .*  active$'"
req /v1/providers -H "$AUTH" > /dev/null
is "GET /v1/providers sees it paused" "$(jq -c '[.[] | .paused]' "$T/body")" '[false,true]'
is "resume spare: 200" "$(req /v1/providers/spare/resume -H "$AUTH" -X POST)" 200
is "resume spare: the answer" "$(jq -c . "$T/body")" '{"provider":"spare","paused":false}'
check "loactl provider list sees spare active" sh -c \
    "$LOACTL -c '$T/a.conf' provider list | grep -q '^spare .*  active$'"
# A provider another daemon runs (a fresh circuit) is known too.
now=$(($(date +%s) * 1000))
R HSET loa:provider:other "circuit:elsewhere" "closed $now $now" > /dev/null
is "pause a provider a live daemon runs: 200" \
    "$(req /v1/providers/other/pause -H "$AUTH" -X POST)" 200
is "and it is paused" "$(R HGET loa:provider:other paused)" 1
is "unknown provider: 404" "$(req /v1/providers/nosuch/pause -H "$AUTH" -X POST)" 404
is "unknown provider: says which are known" "$(jq -r .error "$T/body")" \
    "unknown provider nosuch (known: console, spare)"
is "unknown provider: nothing written" "$(R EXISTS loa:provider:nosuch)" 0
is "a name with ':': 400" "$(req /v1/providers/a:b/pause -H "$AUTH" -X POST)" 400
is "nothing written for it" "$(R EXISTS loa:provider:a:b)" 0
is "another action: 404" "$(req /v1/providers/spare/stop -H "$AUTH" -X POST)" 404
is "pause by GET: 405" "$(req /v1/providers/spare/pause -H "$AUTH")" 405
is "POST /v1/providers: 405" "$(req /v1/providers -H "$AUTH" -X POST)" 405
is "providers without the token: 401" "$(req /v1/providers)" 401
is "pause without the token: 401" "$(req /v1/providers/spare/pause -X POST)" 401
is "pause with a wrong token: 401" \
    "$(req /v1/providers/spare/pause -X POST -H 'Authorization: Bearer nope')" 401
is "providers with a wrong token: 401" \
    "$(req /v1/providers -H 'Authorization: Bearer nope')" 401
is "the refused pauses wrote nothing" "$(R HGET loa:provider:spare paused)" 0
# --- providers by role
is "a drafter lists the providers: 200" "$(req /v1/providers -H "$D04")" 200
is "... the same list" "$(jq -c '[.[] | .name]' "$T/body")" '["console","spare"]'
is "a drafter pauses: 403" "$(req /v1/providers/spare/pause -H "$D70" -X POST)" 403
denied d70 spare
is "an approver pauses: 403" "$(req /v1/providers/spare/pause -H "$A70" -X POST)" 403
is "an approver resumes other: 403" "$(req /v1/providers/other/resume -H "$A70" -X POST)" 403
is "the refused pauses and resumes wrote nothing" \
    "$(R HGET loa:provider:spare paused) $(R HGET loa:provider:other paused)" "0 1"
# The admin's acts are in the audit: spare paused, resumed; other paused.
is "audit: the admin's provider acts" "$(R XRANGE loa:audit - + | tr '\n' ' ' |
    grep -o 'actor admin action provider_[a-z]* target [a-z]*' | tr '\n' ,)" \
    "actor admin action provider_pause target spare,actor admin action provider_resume target spare,actor admin action provider_pause target other,"
check "audit: the provider acts say from where" sh -c \
    "redis-cli -s '$SOCK' XRANGE loa:audit - + | grep -A1 -x from | grep -q 127.0.0.1"

stop_loa a
done_testing
