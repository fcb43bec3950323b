for i = 1, #KEYS do
  local by = redis.call('GET', KEYS[i])
  if by then return by end
end
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
return false
