-- unsub_bounce.lua - relay-unsub -b: one recipient of a bounce that came
-- back to a message's return path (b+TOKEN@, unsubscribe.return_path).
-- relay-tracker counted the recipient `sent` when the receiving server
-- answered 250; a server that then bounces it by mail (an asynchronous
-- bounce, RFC 3464 Action: failed) turns that into `bounced`: the
-- recipient's r:ADDRESS gets status bounced (async = 1, with the dsn,
-- class and text), the delivery counted in its bucket moves to a bounce
-- counted now, the bounce rate is judged as relay-tracker judges it
-- (lib_window.lua), a hard bounce is suppressed, and a soft one (a
-- full mailbox) is one more soft failure of the recipient, suppressed at
-- tracker.soft_bounce_limit like relay-tracker's (the count lives
-- tracker.status_ttl after its step; the reset its delivery made is
-- undone: soft_before). Once per message and recipient: the status is no
-- longer `sent` after it.
-- The relay's own Postfix's bounces (X-Postfix-Queue-ID names this
-- message or one of its hops) count nothing: relay-tracker counted them
-- from the log. Nothing is written once the member is gone, or is
-- another member of the same handle (created after the message).
-- KEYS[1] relay:{m:H}:msg:QID  KEYS[2] relay:{m:H}:suppress
-- KEYS[3] relay:{m:H}:outcomes  KEYS[4] relay:{m:H}:member
-- KEYS[5] relay:{m:H}:soft
-- ARGV: 1 now  2 window s  3 bucket s  4 min volume  5 warn %  6 suspend %
--       7 window label  8 the bounce's X-Postfix-Queue-ID or ''  9 10 the
--       recipient as the bounce names it (Original-Recipient, then
--       Final-Recipient, normalised; '' for none, or one that does not
--       parse: the message's only recipient then; with no class either,
--       only the sender is looked up)  11 status (5.1.1)  12 class
--       (hard, soft, ...)
--       13 the diagnostic text  14 '1' to suppress (a hard bounce)
--       15 seconds after acceptance a recipient not yet final defers
--       the bounce (relay-tracker may still be behind)  16 '1' to step
--       the soft count (a soft bounce)  17 soft limit  18 its TTL (s)
-- Returns {code, recipient, sender, suppressed, suspended, warn, text,
--          sent, bounced, soft count (0 without a step)}: code 1
--          counted, 0 nothing to count (the relay's own bounce, a
--          recipient already final otherwise or counted before, or a
--          lookup), -1 the record is gone, -3 no
--          recipient of the message is named, -4 the member is gone, -5
--          the recipient's delivery is not recorded yet (defer).
--@include lib_window.lua
local now, window, bs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local J = {now = now, minvol = tonumber(ARGV[4]), warn = tonumber(ARGV[5]),
  susp = tonumber(ARGV[6]), label = ARGV[7]}
local pq = ARGV[8]
local v = redis.call('HMGET', KEYS[1], 'sender', 'rcpts', 'accepted')
if not v[1] then
  return {-1, '', '', '', 0, 0, '', 0, 0, 0}
end
local sender = v[1]
local function ret(code, r)
  return {code, r or '', sender, '', 0, 0, '', 0, 0, 0}
end
if redis.call('EXISTS', KEYS[4]) == 0 then return ret(-4) end
local created = tonumber(redis.call('HGET', KEYS[4], 'created')) or 0
local acc = tonumber(v[3]) or 0
if created > 0 and acc > 0 and acc < created then return ret(-4) end
if ARGV[9] == '' and ARGV[10] == '' and ARGV[12] == '' then
  return ret(0)
end

-- the recipient: one of the record's, as the bounce names it; a server
-- that forwarded it names another address: the only recipient then
local ok, rcpts = pcall(cjson.decode, v[2] or '')
if not ok or type(rcpts) ~= 'table' then rcpts = {} end
local rcpt
for i = 9, 10 do
  for _, r in ipairs(rcpts) do
    if ARGV[i] ~= '' and r == ARGV[i] then rcpt = r break end
  end
  if rcpt then break end
end
-- the relay's own bounce: of this record's queue id (its key's last
-- part) or of a hop's (h:QID)
local own = pq ~= '' and (string.sub(KEYS[1], -#pq - 1) == ':' .. pq or
  redis.call('HEXISTS', KEYS[1], 'h:' .. pq) == 1)
if own then return ret(0, rcpt) end
if not rcpt and #rcpts == 1 and type(rcpts[1]) == 'string' then
  rcpt = rcpts[1]
end
if not rcpt then return ret(-3) end
local f = 'r:' .. rcpt
local ok2, st = pcall(cjson.decode, redis.call('HGET', KEYS[1], f) or '')
if not ok2 or type(st) ~= 'table' then st = {} end
if st.status ~= 'sent' then
  if st.status == 'bounced' or st.status == 'expired' then
    return ret(0, rcpt)
  end
  if acc + tonumber(ARGV[15]) > now then return ret(-5, rcpt) end
  return ret(0, rcpt)
end

-- sent -> bounced: the delivery's bucket loses it (while in the window
-- and counted there: not before an unsuspend), a bounce is counted now
local ws = win_open(KEYS[3], KEYS[4])
local at = tonumber(st.at) or 0
local sb = 's:' .. math.floor(at / bs) * bs
local moved = math.floor(at / bs) * bs > now - window and at >= ws - 600 and
  (tonumber(redis.call('HGET', KEYS[3], sb)) or 0) > 0
if moved then redis.call('HINCRBY', KEYS[3], sb, -1) end
redis.call('HINCRBY', KEYS[3], 'b:' .. math.floor(now / bs) * bs, 1)
local sums = win_sum(KEYS[3], now, window, true)
local sent, bounced = sums['s:'] or 0, sums['b:'] or 0

st.status, st.async, st.sent_at = 'bounced', 1, st.at
st.dsn, st.class, st.reply, st.at = ARGV[11], ARGV[12], ARGV[13], now
redis.call('HSET', KEYS[1], f, cjson.encode(st))
local suppressed, soft = '', 0
local function suppress(reason)
  local e = cjson.encode({reason = reason, at = now, dsn = ARGV[11],
    text = ARGV[13], by = 'bounce', seen = now})
  if redis.call('HSETNX', KEYS[2], rcpt, e) == 1 then suppressed = reason end
end
if ARGV[14] == '1' then suppress('hard_bounce') end
if ARGV[16] == '1' then
  -- its delivery reset the count (relay-tracker kept what it was): that
  -- delivery was none, so the count goes on from the larger of the two
  soft = math.max(tonumber(redis.call('HGET', KEYS[5], rcpt)) or 0,
    tonumber(st.soft_before) or 0) + 1
  redis.call('HSET', KEYS[5], rcpt, soft)
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[18]))
  if soft >= tonumber(ARGV[17]) then suppress('soft_bounce_limit') end
end
local s, w, text = bounce_judge(KEYS[4], sent, bounced, 1, moved and 0 or 1,
  J)
return {1, rcpt, sender, suppressed, s, w, text, sent, bounced, soft}
