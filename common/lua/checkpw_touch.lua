-- checkpw_touch.lua - relay-checkpw: record a key's last login, only while
-- the key exists (a login racing `apikey revoke` or `member remove` must
-- not leave a last-used entry for a key that is gone).
-- KEYS[1] relay:{m:H}:apikeys, KEYS[2] relay:{m:H}:apikeys_used;
-- ARGV[1] the key id, ARGV[2] the time. Returns 1, or 0 when the key is gone.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
