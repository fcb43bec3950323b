// How a lead stands, from the states of its routes. Pure: the delivery worker writes the answer
// after every route that ends, and reads the routes back first so concurrent routes agree.

import type { LeadState, RouteRecord, RouteState } from './types.ts';

// A returned lead was delivered: the return does not make it pending or rejected again.
const DELIVERED: ReadonlySet<RouteState> = new Set(['delivered', 'test-delivered', 'returned']);
const PENDING: ReadonlySet<RouteState> = new Set(['queued', 'delivering']);
const GAVE_UP: ReadonlySet<RouteState> = new Set(['failed', 'dead-lettered']);

export function isDelivered(status: RouteState): boolean {
  return DELIVERED.has(status);
}

export function isPending(status: RouteState): boolean {
  return PENDING.has(status);
}

/**
 * delivered: at least one route delivered. pending: none delivered and one still queued or
 * delivering. dead-lettered: every route ended and one of them gave up (retries exhausted or
 * dead-lettered: an admin can re-send it). rejected: every route was rejected by its partner.
 * Null for a lead without routes (its state, e.g. unmatched, is not the worker's to change).
 */
export function leadStateOf(routes: readonly Pick<RouteRecord, 'status'>[]): LeadState | null {
  if (routes.length === 0) return null;
  if (routes.some((r) => DELIVERED.has(r.status))) return 'delivered';
  if (routes.some((r) => PENDING.has(r.status))) return 'pending';
  if (routes.some((r) => GAVE_UP.has(r.status))) return 'dead-lettered';
  return 'rejected';
}
