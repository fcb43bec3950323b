local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = 1
  else
    out[i] = redis.call('GET', key) == ARGV[1] and 1 or 0
  end
end
return out
