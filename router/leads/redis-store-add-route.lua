if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 's:' .. ARGV[2], ARGV[3]) == 1 then
  redis.call('HSET', KEYS[1], 'r:' .. redis.call('HINCRBY', KEYS[1], 'nr', 1), ARGV[4])
end
return 1
