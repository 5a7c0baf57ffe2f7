-- audit.lua (lib) -- one entry of the audit trail, for scripts that act
-- and record the act atomically ("--: include audit", after keys).
--
-- audit(_, retention_ms, now_iso, actor, action, target, from, detail):
-- XADD to K.audit() the fields ts actor action target from [detail],
-- the same as auth.c's loa_audit_argv() (the first argument, the key
-- prefix, is K's).  The stream is trimmed by age (MINID ~, from the
-- server's clock) so that at least retention_ms of it is kept.  detail
-- is neutralised by the C caller.
-- luacheck: push ignore 211
local function audit(_, ret, now, actor, action, target, from, detail)
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local min = ms - (tonumber(ret) or 0)
  if min < 0 then min = 0 end
  local f = {'ts', now, 'actor', actor, 'action', action,
    'target', target or '', 'from', from or ''}
  if detail and detail ~= '' then
    f[#f + 1] = 'detail'
    f[#f + 1] = detail
  end
  return redis.call('XADD', K.audit(), 'MINID', '~', string.format('%d-0', min),
    '*', unpack(f))
end
-- luacheck: pop
