// One contract for both bid stores (memory and Redis): what the intake relies on.
import { expect, it } from 'vitest';
import type { BidStore, PingRecord } from './bid-store.ts';

const record = (pingId: string): PingRecord => ({
  pingId, entity: 'auto', source: 'web', test: false, fields: { state: 'TX', zip: '75001' },
  expiresAt: '2030-01-01T00:00:00.000Z', quote: 9.6,
  auctions: { tier1: [{ partner: 'acme', bid: 12, bidId: 'b-1', latencyMs: 40 }, { partner: 'zen', noBid: 'HTTP 500', latencyMs: 3 }] },
});

export function bidStoreContract(make: () => Promise<{ store: BidStore; done(): Promise<void> }>, opts: { sleep: (ms: number) => Promise<void> }): void {
  it('keeps a ping record as saved, and answers null to an unknown id', async () => {
    const { store, done } = await make();
    try {
      await store.save(record('p1'), 60_000);
      expect(await store.get('p1')).toEqual(record('p1'));
      expect(await store.get('nope')).toBeNull();
    } finally {
      await done();
    }
  });

  it('forgets a record after its keep time', async () => {
    const { store, done } = await make();
    try {
      await store.save(record('p2'), 50);
      await opts.sleep(120);
      expect(await store.get('p2')).toBeNull();
    } finally {
      await done();
    }
  });

  it('lets exactly one of many concurrent posts claim a ping, and a given-back claim be taken again', async () => {
    const { store, done } = await make();
    try {
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim('p3', 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      await store.unclaim('p3');
      expect(await store.claim('p3', 60_000)).toBe(true);
      expect(await store.claim('p3', 60_000)).toBe(false);
    } finally {
      await done();
    }
  });
}
