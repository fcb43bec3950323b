// The one wording of a decision trace. Routing writes it, the explain tools print it, and the
// Redis lead store leaves standard messages out and rebuilds them with these same functions.
import type { RuleFailure } from '../rules/types.ts';
import type { PartnerTrace, ProfileTrace } from './types.ts';

const failedText = (failed: RuleFailure | undefined) => (failed ? `${failed.message} (at ${failed.at})` : 'rules do not match');

/** The message of a partner trace; `chosen` is the partner that took the lead (first-match). */
export function partnerMessage(p: PartnerTrace, chosen?: string): string {
  const { partner } = p;
  switch (p.outcome) {
    case 'selected':
      if (p.bid !== undefined) return `${partner} selected: bid ${p.bid}, the highest (priority ${p.priority})`;
      return `${partner} selected (priority ${p.priority})`;
    case 'eligible':
      if (p.reason === 'outbid') return `${partner} bid ${p.bid}: outbid by ${chosen ?? 'a higher bid'}`;
      if (p.reason === 'not-chosen') return `${partner} eligible but not chosen: ${chosen ?? 'another partner'} took the lead (first-match)`;
      return `${partner} eligible (priority ${p.priority})`;
    case 'skipped':
      switch (p.reason) {
        case 'excluded': return `${partner} skipped: already tried for this lead`;
        case 'partner-inactive': return `${partner} skipped: partner is inactive`;
        case 'inactive': return `${partner} skipped: inactive in this profile`;
        case 'closed': return p.opens ? `${partner} skipped: closed until ${p.opens}` : `${partner} skipped: closed (its schedule never opens)`;
        case 'budget': return p.cap ? `${partner} skipped: budget ${p.cap.label} would be passed (${p.cap.used} of ${p.cap.limit} spent, this lead costs ${p.price ?? '?'})` : `${partner} skipped: a budget is spent`;
        case 'duplicate': return `${partner} skipped: already sold a lead with the same ${p.cap?.label ?? 'values'}`;
        case 'no-ping': return `${partner} skipped: no ping settings, so it is never asked for a bid`;
        case 'no-bid': return `${partner} no bid: ${p.noBid ?? 'no answer'}`;
        case 'below-min': return `${partner} bid ${p.bid}: below the minimum bid ${p.minBid}`;
        case 'cap': return p.cap ? `${partner} skipped: cap ${p.cap.label} is full (${p.cap.used}/${p.cap.limit})` : `${partner} skipped: a cap is full`;
        default: return `${partner} skipped: ${failedText(p.failed)}`;
      }
  }
}

/** The message of a profile trace (a matched one reads its partners: did anyone take the lead?). */
export function profileMessage(pt: ProfileTrace): string {
  const head = `profile ${pt.profile}`;
  if (pt.outcome === 'matched') {
    if (pt.auction !== undefined) return `${head} matched; auction ${pt.auction}`;
    return pt.partners.some((p) => p.outcome === 'selected') ? `${head} matched` : `${head} matched; no partner could take the lead`;
  }
  return pt.reason === 'disabled' ? `${head} skipped: disabled` : `${head} skipped: ${failedText(pt.failed)}`;
}
