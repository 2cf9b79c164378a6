-- What the deployment's queue of one action looks like now, by Redis's clock (lease ends are Redis
-- time; a replica's own clock may be skewed).
-- KEYS[1] queue, KEYS[2] flight, KEYS[3] calls (see enqueue-uins-5.lua)
-- Returns  { UINs queued, counting those whose call's lease ran out (the next compose queues them
--            again), calls on the wire }
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stranded = redis.call('ZCOUNT', KEYS[2], '-inf', now)
return { redis.call('ZCARD', KEYS[1]) + stranded, redis.call('ZCOUNT', KEYS[3], now, '+inf') }
