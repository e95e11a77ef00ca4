-- milter_record.lua - relay-milter's record of one accepted message
-- (SCHEMA.md, "Who writes what", step 4). All keys share {m:HANDLE}.
-- KEYS[1] relay:{m:H}:msg:QID   KEYS[2] relay:{m:H}:inflight
-- KEYS[3] relay:{m:H}:recent
-- ARGV[1] queue id  ARGV[2] now (s)  ARGV[3] tracker.status_ttl (s)
-- ARGV[4] domain  ARGV[5] envelope sender  ARGV[6] Message-ID ("" if none)
-- ARGV[7] milter.record_ttl (s)
-- ARGV[8..] recipients (normalised; as given when they do not normalise)
-- Returns 1.
local rcpts = {}
for i = 8, #ARGV do
  rcpts[#rcpts + 1] = ARGV[i]
end
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local rttl = tonumber(ARGV[7])
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
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - ttl))
return 1
