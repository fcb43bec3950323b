if redis.call('EXISTS', KEYS[1]) == 1 then return {1} end
local n = #KEYS - 1
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  if used >= tonumber(ARGV[1 + 2 * i]) then return {0, i, used} end
end
for i = 1, n do
  local key = KEYS[i + 1]
  -- A counter back at zero (given back) starts its expiry again, as a new one does.
  local was = redis.call('INCR', key) - 1
  local at = tonumber(ARGV[2 + 2 * i])
  if at > 0 and (was == 0 or redis.call('PTTL', key) == -1) then redis.call('PEXPIREAT', key, at) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return {1}
