-- cancel.lua -- cancel a job.
--
-- Cancel a job: nothing more goes out for it (the daemons holding its
-- work see the state within a second; work entries read later are
-- recorded cancelled by the gate; a job awaiting approval never starts).
-- Explicit recipients never turned into
-- work are counted cancelled here.  ARGV: prefix id now_iso maxlen
-- retention_ms.  Returns "ok", "unknown", or the state that prevents it.
--
--: include keys
local _, id, now, maxlen, ret = unpack(ARGV, 1, 5)
local jk = K.job(id)
local v = redis.call('HMGET', jk, 'state', 'total', 'queued_upto', 'audience')
if not v[1] then return 'unknown' end
if v[1] ~= 'sending' and v[1] ~= 'expanding' and v[1] ~= 'scheduled' and
  v[1] ~= 'awaiting_approval' then
  return v[1]
end
redis.call('HSET', jk, 'state', 'cancelled', 'finished_at', now)
if v[4] ~= '1' then
  local rest = (tonumber(v[2]) or 0) - (tonumber(v[3]) or 0)
  if rest > 0 then redis.call('HINCRBY', jk, 'cancelled', rest) end
end
redis.call('ZREM', K.schedule(), id)
redis.call('ZREM', K.approvals(), id)
redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
  cjson.encode({ts = now, job = id, state = 'cancelled'}))
for _, k in ipairs(K.job_all(id)) do
  redis.call('PEXPIRE', k, ret)
end
return 'ok'
