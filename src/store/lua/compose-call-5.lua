-- Composes one upstream call from the deployment's queue, for the replica that holds a budget slot.
-- First it repairs what dead replicas left: UINs whose call's lease ran out are queued again (ahead,
-- with their old tags), UINs whose every waiter's deadline passed leave. Then the scheduling rule: a
-- full call whenever `maxBatch` UINs wait; a part-full one only while no call is on the wire anywhere.
-- KEYS[1] queue, KEYS[2] meta, KEYS[3] flight, KEYS[4] deadlines, KEYS[5] calls (see enqueue-uins-5.lua)
-- ARGV[1]  most UINs per call, ARGV[2] lease (ms), ARGV[3] call id, ARGV[4] now (epoch ms, the
--          composing replica's clock, for deadlines set on the replicas' clocks)
-- Returns  { UINs of the call (possibly none), their latest deadlines, UINs still queued, calls on the wire,
--           the spans of the requests that asked for them (traceparents, space-separated; taken),
--           how many replicas wait for each of them (w:) }
local LANE = 1e12
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max_batch = tonumber(ARGV[1])
local lease_end = now + tonumber(ARGV[2])

for _, uin in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[3], uin)
  redis.call('HDEL', KEYS[2], 'o:' .. uin)
  local score = redis.call('HGET', KEYS[2], 's:' .. uin)
  if score then
    redis.call('ZADD', KEYS[1], score, uin)
    redis.call('ZADD', KEYS[4], redis.call('HGET', KEYS[2], 'd:' .. uin) or 9e15, uin)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
for _, uin in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[4]))) do
  redis.call('ZREM', KEYS[4], uin)
  redis.call('ZREM', KEYS[1], uin)
  redis.call('HDEL', KEYS[2], 's:' .. uin, 'd:' .. uin, 'w:' .. uin, 't:' .. uin)
end

local queued = redis.call('ZCARD', KEYS[1])
local calls = redis.call('ZCARD', KEYS[5])
if queued == 0 or (queued < max_batch and calls > 0) then
  return { {}, {}, queued, calls, {}, {} }
end
local taken = redis.call('ZRANGE', KEYS[1], 0, max_batch - 1, 'WITHSCORES')
local uins, deadlines, spans, waiting = {}, {}, {}, {}
for i = 1, #taken, 2 do
  local uin, score = taken[i], tonumber(taken[i + 1])
  local lane = 9 - math.floor(score / LANE)
  local tag = score - (9 - lane) * LANE
  local v = tonumber(redis.call('HGET', KEYS[2], 'v:' .. lane) or '0')
  if tag > v then redis.call('HSET', KEYS[2], 'v:' .. lane, tostring(tag)) end
  redis.call('ZREM', KEYS[1], uin)
  redis.call('ZREM', KEYS[4], uin)
  redis.call('ZADD', KEYS[3], lease_end, uin)
  redis.call('HSET', KEYS[2], 'o:' .. uin, ARGV[3])
  uins[#uins + 1] = uin
  deadlines[#deadlines + 1] = redis.call('HGET', KEYS[2], 'd:' .. uin) or '0'
  waiting[#waiting + 1] = tonumber(redis.call('HGET', KEYS[2], 'w:' .. uin) or '0')
  local asked = redis.call('HGET', KEYS[2], 't:' .. uin)
  if asked then
    spans[#spans + 1] = asked
    redis.call('HDEL', KEYS[2], 't:' .. uin)
  end
end
redis.call('ZADD', KEYS[5], lease_end, ARGV[3])
return { uins, deadlines, queued - #uins, calls + 1, spans, waiting }
