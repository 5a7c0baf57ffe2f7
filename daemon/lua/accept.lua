-- accept.lua -- accept a valid job.
--
-- ARGV: prefix stream eid id spec total now_iso prio chunk maxlen event
--       send_at_ms retention_ms wards_json by need min_recipients
--       deadline_ms deadline_iso
-- (by: who submitted it, the job hash's submitted_by; missing or empty:
-- "stream", an entry written straight into the stream)
-- (stream: the ingest stream eid was read from; retention_ms is not read:
-- an accepted job expires when it finishes)
-- total -1: an audience job, expanded from the directory.  chunk is not
-- read (expand cuts the work entries).
--
-- Approval (daemon/approval.c): need "1" when the job needs approval;
-- else min_recipients > 0 asks the script to count an audience's
-- residents (each reached ward's residents set) and to hold the job
-- when they are at least that many.  A held job is awaiting_approval:
-- its first work entry is not queued (approve.lua queues it, or
-- schedules it for send_at_ms, kept in the hash), and it waits in the
-- approvals set until deadline_ms (approval_expire.lua).  Returns
-- accepted, scheduled, awaiting_approval or duplicate.
--
--: include keys
--: include common
local _, stream, eid, id, spec, total, now, prio, _, maxlen, event, sendat, _, wards,
  by, need, min, deadline, deadline_iso = unpack(ARGV, 1, 19)
total, sendat, min = tonumber(total), tonumber(sendat), tonumber(min) or 0
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
    'submitted_by', (by and by ~= '') and by or 'stream')
  index_add(id)
  redis.call('SET', K.job_spec(id), spec)
  redis.call('SET', K.job_wards(id), wards)
  if total < 0 then redis.call('HSET', jk, 'audience', 1) end
  if need ~= '1' and min > 0 then
    -- an audience's reach: the residents the directory has in its wards
    local n = 0
    for _, w in ipairs(cjson.decode(wards)) do
      n = n + redis.call('SCARD', K.ward_residents(w[1]))
    end
    if n >= min then need = '1' end
  end
  if need == '1' then
    redis.call('HSET', jk, 'state', 'awaiting_approval', 'send_at_ms', sendat,
      'approval_deadline', deadline_iso)
    redis.call('ZADD', K.approvals(), deadline, id)
    res = 'awaiting_approval'
    event = cjson.encode({ts = now, job = id, state = res})
  elseif sendat > 0 then
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
