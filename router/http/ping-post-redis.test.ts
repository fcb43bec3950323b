// Two routers (two app instances) sharing one Redis sell 200 leads at auction at once: every bid
// is taken only while its partner's cap has room, so each partner gets exactly its cap.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisBidStore } from '../auction/bid-store.ts';
import { createPingClient } from '../auction/ping-client.ts';
import { createAuctionRunner } from '../auction/run-auction.ts';
import { startBidders } from '../auction/testing/bidder-server.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { assign, config, harness, partner, postJson, profile, validLead } from './test-fixtures.ts';

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = testPrefix();
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

describe('ping-post on two routers sharing one Redis', () => {
  it('sells 200 concurrent leads with every cap exact, and a ping quoted by one router posts on the other', async () => {
    const bidders = await startBidders({ acme: { bid: 20 }, northwind: { bid: 10 }, keystone: { bid: 5 } });
    const clients = [createPingClient(), createPingClient()];
    try {
      const ping = (id: string) => ({ url: `${bidders.url}/${id}`, fields: ['state'] });
      const snapshot = compileSnapshot(config(
        [profile('auction', [
          assign('acme', 10, { caps: { day: 50 }, ping: ping('acme') }),
          assign('northwind', 5, { caps: { day: 70 }, ping: ping('northwind') }),
        ], { strategy: 'ping-post', auction: { timeout: '5s', minBid: 1 } })],
        [partner('acme'), partner('northwind', { caps: { day: 1000 } })],
      ), { env: {} });
      const routers = clients.map((client) => harness({
        caps: createRedisCapStore(redis, { prefix }),
        now: () => new Date(),
        capPrefix: prefix,
        auction: { runner: createAuctionRunner({ client }), bids: createRedisBidStore(redis, { prefix }), pingTtlMs: 60_000 },
      }, snapshot));

      const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
        const res = await routers[i % 2].app.request(...postJson('/v1/leads/mortgage', validLead));
        expect(res.status).toBe(202);
        return res.json() as Promise<{ status: string; routes: { partner: string; price: number }[] }>;
      }));
      const won = (p: string) => answers.filter((a) => a.routes[0]?.partner === p);
      expect(won('acme')).toHaveLength(50);
      expect(won('northwind')).toHaveLength(70);
      expect(won('acme').every((a) => a.routes[0].price === 20)).toBe(true);
      expect(won('northwind').every((a) => a.routes[0].price === 10)).toBe(true);
      expect(answers.filter((a) => a.status === 'unmatched')).toHaveLength(80);

      // The bids of an inbound ping live in Redis: quoted on one router, posted on the other (once).
      const free = compileSnapshot(config(
        [profile('auction', [assign('keystone', 1, { ping: ping('keystone') })], { strategy: 'ping-post', auction: { margin: 0.5 } })],
        [partner('keystone')],
      ), { env: {} });
      for (const r of routers) r.setSnapshot(free);
      const quote = await (await routers[0].app.request(...postJson('/v1/pings/mortgage', { state: 'NY' }))).json();
      expect(quote.bid).toBe(2.5);
      const posts = await Promise.all(routers.map(async (r) => r.app.request(...postJson('/v1/leads/mortgage', { ...validLead, pingId: quote.pingId }))));
      expect(posts.map((p) => p.status).sort()).toEqual([202, 409]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await bidders.close();
    }
  });
});
