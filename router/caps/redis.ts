// The Redis cap store, for many router instances sharing one Redis (or Redis Cluster).
// Reserve is one Lua script: check every window, then count in all of them, and lease the
// reservation, atomically. Every key of one call carries the partner's hash tag (`{acme}`), so a
// call touches one Cluster slot.
import type { Redis } from 'ioredis';
import { DEFAULT_LEASE_MS, hashTag, reservationExpireAt, reservationPartner, TURN_TTL_MS } from './keys.ts';
import type { CapCounter, CapStore, ExpiredLease, ReserveOptions, ReserveResult } from './types.ts';

// Redis time in ms, so every lease is on one clock whichever router took it.
const NOW_MS = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

// KEYS[1] reservation, KEYS[2] the partner's leases (sorted set: reservation id by lease end),
// KEYS[3..] counters. ARGV[1] reservation payload, ARGV[2] its expiry (epoch ms), ARGV[3] lease
// (ms, 0 = none: held as if confirmed), ARGV[4] reservation id, then per counter: limit, expiry
// (epoch ms, 0 = none), amount (1 for a cap; a budget counts the lead's price).
// Returns {1, leaseUntil} when reserved ({1} when not leased, or held and confirmed), {0, index, used}
// when counter `index` (1-based) is full; nothing is changed then.
const RESERVE_LUA = `${NOW_MS}
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
`;

// KEYS[1] reservation, KEYS[2] leases, KEYS[3..] its counters (read beforehand, so every key is
// declared). ARGV[1] the payload that was read, ARGV[2] the reservation id, then each counter's
// amount. Returns 1 when released now, 0 when it is gone or changed. Decrements only counters that
// still exist and are above zero, never below it: DECR on a missing key would recreate an expired
// window at -1.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
for i = 3, #KEYS do
  local v = tonumber(redis.call('GET', KEYS[i]) or '0')
  if v > 0 then redis.call('DECRBY', KEYS[i], math.min(v, tonumber(ARGV[i]))) end
end
return 1
`;

// KEYS[1] reservation, KEYS[2] leases. ARGV[1] reservation id. 1 when the reservation is held.
const CONFIRM_LUA = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('EXISTS', KEYS[1])
`;

// KEYS[1] leases. ARGV[1] most ids. The ids whose lease ended, oldest first.
const EXPIRED_LUA = `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
`;

// KEYS[1] turn counter. ARGV[1] its time to live (ms). Returns the turn, from 0.
const TURN_LUA = `
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v - 1
`;

type Arg = string | number;
interface CapCommands {
  leadrouteCapReserve(numKeys: number, ...args: Arg[]): Promise<number[]>;
  leadrouteCapRelease(numKeys: number, ...args: Arg[]): Promise<number>;
  leadrouteCapConfirm(numKeys: number, ...args: Arg[]): Promise<number>;
  leadrouteCapExpired(numKeys: number, ...args: Arg[]): Promise<string[]>;
  leadrouteCapTurn(numKeys: number, ...args: Arg[]): Promise<number>;
}

/**
 * What a reservation key holds: its counter keys, owner, and the amounts counted when any is not 1
 * (budgets); a bare key list before leases.
 */
type Payload = { k: string[]; o: string; a?: number[] } | string[];
const payloadKeys = (p: Payload) => (Array.isArray(p) ? p : p.k);
const payloadAmounts = (p: Payload) => payloadKeys(p).map((_, i) => (Array.isArray(p) ? 1 : p.a?.[i] ?? 1));
const payloadOwner = (p: Payload) => (Array.isArray(p) ? '' : p.o);

function defineCommands(redis: Redis): Redis & CapCommands {
  const scripts: Record<keyof CapCommands, string> = {
    leadrouteCapReserve: RESERVE_LUA,
    leadrouteCapRelease: RELEASE_LUA,
    leadrouteCapConfirm: CONFIRM_LUA,
    leadrouteCapExpired: EXPIRED_LUA,
    leadrouteCapTurn: TURN_LUA,
  };
  // defineCommand sends EVALSHA and falls back to EVAL after a Redis restart emptied the script cache.
  for (const [name, lua] of Object.entries(scripts)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') redis.defineCommand(name, { lua });
  }
  return redis as Redis & CapCommands;
}

/**
 * A CapStore on an existing ioredis client (from router/redis.ts: fails fast while Redis is down).
 * The client is injected: `close()` leaves it open, its owner quits it. `prefix` must match the one
 * given to capCounters (reservations and turn counters live under it too).
 */
export function createRedisCapStore(redis: Redis, opts: { prefix: string; leaseMs?: number }): CapStore {
  const r = defineCommands(redis);
  const { prefix } = opts;
  const defaultLeaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const resKey = (partner: string, id: string) => `${prefix}cap:{${partner}}:res:${id}`;
  const leasesKey = (partner: string) => `${prefix}cap:{${partner}}:leases`;

  return {
    async reserve(id: string, counters: readonly CapCounter[], o: ReserveOptions = {}): Promise<ReserveResult> {
      const partner = reservationPartner(counters);
      if (partner === null) return { ok: true };
      const args: Arg[] = [resKey(partner, id), leasesKey(partner)];
      for (const c of counters) args.push(c.key);
      const payload: Payload = { k: counters.map((c) => c.key), o: o.owner ?? '' };
      if (counters.some((c) => (c.amount ?? 1) !== 1)) payload.a = counters.map((c) => c.amount ?? 1);
      args.push(JSON.stringify(payload), reservationExpireAt(counters, Date.now()), o.owner ? (o.leaseMs ?? defaultLeaseMs) : 0, id);
      for (const c of counters) args.push(c.limit, c.expireAt ?? 0, c.amount ?? 1);
      const reply = await r.leadrouteCapReserve(counters.length + 2, ...args);
      if (reply[0] === 1) return reply[1] === undefined ? { ok: true } : { ok: true, leaseUntil: Number(reply[1]) };
      const c = counters[reply[1] - 1];
      return { ok: false, blocked: { label: c.label, limit: c.limit, used: Number(reply[2]) } };
    },

    async release(id: string, partner: string): Promise<boolean> {
      const key = resKey(partner, id);
      // Read the counter keys, then release under a script that checks the reservation is unchanged.
      for (let attempt = 0; attempt < 3; attempt++) {
        const payload = await r.get(key);
        if (payload === null) return false;
        const parsed = JSON.parse(payload) as Payload;
        const keys = payloadKeys(parsed);
        if ((await r.leadrouteCapRelease(keys.length + 2, key, leasesKey(partner), ...keys, payload, id, ...payloadAmounts(parsed))) === 1) return true;
      }
      return false;
    },

    async confirm(id: string, partner: string): Promise<boolean> {
      return (await r.leadrouteCapConfirm(2, resKey(partner, id), leasesKey(partner), id)) === 1;
    },

    async expiredLeases(partner: string, limit: number): Promise<ExpiredLease[]> {
      if (limit <= 0) return [];
      const ids = await r.leadrouteCapExpired(1, leasesKey(partner), limit);
      if (ids.length === 0) return [];
      const payloads = await r.mget(...ids.map((id) => resKey(partner, id)));
      const out: ExpiredLease[] = [];
      const stale: string[] = [];
      ids.forEach((id, i) => {
        const p = payloads[i];
        if (p === null) stale.push(id); // its window ended: nothing left to give back
        else out.push({ id, owner: payloadOwner(JSON.parse(p) as Payload) });
      });
      if (stale.length) await r.zrem(leasesKey(partner), ...stale);
      return out;
    },

    async peek(keys: readonly string[]): Promise<number[]> {
      // One MGET per hash tag: a multi-key command must stay inside one Cluster slot.
      const groups = new Map<string, number[]>();
      keys.forEach((k, i) => {
        const g = hashTag(k) ?? `\u0000${k}`;
        const list = groups.get(g);
        if (list) list.push(i);
        else groups.set(g, [i]);
      });
      const out = new Array<number>(keys.length).fill(0);
      await Promise.all(
        [...groups.values()].map(async (idx) => {
          const values = await r.mget(...idx.map((i) => keys[i]));
          values.forEach((v, j) => (out[idx[j]] = v === null ? 0 : Number(v)));
        }),
      );
      return out;
    },

    async set(counter: CapCounter, value: number): Promise<void> {
      if (counter.expireAt === null) await r.set(counter.key, value);
      else if (counter.expireAt < 1) await r.del(counter.key);
      else await r.set(counter.key, value, 'PXAT', counter.expireAt); // a past expiry deletes the key
    },

    async nextTurn(key: string): Promise<number> {
      return r.leadrouteCapTurn(1, `${prefix}rr:{${key}}`, TURN_TTL_MS);
    },

    async ping(): Promise<void> {
      const pong = await r.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING reply: ${String(pong)}`);
    },

    async close(): Promise<void> {
      // The client belongs to whoever created it.
    },
  };
}
