-- audit.lua (lib) -- append an act to the audit trail ("--: include
-- audit", after keys), for the scripts that do an act atomically
-- (approve, reject_approval, approval_expire).
--
-- audit(prefix, retention_ms, now_iso, actor, action, target, from,
-- detail): one entry of <prefix>audit with fields ts, actor, action,
-- target, from and, when not empty, detail; entries older than
-- retention_ms (by the server's clock) are trimmed with MINID ~, so at
-- least retention is kept.  prefix is K's (ARGV[1]): it is a parameter
-- because the design's C helper takes it too.
-- luacheck: push ignore 211
local function audit(_, ret, now, actor, action, target, from, detail)
  local t = redis.call('TIME')
  local min = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) -
    (tonumber(ret) or 0)
  local f = {'ts', now, 'actor', actor, 'action', action, 'target', target,
    'from', from or ''}
  if detail and detail ~= '' then
    f[#f + 1] = 'detail'
    f[#f + 1] = detail
  end
  redis.call('XADD', K.audit(), 'MINID', '~', math.max(min, 0), '*', unpack(f))
end
-- luacheck: pop
