-- approve.lua -- a second person approves a job awaiting approval.
--
-- ARGV: prefix id actor scope now_iso now_ms maxlen retention_ms from
-- The checks of lib/approval.lua (state, not the submitter, scope), then,
-- in one step: the job leaves the approvals set, records approved_by,
-- and its first work entry is queued (common.lua's start(), as accept
-- does for a job that needs no approval), or it is scheduled when its
-- send_at (send_at_ms, kept by accept) is still to come; an event, and
-- the audit entry (action approve, target the job).  Returns
-- "ok:<new state>", or approval_check()'s reason.
--
--: include keys
--: include common
--: include audit
--: include jobwards
--: include approval
local _, id, actor, scope, now, now_ms, maxlen, ret, from = unpack(ARGV, 1, 9)
local bad = approval_check(id, actor, scope)
if bad then return bad end
local jk = K.job(id)
local v = redis.call('HMGET', jk, 'total', 'priority', 'audience', 'send_at_ms')
redis.call('ZREM', K.approvals(), id)
redis.call('HSET', jk, 'approved_by', actor)
redis.call('HDEL', jk, 'send_at_ms')
local state
local sendat = tonumber(v[4]) or 0
if sendat > tonumber(now_ms) then
  redis.call('HSET', jk, 'state', 'scheduled')
  redis.call('ZADD', K.schedule(), sendat, id)
  state = 'scheduled'
else
  local total = v[3] == '1' and -1 or (tonumber(v[1]) or 0)
  start(jk, id, v[2] or 'normal', total)
  state = total < 0 and 'expanding' or 'sending'
end
redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
  cjson.encode({ts = now, job = id, state = state, approved_by = actor}))
audit(ARGV[1], ret, now, actor, 'approve', id, from, '')
return 'ok:' .. state
