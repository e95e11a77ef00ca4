-- ctl_member_limits.lua - relayctl member limits: sets or clears a
-- member's own caps (per_hour, per_day, queue_cap) while the member exists.
-- KEYS[1] relay:{m:H}:member; ARGV field value pairs, an empty value
-- deletes the field (back to relay.conf's value). Returns 1; 0 when the
-- member does not exist; -1, writing nothing, when per_hour would end up
-- above per_day (both set and not 0).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local v = {}
v.per_hour, v.per_day = unpack(redis.call('HMGET', KEYS[1], 'per_hour', 'per_day'))
for i = 1, #ARGV, 2 do
  v[ARGV[i]] = ARGV[i + 1]
end
local ph, pd = tonumber(v.per_hour) or 0, tonumber(v.per_day) or 0
if ph > 0 and pd > 0 and ph > pd then
  return -1
end
for i = 1, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
