// Every semantic check, in the order their problems are most useful. Each is a pure function
// over the loaded documents; they run on schema-invalid documents too (defensively), so one
// validate run reports as much as it can.
import type { Problem, SourceDoc } from '../types.ts';
import { checkCaps } from './caps.ts';
import { checkDelivery } from './delivery.ts';
import { checkRouterSettingRefs } from './env-refs.ts';
import { checkDuplicateIds, checkEntityReferences, checkPartnerReferences } from './references.ts';
import { checkFieldPatterns, checkRules } from './rules.ts';
import { checkSchedules } from './schedule.ts';
import { checkDedupe } from './dedupe.ts';
import { checkBudgets } from './budget.ts';
import { checkDurations, checkTimezones } from './time.ts';

type Check = (docs: readonly SourceDoc[]) => Problem[];

const CHECKS: readonly Check[] = [
  checkDuplicateIds,
  checkEntityReferences,
  checkPartnerReferences,
  checkFieldPatterns,
  checkRules,
  checkCaps,
  checkTimezones,
  checkDurations,
  checkSchedules,
  checkDedupe,
  checkBudgets,
  checkDelivery,
  checkRouterSettingRefs,
];

export function runChecks(docs: readonly SourceDoc[]): Problem[] {
  return CHECKS.flatMap((check) => check(docs));
}
