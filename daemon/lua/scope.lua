-- scope.lua -- the wards of a stored job, for the HTTP API's scope checks
-- (GET /v1/jobs/<id>, POST /v1/jobs/<id>/cancel: httpd.c); reads only.
--
-- ARGV: prefix id
-- Returns {} when there is no such job, else {state, code...}: the job's
-- state and the wards it reaches (lib/jobwards.lua; '' for a recipient
-- without a ward).
--
--: include keys
--: include jobwards
local _, id = unpack(ARGV, 1, 2)
local h = redis.call('HMGET', K.job(id), 'state', 'audience')
if not h[1] then return {} end
local out = {h[1]}
for _, c in ipairs(job_wards(id, h[2])) do out[#out + 1] = c end
return out
