#!/bin/sh
# t_deliver.sh -- jobs go from loa:jobs to the console with the right text,
# the counters and state are right, phones are masked, events flow, and a
# repeated id is a logged no-op.
. "$(dirname "$0")/lib.sh"

start_redis || exit 1
write_conf a
start_loa a || exit 1

cat > "$T/j1.json" <<'JSON'
{"id":"hk-001","sender":"UBND phường Hoàn Kiếm","channels":["sms"],
 "sms":{"text":"{{sender}} thông báo: {{body}} ({{name}})","unicode":"never"},
 "vars":{"body":"Cắt điện 8h-11h ngày 28/11"},
 "recipients":[
  {"phone":"0912345678","name":"Bà Lan","ward":"00070"},
  {"phone":"+84 912 345 678","name":"dup","ward":"00070"},
  {"phone":"12","name":"bad phone","ward":"00004"},
  {"phone":"0987654321","ward":"00004"}]}
JSON
submit "$T/j1.json" >/dev/null
wait_for 10 "hk-001 done" state_is hk-001 done
is "state done" "$(job_field hk-001 state)" done
is "total" "$(job_field hk-001 total)" 4
is "sent" "$(job_field hk-001 sent)" 1
is "skipped (duplicate, bad phone)" "$(job_field hk-001 skipped)" 2
is "failed (missing name)" "$(job_field hk-001 failed)" 1
is "per ward" "$(job_field hk-001 ward:00070:sent)" 1
is "per channel" "$(job_field hk-001 ch:sms:sent)" 1
check "finished_at set" test -n "$(job_field hk-001 finished_at)"
line=$(grep '"job":"hk-001"' "$T/console.out")
is "one message on the console" "$(sent_lines hk-001)" 1
is "console line" "$line" '{"channel":"sms","to":"84912345678","text":"UBND phuong Hoan Kiem thong bao: Cat dien 8h-11h ngay 28/11 (Ba Lan)","encoding":"gsm7","segments":1,"job":"hk-001","delivery_id":"'"$(echo "$line" | sed 's/.*"delivery_id":"\([0-9a-f]*\)".*/\1/')"'"}'
check "delivery id is 32 hex digits" sh -c "echo '$line' | grep -Eq '\"delivery_id\":\"[0-9a-f]{32}\"'"
DL=$T/a.delivery.log
is "four delivery-log lines" "$(grep -c '"job":"hk-001"' "$DL")" 4
check "sent line masked" grep -q '"to":"8491\*\*\*\*678","attempt":1,"status":"sent"' "$DL"
check "no full phone number in the delivery log" sh -c "! grep -q 84912345678 '$DL'"
check "no full phone number in the daemon's log" sh -c "! grep -q 84912345678 '$T/a.out'"
check "duplicate reason" grep -q '"status":"skipped","reason":"duplicate"' "$DL"
check "bad phone reason" grep -q '"status":"skipped","reason":"bad_phone"' "$DL"
check "missing_var reason" grep -q '"status":"failed","reason":"missing_var"' "$DL"
check "log lines are JSON with ts in +07:00" sh -c "grep hk-001 '$DL' | jq -e 'select(.ts | test(\"\\\\+07:00$\"))' >/dev/null"
n=$(R XRANGE loa:events - + | grep -c '"job":"hk-001"')
is "events: accepted, 4 outcomes, done" "$n" 6

# The same id again: nothing more is sent.
submit "$T/j1.json" >/dev/null
wait_for 10 "duplicate logged" grep -q "job hk-001.*already submitted; ignored" "$T/a.out"
check "duplicate logged" grep -q "job hk-001.*already submitted; ignored" "$T/a.out"
sleep 0.5
is "still one message" "$(sent_lines hk-001)" 1
is "counters unchanged" "$(job_field hk-001 sent)" 1
is "ingest stream emptied" "$(R XLEN loa:jobs)" 0

# Zalo first, SMS for the recipient who only takes SMS; unicode auto.
cat > "$T/j2.json" <<'JSON'
{"id":"hk-002","priority":"urgent","channels":["zalo","sms"],
 "sms":{"text":"Thông báo: {{body}}","unicode":"auto"},
 "zalo":{"template_id":"231768","data":{"ten":"{{name}}","noi_dung":"{{body}}"}},
 "vars":{"body":"Nước cắt 9h"},
 "recipients":[
  {"phone":"0912000001","name":"An"},
  {"phone":"0912000002","name":"Bình","channels":["sms"]},
  {"zalo_uid":"7712","name":"Uid only"}]}
JSON
submit "$T/j2.json" >/dev/null
wait_for 10 "hk-002 done" state_is hk-002 done
is "hk-002 sent 3" "$(job_field hk-002 sent)" 3
check "zalo payload" grep -q '{"channel":"zalo","to":"84912000001","template_id":"231768","data":{"ten":"An","noi_dung":"Nước cắt 9h"}' "$T/console.out"
check "sms in ucs2 when needed" grep -q '"to":"84912000002","text":"Thông báo: Nước cắt 9h","encoding":"ucs2","segments":1' "$T/console.out"
check "zalo by uid" grep -q '"zalo_uid":"7712"' "$T/console.out"
is "per channel zalo" "$(job_field hk-002 ch:zalo:sent)" 2

# No id: the stream entry id is the job id.
printf '%s' '{"channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000003"}]}' > "$T/j3.json"
eid=$(submit "$T/j3.json")
wait_for 10 "entry-id job done" state_is "$eid" done
is "job filed under its entry id" "$(job_field "$eid" sent)" 1

if [ -x "$LOACTL" ]; then
	gen_job hk-004 250
	out=$($LOACTL -r "unix://$SOCK" send "$T/hk-004.json" --wait --timeout 30)
	rc=$?
	is "loactl send --wait exits 0" "$rc" 0
	check "loactl prints the id" sh -c "echo '$out' | head -1 | grep -qx hk-004"
	check "loactl prints the summary" sh -c "echo '$out' | grep -q 'state *done'"
	is "250 sent" "$(job_field hk-004 sent)" 250
	# --test: the first recipient's message, to one phone only.
	$LOACTL -r "unix://$SOCK" send "$T/j1.json" --test 0977000111 >/dev/null
	is "send --test exits 0" "$?" 0
	check "the first recipient's text, to the test phone" grep -q '"to":"84977000111","text":"UBND phuong Hoan Kiem thong bao: Cat dien 8h-11h ngay 28/11 (Ba Lan)"' "$T/console.out"
	is "and to nobody else" "$(grep -c '"job":"hk-001-test-' "$T/console.out")" 1
fi

# retry of an explicit job: recipient #3 still has no name, so it fails
# again; the counters stay right and nobody else is sent anything.
lines0=$(sent_lines hk-001)
out=$($LOACTL -r "unix://$SOCK" retry hk-001 2>&1)
is "retry of an explicit job" "$out" "job hk-001: 1 failed recipients queued again"
wait_for 10 "hk-001 done again" state_is hk-001 done
is "still one failed" "$(job_field hk-001 failed)" 1
is "still one sent" "$(job_field hk-001 sent)" 1
is "nothing more sent" "$(sent_lines hk-001)" "$lines0"

# SIGHUP reopens the delivery log (logrotate moved it away).
mv "$T/a.delivery.log" "$T/a.delivery.log.1"
kill -HUP "$(cat "$T/a.pid")"
wait_for 10 "SIGHUP handled" grep -q "SIGHUP" "$T/a.out"
printf '%s' '{"id":"after-hup","channels":["sms"],"sms":{"text":"x"},"recipients":[{"phone":"0912000009"}]}' > "$T/j5.json"
submit "$T/j5.json" >/dev/null
wait_for 10 "after-hup done" state_is after-hup done
check "new delivery log after SIGHUP" grep -q '"job":"after-hup"' "$T/a.delivery.log"
check "old file left alone" sh -c "! grep -q after-hup '$T/a.delivery.log.1'"

stop_loa a
is "SIGTERM exits 0" "$?" 0
done_testing
