-- unsub_complaint.lua - relay-unsub -r: suppress the recipient of a
-- recorded message that a complaint report names by its Message-ID, with
-- reason "complaint", while the member exists (and is the one that sent
-- it: a handle removed and added again after the message was accepted is
-- another member, as in tracker_event.lua). An entry already there keeps
-- its reason (HSETNX).
-- KEYS[1] relay:{m:H}:member, KEYS[2] relay:{m:H}:msg:QID,
-- KEYS[3] relay:{m:H}:suppress. ARGV[1] the entry's JSON value, ARGV[2]
-- "1" when the record's only recipient may be taken if no candidate is
-- one of its recipients, ARGV[3..] the candidate recipients (normalised).
-- Returns {code, address}: 1 added, 0 suppressed already (kept), -1 the
-- member is gone, -2 the record is gone (expired), -3 no recipient of
-- the record is named.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1, ''}
end
local v = redis.call('HMGET', KEYS[2], 'rcpts', 'accepted')
if not v[1] then
  return {-2, ''}
end
local created = tonumber(redis.call('HGET', KEYS[1], 'created')) or 0
local acc = tonumber(v[2]) or 0
if created > 0 and acc > 0 and acc < created then
  return {-1, ''}
end
local ok, rcpts = pcall(cjson.decode, v[1])
if not ok or type(rcpts) ~= 'table' then
  return {-2, ''}
end
local found
for i = 3, #ARGV do
  for _, r in ipairs(rcpts) do
    if r == ARGV[i] then
      found = r
      break
    end
  end
  if found then
    break
  end
end
if not found and ARGV[2] == '1' and #rcpts == 1 and
    type(rcpts[1]) == 'string' then
  found = rcpts[1]
end
if not found then
  return {-3, ''}
end
return {redis.call('HSETNX', KEYS[3], found, ARGV[1]), found}
