-- lib_window.lua - the bounce-rate and complaint-rate windows, shared by
-- the scripts that count into them (tracker_event.lua, unsub_bounce.lua,
-- unsub_complaint_count.lua). Not a script: lua2c.sh puts it, joined into
-- one line, where a script has the line `--@include lib_window.lua`, so
-- the script's own line numbers stay those of its file. Hence: no comment
-- after code on a line, no line that starts with "(", no long strings.
--
-- A window hash (relay:{m:H}:outcomes, :complaints) has a field per
-- bucket, named by its prefix and start time ("s:1795000000": delivered,
-- "b:": bounced, "c:": complaints), and `since`, when the window began.
--
-- win_open - KEY's window, started afresh when the member's window_start
-- (an admin unsuspend, in MKEY) is newer than its since; returns
-- window_start
local function win_open(key, mkey)
  local ws = tonumber(redis.call('HGET', mkey, 'window_start')) or 0
  if ws > (tonumber(redis.call('HGET', key, 'since')) or 0) then
    redis.call('DEL', key)
    redis.call('HSET', key, 'since', ws)
  end
  return ws
end
-- win_sum - the sums of KEY's buckets by prefix ("s:" = n, ...) of the
-- window ending at now; with prune, the buckets out of it are deleted
local function win_sum(key, now, window, prune)
  local sums = {}
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local k = all[i]
    local start = tonumber(string.sub(k, 3))
    if start and start <= now - window then
      if prune then redis.call('HDEL', key, k) end
    elseif start then
      local p = string.sub(k, 1, 2)
      sums[p] = (sums[p] or 0) + (tonumber(all[i + 1]) or 0)
    end
  end
  return sums
end
-- bounce_judge - suspend (MKEY) or warn on a bounce rate after an event
-- that added added_bounced of added_total outcomes; returns suspended,
-- warn, text. J: now, minvol, warn, susp (percent), label.
local function bounce_judge(mkey, sent, bounced, added_bounced, added_total, J)
  local total = sent + bounced
  if total < J.minvol or total == 0 then return 0, 0, '' end
  local rate = bounced * 100 / total
  local ptotal = total - added_total
  local prate = 0
  if ptotal > 0 then prate = (bounced - added_bounced) * 100 / ptotal end
  local crossed = ptotal < J.minvol
  if rate >= J.susp and redis.call('EXISTS', mkey) == 1 and
     redis.call('HGET', mkey, 'suspended') ~= '1' then
    local reason = string.format('auto: bounce rate %.1f%% (%d/%d) over %s',
      rate, bounced, total, J.label)
    redis.call('HSET', mkey, 'suspended', '1', 'suspended_by', 'auto',
      'suspend_reason', reason, 'suspended_at', J.now)
    return 1, 0, reason
  end
  if rate >= J.warn and (crossed or prate < J.warn) then
    return 0, 1, string.format('bounce rate %.1f%% (%d/%d) over %s',
      rate, bounced, total, J.label)
  end
  return 0, 0, ''
end
