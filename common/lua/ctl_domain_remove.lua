-- ctl_domain_remove.lua - relayctl: delete a domain and its keys.
-- KEYS[1] relay:{d:D}:domain, KEYS[2] relay:{d:D}:dkim,
-- KEYS[3] relay:{d:D}:warm. Returns the member it belonged to, or false
-- when there is no such domain. The caller then removes the domain from
-- the index sets (other slots).
local m = redis.call('HGET', KEYS[1], 'member')
if not m then
  return false
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return m
