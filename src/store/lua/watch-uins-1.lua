-- The customers subscriptions watch across the deployment, each until its watch lapses unrenewed.
-- KEYS[1]  sorted set: UIN scored by when its watch lapses (Redis time, milliseconds)
-- ARGV[1]  how long a watch lives unrenewed, milliseconds
-- ARGV[2]  most distinct UINs watched (0: no bound, a renewal of watches already held)
-- ARGV[3..] the UINs (distinct)
-- Returns 1 when watched, 0 when the bound would be passed (then nothing is written).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local most = tonumber(ARGV[2])
if most > 0 then
  local added = 0
  for i = 3, #ARGV do
    if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then added = added + 1 end
  end
  if redis.call('ZCARD', KEYS[1]) + added > most then return 0 end
end
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[1]), ARGV[i]) end
return 1
