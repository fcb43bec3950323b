// Budgets as cap counters: a window's budget is a counter whose limit is the budget and whose
// reservation counts the lead's price instead of 1, so spend is reserved in the same atomic step
// as the caps (one Lua script on Redis), exact across routers, and given back with them when a
// delivery fails for good. Money is counted in hundredths (integers), so 0.1 + 0.2 is exact.
import type { Budget } from '../config/types.ts';
import type { CapCounter } from './types.ts';
import { capCountersMemo } from './windows.ts';

/** Budget counters' labels start with this; a full one is a budget, not a cap. */
export const BUDGET_LABEL = 'budget ';

/** Amounts are stored in hundredths of a price unit. */
export const toCents = (amount: number): number => Math.round(amount * 100);

export function budgetCountersMemo(args: { partner: string; timezone: string; scope: string; budget: Budget; price: number }): (prefix: string, now: Date) => readonly CapCounter[] {
  const windows = capCountersMemo({ partner: args.partner, timezone: args.timezone, scope: args.scope, caps: args.budget });
  const amount = toCents(args.price);
  let last: { from: readonly CapCounter[]; to: readonly CapCounter[] } | undefined;
  return (prefix, now) => {
    const from = windows(prefix, now);
    if (last?.from !== from) {
      const tag = `cap:{${args.partner}}:`;
      last = {
        from,
        to: Object.freeze(from.map((c) => Object.freeze({
          key: c.key.replace(tag, `${tag}budget:`),
          limit: toCents(c.limit),
          amount,
          expireAt: c.expireAt,
          label: `${BUDGET_LABEL}${c.label}`,
        }))),
      };
    }
    return last.to;
  };
}
