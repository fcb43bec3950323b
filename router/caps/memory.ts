// The embedded cap store: one process, no Redis. Same contract as the Redis store; every call
// runs to completion before the next, which is what makes reserve atomic here.
import { DEFAULT_LEASE_MS, reservationExpireAt, reservationPartner, TURN_TTL_MS } from './keys.ts';
import { capUsage, type CapCounter, type CapStore, type CapUsage, type ExpiredLease, type ReserveOptions, type ReserveResult } from './types.ts';

interface Entry {
  value: number;
  /** Epoch ms; null never expires. */
  expireAt: number | null;
}

interface Reservation {
  keys: readonly string[];
  /** What each counter counted (1 for a cap; a budget counts the price). */
  amounts: readonly number[];
  expireAt: number;
  owner: string;
  /** When its lease ends; null once confirmed. */
  leaseUntil: number | null;
}

const SWEEP_EVERY_MS = 60_000;

export function createMemoryCapStore(opts: { now?: () => number; leaseMs?: number } = {}): CapStore {
  const now = opts.now ?? Date.now;
  const defaultLeaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const counters = new Map<string, Entry>();
  const turns = new Map<string, Entry>();
  const reservations = new Map<string, Reservation>();
  let lastSweep = now();

  const live = <T extends { expireAt: number | null }>(map: Map<string, T>, key: string, t: number): T | undefined => {
    const e = map.get(key);
    if (e && e.expireAt !== null && e.expireAt <= t) {
      map.delete(key);
      return undefined;
    }
    return e;
  };

  // Window ids move on, so old counters are never read again: drop them now and then (no timers).
  const sweep = (t: number) => {
    if (t - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = t;
    for (const map of [counters, turns, reservations] as Map<string, { expireAt: number | null }>[]) {
      for (const [k, e] of map) if (e.expireAt !== null && e.expireAt <= t) map.delete(k);
    }
  };

  const resKey = (partner: string, id: string) => `${partner}\u0000${id}`;

  return {
    async reserve(id: string, list: readonly CapCounter[], o: ReserveOptions = {}): Promise<ReserveResult> {
      const partner = reservationPartner(list);
      if (partner === null) return { ok: true };
      const t = now();
      sweep(t);
      const held = live(reservations, resKey(partner, id), t);
      if (held) return held.leaseUntil === null ? { ok: true } : { ok: true, leaseUntil: held.leaseUntil };
      for (const c of list) {
        const used = live(counters, c.key, t)?.value ?? 0;
        if (used + (c.amount ?? 1) > c.limit) return { ok: false, blocked: { label: c.label, limit: c.limit, used } };
      }
      for (const c of list) {
        const e = live(counters, c.key, t);
        if (e) {
          // Like Redis: an expiry is set when the key has none, or when it was back at zero.
          if (e.expireAt === null || e.value === 0) e.expireAt = c.expireAt;
          e.value += c.amount ?? 1;
        } else {
          counters.set(c.key, { value: c.amount ?? 1, expireAt: c.expireAt });
        }
      }
      const leaseUntil = o.owner ? t + (o.leaseMs ?? defaultLeaseMs) : null;
      reservations.set(resKey(partner, id), { keys: list.map((c) => c.key), amounts: list.map((c) => c.amount ?? 1), expireAt: reservationExpireAt(list, t), owner: o.owner ?? '', leaseUntil });
      return leaseUntil === null ? { ok: true } : { ok: true, leaseUntil };
    },

    async confirm(id: string, partner: string): Promise<boolean> {
      const r = live(reservations, resKey(partner, id), now());
      if (!r) return false;
      r.leaseUntil = null;
      return true;
    },

    async expiredLeases(partner: string, limit: number): Promise<ExpiredLease[]> {
      const t = now();
      const found: (ExpiredLease & { at: number })[] = [];
      const mine = `${partner}\u0000`;
      for (const [key, r] of reservations) {
        if (!key.startsWith(mine) || r.leaseUntil === null || r.leaseUntil > t || !live(reservations, key, t)) continue;
        found.push({ id: key.slice(mine.length), owner: r.owner, at: r.leaseUntil });
      }
      return found.sort((a, b) => a.at - b.at).slice(0, Math.max(0, limit)).map(({ id, owner }) => ({ id, owner }));
    },

    async release(id: string, partner: string): Promise<boolean> {
      const t = now();
      const key = resKey(partner, id);
      const r = live(reservations, key, t);
      if (!r) return false;
      reservations.delete(key);
      r.keys.forEach((k, i) => {
        const e = live(counters, k, t);
        if (e && e.value > 0) e.value -= Math.min(e.value, r.amounts[i] ?? 1);
      });
      return true;
    },

    async peek(keys: readonly string[]): Promise<number[]> {
      const t = now();
      return keys.map((k) => live(counters, k, t)?.value ?? 0);
    },

    async usage(list: readonly CapCounter[]): Promise<CapUsage[]> {
      const t = now();
      return list.map((c) => capUsage(c, live(counters, c.key, t)?.value ?? 0));
    },

    async set(counter: CapCounter, value: number): Promise<void> {
      const t = now();
      if (counter.expireAt !== null && counter.expireAt <= t) counters.delete(counter.key);
      else counters.set(counter.key, { value, expireAt: counter.expireAt });
    },

    async nextTurn(key: string): Promise<number> {
      const t = now();
      const e = live(turns, key, t);
      const turn = e ? e.value + 1 : 0;
      turns.set(key, { value: turn, expireAt: t + TURN_TTL_MS });
      return turn;
    },

    async ping(): Promise<void> {},

    async close(): Promise<void> {
      counters.clear();
      turns.clear();
      reservations.clear();
    },
  };
}
