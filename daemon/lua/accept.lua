-- accept.lua -- accept a valid job.
--
-- ARGV: prefix stream eid id spec total now_iso prio chunk maxlen event
--       send_at_ms retention_ms wards_json
-- total -1: an audience job, expanded from the directory.  chunk is not
-- read (expand cuts the work entries).
--
--: include common
local p, stream, eid, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local total, now, prio = tonumber(ARGV[6]), ARGV[7], ARGV[8]
local maxlen, sendat = ARGV[10], tonumber(ARGV[12])
local jk = p .. 'job:' .. id
local st = redis.call('HGET', jk, 'state')
local res = 'accepted'
if st and st ~= 'rejected' then
  res = 'duplicate'
else
  if st then redis.call('DEL', jk, jk .. ':out', jk .. ':phones') end
  redis.call('HSET', jk, 'total', math.max(total, 0), 'sent', 0,
    'delivered', 0, 'failed', 0, 'skipped', 0, 'expired', 0,
    'cancelled', 0, 'created_at', now, 'priority', prio, 'entry', eid)
  redis.call('SET', jk .. ':spec', ARGV[5])
  redis.call('SET', jk .. ':wards', ARGV[14])
  if total < 0 then redis.call('HSET', jk, 'audience', 1) end
  if sendat > 0 then
    redis.call('HSET', jk, 'state', 'scheduled')
    redis.call('ZADD', p .. 'schedule', sendat, id)
    res = 'scheduled'
  else
    start(p, jk, id, prio, total)
  end
  redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, '*', 'event', ARGV[11])
end
redis.call('XACK', stream, 'loa', eid)
redis.call('XDEL', stream, eid)
return res
