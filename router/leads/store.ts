// Where each accepted lead is kept with its decision, routes and delivery attempts, so
// `GET /v1/leads/{leadId}` can answer and the delivery worker can say how the lead ended.
// Two implementations pass one contract suite (store-contract.ts): memory-store.ts (embedded
// default, one process) and redis-store.ts (hash-tagged keys, one round trip per write).
// Records expire after a retention period (default 30 days); every write starts it again.

import type { AttemptRecord, LeadRecord, LeadState, RouteRecord, RouteState } from './types.ts';

export const DEFAULT_LEAD_RETENTION_MS = 30 * 86_400_000;

export interface LeadStoreOptions {
  /** How long a record is kept after its last write (default 30 days). */
  retentionMs?: number;
}

export interface LeadStore {
  /** Write the whole record, replacing any earlier one with the same leadId. */
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
  close(): Promise<void>;
}
