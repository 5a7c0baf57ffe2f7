#!/bin/sh
# t_expand_kill.sh -- a daemon killed (SIGKILL) in the middle of expanding
# a 100,000-resident broadcast, and another daemon taking over: the
# expansion resumes where it stopped, every resident is queued once and
# reached; a second send happens only for messages in flight at the kill,
# and each is reported as maybe_duplicate.
# serial: a 100,000-resident expansion killed mid-way (timing)
. "$(dirname "$0")/lib.sh"

N=100000
start_redis || exit 1
is "directory made" "$(make_directory 10 10000)" $N
write_conf a
start_loa a || exit 1
printf '%s' '{"id":"big","priority":"bulk","audience":{"all":true},"channels":["sms"],"sms":{"text":"Kinh gui {{name}}, {{ward_name}}"}}' > "$T/big.json"
submit "$T/big.json" >/dev/null
wait_sent big 5000 30
st=$(job_field big state)
stop_loa a KILL
is "killed while still expanding" "$st" expanding
queued=$(job_field big total)
check "part of the audience queued at the kill ($queued)" test "$queued" -lt $N
write_conf b
start_loa b || exit 1
wait_for 120 "big done" state_is big done
is "total: each resident queued once" "$(job_field big total)" $N
is "every resident has one outcome" "$(R HLEN loa:job:big:out)" $N
is "all sent" "$(job_field big sent)" $N
is "every resident reached" "$(sent_unique big)" $N
dups=$(( $(sent_lines big) - N ))
md=$(cat "$T"/*.delivery.log | grep -c maybe_duplicate)
check "second sends ($dups) all reported as maybe_duplicate ($md)" test "$dups" -le "$md"
check "within the in-flight window" test "$md" -le 2148
check "expansion entry claimed by b" grep -q "claimed" "$T/b.out"
is "work streams drained" "$(R XLEN loa:work:bulk)" 0
stop_loa b
done_testing
