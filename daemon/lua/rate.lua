-- rate.lua -- a provider's rate, shared by every daemon.
--
-- A provider's rate, shared by every daemon: GCRA on Redis's own clock.
-- The hash keeps `tat`, the time (ms) from which the next send may go;
-- sends are 1000/rate ms apart, with no burst.  A lease takes the next
-- times up to `ahead` ms from now, at most `want`; when the first is
-- within reach it takes at least `need` in a row however far they reach
-- (an SMS of N segments spends N times at once).  ARGV: prefix provider
-- rate ahead want need; returns {granted, µs from now to the first granted time, ms until
-- a time comes within reach again, now's seconds, now's µs}.  The daemon
-- spends each at its time, read on its own clock through Redis's now.
--
--: include keys
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local _, provider, rate, ahead, want, need = unpack(ARGV, 1, 6)
rate, ahead, want, need = tonumber(rate), tonumber(ahead), tonumber(want), tonumber(need) or 1
local key = K.rate(provider)
local step = 1000 / rate
local tat = tonumber(redis.call('HGET', key, 'tat')) or now
if tat < now then tat = now end
local n = math.min(want, math.max(0, math.floor((now + ahead - tat) / step) + 1))
if n > 0 and n < need then n = need end
if n > 0 then
  redis.call('HSET', key, 'tat', string.format('%.3f', tat + n * step))
  redis.call('PEXPIRE', key, 60000)
end
local wait = math.ceil(tat + n * step - ahead - now)
return {n, math.floor((tat - now) * 1000), math.max(wait, 1),
  tonumber(t[1]), tonumber(t[2])}
