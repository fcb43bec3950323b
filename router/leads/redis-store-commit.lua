-- Redis time in ms, so every router reads one clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local c = redis.call('HMGET', KEYS[1], 'c', 'cd', 'state')
if not c[3] then return 0 end
if not c[1] then return 1 end
if c[1] == 'a' then return 0 end
if now_ms() > tonumber(c[2]) then
  redis.call('HSET', KEYS[1], 'c', 'a')
  return 0
end
redis.call('HDEL', KEYS[1], 'c', 'cd')
return 1
