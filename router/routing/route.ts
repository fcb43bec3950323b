// Route one lead: every enabled profile whose rules match routes it independently; inside a
// profile, first-match takes the best eligible partner whose caps have room (equal priorities
// take turns), send-to-all takes every one. Caps are reserved here, before delivery, so a
// partner never gets more than its cap whatever the number of routers.
import { LeadrouteError } from '../errors.ts';
import type { CapCounter, CapStore, ReserveResult } from '../caps/types.ts';
import { capCountersMemo } from '../caps/windows.ts';
import type { DeliveryJob } from '../delivery-job.ts';
import type { Decision, PartnerTrace, PendingAuction, ProfileTrace, Route } from './types.ts';
import type { CompiledAssignment, CompiledProfile, Snapshot } from './snapshot.ts';
import { partnerEligibility, priorityGroups } from './eligibility.ts';
import { weightedOrder } from './weighted.ts';
import { DEDUPE_LABEL, dedupeCounters } from '../dedupe/counters.ts';
import { BUDGET_LABEL } from '../caps/budget.ts';
import { countersFor, pricedCounters } from './counters.ts';
import { partnerMessage, profileMessage } from './trace-messages.ts';
import { clipFailure, traceView } from './trace-values.ts';

/**
 * live: reserve caps and advance round-robin turns.
 * test: a test lead: routed like a real one (full caps still refuse) but counted in no cap.
 * dry-run: explain: every profile traced (disabled ones too), nothing touched.
 */
export type RouteMode = 'live' | 'test' | 'dry-run';

export interface RouteOptions {
  caps: CapStore;
  now: Date;
  mode: RouteMode;
  capPrefix: string;
  newId: () => string;
  /** The lead the reservations are for: their owner, where the reconciler looks when a lease runs out. */
  leadId?: string;
}

type Lead = Readonly<Record<string, unknown>>;
/** What taking a partner needs of the lead: its values, for the duplicate checks. */
export interface Take {
  lead: Lead;
  dedupeKey: Buffer;
  /** ping-post: the bid the lead is sold at; the route's price, counted by the budgets instead of `price`. */
  price?: number;
}

export async function routeLead(snapshot: Snapshot, entityId: string, lead: Lead, opts: RouteOptions): Promise<Decision> {
  const ce = snapshot.entity(entityId);
  if (!ce) throw new LeadrouteError('UNKNOWN_ENTITY', `unknown entity '${entityId}'`);
  // Explain looks at every profile so the trace says why each one was skipped.
  const dryRun = opts.mode === 'dry-run';
  const profiles = dryRun ? ce.profiles : ce.index.candidates(lead);
  // Rules are explained on a view without encrypted values, so the trace never holds one.
  const seen = traceView(lead, ce.encryptedPaths);
  const take: Take = { lead, dedupeKey: snapshot.dedupeKey };

  const routes: Route[] = [];
  const trace: ProfileTrace[] = [];
  let auctions: PendingAuction[] | undefined;
  try {
    for (const cp of profiles) {
      const pt = profileTrace(cp, seen, dryRun);
      trace.push(pt);
      if (pt.outcome !== 'matched') continue;
      const { traces, eligible } = partnerEligibility(cp, seen, opts.now);
      pt.partners = traces;
      if (cp.profile.strategy === 'send-to-all') {
        for (const e of eligible) {
          const route = await tryTake(cp, e.ca, e.trace, opts, take);
          if (route) routes.push(route);
        }
      } else if (cp.profile.strategy === 'ping-post') {
        // Who is pinged, and who wins, is ping-post.ts's (routeWithAuctions, settleAuctions).
        (auctions ??= []).push({ profile: cp.profile.id, candidates: eligible, lead });
      } else {
        const route = await takeFirst(entityId, cp, eligible, opts, take);
        if (route) routes.push(route);
      }
      pt.message = profileMessage(pt);
    }
  } catch (err) {
    await releaseRoutes(routes, opts.caps);
    if (err instanceof LeadrouteError) throw err;
    throw new LeadrouteError('UNAVAILABLE', 'cap store unavailable: the lead cannot be counted safely', undefined, { cause: err });
  }
  const decision: Decision = { entity: entityId, status: routes.length ? 'routed' : 'unmatched', routes, trace };
  if (auctions) decision.auctions = auctions;
  return decision;
}

/**
 * The waterfall: after `job` was rejected or failed for good, offer the lead to the next
 * eligible partner of the same first-match profile, re-checking caps. Null when none is left.
 */
export async function nextRoute(
  snapshot: Snapshot,
  job: DeliveryJob,
  opts: Omit<RouteOptions, 'mode'>,
): Promise<DeliveryJob | null> {
  const cp = snapshot.profile(job.entity, job.profile);
  if (!cp || cp.profile.strategy !== 'first-match' || !cp.profile.enabled) return null;
  const tried = [...job.tried, job.partner];
  const { eligible } = partnerEligibility(cp, job.lead, opts.now, new Set(tried));
  const route = await takeFirst(job.entity, cp, eligible, { ...opts, mode: job.test ? 'test' : 'live', leadId: job.leadId }, { lead: job.lead, dedupeKey: snapshot.dedupeKey });
  return route ? nextJob(job, route, tried) : null;
}

/** The job of the route the waterfall took after `job`, with the partners tried so far. */
export function nextJob(job: DeliveryJob, route: Route, tried: string[]): DeliveryJob {
  return {
    ...job,
    deliveryId: route.deliveryId,
    partner: route.partner,
    priority: route.priority,
    price: route.price,
    reservationId: route.reservationId,
    tried,
  };
}

/** One turn counter per profile and priority level, shared by every router through the cap store. */
export function turnKey(entityId: string, profileId: string, priority: number): string {
  return `${entityId}:${profileId}:${priority}`;
}

export type ReserveAgain = { ok: true; reservationId?: string } | { ok: false; blocked: { label: string; limit: number; used: number } };

/**
 * An admin re-send of a dead letter: reserve `job`'s caps again (its assignment's, else its
 * partner's own when the profile no longer has it), under a fresh reservation id. A test lead
 * counts in no cap. `blocked` names the full counter; nothing is reserved then.
 */
export async function reserveAgain(
  snapshot: Snapshot,
  job: DeliveryJob,
  opts: Omit<RouteOptions, 'mode'>,
): Promise<ReserveAgain> {
  if (job.test) return { ok: true };
  const cp = snapshot.profile(job.entity, job.profile);
  const ca = cp?.assignments.find((a) => a.partner.id === job.partner);
  let counters: readonly CapCounter[] = [];
  if (cp && ca) {
    // The duplicate check is taken again with the caps: the failed delivery gave both back.
    counters = [
      ...countersFor(cp, ca, opts),
      ...dedupeCounters(ca.dedupe, ca.partner.id, { prefix: opts.capPrefix, key: snapshot.dedupeKey, now: opts.now.getTime() }, job.lead),
    ];
  }
  else {
    const partner = snapshot.config.partners.get(job.partner);
    if (partner?.caps) {
      const timezone = partner.timezone ?? snapshot.config.entities.get(job.entity)?.timezone ?? 'UTC';
      counters = capCountersMemo({ partner: partner.id, timezone, scope: 'partner', caps: partner.caps })(opts.capPrefix, opts.now);
    }
  }
  if (counters.length === 0) return { ok: true };
  const reservationId = opts.newId();
  // No owner, so not leased: this reservation's id is no route of the lead the reconciler could find.
  const r = await opts.caps.reserve(reservationId, counters);
  const blocked = r.ok ? null : r.blocked;
  return blocked ? { ok: false, blocked } : { ok: true, reservationId };
}

/** Give back every reservation of a decision (when the lead cannot be recorded after all). */
export async function releaseRoutes(routes: readonly Route[], caps: CapStore): Promise<void> {
  await Promise.allSettled(routes.filter((r) => r.reservationId).map((r) => caps.release(r.reservationId!, r.partner)));
}

/**
 * `explain`: say which condition failed (dry runs). Live routing and test leads skip that: the
 * index hands them only candidate profiles, and building English for each one that misses is
 * most of what a decision would cost with thousands of profiles.
 */
function profileTrace(cp: CompiledProfile, lead: Lead, explain: boolean): ProfileTrace {
  // Object literals, not `{ ...base, … }`: spreading costs V8 about a microsecond per trace here.
  const { id: profile, name, strategy } = cp.profile;
  let pt: ProfileTrace;
  if (!cp.profile.enabled) {
    pt = { profile, name, strategy, partners: [], outcome: 'skipped', reason: 'disabled', message: '' };
  } else if (cp.rules.test(lead)) {
    pt = { profile, name, strategy, partners: [], outcome: 'matched', message: '' };
  } else if (!explain) {
    pt = { profile, name, strategy, partners: [], outcome: 'skipped', reason: 'rules', message: '' };
  } else {
    pt = { profile, name, strategy, partners: [], outcome: 'skipped', reason: 'rules', failed: clipFailure(cp.rules.explain(lead)), message: '' };
  }
  pt.message = profileMessage(pt);
  return pt;
}

async function takeFirst(
  entityId: string,
  cp: CompiledProfile,
  eligible: { ca: CompiledAssignment; trace: PartnerTrace }[],
  opts: RouteOptions,
  take: Take,
): Promise<Route | null> {
  for (const group of priorityGroups(eligible)) {
    let turn = 0;
    if (group.length > 1 && opts.mode === 'live') {
      turn = await opts.caps.nextTurn(turnKey(entityId, cp.profile.id, group[0].ca.assignment.priority));
    }
    for (const e of weightedOrder(group, group.map((e) => e.ca.weight), turn)) {
      const route = await tryTake(cp, e.ca, e.trace, opts, take);
      if (route) {
        for (const other of eligible) {
          if (other.trace.outcome === 'eligible') {
            other.trace.reason = 'not-chosen';
            other.trace.message = partnerMessage(other.trace, route.partner);
          }
        }
        return route;
      }
    }
  }
  return null;
}

/** Take one partner if its caps have room: reserve (live) or look (test, dry-run). */
/**
 * Take one partner if its caps have room and it was not sold this consumer before: reserve
 * (live) or look (dry-run). Test leads look at caps only: they neither check nor record duplicates.
 */
export async function tryTake(cp: CompiledProfile, ca: CompiledAssignment, trace: PartnerTrace, opts: RouteOptions, take: Take): Promise<Route | null> {
  const caps = take.price === undefined ? countersFor(cp, ca, opts) : pricedCounters(cp, ca, opts, take.price);
  const counters = ca.dedupe.length && opts.mode !== 'test'
    ? [...caps, ...dedupeCounters(ca.dedupe, ca.partner.id, { prefix: opts.capPrefix, key: take.dedupeKey, now: opts.now.getTime() }, take.lead)]
    : caps;
  const deliveryId = opts.newId();
  let reservationId: string | undefined;
  let leaseUntil: number | undefined;
  if (counters.length) {
    let blocked: Blocked | null;
    if (opts.mode === 'live') {
      const r = await opts.caps.reserve(deliveryId, counters, { owner: opts.leadId });
      blocked = r.ok ? null : r.blocked;
      if (r.ok) leaseUntil = r.leaseUntil;
    } else {
      blocked = await peekFull(opts.caps, counters);
    }
    if (blocked) {
      trace.outcome = 'skipped';
      if (blocked.label.startsWith(DEDUPE_LABEL)) {
        trace.reason = 'duplicate';
        trace.cap = { ...blocked, label: blocked.label.slice(DEDUPE_LABEL.length) };
      } else if (blocked.label.startsWith(BUDGET_LABEL)) {
        // Spend is counted in hundredths: the trace speaks in price units.
        trace.reason = 'budget';
        trace.cap = { label: blocked.label.slice(BUDGET_LABEL.length), limit: blocked.limit / 100, used: blocked.used / 100 };
        trace.price = take.price ?? ca.assignment.price;
      } else {
        trace.reason = 'cap';
        trace.cap = blocked;
      }
      trace.message = partnerMessage(trace);
      return null;
    }
    if (opts.mode === 'live') reservationId = deliveryId;
  }
  trace.outcome = 'selected';
  trace.message = partnerMessage(trace);
  const route: Route = { profile: cp.profile.id, partner: ca.partner.id, priority: ca.assignment.priority, deliveryId };
  const price = take.price ?? ca.assignment.price;
  if (price !== undefined) route.price = price;
  if (reservationId) route.reservationId = reservationId;
  if (leaseUntil !== undefined) route.leaseUntil = leaseUntil;
  return route;
}

type Blocked = Extract<ReserveResult, { ok: false }>['blocked'];

async function peekFull(caps: CapStore, counters: readonly CapCounter[]): Promise<Blocked | null> {
  const used = await caps.peek(counters.map((c) => c.key));
  const i = counters.findIndex((c, k) => used[k] + (c.amount ?? 1) > c.limit);
  return i < 0 ? null : { label: counters[i].label, limit: counters[i].limit, used: used[i] };
}
