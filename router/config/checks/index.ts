// Every semantic check, in the order their problems are most useful. Each is a pure function
// over the loaded documents; they run on schema-invalid documents too (defensively), so one
// validate run reports as much as it can.
import type { Problem, SourceDoc } from '../types.ts';
import { checkCaps } from './caps.ts';
import { checkAssignmentDelivery, checkPartnerDelivery } from './delivery.ts';
import { checkRouterSettingRefs } from './env-refs.ts';
import { checkPartnerPings, checkProfilePings } from './ping.ts';
import { checkDuplicateIds, checkEntityReferences, checkPartnerReferences } from './references.ts';
import { checkFieldPatterns, checkRules } from './rules.ts';
import { checkSchedules } from './schedule.ts';
import { checkDedupe, checkPartnerDedupe } from './dedupe.ts';
import { checkBudgets } from './budget.ts';
import { checkDurations, checkTimezones } from './time.ts';

type Check = (docs: readonly SourceDoc[]) => Problem[];

/**
 * `document`: a check whose problems about a document depend only on that document and on the
 * Entity and Partner documents, and are reported in its own file; problems about an Entity or
 * Partner must not depend on the profiles (so not checkPartnerDelivery: a partner's template
 * fields are checked against the entities of the profiles that use it). load-cache.test.ts holds
 * them to it. A reload reruns them only for changed files (and for every file when an Entity or
 * Partner changed). `tree`: rerun on the whole tree each time, so kept to what needs it (ids, and
 * partner settings checked against the profiles that use them); always safe.
 */
export interface SemanticCheck {
  run: Check;
  scope: 'document' | 'tree';
}

const doc = (run: Check): SemanticCheck => ({ run, scope: 'document' });
const tree = (run: Check): SemanticCheck => ({ run, scope: 'tree' });

export const CHECKS: readonly SemanticCheck[] = [
  tree(checkDuplicateIds),
  doc(checkEntityReferences),
  doc(checkPartnerReferences),
  doc(checkFieldPatterns),
  doc(checkRules),
  doc(checkCaps),
  doc(checkTimezones),
  doc(checkDurations),
  doc(checkSchedules),
  doc(checkDedupe),
  tree(checkPartnerDedupe),
  doc(checkBudgets),
  tree(checkPartnerDelivery),
  doc(checkAssignmentDelivery),
  tree(checkPartnerPings),
  doc(checkProfilePings),
  doc(checkRouterSettingRefs),
];
