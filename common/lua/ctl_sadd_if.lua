-- ctl_sadd_if.lua - relayctl domain add: claim a domain in a member's
-- index set only while the member exists. Atomic with
-- ctl_member_remove.lua (same slot), which refuses while the set is not
-- empty: a member can never be removed under a domain being enrolled.
-- KEYS[1] relay:{m:H}:member, KEYS[2] relay:{m:H}:domains; ARGV[1] D.
-- Returns 1 when added, 0 when already there, -1 when the member does
-- not exist (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
return redis.call('SADD', KEYS[2], ARGV[1])
