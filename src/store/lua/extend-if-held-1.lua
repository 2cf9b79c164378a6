-- Extends a lease only while it is still ours.
-- KEYS[1]  the lease
-- ARGV[1]  our token
-- ARGV[2]  time to live, milliseconds
-- Returns 1 when extended, 0 when the lease is another's or gone.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
