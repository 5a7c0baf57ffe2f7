#!/bin/sh
# t_wards.sh -- audiences from the ward directory: a ward broadcast
# reaches exactly that ward's residents, opt-outs (flag and loa:optout)
# and duplicate phones are skipped and counted, districts and "all"
# resolve, unknown wards and undefined columns reject the job.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
dir_wards
res() {	# res ID WARD PHONE NAME [field value ...]
	local id ward phone name
	id=$1 ward=$2 phone=$3 name=$4
	shift 4
	dir_resident "$id" "$ward" "$phone" name "$name" opt_out 0 "$@"
}
res hk1 00070 84912000001 "Bà Lan" var:to_dan_pho "Tổ 5"
res hk2 00070 84912000002 "Ông Đức" var:to_dan_pho "Tổ 7"
res hk3 00070 84912000003 "Chị Hoa" opt_out 1 var:to_dan_pho "Tổ 1"
res hk4 00070 84912000004 "Anh Nam" var:to_dan_pho "Tổ 2"
res hk5 00070 84912000001 "Cháu Lan" var:to_dan_pho "Tổ 5"
res hk6 00070 84912000006 "Cô Mai" channels zalo zalo_uid 77 var:to_dan_pho "Tổ 3"
res bd1 00004 84912000011 "Ông Tú" var:to_dan_pho "Tổ 9"
res nh1 00008 84912000021 "Bà Tâm"
R SADD loa:optout 84912000004 >/dev/null

write_conf a
start_loa a || exit 1

cat > "$T/w1.json" <<'JSON'
{"id":"w1","sender":"UBND","audience":{"wards":["00070"]},"channels":["zalo","sms"],
 "sms":{"text":"{{ward_name}}, {{to_dan_pho}}: kinh gui {{name}}"},
 "zalo":{"template_id":"9","data":{"ten":"{{name}}","to":"{{to_dan_pho}}"}}}
JSON
submit "$T/w1.json" >/dev/null
wait_for 15 "w1 done" state_is w1 done
is "w1 done" "$(job_field w1 state)" done
is "total: the ward's six residents" "$(job_field w1 total)" 6
is "sent" "$(job_field w1 sent)" 3
is "skipped: opt-out flag, loa:optout, duplicate phone" "$(job_field w1 skipped)" 3
is "per ward" "$(job_field w1 ward:00070:sent)" 3
# hk1 and hk5 share a phone: whichever comes first gets the message.
check "Zalo first for a resident with a phone" grep -q -e '"channel":"zalo","to":"84912000001","template_id":"9","data":{"ten":"Bà Lan","to":"Tổ 5"}' -e '"channel":"zalo","to":"84912000001","template_id":"9","data":{"ten":"Cháu Lan","to":"Tổ 5"}' "$T/console.out"
check "Cô Mai by Zalo uid only" grep -q '"zalo_uid":"77".*"ten":"Cô Mai"' "$T/console.out"
check "Ông Đức by Zalo" grep -q '"ten":"Ông Đức"' "$T/console.out"
check "no message to the opted-out" sh -c "! grep -q -e 84912000003 -e 84912000004 '$T/console.out'"
is "the duplicate phone gets one message" "$(grep -c 84912000001 "$T/console.out")" 1
check "no message outside the ward" sh -c "! grep -q -e 84912000011 -e 84912000021 '$T/console.out'"
check "opted_out in the log" grep -q '"resident":"hk3".*"status":"skipped","reason":"opted_out"' "$T/a.delivery.log"
check "loa:optout in the log" grep -q '"resident":"hk4".*"status":"skipped","reason":"opted_out"' "$T/a.delivery.log"
check "duplicate in the log" grep -q '"reason":"duplicate"' "$T/a.delivery.log"

# Districts: the two wards of Ba Đình, SMS only, ward names rendered.
cat > "$T/w2.json" <<'JSON'
{"id":"w2","audience":{"districts":["Ba Đình"]},"channels":["sms"],
 "sms":{"text":"{{ward_name}} ({{district}}) kinh gui {{name}}","unicode":"auto"}}
JSON
submit "$T/w2.json" >/dev/null
wait_for 15 "w2 done" state_is w2 done
is "w2 total" "$(job_field w2 total)" 2
check "ward name and district rendered" grep -q '"to":"84912000011","text":"Phường Ba Đình (Ba Đình) kinh gui Ông Tú"' "$T/console.out"
check "second ward of the district" grep -q '"to":"84912000021","text":"Phường Ngọc Hà (Ba Đình) kinh gui Bà Tâm"' "$T/console.out"

# All wards; a resident without the column var fails with missing_var.
printf '%s' '{"id":"w3","audience":{"all":true},"channels":["sms"],"sms":{"text":"{{to_dan_pho}}"}}' > "$T/w3.json"
submit "$T/w3.json" >/dev/null
wait_for 15 "w3 done" state_is w3 done
is "w3 total: everyone" "$(job_field w3 total)" 8
is "w3 failed: Bà Tâm has no to_dan_pho" "$(job_field w3 failed)" 1
check "missing_var logged" grep -q '"job":"w3","ward":"00008","resident":"nh1".*"reason":"missing_var"' "$T/a.delivery.log"

# loactl retry: the directory fixed, only the failed resident again.
R HSET loa:resident:nh1 var:to_dan_pho "Tổ 2" >/dev/null
sent0=$(job_field w3 sent)
out=$($LOACTL -r "unix://$SOCK" retry w3)
is "retry exits 0" "$?" 0
is "retry says how many" "$out" "job w3: 1 failed recipients queued again"
wait_for 15 "w3 done again" state_is w3 done
is "w3: no failure left" "$(job_field w3 failed)" 0
is "w3: one more sent" "$(job_field w3 sent)" $((sent0 + 1))
is "w3: ward counter given back" "$(job_field w3 ward:00008:failed)" 0
is "only the failed resident got a message" "$(grep -c '"job":"w3"' "$T/console.out")" $((sent0 + 1))
check "with the fixed variable" grep -q '"to":"84912000021","text":"To 2"' "$T/console.out"
out=$($LOACTL -r "unix://$SOCK" retry w3)
is "nothing left to retry" "$out" "job w3: no failed recipient to retry"
$LOACTL -r "unix://$SOCK" retry nosuch 2>/dev/null
is "retry of an unknown job fails" "$?" 1

# Rejections before anything is sent.
printf '%s' '{"id":"w4","audience":{"wards":["00070","99999"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/w4.json"
printf '%s' '{"id":"w5","audience":{"districts":["Nowhere"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/w5.json"
printf '%s' '{"id":"w6","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"{{so_nha}}"}}' > "$T/w6.json"
for j in w4 w5 w6; do submit "$T/$j.json" >/dev/null; done
wait_for 10 "w4-w6 rejected" sh -c "[ \"\$(redis-cli -s $SOCK HGET loa:job:w6 state)\" = rejected ]"
is "unknown ward rejected" "$(job_field w4 error)" "audience: unknown ward \"99999\""
is "unknown district rejected" "$(job_field w5 error)" "audience: unknown district \"Nowhere\""
check "undefined column rejected" sh -c "redis-cli -s $SOCK HGET loa:job:w6 error | grep -q '{{so_nha}}'"
is "nothing sent for them" "$(grep -c -e '"job":"w4"' -e '"job":"w5"' -e '"job":"w6"' "$T/console.out")" 0
is "work streams drained" "$(R XLEN loa:work:normal)" 0

# send --test: the ward notice to one official's phone, as a resident of
# the ward would get it; nobody else receives anything.
before=$(wc -l < "$T/console.out")
out=$($LOACTL -r "unix://$SOCK" send "$T/w2.json" --test "0988 765 432")
is "send --test exits 0" "$?" 0
tid=$(echo "$out" | head -1)
check "a test job of its own ($tid)" sh -c "echo '$tid' | grep -q '^w2-test-'"
is "one message more, to the test phone only" "$(($(wc -l < "$T/console.out") - before))" 1
check "rendered as a resident of Ba Dinh would get it" sh -c "tail -1 '$T/console.out' | grep -q '\"to\":\"84988765432\",\"text\":\"Phường \(Ba Đình\|Ngọc Hà\) (Ba Đình) kinh gui '"
$LOACTL -r "unix://$SOCK" send "$T/w2.json" --test 12345 2>/dev/null
is "a bad test phone is refused" "$?" 1
stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
