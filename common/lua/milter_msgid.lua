-- milter_msgid.lua - index a Message-ID to "HANDLE QUEUEID" (SCHEMA.md).
-- KEYS[1] relay:{x:SHA256}:msgid
-- ARGV[1] "HANDLE QUEUEID"  ARGV[2] tracker.status_ttl (s)
-- ARGV[3] (optional, tests) the most entries kept, default 10000
-- A sender that gives every message the same Message-ID renews the TTL
-- with each: the set is bounded instead, a random entry making room for
-- the new one (relayctl status shows the first 10000 anyway).
-- Returns the number of members of the set.
local max = tonumber(ARGV[3]) or 10000
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 and
   redis.call('SCARD', KEYS[1]) >= max then
  redis.call('SPOP', KEYS[1])
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('SCARD', KEYS[1])
