// The CapStore contract: every implementation runs this same suite (memory.test.ts, redis.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapCounter, CapStore } from './types.ts';

export interface CapStoreUnderTest {
  store: CapStore;
  cleanup: () => Promise<void>;
  /** Key prefix to build counters under (default `test:`). */
  prefix?: string;
  /** The store's clock (default Date.now). */
  now?: () => number;
  /** Move the store's clock forward (default: real sleep). */
  advance?: (ms: number) => Promise<void>;
}

const HOUR = 3_600_000;

export function capStoreContract(name: string, makeStore: () => Promise<CapStoreUnderTest>): void {
  describe(`CapStore contract: ${name}`, () => {
    let sut: CapStoreUnderTest;
    let store: CapStore;
    let now: () => number;
    let advance: (ms: number) => Promise<void>;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
      now = sut.now ?? Date.now;
      advance = sut.advance ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    const counter = (partner: string, window: string, limit: number, expireAt: number | null = now() + HOUR): CapCounter => ({
      key: `${sut.prefix ?? 'test:'}cap:{${partner}}:partner:${window}`,
      limit,
      expireAt,
      label: `partner ${partner} ${window}`,
    });
    const values = (cs: readonly CapCounter[]) => store.peek(cs.map((c) => c.key));

    it('reserves within limits and counts in every window', async () => {
      const cs = [counter('acme', 'day', 2), counter('acme', 'month', 10), counter('acme', 'lifetime', 100, null)];
      expect(await store.reserve('r1', cs)).toMatchObject({ ok: true });
      expect(await store.reserve('r2', cs)).toMatchObject({ ok: true });
      expect(await values(cs)).toEqual([2, 2, 2]);
    });

    it('refuses when any counter is full and changes nothing in any window', async () => {
      const day = counter('acme', 'day', 5);
      const month = counter('acme', 'month', 3);
      const life = counter('acme', 'lifetime', 9, null);
      await store.set(month, 3);
      expect(await store.reserve('r1', [day, month, life])).toEqual({
        ok: false,
        blocked: { label: month.label, limit: 3, used: 3 },
      });
      expect(await values([day, month, life])).toEqual([0, 3, 0]);
      // The refused id was not remembered: nothing to release.
      expect(await store.release('r1', 'acme')).toBe(false);
    });

    it('reports the first full counter in the order given', async () => {
      const a = counter('acme', 'hour', 1);
      const b = counter('acme', 'day', 1);
      await store.set(a, 1);
      await store.set(b, 4);
      const r = await store.reserve('r1', [a, b]);
      expect(r).toEqual({ ok: false, blocked: { label: a.label, limit: 1, used: 1 } });
    });

    it('a limit of zero always refuses', async () => {
      const c = counter('acme', 'day', 0);
      expect((await store.reserve('r1', [c])).ok).toBe(false);
      expect(await values([c])).toEqual([0]);
    });

    it('reserving an id already held counts nothing more', async () => {
      const c = counter('acme', 'day', 5);
      expect(await store.reserve('r1', [c])).toMatchObject({ ok: true });
      expect(await store.reserve('r1', [c])).toMatchObject({ ok: true });
      expect(await values([c])).toEqual([1]);
      expect(await store.release('r1', 'acme')).toBe(true);
      expect(await values([c])).toEqual([0]);
    });

    it('releases exactly once and gives every counter back', async () => {
      const cs = [counter('acme', 'day', 5), counter('acme', 'lifetime', 5, null)];
      await store.reserve('keep', cs);
      await store.reserve('r1', cs);
      expect(await values(cs)).toEqual([2, 2]);
      expect(await store.release('r1', 'acme')).toBe(true);
      expect(await values(cs)).toEqual([1, 1]);
      expect(await store.release('r1', 'acme')).toBe(false);
      expect(await values(cs)).toEqual([1, 1]);
    });

    it('concurrent releases of one reservation give it back once', async () => {
      const c = counter('acme', 'day', 50);
      for (let i = 0; i < 3; i++) await store.reserve(`r${i}`, [c]);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.release('r0', 'acme')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await values([c])).toEqual([2]);
    });

    it('a release needs the partner the reservation was taken for', async () => {
      const c = counter('acme', 'day', 5);
      await store.reserve('r1', [c]);
      expect(await store.release('r1', 'globex')).toBe(false);
      expect(await values([c])).toEqual([1]);
      expect(await store.release('r1', 'acme')).toBe(true);
    });

    it('release never drives a counter negative', async () => {
      const c = counter('acme', 'day', 5);
      await store.reserve('r1', [c]);
      await store.set(c, 0);
      expect(await store.release('r1', 'acme')).toBe(true);
      expect(await values([c])).toEqual([0]);
      // The counter still works normally afterwards.
      await store.reserve('r2', [c]);
      expect(await values([c])).toEqual([1]);
    });

    it('release after a window ended does not bring its counter back', async () => {
      const hour = counter('acme', 'hour', 5, now() + 400);
      const month = counter('acme', 'month', 5);
      await store.reserve('r1', [hour, month]);
      await store.reserve('r2', [hour, month]);
      await advance(600);
      expect(await values([hour, month])).toEqual([0, 2]);
      expect(await store.release('r1', 'acme')).toBe(true);
      expect(await values([hour, month])).toEqual([0, 1]);
      // A new window starts from zero with its own expiry, not from -1.
      const next = { ...hour, expireAt: now() + HOUR };
      await store.reserve('r3', [next, month]);
      expect(await values([next, month])).toEqual([1, 2]);
    });

    it('counters expire when their window ends; lifetime ones never do', async () => {
      const day = counter('acme', 'day', 1, now() + 400);
      const life = counter('acme', 'lifetime', 10, null);
      expect((await store.reserve('r1', [day, life])).ok).toBe(true);
      expect((await store.reserve('r2', [day, life])).ok).toBe(false);
      await advance(600);
      expect(await values([day, life])).toEqual([0, 1]);
      const nextDay = { ...day, expireAt: now() + HOUR };
      expect(await store.reserve('r2', [nextDay, life])).toMatchObject({ ok: true });
      expect(await values([nextDay, life])).toEqual([1, 2]);
    });

    it('amounts: a reservation counts its amount, refuses when it would pass the limit, and gives it back whole', async () => {
      const budget = { ...counter('acme', 'budget-day', 10_000), amount: 4250 };
      const cap = counter('acme', 'day', 5);
      expect(await store.reserve('r1', [cap, budget])).toEqual({ ok: true });
      expect(await store.reserve('r2', [cap, budget])).toEqual({ ok: true });
      expect(await values([cap, budget])).toEqual([2, 8500]);
      // 8,500 + 4,250 would pass 10,000: refused, nothing counted.
      expect(await store.reserve('r3', [cap, budget])).toEqual({ ok: false, blocked: { label: budget.label, limit: 10_000, used: 8500 } });
      expect(await store.reserve('r3', [cap, { ...budget, amount: 1500 }])).toEqual({ ok: true });
      expect(await values([cap, budget])).toEqual([3, 10_000]);
      expect(await store.release('r1', 'acme')).toBe(true);
      expect(await values([cap, budget])).toEqual([2, 5750]);
      expect(await store.release('r3', 'acme')).toBe(true);
      expect(await values([cap, budget])).toEqual([1, 4250]);
    });

    it('concurrent reservations of different amounts never pass the limit', async () => {
      const budget = (amount: number) => ({ ...counter('acme', 'budget-month', 100_000), amount });
      const amounts = Array.from({ length: 200 }, (_, i) => 1000 + ((i * 37) % 9000));
      const results = await Promise.all(amounts.map((a, i) => store.reserve(`c${i}`, [budget(a)])));
      const taken = amounts.filter((_, i) => results[i].ok).reduce((x, y) => x + y, 0);
      expect(taken).toBeLessThanOrEqual(100_000);
      expect(await values([budget(1)])).toEqual([taken]);
      // Every refused one would have passed the limit at the moment it was refused.
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.blocked.used + 1000 > 100_000 - 9000)).toBe(true);
    });

    it('a counter given back to zero takes the expiry of the next reservation (sliding windows, e.g. dedupe)', async () => {
      const first = counter('acme', 'dedupe', 1, now() + 400);
      await store.reserve('r1', [first]);
      expect(await store.release('r1', 'acme')).toBe(true);
      // Reserved again at 0: the window runs from this reservation, not from the first one.
      await store.reserve('r2', [{ ...first, expireAt: now() + HOUR }]);
      await advance(600);
      expect(await values([first])).toEqual([1]);
      expect((await store.reserve('r3', [{ ...first, expireAt: now() + HOUR }])).ok).toBe(false);
    });

    it('1,000 concurrent reserves against a limit of 100: exactly 100 succeed', async () => {
      const day = counter('acme', 'day', 100);
      const month = counter('acme', 'month', 1000);
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.reserve(`c${i}`, [day, month])));
      expect(results.filter((r) => r.ok)).toHaveLength(100);
      const refused = results.find((r) => !r.ok);
      expect(refused).toEqual({ ok: false, blocked: { label: day.label, limit: 100, used: 100 } });
      expect(await values([day, month])).toEqual([100, 100]);
    });

    it('reservations are per partner: counters of two partners cannot share one', async () => {
      await expect(store.reserve('r1', [counter('acme', 'day', 5), counter('globex', 'day', 5)])).rejects.toThrow(/partner/);
      expect(await values([counter('acme', 'day', 5), counter('globex', 'day', 5)])).toEqual([0, 0]);
    });

    it('the same id may be held by two partners independently', async () => {
      const a = counter('acme', 'day', 5);
      const g = counter('globex', 'day', 5);
      await store.reserve('same', [a]);
      await store.reserve('same', [g]);
      expect(await values([a, g])).toEqual([1, 1]);
      expect(await store.release('same', 'globex')).toBe(true);
      expect(await values([a, g])).toEqual([1, 0]);
    });

    it('a reservation with no counters is ok and holds nothing', async () => {
      expect(await store.reserve('r1', [])).toMatchObject({ ok: true });
      expect(await store.release('r1', 'acme')).toBe(false);
    });

    it('peek reads without counting; missing counters are 0', async () => {
      const a = counter('acme', 'day', 5);
      const b = counter('globex', 'day', 5);
      await store.reserve('r1', [a]);
      expect(await store.peek([a.key, b.key, a.key])).toEqual([1, 0, 1]);
      expect(await store.peek([a.key])).toEqual([1]);
      expect(await store.peek([])).toEqual([]);
    });

    it('set gives a starting value that reserve respects', async () => {
      const c = counter('acme', 'day', 5);
      await store.set(c, 4);
      expect(await values([c])).toEqual([4]);
      expect((await store.reserve('r1', [c])).ok).toBe(true);
      expect((await store.reserve('r2', [c])).ok).toBe(false);
      await store.set(c, 0);
      expect((await store.reserve('r3', [c])).ok).toBe(true);
      const life = counter('acme', 'lifetime', 5, null);
      await store.set(life, 5);
      expect(await store.reserve('r4', [life])).toEqual({ ok: false, blocked: { label: life.label, limit: 5, used: 5 } });
    });

    it('set with a window that already ended leaves nothing', async () => {
      const c = counter('acme', 'day', 5, now() - 1000);
      await store.set(c, 3);
      expect(await values([c])).toEqual([0]);
    });

    it('nextTurn counts 0, 1, 2 per key', async () => {
      const p = sut.prefix ?? 'test:';
      expect(await store.nextTurn(`${p}mortgage:re:10`)).toBe(0);
      expect(await store.nextTurn(`${p}mortgage:re:10`)).toBe(1);
      expect(await store.nextTurn(`${p}mortgage:re:5`)).toBe(0);
      expect(await store.nextTurn(`${p}mortgage:re:10`)).toBe(2);
    });

    it('a reservation is leased: listed with its owner once the lease runs out, until confirmed', async () => {
      const c = counter('acme', 'day', 5);
      const before = now();
      const r = await store.reserve('r1', [c], { owner: 'lead-1', leaseMs: 300 });
      expect(r.ok && r.leaseUntil).toBeGreaterThanOrEqual(before + 300);
      await store.reserve('r2', [c], { owner: 'lead-2', leaseMs: 60_000 });
      expect(await store.expiredLeases('acme', 10)).toEqual([]);
      await advance(500);
      expect(await store.expiredLeases('acme', 10)).toEqual([{ id: 'r1', owner: 'lead-1' }]);
      expect(await store.expiredLeases('globex', 10)).toEqual([]);
      // Still counted: an expired lease is a question for the reconciler, not a release.
      expect(await values([c])).toEqual([2]);
      expect(await store.confirm('r1', 'acme')).toBe(true);
      expect(await store.confirm('r1', 'acme')).toBe(true);
      expect(await store.expiredLeases('acme', 10)).toEqual([]);
      expect(await values([c])).toEqual([2]);
      // Held and confirmed: a repeated reserve answers ok with no lease.
      expect(await store.reserve('r1', [c])).toEqual({ ok: true });
    });

    it('expired leases come oldest first, at most `limit`', async () => {
      const c = counter('acme', 'day', 50);
      for (const id of ['a', 'b', 'c']) {
        await store.reserve(id, [c], { owner: `lead-${id}`, leaseMs: 100 });
        await advance(20);
      }
      await advance(300);
      expect((await store.expiredLeases('acme', 2)).map((l) => l.id)).toEqual(['a', 'b']);
      expect(await store.expiredLeases('acme', 0)).toEqual([]);
    });

    it('release ends the lease; confirm of a reservation not held is false', async () => {
      const c = counter('acme', 'day', 5);
      await store.reserve('r1', [c], { owner: 'lead-1', leaseMs: 100 });
      expect(await store.release('r1', 'acme')).toBe(true);
      await advance(300);
      expect(await store.expiredLeases('acme', 10)).toEqual([]);
      expect(await store.confirm('r1', 'acme')).toBe(false);
      expect(await store.confirm('never', 'acme')).toBe(false);
      expect(await values([c])).toEqual([0]);
    });

    it('a reservation without an owner is not leased: held until released', async () => {
      const c = counter('acme', 'day', 5);
      expect(await store.reserve('r1', [c], { leaseMs: 100 })).toEqual({ ok: true });
      await advance(300);
      expect(await store.expiredLeases('acme', 10)).toEqual([]);
      expect(await values([c])).toEqual([1]);
      expect(await store.release('r1', 'acme')).toBe(true);
    });

    it('reserving an id already held answers the lease it has', async () => {
      const c = counter('acme', 'day', 5);
      const first = await store.reserve('r1', [c], { owner: 'lead-1', leaseMs: 10_000 });
      const again = await store.reserve('r1', [c], { owner: 'lead-1', leaseMs: 99_000 });
      expect(again).toEqual(first);
      expect(await values([c])).toEqual([1]);
    });

    it('usage reads each window without counting: used, limit, label, reset time', async () => {
      const day = counter('acme', 'day', 5);
      const life = counter('acme', 'lifetime', 9, null);
      await store.reserve('r1', [day, life]);
      await store.reserve('r2', [day]);
      const usage = await store.usage([day, life, counter('globex', 'day', 3)]);
      expect(usage).toEqual([
        { label: day.label, limit: 5, used: 2, resetsAt: day.expireAt },
        { label: life.label, limit: 9, used: 1, resetsAt: null },
        { label: 'partner globex day', limit: 3, used: 0, resetsAt: expect.any(Number) },
      ]);
      expect(await values([day, life])).toEqual([2, 1]);
      expect(await store.usage([])).toEqual([]);
    });

    it('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
