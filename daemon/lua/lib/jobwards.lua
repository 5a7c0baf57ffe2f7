-- jobwards.lua (lib) -- the wards a stored job reaches, for scope checks
-- ("--: include jobwards", after keys; scope.lua, jobs.lua).
--
-- job_wards(id, audience): audience jobs (the job hash's audience = 1)
-- reach the wards accept stored in K.job_wards(id) ([[code, name,
-- district], ...]); explicit jobs reach the wards their recipients name
-- in the spec, '' for a recipient without one (only scope "all" covers
-- it).  Returns a list of codes, each once; empty when nothing is known
-- (a rejected job): only "all" covers that (auth.c, loa_scope_covers).
-- covered(codes, scope): is every code in scope (a set; nil: all)?
-- luacheck: push ignore 211
local function job_wards(id, audience)
  local out, seen = {}, {}
  local function add(c)
    if type(c) ~= 'string' then c = '' end
    if not seen[c] then seen[c] = true; out[#out + 1] = c end
  end
  if audience == '1' then
    local w = redis.call('GET', K.job_wards(id))
    local ok, t = pcall(cjson.decode, w or '[]')
    if ok and type(t) == 'table' then
      for _, e in ipairs(t) do
        if type(e) == 'table' then add(e[1]) end
      end
    end
  else
    local s = redis.call('GET', K.job_spec(id))
    local ok, t = pcall(cjson.decode, s or '{}')
    if ok and type(t) == 'table' and type(t.recipients) == 'table' then
      for _, r in ipairs(t.recipients) do
        add(type(r) == 'table' and r.ward or nil)
      end
    end
  end
  return out
end
local function covered(codes, scope)
  if not scope then return true end
  if #codes == 0 then return false end
  for _, c in ipairs(codes) do
    if not scope[c] then return false end
  end
  return true
end
-- luacheck: pop
