-- ctl_domain_verified.lua - relayctl: apply what domain verify found.
-- KEYS[1] relay:{d:D}:domain, KEYS[2] relay:{d:D}:dkim.
-- ARGV[1] now, ARGV[2] "1" when the required records are right
-- (ownership and the active selector's DKIM keys),
-- ARGV[3] the pending selector whose DKIM records are right ("" if none),
-- ARGV[4] the token and ARGV[5] the member the checks were made for.
-- The required records set verified_at once (the warming tiers count from it); a
-- verified pending selector becomes the active one and the old keys go.
-- Nothing is written unless the record still holds that token and
-- member: a domain removed and enrolled again (a new token, perhaps
-- another member) while DNS was asked is not marked with old findings.
-- Returns { verified_at, selector }, 0 when the domain is gone, -1 when
-- its token or member changed.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local tok, mem = unpack(redis.call('HMGET', KEYS[1], 'token', 'member'))
if tok ~= ARGV[4] or mem ~= ARGV[5] then
  return -1
end
local v = redis.call('HGET', KEYS[1], 'verified_at')
if ARGV[2] == '1' and (not v or v == '0' or v == '') then
  redis.call('HSET', KEYS[1], 'verified_at', ARGV[1])
  v = ARGV[1]
end
local sel = redis.call('HGET', KEYS[1], 'selector')
local nxt = redis.call('HGET', KEYS[1], 'next_selector')
if ARGV[3] ~= '' and nxt == ARGV[3] then
  redis.call('HSET', KEYS[1], 'selector', nxt, 'next_selector', '')
  if sel and sel ~= nxt then
    redis.call('HDEL', KEYS[2], sel .. ':rsa', sel .. ':ed25519',
      sel .. ':created')
  end
  sel = nxt
end
return { v or '0', sel or '' }
