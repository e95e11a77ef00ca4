-- unsub_complaint_count.lua - relay-unsub -r: count one complaint (a
-- recipient newly suppressed by a feedback loop report) into the member's
-- complaint-rate window, and judge the rate against the recipients
-- delivered in the same window (the `s:` buckets relay-tracker keeps in
-- relay:{m:H}:outcomes, read, never written here).
-- KEYS[1] relay:{m:H}:member  KEYS[2] relay:{m:H}:outcomes
-- KEYS[3] relay:{m:H}:complaints
-- ARGV: 1 now (s)  2 window s  3 bucket s  4 min volume (delivered)
--       5 warn %  6 suspend % (0: never)  7 window label
-- Returns {suspended (1 when this complaint suspended the member), warn
-- (1 when the rate crossed the warning with it), complaints, delivered,
-- text}; {0, 0, 0, 0, ''} without the member.
--@include lib_window.lua
local now, window, bs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local minvol, warn, susp = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local label = ARGV[7]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0, 0, 0, ''}
end
-- an admin unsuspend (window_start) starts a fresh window, as for bounces
local ws = win_open(KEYS[3], KEYS[1])
redis.call('HINCRBY', KEYS[3], 'c:' .. math.floor(now / bs) * bs, 1)
redis.call('EXPIRE', KEYS[3], window + bs)

local c = win_sum(KEYS[3], now, window, true)['c:'] or 0
local sent = 0
-- buckets from before an unsuspend the tracker has not reset yet are not
-- this window's
if ws <= (tonumber(redis.call('HGET', KEYS[2], 'since')) or 0) then
  sent = win_sum(KEYS[2], now, window, false)['s:'] or 0
end
if sent < minvol or sent == 0 then
  return {0, 0, c, sent, ''}
end
local rate = c * 100 / sent
local text = string.format('complaint rate %.2f%% (%d/%d) over %s', rate, c,
  sent, label)
if susp > 0 and rate >= susp and
   redis.call('HGET', KEYS[1], 'suspended') ~= '1' then
  local reason = 'auto: ' .. text
  redis.call('HSET', KEYS[1], 'suspended', '1', 'suspended_by', 'auto',
    'suspend_reason', reason, 'suspended_at', now)
  return {1, 0, c, sent, reason}
end
if warn > 0 and rate >= warn and (c - 1) * 100 / sent < warn then
  return {0, 1, c, sent, text}
end
return {0, 0, c, sent, ''}
