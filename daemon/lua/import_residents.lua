-- import_residents.lua -- loactl import residents: one batch.
--
-- Residents.  ARGV: prefix, ncols, the ncols variable column names, then
-- per row: id, ward, nf, and nf field/value pairs (the whole new hash).
-- Returns per row "added", "updated", "unchanged" or "unknown ward CODE".
-- The columns join <p>directory:columns when some row was written.
-- <p>phone:<e164>:residents indexes the residents by phone (what
-- loactl optout check reads); a changed phone moves the resident.
-- <p>zalo:<uid>:residents indexes them by zalo_uid the same way (what
-- inbox.lua finds a Zalo sender by), when the uid may be a key part:
-- 1-64 of [0-9A-Za-z_-] (another uid is kept, not indexed).
--
--: include keys
local ncols = tonumber(ARGV[2])
local out, known, wrote = {}, {}, false
local i = 3 + ncols
while i <= #ARGV do
  local id, ward, nf = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local f0, f1 = i + 3, i + 2 + 2 * nf
  i = f1 + 1
  if known[ward] == nil then
    known[ward] = redis.call('EXISTS', K.ward(ward)) == 1
  end
  if not known[ward] then
    out[#out + 1] = 'unknown ward ' .. ward
  else
    local rk = K.resident(id)
    local old = redis.call('HGETALL', rk)
    local st, oldward, oldphone, phone = 'added', nil, nil, nil
    local olduid, uid = nil, nil
    for k = f0, f1, 2 do
      if ARGV[k] == 'phone' and ARGV[k + 1] ~= '' then phone = ARGV[k + 1] end
      if ARGV[k] == 'zalo_uid' and #ARGV[k + 1] <= 64 and
          string.match(ARGV[k + 1], '^[%w_%-]+$') then uid = ARGV[k + 1] end
    end
    if #old > 0 then
      for k = 1, #old, 2 do
        if old[k] == 'ward' then oldward = old[k + 1] end
        if old[k] == 'phone' and old[k + 1] ~= '' then oldphone = old[k + 1] end
        if old[k] == 'zalo_uid' and #old[k + 1] <= 64 and
            string.match(old[k + 1], '^[%w_%-]+$') then olduid = old[k + 1] end
      end
      st = 'updated'
      if #old == 2 * nf then
        st = 'unchanged'
        for k = 1, #old do
          if old[k] ~= ARGV[f0 + k - 1] then st = nil break end
        end
      end
      if not st then
        local h = {}
        for k = 1, #old, 2 do h[old[k]] = old[k + 1] end
        st = 'unchanged'
        for k = f0, f1, 2 do
          if h[ARGV[k]] ~= ARGV[k + 1] then st = 'updated' break end
        end
      end
    end
    if st ~= 'unchanged' then
      if #old > 0 then redis.call('DEL', rk) end
      redis.call('HSET', rk, unpack(ARGV, f0, f1))
    end
    if oldward and oldward ~= ward then
      redis.call('SREM', K.ward_residents(oldward), id)
    end
    redis.call('SADD', K.ward_residents(ward), id)
    if oldphone and oldphone ~= phone then
      redis.call('SREM', K.phone_residents(oldphone), id)
    end
    if phone then redis.call('SADD', K.phone_residents(phone), id) end
    if olduid and olduid ~= uid then
      redis.call('SREM', K.zalo_residents(olduid), id)
    end
    if uid then redis.call('SADD', K.zalo_residents(uid), id) end
    wrote = true
    out[#out + 1] = st
  end
end
if wrote and ncols > 0 then
  redis.call('SADD', K.columns(), unpack(ARGV, 3, 2 + ncols))
end
return out
