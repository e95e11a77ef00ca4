-- milter_msgid.lua - index a Message-ID to "HANDLE QUEUEID" (SCHEMA.md).
-- KEYS[1] relay:{x:SHA256}:msgid
-- ARGV[1] "HANDLE QUEUEID"  ARGV[2] tracker.status_ttl (s)
-- Returns the number of members of the set.
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('SCARD', KEYS[1])
