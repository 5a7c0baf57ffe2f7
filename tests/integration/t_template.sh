#!/bin/sh
# t_template.sh -- template defaults (issue 13): a resident whose CSV cell
# is empty gets the default of "{{to_dan_pho|tổ dân phố}}" on SMS and in
# Zalo data instead of failing missing_var; without a default the same
# resident still fails missing_var; a variable nothing defines is valid
# with a default; a malformed default is refused with the same one-line
# message by loactl send and by the daemon.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
L() { $LOACTL -r "unix://$SOCK" "$@"; }

printf 'code,name,district\n00070,Phường Hoàn Kiếm,Hoàn Kiếm\n' > "$T/wards.csv"
# hk2 and hk4 leave to_dan_pho empty: the import stores no field for them.
cat > "$T/residents.csv" <<'CSV'
id,phone,ward,name,zalo_uid,channels,to_dan_pho
hk1,0912000001,00070,Bà Lan,,,Tổ 5
hk2,0912000002,00070,Ông Đức,,,
hk3,0912000003,00070,Chị Hoa,,,Tổ 7
hk4,0912000004,00070,Cô Mai,77,zalo,
CSV
L import wards "$T/wards.csv" >/dev/null 2>&1
is "wards imported" "$?" 0
L import residents "$T/residents.csv" >/dev/null 2>"$T/import.err"
is "residents imported" "$?" 0
is "the empty cell is stored as no variable" \
    "$(R HEXISTS loa:resident:hk2 var:to_dan_pho)" 0

write_conf a
start_loa a || exit 1

# job ID SMS-TEXT ZALO-TO: a ward notice, SMS (UCS-2, so the default's
# diacritics show) and Zalo for those who only take Zalo.
job() {
	printf '{"id":"%s","audience":{"wards":["00070"]},"channels":["sms","zalo"],"sms":{"text":"%s","unicode":"auto"},"zalo":{"template_id":"9","data":{"ten":"{{name}}","to":"%s"}}}' \
	    "$1" "$2" "$3" > "$T/$1.json"
}

# --- with the default: nobody fails
job d1 '{{to_dan_pho|tổ dân phố}}: kính gửi {{name}}' '{{to_dan_pho|tổ dân phố}}'
out=$(L send "$T/d1.json" 2>"$T/d1.err")
is "send with a default is accepted" "$?" 0
is "prints the id" "$out" d1
wait_for 15 "d1 done" state_is d1 done
is "d1 done" "$(job_field d1 state)" done
is "d1: all four sent" "$(job_field d1 sent)" 4
is "d1: none failed" "$(job_field d1 failed)" 0
check "the empty cell gets the default" grep -qF \
    '"to":"84912000002","text":"tổ dân phố: kính gửi Ông Đức"' "$T/console.out"
check "a set cell keeps its value" grep -qF \
    '"to":"84912000001","text":"Tổ 5: kính gửi Bà Lan"' "$T/console.out"
check "Zalo data gets the default too" grep -qF \
    '"data":{"ten":"Cô Mai","to":"tổ dân phố"}' "$T/console.out"
is "no missing_var for d1" \
    "$(grep '"job":"d1"' "$T/a.delivery.log" | grep -c missing_var)" 0

# --- without it: the same residents fail missing_var, as before
job d2 '{{to_dan_pho}}: kính gửi {{name}}' '{{to_dan_pho}}'
L send "$T/d2.json" >/dev/null 2>&1
is "send without a default is accepted" "$?" 0
wait_for 15 "d2 done" state_is d2 done
is "d2: two sent" "$(job_field d2 sent)" 2
is "d2: two failed" "$(job_field d2 failed)" 2
check "hk2 fails missing_var on SMS" grep -q \
    '"job":"d2","ward":"00070","resident":"hk2".*"status":"failed","reason":"missing_var"' \
    "$T/a.delivery.log"
check "hk4 fails missing_var on Zalo" grep -q \
    '"job":"d2","ward":"00070","resident":"hk4".*"status":"failed","reason":"missing_var"' \
    "$T/a.delivery.log"
is "d2: nothing sent to hk2" "$(grep '"job":"d2"' "$T/console.out" | grep -c 84912000002)" 0

# --- a column nothing defines is no error when it has a default
job d3 '{{so_nha|}}Kính gửi {{name}}' '{{so_nha|không rõ}}'
L send "$T/d3.json" >/dev/null 2>"$T/d3.err"
is "send: a default makes an unknown column valid" "$?" 0
wait_for 15 "d3 done" state_is d3 done
is "d3 done, not rejected" "$(job_field d3 state)" done
is "d3: all four sent" "$(job_field d3 sent)" 4
check "d3: the empty default renders nothing" grep -qF \
    '"to":"84912000003","text":"Kính gửi Chị Hoa"' "$T/console.out"
check "d3: the Zalo default" grep -qF \
    '"data":{"ten":"Cô Mai","to":"không rõ"}' "$T/console.out"

# --- malformed: the same message from loactl and from the daemon
want='sms.text: empty variable name at byte 0'
job d4 '{{|tổ dân phố}}' 'x'
L send "$T/d4.json" >/dev/null 2>"$T/d4.err"
is "send refuses {{|x}}" "$?" 1
is "loactl says why, on one line" "$(cat "$T/d4.err")" "loactl: $T/d4.json: $want"
submit "$T/d4.json" >/dev/null
wait_for 10 "d4 rejected" state_is d4 rejected
is "the daemon says the same" "$(job_field d4 error)" "$want"
long=$(awk 'BEGIN { for (i = 0; i < 257; i++) printf "x" }')
job d5 "{{to_dan_pho|$long}}" 'x'
L send "$T/d5.json" >/dev/null 2>"$T/d5.err"
is "send refuses a default over 256 bytes" "$?" 1
is "and says so" "$(cat "$T/d5.err")" \
    "loactl: $T/d5.json: sms.text: default text at byte 0 is too long (256 bytes at most)"
is "nothing sent for d4, d5" \
    "$(grep -c -e '"job":"d4"' -e '"job":"d5"' "$T/console.out")" 0

# --- preview renders the default for the resident who lacks the value
L preview "$T/d1.json" --resident hk2 > "$T/pv.out" 2>&1
is "preview exits 0" "$?" 0
check "preview shows the default" grep -qF 'tổ dân phố: kính gửi Ông Đức' "$T/pv.out"
check "preview: nobody would fail" grep -q "would fail: none" "$T/pv.out"
check "preview: no missing_var on any channel" sh -c "! grep -E '[1-9][0-9]* missing_var' '$T/pv.out'"

stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
