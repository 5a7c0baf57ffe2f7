-- jobs.lua -- the newest jobs of the job index, for "loactl jobs" and
-- GET /v1/jobs (daemon/overview.c); reads, and trims the index.
--
-- ARGV: prefix state limit [ward...]
-- state: only the jobs in this state ('' for all); limit: at most so
-- many jobs; wards: the caller's scope (none: every ward), only the jobs
-- every ward of which is in it (lib/jobwards.lua).  Returns {{id, field, value, ...}, ...}, newest first, each
-- the id and its job hash as HGETALL gives it.  An id whose hash has
-- expired (retention) leaves the index on the way.  At most LOOK index
-- entries are looked at in one call, so that a state few jobs are in
-- cannot make the script walk an index of a million: the answer is then
-- shorter than limit.
--: include keys
--: include jobwards
local LOOK = 20000
local _, state, limit = unpack(ARGV, 1, 3)
limit = tonumber(limit) or 0
local scope
if #ARGV > 3 then
  scope = {}
  for i = 4, #ARGV do scope[ARGV[i]] = true end
end
local ix = K.index_jobs()
local out, gone = {}, {}
local from, looked = 0, 0
while #out < limit and looked < LOOK do
  local ids = redis.call('ZREVRANGE', ix, from, from + 199)
  if #ids == 0 then break end
  from = from + #ids
  for _, id in ipairs(ids) do
    looked = looked + 1
    local h = redis.call('HGETALL', K.job(id))
    if #h == 0 then
      gone[#gone + 1] = id
    else
      local st, aud = '', ''
      for i = 1, #h, 2 do
        if h[i] == 'state' then st = h[i + 1] end
        if h[i] == 'audience' then aud = h[i + 1] end
      end
      if (state == '' or st == state) and
          (not scope or covered(job_wards(id, aud), scope)) then
        table.insert(h, 1, id)
        out[#out + 1] = h
        if #out >= limit then break end
      end
    end
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', ix, id) end
return out
