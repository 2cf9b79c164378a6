-- Queues UINs in the deployment's queue of one action (and variant): each UIN once, wherever it is
-- asked. A UIN already queued gains a waiter (and moves up when asked at a higher priority); a UIN on
-- the wire stays there (its result will be published) but gains the waiter and its deadline too, so
-- that if its call's lease runs out and it is queued again, every replica waiting for it is counted. New UINs get a fair-share tag: see
-- src/loaders/fair-queue.ts, whose logic this repeats.
-- KEYS[1]  queue: sorted set, member = UIN, score = (9 - priority) * 1e12 + tag
-- KEYS[2]  meta: hash; s:<uin> score, d:<uin> latest deadline, w:<uin> replicas waiting,
--          v:<priority> the lane's virtual time, l:<priority>:<caller> the caller's last tag
-- KEYS[3]  flight: sorted set, member = UIN on the wire, score = lease end (Redis ms)
-- KEYS[4]  deadlines: sorted set, member = queued UIN, score = latest deadline (epoch ms)
-- KEYS[5]  calls: sorted set, member = call id on the wire, score = lease end
-- ARGV[1]  priority (0..9), ARGV[2] caller, ARGV[3] weight (> 0), ARGV[4] deadline (epoch ms, 0: none)
-- ARGV[5]  the asking request's span (W3C traceparent; '' for none): kept in t:<uin> (at most 16 per
--          UIN) until a call takes the UIN, whose span links to it, on whichever replica composes it
-- ARGV[6..] pairs: UIN, 1 if this replica starts waiting for it (0: it already waits, raise only)
-- Returns  { queued UINs, calls on the wire, rank of each UIN in the queue (-1: on the wire) }
local LANE = 1e12
local priority = tonumber(ARGV[1])
local caller = ARGV[2]
local weight = tonumber(ARGV[3])
local deadline = tonumber(ARGV[4])
if deadline == 0 then deadline = 9e15 end
local traceparent = ARGV[5]

local function link(uin)
  if traceparent == '' then return end
  local known = redis.call('HGET', KEYS[2], 't:' .. uin)
  if not known then
    redis.call('HSET', KEYS[2], 't:' .. uin, traceparent)
  elseif #known < 16 * 56 and not string.find(known, traceparent, 1, true) then
    redis.call('HSET', KEYS[2], 't:' .. uin, known .. ' ' .. traceparent)
  end
end

local function tag_for()
  local v = tonumber(redis.call('HGET', KEYS[2], 'v:' .. priority) or '0')
  local last = tonumber(redis.call('HGET', KEYS[2], 'l:' .. priority .. ':' .. caller) or '0')
  local tag = math.max(v, last) + 1 / weight
  redis.call('HSET', KEYS[2], 'l:' .. priority .. ':' .. caller, tostring(tag))
  return tag
end

local uins = {}
for i = 6, #ARGV, 2 do
  local uin = ARGV[i]
  local joins = tonumber(ARGV[i + 1])
  uins[#uins + 1] = uin
  link(uin)
  if redis.call('ZSCORE', KEYS[3], uin) then
    if joins == 1 then redis.call('HINCRBY', KEYS[2], 'w:' .. uin, 1) end
    if deadline > tonumber(redis.call('HGET', KEYS[2], 'd:' .. uin) or '0') then redis.call('HSET', KEYS[2], 'd:' .. uin, deadline) end
  else
    local score = redis.call('ZSCORE', KEYS[1], uin)
    if score then
      local lane = 9 - math.floor(tonumber(score) / LANE)
      if priority > lane then
        score = (9 - priority) * LANE + tag_for()
        redis.call('ZADD', KEYS[1], score, uin)
        redis.call('HSET', KEYS[2], 's:' .. uin, tostring(score))
      end
      if joins == 1 then redis.call('HINCRBY', KEYS[2], 'w:' .. uin, 1) end
      local known = tonumber(redis.call('HGET', KEYS[2], 'd:' .. uin) or '0')
      if deadline > known then
        redis.call('HSET', KEYS[2], 'd:' .. uin, deadline)
        redis.call('ZADD', KEYS[4], deadline, uin)
      end
    else
      score = (9 - priority) * LANE + tag_for()
      redis.call('ZADD', KEYS[1], score, uin)
      redis.call('ZADD', KEYS[4], deadline, uin)
      redis.call('HSET', KEYS[2], 's:' .. uin, tostring(score), 'd:' .. uin, deadline, 'w:' .. uin, 1)
    end
  end
end

local ranks = {}
for i, uin in ipairs(uins) do
  ranks[i] = redis.call('ZRANK', KEYS[1], uin) or -1
end
return { redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[5]), ranks }
