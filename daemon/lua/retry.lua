-- retry.lua -- send the failed recipients of a job again.
--
-- Re-queue the failed recipients among items: each whose outcome is still
-- "failed:<channel>" goes back to queued ("."), the job's failed counters
-- (total, per channel, per ward) give it back, its reason (job:<id>:why)
-- is forgotten, and it is sent again in new
-- work entries of at most `chunk`.  A finished job is sending again (and
-- no longer expiring).  ARGV: prefix id chunk maxlen now_iso item...;
-- items are resident ids or "#index"; none: every item of the job's
-- outcome hash (POST /v1/jobs/<id>/retry, which cannot page through it
-- as loactl does).  Returns the number re-queued, or
-- -1 when the job is unknown, -2 when it is still running or cancelled.
--
--: include keys
--: include outcome
local _, id, chunk, maxlen, now = unpack(ARGV, 1, 5)
chunk = tonumber(chunk)
local jk, outk = K.job(id), K.job_out(id)
local v = redis.call('HMGET', jk, 'state', 'priority', 'audience')
if not v[1] then return -1 end
if v[1] ~= 'done' then return -2 end
local items = {unpack(ARGV, 6)}
if #items == 0 then
  local cur = '0'
  repeat
    local r = redis.call('HSCAN', outk, cur, 'COUNT', 1000)
    cur = r[1]
    for k = 1, #r[2], 2 do
      if O.failed_channel(r[2][k + 1]) then items[#items + 1] = r[2][k] end
    end
  until cur == '0'
end
local spec = nil
local ids, idx = {}, {}
for _, it in ipairs(items) do
  local o = redis.call('HGET', outk, it)
  local ch = O.failed_channel(o)
  if ch then
    local ward = ''
    if string.sub(it, 1, 1) == '#' then
      if not spec then spec = cjson.decode(redis.call('GET', K.job_spec(id)) or '{}') end
      local r = spec.recipients and spec.recipients[tonumber(string.sub(it, 2)) + 1]
      if r and type(r.ward) == 'string' then ward = r.ward end
      idx[#idx + 1] = tonumber(string.sub(it, 2))
    else
      ward = redis.call('HGET', K.resident(it), 'ward') or ''
      ids[#ids + 1] = it
    end
    redis.call('HSET', outk, it, O.QUEUED)
    redis.call('HDEL', K.job_why(id), it)  -- its old failure is no reason now
    redis.call('HINCRBY', jk, 'failed', -1)
    if ch ~= '' then redis.call('HINCRBY', jk, 'ch:' .. ch .. ':failed', -1) end
    if ward ~= '' then redis.call('HINCRBY', jk, 'ward:' .. ward .. ':failed', -1) end
  end
end
local n = #ids + #idx
if n == 0 then return 0 end
local stream = K.work(v[2] or 'normal')
for s = 1, #ids, chunk do
  redis.call('XADD', stream, '*', 'job', id, 'ids',
    table.concat(ids, ',', s, math.min(s + chunk - 1, #ids)))
  redis.call('HINCRBY', jk, 'queued', 1)
end
for _, i in ipairs(idx) do
  redis.call('XADD', stream, '*', 'job', id, 'from', i, 'to', i + 1)
  redis.call('HINCRBY', jk, 'queued', 1)
end
redis.call('HSET', jk, 'state', 'sending')
redis.call('HDEL', jk, 'finished_at')
for _, k in ipairs(K.job_all(id)) do
  redis.call('PERSIST', k)
end
redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
  cjson.encode({ts = now, job = id, state = 'sending', retried = n}))
return n
