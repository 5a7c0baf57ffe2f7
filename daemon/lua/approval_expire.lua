-- approval_expire.lua -- end the jobs never approved in time.
--
-- ARGV: prefix now_ms now_iso maxlen retention_ms -> number ended.
-- The daemon's cron calls it (any daemon: the approvals set is shared).
-- Each job of the approvals set whose approval_deadline (its score, ms)
-- has passed and that still awaits approval ends "expired" with the
-- error "not approved in time"; an explicit job's recipients count as
-- expired (nothing was sent).  At most 64 a call: the cron comes back.
--: include keys
local _, now_ms, now, maxlen, ret = unpack(ARGV, 1, 5)
local due = redis.call('ZRANGEBYSCORE', K.approvals(), '-inf', now_ms, 'LIMIT', 0, 64)
for _, id in ipairs(due) do
  redis.call('ZREM', K.approvals(), id)
  local jk = K.job(id)
  local v = redis.call('HMGET', jk, 'state', 'total')
  if v[1] == 'awaiting_approval' then
    redis.call('HSET', jk, 'state', 'expired', 'error', 'not approved in time',
      'finished_at', now, 'expired', tonumber(v[2]) or 0)
    redis.call('HDEL', jk, 'send_at_ms')
    redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
      cjson.encode({ts = now, job = id, state = 'expired',
        error = 'not approved in time'}))
    for _, k in ipairs(K.job_all(id)) do
      redis.call('PEXPIRE', k, ret)
    end
  end
end
return #due
