-- import_wards.lua -- loactl import wards: one batch.
--
-- Wards.  ARGV: prefix, then code name district per row.
-- Returns per row "added", "updated" or "unchanged".
--
--: include keys
local out = {}
for i = 2, #ARGV - 2, 3 do
  local code, name, district = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local k = K.ward(code)
  local st = 'updated'
  if redis.call('EXISTS', k) == 0 then
    st = 'added'
  else
    local old = redis.call('HMGET', k, 'name', 'district')
    if old[1] == name and old[2] == district then st = 'unchanged' end
  end
  if st ~= 'unchanged' then
    redis.call('HSET', k, 'name', name, 'district', district)
  end
  redis.call('SADD', K.wards(), code)
  out[#out + 1] = st
end
return out
