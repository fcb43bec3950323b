// Value helpers the operator records (operator-table.ts) share: Sets for `in`, element tests for
// array values, `empty`, and type guards. None of them throws, whatever the value.
import type { Scalar } from '../config/types.ts';

export type Predicate = (v: unknown) => boolean;

const WHITESPACE_ONLY = /^\s*$/;
const hasOwn = Object.hasOwn;

/** `in`'s values, lowercased for ignoreCase. */
export function inSet(expected: unknown, ignoreCase: boolean): Set<unknown> {
  const list = expected as readonly Scalar[];
  return new Set<unknown>(ignoreCase ? list.map((x) => (typeof x === 'string' ? x.toLowerCase() : x)) : list);
}

/** `in` for an array value: some element is in the set. */
export function inElement(set: ReadonlySet<unknown>, ignoreCase: boolean): Predicate {
  return someOf(ignoreCase ? lowerHas(set) : (el) => set.has(el));
}

/** `contains` for an array value: some element equals `exp` (a string element ignoring case, with ignoreCase). */
export function containsElement(exp: string, ignoreCase: boolean): Predicate {
  if (!ignoreCase) return someOf((el) => el === exp);
  const lower = exp.toLowerCase();
  return someOf((el) => el === exp || (typeof el === 'string' && el.toLowerCase() === lower));
}

/** For array values: does some element satisfy `pred`? */
function someOf(pred: Predicate): Predicate {
  return (v) => someElement(v, pred);
}

export function lowerHas(set: ReadonlySet<unknown>): Predicate {
  return (el) => set.has(typeof el === 'string' ? el.toLowerCase() : el);
}

/** Missing, null, '' or whitespace only, [] or {}. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return WHITESPACE_ONLY.test(v);
  if (typeof v !== 'object') return false;
  try {
    if (Array.isArray(v)) return v.length === 0;
    for (const k in v) if (hasOwn(v, k)) return false;
    return true;
  } catch {
    return false; // unreadable: something is there
  }
}

/** For array values only: does some element satisfy `pred`? Unreadable arrays satisfy nothing. */
function someElement(v: unknown, pred: Predicate): boolean {
  try {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (pred(v[i])) return true;
    return false;
  } catch {
    return false;
  }
}

export function isArray(v: unknown): boolean {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

export function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || isNumber(v);
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}
