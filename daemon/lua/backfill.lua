-- backfill.lua -- one step of putting into the job index the jobs that a
-- version without the index created (their hash is there, their index
-- entry is not).  The daemon calls it from its cron after it starts, one
-- SCAN step a call, until the whole keyspace was walked once; then
-- <prefix>index:jobs:backfilled is set and later starts skip it.
--
-- ARGV: prefix cursor
-- cursor: '0' to start, else the one the last step returned.  Returns
-- the next cursor, '0' when done (or when it was done before).  A job's
-- score is its created_at (ISO 8601, UTC); 0 when that is unreadable.
--: include keys
local _, cursor = unpack(ARGV, 1, 2)
if cursor == '0' and redis.call('EXISTS', K.index_backfilled()) == 1 then
  return '0'
end
-- milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.mmm]Z"
local function ms(iso)
  local y, mo, d, h, mi, s = tostring(iso):match('^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)')
  if not y then return 0 end
  local frac = tostring(iso):match('^%d+-%d+-%d+T%d+:%d+:%d+%.(%d%d%d)') or '0'
  y, mo = tonumber(y), tonumber(mo)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + tonumber(d) - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 +
    tonumber(s) * 1000 + tonumber(frac)
end
local r = redis.call('SCAN', cursor, 'MATCH', K.glob('job:'), 'COUNT', 500)
local skip = #K.job('')
for _, k in ipairs(r[2]) do
  local id = k:sub(skip + 1)
  if not id:find(':', 1, true) and redis.call('TYPE', k).ok == 'hash' and
    not redis.call('ZSCORE', K.index_jobs(), id) then
    redis.call('ZADD', K.index_jobs(), ms(redis.call('HGET', k, 'created_at')), id)
  end
end
if r[1] == '0' then redis.call('SET', K.index_backfilled(), 1) end
return r[1]
