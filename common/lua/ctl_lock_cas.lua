-- ctl_lock_cas.lua - relayctl's admin lock (relay:ctl:lock), compare and
-- set: while it holds ARGV[1], set it to ARGV[2] for ARGV[3] ms. With
-- ARGV[1] = ARGV[2] a run renews its own lock before it writes; with
-- another value it takes over the lock of a run that died.
-- KEYS[1] relay:ctl:lock
-- Returns 1 when set, 0 when the lock holds something else (or nothing).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
