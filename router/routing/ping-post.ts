// ping-post in routing: before the auction, which partners are pinged (eligible, with ping
// settings, caps not full); after it, who gets the lead: the bids ranked (auction.ts, pure), the
// best whose caps still have room reserved, exactly as first-match reserves. The pings are I/O and
// run in between, outside routing (router/auction/, called by the intake).
import type { DeliveryJob } from '../delivery-job.ts';
import { needsTurn, noWinnerReason, rankBids, type PartnerBid } from './auction.ts';
import { partnerEligibility } from './eligibility.ts';
import { nextJob, nextRoute, releaseRoutes, routeLead, tryTake, turnKey, type RouteOptions, type Take } from './route.ts';
import { LeadrouteError } from '../errors.ts';
import type { CompiledAssignment, CompiledProfile, Snapshot } from './snapshot.ts';
import { partnerMessage, profileMessage } from './trace-messages.ts';
import type { Decision, PartnerTrace, PendingAuction, Route } from './types.ts';

/**
 * routeLead, then, for each matched ping-post profile, the partners to ping: the decision's
 * pending auctions, to be settled (settleAuctions) once the bids are in.
 */
export async function routeWithAuctions(snapshot: Snapshot, entityId: string, lead: Readonly<Record<string, unknown>>, opts: RouteOptions): Promise<Decision> {
  const decision = await routeLead(snapshot, entityId, lead, opts);
  if (!decision.auctions?.length) return decision;
  const take: Take = { lead, dedupeKey: snapshot.dedupeKey };
  try {
    for (const a of decision.auctions) {
      const cp = snapshot.profile(entityId, a.profile);
      a.candidates = cp ? await auctionCandidates(cp, a.candidates, opts, take) : [];
    }
  } catch (err) {
    await releaseRoutes(decision.routes, opts.caps);
    if (err instanceof LeadrouteError) throw err;
    throw new LeadrouteError('UNAVAILABLE', 'cap store unavailable: the lead cannot be counted safely', undefined, { cause: err });
  }
  return decision;
}

/** The waterfall for any profile: down the bids for ping-post, else nextRoute's next partner. */
export async function nextOffer(snapshot: Snapshot, job: DeliveryJob, opts: Omit<RouteOptions, 'mode'>): Promise<DeliveryJob | null> {
  const cp = snapshot.profile(job.entity, job.profile);
  if (cp?.profile.strategy === 'ping-post') return nextBidder(cp, job, opts, { lead: job.lead, dedupeKey: snapshot.dedupeKey });
  return nextRoute(snapshot, job, opts);
}

/**
 * The partners of a matched ping-post profile that get a ping; the trace says why the others do
 * not. A partner whose cap is full, or that bought this consumer already, is not asked for a bid
 * it could not honour: its caps are looked at (not reserved) as a dry run looks at them.
 */
async function auctionCandidates(
  cp: CompiledProfile,
  eligible: readonly { ca: CompiledAssignment; trace: PartnerTrace }[],
  opts: RouteOptions,
  take: Take,
): Promise<PendingAuction['candidates']> {
  const out: PendingAuction['candidates'] = [];
  const look: RouteOptions = { ...opts, mode: opts.mode === 'test' ? 'test' : 'dry-run' };
  for (const e of eligible) {
    if (!e.ca.ping) {
      skip(e.trace, 'no-ping');
      continue;
    }
    if (!(await tryTake(cp, e.ca, e.trace, look, take))) continue; // the trace says: cap, duplicate
    e.trace.outcome = 'eligible';
    e.trace.message = partnerMessage(e.trace);
    out.push(e);
  }
  return out;
}

function skip(trace: PartnerTrace, reason: PartnerTrace['reason']): void {
  trace.outcome = 'skipped';
  trace.reason = reason;
  trace.message = partnerMessage(trace);
}

/**
 * Settle every pending auction of `decision` with its bids (by profile id): the best bid whose caps
 * have room wins the lead (its route priced at the bid, carrying the ranked bids for the waterfall).
 * Updates the decision in place: routes (in profile order), traces, status.
 */
export async function settleAuctions(
  snapshot: Snapshot,
  decision: Decision,
  bidsByProfile: ReadonlyMap<string, readonly PartnerBid[]>,
  opts: RouteOptions & { pingId?: string },
): Promise<Decision> {
  for (const pending of decision.auctions ?? []) {
    const cp = snapshot.profile(decision.entity, pending.profile);
    const pt = decision.trace.find((t) => t.profile === pending.profile);
    if (!cp || !pt) continue;
    const take = { lead: pending.lead, dedupeKey: snapshot.dedupeKey };
    const { route, outcome } = await settleOne(decision.entity, cp, pending, bidsByProfile.get(pending.profile) ?? [], opts, take);
    pt.auction = outcome;
    pt.message = profileMessage(pt);
    if (route) decision.routes.push(route);
  }
  // Routes in profile (file) order, as routeLead makes them.
  const order = new Map(decision.trace.map((t, i) => [t.profile, i]));
  decision.routes.sort((a, b) => (order.get(a.profile) ?? 0) - (order.get(b.profile) ?? 0));
  decision.status = decision.routes.length ? 'routed' : 'unmatched';
  return decision;
}

async function settleOne(
  entityId: string,
  cp: CompiledProfile,
  pending: PendingAuction,
  bids: readonly PartnerBid[],
  opts: RouteOptions,
  take: Take,
): Promise<{ route: Route | null; outcome: string }> {
  const minBid = cp.auction?.minBid ?? 0;
  const byPartner = new Map(bids.map((b) => [b.partner, b]));
  const who = pending.candidates.map((c) => ({ partner: c.ca.partner.id, priority: c.ca.assignment.priority }));
  let turn = 0;
  if (opts.mode === 'live' && needsTurn(who, bids, minBid)) {
    const best = rankBids(who, bids, minBid).ranked[0];
    turn = await opts.caps.nextTurn(turnKey(entityId, cp.profile.id, best.priority));
  }
  const { ranked } = rankBids(who, bids, minBid, turn);

  for (const c of pending.candidates) {
    const b = byPartner.get(c.ca.partner.id);
    if (b?.bid !== undefined && b.bid > 0) {
      c.trace.bid = b.bid;
      if (b.bid < minBid) {
        c.trace.minBid = minBid;
        skip(c.trace, 'below-min');
      }
    } else {
      c.trace.noBid = b?.noBid ?? 'no answer';
      skip(c.trace, 'no-bid');
    }
  }

  const byId = new Map(pending.candidates.map((c) => [c.ca.partner.id, c]));
  for (const r of ranked) {
    const c = byId.get(r.partner)!;
    const route = await tryTake(cp, c.ca, c.trace, opts, { ...take, price: r.bid });
    if (!route) continue; // its cap filled since it was pinged (or a duplicate got there first): the next bid
    route.bids = ranked;
    c.trace.message = partnerMessage(c.trace);
    for (const other of ranked) {
      const t = byId.get(other.partner)!.trace;
      if (t.outcome === 'eligible') {
        t.reason = 'outbid';
        t.message = partnerMessage(t, route.partner);
      }
    }
    return { route, outcome: `won by ${route.partner} at ${r.bid}` };
  }
  if (pending.candidates.length === 0) return { route: null, outcome: 'not run: no partner to ping' };
  if (ranked.length) return { route: null, outcome: 'lost: every bidder\'s caps or budget were full when the lead was reserved' };
  return { route: null, outcome: noWinnerReason(bids, minBid) };
}

/**
 * The ping-post waterfall: after `job` was rejected or failed for good, the next-highest bid of
 * the same auction (carried by the job, no second auction) whose partner is still eligible and
 * has room in its caps. Null when no bid is left.
 */
async function nextBidder(
  cp: CompiledProfile,
  job: DeliveryJob,
  opts: Omit<RouteOptions, 'mode'>,
  take: Take,
): Promise<DeliveryJob | null> {
  if (!cp.profile.enabled || !job.bids) return null;
  const tried = [...job.tried, job.partner];
  const { eligible } = partnerEligibility(cp, job.lead, opts.now, new Set(tried));
  const byPartner = new Map(eligible.map((e) => [e.ca.partner.id, e]));
  const mode = job.test ? 'test' : 'live';
  for (const b of job.bids) {
    const e = byPartner.get(b.partner);
    if (!e) continue;
    const route = await tryTake(cp, e.ca, e.trace, { ...opts, mode, leadId: job.leadId }, { ...take, price: b.bid });
    if (route) return nextJob(job, route, tried);
  }
  return null;
}

/**
 * Bids with no network (explain, routing tests): each candidate bids what `bids` says; a partner
 * left out, or every partner when there is no map, does not bid.
 */
export function simulatedBids(decision: Decision, bids?: Readonly<Record<string, number>>): Map<string, PartnerBid[]> {
  const out = new Map<string, PartnerBid[]>();
  for (const a of decision.auctions ?? []) {
    out.set(a.profile, a.candidates.map(({ ca }): PartnerBid => {
      const partner = ca.partner.id;
      if (!bids) return { partner, noBid: 'not pinged: a dry run sends nothing' };
      const bid = bids[partner];
      if (bid === undefined) return { partner, noBid: 'no bid given for it' };
      return bid > 0 ? { partner, bid } : { partner, noBid: `declined (bid ${bid})` };
    }));
  }
  return out;
}
