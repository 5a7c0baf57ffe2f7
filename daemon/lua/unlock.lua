-- unlock.lua -- release a provider's credentials refresh lock.
--
-- The lock cred:<provider>:lock holds the token of the daemon that took it
-- (SET NX PX, creds.c); only that daemon releases it, and only while it
-- still holds it (it may have expired and been taken by another).
-- ARGV: prefix provider token -> 1 released, 0 not ours (left alone).
--: include keys
local _, provider, token = unpack(ARGV, 1, 3)
local lock = K.cred_lock(provider)
if redis.call('GET', lock) == token then return redis.call('DEL', lock) end
return 0
