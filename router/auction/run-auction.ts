// The auctions of one lead: every candidate of every pending ping-post profile is pinged at once;
// each profile's deadline bounds its pings, and the profiles run side by side, so a lead waits for
// its slowest auction deadline at most. Who is pinged, and who wins, is routing's (pure) decision.
import type { PartnerBid } from '../routing/auction.ts';
import { DEFAULT_AUCTION_TIMEOUT_MS } from '../routing/auction.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { PendingAuction } from '../routing/types.ts';
import { pickFields } from '../delivery/template.ts';
import type { AuctionMetrics } from './metrics.ts';
import type { PingClient } from './ping-client.ts';

interface AuctionInput {
  snapshot: Snapshot;
  entity: string;
  pingId: string;
  test: boolean;
  /** The lead (or the inbound ping's fields): each partner gets only its ping fields. */
  lead: Readonly<Record<string, unknown>>;
  auctions: readonly PendingAuction[];
}

export interface AuctionRunner {
  /** The bids of each pending auction, by profile id. */
  run(input: AuctionInput): Promise<Map<string, PartnerBid[]>>;
}

export function createAuctionRunner(deps: { client: PingClient; metrics?: AuctionMetrics; clock?: () => number }): AuctionRunner {
  const clock = deps.clock ?? Date.now;
  return {
    async run({ snapshot, entity, pingId, test, lead, auctions }) {
      const started = clock();
      const results = await Promise.all(auctions.map(async (a) => {
        const cp = snapshot.profile(entity, a.profile);
        const deadline = started + (cp?.auction?.timeoutMs ?? DEFAULT_AUCTION_TIMEOUT_MS);
        const bids = await Promise.all(a.candidates.map(({ ca }) =>
          deps.client.ping(ca.partner.id, ca.ping!, { pingId, entity, test, fields: pickFields(lead, ca.ping!.fields) }, deadline)));
        for (const b of bids) deps.metrics?.recordBid(b);
        return [a.profile, bids] as const;
      }));
      return new Map(results);
    },
  };
}
