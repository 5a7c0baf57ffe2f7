-- reject.lua -- reject an invalid job.
--
-- ARGV: prefix stream eid id raw error now_iso maxlen event retention_ms
local p, stream, eid, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if id ~= '' then
  local jk = p .. 'job:' .. id
  local st = redis.call('HGET', jk, 'state')
  if (not st) or st == 'rejected' then
    redis.call('HSET', jk, 'state', 'rejected', 'error', ARGV[6],
      'created_at', ARGV[7], 'finished_at', ARGV[7], 'total', 0)
    redis.call('PEXPIRE', jk, ARGV[10])
  end
end
redis.call('XADD', p .. 'dead', '*', 'job', ARGV[5], 'error', ARGV[6],
  'id', id, 'entry', eid, 'ts', ARGV[7])
redis.call('XADD', p .. 'events', 'MAXLEN', '~', ARGV[8], '*', 'event', ARGV[9])
redis.call('XACK', stream, 'loa', eid)
redis.call('XDEL', stream, eid)
return 1
