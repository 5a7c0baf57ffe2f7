-- approval.lua (lib) -- may actor decide on job id's approval? Shared by
-- approve and reject_approval ("--: include approval", after keys).
--
-- approval_check(id, actor, scope): nil when it may; else why not:
-- "unknown" (no such job), the job's state when it is not
-- awaiting_approval, "self" when actor submitted it (two persons, always),
-- "scope" when scope ("all", or ward codes "a,b,c") does not cover every
-- ward the job reaches: an audience's resolved wards (job:<id>:wards), or
-- every explicit recipient's ward (a recipient without one: only "all").
-- The caller checked the role; the scope is checked here again, in the
-- same step as the act, so a job cannot change under the check.
-- luacheck: push ignore 211
local function approval_check(id, actor, scope)
  local v = redis.call('HMGET', K.job(id), 'state', 'submitted_by', 'audience')
  if not v[1] then return 'unknown' end
  if v[1] ~= 'awaiting_approval' then return v[1] end
  if v[2] == actor then return 'self' end
  if scope == 'all' then return nil end
  local allow = {}
  for c in string.gmatch(scope, '[^,]+') do allow[c] = true end
  if v[3] == '1' then
    local wl = cjson.decode(redis.call('GET', K.job_wards(id)) or '[]')
    if next(wl) == nil then return 'scope' end
    for _, w in ipairs(wl) do
      if not allow[w[1]] then return 'scope' end
    end
  else
    local spec = cjson.decode(redis.call('GET', K.job_spec(id)) or '{}')
    for _, r in ipairs(type(spec.recipients) == 'table' and spec.recipients or {}) do
      if type(r) ~= 'table' or type(r.ward) ~= 'string' or not allow[r.ward] then
        return 'scope'
      end
    end
  end
  return nil
end
-- luacheck: pop
