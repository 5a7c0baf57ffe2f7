-- overview.lua -- what "loactl status" (without a job id) and GET
-- /v1/status show (daemon/overview.c): the live daemons, the queues, the
-- jobs by state, the providers; reads, and trims the registry and the
-- job index of what has expired.
--
-- ARGV: prefix now_ms stale_ms provider...
-- Returns one JSON object (cjson; overview.c turns its empty tables into
-- arrays where arrays are meant):
--   daemons    [{consumer, host, pid, version, started_at, last_seen,
--               max_inflight, active, chunks, retrying}] (registry: the
--               daemons whose heartbeat has not expired)
--   queues     {ingest = {entries, pending}, work = {urgent|normal|bulk =
--               {entries, pending}}, scheduled, dead}
--   jobs       {state = count} over the job index (at most LOOK jobs;
--               jobs_counted says how many were)
--   providers  [{name, paused, paused_at, circuits = [{daemon, state,
--               since}]}], a circuit only when its daemon published it
--               less than stale_ms ago
--   log_level  the cluster-wide level of "loactl log-level", if set
--: include keys
local LOOK = 100000
local now, stale = tonumber(ARGV[2]), tonumber(ARGV[3])
local function num(v) return tonumber(v) or 0 end
local function hash(k)
  local h, t = redis.call('HGETALL', k), {}
  for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
  return t
end
-- entries pending in the group loa of a stream (0 before the group exists)
local function pending(stream)
  local r = redis.pcall('XPENDING', stream, 'loa')
  if type(r) == 'table' and r.err == nil then return num(r[1]) end
  return 0
end
local function queue(stream)
  return {entries = redis.call('XLEN', stream), pending = pending(stream)}
end

local daemons = {}
for _, c in ipairs(redis.call('SMEMBERS', K.daemons())) do
  local d = hash(K.daemon(c))
  if next(d) == nil then
    redis.call('SREM', K.daemons(), c)
  else
    daemons[#daemons + 1] = {consumer = c, host = d.host or '',
      pid = num(d.pid), version = d.version or '',
      started_at = num(d.started_at), last_seen = num(d.last_seen),
      max_inflight = num(d.max_inflight), active = num(d.active),
      chunks = num(d.chunks), retrying = num(d.retrying)}
  end
end
table.sort(daemons, function(a, b) return a.consumer < b.consumer end)

local queues = {ingest = queue(K.jobs()), work = {},
  scheduled = redis.call('ZCARD', K.schedule()), dead = redis.call('XLEN', K.dead())}
for _, prio in ipairs({'urgent', 'normal', 'bulk'}) do
  queues.work[prio] = queue(K.work(prio))
end

local jobs, counted, gone = {}, 0, {}
local ix = K.index_jobs()
local from = 0
while counted < LOOK do
  local ids = redis.call('ZRANGE', ix, from, from + 499)
  if #ids == 0 then break end
  from = from + #ids
  for _, id in ipairs(ids) do
    local st = redis.call('HGET', K.job(id), 'state')
    if st then
      jobs[st] = (jobs[st] or 0) + 1
      counted = counted + 1
    else
      gone[#gone + 1] = id
    end
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', ix, id) end

local providers = {}
for i = 4, #ARGV do
  local h = hash(K.provider(ARGV[i]))
  local p = {name = ARGV[i], paused = h.paused == '1',
    paused_at = tonumber(h.paused_at), circuits = {}}
  for f, v in pairs(h) do
    local who = f:match('^circuit:(.+)$')
    local st, since, seen = v:match('^(%S+) (%d+) ?(%d*)$')
    if who and st then
      seen = tonumber(seen) or tonumber(since)
      if now - seen <= stale then
        p.circuits[#p.circuits + 1] = {daemon = who, state = st, since = tonumber(since)}
      end
    end
  end
  table.sort(p.circuits, function(a, b) return a.daemon < b.daemon end)
  providers[#providers + 1] = p
end

return cjson.encode({daemons = daemons, queues = queues, jobs = jobs,
  jobs_counted = counted, providers = providers,
  log_level = redis.call('GET', K.log_level()) or nil})
