#!/bin/sh
# t_submit.sh -- submit refuses what the daemon would refuse (issue 13):
# "loactl send" and POST /v1/jobs check a job against the directory and
# the daemon's jobs before anything is queued, in the daemon's words (a
# ward's name given for its code gets "did you mean"); an id in use is
# refused unless the job is the very same (the documented no-op); and
# "send --wait" says in its exit status whether every recipient was
# reached (0), some failed or expired (4), or the time ran out (5).
# A real redis-server, a real daemon, SMS through eSMS on the mock.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mock.sh"

TOKEN=t0k-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
chmod 600 "$T/token"

start_redis || exit 1
start_mock || exit 1
dir_wards
res() {	# res ID WARD PHONE NAME
	dir_resident "$1" "$2" "$3" name "$4" opt_out 0 var:to_dan_pho "Tổ 1"
}
res hk1 00070 84912000001 "Bà Lan"
res hk2 00070 84912000002 "Ông Đức"
res bd1 00004 84912000011 "Ông Tú"
res bd2 00004 84912000012 "Bà Tâm"
res bd3 00004 84912000013 "Anh Nam"

write_base_conf a "$(esms_section)
max_attempts = 2"
# write_base_conf ends with [http]; the provider went in before it.
echo "token_file = $T/token" >> "$T/a.conf"
start_loa a || { cat "$T/a.out"; exit 1; }
PORT=$(http_port a)
URL=http://127.0.0.1:$PORT
CTL="$LOACTL -r unix://$SOCK"

# post FILE: POST /v1/jobs with FILE as the body; the status code, the
# body in $T/body.
post() {
	curl -s -o "$T/body" -w '%{http_code}' --max-time 15 \
	    -H "Authorization: Bearer $TOKEN" --data-binary "@$1" \
	    "$URL/v1/jobs"
}
json_err() { jq -r .error "$T/body" 2>/dev/null; }
# nothing_of ID: no job hash, no dead letter, nothing waiting in the stream
nothing_of() {
	[ "$(R EXISTS "loa:job:$1")" = 0 ] && [ "$(R XLEN loa:dead)" = 0 ] &&
	    [ "$(R XLEN loa:jobs)" = 0 ]
}
# refused NAME ID FILE MESSAGE: send and POST both refuse FILE with
# MESSAGE (loactl exit 1, HTTP 400) and nothing reaches the daemon.
refused() {
	$CTL send "$3" > "$T/$2.out" 2> "$T/$2.err"
	is "$1: send exits 1" $? 1
	is "$1: send says why" "$(cat "$T/$2.err")" "loactl: $3: $4"
	is "$1: no id printed" "$(cat "$T/$2.out")" ""
	is "$1: POST 400" "$(post "$3")" 400
	is "$1: POST says the same" "$(json_err)" "$4"
	sleep 0.3	# what was queued has been read by now
	check "$1: nothing queued, nothing rejected" nothing_of "$2"
}

# 1. A ward's name for its code: the parser refuses it, with the hint.
printf '%s' '{"id":"n1","audience":{"wards":["Hoàn Kiếm"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/n1.json"
refused "ward name" n1 "$T/n1.json" "audience.wards[0]: want a ward code of 1 to 128 ASCII letters, digits, '-', '_' or '.': unknown ward \"Hoàn Kiếm\" (did you mean 00070, Phường Hoàn Kiếm?)"

# 2. A code that is no ward, but folds to a ward's name (no case, no
# diacritics, no "Phường"): the daemon's message, with the hint.
printf '%s' '{"id":"n2","audience":{"wards":["00004","ngoc-ha"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/n2.json"
refused "ward code unknown" n2 "$T/n2.json" "audience: unknown ward \"ngoc-ha\" (did you mean 00008, Phường Ngọc Hà?)"
printf '%s' '{"id":"n3","audience":{"wards":["99999"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/n3.json"
refused "unknown ward, no hint" n3 "$T/n3.json" "audience: unknown ward \"99999\""

# 3. Unknown district; a name with a control character is shown escaped.
printf '%s' '{"id":"n4","audience":{"districts":["Ba Đình","Tây Hồ"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/n4.json"
refused "unknown district" n4 "$T/n4.json" "audience: unknown district \"Tây Hồ\""
printf '%s' '{"id":"n5","audience":{"districts":["X\u001b[2J"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/n5.json"
$CTL send "$T/n5.json" 2> "$T/n5.err"
is "escaped district: exit 1" $? 1
check "no raw ESC on the terminal" sh -c "! grep -q \"$(printf '\033')\" '$T/n5.err'"
check "the ESC shown as an escape" grep -qF 'unknown district "X\u001b[2J"' "$T/n5.err"

# 4. A variable nothing defines (the directory has to_dan_pho only).
printf '%s' '{"id":"n6","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"{{to_dan_pho}} {{so_nha}}"}}' > "$T/n6.json"
refused "undefined variable" n6 "$T/n6.json" "sms.text: variable {{so_nha}} is not defined by the job, the resident directory or Loa"

# 5. A good job, waited for: every recipient sent, exit 0.
printf '%s' '{"id":"j1","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"Kinh gui {{name}}, {{to_dan_pho}}"}}' > "$T/j1.json"
$CTL send "$T/j1.json" --wait --timeout 30 > "$T/j1.out" 2> "$T/j1.err"
is "all sent: --wait exits 0" $? 0
is "j1 printed first" "$(head -1 "$T/j1.out")" j1
is "j1 done" "$(job_field j1 state) $(job_field j1 sent)" "done 2"
is "two messages" "$(mock_records | wc -l | tr -d ' ')" 2

# 6. The same id for another job: refused, by send (1) and POST (409).
printf '%s' '{"id":"j1","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"Sửa lại: {{name}}"}}' > "$T/j1b.json"
created=$(job_field j1 created_at)
$CTL send "$T/j1b.json" --wait > "$T/j1b.out" 2> "$T/j1b.err"
is "id in use: exit 1" $? 1
is "id in use: says so" "$(cat "$T/j1b.err")" "loactl: $T/j1b.json: job id \"j1\" is already used (state done, created $created); choose another id"
is "id in use: no id printed, no old summary" "$(cat "$T/j1b.out")" ""
is "id in use: POST 409" "$(post "$T/j1b.json")" 409
is "id in use: POST says the same" "$(json_err)" "job id \"j1\" is already used (state done, created $created); choose another id"

# 7. The very same job again (even laid out otherwise): the no-op.
$CTL send "$T/j1.json" --wait > "$T/j1c.out" 2> "$T/j1c.err"
is "identical resend: exit 0" $? 0
is "identical resend: the id" "$(head -1 "$T/j1c.out")" j1
is "identical resend: a note" "$(cat "$T/j1c.err")" "loactl: note: job id \"j1\" already exists with this very job (state done); nothing added"
jq . "$T/j1.json" > "$T/j1-pretty.json"
is "identical resend by POST: 200" "$(post "$T/j1-pretty.json")" 200
is "the answer says it exists" "$(jq -c '[.id, .state]' "$T/body")" '["j1","done"]'
sleep 1
is "nothing queued" "$(R XLEN loa:jobs)" 0
is "no second broadcast" "$(mock_records | wc -l | tr -d ' ')" 2
is "j1 untouched" "$(job_field j1 created_at) $(job_field j1 sent)" "$created 2"
check "the daemon logged no duplicate" sh -c "! grep -q 'j1.*already submitted' '$T/a.out'"

# 8. A rejected id may be used again (the daemon files the new job).
printf '%s' '{"id":"r1","audience":{"wards":["77777"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/r1bad.json"
submit "$T/r1bad.json" >/dev/null
wait_for 10 "r1 rejected" state_is r1 rejected
printf '%s' '{"id":"r1","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/r1.json"
$CTL send "$T/r1.json" --wait --timeout 30 > "$T/r1.out" 2> "$T/r1.err"
is "rejected id reused: exit 0" $? 0
is "and it is done" "$(job_field r1 state)" done

# 9. Permanent failures: eSMS code 146 for one of Ba Đình's three (SMS
# only, no fallback): --wait exits 4 and says how many.
mock_config '{"esms_codes":{"84912000012":"146"}}'
printf '%s' '{"id":"j2","audience":{"wards":["00004"]},"channels":["sms"],"sms":{"text":"x"}}' > "$T/j2.json"
$CTL send "$T/j2.json" --wait --timeout 30 > "$T/j2.out" 2> "$T/j2.err"
is "some failed: --wait exits 4" $? 4
is "j2 counters" "$(job_field j2 state) $(job_field j2 sent) $(job_field j2 failed)" "done 2 1"
is "how many, on stderr" "$(cat "$T/j2.err")" "loactl: j2: done, but 1 of 3 recipients not reached: 1 failed, 0 expired (loactl report lists them)"
check "the summary still printed" grep -q 'failed' "$T/j2.out"

# 10. --timeout: a job for tomorrow is still scheduled: exit 5.
tomorrow=$(date -d '+1 day' +%Y-%m-%dT%H:%M:%S%:z)
printf '{"id":"j3","audience":{"wards":["00070"]},"channels":["sms"],"sms":{"text":"x"},"send_at":"%s"}' "$tomorrow" > "$T/j3.json"
$CTL send "$T/j3.json" --wait --timeout 1 > "$T/j3.out" 2> "$T/j3.err"
is "timeout: exit 5" $? 5
is "timeout: says so" "$(cat "$T/j3.err")" "loactl: j3: still scheduled after 1 s"

done_testing
