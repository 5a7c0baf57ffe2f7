# gate: ARGV prefix stream eid consumer job mode items...
e=$(pending ${P}work:normal d1 job j1 from 0 to 3)
R HSET ${P}job:j1 state sending >/dev/null
R HSET ${P}job:j1:out '#1' sent:sms '#2' . >/dev/null
R SADD ${P}optout +84900000002 >/dev/null
is "not ours: lost" "$(ev gate $P ${P}work:normal $e d2 j1 i '#0' '')" lost
is "explicit items" "$(ev gate $P ${P}work:normal $e d1 j1 i '#0' +84900000001 '#1' +84900000002 '#2' +84900000002)" \
    "$(lines sending '' '' sent:sms '' '' o)"
is "those without an outcome are in flight" "$(R HMGET ${P}job:j1:out '#0' '#1' '#2')" "$(lines '~' sent:sms '~')"
is "in flight before: flagged, not re-marked" "$(ev gate $P ${P}work:normal $e d1 j1 i '#0' +84900000001 | tail -2)" "$(lines '~' '')"
# Found in flight after a crash ("~2") or waiting for a retry ("r:..."):
# a resident who opted out meanwhile is flagged too, not sent again.
R HSET ${P}job:j1:out '#3' '~2' '#4' 'r:2:0:1796000000000' '#5' '~2' >/dev/null
is "after a crash: opted out meanwhile, flagged" "$(ev gate $P ${P}work:normal $e d1 j1 i '#3' +84900000002 '#4' +84900000002 '#5' +84900000001)" \
    "$(lines sending '~2' o 'r:2:0:1796000000000' o '~2' '')"
R HSET ${P}job:j1 state cancelled >/dev/null
R HDEL ${P}job:j1:out '#0' >/dev/null
is "a cancelled job" "$(ev gate $P ${P}work:normal $e d1 j1 i '#0' +84900000001)" "$(lines cancelled '' '')"
is "marks nothing" "$(R HEXISTS ${P}job:j1:out '#0')" 0

e=$(pending ${P}work:normal d1 job j2 ids r1,r2,r3)
R HSET ${P}job:j2 state expanding >/dev/null
R HSET ${P}resident:r1 phone +84900000001 name A >/dev/null
R HSET ${P}resident:r2 phone +84900000001 name B >/dev/null
R HSET ${P}job:j2:out r1 . r2 . r3 . >/dev/null
is "residents, with their hash; a phone used twice" "$(ev gate $P ${P}work:normal $e d1 j2 d r1 r2 r3)" \
    "$(lines expanding '' '' phone +84900000001 name A '' d phone +84900000001 name B '' '')"
is "the phone belongs to the first" "$(R HGET ${P}job:j2:phones +84900000001)" r1
# A resident whose zalo_uid said TU CHOI on Zalo (loa:optout:zalo).
e=$(pending ${P}work:normal d1 job j4 ids z1,z2)
R HSET ${P}job:j4 state sending >/dev/null
R HSET ${P}resident:z1 zalo_uid uid-out name Z1 >/dev/null
R HSET ${P}resident:z2 zalo_uid uid-in name Z2 >/dev/null
R SADD ${P}optout:zalo uid-out >/dev/null
is "a zalo uid opted out: flagged" "$(ev gate $P ${P}work:normal $e d1 j4 d z1 z2 | sed -n '3p;9p' | tr '\n' ' ')" "o  "
