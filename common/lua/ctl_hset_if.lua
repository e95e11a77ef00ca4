-- ctl_hset_if.lua - relayctl: set fields of a hash that must exist
-- (suspend, unsuspend, forward-to), so a typo never creates a stray hash.
-- KEYS[1] the hash; ARGV field value pairs. Returns 1, or 0 when absent.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
