-- A call came back: its UINs leave the wire and their results go to every replica (a stream entry).
-- UINs another call took over (this call's lease ran out and they were queued again) are left to it.
-- KEYS[1] queue, KEYS[2] meta, KEYS[3] flight, KEYS[4] deadlines, KEYS[5] calls (see enqueue-uins-5.lua)
-- KEYS[6]  the account's results stream
-- ARGV[1]  call id, ARGV[2] queue name, ARGV[3] results (JSON), ARGV[4] most stream entries kept,
-- ARGV[5..] the call's UINs
-- Returns  the stream entry id
redis.call('ZREM', KEYS[5], ARGV[1])
for i = 5, #ARGV do
  local uin = ARGV[i]
  if redis.call('HGET', KEYS[2], 'o:' .. uin) == ARGV[1] then
    redis.call('ZREM', KEYS[3], uin)
    redis.call('HDEL', KEYS[2], 'o:' .. uin, 's:' .. uin, 'd:' .. uin, 'w:' .. uin, 't:' .. uin)
  end
end
-- An idle queue forgets its fair-share clock, so the meta hash never outgrows the callers of one busy spell.
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[4])
end
return redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[4], '*', 'q', ARGV[2], 'r', ARGV[3])
