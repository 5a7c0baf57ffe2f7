-- account.lua -- loactl user and loactl token: accounts and named tokens
-- (auth.c has what the fields mean), each change with its audit entry.
--
-- ARGV: prefix op now_iso retention_ms actor from name rest...
--   user_add     rest = role wards argon2id must_change
--                                             -> "ok" | "exists"
--   user_disable                              -> "ok" | "unknown" | "already"
--   user_passwd  rest = argon2id must_change  -> "ok" | "unknown"
--   token_add    rest = role wards sha256hex  -> "ok" | "exists"
--   ("exists": an account or a token has the name; they share one namespace)
--   token_revoke                              -> "ok" | "unknown" | "already"
--   user_list, token_list (name unused)       -> {{name, field, value...}...}
-- A password change or a disabling bumps the account's gen, which ends
-- its sessions (whoami.lua).  A revoked token's digest stops naming it.
-- must_change "1" (a password loactl made and printed): the account's
-- sessions may only change it (must_change, cleared by login.lua passwd).
--
--: include keys
--: include audit
local _, op, now, ret, actor, from, name = unpack(ARGV, 1, 7)
-- Accounts and tokens share one namespace: the audit names either.
local function taken(n)
  return redis.call('EXISTS', K.user(n), K.token(n)) > 0
end
if op == 'user_list' or op == 'token_list' then
  local set = op == 'user_list' and K.users() or K.tokens()
  local names = redis.call('SMEMBERS', set)
  table.sort(names)
  local out = {}
  for _, n in ipairs(names) do
    local h = redis.call('HGETALL', op == 'user_list' and K.user(n) or K.token(n))
    local row = {n}
    for i = 1, #h, 2 do
      if h[i] ~= 'pw' and h[i] ~= 'digest' then
        row[#row + 1] = h[i]
        row[#row + 1] = h[i + 1]
      end
    end
    out[#out + 1] = row
  end
  return out
end
if op == 'user_add' then
  local role, wards, pw = ARGV[8], ARGV[9], ARGV[10]
  if taken(name) then return 'exists' end
  redis.call('HSET', K.user(name), 'role', role, 'wards', wards, 'pw', pw,
    'disabled', 0, 'created_at', now, 'fails', 0, 'locked_until', 0, 'gen', 1,
    'must_change', ARGV[11] == '1' and 1 or 0)
  redis.call('SADD', K.users(), name)
  audit(nil, ret, now, actor, 'user_add', name, from, role .. ' ' .. wards)
  return 'ok'
elseif op == 'user_disable' or op == 'user_passwd' then
  local uk = K.user(name)
  local d = redis.call('HGET', uk, 'disabled')
  if not d then return 'unknown' end
  if op == 'user_disable' then
    if d == '1' then return 'already' end
    redis.call('HSET', uk, 'disabled', 1)
  else
    redis.call('HSET', uk, 'pw', ARGV[8], 'fails', 0, 'locked_until', 0,
      'must_change', ARGV[9] == '1' and 1 or 0)
  end
  redis.call('HINCRBY', uk, 'gen', 1)
  audit(nil, ret, now, actor, op, name, from)
  return 'ok'
elseif op == 'token_add' then
  local role, wards, digest = ARGV[8], ARGV[9], ARGV[10]
  if taken(name) then return 'exists' end
  redis.call('HSET', K.token(name), 'digest', digest, 'role', role,
    'wards', wards, 'created_at', now, 'revoked', 0)
  redis.call('SET', K.tokendigest(digest), name)
  redis.call('SADD', K.tokens(), name)
  audit(nil, ret, now, actor, 'token_add', name, from, role .. ' ' .. wards)
  return 'ok'
elseif op == 'token_revoke' then
  local tk = K.token(name)
  local t = redis.call('HMGET', tk, 'digest', 'revoked')
  if not t[1] then return 'unknown' end
  if t[2] == '1' then return 'already' end
  redis.call('HSET', tk, 'revoked', 1, 'revoked_at', now)
  redis.call('DEL', K.tokendigest(t[1]))
  audit(nil, ret, now, actor, 'token_revoke', name, from)
  return 'ok'
end
return redis.error_reply('account: unknown op')
