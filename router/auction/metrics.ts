// Auction metrics, on the router's registry: how fast each partner answers its pings, how often
// it bids, why it does not, and how often it wins.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { PartnerBid } from '../routing/auction.ts';

export interface AuctionMetrics {
  pingDuration: Histogram<'partner'>;
  bids: Counter<'partner'>;
  noBids: Counter<'partner' | 'reason'>;
  wins: Counter<'profile' | 'partner'>;
  recordBid(b: PartnerBid): void;
}

/** A no-bid reason as a label of bounded cardinality: timeout, http, malformed, declined, error, not-pinged. */
function noBidKind(reason: string): string {
  if (reason.startsWith('no answer')) return 'timeout';
  if (reason.startsWith('HTTP ')) return 'http';
  if (reason.startsWith('malformed')) return 'malformed';
  if (reason.startsWith('declined')) return 'declined';
  if (reason.startsWith('not pinged')) return 'not-pinged';
  return 'error';
}

export function createAuctionMetrics(registry: Registry): AuctionMetrics {
  const registers = [registry];
  const pingDuration = new Histogram({
    name: 'ping_duration_seconds', help: 'Time from ping to bid (or to giving up), by partner',
    labelNames: ['partner'] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 2], registers,
  });
  const bids = new Counter({ name: 'ping_bids_total', help: 'Pings answered with a bid, by partner', labelNames: ['partner'] as const, registers });
  const noBids = new Counter({
    name: 'ping_no_bids_total', help: 'Pings without a bid, by partner and reason (timeout, http, malformed, declined, error, not-pinged)',
    labelNames: ['partner', 'reason'] as const, registers,
  });
  const wins = new Counter({ name: 'auction_wins_total', help: 'Auctions won, by profile and partner', labelNames: ['profile', 'partner'] as const, registers });
  return {
    pingDuration, bids, noBids, wins,
    recordBid(b) {
      if (b.latencyMs !== undefined) pingDuration.observe({ partner: b.partner }, b.latencyMs / 1000);
      if (b.bid !== undefined) bids.inc({ partner: b.partner });
      else noBids.inc({ partner: b.partner, reason: noBidKind(b.noBid ?? '') });
    },
  };
}
