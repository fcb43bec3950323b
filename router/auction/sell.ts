// The intake's side of ping-post: sell a lead whose decision has pending auctions (run the pings,
// or take the bids stored by an inbound ping), settle them through routing, and say how each
// auction ended for the lead's record.
import type { AuctionRecord } from '../leads/types.ts';
import type { PartnerBid } from '../routing/auction.ts';
import { settleAuctions } from '../routing/ping-post.ts';
import type { RouteOptions } from '../routing/route.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { Decision } from '../routing/types.ts';
import { createMemoryBidStore, type BidStore, type PingRecord } from './bid-store.ts';
import type { AuctionMetrics } from './metrics.ts';
import { createPingClient } from './ping-client.ts';
import { createAuctionRunner, type AuctionRunner } from './run-auction.ts';

export interface AuctionDeps {
  runner: AuctionRunner;
  bids: BidStore;
  metrics?: AuctionMetrics;
  /** How long an inbound ping's quote holds (PING_TTL_SECONDS). */
  pingTtlMs: number;
}

const DEFAULT_PING_TTL_MS = 120_000;

let fallback: AuctionDeps | undefined;
/** For an app wired without auction parts (tests of other features): in memory, its own client. */
export function defaultAuctionDeps(): AuctionDeps {
  fallback ??= { runner: createAuctionRunner({ client: createPingClient() }), bids: createMemoryBidStore(), pingTtlMs: DEFAULT_PING_TTL_MS };
  return fallback;
}

export interface SellInput {
  snapshot: Snapshot;
  decision: Decision;
  lead: Readonly<Record<string, unknown>>;
  test: boolean;
  pingId: string;
  /** The inbound ping the lead was posted with: its bids, no second auction. */
  ping?: PingRecord;
  route: RouteOptions;
}

/** Settle the decision's auctions in place; what each one came to, for the record. */
export async function sellAtAuction(deps: AuctionDeps, input: SellInput): Promise<AuctionRecord[]> {
  const { snapshot, decision, lead, test, pingId, ping } = input;
  const pending = decision.auctions ?? [];
  const bids = ping
    ? storedBids(decision, ping)
    : await deps.runner.run({ snapshot, entity: decision.entity, pingId, test, lead, auctions: pending });
  await settleAuctions(snapshot, decision, bids, input.route);
  for (const r of decision.routes) if (r.bids) deps.metrics?.wins.inc({ profile: r.profile, partner: r.partner });
  return pending.map((a) => ({
    profile: a.profile,
    outcome: decision.trace.find((t) => t.profile === a.profile)?.auction ?? '',
    bids: bids.get(a.profile) ?? [],
  }));
}

/** The ping's answers for the partners eligible now; one eligible now but not pinged then has no bid. */
function storedBids(decision: Decision, ping: PingRecord): Map<string, PartnerBid[]> {
  const out = new Map<string, PartnerBid[]>();
  for (const a of decision.auctions ?? []) {
    const stored = new Map((ping.auctions[a.profile] ?? []).map((b) => [b.partner, b]));
    out.set(a.profile, a.candidates.map(({ ca }) => stored.get(ca.partner.id) ?? { partner: ca.partner.id, noBid: 'not pinged with this pingId' }));
  }
  return out;
}

/** Why a lead sold at auction was not routed, for the source: "tier1: no bids". */
export function unmatchedReason(auctions: readonly AuctionRecord[]): string | undefined {
  if (!auctions.length) return undefined;
  if (auctions.length === 1) return auctions[0].outcome;
  return auctions.map((a) => `${a.profile}: ${a.outcome}`).join('; ');
}

