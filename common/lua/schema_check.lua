-- schema_check.lua - the schema version, set on first use
-- KEYS[1] relay:schema   ARGV[1] the version this program speaks
-- Returns the stored version (equal to ARGV[1] on an empty Redis).
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return v
