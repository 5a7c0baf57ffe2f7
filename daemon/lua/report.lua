-- report.lua -- delivery reports.
--
-- Delivery reports.  ARGV: prefix now_ms hold_ms cap batch, then
-- quadruples provider msgid status reason (status "delivered" or
-- "failed").  With none: the sweep.
-- A report finds its delivery through msgid:<provider>:<id>, provider
-- being the first of a comma-separated list that has it (the providers
-- sharing one set of credentials: a Zalo OA's ZNS and OA messages).  It changes
-- a "sent" (or "maybe_duplicate") outcome only: delivered and failed are
-- final, so a replay or a late contrary report changes nothing.  A
-- failed report moves the item from sent to failed.  The msgid record
-- then carries the status applied (a sixth field), so a replay of the
-- report stays "final" even after `loactl retry` sent the item again.
-- A report whose send is not recorded yet (the provider was quicker than
-- our ledger) waits in reports:early, a sorted set scored by its first
-- arrival, holding at most `cap`: past that the oldest are dropped.
-- The sweep (once a second) drops those older than hold_ms, then tries
-- the next `batch` of them from reports:early:cursor on (a rank), going
-- round: every waiting report is tried within cap/batch sweeps however
-- many others wait, unlike "the oldest batch" that unmatched ones could
-- fill for ever.
-- Returns one entry per report (or per early report the sweep settled):
-- {"ok", provider, msgid, status, reason, job, item, channel, ward, to},
-- {"final", provider, msgid, status, reason} (replayed or already
-- final), {"early", ...} (kept for later), {"gone", ...} (the job's
-- records expired), {"unmatched", ...} (sweep: dropped after hold_ms),
-- {"dropped", ...} (the queue was full); the sweep ends with the number
-- of reports still waiting.
--
--: include keys
--: include outcome
local _, now, hold, cap, batch = unpack(ARGV, 1, 5)
now, hold, cap, batch = tonumber(now), tonumber(hold), tonumber(cap), tonumber(batch)
local early, cursor = K.early(), K.early_cursor()
local res = {}
local function bump(jk, st, ch, ward, by)
  redis.call('HINCRBY', jk, st, by)
  if ch ~= '' then redis.call('HINCRBY', jk, 'ch:' .. ch .. ':' .. st, by) end
  if ward ~= '' then redis.call('HINCRBY', jk, 'ward:' .. ward .. ':' .. st, by) end
end
local function apply(provs, id, st, why)
  -- provs: the webhook's provider, then those sharing its credentials
  -- (comma separated): the first that sent this id
  local prov, mk, m
  for p in string.gmatch(provs, '[^,]+') do
    mk = K.msgid(p, id)
    m = redis.call('GET', mk)
    if m then prov = p break end
  end
  if not m then return nil end
  local f = {}
  for v in string.gmatch(m .. '\t', '([^\t]*)\t') do f[#f + 1] = v end
  local job, item, ch, ward, to = f[1], f[2], f[3] or '', f[4] or '', f[5] or ''
  if (f[6] or '') ~= '' then return {'final', prov, id, st, why} end
  local jk = K.job(job)
  local prev = redis.call('HGET', K.job_out(job), item)
  if not prev then return {'gone', prov, id, st, why} end
  local ps = O.status(prev)
  if ps ~= 'sent' and ps ~= 'maybe_duplicate' then return {'final', prov, id, st, why} end
  redis.call('HSET', K.job_out(job), item, O.final(st, ch))
  bump(jk, st, ch, ward, 1)
  if st == 'failed' then bump(jk, 'sent', ch, ward, -1) end
  redis.call('SET', mk, m .. '\t' .. st, 'KEEPTTL')
  return {'ok', prov, id, st, why, job, item, ch, ward, to}
end
local function fields(e)
  local a, b, c, d = string.match(e, '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$')
  return a, b, c, d
end
local function settled(what, e)
  local a, b, c, d = fields(e)
  res[#res + 1] = {what, a or '', b or '', c or '', d or ''}
end
-- n entries left from the front (ranks 0..n-1): the cursor follows
local function shift(n)
  if n <= 0 then return end
  local c = tonumber(redis.call('GET', cursor) or '0') or 0
  redis.call('SET', cursor, math.max(c - n, 0))
end
local function trim()
  local over = redis.call('ZCARD', early) - cap
  if over <= 0 then return end
  local gone = redis.call('ZPOPMIN', early, over)
  for k = 1, #gone, 2 do settled('dropped', gone[k]) end
  shift(over)
end
if #ARGV > 5 then
  for i = 6, #ARGV - 3, 4 do
    local q = {ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]}
    local r = apply(q[1], q[2], q[3], q[4])
    if not r then
      redis.call('ZADD', early, 'NX', now, table.concat(q, '\t'))
      r = {'early', q[1], q[2], q[3], q[4]}
    end
    res[#res + 1] = r
  end
  trim()
  return res
end
local old = redis.call('ZRANGEBYSCORE', early, '-inf', now - hold, 'LIMIT', 0, 1000)
for _, e in ipairs(old) do
  redis.call('ZREM', early, e)
  settled('unmatched', e)
end
shift(#old)
trim()
local n = redis.call('ZCARD', early)
local c = tonumber(redis.call('GET', cursor) or '0') or 0
if c >= n then c = 0 end
local kept = redis.call('ZRANGE', early, c, c + batch - 1)
local gone = 0
for _, e in ipairs(kept) do
  local prov, id, st, why = fields(e)
  local r = prov and apply(prov, id, st, why)
  if r or not prov then
    redis.call('ZREM', early, e)
    gone = gone + 1
    res[#res + 1] = r or {'unmatched', '', '', '', ''}
  end
end
c = c + #kept - gone
if c >= n - gone then c = 0 end
if n - gone > 0 then redis.call('SET', cursor, c) else redis.call('DEL', cursor) end
res[#res + 1] = n - gone
return res
