if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return {'no-record'} end
local f = 's:' .. ARGV[2]
local s = redis.call('HGET', KEYS[1], f)
if not s then return {'no-route'} end
if s ~= 'rejected' and s ~= 'failed' and s ~= 'dead-lettered' then return {'not-ended', s} end
if ARGV[3] == '1' then
  local routes, mine = {}, nil
  for i = 1, tonumber(redis.call('HGET', KEYS[1], 'nr') or '0') do
    local json = redis.call('HGET', KEYS[1], 'r:' .. i)
    if json then
      local r = cjson.decode(json)
      routes[#routes + 1] = { r, json }
      if r.deliveryId == ARGV[2] then mine = r end
    end
  end
  if mine then
    for _, x in ipairs(routes) do
      local r = x[1]
      if r.deliveryId ~= ARGV[2] and r.profile == mine.profile then
        local st = redis.call('HGET', KEYS[1], 's:' .. r.deliveryId)
        if st == 'queued' or st == 'delivering' or st == 'delivered' or st == 'test-delivered' then return {'sold', x[2], st} end
      end
    end
  end
end
if redis.call('HGET', KEYS[1], 'state') == 'delivered' then
  redis.call('HSET', KEYS[1], f, 'queued')
else
  redis.call('HSET', KEYS[1], f, 'queued', 'state', 'pending')
end
return {'reopened', s}
