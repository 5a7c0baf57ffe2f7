-- outcome.lua -- the Lua half of the outcome codec (store.c's
-- loa_rstate_parse() is the C half): the values of job:<id>:out.
--   .              queued
--   ~ or ~N        attempt N (1 when bare) left, no verdict yet
--   r:N:CI:DUE     attempt N waits until DUE on the job's channel CI
--                  (":u" after it: an earlier one may have arrived)
--   status:channel final (sent, delivered, maybe_duplicate, failed,
--                  skipped, expired, cancelled; channel may be empty)
-- luacheck: push ignore 211
local O = {QUEUED = '.', SENDING = '~'}
function O.final(st, ch) return st .. ':' .. ch end
function O.sending(k) return '~' .. k end
-- no final outcome yet: none, queued, in flight, or waiting for a retry
function O.open(v)
  if (not v) or v == '.' then return true end
  local c = string.byte(v, 1)
  return c == 126 or (c == 114 and string.byte(v, 2) == 58)
end
-- the attempt in flight or waiting, if any
function O.attempt(v)
  if v and string.sub(v, 1, 1) == '~' then return tonumber(string.sub(v, 2)) or 1
  elseif v and string.sub(v, 1, 2) == 'r:' then return tonumber(string.match(v, '^r:(%d+)')) end
  return nil
end
-- a final status that reached the resident (store.c loa_rstate_reached)
function O.reached(st)
  return st == 'sent' or st == 'delivered' or st == 'maybe_duplicate'
end
-- the status word of a final outcome
function O.status(v) return string.match(v, '^[^:]*') end
-- the channel of a "failed:<channel>" outcome, or nil
function O.failed_channel(v)
  if v and string.sub(v, 1, 7) == 'failed:' then return string.sub(v, 8) end
  return nil
end
-- luacheck: pop
