// The decision trace as stored in Redis: compact, decoded back to the same JSON (the API shows it
// as is). A trace is most of a lead record (6–14 KB with 20 partners a profile) and writing it is
// a good part of accepting a lead, so
//   - each profile and partner trace is an array, not an object (no key names);
//   - a `message` that says exactly what its fields say is left out and rebuilt on read: the
//     encoder compares it with the rebuilt one, so any other wording is stored as is.
//   - a rule failure with both values is an array too, and when its condition worded it (marked
//     by rules/failure-words.ts) its message is left out and rebuilt from its fields (a third of
//     a trace); any other `failed` (and every `cap`) stays an object and round-trips through
//     JSON exactly as before.
import { rebuildFailureMessage, standardFailureIgnoreCase } from '../rules/failure-words.ts';
import type { RuleFailure } from '../rules/types.ts';
import { partnerMessage, profileMessage } from '../routing/trace-messages.ts';
import { clipFailure } from '../routing/trace-values.ts';
import type { PartnerTrace, ProfileTrace } from '../routing/types.ts';

type Cap = NonNullable<PartnerTrace['cap']>;
/** partner, priority, outcome, reason | 0, failed | 0, cap | 0, message | 0 (rebuilt), and the rarer fields when set */
type StoredPartner =
  | [string, number, PartnerTrace['outcome'], PartnerTrace['reason'] | 0, RuleFailure | StoredFailure | 0, Cap | 0, string | 0]
  | [string, number, PartnerTrace['outcome'], PartnerTrace['reason'] | 0, RuleFailure | StoredFailure | 0, Cap | 0, string | 0, Extra];
/** Set only by schedules (closed until) and budgets (the lead's price). */
type Extra = Pick<PartnerTrace, 'opensAt' | 'opens' | 'price'>;
/** profile, name, strategy, outcome, reason | 0, failed | 0, partners, message | 0 (rebuilt) */
type StoredProfile = [string, string, ProfileTrace['strategy'], ProfileTrace['outcome'], ProfileTrace['reason'] | 0, RuleFailure | StoredFailure | 0, StoredPartner[], string | 0];

/** at, field, operator, expected, actual, message (or 0 | 1: rebuilt, with ignoreCase false | true) */
type StoredFailure = [string, string, RuleFailure['operator'], unknown, unknown, string | 0 | 1];

function encodeFailure(f: RuleFailure | undefined): RuleFailure | StoredFailure | 0 {
  if (!f) return 0;
  // JSON turns undefined into null inside an array: those keep the object form.
  if (f.expected === undefined || f.actual === undefined) return f;
  const ignoreCase = standardFailureIgnoreCase(f);
  return [f.at, f.field, f.operator, f.expected, f.actual, ignoreCase === undefined ? f.message : ignoreCase ? 1 : 0];
}

// A record stored before routing clipped lead values may hold a whole one: clipped on read, after
// its message is rebuilt from it.
function decodeFailure(f: RuleFailure | StoredFailure): RuleFailure {
  if (!Array.isArray(f)) return clipFailure(f)!;
  const [at, field, operator, expected, actual, stored] = f;
  const message = typeof stored === 'string' ? stored : rebuildFailureMessage(field, operator, expected, actual, stored === 1);
  return clipFailure({ at, field, operator, expected, actual, message })!;
}

const chosenIn = (partners: readonly PartnerTrace[]) => partners.find((p) => p.outcome === 'selected')?.partner;

export function encodeTrace(trace: readonly ProfileTrace[]): string {
  const out: StoredProfile[] = [];
  for (const pt of trace) {
    const chosen = chosenIn(pt.partners);
    const partners: StoredPartner[] = [];
    for (const p of pt.partners) {
      // A bid or no-bid (ping-post) is not among the stored fields: its words are kept as they are.
      const message = p.bid === undefined && p.noBid === undefined && partnerMessage(p, chosen) === p.message ? 0 : p.message;
      const failed = encodeFailure(p.failed);
      const extra: Extra = {};
      if (p.opensAt !== undefined) Object.assign(extra, { opensAt: p.opensAt, opens: p.opens });
      if (p.price !== undefined) extra.price = p.price;
      partners.push(p.opensAt === undefined && p.price === undefined
        ? [p.partner, p.priority, p.outcome, p.reason ?? 0, failed, p.cap ?? 0, message]
        : [p.partner, p.priority, p.outcome, p.reason ?? 0, failed, p.cap ?? 0, message, extra]);
    }
    out.push([
      pt.profile, pt.name, pt.strategy, pt.outcome, pt.reason ?? 0, encodeFailure(pt.failed), partners,
      pt.auction === undefined && profileMessage(pt) === pt.message ? 0 : pt.message,
    ]);
  }
  return JSON.stringify(out);
}

export function decodeTrace(json: string): ProfileTrace[] {
  const stored = JSON.parse(json) as StoredProfile[];
  return stored.map(([profile, name, strategy, outcome, reason, failed, storedPartners, message]) => {
    // Fields in the order the routing code writes them, message last (rebuilt from the others).
    const partners = storedPartners.map(([partner, priority, pOutcome, pReason, pFailed, cap, , opening]) => {
      const p = { partner, priority, outcome: pOutcome } as PartnerTrace;
      if (pReason !== 0) p.reason = pReason;
      if (pFailed !== 0) p.failed = decodeFailure(pFailed);
      if (cap !== 0) p.cap = cap;
      if (opening) Object.assign(p, opening);
      return p;
    });
    const chosen = chosenIn(partners);
    partners.forEach((p, i) => {
      const m = storedPartners[i][6];
      p.message = m !== 0 ? m : partnerMessage(p, chosen);
    });
    const pt = { profile, name, strategy, partners, outcome } as ProfileTrace;
    if (reason !== 0) pt.reason = reason;
    if (failed !== 0) pt.failed = decodeFailure(failed);
    pt.message = message !== 0 ? message : profileMessage(pt);
    return pt;
  });
}
