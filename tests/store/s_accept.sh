# accept: ARGV prefix stream eid id spec total now_iso prio chunk maxlen
# event send_at_ms retention_ms wards_json [by]
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
