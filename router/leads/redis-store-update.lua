if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
local set = {}
if ARGV[3] ~= '' then
  local f = 's:' .. ARGV[3]
  if redis.call('HEXISTS', KEYS[1], f) == 0 then return 0 end
  set[#set + 1] = f
  set[#set + 1] = ARGV[4]
end
if ARGV[2] ~= '' then
  set[#set + 1] = 'a:' .. redis.call('HINCRBY', KEYS[1], 'na', 1)
  set[#set + 1] = ARGV[2]
end
if ARGV[5] ~= '' then
  set[#set + 1] = 'state'
  set[#set + 1] = ARGV[5]
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
return 1
