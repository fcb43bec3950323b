// The Redis cap store, for many router instances sharing one Redis (or Redis Cluster).
// Reserve is one Lua script: check every window, then count in all of them, atomically. Every key
// of one call carries the partner's hash tag (`{acme}`), so a call touches one Cluster slot.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { hashTag, reservationExpireAt, reservationPartner, TURN_TTL_MS } from './keys.ts';
import type { CapCounter, CapStore, ReserveResult } from './types.ts';

// KEYS[1] reservation, KEYS[2..] counters. ARGV[1] reservation payload, ARGV[2] its expiry
// (epoch ms), then per counter: limit, expiry (epoch ms, 0 = none).
// Returns {1} when reserved (or already held under this id), {0, index, used} when counter
// `index` (1-based) is full; nothing is changed then.
const RESERVE_LUA = readFileSync(new URL('./redis-reserve.lua', import.meta.url), 'utf8');

// KEYS[1] reservation, KEYS[2..] its counters (read beforehand, so every key is declared).
// ARGV[1] the payload that was read. Returns 1 when released now, 0 when it is gone or changed.
// Decrements only counters that still exist and are above zero: DECR on a missing key would
// recreate an expired window at -1.
const RELEASE_LUA = readFileSync(new URL('./redis-release.lua', import.meta.url), 'utf8');

// KEYS[1] turn counter. ARGV[1] its time to live (ms). Returns the turn, from 0.
const TURN_LUA = readFileSync(new URL('./redis-turn.lua', import.meta.url), 'utf8');

type Arg = string | number;
interface CapCommands {
  leadrouteCapReserve(numKeys: number, ...args: Arg[]): Promise<number[]>;
  leadrouteCapRelease(numKeys: number, ...args: Arg[]): Promise<number>;
  leadrouteCapTurn(numKeys: number, ...args: Arg[]): Promise<number>;
}

function defineCommands(redis: Redis): Redis & CapCommands {
  const scripts: Record<keyof CapCommands, string> = {
    leadrouteCapReserve: RESERVE_LUA,
    leadrouteCapRelease: RELEASE_LUA,
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
export function createRedisCapStore(redis: Redis, opts: { prefix: string }): CapStore {
  const r = defineCommands(redis);
  const { prefix } = opts;
  const resKey = (partner: string, id: string) => `${prefix}cap:{${partner}}:res:${id}`;

  return {
    async reserve(id: string, counters: readonly CapCounter[]): Promise<ReserveResult> {
      const partner = reservationPartner(counters);
      if (partner === null) return { ok: true };
      const args: Arg[] = [resKey(partner, id)];
      for (const c of counters) args.push(c.key);
      args.push(JSON.stringify(counters.map((c) => c.key)), reservationExpireAt(counters, Date.now()));
      for (const c of counters) args.push(c.limit, c.expireAt ?? 0);
      const reply = await r.leadrouteCapReserve(counters.length + 1, ...args);
      if (reply[0] === 1) return { ok: true };
      const c = counters[reply[1] - 1];
      return { ok: false, blocked: { label: c.label, limit: c.limit, used: Number(reply[2]) } };
    },

    async release(id: string, partner: string): Promise<boolean> {
      const key = resKey(partner, id);
      // Read the counter keys, then release under a script that checks the reservation is unchanged.
      for (let attempt = 0; attempt < 3; attempt++) {
        const payload = await r.get(key);
        if (payload === null) return false;
        const keys = JSON.parse(payload) as string[];
        if ((await r.leadrouteCapRelease(keys.length + 1, key, ...keys, payload)) === 1) return true;
      }
      return false;
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
      if (pong !== 'PONG') throw new Error(`unexpected PING reply: ${pong}`);
    },

    async close(): Promise<void> {
      // The client belongs to whoever created it.
    },
  };
}
