if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
local f = 's:' .. ARGV[2]
local cur = redis.call('HMGET', KEYS[1], f, 'state')
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
