# promote: ARGV prefix now_ms chunk maxlen now_iso
R HSET ${P}job:j1 state scheduled total 2 priority bulk >/dev/null
R HSET ${P}job:j2 state scheduled total 0 priority normal audience 1 >/dev/null
R HSET ${P}job:j3 state cancelled >/dev/null
R ZADD ${P}schedule 100 j1 200 j3 900 j2 >/dev/null
is "due jobs" "$(ev promote $P 500 100 1000 T1)" 2
is "explicit: sending" "$(R HGET ${P}job:j1 state) $(R XLEN ${P}work:bulk)" "sending 1"
is "a cancelled one is only dropped" "$(R HGET ${P}job:j3 state) $(R ZCARD ${P}schedule)" "cancelled 1"
is "not yet due" "$(R HGET ${P}job:j2 state)" scheduled
ev promote $P 1000 100 1000 T2 >/dev/null
is "an audience expands" "$(R HGET ${P}job:j2 state) $(R XLEN ${P}work:normal)" "expanding 1"
is "events" "$(R XLEN ${P}events)" 2
