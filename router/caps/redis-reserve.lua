-- Redis time in ms, so every router reads one clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  local at = redis.call('ZSCORE', KEYS[2], ARGV[4])
  if at then return {1, tonumber(at)} end
  return {1}
end
local n = #KEYS - 2
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i + 2]) or '0')
  if used + tonumber(ARGV[4 + 3 * i]) > tonumber(ARGV[2 + 3 * i]) then return {0, i, used} end
end
for i = 1, n do
  local key = KEYS[i + 2]
  local amount = tonumber(ARGV[4 + 3 * i])
  -- A counter back at zero (given back) starts its expiry again, as a new one does.
  local was = redis.call('INCRBY', key, amount) - amount
  local at = tonumber(ARGV[3 + 3 * i])
  if at > 0 and (was == 0 or redis.call('PTTL', key) == -1) then redis.call('PEXPIREAT', key, at) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
if ARGV[3] == '0' then return {1} end
local lease_until = now_ms() + tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], lease_until, ARGV[4])
return {1, lease_until}
