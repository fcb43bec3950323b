// Schedules and weighted shares, through routeLead and the waterfall, on the memory cap store and
// on Redis shared by two "routers" (two cap store clients on one prefix).
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapStore } from '../caps/types.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { compileSnapshot } from './snapshot.ts';
import { nextRoute, routeLead } from './route.ts';

const entity: Entity = { id: 'mortgage', fields: { email: { type: 'string', required: true } } };
const partner = (id: string, extra: Partial<Partner> = {}): Partner => ({ id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/leads` } }, ...extra });
const assign = (p: string, priority: number, extra: Partial<Assignment> = {}): Assignment => ({ partner: p, priority, active: true, ...extra });
const profile = (partners: Assignment[]): Profile => ({ id: 'p', entity: 'mortgage', name: 'p', enabled: true, strategy: 'first-match', rules: [], partners });
const snapshot = (partners: Partner[], assignments: Assignment[]) => compileSnapshot({
  entities: new Map([[entity.id, entity]]), partners: new Map(partners.map((x) => [x.id, x])),
  profiles: [profile(assignments)], routingTests: [], docs: [], hash: 'h', dir: '.',
} satisfies Config, { env: {} });

let seq = 0;
const newId = () => `d${++seq}`;
const lead = { email: 'a@example.com' };

describe('schedules', () => {
  const LA = 'America/Los_Angeles';
  const snap = snapshot(
    [partner('acme', { timezone: LA, schedule: { 'mon-fri': '08:00-18:00', closed: ['2026-12-25'] } }), partner('night')],
    [assign('acme', 10), assign('night', 1)],
  );
  const route = (iso: string) => routeLead(snap, 'mortgage', lead, { caps: createMemoryCapStore(), now: new Date(iso), mode: 'live', capPrefix: 't:', newId });

  it('a partner inside its hours takes the lead', async () => {
    expect((await route('2026-12-07T17:00:00Z')).routes.map((r) => r.partner)).toEqual(['acme']); // Mon 09:00 PST
  });

  it('outside its hours it is skipped, and the trace says until when', async () => {
    const d = await route('2026-12-12T21:30:00Z'); // Sat 13:30 PST
    expect(d.routes.map((r) => r.partner)).toEqual(['night']);
    expect(d.trace[0].partners[0]).toMatchObject({
      partner: 'acme', outcome: 'skipped', reason: 'closed', opensAt: '2026-12-14T16:00:00.000Z',
      message: 'acme skipped: closed until Mon 08:00 America/Los_Angeles',
    });
  });

  it('a closed date closes the day; an assignment schedule narrows the partner\'s', async () => {
    expect((await route('2026-12-25T18:00:00Z')).routes.map((r) => r.partner)).toEqual(['night']);
    const narrow = snapshot([partner('acme', { schedule: { 'mon-fri': '08:00-18:00' } }), partner('night')], [assign('acme', 10, { schedule: { 'mon-fri': '12:00-20:00' } }), assign('night', 1)]);
    const at = (iso: string) => routeLead(narrow, 'mortgage', lead, { caps: createMemoryCapStore(), now: new Date(iso), mode: 'dry-run', capPrefix: 't:', newId });
    expect((await at('2026-12-07T13:00:00Z')).routes.map((r) => r.partner)).toEqual(['acme']);
    const closed = await at('2026-12-07T10:00:00Z');
    expect(closed.trace[0].partners[0].message).toBe('acme skipped: closed until Mon 12:00 UTC');
  });

  it('the waterfall re-checks the schedule at the time it runs', async () => {
    const d = await route('2026-12-07T17:00:00Z');
    const job = { deliveryId: d.routes[0].deliveryId, leadId: 'l1', entity: 'mortgage', profile: 'p', partner: 'night', priority: 1, test: false, receivedAt: '', lead, tried: [] };
    // night rejected it on Saturday: acme is closed then, so nobody is left.
    expect(await nextRoute(snap, job, { caps: createMemoryCapStore(), now: new Date('2026-12-12T21:30:00Z'), capPrefix: 't:', newId })).toBeNull();
    expect((await nextRoute(snap, job, { caps: createMemoryCapStore(), now: new Date('2026-12-08T17:00:00Z'), capPrefix: 't:', newId }))?.partner).toBe('acme');
  });
});

describe('weighted shares', () => {
  const snap = snapshot([partner('a'), partner('b'), partner('c'), partner('backup')], [
    assign('a', 5, { weight: 3 }), assign('b', 5), assign('c', 5, { weight: 2 }), assign('backup', 1),
  ]);
  const count = (routes: string[]) => Object.fromEntries(['a', 'b', 'c'].map((p) => [p, routes.filter((r) => r === p).length]));
  const routeWith = async (caps: CapStore, capPrefix: string) =>
    (await routeLead(snap, 'mortgage', lead, { caps, now: new Date(), mode: 'live', capPrefix, newId })).routes[0].partner;

  it('splits leads in proportion to the weights, smoothly', async () => {
    const caps = createMemoryCapStore();
    const routes: string[] = [];
    for (let i = 0; i < 600; i++) routes.push(await routeWith(caps, 't:'));
    expect(count(routes)).toEqual({ a: 300, b: 100, c: 200 });
    // No bursts: in every window of 6 leads (one period) each partner appears exactly its weight.
    for (let i = 0; i + 6 <= routes.length; i += 6) expect(count(routes.slice(i, i + 6))).toEqual({ a: 3, b: 1, c: 2 });
  });

  describe('on Redis, shared by two routers', () => {
    const redis = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
    const prefix = testPrefix();
    afterAll(async () => {
      await deleteKeysUnder(redis[0], prefix);
      await Promise.all(redis.map((r) => r.quit()));
    });

    it('concurrent leads through two cap store clients keep every share within one of N·w/Σw', async () => {
      const stores = redis.map((r) => createRedisCapStore(r, { prefix }));
      const n = 500;
      const routes = await Promise.all(Array.from({ length: n }, (_, i) => routeWith(stores[i % 2], prefix)));
      const got = count(routes);
      expect(got.a + got.b + got.c).toBe(n);
      for (const [p, w] of [['a', 3], ['b', 1], ['c', 2]] as const) expect(Math.abs(got[p] - (n * w) / 6)).toBeLessThanOrEqual(1);
    });
  });
});
