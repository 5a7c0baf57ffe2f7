-- accept.lua -- accept a valid job.
--
-- ARGV: prefix stream eid id spec total now_iso prio chunk maxlen event
--       send_at_ms retention_ms wards_json by
-- (by: who submitted it, the job hash's submitted_by; "stream" for an
-- entry written straight into the stream)
-- (stream: the ingest stream eid was read from; retention_ms is not read:
-- an accepted job expires when it finishes)
-- total -1: an audience job, expanded from the directory.  chunk is not
-- read (expand cuts the work entries).
--
--: include keys
--: include common
local _, stream, eid, id, spec, total, now, prio, _, maxlen, event, sendat, _, wards, by =
  unpack(ARGV, 1, 15)
total, sendat = tonumber(total), tonumber(sendat)
local jk = K.job(id)
local st = redis.call('HGET', jk, 'state')
local res = 'accepted'
if st and st ~= 'rejected' then
  res = 'duplicate'
else
  if st then redis.call('DEL', jk, K.job_out(id), K.job_phones(id), K.job_why(id)) end
  redis.call('HSET', jk, 'total', math.max(total, 0), 'sent', 0,
    'delivered', 0, 'failed', 0, 'skipped', 0, 'expired', 0,
    'cancelled', 0, 'created_at', now, 'priority', prio, 'entry', eid,
    'submitted_by', by or 'stream')
  index_add(id)
  redis.call('SET', K.job_spec(id), spec)
  redis.call('SET', K.job_wards(id), wards)
  if total < 0 then redis.call('HSET', jk, 'audience', 1) end
  if sendat > 0 then
    redis.call('HSET', jk, 'state', 'scheduled')
    redis.call('ZADD', K.schedule(), sendat, id)
    res = 'scheduled'
  else
    start(jk, id, prio, total)
  end
  redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event', event)
end
redis.call('XACK', stream, 'loa', eid)
redis.call('XDEL', stream, eid)
return res
