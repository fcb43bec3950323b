// Lead intake after the HTTP checks: route the lead (caps reserved, leased), record it
// uncommitted, enqueue its deliveries, commit it. 202 only once the commit is stored; anything less
// refuses the lead, gives the caps back and is a 503: a lead is never accepted and then lost, and
// a lead answered 503 is never delivered (deliveries of a lead never committed are dropped, even
// when they reached the queue after the router stopped waiting for them).
import { LeadrouteError } from '../errors.ts';
import type { DeliveryJob } from '../delivery-job.ts';
import { commitOrRefuse, refuse } from '../leads/commit.ts';
import type { LeadRecord } from '../leads/types.ts';
import { idsOnly, stripEncrypted } from '../observability/logger.ts';
import { releaseRoutes } from '../routing/route.ts';
import { routeWithAuctions } from '../routing/ping-post.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { Decision, Route } from '../routing/types.ts';
import { fingerprints } from '../dedupe/fingerprint.ts';
import type { AppDeps } from './deps.ts';
import { HTTP_STATUS } from './errors.ts';
import type { PingRecord } from '../auction/bid-store.ts';
import { defaultAuctionDeps, sellAtAuction, unmatchedReason } from '../auction/sell.ts';
import type { AuctionRecord } from '../leads/types.ts';

export interface LeadInput {
  snapshot: Snapshot;
  entityId: string;
  /** Checked against the entity, undefined fields dropped. */
  lead: Record<string, unknown>;
  test: boolean;
  encryptedPaths: readonly string[];
  /** The name of the source that posted the lead (it owns the record). */
  source: string;
  /** ping-post: the inbound ping the lead is posted on (checked and claimed): its bids, no second auction. */
  ping?: PingRecord;
}

/** The 202 body. */
export interface AcceptedLead {
  leadId: string;
  status: Decision['status'];
  routes: { profile: string; partner: string; status: 'queued'; price?: number }[];
  /** ping-post, unmatched: why ("no bids", "all bids below 5"). */
  reason?: string;
}

export async function acceptLead(deps: AppDeps, input: LeadInput): Promise<AcceptedLead> {
  const { snapshot, entityId, lead, test, encryptedPaths, source } = input;
  const m = deps.metrics;
  const log = deps.logger;
  // Back-pressure before anything is reserved: a refused lead leaves no trace.
  const admitted = deps.queue.admit?.() ?? true;
  if (admitted !== true && !(await admitted)) {
    throw new LeadrouteError('UNAVAILABLE', 'deliveries are running behind: the lead was not accepted; retry shortly');
  }
  const now = deps.now();
  const leadId = deps.newId();
  const duplicate = await claimConsumer(deps, snapshot, entityId, lead, test, leadId);
  const routeOpts = { caps: deps.caps, now, mode: test ? 'test' as const : 'live' as const, capPrefix: deps.capPrefix, newId: deps.newId, leadId };
  let decision: Decision;
  try {
    decision = await routeWithAuctions(snapshot, entityId, lead, routeOpts);
  } catch (err) {
    await duplicate?.release();
    throw err;
  }
  // ping-post profiles: the auction runs here, after the other profiles' caps are reserved.
  let auctions: AuctionRecord[] | undefined;
  const pingId = input.ping?.pingId ?? (decision.auctions?.length ? deps.newId() : undefined);
  if (decision.auctions?.length && pingId) {
    try {
      auctions = await sellAtAuction(deps.auction ?? defaultAuctionDeps(), { snapshot, decision, lead, test, pingId, ping: input.ping, route: routeOpts });
    } catch (err) {
      await releaseRoutes(decision.routes, deps.caps);
      await duplicate?.release();
      if (err instanceof LeadrouteError) throw err;
      throw new LeadrouteError('UNAVAILABLE', 'cap store unavailable: the lead cannot be counted safely', undefined, { cause: err });
    }
  }
  const receivedAt = now.toISOString();
  const record: LeadRecord = {
    leadId,
    entity: entityId,
    source,
    receivedAt,
    test,
    status: decision.status,
    state: decision.status === 'routed' ? 'pending' : 'unmatched',
    routes: decision.routes.map((r) => ({
      profile: r.profile, partner: r.partner, deliveryId: r.deliveryId, status: 'queued' as const,
      ...(r.price !== undefined ? { price: r.price } : {}),
    })),
    attempts: [],
    trace: decision.trace,
    ...(auctions ? { pingId, auctions } : {}),
  };
  const jobs: DeliveryJob[] = decision.routes.map((r) => ({
    deliveryId: r.deliveryId,
    leadId,
    entity: entityId,
    profile: r.profile,
    partner: r.partner,
    priority: r.priority,
    ...(r.price !== undefined ? { price: r.price } : {}),
    ...(r.reservationId ? { reservationId: r.reservationId } : {}),
    test,
    receivedAt,
    lead,
    tried: [],
    ...(r.bids ? { pingId, bids: r.bids } : {}),
  }));

  let committed: boolean | 'unknown' = false;
  let cause: unknown;
  try {
    if (jobs.length === 0) {
      await deps.leads.save(record);
      committed = true;
    } else {
      // Recorded first: a delivery never runs for a lead the router cannot show.
      await deps.leads.save(record, { uncommitted: { commitBy: commitDeadline(decision.routes) } });
      await deps.queue.enqueue(jobs);
      committed = await commitOrRefuse(deps.leads, leadId);
    }
  } catch (err) {
    cause = err;
    // No commit was sent, so the lead can never be committed: the 503 need not wait for this.
    if (jobs.length) void refuse(deps.leads, leadId);
  }
  if (committed !== true) {
    if (committed === 'unknown') {
      // Its caps stay leased: the reconciler keeps them if the commit landed, else gives them back.
      log.error({ leadId }, 'the lead\'s commit was sent but not confirmed: answered 503, and it may still be delivered');
    } else {
      await releaseRoutes(decision.routes, deps.caps);
    }
    await duplicate?.release();
    // The lead's own fault (the queue cannot store it): its 4xx, not a retry invitation.
    if (cause instanceof LeadrouteError && HTTP_STATUS[cause.code] < 500) throw cause;
    throw new LeadrouteError('UNAVAILABLE', 'the lead could not be recorded safely and was not accepted; retry later', undefined, { cause });
  }

  m.leadsReceived.inc({ entity: entityId, outcome: test ? 'test' : decision.status });
  for (const r of decision.routes) m.routes.inc({ profile: r.profile, partner: r.partner });
  for (const pt of decision.trace) {
    for (const p of pt.partners) {
      if (p.reason === 'cap') m.capRefusals.inc({ partner: p.partner });
      else if (p.reason === 'duplicate') m.duplicateSkips.inc({ partner: p.partner });
    }
  }
  // The one info line per lead: ids and names only, so it skips the redaction walk.
  idsOnly(log, 'info')?.info({
    leadId, entity: entityId, source, test, status: decision.status,
    routes: decision.routes.map((r) => `${r.profile}/${r.partner}`),
    ...(auctions ? { pingId } : {}),
  }, 'lead accepted');
  if (log.isLevelEnabled('debug')) log.debug({ leadId, lead: stripEncrypted(lead, encryptedPaths) }, 'lead fields');

  const reason = decision.status === 'unmatched' && auctions ? unmatchedReason(auctions) : undefined;
  return {
    leadId,
    status: decision.status,
    routes: decision.routes.map((r) => ({
      profile: r.profile, partner: r.partner, status: 'queued' as const, ...(r.bids && r.price !== undefined ? { price: r.price } : {}),
    })),
    ...(reason !== undefined ? { reason } : {}),
  };
}

/**
 * The entity's `duplicates` check (live leads only): claim the consumer's hashes for this lead, or
 * refuse it with 409 DUPLICATE naming the first lead. The claim is given back when the lead is not
 * accepted after all (503), so the source's retry is not taken for a duplicate of itself.
 */
async function claimConsumer(
  deps: AppDeps, snapshot: Snapshot, entityId: string, lead: Record<string, unknown>, test: boolean, leadId: string,
): Promise<{ release(): Promise<void> } | null> {
  const rule = snapshot.entity(entityId)?.duplicates;
  if (!rule || test || !deps.duplicates) return null;
  const store = deps.duplicates;
  const found = fingerprints(snapshot.dedupeKey, rule, lead);
  if (found.length === 0) return null;
  const hashes = found.map((f) => f.hash);
  let first: string | null;
  try {
    first = await store.claim(entityId, hashes, leadId, rule.windowMs);
  } catch (err) {
    throw new LeadrouteError('UNAVAILABLE', 'the duplicate check could not be made; retry later', undefined, { cause: err });
  }
  if (first !== null) {
    deps.metrics.leadsReceived.inc({ entity: entityId, outcome: 'duplicate' });
    throw new LeadrouteError('DUPLICATE', `a lead with the same ${rule.fields.map((f) => f.name).join(' or ')} was accepted within ${rule.window}`, { leadId: first });
  }
  return { release: () => store.release(entityId, hashes, leadId).catch(() => undefined) };
}

/**
 * Margin between the last moment a lead may be committed and the first moment the reconciler may
 * give back one of its reservations (their lease end, on the same clock).
 */
const LEASE_MARGIN_MS = 1000;

/** The lead must be committed before the first of its cap leases runs out. */
function commitDeadline(routes: readonly Route[]): number | undefined {
  let at: number | undefined;
  for (const r of routes) if (r.leaseUntil !== undefined) at = Math.min(at ?? Infinity, r.leaseUntil - LEASE_MARGIN_MS);
  return at;
}
