import { describe, expect, it } from 'vitest';
import { createMemoryCapStore } from '../caps/memory.ts';
import type { DeliveryJob } from '../delivery-job.ts';
import { assign, config, partner, profile, validLead } from '../http/test-fixtures.ts';
import { nextOffer, routeWithAuctions, settleAuctions, simulatedBids } from './ping-post.ts';
import { compileSnapshot } from './snapshot.ts';

const ping = { url: 'https://ping.example', fields: ['state'] };
const snapshot = compileSnapshot(config(
  [profile('auction', [
    assign('acme', 10, { caps: { day: 1 }, ping }),
    assign('northwind', 5, { ping }),
    assign('keystone', 5, { ping }),
    assign('zen', 1),
  ], { strategy: 'ping-post', auction: { minBid: 5 } })],
  [partner('acme'), partner('northwind'), partner('keystone'), partner('zen')],
), { env: {} });

const now = new Date();
let n = 0;
const opts = (caps = createMemoryCapStore()) => ({ caps, now, mode: 'live' as const, capPrefix: 't:', newId: () => `id-${++n}` });

describe('ping-post routing', () => {
  it('names the partners to ping (not one without ping settings) and routes nothing before the bids', async () => {
    const d = await routeWithAuctions(snapshot, 'mortgage', validLead, opts());
    expect(d.routes).toEqual([]);
    expect(d.auctions![0].candidates.map((c) => c.ca.partner.id)).toEqual(['acme', 'northwind', 'keystone']);
    expect(d.trace[0].partners.find((p) => p.partner === 'zen')!.message).toBe('zen skipped: no ping settings, so it is never asked for a bid');
  });

  it('reserves the winner at its bid, then the waterfall goes down the bids, skipping a full cap', async () => {
    const caps = createMemoryCapStore();
    const o = opts(caps);
    // acme's day cap is taken by a first lead.
    const first = await routeWithAuctions(snapshot, 'mortgage', validLead, o);
    await settleAuctions(snapshot, first, simulatedBids(first, { acme: 20, northwind: 9 }), o);
    expect(first.routes.map((r) => [r.partner, r.price])).toEqual([['acme', 20]]);

    const d = await routeWithAuctions(snapshot, 'mortgage', validLead, o);
    // acme is full now: not pinged. Pretend it had bid anyway (its cap filled while the auction ran).
    d.auctions![0].candidates.unshift(...first.auctions![0].candidates.filter((c) => c.ca.partner.id === 'acme'));
    await settleAuctions(snapshot, d, simulatedBids(d, { acme: 30, northwind: 9, keystone: 7 }), o);
    const [route] = d.routes;
    expect([route.partner, route.price]).toEqual(['northwind', 9]);
    expect(route.bids!.map((b) => b.partner)).toEqual(['acme', 'northwind', 'keystone']);

    const job: DeliveryJob = {
      deliveryId: route.deliveryId, leadId: 'L', entity: 'mortgage', profile: 'auction', partner: 'northwind', priority: 5,
      price: 9, reservationId: route.reservationId, test: false, receivedAt: now.toISOString(), lead: validLead, tried: [], pingId: 'P', bids: route.bids,
    };
    const next = await nextOffer(snapshot, job, { caps, now, capPrefix: 't:', newId: () => 'id-next' });
    expect(next).toMatchObject({ partner: 'keystone', price: 7, pingId: 'P', tried: ['northwind'], deliveryId: 'id-next' });
    expect(await nextOffer(snapshot, next!, { caps, now, capPrefix: 't:', newId: () => 'id-last' })).toBeNull();
  });
});

describe('ping-post budgets', () => {
  it('count the winning bid, not a price: a bid over what is left goes to the next bidder, at its own bid', async () => {
    const budgeted = compileSnapshot(config(
      [profile('auction', [
        assign('acme', 10, { ping, budget: { day: 30 } }),
        assign('northwind', 5, { ping }),
      ], { strategy: 'ping-post' })],
      [partner('acme'), partner('northwind')],
    ), { env: {} });
    const o = opts();
    const sell = async () => {
      const d = await routeWithAuctions(budgeted, 'mortgage', validLead, o);
      await settleAuctions(budgeted, d, simulatedBids(d, { acme: 12, northwind: 4 }), o);
      return d;
    };
    const sold = [await sell(), await sell(), await sell()];
    expect(sold.map((d) => [d.routes[0].partner, d.routes[0].price])).toEqual([['acme', 12], ['acme', 12], ['northwind', 4]]);
    // 24 of 30 spent: the third bid of 12 does not fit.
    expect(sold[2].trace[0].partners.find((p) => p.partner === 'acme')).toMatchObject({ reason: 'budget', price: 12, cap: { limit: 30, used: 24 } });
  });
});
