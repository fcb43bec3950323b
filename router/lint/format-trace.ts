// The one text rendering of a routing Decision, used by `npm run test:routing` (on failure),
// `npm run explain` and `npm run diff:routing`. It prints the trace's own `message` strings, so
// the words are exactly those `POST /v1/explain/{entity}` returns in its JSON.
import type { Decision, ProfileTrace, Route } from '../routing/types.ts';

/** The JSON `POST /v1/explain/{entity}` answers: the Decision without delivery and reservation ids. */
export interface ExplainJson {
  entity: string;
  status: Decision['status'];
  routes: { profile: string; partner: string; priority: number; price?: number }[];
  trace: ProfileTrace[];
}

export function explainJson(decision: Decision): ExplainJson {
  return {
    entity: decision.entity,
    status: decision.status,
    routes: decision.routes.map((r) => ({
      profile: r.profile,
      partner: r.partner,
      priority: r.priority,
      ...(r.price !== undefined ? { price: r.price } : {}),
    })),
    trace: decision.trace,
  };
}

/** `residential-east/northwind`, the way every command names a route. */
function routeName(r: Pick<Route, 'profile' | 'partner'>): string {
  return `${r.profile}/${r.partner}`;
}

/** `residential-east/northwind, solar-all/sunco`, or `unmatched` for none. */
export function formatRoutes(routes: readonly Pick<Route, 'profile' | 'partner'>[]): string {
  return routes.length ? routes.map(routeName).join(', ') : 'unmatched';
}

/** The outcome in one line: `mortgage lead routed to residential-east/northwind`. */
export function formatOutcome(decision: Pick<Decision, 'entity' | 'status' | 'routes'>): string {
  return decision.status === 'routed'
    ? `${decision.entity} lead routed to ${formatRoutes(decision.routes)}`
    : `${decision.entity} lead unmatched: no partner gets it`;
}

/**
 * The trace, one line per profile and, under each matched profile, one line per partner in
 * priority order. Lines carry no trailing newline; `indent` prefixes every line.
 */
export function formatTrace(trace: readonly ProfileTrace[], indent = ''): string[] {
  const lines: string[] = [];
  if (!trace.length) lines.push(`${indent}no profile of this entity could take the lead`);
  for (const pt of trace) {
    lines.push(`${indent}${pt.message}`);
    for (const p of pt.partners) lines.push(`${indent}  ${p.message}`);
  }
  return lines;
}

/** The outcome line followed by the trace: what `npm run explain` prints. */
export function formatDecision(decision: Decision, indent = ''): string[] {
  return [`${indent}${formatOutcome(decision)}`, ...formatTrace(decision.trace, `${indent}  `)];
}
