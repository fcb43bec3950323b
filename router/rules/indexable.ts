// Which equality a lead must satisfy for a rule list to hold, so the router can index profiles
// by it and evaluate only the candidates. Only must-hold conditions count: the top-level list
// (an implicit AND) and `all` groups inside it, never anything under `any` or `not`.
import type { Condition, Rule, Scalar } from '../config/types.ts';

export interface IndexKey {
  field: string;
  values: readonly Scalar[];
}

/**
 * The promise, which routing relies on: if this returns `{ field, values }`, then whenever
 * `compileRules(rules).test(lead)` is true, the lead's value at `field` is one of `values`
 * (SameValueZero, as Map and Set compare), or, for an array value, one of its elements is.
 *
 * Chosen from the case-sensitive `equals` and `in` conditions that must hold: the one with the
 * fewest distinct values wins (the first one on a tie). null when there is no such condition.
 */
export function indexableKeys(rules: readonly Rule[]): IndexKey | null {
  // Conditions are never intersected, even on one field: for an array value, `in: [a, b]` and
  // `in: [b, c]` can hold through different elements ([a, c]) while no element is in [b].
  let best: IndexKey | null = null;
  for (const c of mustHold(rules)) {
    const values = keyValues(c);
    if (values && (!best || values.length < best.values.length)) best = { field: c.field, values };
  }
  return best;
}

function* mustHold(rules: readonly Rule[]): Generator<Condition> {
  if (!Array.isArray(rules)) return;
  for (const r of rules) {
    if (typeof r !== 'object' || r === null) continue;
    if ('field' in r) yield r;
    else if ('all' in r && !('any' in r) && !('not' in r)) yield* mustHold(r.all);
  }
}

function keyValues(c: Condition): readonly Scalar[] | null {
  if (c.ignoreCase === true || typeof c.field !== 'string') return null;
  const ops = Object.keys(c).filter((k) => k !== 'field' && k !== 'ignoreCase');
  if (ops.length !== 1) return null;
  if (ops[0] === 'equals' && isScalar(c.equals)) return [c.equals];
  if (ops[0] === 'in' && Array.isArray(c.in) && c.in.every(isScalar)) return [...new Set(c.in)];
  return null;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
