-- Keeps answers in the book: for each customer of the directory (every customer while the directory
-- has not loaded), unless the book holds a newer answer. Registered twice: quotas (9 keys: four
-- indexes) and profiles (7 keys: two indexes).
-- KEYS[1]  hash: UIN -> the answer's JSON (`a` asOf, `c` what a change compares, `m` index members, `v` the value)
-- KEYS[2]  the directory (sorted set of UINs)
-- KEYS[3]  the answers' ages (sorted set: UIN scored by asOf)
-- KEYS[4]  the directory's customers without such an answer (sorted set)
-- KEYS[5]  the results stream, where changes are published for every replica
-- KEYS[6..] the indexes, in the order of each entry's `m`
-- ARGV[1]  '1' to publish changes of `c`, '0' not to
-- ARGV[2]  the stream's approximate length cap
-- ARGV[3]  the stream entry's queue name (`q`)
-- ARGV[4]  JSON array of entries { u: UIN (16 digits), a: asOf, c, m: [member or ''], j: the JSON to keep }
-- Returns the published changes: `{"u":…,"p":<previous JSON or null>,"c":<current JSON>}` each.
local members = redis.call('ZCARD', KEYS[2])
local published = {}
for _, entry in ipairs(cjson.decode(ARGV[4])) do
  if members == 0 or redis.call('ZSCORE', KEYS[2], entry.u) then
    local raw = redis.call('HGET', KEYS[1], entry.u)
    local held = raw and cjson.decode(raw)
    if not held or held.a <= entry.a then
      for i = 6, #KEYS do
        local old = held and held.m[i - 5] or ''
        local new = entry.m[i - 5]
        if old ~= new then
          if old ~= '' then redis.call('ZREM', KEYS[i], old) end
          if new ~= '' then redis.call('ZADD', KEYS[i], 0, new) end
        end
      end
      redis.call('HSET', KEYS[1], entry.u, entry.j)
      redis.call('ZADD', KEYS[3], entry.a, entry.u)
      redis.call('ZREM', KEYS[4], entry.u)
      if ARGV[1] == '1' and (not held or held.c ~= entry.c) then
        local change = '{"u":"' .. entry.u .. '","p":' .. (raw or 'null') .. ',"c":' .. entry.j .. '}'
        redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[2], '*', 'q', ARGV[3], 'r', change)
        published[#published + 1] = change
      end
    end
  end
end
return published
