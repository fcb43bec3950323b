-- Redis time in ms, so every router reads one clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
local f = 's:' .. ARGV[2]
local cur = redis.call('HMGET', KEYS[1], f, 'state', 'c', 'cd')
if cur[3] == 'a' then return '!aborted' end
if cur[3] == 'o' then
  if now_ms() <= tonumber(cur[4]) then return '!open' end
  redis.call('HSET', KEYS[1], 'c', 'a')
  return '!aborted'
end
local s = cur[1]
if not s then
  redis.call('HSET', KEYS[1], 'r:' .. redis.call('HINCRBY', KEYS[1], 'nr', 1), ARGV[3], f, 'delivering')
  return ''
end
if s ~= 'queued' then return s end
if cur[2] == 'rejected' or cur[2] == 'dead-lettered' then
  redis.call('HSET', KEYS[1], f, 'delivering', 'state', 'pending')
else
  redis.call('HSET', KEYS[1], f, 'delivering')
end
return s
