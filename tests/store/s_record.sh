# record: ARGV prefix maxlen now_iso retention_ms replay, then operations
W=${P}work:normal
R HSET ${P}job:j1 state sending total 2 expanded 1 queued 1 sent 0 >/dev/null
R HSET ${P}job:j1:out '#0' '~' '#1' '~' >/dev/null
e=$(pending $W d1 job j1 from 0 to 2)
is "an outcome" "$(ev record $P 1000 T0 60000 0 O j1 '#0' sent sms w1 '{"o":1}' esms m1 '+849***1')" 1
is "counted by status, channel, ward" "$(R HMGET ${P}job:j1 sent ch:sms:sent ward:w1:sent | tr '\n' ' ')" "1 1 1 "
is "the outcome" "$(R HGET ${P}job:j1:out '#0')" sent:sms
is "the provider's id" "$(R GET ${P}msgid:esms:m1 | tr '\t' '|')" "j1|#0|sms|w1|+849***1"
is "a final outcome is not recorded twice" "$(ev record $P 1000 T0 60000 0 O j1 '#0' failed sms w1 '{}' esms '' '')" 0
ev record $P 1000 T0 60000 0 R j1 '#1' 2 r:2:0:99 >/dev/null
is "R: attempt 2 waits for a retry" "$(R HGET ${P}job:j1:out '#1')" r:2:0:99
ev record $P 1000 T0 60000 0 M j1 '#1' 2 >/dev/null
is "M: attempt 2 leaves" "$(R HGET ${P}job:j1:out '#1')" '~2'
ev record $P 1000 T0 60000 0 R j1 '#1' 2 r:2:0:99 >/dev/null
is "R: attempt 2 already left: nothing changes" "$(R HGET ${P}job:j1:out '#1')" '~2'
is "E: an event" "$(ev record $P 1000 T0 60000 0 E j1 '{"e":1}'; R XRANGE ${P}events - + | tail -1)" "$(lines 0 '{"e":1}')"
n=$(R XLEN ${P}events)
ev record $P 1000 T0 60000 1 E j1 '{"e":2}' >/dev/null
is "E replayed: not added twice" "$(R XLEN ${P}events)" "$n"
ev record $P 1000 T0 60000 0 H $W $e j1 1 '#1' >/dev/null
is "H: handed back, a copy re-added" "$(R XLEN $W) $(R XPENDING $W loa | head -1)" "1 0"
R HSET ${P}job:j1:out '#1' '~' >/dev/null
e=$(R XREADGROUP GROUP loa d1 COUNT 1 STREAMS $W '>' | sed -n 2p)
ev record $P 1000 T0 60000 0 H $W $e j1 1 '#1' >/dev/null
is "H: its in-flight marks back to queued" "$(R HGET ${P}job:j1:out '#1')" .
e=$(R XREADGROUP GROUP loa d1 COUNT 1 STREAMS $W '>' | sed -n 2p)
ev record $P 1000 T0 60000 0 P $W $e j1 >/dev/null
ev record $P 1000 T0 60000 0 P $W $e j1 >/dev/null
is "P: parked once" "$(R HGET ${P}job:j1 queued)" 0
ev record $P 1000 T0 60000 0 O j1 '#1' failed sms '' '{}' esms '' '' A $W $e j1 >/dev/null
is "A: acked and deleted; parked: queued unchanged" "$(R XLEN $W) $(R HGET ${P}job:j1 queued)" "0 0"
is "the last outcome: done" "$(R HMGET ${P}job:j1 state failed ch:sms:failed | tr '\n' ' ')" "done 1 1 "
is "and expiring" "$(R PTTL ${P}job:j1:out | awk '{ print ($1 > 0) }')" 1
is "a job gone is not made again" "$(ev record $P 1000 T0 60000 0 O gone '#0' sent sms '' '{}' esms '' ''; R EXISTS ${P}job:gone:out)" "$(lines 0 0)"
is "a bad op" "$(ev record $P 1000 T0 60000 0 Z 2>&1 | grep -c 'bad op')" 1
R HSET ${P}job:j3 state sending total 9 expanded 0 >/dev/null
R HSET ${P}job:j3:out '#0' r:2:0:9 '#1' '~3' '#2' . '#3' skipped: >/dev/null
is "over a retry wait, attempt 3 in flight, queued: recorded; over a final one: not" \
    "$(ev record $P 1000 T0 60000 0 O j3 '#0' sent sms '' '{}' esms '' '' O j3 '#1' sent sms '' '{}' esms '' '' O j3 '#2' failed '' '' '{}' esms '' '' O j3 '#3' sent sms '' '{}' esms '' '')" 3
is "as status:channel" "$(R HMGET ${P}job:j3:out '#0' '#1' '#2' '#3' | tr '\n' ' ')" "sent:sms sent:sms failed: skipped: "
R HSET ${P}job:j3:out '#4' '~2' '#5' '~' >/dev/null
e=$(pending ${P}work:normal d1 job j3 from 4 to 6)
ev record $P 1000 T0 60000 0 H ${P}work:normal $e j3 2 '#4' '#5' >/dev/null
is "H: a bare ~ is queued again, a numbered attempt (a retry under way) is left" \
    "$(R HMGET ${P}job:j3:out '#4' '#5' | tr '\n' ' ')" "~2 . "
# issue 14: why an unreached item was not reached, for report --csv
R HSET ${P}job:jw total 3 >/dev/null
ev record $P 1000 T0 60000 0 O jw '#0' failed sms w1 '{"status":"failed","reason":"http_500"}' esms '' '' \
    O jw '#1' sent sms w1 '{"status":"sent","reason":"ignored"}' esms '' '' \
    O jw '#2' skipped '' w1 '{"status":"skipped"}' '' '' '' >/dev/null
is "the reason of a failure is kept" "$(R HGET ${P}job:jw:why '#0')" http_500
is "none for a reached item, none without a reason" "$(R HLEN ${P}job:jw:why)" 1
