local total = 0
local function add(ids)
  for _, id in ipairs(ids) do
    local name = redis.call('HGET', ARGV[1] .. id, 'name')
    if name then total = total + (tonumber(string.match(name, '^${BATCH_NAME_PREFIX}(%d+)$')) or 1) end
  end
end
for i = 1, 3 do add(redis.call('LRANGE', KEYS[i], 0, -1)) end
for i = 4, 5 do add(redis.call('ZRANGE', KEYS[i], 0, -1)) end
return total
