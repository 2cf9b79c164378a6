-- The call is still under way (retries, backoff, a slow upstream): its UINs stay on the wire longer.
-- KEYS[1] meta, KEYS[2] flight, KEYS[3] calls (see enqueue-uins-5.lua)
-- ARGV[1]  call id, ARGV[2] lease (ms), ARGV[3..] the call's UINs
-- Returns  how many UINs this call still holds
local t = redis.call('TIME')
local lease_end = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
redis.call('ZADD', KEYS[3], 'XX', lease_end, ARGV[1])
local held = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[1], 'o:' .. ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[2], 'XX', lease_end, ARGV[i])
    held = held + 1
  end
end
return held
