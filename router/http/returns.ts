// Returns: a partner sends a delivered lead back (bad phone, not the consumer, …) within its
// `returns.window`. The route becomes `returned` with the reason and time; with `refill: true`
// the partner's cap slot (and, with it, its duplicate check of that consumer) is given back.
import { parseDuration } from '../config/duration.ts';
import { LeadrouteError } from '../errors.ts';
import type { LeadRecord, RouteRecord, RouteReturn } from '../leads/types.ts';
import type { AppDeps } from './deps.ts';

export interface ReturnRequest {
  partner: string;
  reason: string;
}

export function readReturnRequest(body: Record<string, unknown>): ReturnRequest {
  const { partner, reason } = body;
  if (typeof partner !== 'string' || !partner) throw new LeadrouteError('BAD_REQUEST', '`partner` (the partner returning the lead) is required');
  if (typeof reason !== 'string' || !reason.trim()) throw new LeadrouteError('BAD_REQUEST', '`reason` (why the lead is returned) is required');
  if (reason.length > 500) throw new LeadrouteError('BAD_REQUEST', '`reason` is at most 500 characters');
  return { partner, reason: reason.trim() };
}

/** When a route was delivered: its accepted attempt, else (attempts not kept) when the lead arrived. */
function deliveredAt(record: LeadRecord, route: RouteRecord): number {
  const accepted = record.attempts.filter((a) => a.deliveryId === route.deliveryId && a.outcome === 'accepted').at(-1);
  return Date.parse(accepted ? accepted.at : record.receivedAt) + (accepted?.durationMs ?? 0);
}

export async function returnLead(deps: AppDeps, leadId: string, req: ReturnRequest): Promise<RouteRecord[]> {
  const record = await deps.leads.get(leadId);
  if (!record) throw new LeadrouteError('LEAD_NOT_FOUND', `no lead '${leadId}'`, { leadId });
  const partner = deps.getSnapshot()?.config.partners.get(req.partner);
  const window = partner?.returns ? parseDuration(partner.returns.window) : null;
  const sold = record.routes.filter((r) => r.partner === req.partner && (r.status === 'delivered' || r.status === 'returned'));
  const open = sold.filter((r) => r.status === 'delivered');
  if (open.length === 0) {
    const why = sold.length ? 'was returned already' : 'was not delivered to it';
    throw new LeadrouteError('NOT_RETURNABLE', `lead ${leadId} ${why}: ${req.partner} cannot return it`, { leadId, partner: req.partner });
  }
  if (!partner || window === null) {
    throw new LeadrouteError('RETURN_WINDOW_CLOSED', `${req.partner} takes no returns (its partner file sets no \`returns\`)`, { leadId, partner: req.partner });
  }
  const now = deps.now();
  const closes = Math.max(...open.map((r) => deliveredAt(record, r))) + window;
  if (now.getTime() > closes) {
    throw new LeadrouteError('RETURN_WINDOW_CLOSED', `the return window of ${req.partner} (${partner.returns!.window}) closed at ${new Date(closes).toISOString()}`, { leadId, partner: req.partner, closedAt: new Date(closes).toISOString() });
  }
  const refill = partner.returns!.refill === true;
  const returned: RouteRecord[] = [];
  for (const route of open) {
    const info: RouteReturn = { at: now.toISOString(), reason: req.reason, refilled: refill };
    const done = await deps.leads.returnRoute(leadId, route.deliveryId, info);
    if (done.outcome !== 'returned') continue; // returned by a concurrent request: it refilled
    // The route's reservation is held until its longest window ends: giving it back frees the slot.
    if (refill) await deps.caps.release(route.deliveryId, route.partner);
    returned.push({ ...route, status: 'returned', returned: info });
  }
  if (returned.length === 0) throw new LeadrouteError('NOT_RETURNABLE', `lead ${leadId} was returned already`, { leadId, partner: req.partner });
  for (const r of returned) deps.metrics.returns.inc({ partner: r.partner, refilled: String(refill) });
  return returned;
}
