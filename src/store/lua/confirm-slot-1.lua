-- Confirms that a granted request left: from now on it counts from its departure (Redis time now,
-- which is never earlier than the real departure), not from the end of its lease.
-- KEYS[1]  the window (see take-slot-1.lua)
-- ARGV[1]  grant id
-- Returns  1 when the grant was still in the window, else 0
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1])
