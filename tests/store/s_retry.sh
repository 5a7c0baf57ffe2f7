# retry: ARGV prefix id chunk maxlen now_iso item... (none: every failed one)
is "unknown" "$(ev retry $P j0 10 1000 T0 r1)" -1
R HSET ${P}job:j1 state sending >/dev/null
is "still running" "$(ev retry $P j1 10 1000 T0 r1)" -2
R HSET ${P}job:j1 state done priority bulk failed 3 ch:sms:failed 3 ward:w1:failed 2 finished_at T >/dev/null
R HSET ${P}job:j1:out r1 failed:sms r2 sent:sms '#0' failed:sms >/dev/null
R SET ${P}job:j1:spec '{"recipients":[{"ward":"w1"}]}' >/dev/null
R HSET ${P}resident:r1 ward w1 >/dev/null
R HSET ${P}job:j1:why r1 http_500 r9 other >/dev/null
R PEXPIRE ${P}job:j1 60000 >/dev/null
is "failed ones only" "$(ev retry $P j1 10 1000 T0 r1 r2 '#0')" 2
is "queued again" "$(R HMGET ${P}job:j1:out r1 r2 '#0' | tr '\n' ' ')" ". sent:sms . "
is "their old reason forgotten" "$(R HKEYS ${P}job:j1:why)" r9
is "counters given back" "$(R HMGET ${P}job:j1 failed ch:sms:failed ward:w1:failed state | tr '\n' ' ')" "1 1 0 sending "
is "new work" "$(R XLEN ${P}work:bulk) $(R HGET ${P}job:j1 queued)" "2 2"
is "no longer expiring" "$(R TTL ${P}job:j1)" -1
# no items: every failed item of the outcome hash (POST /v1/jobs/<id>/retry)
R HSET ${P}job:j9 state done priority normal failed 2 ch:sms:failed 2 >/dev/null
R HSET ${P}job:j9:out a failed:sms b sent:sms c failed:sms d skipped:sms >/dev/null
is "no items: every failed one" "$(ev retry $P j9 10 1000 T0)" 2
is "... queued again, the others kept" "$(R HMGET ${P}job:j9:out a b c d | tr '\n' ' ')" ". sent:sms . skipped:sms "
is "... sending again" "$(R HMGET ${P}job:j9 state failed | tr '\n' ' ')" "sending 0 "
R HSET ${P}job:j8 state done >/dev/null
is "no items, none failed: 0" "$(ev retry $P j8 10 1000 T0)" 0
