# approve: ARGV prefix id actor scope now_iso now_ms maxlen retention_ms from
# approval_expire: ARGV prefix now_ms now_iso maxlen retention_ms
# A job held by accept (s_accept.sh has the holding itself).
held() {	# held ID TOTAL SUBMITTER SEND_AT WARDS_JSON SPEC
	local e
	e=$(pending ${P}jobs d1 job '{}')
	ev accept $P ${P}jobs $e "$1" "$6" "$2" T0 normal 100 1000 '{}' "$4" 60000 "$5" "$3" 1 0 9000 D9 >/dev/null
}
held j1 2 alice 0 '[["w1","A","D1"]]' '{"recipients":[{"ward":"w1"},{"ward":"w1"}]}'
is "unknown job" "$(ev approve $P nope bob all T1 1000 1000 60000 addr)" unknown
is "the submitter may not approve" "$(ev approve $P j1 alice all T1 1000 1000 60000 addr)" self
is "... and the job still waits" "$(R HGET ${P}job:j1 state) $(R EXISTS ${P}work:normal)" "awaiting_approval 0"
is "a scope without the job's ward" "$(ev approve $P j1 bob w2,w3 T1 1000 1000 60000 addr)" scope
is "nothing audited for refusals" "$(R EXISTS ${P}audit)" 0
is "another approver, scope w1" "$(ev approve $P j1 bob w2,w1 T1 1000 1000 60000 10.0.0.9)" ok:sending
is "approved by bob, sending" "$(R HMGET ${P}job:j1 state approved_by submitted_by | tr '\n' ' ')" "sending bob alice "
is "its first work entry queued" "$(R XRANGE ${P}work:normal - + | tail -n 8 | tr '\n' ' ')" "job j1 expand 1 w 0 cur 0 "
is "out of the approvals set" "$(R ZSCORE ${P}approvals j1)" ""
is "the audit entry" "$(R XRANGE ${P}audit - + | tail -n 10 | tr '\n' ' ')" "ts T1 actor bob action approve target j1 from 10.0.0.9 "
is "an event" "$(R XRANGE ${P}events - + | tail -1 | grep -c '"approved_by":"bob"')" 1
is "twice: no longer awaiting" "$(ev approve $P j1 carol all T1 1000 1000 60000 addr)" sending
is "... queued once" "$(R XLEN ${P}work:normal)" 1

# an audience job: its resolved wards are its scope
held j2 -1 alice 0 '[["w1","A","D1"],["w2","B","D1"]]' '{}'
is "an audience reaching w1 and w2, scope w1" "$(ev approve $P j2 bob w1 T1 1000 1000 60000 addr)" scope
is "... scope all" "$(ev approve $P j2 bob all T1 1000 1000 60000 addr)" ok:expanding
# explicit recipients: one without a ward needs scope all
held j3 2 alice 0 '{}' '{"recipients":[{"ward":"w1"},{"phone":"x"}]}'
is "a recipient without a ward, scope w1" "$(ev approve $P j3 bob w1 T1 1000 1000 60000 addr)" scope
held j6 -1 alice 0 '{}' '{}'
is "an audience reaching no ward needs all" "$(ev approve $P j6 bob w1 T1 1000 1000 60000 addr)" scope
# send_at to come: scheduled on approval; past: sent at once
held j4 1 alice 5000 '{}' '{}'
is "send_at to come: scheduled" "$(ev approve $P j4 bob all T1 1000 1000 60000 addr)" ok:scheduled
is "... in the schedule" "$(R ZSCORE ${P}schedule j4) $(R HEXISTS ${P}job:j4 send_at_ms)" "5000 0"
held j5 1 alice 5000 '{}' '{}'
is "send_at past at approval: sent" "$(ev approve $P j5 bob all T1 6000 1000 60000 addr)" ok:sending

# expiry: approvals whose deadline (9000) passed
held e1 3 alice 0 '{}' '{}'
is "before the deadline nothing ends" "$(ev approval_expire $P 8999 T2 1000 60000)" 0
R HSET ${P}job:j6 state cancelled >/dev/null
is "after it" "$(ev approval_expire $P 9000 T2 1000 60000)" 3
is "expired, not approved in time" "$(R HMGET ${P}job:e1 state error expired finished_at | tr '\n' ' ')" "expired not approved in time 3 T2 "
is "a job no longer awaiting is left alone" "$(R HGET ${P}job:j6 state)" cancelled
is "the set is empty" "$(R ZCARD ${P}approvals)" 0
is "the expired job's keys expire" "$(R PTTL ${P}job:e1 | awk '{ print ($1 > 0) }')" 1

# cancel: a job awaiting approval may be cancelled
held c1 1 alice 0 '{}' '{}'
is "cancel a job awaiting approval" "$(ev cancel $P c1 T3 1000 60000)" ok
is "... it leaves the approvals set" "$(R HGET ${P}job:c1 state) $(R ZSCORE ${P}approvals c1)" "cancelled "
