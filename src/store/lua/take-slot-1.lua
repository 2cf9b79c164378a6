-- Takes a slot of one action's shared budget: a sliding window of upstream departures.
-- KEYS[1]  the window: a sorted set, member = grant id, score = departure time (Redis ms), or, while
--          the grant has not departed yet, the end of its lease (in the future, so it keeps counting)
-- ARGV[1]  window length, ms
-- ARGV[2]  slots per window (the action's cap)
-- ARGV[3]  grant id (unique per replica and grant)
-- ARGV[4]  lease, ms: how long a grant counts as "departing now" before it is confirmed
-- Returns  0 when the slot was taken, else the milliseconds to wait before asking again
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + lease * 2)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then
  -- Every slot is a grant still on its way out: its confirmation is milliseconds away.
  return 10
end
return math.max(1, oldest + window - now)
