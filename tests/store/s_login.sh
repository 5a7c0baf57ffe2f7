# login: ARGV prefix op now_ms now_iso retention_ms user addr from rest...
# (ops check, ok, fail, logout, verified)
A=$(printf '%064d' 9)
S=$(printf '%064d' 4)
is "unknown" "$(ev login $P check 1000 T0 60000 an $A 1.2.3.4 20)" unknown
R HSET ${P}user:an role approver wards 00001 pw HASH disabled 0 gen 2 fails 0 locked_until 0 >/dev/null
is "check: the hash" "$(ev login $P check 1000 T0 60000 an $A 1.2.3.4 20 | tr '\n' ' ')" "ok HASH "
for i in 1 2 3 4; do
	is "failure $i" "$(ev login $P fail 1000 T0 60000 an $A 1.2.3.4 5 900000 900000)" fail
done
is "four failures counted" "$(R HGET ${P}user:an fails)" 4
is "the fifth locks" "$(ev login $P fail 1000 T0 60000 an $A 1.2.3.4 5 900000 900000)" locked
is "locked until" "$(R HGET ${P}user:an locked_until)" 901000
is "check: locked" "$(ev login $P check 2000 T0 60000 an $A 1.2.3.4 20 | head -1)" locked
is "check: unlocked after" "$(ev login $P check 901001 T0 60000 an $A 1.2.3.4 20 | head -1)" ok
is "the address counted" "$(R GET ${P}login:addr:$A)" 5
is "the address window" "$(R PTTL ${P}login:addr:$A | awk '{ print ($1 > 0) }')" 1
is "address over its limit" "$(ev login $P check 901001 T0 60000 an $A 1.2.3.4 5)" addr
is "failures audited" "$(R XRANGE ${P}audit - + | grep -c '^login_failed$')" 5
is "the lock in the detail" "$(R XRANGE ${P}audit - + | grep -c '^account locked$')" 1
ev login $P fail 1000 T0 60000 ghost $A 1.2.3.4 5 900000 900000 >/dev/null
is "an unknown user: no account made" "$(R EXISTS ${P}user:ghost)" 0
is "ok: a session" "$(ev login $P ok 1000 T1 60000 an $A 1.2.3.4 $S CS 30000 | tr '\n' ' ')" "ok approver 00001 0 "
is "session fields" "$(R HMGET ${P}session:$S user csrf gen created_at | tr '\n' ' ')" "an CS 2 T1 "
is "session expires" "$(R PTTL ${P}session:$S | awk '{ print ($1 > 0 && $1 <= 30000) }')" 1
is "fails reset" "$(R HMGET ${P}user:an fails locked_until | tr '\n' ' ')" "0 0 "
is "login audited" "$(R XREVRANGE ${P}audit + - COUNT 1 | sed -n '7p;11p' | tr '\n' ' ')" "login 1.2.3.4 "
ev login $P fail 1000 T0 60000 an $A 1.2.3.4 5 900000 900000 >/dev/null
n=$(R XLEN ${P}audit)
is "verified (loactl --as): role and wards" "$(ev login $P verified 1000 T1 60000 an $A local | tr '\n' ' ')" "ok approver 00001 0 "
is "... fails reset" "$(R HGET ${P}user:an fails)" 0
is "... no session, nothing audited" "$(R KEYS "${P}session:*" | grep -vc "$S") $(R XLEN ${P}audit)" "0 $n"
is "verified for an account gone" "$(ev login $P verified 1000 T1 60000 ghost $A local)" unknown
is "ok for an account gone" "$(ev login $P ok 1000 T1 60000 ghost $A x $S CS 30000)" unknown
# A one-time password, then changed through the session $S.
R HSET ${P}user:an must_change 1 >/dev/null
is "verified: must_change" "$(ev login $P verified 1000 T1 60000 an $A local | tail -1)" 1
S2=$(printf '%064d' 5)
is "ok: must_change" "$(ev login $P ok 1000 T1 60000 an $A 1.2.3.4 $S2 CS2 30000 | tail -1)" 1
is "passwd: another account's session refused" "$(ev login $P passwd 1000 T2 60000 other $A 1.2.3.4 NEWHASH $S)" unknown
is "passwd" "$(ev login $P passwd 1000 T2 60000 an $A 1.2.3.4 NEWHASH $S)" ok
is "the hash, must_change cleared, gen bumped" "$(R HMGET ${P}user:an pw must_change gen | tr '\n' ' ')" "NEWHASH 0 3 "
is "this session has the new gen" "$(R HGET ${P}session:$S gen)" 3
is "the other session keeps the old one (whoami ends it)" "$(R HGET ${P}session:$S2 gen)" 2
is "passwd through the other session: refused" "$(ev login $P passwd 1000 T2 60000 an $A 1.2.3.4 HASH3 $S2)/$(R HGET ${P}user:an pw)" unknown/NEWHASH
is "audited" "$(R XREVRANGE ${P}audit + - COUNT 1 | sed -n '5p;7p;9p;11p' | tr '\n' ' ')" "an password_change an 1.2.3.4 "
is "passwd: no such session" "$(ev login $P passwd 1000 T2 60000 an $A 1.2.3.4 HASH3 $(printf '%064d' 6))" unknown
R HSET ${P}user:an disabled 1 >/dev/null
is "passwd: disabled account refused" "$(ev login $P passwd 1000 T2 60000 an $A 1.2.3.4 HASH3 $S)" unknown
is "check: disabled" "$(ev login $P check 1000 T0 60000 an $(printf '%064d' 8) x 20)" disabled
is "logout" "$(ev login $P logout 1000 T1 60000 '' '' '' $S)" ok
is "session gone" "$(R EXISTS ${P}session:$S)" 0
