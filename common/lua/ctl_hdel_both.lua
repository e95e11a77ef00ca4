-- ctl_hdel_both.lua - relayctl: delete one field from two hashes of the
-- same member at once (suppress remove: :suppress and :soft; apikey
-- revoke: :apikeys and :apikeys_used), so no run leaves one without the
-- other. KEYS[1], KEYS[2] the hashes; ARGV[1] the field.
-- Returns { deleted from KEYS[1], deleted from KEYS[2] } (0 or 1 each).
return { redis.call('HDEL', KEYS[1], ARGV[1]),
  redis.call('HDEL', KEYS[2], ARGV[1]) }
