#!/bin/sh
# h_output.sh -- everything that reaches a terminal, a log line or a CSV
# cell is neutralised (issue 12, findings 5 and 7).
#
# Replayed: a residents file with formula names (=HYPERLINK, +cmd|, @SUM,
# -2+3), ESC, BEL and newline names, ids and ward codes holding ':'; the
# same kind of text put straight into Redis (as an older loactl or another
# tool could have written it) and into a job's recipients; a job whose
# ward code holds "\n", ESC and NEL to forge a line of the operational
# log.  Checked: "report --csv" cells are defused (read back with
# python3's csv module), status, report, preview, dead and tail print no
# raw control, C1 or bidi character and valid UTF-8, the rejection of the
# forging job is one log line, import refuses the bad rows with their
# line numbers and keeps the good ones.  Then a sweep of the whole class:
# every byte 0x00-0x1f, 0x7f, every C1 control and every bidi control in
# names and codes, through import and through report, status and preview.
. "$(dirname "$0")/../integration/lib.sh"

start_redis || exit 1
C() { $LOACTL -r "unix://$SOCK" "$@"; }

# clean FILE [crlf]: FILE is valid UTF-8 without any C0 control but LF
# (and CR before LF with crlf), DEL, C1 control, bidi control or line
# separator.  Says where the first one is.
clean() {
	python3 - "$1" "${2:-}" <<'PY'
import re, sys
b = open(sys.argv[1], 'rb').read()
if sys.argv[2] == 'crlf':
    b = b.replace(b'\r\n', b'\n')
try:
    s = b.decode('utf-8')
except UnicodeDecodeError as e:
    print('#   not UTF-8: %s' % e)
    sys.exit(1)
m = re.search('[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f'
              '\u2028\u2029\u202a-\u202e\u2066-\u2069]', s)
if m:
    print('#   raw U+%04X in %s: %r' % (ord(m.group()), sys.argv[1],
          s[max(0, m.start() - 40):m.start() + 20]))
    sys.exit(1)
PY
}

# csv_defused FILE: FILE parses as CSV (8 fields a row) and no cell starts,
# after spaces, with = + - @ (or a tab or CR).  Prints the cells a line
# each, "|"-joined, to FILE.rows.
csv_defused() {
	python3 - "$1" <<'PY'
import csv, sys
bad = 0
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
with open(sys.argv[1] + '.rows', 'w', encoding='utf-8') as out:
    for r in rows:
        out.write('|'.join(r) + '\n')
        if len(r) != 8:
            print('#   %d cells: %r' % (len(r), r))
            bad = 1
        for c in r:
            t = c.lstrip(' ')
            if c[:1] in ('\t', '\r') or t[:1] in ('=', '+', '-', '@'):
                print('#   formula cell %r' % c)
                bad = 1
sys.exit(bad)
PY
}

# no_line_starts FILE TEXT: no line of FILE starts with TEXT (after the
# time the operational log starts its lines with).
no_line_starts() { ! grep -Eq "^([0-9]{4}-[0-9T:.+-]+ )?$2" "$1"; }

# --- the directory, through import --------------------------------------
printf '%s\n' 'code,name,district' \
    '90001,Phường Một,Quận A' \
    '90002,"=HYPERLINK(""http://x"",""y"")",' \
    '9000:3,Colon code,' > "$T/wards.csv"
printf '90004,Phường \033[2J\033[1;1Hgiả,\n' >> "$T/wards.csv"
printf '90005,Phường \342\200\256ab,\n' >> "$T/wards.csv"
printf '90006,Phường Sáu,Quận \302\233\n' >> "$T/wards.csv"
C import wards "$T/wards.csv" > "$T/w.out" 2> "$T/w.err"
is "wards: exit 1 (bad rows)" $? 1
is "wards: the good ones kept" "$(cat "$T/w.out")" \
    "wards: 2 added, 0 updated, 0 unchanged, 4 rejected"
is "wards: bad rows by line" "$(cut -d: -f2 "$T/w.err" | tr '\n' ' ')" "4 5 6 7 "
check "wards: messages hold no raw control" clean "$T/w.err"
check "wards: the ESC is shown escaped" grep -q '\\x1b\[2J' "$T/w.err"
check "wards: the bidi override is shown escaped" grep -q '\\u202e' "$T/w.err"
is "wards: nothing with a control stored" "$(R EXISTS loa:ward:90004 loa:ward:90005 loa:ward:90006)" 0
is "wards: no colon code" "$(R --scan --pattern 'loa:ward:9000:*' | wc -l)" 0

{
	printf '%s\n' 'id,phone,ward,name,opt_out,note' \
	    'f1,0912000001,90001,"=HYPERLINK(""http://x"",""y"")",1,' \
	    "f2,0912000002,90001,+cmd|' /C calc'!A0,1," \
	    'f3,0912000003,90001,@SUM(1+1),1,' \
	    'f4,0912000004,90001,-2+3,1,' \
	    'f5,0912000005,90001,Bà Lan,0,' \
	    'r:6,0912000006,90001,Colon id,1,' \
	    'r7,0912000007,90001:residents,Colon ward,1,'
	printf 'r8,0912000008,90001,\033[2J\033]0;pwned\007Evil,1,\n'
	printf 'r9,0912000009,90001,"Multi\nline",1,\n'
	printf 'r10,0912000010,90001,Ok,1,\033[31mred\n'
	printf 'r\03311,0912000011,90001,Esc id,1,\n'
	printf '90002:residents,0912000012,90001,Set name,1,\n'
} > "$T/res.csv"
C import residents "$T/res.csv" > "$T/r.out" 2> "$T/r.err"
is "residents: exit 1 (bad rows)" $? 1
is "residents: the good ones kept" "$(cat "$T/r.out")" \
    "residents: 5 added, 0 updated, 0 unchanged, 7 rejected"
is "residents: bad rows by line" "$(cut -d: -f2 "$T/r.err" | tr '\n' ' ')" \
    "7 8 9 10 12 13 14 "
check "residents: messages hold no raw control" clean "$T/r.err"
check "residents: ':' in an id refused" grep -q ':7: bad id "r:6"' "$T/r.err"
check "residents: ':' in a ward code refused" grep -q ':8: .*90001:residents' "$T/r.err"
check "residents: an id naming another key refused" grep -q ':14: bad id "90002:residents"' "$T/r.err"
check "residents: ESC in a name refused, shown escaped" grep -q ':9: .*\\x1b\[2J' "$T/r.err"
check "residents: newline in a name refused" grep -q ':10: .*Multi\\nline' "$T/r.err"
check "residents: ESC in a variable refused" grep -q ':12: .*note' "$T/r.err"
check "residents: ESC in an id shown escaped" grep -q ':13: bad id "r\\x1b11"' "$T/r.err"
is "residents: ward 90001 holds the good ones" "$(R SMEMBERS loa:ward:90001:residents | sort | tr '\n' ' ')" "f1 f2 f3 f4 f5 "
is "residents: no key made of a colon id" "$(R --scan --pattern 'loa:resident:*:*' | wc -l)" 0
is "residents: 90002's set untouched" "$(R EXISTS loa:ward:90002:residents loa:resident:90002:residents)" 0
is "a formula name is kept as data" "$(R HGET loa:resident:f1 name)" '=HYPERLINK("http://x","y")'
is "a name starting with '-' is kept" "$(R HGET loa:resident:f4 name)" '-2+3'

# What an older loactl or another tool may have written: hostile names in
# the directory itself.  Output must be safe whatever Redis holds.
ESC=$(printf '\033')
res() {	# res ID PHONE NAME
	R HSET "loa:resident:$1" phone "$2" ward 90001 name "$3" opt_out 1 \
	    >/dev/null
	R SADD loa:ward:90001:residents "$1" >/dev/null
}
res h1 84912000101 "${ESC}[2J${ESC}[1;1HFAKE REPORT"
res h2 84912000102 "$(printf 'C1 \302\233''31mred \302\205next')"
res h3 84912000103 "$(printf 'Bidi \342\200\256olleh\342\201\246x')"
res h4 84912000104 "$(printf 'Real\rFake')"
R HSET loa:resident:h1 var:to_dan_pho "${ESC}]0;title${ESC}\\" >/dev/null
R HSET loa:ward:90001 name "$(printf 'Phường \033[31mĐỏ\302\233')" >/dev/null

# --- a job to the console provider, then its report ----------------------
write_conf a
start_loa a || exit 1
cat > "$T/out1.json" <<'JSON'
{"id":"out1","audience":{"wards":["90001","90002"]},"channels":["sms"],
 "sms":{"text":"Kinh gui {{name}}"}}
JSON
submit "$T/out1.json" >/dev/null
wait_for 20 "out1 done" state_is out1 done

C report out1 --csv > "$T/out1.csv" 2> "$T/out1.csv.err"
is "csv: exit 0" $? 0
check "csv: every cell defused" csv_defused "$T/out1.csv"
check "csv: no raw control (CRLF line ends only)" clean "$T/out1.csv" crlf
check "csv: =HYPERLINK defused, kept readable" grep -qF "|f1|'=HYPERLINK(\"http://x\",\"y\")|" "$T/out1.csv.rows"
check "csv: +cmd defused" grep -qF "|f2|'+cmd|' /C calc'!A0|" "$T/out1.csv.rows"
check "csv: @SUM defused" grep -qF "|f3|'@SUM(1+1)|" "$T/out1.csv.rows"
check "csv: -2+3 defused" grep -qF "|f4|'-2+3|" "$T/out1.csv.rows"
check "csv: ESC shown escaped" grep -qF '|h1|\x1b[2J\x1b[1;1HFAKE REPORT|' "$T/out1.csv.rows"
check "csv: the ward name escaped" grep -qF '90001|Phường \x1b[31mĐỏ\u009b|' "$T/out1.csv.rows"

C report out1 > "$T/out1.txt" 2>&1
is "report: exit 0" $? 0
check "report: no raw control, C1 or bidi" clean "$T/out1.txt"
check "report: C1 shown escaped" grep -qF 'C1 \u009b31mred \u0085next' "$T/out1.txt"
check "report: bidi shown escaped" grep -qF 'Bidi \u202eolleh\u2066x' "$T/out1.txt"
check "report: CR shown escaped" grep -qF 'Real\rFake' "$T/out1.txt"
C report out1 --unmasked > "$T/out1u.txt" 2>&1
check "report --unmasked: no raw control" clean "$T/out1u.txt"
C status out1 > "$T/out1.st" 2>&1
check "status: no raw control" clean "$T/out1.st"

# --- explicit recipients whose ward codes and names are hostile ----------
python3 - "$T/out2.json" <<'PY'
import json, sys
r = [{"phone": "0912000201", "name": "\x1b[2JEvil\x07", "ward": "W1"},
     {"phone": "0912000202", "name": "=cmd|' /C calc'!A0", "ward": "W2"},
     {"phone": "0912000203", "name": "\x9b31mC1", "ward": "W3"}]
json.dump({"id": "out2", "channels": ["sms"], "sms": {"text": "Hi {{name}}"},
           "recipients": r}, open(sys.argv[1], 'w'))
# The same with hostile ward codes: refused (a ward code names keys).
r[0]["ward"] = "W\x1b[31m\u202e\x85\n"
json.dump({"id": "out3", "channels": ["sms"], "sms": {"text": "Hi {{name}}"},
           "recipients": r}, open(sys.argv[1] + '.bad', 'w'))
PY
submit "$T/out2.json.bad" >/dev/null
wait_for 10 "out3 rejected" state_is out3 rejected
check "hostile ward codes in a job: rejected" test "$?" -eq 0
# Ward codes written by an earlier version, which took any code: status
# and report show them escaped.
printf 'HSET loa:job:out4 state done total 3 sent 3 "ward:W\\x1b[31m\\xe2\\x80\\xae\\xc2\\x85\\n:sent" 1 "ward:=cmd|'"'"' /C calc'"'"'!A0:sent" 1 "ward:W\\xe2\\x81\\xa6:sent" 1\n' |
    redis-cli -s "$SOCK" >/dev/null
R SADD loa:optout 84912000201 84912000202 >/dev/null	# listed in the report
submit "$T/out2.json" >/dev/null
wait_for 20 "out2 done" state_is out2 done
C status out4 > "$T/out2.st" 2>&1
is "status of hostile ward codes: exit 0" $? 0
check "status: ward codes carry no raw control" clean "$T/out2.st"
check "status: the ward code shown escaped" grep -qF 'ward W\x1b[31m\u202e\u0085\n' "$T/out2.st"
C status out4 --json > "$T/out2.json.st" 2>&1
check "status --json: no raw control" clean "$T/out2.json.st"
is "status --json: still the same JSON" "$(jq -r '.job' "$T/out2.json.st")" out4
C status out3 > "$T/out3.st" 2>&1
check "status of the rejected job: no raw control" clean "$T/out3.st"
C report out2 > "$T/out2.txt" 2>&1
check "report: hostile ward codes escaped" clean "$T/out2.txt"
C report out2 --csv > "$T/out2.csv" 2>&1
check "csv: hostile ward codes defused" csv_defused "$T/out2.csv"
check "csv: no raw control" clean "$T/out2.csv" crlf
C preview "$T/out2.json" > "$T/out2.pv" 2>&1
check "preview: no raw control" clean "$T/out2.pv"
C preview "$T/out1.json" > "$T/out1.pv" 2>&1
check "preview: no raw control in ward names" clean "$T/out1.pv"
check "preview: Vietnamese kept, controls escaped" grep -qF 'Phường \x1b[31mĐỏ\u009b' "$T/out1.pv"
C preview "$T/out2.json" --json > "$T/out2.pvj" 2>&1
check "preview --json: no raw control" clean "$T/out2.pvj"
check "delivery log: no raw control" clean "$T/a.delivery.log"

# --- forging a line of the operational log --------------------------------
printf '%s' '{"id":"forge1","audience":{"wards":["00070\nloa: warning: FORGED one\u001b[2K\u0085loa: warning: FORGED two\r"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/forge1.json"
submit "$T/forge1.json" >/dev/null
printf '%s' '{"id":"ok\nloa: warning: FORGED three","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000301"}]}' > "$T/forge2.json"
submit "$T/forge2.json" >/dev/null
wait_for 20 "both rejected" sh -c "[ \$(redis-cli -s $SOCK XLEN loa:dead) -ge 3 ]"
sleep 0.3
is "forge1: one log line for its rejection" "$(grep -c 'forge1' "$T/a.out")" 1
check "forge1: that line says why" grep -q 'job forge1: rejected: audience.wards\[0\]: want a ward code' "$T/a.out"
check "no forged line starts a line" no_line_starts "$T/a.out" 'loa: warning: FORGED'
check "operational log: no raw control" clean "$T/a.out"
C dead > "$T/dead.out" 2>&1
check "dead: no raw control" clean "$T/dead.out"
C dead --json > "$T/dead.json" 2>&1
check "dead --json: no raw control" clean "$T/dead.json"
is "dead --json: still JSON" "$(jq -s 'length' "$T/dead.json")" 3
$LOACTL -r "unix://$SOCK" tail --from-start > "$T/tail.out" 2>&1 &
echo $! > "$T/tail.pid"
wait_for 10 "tail printed" sh -c "grep -q forge1 '$T/tail.out'"
sleep 0.5
stop_pid "$T/tail.pid" INT tail >/dev/null
check "tail: no raw control" clean "$T/tail.out"

# --- the whole class: every C0 byte, DEL, C1 and bidi control ------------
nch=$(python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
chars = [chr(c) for c in range(0x00, 0x20)] + ['\x7f'] + \
    [chr(c) for c in range(0x80, 0xa0)] + \
    [chr(c) for c in list(range(0x202a, 0x202f)) + list(range(0x2066, 0x206a))]
def q(s):
    return '"' + s.replace('"', '""') + '"'
# Import: a name holding the character, an id holding it, a ward code
# holding it; every row must be refused.
with open(T + '/sweep-res.csv', 'wb') as f:
    f.write(b'id,phone,ward,name\n')
    line = 2
    lines = []
    for i, c in enumerate(chars):
        for row in ('s%d,0912%06d,90001,%s\n' % (i, i, q('A' + c + 'B')),
                    '%s,0913%06d,90001,Name\n' % (q('t' + c + '%d' % i), i),
                    'u%d,0914%06d,%s,Name\n' % (i, i, q('9' + c + '1'))):
            f.write(row.encode('utf-8'))
            lines.append(line)
            line += row.count('\n')
with open(T + '/sweep-res.lines', 'w') as f:
    f.write(' '.join(map(str, lines)) + ' \n')
with open(T + '/sweep-wards.csv', 'wb') as f:
    f.write(b'code,name,district\n')
    for i, c in enumerate(chars):
        f.write(('%s,Name,\n' % q('8' + c + '%d' % i)).encode('utf-8'))
        f.write(('8%04d,%s,\n' % (i, q('N' + c + 'x'))).encode('utf-8'))
        f.write(('7%04d,Name,%s\n' % (i, q('D' + c + 'x'))).encode('utf-8'))
# Redis: a resident and a ward named with each character (NUL cannot be
# a redis-cli argument but goes in the protocol).
def cmd(*args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a.encode('utf-8')
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    return out
with open(T + '/sweep.resp', 'wb') as f:
    for i, c in enumerate(chars):
        f.write(cmd('HSET', 'loa:resident:z%d' % i, 'phone', '8491500%04d' % i,
                    'ward', '90009', 'name', 'Z' + c + 'z', 'opt_out', '1',
                    'var:to_dan_pho', 'T' + c))
        f.write(cmd('SADD', 'loa:ward:90009:residents', 'z%d' % i))
    f.write(cmd('HSET', 'loa:ward:90009', 'name', 'W' + ''.join(chars[1:]),
                'district', ''))
    f.write(cmd('SADD', 'loa:wards', '90009'))
# A job with a recipient per character in its name and ward code.
r = [{"phone": "0916%06d" % i, "name": "R" + c, "ward": "X%d" % i}
     for i, c in enumerate(chars) if c != '\0']
# Ward counters an earlier version wrote under codes holding each one.
with open(T + '/sweep.resp', 'ab') as f:
    f.write(cmd('HSET', 'loa:job:sweep3', 'state', 'done', 'total', str(len(chars) - 1),
                *[x for i, c in enumerate(chars) if c != '\0'
                  for x in ('ward:X' + c + '%d:sent' % i, '1')]))
with open(T + '/sweep.resp', 'ab') as f:	# every other one opted out
    for i in range(0, len(chars), 2):
        f.write(cmd('SADD', 'loa:optout', '84916%06d' % i))
json.dump({"id": "sweep2", "channels": ["sms"], "sms": {"text": "Hi {{name}}" + "".join(chars[1:])},
           "recipients": r}, open(T + '/sweep2.json', 'w'))
json.dump({"id": "sweep1", "audience": {"wards": ["90009"]}, "channels": ["sms"],
           "sms": {"text": "Hi {{name}}"}}, open(T + '/sweep1.json', 'w'))
print(len(chars))
PY
)
C import residents "$T/sweep-res.csv" > "$T/sr.out" 2> "$T/sr.err"
is "sweep import residents: every row refused" "$(cat "$T/sr.out")" \
    "residents: 0 added, 0 updated, 0 unchanged, $((3 * nch)) rejected"
is "sweep import residents: each by its line" "$(cut -d: -f2 "$T/sr.err" | tr '\n' ' ')" "$(cat "$T/sweep-res.lines")"
check "sweep import residents: messages clean" clean "$T/sr.err"
C import wards "$T/sweep-wards.csv" > "$T/sw.out" 2> "$T/sw.err"
is "sweep import wards: every row refused" "$(cat "$T/sw.out")" \
    "wards: 0 added, 0 updated, 0 unchanged, $((3 * nch)) rejected"
check "sweep import wards: messages clean" clean "$T/sw.err"
redis-cli -s "$SOCK" --pipe < "$T/sweep.resp" > /dev/null
submit "$T/sweep1.json" >/dev/null
submit "$T/sweep2.json" >/dev/null
finished() { case $(job_field "$1" state) in done|rejected) return 0;; esac; return 1; }
wait_for 30 "sweep jobs finished" sh -c "$(command -v redis-cli) -s $SOCK HGET loa:job:sweep2 state | grep -Eq 'done|rejected'"
wait_for 30 "sweep1 finished" finished sweep1
is "sweep1: done" "$(job_field sweep1 state)" done
is "sweep2: done" "$(job_field sweep2 state)" done
for j in sweep1 sweep2; do
	C report $j > "$T/$j.txt" 2>&1
	check "sweep $j: report clean" clean "$T/$j.txt"
	C report $j --csv > "$T/$j.csv" 2>&1
	check "sweep $j: csv clean" clean "$T/$j.csv" crlf
	check "sweep $j: csv defused" csv_defused "$T/$j.csv"
	C status $j > "$T/$j.st" 2>&1
	check "sweep $j: status clean" clean "$T/$j.st"
	C preview "$T/$j.json" > "$T/$j.pv" 2>&1
	check "sweep $j: preview clean" clean "$T/$j.pv"
done
C status sweep3 > "$T/sweep3.st" 2>&1
check "sweep3: status clean" clean "$T/sweep3.st"
is "sweep3: a line per ward code in status" "$(grep -c '^ward X' "$T/sweep3.st")" $((nch - 1))
check "operational log still clean" clean "$T/a.out"
check "delivery log still clean" clean "$T/a.delivery.log"
check "daemon still running" kill -0 "$(cat "$T/a.pid")"
stop_loa a
done_testing
