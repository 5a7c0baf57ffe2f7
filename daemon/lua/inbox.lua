-- inbox.lua -- messages from residents (route_webhook, daemon/inbox.c).
--
-- ARGV: prefix now_ms now_iso retention_ms audit_retention_ms provider,
-- then per message 13 values: kind channel from key_ok digest msg_id
-- sent_at text truncated note keyword arg shown.  key_ok is "1" when from may
-- be a key part (a phone's digits, or a Zalo uid of 1-64 [0-9A-Za-z_-]:
-- checked in C); digest is the SHA-256 (hex) of msg_id; keyword is
-- optout, register or "" (matched in C: daemon/keyword.c), arg the
-- register's normalized phone; shown is what an audit entry may name of
-- the sender (a masked phone, "zalo:<uid>").
--
-- Each message is kept once: <p>inbox:seen:<provider>:<digest> (SET NX,
-- PX retention) is taken first, and a replay changes nothing.  A new one
-- is looked up (the first resident by id of the sender's phone or uid
-- index, its ward and name; the last job within 7 days that reached the resident
-- or the phone), its keyword acted on (opt-out, DANG KY linking,
-- follow/unfollow kept), audited, and added to <p>inbox (trimmed by age,
-- MINID ~ the server's time - retention).  A job the sender answers for the first time
-- counts it (job field answered, set job:<id>:answered of senders).
--
-- Returns per message {"duplicate", kind} or {"stored", entry id,
-- resident, ward, job, keyword, action, kind, channel, the sender when a
-- key part ("" else)} (inbox.c acknowledges a keyword from Zalo by it).
--
--: include keys
--: include outcome
--: include audit
local now, now_iso = tonumber(ARGV[2]), ARGV[3]
local ret, aret, provider = tonumber(ARGV[4]), ARGV[5], ARGV[6]
local WEEK = 7 * 24 * 3600 * 1000
local out = {}

-- the residents of a sender, sorted by id
local function residents_of(channel, from, key_ok)
  if key_ok ~= '1' then return {} end
  local ids
  if channel == 'sms' then ids = redis.call('SMEMBERS', K.phone_residents(from))
  elseif channel == 'zalo' then ids = redis.call('SMEMBERS', K.zalo_residents(from))
  else return {} end
  table.sort(ids)
  return ids
end

local function reached(job, item)
  local v = redis.call('HGET', K.job_out(job), item)
  return v and not O.open(v) and O.reached(O.status(v))
end

-- the newest job of the last 7 days that reached the resident or phone
local function last_job(resident, channel, from)
  local jobs = redis.call('ZREVRANGEBYSCORE', K.index_jobs(), now, now - WEEK,
    'LIMIT', 0, 200)
  for _, j in ipairs(jobs) do
    if resident ~= '' and reached(j, resident) then return j end
    if channel == 'sms' then
      local item = redis.call('HGET', K.job_phones(j), from)
      if item and reached(j, item) then return j end
    end
  end
  return ''
end

local function optout(channel, from, key_ok, ids)
  if channel == 'sms' then
    if key_ok == '1' then redis.call('SADD', K.optout(), from) end
  elseif channel == 'zalo' then
    for _, id in ipairs(ids) do redis.call('HSET', K.resident(id), 'opt_out', '1') end
    if key_ok == '1' then redis.call('SADD', K.optout_zalo(), from) end
  end
  return 'opted_out'
end

-- DANG KY <phone> from a Zalo user: link the uid to the one resident
local function register(uid, phone)
  local ids = redis.call('SMEMBERS', K.phone_residents(phone))
  if #ids == 0 then return 'link_unknown', nil end
  if #ids > 1 then return 'link_ambiguous', nil end
  local id = ids[1]
  local rk = K.resident(id)
  local old = redis.call('HGET', rk, 'zalo_uid')
  if old and old ~= '' and old ~= uid then
    redis.call('SREM', K.zalo_residents(old), id)
  end
  redis.call('HSET', rk, 'zalo_uid', uid)
  redis.call('SADD', K.zalo_residents(uid), id)
  return 'linked', id
end

-- trimmed by the server's clock, as the audit trail
local t = redis.call('TIME')
local min = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - ret
if min < 0 then min = 0 end
for i = 7, #ARGV - 12, 13 do
  local kind, channel, from, key_ok, digest, msg_id, sent_at, text, trunc, note,
    keyword, arg, shown = unpack(ARGV, i, i + 12)
  if not redis.call('SET', K.inbox_seen(provider, digest), '1', 'NX', 'PX', ret) then
    out[#out + 1] = {'duplicate', kind}
  else
    local ids = residents_of(channel, from, key_ok)
    local resident, ward, action = ids[1] or '', '', ''
    local zalo = channel == 'zalo' and key_ok == '1'
    if zalo and (kind == 'follow' or kind == 'unfollow') then
      redis.call('SET', K.zalo_follows(from), kind == 'follow' and '1' or '0')
    end
    if keyword == 'optout' then
      action = optout(channel, from, key_ok, ids)
      local target = shown
      if resident ~= '' then target = table.concat(ids, ',') end
      audit(nil, aret, now_iso, 'resident', 'optout', target, provider, '')
    elseif keyword == 'register' and zalo then
      local id
      action, id = register(from, arg)
      if id then
        resident = id
        audit(nil, aret, now_iso, 'resident', 'link', id, provider, '')
      else
        audit(nil, aret, now_iso, 'resident', 'link', shown, provider, action)
      end
    end
    local name = ''
    if resident ~= '' then
      local f = redis.call('HMGET', K.resident(resident), 'ward', 'name')
      ward, name = f[1] or '', f[2] or ''
    end
    local job = last_job(resident, channel, from)
    if job ~= '' and redis.call('SADD', K.job_answered(job), channel .. ':' .. from) == 1 then
      redis.call('HINCRBY', K.job(job), 'answered', 1)
      local ttl = redis.call('PTTL', K.job(job))
      if ttl > 0 then redis.call('PEXPIRE', K.job_answered(job), ttl) end
    end
    local id = redis.call('XADD', K.inbox(), 'MINID', '~', string.format('%d-0', min), '*',
      'ts', now_iso, 'sent_at', sent_at, 'provider', provider, 'channel', channel,
      'kind', kind, 'from', from, 'resident', resident, 'resident_name', name,
      'ward', ward, 'job', job,
      'text', text, 'truncated', trunc, 'note', note, 'msg_id', msg_id,
      'keyword', keyword, 'action', action)
    out[#out + 1] = {'stored', id, resident, ward, job, keyword, action, kind,
      channel, key_ok == '1' and from or ''}
  end
end
return out
