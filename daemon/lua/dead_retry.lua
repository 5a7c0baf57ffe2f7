-- dead_retry.lua -- put a dead letter back on the ingest stream.
--
-- KEYS: dead jobs; ARGV: entry id -> {0} missing, {1} no job, {2, id}
local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #e == 0 then return {0} end
local f, job = e[1][2], nil
for i = 1, #f - 1, 2 do
  if f[i] == 'job' then job = f[i + 1] end
end
if not job then return {1} end
local id = redis.call('XADD', KEYS[2], '*', 'job', job)
redis.call('XDEL', KEYS[1], ARGV[1])
return {2, id}
