-- promote.lua -- start the scheduled jobs that are due.
--
-- ARGV: prefix now_ms chunk maxlen now_iso -> number promoted; chunk is
-- not read (expand cuts the work entries).
--: include keys
--: include common
local _, now, _, maxlen, now_iso = unpack(ARGV, 1, 5)
local due = redis.call('ZRANGEBYSCORE', K.schedule(), '-inf', now, 'LIMIT', 0, 16)
for _, id in ipairs(due) do
  redis.call('ZREM', K.schedule(), id)
  local jk = K.job(id)
  local v = redis.call('HMGET', jk, 'state', 'total', 'priority', 'audience')
  if v[1] == 'scheduled' then
    local total = v[4] == '1' and -1 or (tonumber(v[2]) or 0)
    start(jk, id, v[3], total)
    redis.call('XADD', K.events(), 'MAXLEN', '~', maxlen, '*', 'event',
      cjson.encode({ts = now_iso, job = id, state = 'sending', total = total}))
  end
end
return #due
