-- policyd_warm.lua - check and charge a domain's warming caps, atomically.
--
-- A sliding window log: one sorted set per domain, one member per accepted
-- recipient, scored by its accept time in ms. A recipient is accepted when
-- fewer than per_hour entries lie in (now - 1 h, now] and fewer than
-- per_day in (now - 1 d, now]; both windows are checked and the entry
-- added in this one script, so concurrent callers (several relay-policyd
-- processes, several Postfix nodes) can never together pass a cap.
-- Nothing is charged for a refused recipient.
--
-- The caps come from the caller, computed from the domain's facts it
-- read earlier (maybe from its cache); the script first checks those facts
-- still hold, so a charge is never made under caps of a domain that was
-- removed, given to another member or verified again meanwhile.
--
-- KEYS[1]  relay:{d:DOMAIN}:warm
-- KEYS[2]  relay:{d:DOMAIN}:domain (the same hash tag)
-- ARGV[1]  ms to add to Redis's clock (testing.clock_offset; normally 0):
--          "now" is Redis's own TIME, so every node charges and trims on
--          one clock, whatever its own says
-- ARGV[2]  per_hour cap (0: unlimited)
-- ARGV[3]  per_day cap (0: unlimited)
-- ARGV[4]  a unique member name for this charge
-- ARGV[5]  the member handle the caller believes owns DOMAIN
-- ARGV[6]  the verified_at the caller computed the caps from
-- ARGV[7]  "1" when DOMAIN is a parent of the sender's domain, which then
--          needs subdomains=1
-- Returns {over, hour_count, day_count, retry_ms}: over is 0 (charged;
-- the counts include this one), 1 (the hour window is full), 2 (the day
-- window is full) or 3 (the domain's facts changed: nothing charged, read
-- them again); retry_ms is how long until the fuller window has room,
-- computed from the entry that must leave it first.
local key = KEYS[1]
local f = redis.call('HMGET', KEYS[2], 'member', 'verified_at', 'subdomains')
if f[1] ~= ARGV[5] or (tonumber(f[2]) or 0) ~= tonumber(ARGV[6]) or
    (ARGV[7] == '1' and f[3] ~= '1') then
	return {3, 0, 0, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) +
    tonumber(ARGV[1])
local ph = tonumber(ARGV[2])
local pd = tonumber(ARGV[3])
local HOUR, DAY = 3600000, 86400000

if ph <= 0 and pd <= 0 then
	return {0, 0, 0, 0}
end
-- Always a day: a node (or a member's own caps) with per_day 0 must not
-- trim away what another node's day window still counts.
local keep = DAY
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - keep)

-- wait - ms until the window of length len, holding count entries, has
-- fewer than cap: the (count - cap + 1)-th oldest entry must leave it
local function wait(len, count, cap)
	local e = redis.call('ZRANGEBYSCORE', key, '(' .. (now - len), '+inf',
	    'WITHSCORES', 'LIMIT', count - cap, 1)
	local w = tonumber(e[2]) + len - now
	if w < 1 then w = 1 end
	return w
end

local hc, dc = 0, 0
if ph > 0 then hc = redis.call('ZCOUNT', key, '(' .. (now - HOUR), '+inf') end
if pd > 0 then dc = redis.call('ZCOUNT', key, '(' .. (now - DAY), '+inf') end

local over, retry = 0, 0
if ph > 0 and hc >= ph then
	over, retry = 1, wait(HOUR, hc, ph)
end
if pd > 0 and dc >= pd then
	local w = wait(DAY, dc, pd)
	if w > retry then over, retry = 2, w end
end
if over ~= 0 then
	return {over, hc, dc, retry}
end

redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, keep + 60000)
return {0, hc + 1, dc + 1, 0}
