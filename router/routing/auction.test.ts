import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auctionOf, noWinnerReason, quote, rankBids, type PartnerBid } from './auction.ts';

const who = [
  { partner: 'a', priority: 10 },
  { partner: 'b', priority: 5 },
  { partner: 'c', priority: 5 },
];

describe('rankBids', () => {
  it('offers the lead to the highest bid first, skipping no-bids and bids below the floor', () => {
    const bids: PartnerBid[] = [{ partner: 'a', bid: 7 }, { partner: 'b', bid: 12, bidId: 'x' }, { partner: 'c', noBid: 'HTTP 500' }];
    expect(rankBids(who, bids, 5).ranked).toEqual([{ partner: 'b', priority: 5, bid: 12, bidId: 'x' }, { partner: 'a', priority: 10, bid: 7 }]);
    const low = rankBids(who, [{ partner: 'a', bid: 4 }, { partner: 'b', bid: 6 }], 5);
    expect(low.ranked.map((r) => r.partner)).toEqual(['b']);
    expect(low.below.map((r) => r.partner)).toEqual(['a']);
  });

  it('breaks equal bids by priority, then by turns', () => {
    const bids: PartnerBid[] = [{ partner: 'a', bid: 10 }, { partner: 'b', bid: 10 }, { partner: 'c', bid: 10 }];
    expect(rankBids(who, bids, 0, 0).ranked.map((r) => r.partner)).toEqual(['a', 'b', 'c']);
    const tie = [{ partner: 'b', bid: 10 }, { partner: 'c', bid: 10 }];
    expect(rankBids(who, tie, 0, 0).ranked[0].partner).toBe('b');
    expect(rankBids(who, tie, 0, 1).ranked[0].partner).toBe('c');
    expect(rankBids(who, tie, 0, 2).ranked[0].partner).toBe('b');
  });

  it('ranks every bid at or above the floor once, best first (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.option(fc.double({ min: -5, max: 100, noNaN: true }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
      fc.double({ min: 0, max: 50, noNaN: true }),
      fc.nat(10),
      (amounts, minBid, turn) => {
        const bids = amounts.map((bid, i): PartnerBid => (bid === undefined ? { partner: who[i].partner, noBid: 'x' } : { partner: who[i].partner, bid }));
        const { ranked } = rankBids(who, bids, minBid, turn);
        const winners = bids.filter((b) => b.bid !== undefined && b.bid > 0 && b.bid >= minBid);
        expect(ranked.map((r) => r.partner).sort()).toEqual(winners.map((b) => b.partner).sort());
        for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].bid).toBeGreaterThanOrEqual(ranked[i].bid);
      },
    ));
  });
});

describe('auction helpers', () => {
  it('applies defaults and parses the deadline', () => {
    expect(auctionOf(undefined)).toEqual({ timeoutMs: 800, minBid: 0, margin: 0 });
    expect(auctionOf({ timeout: '2s', minBid: 5, margin: 0.2 })).toEqual({ timeoutMs: 2000, minBid: 5, margin: 0.2 });
  });

  it('says why nobody won', () => {
    expect(noWinnerReason([{ partner: 'a', noBid: 'HTTP 500' }], 5)).toBe('no bids');
    expect(noWinnerReason([{ partner: 'a', bid: 3 }], 5)).toBe('all bids below 5');
  });

  it('quotes the best bid less the margin, rounded down to the cent', () => {
    expect(quote(12.5, 0.2)).toBe(10);
    expect(quote(10.01, 0.1)).toBe(9);
    expect(quote(7, 0)).toBe(7);
  });
});

describe('ping settings in the snapshot', () => {
  it('reports unset ${ENV} references of pings with the deliveries\' ones', async () => {
    const { compileSnapshot } = await import('./snapshot.ts');
    const { assign, config, partner, profile } = await import('../http/test-fixtures.ts');
    const snap = compileSnapshot(config(
      [profile('p', [assign('acme', 1, { ping: { url: 'https://ping.acme.example', fields: ['state'], headers: { Authorization: 'Bearer ${OVERRIDE_TOKEN}' } } })], { strategy: 'ping-post' })],
      [partner('acme', { ping: { url: 'https://ping.acme.example', fields: ['state'], signingSecret: '${ACME_PING_SECRET}' } })],
    ), { env: { OVERRIDE_TOKEN: 'x' } });
    expect(snap.missingEnv).toEqual(['ACME_PING_SECRET']);
    expect(snap.profile('mortgage', 'p')!.auction).toEqual({ timeoutMs: 800, minBid: 0, margin: 0 });
  });
});
