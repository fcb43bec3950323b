if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return {'no-record'} end
local s = redis.call('HGET', KEYS[1], 's:' .. ARGV[2])
if not s then return {'no-route'} end
if s ~= 'delivered' then return {'not-delivered', s} end
redis.call('HSET', KEYS[1], 's:' .. ARGV[2], 'returned', 'ret:' .. ARGV[2], ARGV[3])
return {'returned'}
