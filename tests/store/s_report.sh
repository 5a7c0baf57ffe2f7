# report: ARGV prefix now_ms hold_ms cap batch (provider msgid status reason)...
R HSET ${P}job:j1 state done sent 1 ch:sms:sent 1 ward:w1:sent 1 >/dev/null
R HSET ${P}job:j1:out r1 sent:sms >/dev/null
R SET ${P}msgid:esms:m1 "$(printf 'j1\tr1\tsms\tw1\t+849***1')" >/dev/null
is "a report" "$(ev report $P 1000 3600000 100 10 esms m1 failed 'bad number')" \
    "$(lines ok esms m1 failed 'bad number' j1 r1 sms w1 '+849***1')"
is "from sent to failed" "$(R HMGET ${P}job:j1 sent failed ch:sms:failed ward:w1:sent | tr '\n' ' ') $(R HGET ${P}job:j1:out r1)" "0 1 1 0  failed:sms"
is "a replay is final" "$(ev report $P 1000 3600000 100 10 esms m1 delivered '' | head -1)" final
is "too early: kept" "$(ev report $P 1000 3600000 100 10 esms m2 delivered '' | head -1) $(R ZCARD ${P}reports:early)" "early 1"
R HSET ${P}job:j1:out r2 sent:zalo >/dev/null
R SET ${P}msgid:esms:m2 "$(printf 'j1\tr2\tzalo\t\t')" >/dev/null
is "the sweep settles it" "$(ev report $P 2000 3600000 100 10)" "$(lines ok esms m2 delivered '' j1 r2 zalo '' '' 0)"
ev report $P 3000 3600000 100 10 esms m3 delivered '' >/dev/null
is "unmatched after hold_ms" "$(ev report $P 3600000 1000 100 10 | head -1)" unmatched
ev report $P 1000 3600000 1 10 esms m4 delivered '' esms m5 delivered '' >/dev/null
is "past the cap the oldest are dropped" "$(R ZCARD ${P}reports:early)" 1
R DEL ${P}job:j1:out >/dev/null
R SET ${P}msgid:esms:m6 "$(printf 'j1\tr1\tsms\tw1\t')" >/dev/null
is "a job whose records expired" "$(ev report $P 1000 3600000 100 10 esms m6 delivered '' | head -1)" gone
