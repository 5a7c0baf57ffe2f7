-- resolve.lua (lib) -- which wards a job reaches: the body of the resolve
-- script, shared with submit ("--: include resolve", after keys).
--
-- resolve(kind, first): kind "wards" (codes of an audience), "districts",
-- "all", or "codes" (the wards named by explicit recipients: unknown ones
-- are no error); the names are ARGV[first..].  Returns the names not
-- found and the wards reached as {code, name, district} tables.
-- A ward is known by the "name" field of its hash.
-- luacheck: push ignore 211
local function resolve(kind, first)
  local out, missing = {}, {}
  if kind == 'wards' or kind == 'codes' then
    local seen = {}
    for i = first, #ARGV do
      local c = ARGV[i]
      if not seen[c] then
        seen[c] = true
        local h = redis.call('HMGET', K.ward(c), 'name', 'district')
        if h[1] then out[#out + 1] = {c, h[1], h[2] or ''}
        else missing[#missing + 1] = c end
      end
    end
  else
    local want, found = {}, {}
    for i = first, #ARGV do want[ARGV[i]] = true end
    local codes = redis.call('SMEMBERS', K.wards())
    table.sort(codes)
    for _, c in ipairs(codes) do
      local h = redis.call('HMGET', K.ward(c), 'name', 'district')
      if h[1] and (kind == 'all' or want[h[2] or '']) then
        out[#out + 1] = {c, h[1], h[2] or ''}
        found[h[2] or ''] = true
      end
    end
    if kind == 'districts' then
      for i = first, #ARGV do
        if not found[ARGV[i]] then missing[#missing + 1] = ARGV[i] end
      end
    end
  end
  return missing, out
end
-- luacheck: pop
