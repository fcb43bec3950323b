// Caps: whole numbers of at least 1, and shorter periods not capped above longer ones.
import { problem } from '../problems.ts';
import type { DocPath, Problem, SourceDoc } from '../types.ts';
import { docsOf, isObj, list, type Obj } from './shared.ts';

const WINDOWS = ['hour', 'day', 'week', 'month', 'lifetime'] as const;

/** Where caps sit: a partner's account-wide caps and each assignment's. */
export function capsLocations(docs: readonly SourceDoc[]): { doc: SourceDoc<Obj>; caps: Obj; path: DocPath }[] {
  const out: { doc: SourceDoc<Obj>; caps: Obj; path: DocPath }[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    if (isObj(doc.value.caps)) out.push({ doc, caps: doc.value.caps, path: ['caps'] });
  }
  for (const doc of docsOf(docs, 'Profile')) {
    list(doc.value.partners).forEach((a, i) => {
      if (isObj(a) && isObj(a.caps)) out.push({ doc, caps: a.caps, path: ['partners', i, 'caps'] });
    });
  }
  return out;
}

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** CAP_NOT_POSITIVE_INTEGER and CAP_PERIOD_INCONSISTENT. */
export function checkCaps(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  for (const { doc, caps, path } of capsLocations(docs)) {
    const valid: { window: string; value: number }[] = [];
    for (const window of WINDOWS) {
      if (!(window in caps)) continue;
      const value = caps[window];
      if (isPositiveInteger(value)) valid.push({ window, value });
      else problems.push(notPositive(doc, [...path, window], `${window} cap`, value));
    }
    list(caps.custom).forEach((c, i) => {
      if (isObj(c) && 'max' in c && !isPositiveInteger(c.max)) problems.push(notPositive(doc, [...path, 'custom', i, 'max'], `custom cap max`, c.max));
    });
    // Compare each cap with the next longer period that has one: day 500 vs month 100.
    for (let i = 0; i + 1 < valid.length; i++) {
      const short = valid[i];
      const long = valid[i + 1];
      if (short.value > long.value) {
        problems.push(
          problem(
            'CAP_PERIOD_INCONSISTENT',
            doc.pos([...path, short.window]),
            `${short.window} cap ${short.value} is larger than ${long.window} cap ${long.value}; the ${long.window} cap wins`,
            `lower the ${short.window} cap to at most ${long.value}, or raise the ${long.window} cap`,
          ),
        );
      }
    }
  }
  return problems;
}

function notPositive(doc: SourceDoc<Obj>, path: DocPath, what: string, value: unknown) {
  return problem('CAP_NOT_POSITIVE_INTEGER', doc.pos(path), `${what} must be a whole number of at least 1, got ${JSON.stringify(value)}`, value === 0 ? 'to stop sending to a partner, set active: false' : undefined);
}
