-- ctl_create.lua - relayctl: create a hash only if it does not exist yet.
-- KEYS[1] the hash (relay:{m:H}:member, ...); ARGV field value pairs.
-- Returns 1 when created, 0 when the key existed (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
