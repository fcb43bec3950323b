// A rejected post goes to the runner-up of the same auction (no second auction), end to end: a
// router runtime (embedded), real bidders, and real partner endpoints that take the posts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouterRuntime } from '../runtime.ts';
import { startPartnerServer } from '../delivery/testing/partner-server.ts';
import { waitFor } from '../delivery/testing/wait.ts';
import { createLogger } from '../observability/logger.ts';
import { startBidders } from './testing/bidder-server.ts';
import { Redis } from 'ioredis';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('ping-post waterfall', () => {
  it.each([
    { how: 'rejected', status: 422, ended: 'rejected', redis: false },
    { how: 'given up (its one attempt failed)', status: 503, ended: 'failed', redis: false },
    { how: 'rejected, delivered from the delivery thread on Redis', status: 422, ended: 'rejected', redis: true },
  ])('offers a lead whose post was $how to the next-highest bid, at its own price and bidId', async ({ status, ended, redis }) => {
    const bidders = await startBidders({ acme: { bid: 15, bidId: 'A-1' }, northwind: { bid: 9, bidId: 'N-1' }, zen: { bid: 2 } });
    const posts = await startPartnerServer((r) => (r.partner === 'acme' ? { status } : { status: 200 }));
    const dir = await mkdtemp(join(tmpdir(), 'leadroute-pingpost-'));
    dirs.push(dir);
    const partnerDoc = (id: string) => `kind: Partner
id: ${id}
name: ${id}
ping: { url: "${bidders.url}/${id}", fields: [state] }
delivery: { attempts: 1, webhook: { url: "${posts.url}/${id}" } }
`;
    await writeFile(join(dir, 'all.yaml'), [`kind: Entity
id: auto
fields:
  email: { type: string, required: true }
  state: { type: string, required: true }
`, partnerDoc('acme'), partnerDoc('northwind'), partnerDoc('zen'), `kind: Profile
id: tier1
entity: auto
name: Tier 1
strategy: ping-post
auction: { timeout: 2s, minBid: 5 }
partners:
  - { partner: acme, priority: 1, caps: { day: 10 } }
  - { partner: northwind, priority: 1, caps: { day: 10 } }
  - { partner: zen, priority: 1 }
`].join('---\n'));
    const logger = createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
    const prefix = testPrefix();
    const rt = createRouterRuntime({ PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', ...(redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix } : {}) }, { logger });
    const { url } = await rt.start();
    try {
      const res = await fetch(`${url}/v1/leads/auto`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', state: 'TX' }) });
      expect(res.status).toBe(202);
      const { leadId, routes } = await res.json();
      expect(routes).toEqual([{ profile: 'tier1', partner: 'acme', status: 'queued', price: 15 }]);

      const second = await posts.received((r) => r.partner === 'northwind');
      const first = posts.requests.find((r) => r.partner === 'acme')!;
      expect(first.body).toMatchObject({ leadId, partner: 'acme', price: 15, bidId: 'A-1', lead: { email: 'a@example.com', state: 'TX' } });
      expect(second.body).toMatchObject({ leadId, partner: 'northwind', price: 9, bidId: 'N-1', pingId: first.body.pingId });
      // One auction: each bidder was pinged once.
      expect(bidders.pings.map((p) => p.partner).sort()).toEqual(['acme', 'northwind', 'zen']);

      const record = await waitFor('the lead delivered', async () => {
        const r = await (await fetch(`${url}/v1/leads/${leadId}`)).json();
        return r.state === 'delivered' ? r : null;
      });
      expect(record.routes.map((r: { partner: string; status: string; price: number }) => [r.partner, r.status, r.price])).toEqual([
        ['acme', ended, 15],
        ['northwind', 'delivered', 9],
      ]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/ping_bids_total\{partner="zen"\} 1/);
    } finally {
      await rt.stop();
      await posts.close();
      await bidders.close();
      if (redis) {
        const client = new Redis(TEST_REDIS_URL);
        await deleteKeysUnder(client, prefix);
        await deleteKeysUnder(client, `{${prefix.replace(/:+$/, '')}}`);
        await client.quit();
      }
    }
  });
});
