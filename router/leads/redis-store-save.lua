redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 4000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
