-- ctl_hsetnx_if.lua - relayctl: add fields to a member's hash (API keys,
-- suppressions) only while the member exists; existing fields are kept.
-- KEYS[1] relay:{m:H}:member, KEYS[2] the hash of the same member;
-- ARGV field value pairs. Returns the number of fields added, or -1 when
-- the member does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local n = 0
for i = 1, #ARGV - 1, 2 do
  n = n + redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
return n
