// The Redis cap store, for many router instances sharing one Redis (or Redis Cluster).
// Reserve is one Lua script: check every window, then count in all of them, and lease the
// reservation, atomically. Every key of one call carries the partner's hash tag (`{acme}`), so a
// call touches one Cluster slot.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.ts';
import { DEFAULT_LEASE_MS, hashTag, reservationExpireAt, reservationPartner, TURN_TTL_MS } from './keys.ts';
import { capUsage, type CapCounter, type CapStore, type CapUsage, type ExpiredLease, type ReserveOptions, type ReserveResult } from './types.ts';

// KEYS[1] reservation, KEYS[2] the partner's leases (sorted set: reservation id by lease end),
// KEYS[3..] counters. ARGV[1] reservation payload, ARGV[2] its expiry (epoch ms), ARGV[3] lease
// (ms, 0 = none: held as if confirmed), ARGV[4] reservation id, then per counter: limit, expiry
// (epoch ms, 0 = none), amount (1 for a cap; a budget counts the lead's price).
// Returns {1, leaseUntil} when reserved ({1} when not leased, or held and confirmed), {0, index, used}
// when counter `index` (1-based) is full; nothing is changed then.
const RESERVE_LUA = readFileSync(new URL('./redis-reserve.lua', import.meta.url), 'utf8');

// KEYS[1] reservation, KEYS[2] leases, KEYS[3..] its counters (read beforehand, so every key is
// declared). ARGV[1] the payload that was read, ARGV[2] the reservation id, then each counter's
// amount. Returns 1 when released now, 0 when it is gone or changed. Decrements only counters that
// still exist and are above zero, never below it: DECR on a missing key would recreate an expired
// window at -1.
const RELEASE_LUA = readFileSync(new URL('./redis-release.lua', import.meta.url), 'utf8');

// KEYS[1] reservation, KEYS[2] leases. ARGV[1] reservation id. 1 when the reservation is held.
const CONFIRM_LUA = readFileSync(new URL('./redis-confirm.lua', import.meta.url), 'utf8');

// KEYS[1] leases. ARGV[1] most ids. The ids whose lease ended, oldest first.
const EXPIRED_LUA = readFileSync(new URL('./redis-expired.lua', import.meta.url), 'utf8');

// KEYS[1] turn counter. ARGV[1] its time to live (ms). Returns the turn, from 0.
const TURN_LUA = readFileSync(new URL('./redis-turn.lua', import.meta.url), 'utf8');

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

function defineCommands(redis: RedisClient): RedisClient & CapCommands {
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
  return redis as RedisClient & CapCommands;
}

/**
 * A CapStore on an existing ioredis client (from router/redis.ts: fails fast while Redis is down).
 * The client is injected: `close()` leaves it open, its owner quits it. `prefix` must match the one
 * given to capCounters (reservations and turn counters live under it too).
 */
export function createRedisCapStore(redis: RedisClient, opts: { prefix: string; leaseMs?: number }): CapStore {
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

    async usage(counters: readonly CapCounter[]): Promise<CapUsage[]> {
      const used = await this.peek(counters.map((c) => c.key));
      return counters.map((c, i) => capUsage(c, used[i]));
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
