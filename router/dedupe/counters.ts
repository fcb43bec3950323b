// A partner's duplicate check as cap counters: one counter per listed field the lead has, limit 1,
// living for the window from the lead that took it. Reserving them with the partner's caps (one
// script, caps/redis.ts) makes check-and-record atomic across routers: of two leads of one
// consumer arriving at once, one takes the counter and the other finds it full. A delivery that
// fails for good gives them back with its cap reservation, so only leads sold are remembered.
import type { CapCounter } from '../caps/types.ts';
import { fingerprints, type CompiledDedupe } from './fingerprint.ts';

/** Labels of dedupe counters start with this; a full one is a duplicate, not a full cap. */
export const DEDUPE_LABEL = 'dedupe: ';

export interface AssignmentDedupe {
  /** `partner` (across its profiles) or the assignment's cap scope (one profile). */
  scope: string;
  rule: CompiledDedupe;
}

export function dedupeCounters(
  checks: readonly AssignmentDedupe[],
  partner: string,
  opts: { prefix: string; key: Buffer; now: number },
  lead: Readonly<Record<string, unknown>>,
): CapCounter[] {
  const out: CapCounter[] = [];
  for (const { scope, rule } of checks) {
    for (const { field, hash } of fingerprints(opts.key, rule, lead)) {
      out.push({
        key: `${opts.prefix}cap:{${partner}}:dedupe:${scope}:${hash}`,
        limit: 1,
        expireAt: opts.now + rule.windowMs,
        label: `${DEDUPE_LABEL}${field} within ${rule.window}`,
      });
    }
  }
  return out;
}
