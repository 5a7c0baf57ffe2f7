-- reject_approval.lua -- a second person rejects a job awaiting approval.
--
-- ARGV: prefix id actor scope reason now_iso maxlen retention_ms from
-- (reject.lua is the daemon's rejection of an invalid job: another act.)
-- The checks of lib/approval.lua (state, not the submitter, scope), then,
-- in one step: state rejected_by_approver (final: nothing is ever sent),
-- rejected_by, reject_reason, finished_at; the job leaves the approvals
-- set, its keys expire after retention_ms; an event, and the audit entry
-- (action reject, the reason as its detail).  Returns "ok", or
-- approval_check()'s reason.
--
--: include keys
--: include audit
--: include jobwards
--: include approval
local _, id, actor, scope, reason, now, maxlen, ret, from = unpack(ARGV, 1, 9)
local bad = approval_check(id, actor, scope)
if bad then return bad end
local jk = K.job(id)
redis.call('ZREM', K.approvals(), id)
redis.call('HSET', jk, 'state', 'rejected_by_approver', 'rejected_by', actor,
  'reject_reason', reason, 'finished_at', now)
redis.call('HDEL', jk, 'send_at_ms')
redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
  cjson.encode({ts = now, job = id, state = 'rejected_by_approver',
    rejected_by = actor}))
for _, k in ipairs(K.job_all(id)) do
  redis.call('PEXPIRE', k, ret)
end
audit(ARGV[1], ret, now, actor, 'reject', id, from, reason)
return 'ok'
