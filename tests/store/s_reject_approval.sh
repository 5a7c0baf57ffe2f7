# reject_approval: ARGV prefix id actor scope reason now_iso maxlen
# retention_ms from
e=$(pending ${P}jobs d1 job '{}')
ev accept $P ${P}jobs $e j1 '{"recipients":[{"ward":"w1"}]}' 1 T0 normal 100 1000 '{}' 0 60000 '[]' alice 1 0 9000 D9 >/dev/null
is "unknown job" "$(ev reject_approval $P nope bob all why T1 1000 60000 addr)" unknown
is "the submitter may not reject" "$(ev reject_approval $P j1 alice all why T1 1000 60000 addr)" self
is "out of scope" "$(ev reject_approval $P j1 bob w2 why T1 1000 60000 addr)" scope
is "still awaiting" "$(R HGET ${P}job:j1 state)" awaiting_approval
is "another approver rejects" "$(ev reject_approval $P j1 bob w1 'sai chính tả' T1 1000 60000 10.0.0.9)" ok
is "rejected_by_approver, by bob, with the reason" "$(R HMGET ${P}job:j1 state rejected_by reject_reason finished_at | tr '\n' ' ')" "rejected_by_approver bob sai chính tả T1 "
is "nothing queued, out of the set" "$(R EXISTS ${P}work:normal) $(R ZCARD ${P}approvals)" "0 0"
is "its keys expire" "$(R PTTL ${P}job:j1 | awk '{ print ($1 > 0) }') $(R PTTL ${P}job:j1:spec | awk '{ print ($1 > 0) }')" "1 1"
is "the audit entry, the reason as detail" "$(R XRANGE ${P}audit - + | tail -n 12 | tr '\n' ' ')" "ts T1 actor bob action reject target j1 from 10.0.0.9 detail sai chính tả "
is "an event" "$(R XRANGE ${P}events - + | tail -1 | grep -c rejected_by_approver)" 1
is "final: approve after it" "$(ev approve $P j1 carol all T1 1000 1000 60000 addr)" rejected_by_approver
is "final: reject again" "$(ev reject_approval $P j1 carol all x T1 1000 60000 addr)" rejected_by_approver
