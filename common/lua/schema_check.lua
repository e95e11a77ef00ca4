-- schema_check.lua - the schema version; set only when asked (ARGV[2])
-- KEYS[1] relay:schema   ARGV[1] the version this program speaks
-- ARGV[2] '1': set it when missing (relayctl member add: the first data of
-- a new Redis); otherwise a missing key is only reported.
-- Returns {stored version, 0}, {ARGV[1], 1} when this call set it, or
-- {'', 2} when it is missing and was not set (a new Redis, or one that
-- lost its data: nobody can tell which but the operator).
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[2] == '1' then
    redis.call('SET', KEYS[1], ARGV[1])
    return {ARGV[1], 1}
  end
  return {'', 2}
end
return {v, 0}
