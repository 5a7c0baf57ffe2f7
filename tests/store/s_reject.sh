# reject: ARGV prefix stream eid id raw error now_iso maxlen event retention_ms
e=$(pending ${P}jobs d1 job 'bad')
is "a bad job" "$(ev reject $P ${P}jobs $e j1 bad 'no text' T0 1000 '{"r":1}' 60000)" 1
is "is rejected" "$(R HMGET ${P}job:j1 state error total | tr '\n' ' ')" "rejected no text 0 "
is "and expires" "$(R PTTL ${P}job:j1 | awk '{ print ($1 > 0) }')" 1
is "a dead letter" "$(R XRANGE ${P}dead - + | sed -n '3p;5p;7p;9p' | tr '\n' ' ')" "bad no text j1 $e "
is "acked and deleted" "$(R XLEN ${P}jobs)" 0
R HSET ${P}job:j2 state sending >/dev/null
e=$(pending ${P}jobs d1 job 'bad')
ev reject $P ${P}jobs $e j2 bad 'dup' T0 1000 '{}' 60000 >/dev/null
is "a known job keeps its state" "$(R HGET ${P}job:j2 state) $(R TTL ${P}job:j2)" "sending -1"
e=$(pending ${P}jobs d1 job 'x')
ev reject $P ${P}jobs $e '' x 'no id' T0 1000 '{}' 60000 >/dev/null
is "no id: a dead letter only" "$(R XLEN ${P}dead) $(R EXISTS ${P}job:)" "3 0"
