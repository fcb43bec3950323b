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
  for (const key of indexableConditions(rules)) if (!best || key.values.length < best.values.length) best = key;
  return best;
}

/**
 * Every case-sensitive `equals` and `in` condition that must hold, in rule order, each with the
 * promise of indexableKeys on its own: whenever the rules hold, the lead's value at its `field`
 * is one of its `values` (or, for an array value, one of its elements is). All of them hold
 * together, so a lead must meet each one; two on one field stay two keys (never intersected).
 */
export function indexableConditions(rules: readonly Rule[]): IndexKey[] {
  const out: IndexKey[] = [];
  for (const c of mustHold(rules)) {
    const values = keyValues(c);
    if (values) out.push({ field: c.field, values });
  }
  return out;
}

function* mustHold(rules: readonly Rule[]): Generator<Condition> {
  if (!Array.isArray(rules)) return;
  for (const r of rules as readonly Rule[]) {
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
