-- common.lua -- helpers several scripts include ("--: include common",
-- after keys).
--
-- Lua shared by several scripts (prepended to them).
--
-- start(): turn an accepted job into work: its first expansion entry
-- (fields job, expand, w, cur), which makes work entries step by step.
-- done_check(): a job whose final outcomes add up to its total (and that
-- is no longer expanding) becomes done, says so in loa:events, and starts
-- to expire.
-- many(): one command on a key with a long argument list, in slices that
-- Lua's unpack() can take; array replies are joined.
-- owned(): is work entry eid of stream still pending for consumer me?
-- If so its idle time is reset (XCLAIM), so no other daemon claims it.
--
-- index_add(): a job hash was created: the job goes into the job index
-- (score: now in ms, from the server's clock), and the few oldest ids
-- whose hash has expired leave it (the listings trim the rest lazily).
--
-- A script need not use them all.
-- luacheck: push ignore 211
local function start(jk, id, prio, total)
  redis.call('HSET', jk, 'state', total < 0 and 'expanding' or 'sending',
    'expanded', 0, 'queued', 0)
  redis.call('XADD', K.work(prio), '*', 'job', id, 'expand', 1, 'w', 0, 'cur', 0)
end
local function done_check(job, now, maxlen, ret)
  local jk = K.job(job)
  local v = redis.call('HMGET', jk, 'total', 'sent', 'failed', 'skipped',
    'expired', 'cancelled', 'state', 'expanded')
  local fin = 0
  for k = 2, 6 do fin = fin + (tonumber(v[k]) or 0) end
  if v[7] ~= 'sending' or v[8] ~= '1' or fin < (tonumber(v[1]) or 0) then return end
  redis.call('HSET', jk, 'state', 'done', 'finished_at', now)
  redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
    cjson.encode({ts = now, job = job, state = 'done', total = tonumber(v[1]),
      sent = tonumber(v[2]) or 0, failed = tonumber(v[3]) or 0,
      skipped = tonumber(v[4]) or 0, expired = tonumber(v[5]) or 0,
      cancelled = tonumber(v[6]) or 0}))
  for _, k in ipairs(K.job_all(job)) do
    redis.call('PEXPIRE', k, ret)
  end
end
local function many(cmd, key, args)
  local out = {}
  for s = 1, #args, 1000 do
    local r = redis.call(cmd, key, unpack(args, s, math.min(s + 999, #args)))
    if type(r) == 'table' then for _, x in ipairs(r) do out[#out + 1] = x end end
  end
  return out
end
local function owned(stream, eid, me)
  local pend = redis.call('XPENDING', stream, 'loa', eid, eid, 1)
  if #pend == 0 or pend[1][2] ~= me then return false end
  redis.call('XCLAIM', stream, 'loa', me, 0, eid, 'JUSTID')
  return true
end
local function index_add(id)
  local t = redis.call('TIME')
  local ix = K.index_jobs()
  redis.call('ZADD', ix, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), id)
  for _, o in ipairs(redis.call('ZRANGE', ix, 0, 3)) do
    if redis.call('EXISTS', K.job(o)) == 0 then redis.call('ZREM', ix, o) end
  end
end
-- luacheck: pop
