# accept: ARGV prefix stream eid id spec total now_iso prio chunk maxlen
# event send_at_ms retention_ms wards_json [by [need min_recipients
# deadline_ms deadline_iso]]
e=$(pending ${P}jobs d1 job '{}')
is "a new job" "$(ev accept $P ${P}jobs $e j1 '{"s":1}' 3 T0 normal 100 1000 '{"e":1}' 0 60000 '[]')" accepted
is "its counters and state" "$(R HMGET ${P}job:j1 state total sent queued entry priority)" \
    "$(lines sending 3 0 0 "$e" normal)"
is "its spec" "$(R GET ${P}job:j1:spec)" '{"s":1}'
is "its first expansion step" "$(R XRANGE ${P}work:normal - + | tail -n 8 | tr '\n' ' ')" \
    "job j1 expand 1 w 0 cur 0 "
is "the ingest entry acked and deleted" "$(R XLEN ${P}jobs) $(R XPENDING ${P}jobs loa | head -1)" "0 0"
is "an event" "$(R XRANGE ${P}events - + | tail -1)" '{"e":1}'
is "no by: submitted by the stream" "$(R HGET ${P}job:j1 submitted_by)" stream
e=$(pending ${P}jobs d1 job '{}')
ev accept $P ${P}jobs $e jb '{"s":1}' 3 T0 normal 100 1000 '{"e":1}' 0 60000 '[]' cli:an >/dev/null
is "by: submitted_by" "$(R HGET ${P}job:jb submitted_by)" cli:an

e=$(pending ${P}jobs d1 job '{}')
is "a known id is a duplicate" "$(ev accept $P ${P}jobs $e j1 '{"s":2}' 5 T1 normal 100 1000 '{}' 0 60000 '[]')" duplicate
is "which changes nothing" "$(R HGET ${P}job:j1 total) $(R GET ${P}job:j1:spec)" '3 {"s":1}'
is "but is acked" "$(R XLEN ${P}jobs)" 0

R HSET ${P}job:j2 state rejected >/dev/null
R HSET ${P}job:j2:out '#0' failed:sms >/dev/null
e=$(pending ${P}jobs d1 job '{}')
is "a rejected id may be used again" "$(ev accept $P ${P}jobs $e j2 '{}' 1 T0 bulk 100 1000 '{}' 0 60000 '[]')" accepted
is "its old outcomes are gone" "$(R EXISTS ${P}job:j2:out)" 0

e=$(pending ${P}jobs d1 job '{}')
is "a job for later" "$(ev accept $P ${P}jobs $e j3 '{}' -1 T0 urgent 100 1000 '{}' 5000 60000 '[["w1","W","D"]]')" scheduled
is "waits in the schedule" "$(R HGET ${P}job:j3 state) $(R ZSCORE ${P}schedule j3) $(R EXISTS ${P}work:urgent)" "scheduled 5000 0"
is "an audience job" "$(R HMGET ${P}job:j3 audience total | tr '\n' ' ')" "1 0 "
is "its wards" "$(R GET ${P}job:j3:wards)" '[["w1","W","D"]]'
is "no \"by\": submitted by stream" "$(R HGET ${P}job:j3 submitted_by)" stream

# Approval: need 1 holds the job; nothing is queued
R DEL ${P}work:normal >/dev/null
e=$(pending ${P}jobs d1 job '{}')
is "a job needing approval" "$(ev accept $P ${P}jobs $e a1 '{}' 2 T0 normal 100 1000 '{}' 0 60000 '[]' alice 1 0 9000 D9)" awaiting_approval
is "awaits approval, by alice, until D9" "$(R HMGET ${P}job:a1 state submitted_by approval_deadline send_at_ms | tr '\n' ' ')" "awaiting_approval alice D9 0 "
is "nothing queued" "$(R EXISTS ${P}work:normal)" 0
is "in the approvals set" "$(R ZSCORE ${P}approvals a1)" 9000
is "its event says so" "$(R XRANGE ${P}events - + | tail -1 | grep -c awaiting_approval)" 1
is "acked" "$(R XLEN ${P}jobs)" 0
e=$(pending ${P}jobs d1 job '{}')
ev accept $P ${P}jobs $e a2 '{}' 2 T0 normal 100 1000 '{}' 7000 60000 '[]' bob 1 0 9000 D9 >/dev/null
is "a scheduled job needing approval is not scheduled yet" "$(R HMGET ${P}job:a2 state send_at_ms | tr '\n' ' ') $(R ZSCORE ${P}schedule a2)" "awaiting_approval 7000  "
# min_recipients over an audience: the residents of its wards
R SADD ${P}ward:w1:residents r1 r2 r3 >/dev/null
R SADD ${P}ward:w2:residents r4 >/dev/null
e=$(pending ${P}jobs d1 job '{}')
is "an audience of 4 residents, min 4" "$(ev accept $P ${P}jobs $e a3 '{}' -1 T0 normal 100 1000 '{}' 0 60000 '[["w1","A","D"],["w2","B","D"]]' carol 0 4 9000 D9)" awaiting_approval
e=$(pending ${P}jobs d1 job '{}')
is "... min 5: sent at once" "$(ev accept $P ${P}jobs $e a4 '{}' -1 T0 normal 100 1000 '{}' 0 60000 '[["w1","A","D"],["w2","B","D"]]' carol 0 5 9000 D9)" accepted
is "... expanding, submitted by carol" "$(R HMGET ${P}job:a4 state submitted_by | tr '\n' ' ')" "expanding carol "
e=$(pending ${P}jobs d1 job '{}')
is "no ward at all (empty JSON object from cjson)" "$(ev accept $P ${P}jobs $e a5 '{}' -1 T0 normal 100 1000 '{}' 0 60000 '{}' carol 0 1 9000 D9)" accepted
