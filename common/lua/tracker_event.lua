-- tracker_event.lua - apply one Postfix log event to a member's records
-- (relay-tracker). Every key is of one member ({m:HANDLE}), so the script
-- runs in one slot. Exactly once: a delivery or expiry event id already
-- in KEYS[2] changes nothing; the id is marked after every write of the
-- event, so an error part way leaves it unmarked and the retry applies it.
-- Nothing is written once the member hash (KEYS[6]) is gone: a member
-- removed while its mail was in flight gets none of its keys back.
--
-- KEYS[1] relay:{m:H}:msg:QID   KEYS[2] relay:{m:H}:applied
-- KEYS[3] relay:{m:H}:suppress  KEYS[4] relay:{m:H}:soft
-- KEYS[5] relay:{m:H}:outcomes  KEYS[6] relay:{m:H}:member
-- KEYS[7] relay:{m:H}:inflight  KEYS[8] relay:{m:H}:recent
-- ARGV: 1 kind (delivery|handoff|removed|rejected|expired)  2 event id  3 now  4 status ttl
--       5 window s  6 bucket s  7 min volume  8 warn %  9 suspend %
--       10 window label  11 queue id
--   delivery only: 12 recipient  13 status  14 dsn  15 class  16 reply
--       17 relay  18 outcome (0 none, 1 sent, 2 bounced)  19 suppress now
--       20 soft step  21 soft reset  22 soft limit  23 the other address
--       of the line (to= when 12 is orig_to), or ""  (12-23 "" otherwise)
--   all: 24 the log file of the line (dev.ino.headsum)  25 the offset
--       just after the line in it  26 the time of the line (its stamp,
--       at most now; now when the stamp does not convert)
--   delivery only: 27 '1' when 12 is the address as logged (addr_norm
--       refused it: an address literal, a one-label domain), else '0'
--       28 the same for 23 ('' otherwise)
--   all: 29 the record's queue id (KEYS[1]'s); when it is not 11, the
--       line is of a hop: the message as a content filter queued it again
--   handoff only: 30 the queue id the filter's reply named (the next hop)
-- Returns {applied, suppressed-reason, soft count, sent, bounced,
--          suspended (1 when this event suspended), warn (1 on crossing),
--          reason, lifted (the reason of a suppression this delivery
--          took back: soft_bounce_limit, or ''), refund (an array: the
--          warming charges of a message refused at end of data, id, warm
--          set, ..., for relay-tracker to take back; else empty)};
--          applied is 0 for a repeat, -1 when the message record
--          is gone (expired TTL: nothing is invented), -2 when the message
--          already left the queue (`removed` seen: a later line is of
--          another message that reuses the queue id), -3 when neither
--          address of a delivery line is a recipient of the message, -4
--          when the member was removed (nothing written), -5 when the
--          recipient's outcome in this message is already final.
--
-- Time: `now` (ARGV 3) is when the event is applied: the window is
-- trimmed to it, the event id is marked and a suspension dated with it.
-- `at` (ARGV 26) is when the outcome happened: the recipient's status,
-- `final` and the bucket the outcome is counted in. An outcome whose
-- bucket is already out of the window (a tracker catching up after
-- downtime), or older than the member's window_start, is not counted.
--
-- Short Postfix queue ids are unique only while a message is queued, and
-- relay:{q:QID}:qid (another slot) outlives the message: `removed` or
-- `rejected` writes `ended` = the record's `accepted` and its own place
-- in the log (`ended_file`, `ended_off`); events of that record after it
-- are ignored. A line of the same file before it is of the same message
-- (a pipelined event retried after Redis ran the `removed`) and is
-- applied. relay-milter writes the record afresh when it records a new
-- message under the same queue id, which lifts the mark.
--
-- Hops (policyd/tracker_hop.h): kind `handoff` is a sent line to an
-- after-queue content filter whose reply names the queue id B it was
-- queued again under. It is no outcome: the recipient's status becomes
-- `queued` with `via` = B, and the record gets `h:B` = `open` (counted in
-- `hops`). B's lines come here with ARGV 11 = B and ARGV 29 = the
-- record's queue id: a delivery of B is the recipient's outcome, an
-- expiry of B expires the recipients whose `via` is B, and B's `removed`
-- sets `h:B` = `done` (counted in `hops_done`); any other line of a hop
-- not `open` is ignored (-2: its queue id was reused). The record's own
-- `removed` while hops are open sets `left` (the first queue id left the
-- queue) and ends nothing; the message has left the queue, and the record
-- ends as above (inflight, `final`, `ended`), at the `removed` that finds
-- `left` set and no hop open.
--@include lib_window.lua
local kind, id = ARGV[1], ARGV[2]
local now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local window, bs = tonumber(ARGV[5]), tonumber(ARGV[6])
local minvol, warn, susp = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local label, qid = ARGV[10], ARGV[11]
local file, off = ARGV[24] or '', tonumber(ARGV[25])
local at = tonumber(ARGV[26]) or now
if at > now then at = now end
local root = ARGV[29] or ''
if root == '' then root = qid end
local hop = root ~= qid
local none = {-4, '', 0, 0, 0, 0, 0, '', '', {}}

-- open_hops - hops handed to a content filter whose queue id is still queued
local function open_hops()
  local v = redis.call('HMGET', KEYS[1], 'hops', 'hops_done')
  return (tonumber(v[1]) or 0) - (tonumber(v[2]) or 0)
end

-- gone - the member of this message is no more: its hash is gone, or the
-- handle was removed and added again after the message was accepted (a
-- new member must not inherit the old one's mail)
local function gone()
  if redis.call('EXISTS', KEYS[6]) == 0 then return true end
  local created = tonumber(redis.call('HGET', KEYS[6], 'created')) or 0
  local acc = tonumber(redis.call('HGET', KEYS[1], 'accepted')) or 0
  return created > 0 and acc > 0 and acc < created
end

-- charges - the warming charges relay-milter copied into the record
-- (milter_record.lua): id, warm set, ... (strings, pairs only)
local function charges()
  local ok, v = pcall(cjson.decode,
    redis.call('HGET', KEYS[1], 'charges') or '[]')
  local out = {}
  if not ok or type(v) ~= 'table' then return out end
  for i = 1, #v - 1, 2 do
    if type(v[i]) == 'string' and type(v[i + 1]) == 'string' then
      out[#out + 1] = v[i]
      out[#out + 1] = v[i + 1]
    end
  end
  return out
end

-- ended - the record ended at a line before this one (or at this one)
local function ended()
  local v = redis.call('HMGET', KEYS[1], 'accepted', 'ended', 'ended_file',
    'ended_off')
  if not v[1] or v[2] ~= v[1] then return false end
  if kind ~= 'removed' and kind ~= 'rejected' and file ~= '' and off and
     v[3] == file and tonumber(v[4]) and off < tonumber(v[4]) then
    return false
  end
  return true
end

if kind == 'removed' or kind == 'rejected' then
  -- rejected: refused at end of data (e.g. relay-milter died after it
  -- wrote the record, so Postfix tempfailed the message), never queued;
  -- not an outcome of the member's sending, so not counted
  if ended() then
    return {0, '', 0, 0, 0, 0, 0, '', '', {}}
  end
  if gone() then return none end
  if hop then
    -- a hop left the queue; the message has, when the record's own
    -- queue id did too and no other hop is still queued
    if redis.call('HGET', KEYS[1], 'h:' .. qid) ~= 'open' then
      return {0, '', 0, 0, 0, 0, 0, '', '', {}}
    end
    redis.call('HSET', KEYS[1], 'h:' .. qid, 'done')
    redis.call('HINCRBY', KEYS[1], 'hops_done', 1)
    if open_hops() > 0 or redis.call('HEXISTS', KEYS[1], 'left') == 0 then
      return {1, '', 0, 0, 0, 0, 0, '', '', {}}
    end
  elseif open_hops() > 0 then
    -- handed to a content filter: the message is still queued as its hops
    redis.call('HSETNX', KEYS[1], 'left', at)
    return {1, '', 0, 0, 0, 0, 0, '', '', {}}
  end
  local acc = redis.call('HGET', KEYS[1], 'accepted')
  local refund = {}
  redis.call('ZREM', KEYS[7], root)
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now - ttl)
  if acc then
    if kind == 'rejected' then
      redis.call('HSETNX', KEYS[1], 'rejected', at)
      refund = charges()
    end
    redis.call('HDEL', KEYS[1], 'charges')
    redis.call('HSETNX', KEYS[1], 'final', at)
    redis.call('HSET', KEYS[1], 'ended', acc)
    if file ~= '' and off then
      redis.call('HSET', KEYS[1], 'ended_file', file, 'ended_off', off)
    else
      redis.call('HDEL', KEYS[1], 'ended_file', 'ended_off')
    end
  end
  return {1, '', 0, 0, 0, 0, 0, '', '', refund}
end

if redis.call('ZSCORE', KEYS[2], id) then
  return {0, '', 0, 0, 0, 0, 0, '', '', {}}
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, '', 0, 0, 0, 0, 0, '', '', {}}
end
if ended() then
  return {-2, '', 0, 0, 0, 0, 0, '', '', {}}
end
if hop and redis.call('HGET', KEYS[1], 'h:' .. qid) ~= 'open' then
  return {-2, '', 0, 0, 0, 0, 0, '', '', {}}
end
if gone() then return none end
-- a command the ACL denies after the first write would leave the event
-- half applied, and its retry would count it twice: every command that
-- follows a write is checked first (Redis 7), and a denial is a NOPERM
-- before anything is written (a temporary failure: retried)
if redis.acl_check_cmd then
  local a, b, c = 'a', 'b', '1'
  for _, v in ipairs({
    {'HSETNX', KEYS[3], a, b}, {'HGET', KEYS[3], a}, {'HDEL', KEYS[3], a},
    {'HDEL', KEYS[4], a}, {'HINCRBY', KEYS[4], a, c},
    {'EXPIRE', KEYS[4], c}, {'HGET', KEYS[1], a}, {'HSET', KEYS[1], a, b},
    {'HGET', KEYS[5], a}, {'HGET', KEYS[6], a}, {'DEL', KEYS[5]},
    {'HSET', KEYS[5], a, b}, {'HINCRBY', KEYS[5], a, c}, {'HGETALL', KEYS[5]},
    {'HDEL', KEYS[5], a}, {'EXISTS', KEYS[6]}, {'HSET', KEYS[6], a, b},
    {'ZADD', KEYS[2], c, a}, {'ZREMRANGEBYSCORE', KEYS[2], c, c},
    {'EXPIRE', KEYS[2], c},
    {'TTL', KEYS[1]}, {'EXPIRE', KEYS[1], c},
    {'HSETNX', KEYS[1], a, b}, {'HINCRBY', KEYS[1], a, c},
    {'HEXISTS', KEYS[1], a}}) do
    if not redis.acl_check_cmd(unpack(v)) then
      return redis.error_reply('NOPERM the ACL denies tracker_event.lua ' ..
        v[1] .. ' on ' .. v[2])
    end
  end
end
-- mark - the event id is applied (written last: an error before it leaves
-- the event unmarked, and its retry applies it)
local function mark()
  redis.call('ZADD', KEYS[2], now, id)
  -- trimming on one call in 16 (ids are hex digests) keeps the set bounded
  if string.sub(id, -1) == '0' then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  end
  -- and a member that stops sending does not keep it for ever
  redis.call('EXPIRE', KEYS[2], ttl + 86400)
  if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ttl)
  end
end

local function decode(s)
  if not s then return nil end
  local ok, v = pcall(cjson.decode, s)
  if ok and type(v) == 'table' then return v end
  return nil
end

-- count - one final outcome (n of them) that happened at `at` into the
-- window; the sums after it, and whether it was counted
local function count(outcome, n)
  -- an admin unsuspend starts a fresh window (win_open)
  local ws = win_open(KEYS[5], KEYS[6])
  -- fields are named by the bucket's start time, so buckets written
  -- under another window or bucket width still age out on time (and
  -- the bucket numbers of schema 1's first form read as 1970: trimmed).
  -- An outcome of a bucket the trimming below deletes, or from before
  -- the fresh window, is not added at all.
  local b = math.floor(at / bs) * bs
  -- (window_start is set on the admin's clock, `at` on the Postfix
  -- node's: ten minutes of slack so a skew between them hides nothing)
  local counted = b > now - window and at >= ws - 600
  if counted then
    redis.call('HINCRBY', KEYS[5], (outcome == 1 and 's:' or 'b:') .. b, n)
  end
  local sums = win_sum(KEYS[5], now, window, true)
  return sums['s:'] or 0, sums['b:'] or 0, counted
end

-- judge - suspend or warn on the rate after this event
local J = {now = now, minvol = minvol, warn = warn, susp = susp,
  label = label}
local function judge(sent, bounced, added_bounced, added_total)
  return bounce_judge(KEYS[6], sent, bounced, added_bounced, added_total, J)
end

if kind == 'expired' then
  -- the message left the queue: recipients still not final bounced
  local m = decode(redis.call('HGET', KEYS[1], 'rcpts')) or {}
  local n = 0
  for _, r in ipairs(m) do
    local f = 'r:' .. r
    local st = decode(redis.call('HGET', KEYS[1], f)) or {}
    for k, v in pairs({dsn = '', class = '', reply = '', relay = '',
        attempts = 0}) do
      if st[k] == nil then st[k] = v end
    end
    -- a queue id expires its own recipients: a hop those it queued
    if st.status ~= 'sent' and st.status ~= 'bounced' and
       st.status ~= 'expired' and
       ((hop and st.via == qid) or (not hop and st.via == nil)) then
      st.status = 'expired'
      st.at = at
      redis.call('HSET', KEYS[1], f, cjson.encode(st))
      n = n + 1
    end
  end
  if not hop then redis.call('HSETNX', KEYS[1], 'final', at) end
  if n == 0 then
    mark()
    return {1, '', 0, 0, 0, 0, 0, '', '', {}}
  end
  local sent, bounced, counted = count(2, n)
  local s, w, reason = 0, 0, ''
  if counted then s, w, reason = judge(sent, bounced, n, n) end
  mark()
  return {1, '', 0, sent, bounced, s, w, reason, '', {}}
end

-- a delivery attempt, of one of the message's recipients: ARGV[12]
-- first, then ARGV[23]. A normalised address is compared as it is; one
-- addr_norm refused (raw) byte for byte or ASCII case-insensitively with
-- the recorded recipient without its angle brackets. A recipient matched
-- raw has no normalised form, so it is counted but never suppressed.
--
-- Each recipient has its field r:ADDRESS from the record's first event
-- on (`{"status":"queued"}` until its first line: written for all of
-- `rcpts` at once, then `rx` = the record's `accepted` marks it indexed;
-- a record written again is indexed again), so an exact match is one
-- HEXISTS, whatever the number of recipients; only the case-insensitive
-- match of an address as logged reads `rcpts` again.
local rcpt, raw
do
  local v = redis.call('HMGET', KEYS[1], 'accepted', 'rx')
  if v[2] ~= (v[1] or '') then
    for _, r in ipairs(decode(redis.call('HGET', KEYS[1], 'rcpts')) or {}) do
      if type(r) == 'string' then
        redis.call('HSETNX', KEYS[1], 'r:' .. r, '{"status":"queued"}')
      end
    end
    redis.call('HSET', KEYS[1], 'rx', v[1] or '')
  end
  local cand = {{ARGV[12], ARGV[27] == '1'}, {ARGV[23] or '', ARGV[28] == '1'}}
  -- an exact match of either wins over a case-insensitive one
  for _, c in ipairs(cand) do
    if c[1] ~= '' and redis.call('HEXISTS', KEYS[1], 'r:' .. c[1]) == 1 then
      rcpt, raw = c[1], c[2]
      break
    end
  end
  if not rcpt and (cand[1][2] or cand[2][2]) then
    local m = decode(redis.call('HGET', KEYS[1], 'rcpts')) or {}
    for _, c in ipairs(cand) do
      if c[1] ~= '' and c[2] then
        for _, r in ipairs(m) do
          if type(r) == 'string' then
            local b = string.match(r, '^<(.*)>$') or r
            if b == c[1] or string.lower(b) == string.lower(c[1]) then
              rcpt, raw = r, true
              break
            end
          end
        end
      end
      if rcpt then break end
    end
  end
end
if not rcpt then
  return {-3, '', 0, 0, 0, 0, 0, '', '', {}}
end
local f = 'r:' .. rcpt
local prev = decode(redis.call('HGET', KEYS[1], f))
-- A recipient's outcome in a message is final once: Postfix logs one
-- final line per recipient it delivers, so a second one (an alias of the
-- provider's that expanded the recipient, or a line Postfix did not
-- write) changes nothing and counts nothing (-5)
if prev and (prev.status == 'sent' or prev.status == 'bounced' or
    prev.status == 'expired') then
  return {-5, '', 0, 0, 0, 0, 0, '', '', {}}
end
local attempts = 1
if prev and tonumber(prev.attempts) then attempts = tonumber(prev.attempts) + 1 end
-- soft: this message's soft failure for rcpt is counted (once per message)
local st = {status = ARGV[13], dsn = ARGV[14], class = ARGV[15],
  reply = ARGV[16], relay = ARGV[17], at = at, attempts = attempts,
  soft = prev and prev.soft or nil, via = prev and prev.via or nil}

if kind == 'handoff' then
  -- queued again by a content filter: no outcome yet, the hop's is
  local nxt = ARGV[30] or ''
  if nxt == '' then
    return redis.error_reply('ERR tracker_event.lua: handoff without a queue id')
  end
  if redis.call('HSETNX', KEYS[1], 'h:' .. nxt, 'open') == 1 then
    redis.call('HINCRBY', KEYS[1], 'hops', 1)
  end
  st.status, st.class, st.via = 'queued', '', nxt
  redis.call('HSET', KEYS[1], f, cjson.encode(st))
  mark()
  return {1, '', 0, 0, 0, 0, 0, '', '', {}}
end

local suppressed, soft, lifted = '', 0, ''
local function suppress(reason)
  -- by: the tracker's own entry (only those are lifted); seen: the time
  -- of the log line that suppressed (a delivery before it lifts nothing)
  local v = cjson.encode({reason = reason, at = now, dsn = ARGV[14],
    text = ARGV[16], by = 'tracker', seen = at})
  if redis.call('HSETNX', KEYS[3], rcpt, v) == 1 then suppressed = reason end
end
if ARGV[19] == '1' and not raw then suppress('hard_bounce') end
if ARGV[21] == '1' and not raw then
  -- the count the delivery reset, kept with it: a bounce of this message
  -- that comes back by mail later (relay-unsub -b) takes the delivery
  -- back and counts on from there
  local before = tonumber(redis.call('HGET', KEYS[4], rcpt)) or 0
  if before > 0 then st.soft_before = before end
  redis.call('HDEL', KEYS[4], rcpt)
  -- delivered: the mailbox takes mail again, so a suppression that soft
  -- failures made (and no other) is lifted; deferrals of messages still
  -- being retried suppressed it, perhaps within seconds. Only the
  -- suite's own entry (the tracker's, or relay-unsub -b's from bounces
  -- by mail; not one imported with that reason), and only by a delivery
  -- logged after the line or bounce that suppressed (a node whose
  -- tracker lags applies older lines late)
  local ok, v = pcall(cjson.decode, redis.call('HGET', KEYS[3], rcpt) or '')
  if ok and type(v) == 'table' and v.reason == 'soft_bounce_limit' and
      (v.by == 'tracker' or v.by == 'bounce') and
      (tonumber(v.seen) or math.huge) <= at then
    redis.call('HDEL', KEYS[3], rcpt)
    lifted = 'soft_bounce_limit'
  end
end
-- a soft failure counts once per message: Postfix's own retries of it
-- are not further failures; the count lives tracker.status_ttl after its
-- last step
if ARGV[20] == '1' and st.soft ~= 1 and not raw then
  st.soft = 1
  soft = redis.call('HINCRBY', KEYS[4], rcpt, 1)
  redis.call('EXPIRE', KEYS[4], ttl)
  if soft >= tonumber(ARGV[22]) then suppress('soft_bounce_limit') end
end
redis.call('HSET', KEYS[1], f, cjson.encode(st))

local outcome = tonumber(ARGV[18])
if outcome == 0 then
  mark()
  return {1, suppressed, soft, 0, 0, 0, 0, '', lifted, {}}
end
local sent, bounced, counted = count(outcome, 1)
local s, w, reason = 0, 0, ''
if counted then
  s, w, reason = judge(sent, bounced, outcome == 2 and 1 or 0, 1)
end
mark()
return {1, suppressed, soft, sent, bounced, s, w, reason, lifted, {}}
