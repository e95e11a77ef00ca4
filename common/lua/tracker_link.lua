-- tracker_link.lua - link a content filter's hop to its message
-- (relay-tracker, policyd/tracker_hop.h): relay:{q:NEXT}:qid = "HANDLE
-- ROOTQID", unless the key holds something else (a record relay-milter
-- wrote for a message of its own, another message's hop): that is never
-- overwritten.
-- KEYS[1] relay:{q:NEXT}:qid   ARGV[1] "HANDLE ROOTQID"   ARGV[2] TTL (s)
-- Returns 1 (linked, or already so), 0 (the key names another message).
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
