-- ctl_member_remove.lua - relayctl: delete a member that has no domains.
-- KEYS[1] relay:{m:H}:member, KEYS[2] relay:{m:H}:domains, KEYS[3..] the
-- member's other keys. Returns 1 when deleted, 0 when there is no such
-- member, -1 when domains are still enrolled under it.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if redis.call('SCARD', KEYS[2]) > 0 then
  return -1
end
-- UNLINK: a big suppression list (a million entries) is freed in Redis's
-- background thread; DEL held every other client for 0.3 s or more
redis.call('UNLINK', unpack(KEYS))
return 1
