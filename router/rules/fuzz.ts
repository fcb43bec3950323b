// Test support: seeded random rules and leads for property tests (codegen against closures,
// explain against test, indexableKeys soundness). Values are drawn from small pools so that
// conditions hold often enough for the properties to say something.
import { OPERATORS } from '../config/types.ts';
import type { Condition, Operator, Rule, Scalar } from '../config/types.ts';
import { prng as mulberry32 } from '../testing/prng.ts';

export type Random = () => number;

/** Seeded randomness for the property tests (mulberry32). */
export const prng: (seed: number) => Random = mulberry32;

const FIELDS = ['state', 'zip', 'amount', 'tags', 'address.postcode', 'address.geo.country'];
const STRINGS = ['NY', 'ny', 'NJ', 'TX', 'PA', '', '  ', '19001', '1900', '10001', 'abc', 'ABC', 'x y', 'US', 'us'];
const NUMBERS = [0, -1, 5, 10, 19001, 50000, 1e6];
const PATTERNS = ['^1', 'a', 'C$', '^\\d+$', '^$', '[A-Z]', 'y'];

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const some = <T>(r: Random, xs: readonly T[], max: number): T[] =>
  Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick(r, xs));

function scalar(r: Random): Scalar {
  const x = r();
  return x < 0.6 ? pick(r, STRINGS) : x < 0.9 ? pick(r, NUMBERS) : r() < 0.5;
}

export function randomCondition(r: Random, operators: readonly Operator[] = OPERATORS): Condition {
  const field = pick(r, FIELDS);
  const op = pick(r, operators);
  const c: Record<string, unknown> = { field };
  if (r() < 0.25) c.ignoreCase = r() < 0.8;
  switch (op) {
    case 'equals': case 'notEquals': c[op] = scalar(r); break;
    case 'contains': case 'notContains': case 'startsWith': case 'endsWith': {
      const s = pick(r, STRINGS);
      c[op] = s.slice(0, Math.floor(r() * (s.length + 1)));
      break;
    }
    case 'in': case 'notIn': c[op] = some(r, [...STRINGS, ...NUMBERS, true, false], 5); break;
    case 'between': {
      const [a, b] = [pick(r, NUMBERS), pick(r, NUMBERS)];
      c[op] = [Math.min(a, b), Math.max(a, b)];
      break;
    }
    case 'gt': case 'gte': case 'lt': case 'lte': c[op] = pick(r, NUMBERS); break;
    case 'matches': c[op] = pick(r, PATTERNS); break;
    case 'empty': c[op] = r() < 0.5; break;
  }
  return c as unknown as Condition;
}

export function randomRule(r: Random, depth: number): Rule {
  const x = r();
  if (depth <= 0 || x < 0.55) return randomCondition(r);
  if (x < 0.7) return { not: randomRule(r, depth - 1) };
  const children = Array.from({ length: Math.floor(r() * 4) }, () => randomRule(r, depth - 1));
  return x < 0.85 ? { any: children } : { all: children };
}

export function randomRules(r: Random, max = 4, depth = 3): Rule[] {
  return Array.from({ length: Math.floor(r() * (max + 1)) }, () => randomRule(r, depth));
}

function value(r: Random): unknown {
  const x = r();
  if (x < 0.45) return pick(r, STRINGS);
  if (x < 0.7) return pick(r, NUMBERS);
  if (x < 0.75) return r() < 0.5;
  if (x < 0.8) return null;
  if (x < 0.92) return some(r, [...STRINGS, ...NUMBERS], 3);
  return { x: pick(r, STRINGS) };
}

export function randomLead(r: Random): Record<string, unknown> {
  const lead: Record<string, unknown> = {};
  for (const f of ['state', 'zip', 'amount', 'tags']) if (r() < 0.85) lead[f] = value(r);
  const x = r();
  if (x < 0.6) {
    const address: Record<string, unknown> = {};
    if (r() < 0.8) address.postcode = value(r);
    if (r() < 0.8) address.geo = r() < 0.8 ? { country: value(r) } : value(r);
    lead.address = address;
  } else if (x < 0.8) {
    lead.address = value(r);
  }
  return lead;
}
