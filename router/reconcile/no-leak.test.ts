// Property: two routers (two connections, one Redis) take leads against one cap while replies are
// lost, routers die mid-intake, deliveries end and reconcilers tick, in random order and
// interleaved. At every point no live delivery has lost its slot and the cap is never exceeded;
// once everything is settled (leases and commit windows over, a reconciler tick), the counter
// equals the live deliveries exactly: no slot leaked.
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapCounter, CapStore } from '../caps/types.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { sampleRecord } from '../leads/store-contract.ts';
import type { LeadStore } from '../leads/store.ts';
import { createRedisClient, waitForRedis } from '../redis.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { createReconciler, type Reconciler } from './reconciler.ts';

const LIMIT = 3;
const LEASE_MS = 120;
const WINDOW_MS = 60;

const KINDS = [
  'intake', // reserve, save uncommitted, commit: live when the commit says so
  'lost-reserve', // the reserve lands, its reply never comes: the router answers 503
  'crash-after-reserve', // the router dies holding a reservation
  'crash-after-save', // … or after saving the lead, before committing it
  'refused', // intake fails after the save: abort and release (the 503 path)
  'refused-release-lost', // the same, but the release never reaches Redis
  'end', // a live delivery ends undelivered: its slot is released
  'tick', // a reconciler runs
  'pause', // time passes (leases and commit windows run out)
] as const;
type Kind = (typeof KINDS)[number];

interface Router {
  caps: CapStore;
  leads: LeadStore;
  reconciler: Reconciler;
}

let clients: Redis[];
beforeAll(async () => {
  clients = [createRedisClient(TEST_REDIS_URL, { name: 'no-leak-a' }), createRedisClient(TEST_REDIS_URL, { name: 'no-leak-b' })];
  await Promise.all(clients.map((c) => waitForRedis(c, 5000)));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cap reservations under lost replies and dead routers', () => {
  it('never exceed the cap and leave no slot leaked once settled', async () => {
    const action = fc.record({ router: fc.constantFrom(0, 1), kind: fc.constantFrom<Kind>(...KINDS), ms: fc.integer({ min: 0, max: 150 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(action, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (rounds) => {
        const prefix = testPrefix();
        const counter: CapCounter = { key: `${prefix}cap:{acme}:partner:day`, limit: LIMIT, expireAt: Date.now() + 3_600_000, label: 'partner acme day' };
        const routers: Router[] = clients.map((c) => {
          const caps = createRedisCapStore(c, { prefix, leaseMs: LEASE_MS });
          const leads = createRedisLeadStore(c, { prefix, commitWindowMs: WINDOW_MS });
          return { caps, leads, reconciler: createReconciler({ leads, caps, partners: () => ['acme'] }) };
        });
        /** Deliveries whose lead is committed and that have not ended: reservation id → its router. */
        const live = new Map<string, Router>();
        let n = 0;

        const run = async (r: Router, kind: Kind, ms: number) => {
          const rec = sampleRecord();
          const id = `d${n++}`;
          rec.routes = [{ profile: 'east', partner: 'acme', deliveryId: id, status: 'queued' }];
          const reserve = () => r.caps.reserve(id, [counter], { owner: rec.leadId });
          switch (kind) {
            case 'pause':
              return sleep(ms);
            case 'tick':
              return void (await r.reconciler.tick());
            case 'end': {
              const [first] = live.keys();
              if (first === undefined) return;
              live.delete(first);
              await r.caps.release(first, 'acme');
              return;
            }
            case 'lost-reserve':
            case 'crash-after-reserve':
              return void (await reserve());
          }
          const res = await reserve();
          if (!res.ok) return;
          await r.leads.save(rec, { uncommitted: { commitBy: res.leaseUntil! - 20 } });
          if (kind === 'crash-after-save') return;
          if (kind === 'intake' && (await r.leads.commit(rec.leadId))) {
            live.set(id, r);
            return;
          }
          await r.leads.abort(rec.leadId);
          if (kind !== 'refused-release-lost') await r.caps.release(id, 'acme');
        };

        const used = async () => (await routers[0].caps.peek([counter.key]))[0];
        try {
          for (const round of rounds) {
            await Promise.all(round.map((a) => run(routers[a.router], a.kind, a.ms)));
            const now = await used();
            expect(now).toBeLessThanOrEqual(LIMIT);
            expect(now).toBeGreaterThanOrEqual(live.size); // no live delivery lost its slot
          }
          await sleep(LEASE_MS + WINDOW_MS + 50);
          await routers[1].reconciler.tick();
          expect(await used()).toBe(live.size);
          expect(await routers[0].caps.expiredLeases('acme', 100)).toEqual([]);
        } finally {
          await deleteKeysUnder(clients[0], prefix);
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
