-- ctl_domain_remove.lua - relayctl: delete a domain and its keys.
-- KEYS[1] relay:{d:D}:domain, KEYS[2] relay:{d:D}:dkim,
-- KEYS[3] relay:{d:D}:warm. Returns the member it belonged to, or false
-- when there is no such domain. A record that is not a hash (written by
-- hand, say) cannot name its member: it is deleted all the same, with
-- its keys, and { TYPE } is returned; a hash without a member field
-- returns "". The caller then removes the domain from the index sets
-- (other slots): from every member's when the member is not known.
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then
  return false
end
if t ~= 'hash' then
  redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3])
  return { t }
end
local m = redis.call('HGET', KEYS[1], 'member') or ''
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3])  -- :warm may be big
return m
