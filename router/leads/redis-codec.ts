// A lead's hash (redis-store.ts) read back into a LeadRecord. Its fields:
//   lead          JSON of the fixed fields (written once)
//   t             the decision trace, compact (./trace-codec.ts; records from before it keep
//                 the trace inside `lead`)
//   state         the lead's state
//   nr, r:<n>     the number of routes, and route n (JSON, without its status), in order
//   s:<id>        the status of the route whose deliveryId is <id>
//   ret:<id>      the return of the route whose deliveryId is <id>, if it was returned
//   na, a:<n>     the number of attempts, and attempt n (JSON), in order
//   c, cd         while the lead is uncommitted: 'o' (open) or 'a' (aborted), and the commit
//                 deadline (epoch ms, Redis time); a committed lead has neither
import { decodeTrace } from './trace-codec.ts';
import type { AttemptRecord, LeadRecord, LeadState, RouteRecord, RouteReturn, RouteState } from './types.ts';

type StoredLead = Omit<LeadRecord, 'routes' | 'attempts' | 'state'>;
export type StoredRoute = Omit<RouteRecord, 'status' | 'returned'>;

export const routeJson = ({ status: _s, ...rest }: RouteRecord) => JSON.stringify(rest satisfies StoredRoute);

/** The record from its hash (HGETALL), or null when the hash is empty or not a lead. */
export function decodeLead(h: Record<string, string>): LeadRecord | null {
  if (!h.lead) return null;
  const lead = JSON.parse(h.lead) as StoredLead;
  if (h.t !== undefined) lead.trace = decodeTrace(h.t);
  const routes: RouteRecord[] = [];
  for (let i = 1, n = Number(h.nr ?? 0); i <= n; i++) {
    const json = h[`r:${i}`];
    if (json === undefined) continue;
    const route = JSON.parse(json) as StoredRoute;
    const returned = h[`ret:${route.deliveryId}`];
    routes.push({ ...route, status: h[`s:${route.deliveryId}`] as RouteState, ...(returned ? { returned: JSON.parse(returned) as RouteReturn } : {}) });
  }
  const attempts: AttemptRecord[] = [];
  for (let i = 1, n = Number(h.na ?? 0); i <= n; i++) {
    const json = h[`a:${i}`];
    if (json !== undefined) attempts.push(JSON.parse(json) as AttemptRecord);
  }
  return { ...lead, state: h.state as LeadState, routes, attempts };
}
