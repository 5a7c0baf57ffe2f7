-- record.lua -- a batch of outcomes.
--
-- ARGV: prefix maxlen now_iso retention_ms replay, then operations
-- (replay "1": the batch was recorded before and is sent again after a
-- reconnect, see ledger_replay; its E events are not added twice):
--   O job item status channel ward event provider provider_id to
--                                          final outcome (once per item);
--                                          an unreached one's "reason"
--                                          (from event) in job:<id>:why;
--                                          msgid:<provider>:<id> -> job,
--                                          item, channel, ward, masked
--                                          phone (for delivery reports)
--   E job event                            event only (retry, fallback)
--   R job item k r:k:ci:due                attempt k waits for a retry
--                                          (unless attempt k already left)
--   M job item k                           attempt k leaves: "~k"
--   A stream eid job                       work entry finished: ack, delete
--   P stream eid job                       work entry parked: only retries
--                                          wait in it; it no longer counts
--                                          in the job's `queued` (which
--                                          paces expansion), once
--   H stream eid job n item1..itemn        hand a work entry back: re-add
--                                          a copy, reset the listed "~"
--                                          marks to "queued"
-- Returns the number of outcomes newly recorded.
--
--: include keys
--: include outcome
--: include common
local WHY_MAX = 200 -- bytes of a reason kept for the report
local _, maxlen, now, ret, replay = unpack(ARGV, 1, 5)
replay = replay == '1'
local ev = K.events()
local n, i = 0, 6
-- outcomes newly recorded, per job: counts[job]["status<TAB>channel<TAB>ward"]
local counts, outk = {}, {}
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'O' then
    local job, item, st, ch, ward, event, prov, pid, to = unpack(ARGV, i + 1, i + 9)
    local ok = outk[job]
    if ok == nil then
      -- a job gone (expired, or a Redis emptied since) is not made again
      ok = redis.call('EXISTS', K.job(job)) == 1 and K.job_out(job)
      outk[job] = ok
    end
    local prev = ok and redis.call('HGET', ok, item)
    if ok and O.open(prev) then
      redis.call('HSET', ok, item, O.final(st, ch))
      if not O.reached(st) then
        local okj, e = pcall(cjson.decode, event)
        local why = okj and type(e) == 'table' and e.reason
        if type(why) == 'string' and why ~= '' then
          redis.call('HSET', K.job_why(job), item, string.sub(why, 1, WHY_MAX))
        end
      end
      local cj, t = counts[job], st .. '\t' .. ch .. '\t' .. ward
      if not cj then cj = {}; counts[job] = cj end
      cj[t] = (cj[t] or 0) + 1
      redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', event)
      if pid ~= '' then
        redis.call('SET', K.msgid(prov, pid),
          job .. '\t' .. item .. '\t' .. ch .. '\t' .. ward .. '\t' .. to,
          'PX', ret)
      end
      n = n + 1
    end
    i = i + 10
  elseif op == 'R' or op == 'M' then
    local job, item, k, wait = unpack(ARGV, i + 1, i + 4)
    local jk = K.job_out(job)
    k = tonumber(k)
    local v = redis.call('HGET', jk, item)
    local at = O.attempt(v)
    if op == 'R' then
      if at and at < k then redis.call('HSET', jk, item, wait) end
      i = i + 5
    else
      if at and at <= k then redis.call('HSET', jk, item, O.sending(k)) end
      i = i + 4
    end
  elseif op == 'E' then
    if not replay then
      redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', 'event', ARGV[i + 2])
    end
    i = i + 3
  elseif op == 'A' then
    local stream, eid, job = unpack(ARGV, i + 1, i + 3)
    local jk = K.job(job)
    local parked = redis.call('HDEL', jk, 'parked:' .. eid)
    if redis.call('XACK', stream, 'loa', eid) == 1 and parked == 0 then
      redis.call('HINCRBY', jk, 'queued', -1)
    end
    redis.call('XDEL', stream, eid)
    i = i + 4
  elseif op == 'P' then
    local eid, job = ARGV[i + 2], ARGV[i + 3]
    local jk = K.job(job)
    if redis.call('EXISTS', jk) == 1 and
        redis.call('HSETNX', jk, 'parked:' .. eid, 1) == 1 then
      redis.call('HINCRBY', jk, 'queued', -1)
    end
    i = i + 4
  elseif op == 'H' then
    local stream, eid, job, cnt = unpack(ARGV, i + 1, i + 4)
    cnt = tonumber(cnt)
    local e = redis.call('XRANGE', stream, eid, eid)
    if redis.call('XACK', stream, 'loa', eid) == 1 and #e == 1 then
      if redis.call('HDEL', K.job(job), 'parked:' .. eid) == 1 then
        redis.call('HINCRBY', K.job(job), 'queued', 1)
      end
      local jk = K.job_out(job)
      for k = 1, cnt do
        local it = ARGV[i + 4 + k]
        if redis.call('HGET', jk, it) == O.SENDING then redis.call('HSET', jk, it, O.QUEUED) end
      end
      redis.call('XADD', stream, '*', unpack(e[1][2]))
      redis.call('XDEL', stream, eid)
    end
    i = i + 5 + cnt
  else
    return redis.error_reply('record: bad op ' .. tostring(op))
  end
end
-- the job's counters: by status, by channel and status, by ward and status
for job, cj in pairs(counts) do
  local sum = {}
  local function add(f, c) sum[f] = (sum[f] or 0) + c end
  for t, c in pairs(cj) do
    local st, ch, ward = string.match(t, '^([^\t]*)\t([^\t]*)\t(.*)$')
    if st == 'maybe_duplicate' then add(st, c); st = 'sent' end
    add(st, c)
    if ch ~= '' then add('ch:' .. ch .. ':' .. st, c) end
    if ward ~= '' then add('ward:' .. ward .. ':' .. st, c) end
  end
  for f, c in pairs(sum) do redis.call('HINCRBY', K.job(job), f, c) end
  done_check(job, now, maxlen, ret)
end
return n
