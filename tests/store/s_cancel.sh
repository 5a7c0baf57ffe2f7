# cancel: ARGV prefix id now_iso maxlen retention_ms
is "unknown" "$(ev cancel $P j0 T0 1000 60000)" unknown
R HSET ${P}job:j1 state sending total 10 queued_upto 4 >/dev/null
R ZADD ${P}schedule 1 j1 >/dev/null
is "a sending job" "$(ev cancel $P j1 T0 1000 60000)" ok
is "cancelled, the rest counted" "$(R HMGET ${P}job:j1 state cancelled | tr '\n' ' ') $(R ZCARD ${P}schedule)" "cancelled 6  0"
is "expiring" "$(R PTTL ${P}job:j1 | awk '{ print ($1 > 0) }')" 1
is "twice: the state says why not" "$(ev cancel $P j1 T0 1000 60000)" cancelled
R HSET ${P}job:j2 state expanding audience 1 total 10 >/dev/null
ev cancel $P j2 T0 1000 60000 >/dev/null
is "an audience counts nothing here" "$(R HGET ${P}job:j2 cancelled)" ""
