-- expand.lua -- one expansion step of a job.
--
-- One expansion step of a job: up to `batch` recipients become work
-- entries of up to `chunk` each, and the next step is queued, atomically
-- with the ack of this one.  Explicit recipients: indexes from `cur` on.
-- Audiences: residents of ward `w` (SSCAN from cursor `cur`); a resident
-- already queued for the job (SSCAN may return one twice) is not queued
-- again.  While the job has max_ahead entries or
-- more waiting, nothing is done ("wait"): expansion runs ahead of sending
-- by a bounded amount.
-- An SSCAN cursor means something only to the server that gave it: each
-- step's entry carries that server's run_id, and a step that finds
-- another (Redis restarted, or a replica took over) scans the ward again
-- from its start; the residents already queued are skipped as always.
-- ARGV: prefix stream eid consumer job w cur batch chunk max_ahead maxlen
--       now_iso retention_ms run_id
--
--: include keys
--: include outcome
--: include common
local _, stream, eid, me, job, w, cur, batch, chunk, ahead, maxlen, now, ret, runid =
  unpack(ARGV, 1, 14)
w, batch, chunk, ahead = tonumber(w), tonumber(batch), tonumber(chunk), tonumber(ahead)
if not owned(stream, eid, me) then return 'lost' end
local jk = K.job(job)
local v = redis.call('HMGET', jk, 'state', 'queued', 'audience', 'total')
local audience = v[3] == '1'
if v[1] ~= (audience and 'expanding' or 'sending') then
  redis.call('XACK', stream, 'loa', eid)
  redis.call('XDEL', stream, eid)
  return 'stop'
end
if (tonumber(v[2]) or 0) >= ahead then return 'wait' end
local finished = false
if not audience then
  -- explicit recipients: entries [from, to) from index cur on
  local total, from = tonumber(v[4]) or 0, tonumber(cur) or 0
  local upto = math.min(from + batch, total)
  for s = from, upto - 1, chunk do
    redis.call('XADD', stream, '*', 'job', job, 'from', s,
      'to', math.min(s + chunk, upto))
    redis.call('HINCRBY', jk, 'queued', 1)
  end
  redis.call('HSET', jk, 'queued_upto', upto)
  if upto >= total then finished = true
  else redis.call('XADD', stream, '*', 'job', job, 'expand', 1, 'w', 0, 'cur', upto) end
else
  local wl = cjson.decode(redis.call('GET', K.job_wards(job)) or '[]')
  local ids, ncur = {}, '0'
  local rid = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or ''
  if cur ~= '0' and runid ~= rid then cur = '0' end
  if w < #wl then
    local r = redis.call('SSCAN', K.ward_residents(wl[w + 1][1]),
      cur, 'COUNT', batch)
    ncur = r[1]
    for _, id in ipairs(r[2]) do
      if redis.call('HSETNX', K.job_out(job), id, O.QUEUED) == 1 then ids[#ids + 1] = id end
    end
  end
  for s = 1, #ids, chunk do
    redis.call('XADD', stream, '*', 'job', job, 'ids',
      table.concat(ids, ',', s, math.min(s + chunk - 1, #ids)))
    redis.call('HINCRBY', jk, 'queued', 1)
  end
  redis.call('HINCRBY', jk, 'total', #ids)
  if ncur == '0' then w, ncur = w + 1, '0' end
  if w >= #wl then
    finished = true
    redis.call('HSET', jk, 'state', 'sending')
    redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
      cjson.encode({ts = now, job = job, state = 'sending',
        total = tonumber(redis.call('HGET', jk, 'total'))}))
  else
    redis.call('XADD', stream, '*', 'job', job, 'expand', 1, 'w', w, 'cur', ncur, 'rid', rid)
  end
end
if finished then
  redis.call('HSET', jk, 'expanded', 1)
  done_check(job, now, maxlen, ret)
end
redis.call('XACK', stream, 'loa', eid)
redis.call('XDEL', stream, eid)
return 'ok'
