// Lead values in a decision trace. The trace is kept with the lead record for the retention period
// and shown by explain, so it holds a lead's values only clipped (a failed condition says which
// value failed, not the whole of it) and never the value of an encrypted field.
import { stripEncrypted } from '../observability/logger.ts';
import type { RuleFailure } from '../rules/types.ts';

/** The longest lead value a trace holds, in UTF-16 units (`…` included). */
export const TRACE_VALUE_MAX = 64;

/**
 * `v` itself when it is short; else its first characters (a string's, or its JSON's for an object
 * or array) and `…`, TRACE_VALUE_MAX in all.
 */
export function clipTraceValue(v: unknown): unknown {
  if (typeof v === 'string') return v.length > TRACE_VALUE_MAX ? clip(v) : v;
  if (typeof v !== 'object' || v === null) return v;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? '[array]' : '[object]';
  }
  return json !== undefined && json.length > TRACE_VALUE_MAX ? clip(json) : v;
}

function clip(s: string): string {
  let end = TRACE_VALUE_MAX - 1;
  // Never half of a surrogate pair.
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/**
 * `f` with its lead value clipped. A clipped failure is a new object: its message (worded from the
 * whole value, already short) is kept as it is, never rebuilt from the clipped value.
 */
export function clipFailure(f: RuleFailure | null | undefined): RuleFailure | undefined {
  if (!f) return undefined;
  const actual = clipTraceValue(f.actual);
  return actual === f.actual ? f : { ...f, actual };
}

/**
 * The lead as rules are explained on: encrypted fields read `[encrypted]`. Rules never test an
 * encrypted field (the loader refuses it), so only an `empty` on an object that holds one can see
 * it, and that sees the field is there either way: the decision is the same as on `lead`, and its
 * words and values never carry the secret. A top-level encrypted field no rule can see: a lead
 * with none nested is used as it is.
 */
export function traceView<T extends Readonly<Record<string, unknown>>>(lead: T, encryptedPaths: readonly string[]): T {
  for (const path of encryptedPaths) if (path.includes('.')) return stripEncrypted(lead, encryptedPaths) as T;
  return lead;
}
