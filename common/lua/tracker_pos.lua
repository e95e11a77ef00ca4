-- tracker_pos.lua - relay-tracker saves its read position, compare and set:
-- only while relay:{n:NODE}:tracker_pos holds what this tracker last saw or
-- wrote there: with ARGV[1] = 1 the writer's nonce ARGV[2] (the gen field,
-- '' for none) and dev, ino, offset ARGV[3], ARGV[4], ARGV[5] (compared as
-- strings); with ARGV[1] = 0, no position at all.
-- KEYS[1] relay:{n:NODE}:tracker_pos
-- ARGV[6..] the fields to write, name and value in turn
-- Returns {1}: written; {2}: written, but the key had no position though the
-- tracker saw one (Redis lost it); {0, gen, dev, ino, offset, headlen,
-- headsum, mtime}: not written, the key holds another position ('' for a
-- field it lacks).
local cur = redis.call('HMGET', KEYS[1], 'gen', 'dev', 'ino', 'offset',
  'headlen', 'headsum', 'mtime')
local code = 1
if cur[2] and cur[3] and cur[4] then
  if ARGV[1] ~= '1' or (cur[1] or '') ~= ARGV[2] or cur[2] ~= ARGV[3] or
      cur[3] ~= ARGV[4] or cur[4] ~= ARGV[5] then
    for i = 1, 7 do
      cur[i] = cur[i] or ''
    end
    return {0, cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]}
  end
elseif ARGV[1] == '1' then
  code = 2
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
return {code}
