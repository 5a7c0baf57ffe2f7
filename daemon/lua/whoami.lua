-- whoami.lua -- who a request of the HTTP API is (httpd.c): a named
-- token, or an account through its session cookie.
--
-- ARGV: prefix kind hex idle_ms now_iso
-- kind "token": hex is the SHA-256 of the bearer token; kind "session":
-- of the session id.  Returns {} for nobody (unknown, revoked, disabled,
-- expired, or a session older than its account's last password change or
-- disabling: the account's gen), else {name, role, wards, csrf,
-- must_change} (csrf '' for a token; must_change "1" for an account whose
-- one-time password is still to be changed, else "0").  A session's idle expiry starts again (PEXPIRE idle_ms).
-- The secret is looked up by its digest, never compared in clear here.
--
--: include keys
local _, kind, hex, idle, now = unpack(ARGV, 1, 5)
if kind == 'token' then
  local name = redis.call('GET', K.tokendigest(hex))
  if not name then return {} end
  local t = redis.call('HMGET', K.token(name), 'digest', 'role', 'wards', 'revoked')
  if t[1] ~= hex or t[4] == '1' or not t[2] then return {} end
  return {name, t[2], t[3] or '', '', '0'}
end
local sk = K.session(hex)
local s = redis.call('HMGET', sk, 'user', 'csrf', 'gen')
if not s[1] then return {} end
local u = redis.call('HMGET', K.user(s[1]), 'role', 'wards', 'disabled', 'gen',
  'must_change')
if not u[1] or u[3] == '1' or u[4] ~= s[3] then
  redis.call('DEL', sk)
  return {}
end
redis.call('HSET', sk, 'seen_at', now)
redis.call('PEXPIRE', sk, idle)
return {s[1], u[1], u[2] or '', s[2] or '', u[5] == '1' and '1' or '0'}
