-- reject.lua -- reject an invalid job.
--
-- ARGV: prefix stream eid id raw error now_iso maxlen event retention_ms
-- A job with an id gets a hash (and an entry in the job index).
--: include keys
--: include common
local _, stream, eid, id, raw, err, now, maxlen, event, ret = unpack(ARGV, 1, 10)
if id ~= '' then
  local jk = K.job(id)
  local st = redis.call('HGET', jk, 'state')
  if (not st) or st == 'rejected' then
    redis.call('HSET', jk, 'state', 'rejected', 'error', err,
      'created_at', now, 'finished_at', now, 'total', 0)
    redis.call('PEXPIRE', jk, ret)
    index_add(id)
  end
end
redis.call('XADD', K.dead(), '*', 'job', raw, 'error', err,
  'id', id, 'entry', eid, 'ts', now)
redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event', event)
redis.call('XACK', stream, 'loa', eid)
redis.call('XDEL', stream, eid)
return 1
