-- milter_unwarm.lua - take back relay-policyd's warming charges of
-- recipients that relay-milter refused after policyd charged them at RCPT
-- TO (suppressed; or the whole message refused, or abandoned). A charge
-- is named "RCPTHASH:UNIQUE" (rkey_warm_charge); for each hash given, the
-- newest charge of that recipient made since the transaction began is
-- removed: the counts are what matter, not which of two equal entries goes.
-- KEYS[1] relay:{d:D}:warm
-- ARGV[1] ms to add to Redis's clock (testing.clock_offset), as
--         policyd_warm.lua does
-- ARGV[2] age of the transaction in ms (since MAIL FROM, plus a margin)
-- ARGV[3..] recipient hashes (16 hex digits), one per refused recipient
-- Returns how many charges were removed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) +
    tonumber(ARGV[1])
local e = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[2]),
    '+inf')
-- newest last: index each hash's charges in time order
local by = {}
for i = 1, #e do
  local h = string.sub(e[i], 1, 16)
  if string.sub(e[i], 17, 17) == ':' then
    by[h] = by[h] or {}
    table.insert(by[h], e[i])
  end
end
local n = 0
for i = 3, #ARGV do
  local l = by[ARGV[i]]
  if l ~= nil and #l > 0 then
    n = n + redis.call('ZREM', KEYS[1], table.remove(l))
  end
end
return n
