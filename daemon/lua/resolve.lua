-- resolve.lua -- the wards a job reaches.
--
-- Which wards a job reaches.  ARGV: prefix kind names...; kind "wards"
-- (codes of an audience), "districts", "all", or "codes" (the wards named
-- by explicit recipients: unknown ones are no error).  Returns
-- {missing names, JSON [[code, name, district], ...], directory columns}.
-- (The body is lib/resolve.lua, which submit.lua shares.)
--
--: include keys
--: include resolve
local missing, out = resolve(ARGV[2], 3)
return {missing, cjson.encode(out), redis.call('SMEMBERS', K.columns())}
