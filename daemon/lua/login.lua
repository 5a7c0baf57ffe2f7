-- login.lua -- POST /v1/session and DELETE /v1/session (httpd.c): the
-- login limits, then the session or the failure, audited.
--
-- ARGV: prefix op now_ms now_iso retention_ms user addr from rest...
-- addr: the SHA-256 (hex) of the client's address (a key part: an IPv6
-- address has ':'); from: the address as the audit shows it.
--   op "check": rest = addr_max.  Returns {"addr"} when addr_max logins
--     failed from addr in the window, {"unknown"}, {"disabled"},
--     {"locked", until_ms} or {"ok", argon2id string}.
--   op "ok": rest = session_hex csrf idle_ms.  The session, fails reset,
--     audit "login".  Returns {"ok", role, wards, must_change} (must_change
--     "1": a one-time password, to be changed first), or {"unknown"} when
--     the account went meanwhile.
--   op "fail": rest = user_max lock_ms window_ms.  One more failure for
--     the account (locked lock_ms after user_max in a row) and for addr
--     (kept window_ms), audit "login_failed".  Returns {"locked"} when
--     this failure locked the account, else {"fail"}.
-- A name no account has is counted and locked the same way, in
-- login:name:<user> (gone when its lock or window ends): were it not,
-- the lock would tell which names are accounts.
--   op "logout": rest = session_hex.  The session goes.  Returns {"ok"}.
--   op "verified": no rest.  loactl approve|reject --as checked the
--     password: fails reset, no session (the act is audited itself).
--     Returns {"ok", role, wards, must_change}, or {"unknown"}.
--   op "passwd": rest = argon2id session_hex.  POST /v1/session/password
--     checked the old password: the new hash, must_change cleared, fails
--     reset, gen bumped (every other session of the account ends) and
--     given to this session, audit "password_change".  Returns {"ok"}, or
--     {"unknown"} when the session is not the account's current one (it
--     ended, or the password changed meanwhile) or the account is gone
--     or disabled.
--
--: include keys
--: include audit
local _, op, now_ms, now, ret, user, addr, from = unpack(ARGV, 1, 8)
now_ms = tonumber(now_ms)
local uk = K.user(user)
if op == 'check' then
  local max = tonumber(ARGV[9])
  if (tonumber(redis.call('GET', K.login_addr(addr))) or 0) >= max then
    return {'addr'}
  end
  local u = redis.call('HMGET', uk, 'pw', 'disabled', 'locked_until')
  if not u[1] then
    local l = redis.call('HGET', K.login_name(user), 'locked_until')
    if (tonumber(l) or 0) > now_ms then return {'locked', l} end
    return {'unknown'}
  end
  if u[2] == '1' then return {'disabled'} end
  if (tonumber(u[3]) or 0) > now_ms then return {'locked', u[3]} end
  return {'ok', u[1]}
elseif op == 'ok' then
  local sid, csrf, idle = ARGV[9], ARGV[10], ARGV[11]
  local u = redis.call('HMGET', uk, 'role', 'wards', 'gen', 'must_change')
  if not u[1] then return {'unknown'} end
  redis.call('HSET', uk, 'fails', 0, 'locked_until', 0)
  local sk = K.session(sid)
  redis.call('HSET', sk, 'user', user, 'csrf', csrf, 'gen', u[3] or '',
    'created_at', now, 'seen_at', now)
  redis.call('PEXPIRE', sk, idle)
  audit(nil, ret, now, user, 'login', user, from)
  return {'ok', u[1], u[2] or '', u[4] == '1' and '1' or '0'}
elseif op == 'fail' then
  local umax, lock, window = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
  local res = 'fail'
  local fk = uk
  if redis.call('EXISTS', uk) == 0 then
    fk = K.login_name(user)
  end
  local n = redis.call('HINCRBY', fk, 'fails', 1)
  if n >= umax then
    redis.call('HSET', fk, 'fails', 0, 'locked_until', now_ms + lock)
    res = 'locked'
  end
  if fk ~= uk then redis.call('PEXPIRE', fk, math.max(lock, window)) end
  local ak = K.login_addr(addr)
  if redis.call('INCR', ak) == 1 then redis.call('PEXPIRE', ak, window) end
  audit(nil, ret, now, user, 'login_failed', user, from,
    res == 'locked' and 'account locked' or nil)
  return {res}
elseif op == 'verified' then
  local u = redis.call('HMGET', uk, 'role', 'wards', 'must_change')
  if not u[1] then return {'unknown'} end
  redis.call('HSET', uk, 'fails', 0, 'locked_until', 0)
  return {'ok', u[1], u[2] or '', u[3] == '1' and '1' or '0'}
elseif op == 'passwd' then
  local pw, sk = ARGV[9], K.session(ARGV[10])
  local s = redis.call('HMGET', sk, 'user', 'gen')
  local u = redis.call('HMGET', uk, 'disabled', 'gen')
  if s[1] ~= user or not u[2] or u[1] == '1' or s[2] ~= u[2] then
    return {'unknown'}
  end
  redis.call('HSET', uk, 'pw', pw, 'must_change', 0, 'fails', 0,
    'locked_until', 0)
  redis.call('HSET', sk, 'gen', redis.call('HINCRBY', uk, 'gen', 1))
  audit(nil, ret, now, user, 'password_change', user, from)
  return {'ok'}
elseif op == 'logout' then
  redis.call('DEL', K.session(ARGV[9]))
  return {'ok'}
end
return redis.error_reply('login: unknown op')
