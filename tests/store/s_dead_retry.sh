# dead_retry: ARGV prefix eid
e=$(R XADD ${P}dead '*' job '{"id":"a"}' error bad)
is "missing" "$(ev dead_retry $P 1-1)" 0
n=$(ev dead_retry $P $e)
is "back on the ingest stream" "$(echo "$n" | head -1) $(R XLEN ${P}jobs) $(R XLEN ${P}dead)" "2 1 0"
e=$(R XADD ${P}dead '*' error bad)
is "a dead letter without a job" "$(ev dead_retry $P $e) $(R XLEN ${P}dead)" "1 1"
