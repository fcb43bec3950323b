// The counters a route reserves for an assignment: its caps, its partner's caps, and the budgets
// of both (counting the lead's price). Pure: config and clock in, counters out.
import { BUDGET_LABEL, budgetCountersMemo } from '../caps/budget.ts';
import type { CapCounter } from '../caps/types.ts';
import { capCountersMemo } from '../caps/windows.ts';
import { assignmentCapScope } from './cap-scope.ts';
import type { CompiledAssignment, CompiledProfile } from './compiled.ts';

/** What the counters depend on: the store's key prefix and the clock. */
interface CounterOptions {
  capPrefix: string;
  now: Date;
}

type CountersAt = NonNullable<CompiledAssignment['countersAt']>;

/**
 * The assignment's own cap counters, then its partner's (partner-wide) ones, then its budgets
 * (own, partner's; counting its price). Counters change only when a window rolls over: each
 * assignment remembers its own, made the first time a lead reaches it.
 */
export function countersFor(cp: CompiledProfile, ca: CompiledAssignment, opts: CounterOptions): readonly CapCounter[] {
  const at = (ca.countersAt ??= assignmentCounters(cp, ca));
  return at(opts.capPrefix, opts.now);
}

function assignmentCounters(cp: CompiledProfile, ca: CompiledAssignment): CountersAt {
  const common = { partner: ca.partner.id, timezone: ca.timezone };
  const own = assignmentCapScope(cp.profile);
  const price = ca.assignment.price ?? 0;
  const parts: CountersAt[] = [];
  if (ca.assignment.caps) parts.push(capCountersMemo({ ...common, scope: own, caps: ca.assignment.caps }));
  if (ca.partner.caps) parts.push(capCountersMemo({ ...common, scope: 'partner', caps: ca.partner.caps }));
  // A lead with no price spends nothing (ping-post prices come with the bid).
  if (price > 0 && ca.assignment.budget) parts.push(budgetCountersMemo({ ...common, scope: own, budget: ca.assignment.budget, price }));
  if (price > 0 && ca.partner.budget) parts.push(budgetCountersMemo({ ...common, scope: 'partner', budget: ca.partner.budget, price }));
  if (parts.length === 0) return () => [];
  if (parts.length === 1) return parts[0];
  let last: { from: readonly (readonly CapCounter[])[]; all: readonly CapCounter[] } | undefined;
  return (prefix, now) => {
    const from = parts.map((p) => p(prefix, now));
    if (!last || from.some((f, i) => f !== last!.from[i])) last = { from, all: from.flat() };
    return last.all;
  };
}

/** ping-post: the caps as always, and the budgets counting `price` (the bid) instead of the assignment's. */
export function pricedCounters(cp: CompiledProfile, ca: CompiledAssignment, opts: CounterOptions, price: number): readonly CapCounter[] {
  const counters = countersFor(cp, ca, opts).filter((c) => !c.label.startsWith(BUDGET_LABEL));
  if (!(price > 0)) return counters;
  const common = { partner: ca.partner.id, timezone: ca.timezone, price };
  const spend = [
    ...(ca.assignment.budget ? budgetCountersMemo({ ...common, scope: assignmentCapScope(cp.profile), budget: ca.assignment.budget })(opts.capPrefix, opts.now) : []),
    ...(ca.partner.budget ? budgetCountersMemo({ ...common, scope: 'partner', budget: ca.partner.budget })(opts.capPrefix, opts.now) : []),
  ];
  return spend.length ? [...counters, ...spend] : counters;
}
