-- ctl_unlock.lua - relayctl: release the admin lock (relay:ctl:lock).
-- KEYS[1] relay:ctl:lock; ARGV[1] the value this run set it to.
-- Deletes the key only while it still holds that value, so a run whose
-- lock expired never releases the lock another run took since.
-- Returns 1 when released, 0 when the lock was not (or no longer) ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
