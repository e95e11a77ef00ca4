-- ctl_domain_add.lua - relayctl: enroll a domain with its DKIM keys.
-- KEYS[1] relay:{d:D}:domain, KEYS[2] relay:{d:D}:dkim.
-- ARGV[1] member, ARGV[2] now, ARGV[3] token, ARGV[4] selector,
-- ARGV[5] subdomains, ARGV[6] RSA PEM, ARGV[7] Ed25519 PEM.
-- Returns 1, or 0 when the domain is already enrolled (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local s = ARGV[4]
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], s .. ':rsa', ARGV[6], s .. ':ed25519', ARGV[7],
  s .. ':created', ARGV[2])
redis.call('HSET', KEYS[1], 'member', ARGV[1], 'created', ARGV[2],
  'token', ARGV[3], 'verified_at', '0', 'selector', s,
  'next_selector', '', 'subdomains', ARGV[5], 'listunsub', '0',
  'forward_to', '')
return 1
