-- Redis time in ms, so every router reads one clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local c = redis.call('HMGET', KEYS[1], 'c', 'cd')
if not c[1] then return {'committed'} end
if c[1] == 'o' then
  if ARGV[1] == '1' and now_ms() <= tonumber(c[2]) then return {'open'} end
  redis.call('HSET', KEYS[1], 'c', 'a')
end
local out = {'aborted'}
for i = 1, tonumber(redis.call('HGET', KEYS[1], 'nr') or '0') do
  local r = redis.call('HGET', KEYS[1], 'r:' .. i)
  if r then out[#out + 1] = r end
end
return out
