# expand: ARGV prefix stream eid consumer job w cur batch chunk max_ahead
# maxlen now_iso retention_ms run_id
W=${P}work:normal
R HSET ${P}job:j1 state sending total 5 queued 0 >/dev/null
e=$(pending $W d1 job j1 expand 1 w 0 cur 0)
is "not ours: lost" "$(ev expand $P $W $e d2 j1 0 0 3 2 10 1000 T0 60000 '')" lost
is "explicit recipients" "$(ev expand $P $W $e d1 j1 0 0 3 2 10 1000 T0 60000 '')" ok
is "two entries and the next step" "$(R XRANGE $W - + | grep -c '^job$') $(R HMGET ${P}job:j1 queued queued_upto | tr '\n' ' ')" "3 2 3 "
is "the step is acked" "$(R XPENDING $W loa | head -1)" 0
R HSET ${P}job:j1 queued 10 >/dev/null
e=$(R XREADGROUP GROUP loa d1 COUNT 10 STREAMS $W '>' | grep -B1 -A0 '^job$' | sed -n '/^[0-9]/p' | tail -1)
is "too far ahead: wait" "$(ev expand $P $W $e d1 j1 0 3 3 2 10 1000 T0 60000 '')" wait
R HSET ${P}job:j1 queued 0 >/dev/null
is "the rest" "$(ev expand $P $W $e d1 j1 0 3 3 2 10 1000 T0 60000 '')" ok
is "expanded" "$(R HMGET ${P}job:j1 expanded queued_upto | tr '\n' ' ')" "1 5 "
R HSET ${P}job:j1 state cancelled >/dev/null
e=$(pending $W d1 job j1 expand 1 w 0 cur 0)
is "a cancelled job: stop" "$(ev expand $P $W $e d1 j1 0 0 3 2 10 1000 T0 60000 '')" stop

R HSET ${P}job:j2 state expanding audience 1 total 0 queued 0 >/dev/null
R SET ${P}job:j2:wards '[["w1","W1",""],["w2","W2",""]]' >/dev/null
R SADD ${P}ward:w1:residents r1 r2 r3 >/dev/null
R SADD ${P}ward:w2:residents r3 r4 >/dev/null
R HSET ${P}job:j2:out r4 sent:sms >/dev/null
e=$(pending $W d1 job j2 expand 1 w 0 cur 0)
ev expand $P $W $e d1 j2 0 0 100 2 10 1000 T0 60000 '' >/dev/null
is "ward one: its residents" "$(R HGET ${P}job:j2 total) $(R HMGET ${P}job:j2:out r1 r2 r3 | tr '\n' ' ')" "3 . . . "
e=$(R XREVRANGE $W + - COUNT 1 | head -1)
is "the next step names the next ward" "$(R XRANGE $W $e $e | sed -n '7p')" 1
R XREADGROUP GROUP loa d1 COUNT 100 STREAMS $W '>' >/dev/null
ev expand $P $W $e d1 j2 1 0 100 2 10 1000 T0 60000 '' >/dev/null
is "a resident queued before (or in two wards) is not queued again" "$(R HGET ${P}job:j2 total)" 3
is "the job is sending" "$(R HGET ${P}job:j2 state)" sending
