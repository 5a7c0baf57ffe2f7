# dead_retry: KEYS dead jobs; ARGV entry id
e=$(R XADD ${P}dead '*' job '{"id":"a"}' error bad)
is "missing" "$(R EVAL "$(cat $LUA/dead_retry.lua)" 2 ${P}dead ${P}jobs 1-1)" 0
n=$(R EVAL "$(cat $LUA/dead_retry.lua)" 2 ${P}dead ${P}jobs $e)
is "back on the ingest stream" "$(echo "$n" | head -1) $(R XLEN ${P}jobs) $(R XLEN ${P}dead)" "2 1 0"
e=$(R XADD ${P}dead '*' error bad)
is "a dead letter without a job" "$(R EVAL "$(cat $LUA/dead_retry.lua)" 2 ${P}dead ${P}jobs $e) $(R XLEN ${P}dead)" "1 1"
