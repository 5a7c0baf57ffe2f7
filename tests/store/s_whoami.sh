# whoami: ARGV prefix kind hex idle_ms now_iso
D=$(printf '%064d' 1)
S=$(printf '%064d' 2)
is "unknown token" "$(ev whoami $P token $D 1000 T0)" ""
R SET ${P}tokendigest:$D sys >/dev/null
R HSET ${P}token:sys digest $D role approver wards 00001 revoked 0 >/dev/null
is "a token" "$(ev whoami $P token $D 1000 T0 | tr '\n' ' ')" "sys approver 00001  0 "
R HSET ${P}token:sys digest "$(printf '%064d' 3)" >/dev/null
is "a digest that does not match the token's" "$(ev whoami $P token $D 1000 T0)" ""
R HSET ${P}token:sys digest $D revoked 1 >/dev/null
is "revoked" "$(ev whoami $P token $D 1000 T0)" ""
is "unknown session" "$(ev whoami $P session $S 1000 T0)" ""
R HSET ${P}user:an role drafter wards all disabled 0 gen 4 >/dev/null
R HSET ${P}session:$S user an csrf C1 gen 4 >/dev/null
is "a session" "$(ev whoami $P session $S 5000 T1 | tr '\n' ' ')" "an drafter all C1 0 "
R HSET ${P}user:an must_change 1 >/dev/null
is "a session of a one-time password" "$(ev whoami $P session $S 5000 T1 | tail -1)" 1
R HSET ${P}user:an must_change 0 >/dev/null
is "idle expiry started" "$(R PTTL ${P}session:$S | awk '{ print ($1 > 4000 && $1 <= 5000) }')" 1
is "seen_at" "$(R HGET ${P}session:$S seen_at)" T1
R HSET ${P}user:an gen 5 >/dev/null
is "password changed since: nobody" "$(ev whoami $P session $S 5000 T1)" ""
is "and the session is gone" "$(R EXISTS ${P}session:$S)" 0
R HSET ${P}session:$S user an csrf C1 gen 5 >/dev/null
R HSET ${P}user:an disabled 1 >/dev/null
is "disabled account: nobody" "$(ev whoami $P session $S 5000 T1)" ""
R HSET ${P}session:$S user ghost csrf C1 gen 1 >/dev/null
is "an account that is no more" "$(ev whoami $P session $S 5000 T1)" ""
