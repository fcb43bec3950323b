// Where each accepted lead is kept with its decision, routes and delivery attempts, so
// `GET /v1/leads/{leadId}` can answer and the delivery worker can say how the lead ended.
// Two implementations pass one contract suite (store-contract.ts): memory-store.ts (embedded
// default, one process) and redis-store.ts (one hash per lead, one round trip per write).
// Records expire after a retention period (default 30 days); every write starts it again.
//
// The delivery worker's hot path is two calls per attempt: startDelivery (read the route and
// mark it delivering, in one step) and update (the attempt, the route's new status and the lead's
// new state, in one step). Neither reads the record first.

import type { AttemptRecord, LeadRecord, LeadState, RouteRecord, RouteState } from './types.ts';

export const DEFAULT_LEAD_RETENTION_MS = 30 * 86_400_000;

export interface LeadStoreOptions {
  /** How long a record is kept after its last write (default 30 days). */
  retentionMs?: number;
}

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
export type DeliveryStart = { record: false } | { record: true; previous: RouteState | null };

export interface LeadStore {
  /**
   * Write the whole record, replacing any earlier one with the same leadId. The store may keep
   * `record.trace` as it is: the caller does not change it afterwards.
   */
  save(record: LeadRecord): Promise<void>;
  /** The record, or null when it was never saved or has expired. */
  get(leadId: string): Promise<LeadRecord | null>;
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
   * A delivery of `route` begins, in one atomic step: unless the route is already delivered
   * (delivered, test-delivered) or delivering, mark it delivering, and a lead that had settled
   * (rejected, dead-lettered) is pending again; a route not recorded yet is added as delivering.
   */
  startDelivery(leadId: string, route: RouteRecord): Promise<DeliveryStart>;
  close(): Promise<void>;
}

/** Settled states a new delivery of one of its routes makes pending again. */
export const REOPENED_STATES: ReadonlySet<LeadState> = new Set(['rejected', 'dead-lettered']);
