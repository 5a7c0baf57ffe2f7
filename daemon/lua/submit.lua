-- submit.lua -- what a submitter (loactl send, POST /v1/jobs) checks
-- before it adds a job to the ingest stream; reads only.
--
-- ARGV: prefix id kind names...
-- id: the job's own id ('' when it has none); kind and names as for
-- resolve (kind "none": no audience to resolve, only the ward names).
-- Returns {missing names, JSON [[code, name, district], ...], directory
-- columns, state, created_at, spec, JSON [[code, name], ...]}: the first
-- three as resolve answers them (the daemon's own check); then the job
-- hash's state and created_at and the spec the daemon stored for id
-- ('' for each when there is none); last every ward's code and name,
-- for the hint "did you mean", only when a ward code was not found or
-- kind is "none" ('[]' otherwise).
--
--: include keys
--: include resolve
local _, id, kind = unpack(ARGV, 1, 3)
local missing, out = {}, {}
if kind ~= 'none' then missing, out = resolve(kind, 4) end
local st, created, spec = '', '', ''
if id ~= '' then
  local h = redis.call('HMGET', K.job(id), 'state', 'created_at')
  st, created = h[1] or '', h[2] or ''
  spec = redis.call('GET', K.job_spec(id)) or ''
end
local names = {}
if kind == 'none' or (kind == 'wards' and #missing > 0) then
  local codes = redis.call('SMEMBERS', K.wards())
  table.sort(codes)
  for _, c in ipairs(codes) do
    local n = redis.call('HGET', K.ward(c), 'name')
    if n then names[#names + 1] = {c, n} end
  end
end
return {missing, cjson.encode(out), redis.call('SMEMBERS', K.columns()),
  st, created, spec, #names > 0 and cjson.encode(names) or '[]'}
