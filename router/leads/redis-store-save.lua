-- Redis time in ms, so every router reads one clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('DEL', KEYS[1])
for i = 4, #ARGV, 4000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
end
if ARGV[2] ~= '' then
  local deadline = now_ms() + tonumber(ARGV[2])
  if ARGV[3] ~= '' and tonumber(ARGV[3]) < deadline then deadline = tonumber(ARGV[3]) end
  redis.call('HSET', KEYS[1], 'c', 'o', 'cd', deadline)
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
