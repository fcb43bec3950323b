// Where each accepted lead is kept with its decision, routes and delivery attempts, so
// `GET /v1/leads/{leadId}` can answer and the delivery worker can say how the lead ended.
// Two implementations pass one contract suite (store-contract.ts): memory-store.ts (embedded
// default, one process) and redis-store.ts (one hash per lead, one round trip per write).
// Records expire after a retention period (default 30 days); every write starts it again.
//
// The delivery worker's hot path is two calls per attempt: startDelivery (read the route and
// mark it delivering, in one step) and update (the attempt, the route's new status and the lead's
// new state, in one step). Neither reads the record first.

import type { AttemptRecord, LeadRecord, LeadState, RouteRecord, RouteReturn, RouteState } from './types.ts';

export const DEFAULT_LEAD_RETENTION_MS = 30 * 86_400_000;
/** How long after its save an uncommitted lead may still be committed. */
export const DEFAULT_COMMIT_WINDOW_MS = 10_000;

export interface LeadStoreOptions {
  /** How long a record is kept after its last write (default 30 days). */
  retentionMs?: number;
  /** How long after its save an uncommitted lead may still be committed (default 10 s). */
  commitWindowMs?: number;
}

/**
 * Intake saves a lead with deliveries *uncommitted*, enqueues them, then commits it, and answers
 * 202 only once the commit is stored. A lead that is never committed is refused (aborted): its
 * deliveries are dropped wherever they turn up, so a lead answered 503 is never delivered.
 */
export interface SaveOptions {
  /**
   * Save uncommitted: deliveries wait (startDelivery answers `uncommitted: 'open'`) until commit().
   * The lead can be committed until the commit window after the save ends, or `commitBy` (epoch
   * ms, the store's clock) if earlier; after that it can only be aborted.
   */
  uncommitted?: { commitBy?: number };
}

/** What abort found: `aborted` (now or before) lists the lead's routes, whose caps it held. */
export type AbortOutcome =
  | { outcome: 'aborted'; routes: { partner: string; deliveryId: string }[] }
  | { outcome: 'committed' | 'open' | 'unknown' };

/** One step of a delivery, written at once; every part is optional. */
export interface LeadChange {
  attempt?: AttemptRecord;
  route?: { deliveryId: string; status: RouteState };
  state?: LeadState;
}

/**
 * What startDelivery found. `record: false`: no record (expired or never saved), nothing written.
 * Otherwise `previous` is the route's status before the call (null: the route was not recorded and
 * has been added as delivering).
 */
/** What reopenRoute did: `previous` is the route's ended status, `status` a status that is not ended. */
export type RouteReopening =
  | { outcome: 'reopened'; previous: RouteState }
  | { outcome: 'no-record' }
  | { outcome: 'no-route' }
  | { outcome: 'not-ended'; status: RouteState }
  | { outcome: 'sold'; by: RouteRecord };

/** Route states a delivery ended in without being delivered: only an admin re-send reopens them. */
export const ENDED_ROUTE_STATES: ReadonlySet<RouteState> = new Set(['rejected', 'failed', 'dead-lettered']);
/** Route states that sell a lead, or are about to: another route of a first-match profile in one blocks a re-send. */
export const SELLING_ROUTE_STATES: ReadonlySet<RouteState> = new Set(['queued', 'delivering', 'delivered', 'test-delivered']);

export type RouteReturnOutcome =
  | { outcome: 'returned' }
  | { outcome: 'no-record' }
  | { outcome: 'no-route' }
  | { outcome: 'not-delivered'; status: RouteState };

export type DeliveryStart =
  | { record: false; uncommitted?: 'open' | 'aborted' }
  | { record: true; previous: RouteState | null };

export interface LeadStore {
  /**
   * Write the whole record, replacing any earlier one with the same leadId. The store may keep
   * `record.trace` as it is: the caller does not change it afterwards.
   */
  save(record: LeadRecord, opts?: SaveOptions): Promise<void>;
  /** The record, or null when it was never saved, has expired, or was aborted. */
  get(leadId: string): Promise<LeadRecord | null>;
  /**
   * Commit a lead saved uncommitted (a lead saved committed, or committed before, answers true).
   * False, with the lead aborted, when its deadline passed; false when it was aborted or is unknown.
   */
  commit(leadId: string): Promise<boolean>;
  /**
   * Refuse an uncommitted lead for good (once aborted it is never committed; get answers null).
   * `late`: only once its commit deadline has passed (else `open`, nothing changed): what anyone
   * but the router that saved it must use.
   */
  abort(leadId: string, opts?: { late?: boolean }): Promise<AbortOutcome>;
  /**
   * Leads saved uncommitted more than the commit window ago and perhaps not settled since, oldest
   * first, at most `limit`: for the reconciler, which settles each with abort({ late: true }).
   */
  openLeads(limit: number): Promise<string[]>;
  /**
   * Append a route. A route with the same deliveryId already recorded is left as it is.
   * False when the lead is unknown (a write never brings an expired record back).
   */
  addRoute(leadId: string, route: RouteRecord): Promise<boolean>;
  /** False when the lead or the route is unknown. */
  setRouteStatus(leadId: string, deliveryId: string, status: RouteState): Promise<boolean>;
  /** Append one delivery attempt. False when the lead is unknown. */
  addAttempt(leadId: string, attempt: AttemptRecord): Promise<boolean>;
  /** False when the lead is unknown. */
  setState(leadId: string, state: LeadState): Promise<boolean>;
  /**
   * Apply `change` atomically: append the attempt, set the route's status, set the lead's state.
   * False, with nothing written, when the lead is unknown or `change.route` names an unknown route.
   */
  update(leadId: string, change: LeadChange): Promise<boolean>;
  /**
   * A delivery of `route` begins, in one atomic step: a queued route is marked delivering (and a
   * lead that had settled, rejected or dead-lettered, is pending again); a route not recorded yet
   * is added as delivering. Any other route is left as it is: delivering (a resumed delivery),
   * delivered, and ended (rejected, failed, dead-lettered: only reopenRoute sends those again).
   * An uncommitted lead changes nothing: `uncommitted: 'open'` (wait for its commit) or `'aborted'`
   * (drop the delivery; an open lead past its deadline is aborted here).
   */
  startDelivery(leadId: string, route: RouteRecord): Promise<DeliveryStart>;
  /**
   * An admin re-send, in one atomic step: an ended route (rejected, failed, dead-lettered) is
   * queued again and the lead, unless delivered, is pending again. With `soleSale` (a first-match
   * profile sells a lead once) it is refused while another route of the same profile is
   * delivered or on its way (queued, delivering): `sold` names that route. Nothing is written
   * unless the answer is `reopened`.
   */
  reopenRoute(leadId: string, deliveryId: string, opts: { soleSale: boolean }): Promise<RouteReopening>;
  /**
   * The partner returned a delivered lead, in one atomic step: a `delivered` route becomes
   * `returned`, with `returned`. Any other route is left as it is (`not-delivered` says its status).
   */
  returnRoute(leadId: string, deliveryId: string, returned: RouteReturn): Promise<RouteReturnOutcome>;
  close(): Promise<void>;
}

// The recent-leads index (below), declared apart so the interface above stays as it is.
export interface LeadStore {
  /** The recent leads, newest first, filtered; records that expired are left out. */
  recent(query?: RecentLeadsQuery): Promise<RecentLeads>;
  /** One entry per minute for the `minutes` minutes up to and including the minute of `until`. */
  activity(minutes: number, until: Date): Promise<MinuteActivity[]>;
}

/** Settled states a new delivery of one of its routes makes pending again. */
export const REOPENED_STATES: ReadonlySet<LeadState> = new Set(['rejected', 'dead-lettered']);

// ---- the recent-leads index (the operator console's Leads page and chart) --------------------

/** The index keeps the newest leads: at most this many… */
export const RECENT_LEADS_MAX = 10_000;
/** …and none received more than this long before the newest one. */
export const RECENT_LEADS_MAX_AGE_MS = 7 * 86_400_000;
/** Per-minute activity counts are kept this long. */
export const ACTIVITY_KEEP_MS = 2 * 3_600_000;

export interface RecentLeadsQuery {
  /** Page size (default 50, at most 500). */
  limit?: number;
  /** A `next` cursor from an earlier page: only leads older than it. */
  before?: string;
  entity?: string;
  /** The lead's state (pending, delivered, rejected, dead-lettered, unmatched). */
  status?: LeadState;
  /** Leads with a route to this partner. */
  partner?: string;
}

/** One line of the recent-leads list: no lead fields, no trace. */
export interface LeadSummary {
  leadId: string;
  entity: string;
  /** The lead source that posted it, when recorded. */
  source?: string;
  receivedAt: string;
  test: boolean;
  status: LeadRecord['status'];
  state: LeadState;
  /** Partners of its routes, in route order. */
  partners: string[];
}

export interface RecentLeads {
  /** Newest first. */
  leads: LeadSummary[];
  /** Cursor for the next (older) page; null on the last page. */
  next: string | null;
}

/** Counts of one minute: leads received, delivery attempts accepted, and attempts that were not. */
export interface MinuteActivity {
  /** Start of the minute, ISO. */
  minute: string;
  leads: number;
  delivered: number;
  failed: number;
}


/** Index member: sorts by time, then lead id (`0001741000000000:01J…`). */
export function recentMember(receivedAt: string, leadId: string): string {
  const ms = Date.parse(receivedAt);
  return `${String(Number.isFinite(ms) && ms > 0 ? ms : 0).padStart(13, '0')}:${leadId}`;
}

export function recentLimit(q: RecentLeadsQuery): number {
  return Math.max(1, Math.min(500, Math.floor(q.limit ?? 50)));
}

/** Does a summary pass the query's filters? */
export function matchesRecent(s: LeadSummary, q: RecentLeadsQuery): boolean {
  return (!q.entity || s.entity === q.entity) && (!q.status || s.state === q.status) && (!q.partner || s.partners.includes(q.partner));
}

export const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;

/** The minutes `activity` answers for, oldest first. */
export function activityMinutes(minutes: number, until: Date): number[] {
  const last = minuteOf(until.getTime());
  const n = Math.max(1, Math.min(120, Math.floor(minutes)));
  return Array.from({ length: n }, (_, i) => last - (n - 1 - i) * 60_000);
}
