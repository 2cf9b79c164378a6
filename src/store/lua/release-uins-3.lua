-- A replica stops waiting for UINs (its requests gave up or failed fast): a queued UIN nobody waits
-- for any more leaves the queue, so the budget is not spent on answers nobody reads. A UIN on the wire
-- (its owner still holds it: `o:`) only loses the waiter; its call goes on.
-- KEYS[1] queue, KEYS[2] meta, KEYS[3] deadlines (see enqueue-uins-5.lua)
-- ARGV[1..] UINs
-- Returns  how many left the queue
local removed = 0
for _, uin in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[2], 'o:' .. uin) == 1 then
    if tonumber(redis.call('HGET', KEYS[2], 'w:' .. uin) or '0') > 0 then redis.call('HINCRBY', KEYS[2], 'w:' .. uin, -1) end
  elseif redis.call('ZSCORE', KEYS[1], uin) then
    local left = redis.call('HINCRBY', KEYS[2], 'w:' .. uin, -1)
    if left <= 0 then
      redis.call('ZREM', KEYS[1], uin)
      redis.call('ZREM', KEYS[3], uin)
      redis.call('HDEL', KEYS[2], 's:' .. uin, 'd:' .. uin, 'w:' .. uin, 't:' .. uin)
      removed = removed + 1
    end
  end
end
return removed
