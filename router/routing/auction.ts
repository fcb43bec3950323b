// Pure: the auction of a ping-post profile, once the bids are in. Who may win (bids at or above
// the floor), in which order the lead is offered (highest bid; equal bids: higher priority, then
// turns), and the trace wording of every bid and no-bid. The pinging itself is I/O and lives in
// router/auction/.
import type { AuctionSettings } from '../config/types.ts';
import { parseDuration } from '../config/duration.ts';

export const DEFAULT_AUCTION_TIMEOUT_MS = 800;

/** A profile's `auction`, defaults applied. */
export interface Auction {
  timeoutMs: number;
  minBid: number;
  margin: number;
}

export function auctionOf(settings: AuctionSettings | undefined): Auction {
  return {
    timeoutMs: parseDuration(settings?.timeout, ['ms', 's']) ?? DEFAULT_AUCTION_TIMEOUT_MS,
    minBid: settings?.minBid ?? 0,
    margin: settings?.margin ?? 0,
  };
}

/** What one partner answered to its ping: a bid, or why there is none. */
export interface PartnerBid {
  partner: string;
  /** Set when the partner bid (above 0). */
  bid?: number;
  bidId?: string;
  /** Why there is no bid: "no answer within 500ms", "HTTP 503", "malformed answer: …", "declined (bid 0)". */
  noBid?: string;
  latencyMs?: number;
}

/** A bid that may win, in the order the lead is offered. Carried by the delivery job (the waterfall). */
export interface RankedBid {
  partner: string;
  priority: number;
  bid: number;
  bidId?: string;
}

export interface Ranking {
  /** Bids at or above the floor, best first. */
  ranked: RankedBid[];
  /** Partners that bid below the floor. */
  below: PartnerBid[];
}

/**
 * Order the bids of one auction. `candidates` are the pinged partners in the profile's order
 * (priority, then file order); `turn` rotates equal bids of equal priority, as first-match turns do.
 */
export function rankBids(
  candidates: readonly { partner: string; priority: number }[],
  bids: readonly PartnerBid[],
  minBid: number,
  turn = 0,
): Ranking {
  const byPartner = new Map(bids.map((b) => [b.partner, b]));
  const rows: RankedBid[] = [];
  const below: PartnerBid[] = [];
  for (const c of candidates) {
    const b = byPartner.get(c.partner);
    if (b?.bid === undefined || !(b.bid > 0)) continue;
    if (b.bid < minBid) {
      below.push(b);
      continue;
    }
    const r: RankedBid = { partner: c.partner, priority: c.priority, bid: b.bid };
    if (b.bidId !== undefined) r.bidId = b.bidId;
    rows.push(r);
  }
  // Stable: equal bids of equal priority keep the profile's order, then rotate by the turn.
  rows.sort((a, b) => b.bid - a.bid || b.priority - a.priority);
  const ranked: RankedBid[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i + 1;
    while (j < rows.length && rows[j].bid === rows[i].bid && rows[j].priority === rows[i].priority) j++;
    const group = rows.slice(i, j);
    const k = ((turn % group.length) + group.length) % group.length;
    ranked.push(...group.slice(k), ...group.slice(0, k));
    i = j;
  }
  return { ranked, below };
}

/** True when the best bids tie on bid and priority: only then does a turn decide. */
export function needsTurn(candidates: readonly { partner: string; priority: number }[], bids: readonly PartnerBid[], minBid: number): boolean {
  const { ranked } = rankBids(candidates, bids, minBid);
  return ranked.length > 1 && ranked[0].bid === ranked[1].bid && ranked[0].priority === ranked[1].priority;
}

/** Why nobody won, for the source's answer and the trace: "no bids", "all bids below 5". */
export function noWinnerReason(bids: readonly PartnerBid[], minBid: number): string {
  const any = bids.some((b) => b.bid !== undefined && b.bid > 0);
  return any ? `all bids below ${minBid}` : 'no bids';
}

/** The quote for an inbound ping: the best bid less the margin, in cents. */
export function quote(best: number, margin: number): number {
  return Math.floor(best * (1 - margin) * 100 + 1e-9) / 100;
}
