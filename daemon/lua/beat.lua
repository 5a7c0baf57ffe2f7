-- beat.lua -- a daemon's entry in the daemon registry (what "loactl
-- status" lists), refreshed from its cron every few seconds.
--
-- ARGV: prefix consumer ttl_ms field value ...
-- The hash <prefix>daemon:<consumer> gets the fields (pid, host, version,
-- started_at, last_seen, max_inflight, active, chunks, retrying) and
-- expires after ttl_ms, so a daemon that dies leaves the registry by
-- itself; the set <prefix>daemons names the consumers (overview.lua
-- drops those whose hash has expired).  ttl_ms 0: the daemon stops
-- cleanly and leaves now.
--: include keys
local _, consumer, ttl = unpack(ARGV, 1, 3)
local dk = K.daemon(consumer)
redis.call('DEL', dk)
if ttl == '0' then
  redis.call('SREM', K.daemons(), consumer)
  return 0
end
for i = 4, #ARGV - 1, 2 do redis.call('HSET', dk, ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', dk, ttl)
redis.call('SADD', K.daemons(), consumer)
return 1
