-- One run of a book index in order: the entries of a page, or of a count's scan.
-- KEYS[1]  the index: a sorted set whose scores are all 0, members `<key><uin, 16 digits>` (so the
--          set's own order is the key's, ties by UIN ascending; see src/book/lex-keys.ts)
-- ARGV[1]  ASC or DESC
-- ARGV[2]  lowest member allowed (a ZRANGEBYLEX bound: `-`, `[m` or `(m`)
-- ARGV[3]  highest member allowed (`+`, `[m` or `(m`)
-- ARGV[4]  the member to start strictly after, or '' to start at the beginning
-- ARGV[5]  most members returned
-- Returns the members, in order. DESC reads groups of equal keys from the greatest down, each group
-- forward, so ties stay by UIN ascending in both directions.
local index, direction, low, high, after, limit = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if direction == 'ASC' then
  if after ~= '' then low = '(' .. after end
  return redis.call('ZRANGEBYLEX', index, low, high, 'LIMIT', 0, limit)
end
local out = {}
-- A group's members all start with its key; `~` sorts above every UIN digit.
local function readGroup(key, from)
  local members = redis.call('ZRANGEBYLEX', index, from, '[' .. key .. '~', 'LIMIT', 0, limit - #out)
  for _, member in ipairs(members) do out[#out + 1] = member end
end
if after ~= '' then
  local key = string.sub(after, 1, -17)
  readGroup(key, '(' .. after)
  high = '(' .. key
end
while #out < limit do
  local top = redis.call('ZREVRANGEBYLEX', index, high, low, 'LIMIT', 0, 1)[1]
  if not top then break end
  local key = string.sub(top, 1, -17)
  readGroup(key, '[' .. key)
  high = '(' .. key
end
return out
