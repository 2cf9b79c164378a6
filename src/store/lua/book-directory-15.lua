-- Replaces the book's directory with a new list, once per list (replicas that receive the same list
-- find its version written and only drop their copy). Customers who left leave every index.
-- KEYS[1]  the directory (sorted set of UINs, 16 digits, scores 0)
-- KEYS[2]  the new list, written by this replica (renamed onto KEYS[1])
-- KEYS[3]  the version of the list KEYS[1] holds
-- KEYS[4], KEYS[5]   hashes of quotas, profiles
-- KEYS[6], KEYS[7]   their ages
-- KEYS[8], KEYS[9]   the directory's customers without a quota, without a profile
-- KEYS[10..13]       the quota indexes; KEYS[14..15] the profile indexes
-- ARGV[1]  the new list's version
-- Returns 1 when the list was written, 0 when it already was.
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 0
end
for _, kind in ipairs({ { 4, 6, 10, 13 }, { 5, 7, 14, 15 } }) do
  local hash, ages, first, last = KEYS[kind[1]], KEYS[kind[2]], kind[3], kind[4]
  for _, uin in ipairs(redis.call('ZRANGE', ages, 0, -1)) do
    if not redis.call('ZSCORE', KEYS[2], uin) then
      local raw = redis.call('HGET', hash, uin)
      if raw then
        local indexed = cjson.decode(raw).m
        for i = first, last do
          local member = indexed[i - first + 1]
          if member and member ~= '' then redis.call('ZREM', KEYS[i], member) end
        end
        redis.call('HDEL', hash, uin)
      end
      redis.call('ZREM', ages, uin)
    end
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[1]) else redis.call('DEL', KEYS[1]) end
redis.call('ZDIFFSTORE', KEYS[8], 2, KEYS[1], KEYS[6])
redis.call('ZDIFFSTORE', KEYS[9], 2, KEYS[1], KEYS[7])
redis.call('SET', KEYS[3], ARGV[1])
return 1
