#!/bin/sh
# t_claim.sh -- a daemon killed with SIGKILL mid-broadcast: its pending
# work is claimed by another daemon after claim_timeout, every recipient
# is reached, and any second send is reported as maybe_duplicate.
# serial: claim timeouts
. "$(dirname "$0")/lib.sh"

N=30000
start_redis || exit 1
write_conf a
start_loa a || exit 1
gen_job kc $N
submit "$T/kc.json" >/dev/null
wait_sent kc 3000 20
stop_loa a KILL
check "work left pending by the dead consumer" test "$(R XPENDING loa:work:normal loa | head -1)" -gt 0
write_conf b
start_loa b || exit 1
wait_for 60 "kc done" state_is kc done
is "all accounted as sent" "$(job_field kc sent)" $N
is "each recipient reached" "$(sent_unique kc)" $N
dups=$(( $(sent_lines kc) - N ))
md=$(grep -c maybe_duplicate "$T/b.delivery.log")
check "second sends ($dups) all reported as maybe_duplicate ($md)" test "$dups" -le "$md"
# The window: chunks gated ahead (2 x max_inflight) plus outcomes sent
# but not yet recorded (two ledger batches of 512) plus a chunk.
check "real second sends bounded by the window ($dups)" test "$dups" -le 2148
check "maybe_duplicate bounded by the window ($md)" test "$md" -le 2148
check "claim logged" grep -q "claimed" "$T/b.out"
stop_loa b
done_testing
