-- approval.lua (lib) -- may actor decide on job id's approval? Shared by
-- approve and reject_approval ("--: include approval", after keys and
-- jobwards).
--
-- approval_check(id, actor, scope): nil when it may; else why not:
-- "unknown" (no such job), the job's state when it is not
-- awaiting_approval, "self" when actor submitted it (two persons, always),
-- "scope" when scope ("all", or ward codes "a,b,c") does not cover every
-- ward the job reaches (lib/jobwards.lua: the wards the HTTP API's scope
-- checks use; a recipient without a ward, or no ward at all: only
-- "all").  The caller checked the role; the scope is checked here again,
-- in the same step as the act, so a job cannot change under the check.
-- luacheck: push ignore 211
local function approval_check(id, actor, scope)
  local v = redis.call('HMGET', K.job(id), 'state', 'submitted_by', 'audience')
  if not v[1] then return 'unknown' end
  if v[1] ~= 'awaiting_approval' then return v[1] end
  if v[2] == actor then return 'self' end
  if scope == 'all' then return nil end
  local allow = {}
  for c in string.gmatch(scope, '[^,]+') do allow[c] = true end
  if not covered(job_wards(id, v[3]), allow) then return 'scope' end
  return nil
end
-- luacheck: pop
