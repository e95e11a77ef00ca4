-- milter_record.lua - relay-milter's record of one accepted message
-- (SCHEMA.md, "Who writes what", step 4). All keys share {m:HANDLE}.
-- KEYS[1] relay:{m:H}:msg:QID   KEYS[2] relay:{m:H}:inflight
-- KEYS[3] relay:{m:H}:recent    KEYS[4] relay:{m:H}:member
-- KEYS[5] (optional) relay:{m:H}:charges:SESSION, deleted with the record:
--         the warming charges of the session's transaction stand; its
--         fields come back with the reply, for relay-milter to put back
--         should it take the record back (a short WAIT, a write refused),
--         and go into the record (field charges, a JSON array: id, warm
--         set, ...), for relay-tracker to give back should Postfix refuse
--         the message at end of data after all (tracker_event.lua)
-- ARGV[1] queue id  ARGV[2] now (s)  ARGV[3] tracker.status_ttl (s)
-- ARGV[4] domain  ARGV[5] envelope sender  ARGV[6] Message-ID ("" if none)
-- ARGV[7] milter.record_ttl (s)  ARGV[8] policyd.queue_cap (0: none)
-- ARGV[9..] recipients (normalised; as given when they do not normalise)
-- Returns {1, charge id, warm set, ...} (recorded; the charges hash's
-- fields and values), {0, queued, cap} when the member already has
-- cap messages in flight, or {2, suspend_reason} when the member is
-- suspended (suspended neither empty nor "0", as relay-policyd reads it)
-- or was removed (nothing written either way). relay-policyd checks both
-- at MAIL FROM, but parallel sessions all pass that check before any of
-- them reaches end of data: this is the exact check, one script at a
-- time; and a service a provider gave the milter lines but not the
-- policy lines still refuses a suspended member.
local rcpts = {}
for i = 9, #ARGV do
  rcpts[#rcpts + 1] = ARGV[i]
end
local charges = {}
if KEYS[5] then
  charges = redis.call('HGETALL', KEYS[5])
end
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local rttl = tonumber(ARGV[7])
-- a member removed while its message was in flight: nothing written (no
-- owner would delete an inflight or recent set made again), refused as
-- the end of its sending rights
if redis.call('EXISTS', KEYS[4]) == 0 then
  return {2, 'the account was removed'}
end
local susp = redis.call('HGET', KEYS[4], 'suspended')
if susp and susp ~= '' and susp ~= '0' then
  return {2, redis.call('HGET', KEYS[4], 'suspend_reason') or ''}
end
-- the member's own cap (relayctl member limits) over relay.conf's
local cap = tonumber(ARGV[8]) or 0
local own = redis.call('HGET', KEYS[4], 'queue_cap')
if own and own ~= '' and tonumber(own) and tonumber(own) >= 0 then
  cap = tonumber(own)
end
if cap > 0 then
  local queued = redis.call('ZCOUNT', KEYS[2], '(' .. (now - rttl), '+inf')
  local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if s and tonumber(s) > now - rttl then
    queued = queued - 1		-- this queue id again: not another message
  end
  if queued >= cap then
    return {0, queued, cap}
  end
end
-- The first write is one Redis refuses under maxmemory (DEL is not): a
-- full Redis refuses the whole script, leaving nothing half written.
redis.call('ZADD', KEYS[2], now, ARGV[1])
-- An entry whose removal the tracker never saw (its log line lost, its
-- queue id key expired) leaves after milter.record_ttl, as that key does.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - rttl))
-- a queue id reused by the same member starts a new message: nothing of
-- the old record (r:ADDR soft flags, final, ended, rejected) carries over
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'domain', ARGV[4], 'sender', ARGV[5],
  'rcpts', cjson.encode(rcpts), 'message_id', ARGV[6], 'accepted', ARGV[2])
if #charges > 0 then
  redis.call('HSET', KEYS[1], 'charges', cjson.encode(charges))
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - ttl))
local out = {1}
for i = 1, #charges do
  out[#out + 1] = charges[i]
end
if KEYS[5] then redis.call('DEL', KEYS[5]) end
return out
