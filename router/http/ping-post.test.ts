// ping-post through the HTTP API, with real bidders (node:http on 127.0.0.1) and the embedded
// stores: the auction at intake, the source's answer, inbound pings and the lead posted on one.
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBidStore } from '../auction/bid-store.ts';
import { createAuctionMetrics } from '../auction/metrics.ts';
import { createPingClient } from '../auction/ping-client.ts';
import { createAuctionRunner } from '../auction/run-auction.ts';
import type { AuctionDeps } from '../auction/sell.ts';
import { startBidders, type BidderAnswer, type BidderServer } from '../auction/testing/bidder-server.ts';
import type { Assignment } from '../config/types.ts';
import { webhookPayload } from '../delivery/channels/webhook-body.ts';
import { createMetrics } from '../observability/metrics.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, config, harness, NOW, partner, postJson, profile, validLead } from './test-fixtures.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(answers: Record<string, BidderAnswer>, opts: { minBid?: number; extra?: Assignment[]; clock?: { now: Date } } = {}) {
  const bidders: BidderServer = await startBidders(answers);
  const client = createPingClient();
  open.push(bidders, client);
  const ping = (id: string, fields: string[]) => ({ url: `${bidders.url}/${id}`, fields });
  const snapshot = compileSnapshot(config(
    [profile('auction', [
      assign('acme', 10, { caps: { day: 5 }, ping: ping('acme', ['state', 'zip']) }),
      assign('northwind', 5, { ping: ping('northwind', ['state']) }),
      assign('keystone', 5, { ping: ping('keystone', ['state', 'loanAmount']) }),
      ...(opts.extra ?? []),
    ], { strategy: 'ping-post', auction: { timeout: '2s', minBid: opts.minBid ?? 5, margin: 0.2 } })],
    [partner('acme'), partner('northwind'), partner('keystone'), partner('zen')],
  ), { env: {} });
  const metrics = createMetrics();
  const auctionMetrics = createAuctionMetrics(metrics.registry);
  const auction: AuctionDeps = {
    runner: createAuctionRunner({ client, metrics: auctionMetrics }),
    bids: createMemoryBidStore({ now: () => (opts.clock?.now ?? NOW).getTime() }),
    metrics: auctionMetrics,
    pingTtlMs: 60_000,
  };
  const h = harness({ auction, metrics, ...(opts.clock ? { now: () => opts.clock!.now } : {}) }, snapshot);
  return { h, bidders };
}

describe('ping-post at intake', () => {
  it('pings every eligible partner with its fields only, sells to the highest bid in time, and answers with the price', async () => {
    const { h, bidders } = await setup({ acme: { bid: 12, bidId: 'A-1' }, northwind: 'hold', keystone: { bid: 9, bidId: 'K-1' } });
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'routed', routes: [{ profile: 'auction', partner: 'acme', status: 'queued', price: 12 }] });

    // Pings: one per partner, the listed fields only (never email, never the encrypted ssn).
    expect(bidders.pings.map((p) => p.partner).sort()).toEqual(['acme', 'keystone', 'northwind']);
    const acmePing = bidders.pings.find((p) => p.partner === 'acme')!.body;
    expect(acmePing).toEqual({ pingId: expect.any(String), entity: 'mortgage', test: false, fields: { state: 'NY', zip: '10001' } });
    expect(bidders.pings.find((p) => p.partner === 'keystone')!.body.fields).toEqual({ state: 'NY', loanAmount: 300000 });

    // The job carries the ping, the price and the ranked bids (for the waterfall); the post carries pingId and bidId.
    const [job] = h.jobs;
    expect(job).toMatchObject({ partner: 'acme', price: 12, pingId: acmePing.pingId });
    expect(job.bids).toEqual([{ partner: 'acme', priority: 10, bid: 12, bidId: 'A-1' }, { partner: 'keystone', priority: 5, bid: 9, bidId: 'K-1' }]);
    expect(webhookPayload(job, { url: 'https://acme.example' })).toMatchObject({ pingId: acmePing.pingId, bidId: 'A-1', price: 12, lead: validLead });

    // The record and trace say what each partner answered.
    const record = h.records.get(body.leadId)!;
    expect(record.pingId).toBe(acmePing.pingId);
    expect(record.auctions![0].outcome).toBe('won by acme at 12');
    expect(record.auctions![0].bids.find((b) => b.partner === 'northwind')!.noBid).toMatch(/^no answer within \d+ms$/);
    const messages = record.trace[0].partners.map((p) => p.message);
    expect(messages).toEqual([
      'acme selected: bid 12, the highest (priority 10)',
      expect.stringMatching(/^northwind no bid: no answer within \d+ms$/),
      'keystone bid 9: outbid by acme',
    ]);
    const text = await h.deps.metrics.registry.metrics();
    expect(text).toMatch(/auction_wins_total\{profile="auction",partner="acme"\} 1/);
    expect(text).toMatch(/ping_no_bids_total\{partner="northwind",reason="timeout"\} 1/);
    expect(text).toMatch(/ping_duration_seconds_count\{partner="acme"\} 1/);
  });

  it('answers unmatched with the reason: no bids, or all bids below the floor', async () => {
    const none = await setup({ acme: { status: 500 }, northwind: { raw: 'nope' }, keystone: { bid: 0 } });
    const r1 = await (await none.h.app.request(...postJson('/v1/leads/mortgage', validLead))).json();
    expect(r1).toMatchObject({ status: 'unmatched', routes: [], reason: 'no bids' });
    expect(none.h.jobs).toEqual([]);
    const trace = none.h.records.get(r1.leadId)!.trace[0].partners.map((p) => p.message);
    expect(trace).toEqual(['acme no bid: HTTP 500', 'northwind no bid: malformed answer: not JSON', 'keystone no bid: declined (bid 0)']);

    const low = await setup({ acme: { bid: 4 }, northwind: { bid: 4.99 }, keystone: { status: 204 } });
    const r2 = await (await low.h.app.request(...postJson('/v1/leads/mortgage', validLead))).json();
    expect(r2).toMatchObject({ status: 'unmatched', reason: 'all bids below 5' });
    // Nothing was reserved for a lead nobody bought.
    expect(await low.h.caps.peek(['test:x'])).toEqual([0]);
  });

  it('gives equal bids to the higher priority, and equal priorities take turns', async () => {
    const { h } = await setup({ acme: { status: 500 }, northwind: { bid: 10 }, keystone: { bid: 10 } });
    const winners: string[] = [];
    for (let i = 0; i < 4; i++) winners.push((await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json()).routes[0].partner);
    expect(winners.sort()).toEqual(['keystone', 'keystone', 'northwind', 'northwind']);
    const top = await setup({ acme: { bid: 10 }, northwind: { bid: 10 }, keystone: { bid: 10 } });
    expect((await (await top.h.app.request(...postJson('/v1/leads/mortgage', validLead))).json()).routes[0].partner).toBe('acme');
  });

  it('does not ping a partner whose cap is full, and the next bid wins', async () => {
    const { h, bidders } = await setup({ acme: { bid: 50 }, northwind: { bid: 6 }, keystone: { status: 500 } });
    for (let i = 0; i < 5; i++) expect((await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json()).routes[0].partner).toBe('acme');
    const before = bidders.pings.filter((p) => p.partner === 'acme').length;
    const sixth = await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json();
    expect(sixth.routes[0]).toMatchObject({ partner: 'northwind', price: 6 });
    expect(bidders.pings.filter((p) => p.partner === 'acme').length).toBe(before);
  });
});

describe('explain on a ping-post profile', () => {
  it('sends no ping and says whom it would ask', async () => {
    const { h, bidders } = await setup({ acme: { bid: 12 }, northwind: { bid: 8 }, keystone: { bid: 7 } });
    const res = await h.app.request(...postJson('/v1/explain/mortgage', validLead));
    const body = await res.json();
    expect(body.status).toBe('unmatched');
    expect(body.trace[0].partners.map((p: { message: string }) => p.message)).toEqual([
      'acme no bid: not pinged: a dry run sends nothing',
      'northwind no bid: not pinged: a dry run sends nothing',
      'keystone no bid: not pinged: a dry run sends nothing',
    ]);
    expect(bidders.pings).toEqual([]);
  });
});

describe('inbound pings', () => {
  const pingFields = { state: 'NY', zip: '10001', loanAmount: 300000 };

  it('quotes the best bid less the margin, creates no lead, then sells the posted lead to that auction without pinging again', async () => {
    const { h, bidders } = await setup({ acme: { bid: 12, bidId: 'A-9' }, northwind: { bid: 8 }, keystone: { status: 500 } });
    const res = await h.app.request(...postJson('/v1/pings/mortgage', { ...pingFields, ssn: '123-45-6789' }));
    expect(res.status).toBe(200);
    const quote = await res.json();
    expect(quote).toEqual({ pingId: expect.any(String), bid: 9.6, expiresAt: new Date(NOW.getTime() + 60_000).toISOString() });
    expect(h.records.size).toBe(0);
    expect(h.jobs).toEqual([]);
    // Encrypted fields sent with a ping are dropped, never forwarded.
    expect(bidders.pings.every((p) => !p.text.includes('123-45-6789'))).toBe(true);
    const pinged = bidders.pings.length;

    const posted = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, pingId: quote.pingId }));
    expect(posted.status).toBe(202);
    expect(await posted.json()).toMatchObject({ status: 'routed', routes: [{ partner: 'acme', price: 12 }] });
    expect(bidders.pings.length).toBe(pinged);
    expect(h.jobs[0]).toMatchObject({ partner: 'acme', pingId: quote.pingId, price: 12 });
    expect(webhookPayload(h.jobs[0], { url: 'https://acme.example' })).toMatchObject({ pingId: quote.pingId, bidId: 'A-9' });

    const again = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, pingId: quote.pingId }));
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('PING_ALREADY_POSTED');
  });

  it('refuses a lead that disagrees with its ping, an unknown ping, and an expired one', async () => {
    const clock = { now: NOW };
    const { h } = await setup({ acme: { bid: 12 }, northwind: { bid: 8 }, keystone: { bid: 7 } }, { clock });
    const quote = await (await h.app.request(...postJson('/v1/pings/mortgage', pingFields))).json();

    const mismatch = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, zip: '10002', pingId: quote.pingId }));
    expect(mismatch.status).toBe(409);
    expect((await mismatch.json()).error).toMatchObject({ code: 'PING_MISMATCH', fields: ['zip'] });

    const unknown = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, pingId: 'nope' }));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('PING_NOT_FOUND');

    clock.now = new Date(NOW.getTime() + 61_000);
    const late = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, pingId: quote.pingId }));
    expect(late.status).toBe(409);
    expect((await late.json()).error.code).toBe('PING_EXPIRED');
    expect(h.records.size).toBe(0);
  });

  it('quotes 0 with a reason when nobody bids, and refuses fields that break the entity', async () => {
    const { h } = await setup({ acme: { bid: 2 }, northwind: { status: 500 }, keystone: { status: 500 } });
    expect(await (await h.app.request(...postJson('/v1/pings/mortgage', pingFields))).json()).toMatchObject({ bid: 0, reason: 'all bids below 5' });
    const bad = await h.app.request(...postJson('/v1/pings/mortgage', { state: 'TX' }));
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.fields[0].field).toBe('state');
  });
});
