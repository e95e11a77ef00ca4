-- ctl_domain_rotate.lua - relayctl: stage a new DKIM selector.
-- KEYS[1] relay:{d:D}:domain, KEYS[2] relay:{d:D}:dkim.
-- ARGV[1] new selector T, ARGV[2] now, ARGV[3] RSA PEM, ARGV[4] Ed25519 PEM.
-- The milter keeps signing with `selector` until domain verify sees T in
-- DNS. Returns 1; 0 when the domain is gone; -1 when a rotation is
-- already pending; -2 when T is in use.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local pending = redis.call('HGET', KEYS[1], 'next_selector')
if pending and pending ~= '' then
  return -1
end
local t = ARGV[1]
if redis.call('HEXISTS', KEYS[2], t .. ':rsa') == 1 or
   redis.call('HGET', KEYS[1], 'selector') == t then
  return -2
end
redis.call('HSET', KEYS[2], t .. ':rsa', ARGV[3], t .. ':ed25519', ARGV[4],
  t .. ':created', ARGV[2])
redis.call('HSET', KEYS[1], 'next_selector', t)
return 1
