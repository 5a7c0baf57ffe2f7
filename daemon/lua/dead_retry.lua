-- dead_retry.lua -- put a dead letter back on the ingest stream.
--
-- ARGV: prefix eid (of the dead letter) -> {0} missing, {1} no job, {2, id}
-- (id: the new ingest entry)
--: include keys
local eid = ARGV[2]
local e = redis.call('XRANGE', K.dead(), eid, eid)
if #e == 0 then return {0} end
local f, job = e[1][2], nil
for i = 1, #f - 1, 2 do
  if f[i] == 'job' then job = f[i + 1] end
end
if not job then return {1} end
local id = redis.call('XADD', K.jobs(), '*', 'job', job)
redis.call('XDEL', K.dead(), eid)
return {2, id}
