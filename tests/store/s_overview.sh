# The job index (accept and reject write it), jobs, overview, beat and
# backfill.
# accept: ARGV prefix stream eid id spec total now_iso prio chunk maxlen
# event send_at_ms retention_ms wards_json
e=$(pending ${P}jobs d1 job '{}')
ev accept $P ${P}jobs $e j1 '{}' 2 T0 normal 100 1000 '{}' 0 60000 '[]' >/dev/null
e=$(pending ${P}jobs d1 job '{}')
ev accept $P ${P}jobs $e j2 '{}' 1 T0 urgent 100 1000 '{}' 9999999999999 60000 '[]' >/dev/null
e=$(pending ${P}jobs d1 job 'bad')
ev reject $P ${P}jobs $e j3 bad 'no text' T0 1000 '{}' 60000 >/dev/null
e=$(pending ${P}jobs d1 job 'bad')
ev reject $P ${P}jobs $e '' bad 'no id' T0 1000 '{}' 60000 >/dev/null
is "accept and reject index the jobs with an id" "$(R ZRANGE ${P}index:jobs 0 -1 | tr '\n' ' ')" "j1 j2 j3 "
now=$(($(date +%s) * 1000))
is "scored with the time (ms)" "$(R ZSCORE ${P}index:jobs j1 | awk -v n=$now '{ print ($1 > n - 60000 && $1 < n + 60000) }')" 1

# jobs: ARGV prefix state limit
R ZADD ${P}index:jobs 1 j1 2 j2 3 j3 >/dev/null
is "newest first" "$(ev jobs $P '' 10 | grep '^j[0-9]$' | tr '\n' ' ')" "j3 j2 j1 "
is "with the hash" "$(ev jobs $P '' 1 | tr '\n' ' ' | grep -o 'state rejected')" "state rejected"
is "limit" "$(ev jobs $P '' 2 | grep '^j[0-9]$' | tr '\n' ' ')" "j3 j2 "
is "by state" "$(ev jobs $P scheduled 10 | grep '^j[0-9]$')" j2
R ZADD ${P}index:jobs 4 gone >/dev/null
is "an expired job is not listed" "$(ev jobs $P '' 10 | grep -c '^gone$')" 0
is "and leaves the index" "$(R ZSCORE ${P}index:jobs gone)" ""

# beat: ARGV prefix consumer ttl_ms field value ...
is "a daemon registers" "$(ev beat $P d1 15000 pid 12 host h version 0.1 active 3)" 1
is "its hash" "$(R HMGET ${P}daemon:d1 pid host active | tr '\n' ' ')" "12 h 3 "
is "expires" "$(R PTTL ${P}daemon:d1 | awk '{ print ($1 > 0 && $1 <= 15000) }')" 1
is "in the set" "$(R SMEMBERS ${P}daemons)" d1
ev beat $P d2 15000 pid 13 >/dev/null
ev beat $P d2 0 >/dev/null
is "leaving removes both" "$(R EXISTS ${P}daemon:d2) $(R SISMEMBER ${P}daemons d2)" "0 0"

# overview: ARGV prefix now_ms stale_ms provider...
R SADD ${P}daemons d3 >/dev/null
R HSET ${P}provider:p1 paused 1 paused_at 5 'circuit:d1' "open 100 $now" \
    'circuit:old' 'closed 1 2' >/dev/null
R XADD ${P}dead '*' job x >/dev/null
o=$(ev overview $P $now 30000 p1 p2)
is "daemons alive" "$(echo "$o" | jq -c '[.daemons[] | [.consumer, .pid, .active]]')" '[["d1",12,3]]'
is "a daemon whose hash expired leaves the set" "$(R SMEMBERS ${P}daemons)" d1
is "queues" "$(echo "$o" | jq -c '[.queues.ingest.entries, .queues.work.normal.entries, .queues.work.urgent.pending, .queues.scheduled, .queues.dead]')" '[0,1,0,1,3]'
is "jobs by state" "$(echo "$o" | jq -cS '.jobs')" '{"rejected":1,"scheduled":1,"sending":1}'
is "providers" "$(echo "$o" | jq -c '[.providers[] | [.name, .paused, .paused_at]]')" '[["p1",true,5],["p2",false,null]]'
is "live circuits only" "$(echo "$o" | jq -cS '.providers[0].circuits')" '[{"daemon":"d1","since":100,"state":"open"}]'
R SET ${P}log_level debug >/dev/null
is "log level" "$(ev overview $P $now 30000 | jq -r .log_level)" debug

# backfill: ARGV prefix cursor
R DEL ${P}index:jobs >/dev/null
R HSET ${P}job:old created_at 2026-01-02T03:04:05.678Z state done >/dev/null
R HSET ${P}job:old:out '#0' sent:sms >/dev/null
c=0
n=0
while :; do
	c=$(ev backfill $P $c)
	n=$((n + 1))
	[ "$c" = 0 ] || [ $n -gt 100 ] && break
done
is "every job hash indexed" "$(R ZRANGE ${P}index:jobs 0 -1 | tr '\n' ' ')" "j1 j2 j3 old "
is "by created_at (0 unreadable)" "$(R ZSCORE ${P}index:jobs old)" "$(($(date -d 2026-01-02T03:04:05Z +%s) * 1000 + 678))"
is "marked done" "$(R EXISTS ${P}index:jobs:backfilled)" 1
R DEL ${P}index:jobs >/dev/null
is "once" "$(ev backfill $P 0) $(R EXISTS ${P}index:jobs)" "0 0"
