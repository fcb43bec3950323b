// Inbound pings: a source asks what a lead is worth before it posts it. `POST /v1/pings/{entity}`
// runs the auction on the fields it sends (nothing reserved, no lead created) and quotes the best
// bid less the profile's margin; the bids are kept under the pingId until the quote expires, and
// `POST /v1/leads/{entity}` with that pingId sells the lead to those bidders (no second auction).
import { LeadrouteError, type FieldError } from '../errors.ts';
import { checkLead, definedFields } from '../leads/check-lead.ts';
import type { CompiledEntity, Snapshot } from '../routing/snapshot.ts';
import { noWinnerReason, quote, rankBids, type PartnerBid } from '../routing/auction.ts';
import type { RouteOptions } from '../routing/route.ts';
import { routeWithAuctions } from '../routing/ping-post.ts';
import type { PingRecord } from './bid-store.ts';
import type { AuctionDeps } from './sell.ts';

/** Records outlive their quote by this much, so a late post hears "expired", not "unknown". */
const KEEP_AFTER_EXPIRY_MS = 10 * 60_000;

export interface PingQuote {
  pingId: string;
  /** The best bid less the margin; 0 when nobody bid enough. */
  bid: number;
  expiresAt: string;
  /** When bid is 0: why ("no bids", "all bids below 5", "no ping-post profile takes this lead"). */
  reason?: string;
}

/** The ping's fields, checked like a lead's except that none is required; encrypted ones are dropped, never kept. */
export function pingFields(ce: CompiledEntity, body: Record<string, unknown>): Record<string, unknown> {
  const errors: FieldError[] = checkLead(ce.entity, body).filter((e) => e.code !== 'required');
  if (errors.length) {
    throw new LeadrouteError('INVALID_LEAD', `the ping breaks the definition of entity '${ce.entity.id}' (${errors.length} field error${errors.length === 1 ? '' : 's'})`, { fields: errors });
  }
  const { lead } = definedFields(ce.entity, body);
  for (const path of ce.encryptedPaths) deletePath(lead, path);
  return lead;
}

function deletePath(obj: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let at: unknown = obj;
  for (const p of parts.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[p] : undefined;
  if (at && typeof at === 'object') delete (at as Record<string, unknown>)[parts[parts.length - 1]];
}

export async function quotePing(
  auction: AuctionDeps,
  input: { snapshot: Snapshot; entityId: string; fields: Record<string, unknown>; test: boolean; source: string; route: Omit<RouteOptions, 'mode'> },
): Promise<PingQuote> {
  const { snapshot, entityId, fields, test, source } = input;
  // A quote reserves nothing and advances no turn: routed as a test lead.
  const decision = await routeWithAuctions(snapshot, entityId, fields, { ...input.route, mode: 'test' });
  const pending = decision.auctions ?? [];
  const pingId = input.route.newId();
  const bids = pending.length ? await auction.runner.run({ snapshot, entity: entityId, pingId, test, lead: fields, auctions: pending }) : new Map<string, PartnerBid[]>();

  let best = 0;
  const all: PartnerBid[] = [];
  let floor = 0;
  for (const a of pending) {
    const cp = snapshot.profile(entityId, a.profile);
    const mine = bids.get(a.profile) ?? [];
    all.push(...mine);
    floor = Math.max(floor, cp?.auction?.minBid ?? 0);
    const who = a.candidates.map((c) => ({ partner: c.ca.partner.id, priority: c.ca.assignment.priority }));
    const top = rankBids(who, mine, cp?.auction?.minBid ?? 0).ranked[0];
    if (top) best = Math.max(best, quote(top.bid, cp?.auction?.margin ?? 0));
  }
  const expiresAt = new Date(input.route.now.getTime() + auction.pingTtlMs).toISOString();
  const record: PingRecord = { pingId, entity: entityId, source, test, fields, expiresAt, quote: best, auctions: Object.fromEntries(bids) };
  await auction.bids.save(record, auction.pingTtlMs + KEEP_AFTER_EXPIRY_MS);
  const answer: PingQuote = { pingId, bid: best, expiresAt };
  if (best === 0) answer.reason = pending.length ? noWinnerReason(all, floor) : 'no ping-post profile takes this lead';
  return answer;
}

/**
 * The ping a lead is posted on, checked (this source's, not expired, same entity, test flag and
 * fields) and claimed, so that a second post of the same ping is refused. The caller gives the
 * claim back (`bids.unclaim`) when the lead is not accepted after all.
 */
export async function claimPing(
  auction: AuctionDeps,
  input: { pingId: string; entityId: string; lead: Readonly<Record<string, unknown>>; test: boolean; source: string; now: Date },
): Promise<PingRecord> {
  const { pingId } = input;
  const record = await auction.bids.get(pingId);
  if (!record || record.source !== input.source) {
    throw new LeadrouteError('PING_NOT_FOUND', `no ping '${pingId}' (unknown, or expired long ago): ping again`, { pingId });
  }
  const mismatched: string[] = [];
  if (record.entity !== input.entityId) mismatched.push(`entity (pinged as ${record.entity})`);
  if (record.test !== input.test) mismatched.push('X-Lead-Test');
  for (const [name, value] of Object.entries(record.fields)) {
    if (JSON.stringify(input.lead[name]) !== JSON.stringify(value)) mismatched.push(name);
  }
  if (mismatched.length) {
    throw new LeadrouteError('PING_MISMATCH', `the lead does not agree with its ping on ${mismatched.join(', ')}: post the lead that was pinged, or ping again`, { pingId, fields: mismatched });
  }
  if (input.now.getTime() > Date.parse(record.expiresAt)) {
    throw new LeadrouteError('PING_EXPIRED', `ping '${pingId}' expired at ${record.expiresAt}: ping again`, { pingId, expiresAt: record.expiresAt });
  }
  if (!(await auction.bids.claim(pingId, Date.parse(record.expiresAt) - input.now.getTime() + KEEP_AFTER_EXPIRY_MS))) {
    throw new LeadrouteError('PING_ALREADY_POSTED', `a lead was posted with ping '${pingId}' already`, { pingId });
  }
  return record;
}
