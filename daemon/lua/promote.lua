-- promote.lua -- start the scheduled jobs that are due.
--
-- ARGV: prefix now_ms chunk maxlen now_iso -> number promoted; chunk is
-- not read (expand cuts the work entries).
--: include common
local p, now, maxlen = ARGV[1], ARGV[2], ARGV[4]
local due = redis.call('ZRANGEBYSCORE', p .. 'schedule', '-inf', now, 'LIMIT', 0, 16)
for _, id in ipairs(due) do
  redis.call('ZREM', p .. 'schedule', id)
  local jk = p .. 'job:' .. id
  local v = redis.call('HMGET', jk, 'state', 'total', 'priority', 'audience')
  if v[1] == 'scheduled' then
    local total = v[4] == '1' and -1 or (tonumber(v[2]) or 0)
    start(p, jk, id, v[3], total)
    redis.call('XADD', p .. 'events', 'MAXLEN', '~', maxlen, '*', 'event',
      cjson.encode({ts = ARGV[5], job = id, state = 'sending', total = total}))
  end
end
return #due
