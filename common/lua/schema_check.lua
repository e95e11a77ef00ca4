-- schema_check.lua - the schema version, set on first use
-- KEYS[1] relay:schema   ARGV[1] the version this program speaks
-- Returns {stored version, 1 when this call set it (the key was missing:
-- a new Redis, or one that lost its data), else 0}.
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1])
  return {ARGV[1], 1}
end
return {v, 0}
