local n = tonumber(ARGV[4])
local touched = {}
for i = 0, n - 1 do
  local k = tonumber(ARGV[6 + 2 * i])
  if redis.call('ZADD', KEYS[1], 0, ARGV[5 + 2 * i]) == 1 then
    redis.call('HINCRBY', KEYS[k], 'l', 1)
    touched[k] = true
  end
end
for j = 5 + 2 * n, #ARGV, 3 do
  local k = tonumber(ARGV[j])
  redis.call('HINCRBY', KEYS[k], ARGV[j + 1], ARGV[j + 2])
  touched[k] = true
end
for k in pairs(touched) do redis.call('PEXPIRE', KEYS[k], ARGV[3]) end
if n > 0 then
  redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[2]))
end
return 1
