// The wording of a failed condition can be rebuilt from the failure's own fields: the lead
// store keeps such failures without their message (router/leads/trace-codec.ts), which is a
// third of a stored decision trace. A failure made by a condition is marked here, with the one
// thing its fields do not say (ignoreCase), so the codec knows it without building the words
// again; a failure built any other way (any/not groups, a copy) is not marked and keeps its words.

import type { Condition } from '../config/types.ts';
import { compileCondition } from './operators.ts';
import type { RuleFailure } from './types.ts';

const standard = new WeakMap<RuleFailure, boolean>();

/** Marks `f` as worded by its condition (`ignoreCase` as compiled); returns it. */
export function markStandardFailure(f: RuleFailure, ignoreCase: boolean): RuleFailure {
  standard.set(f, ignoreCase);
  return f;
}

/** The ignoreCase of a marked failure, or undefined when its message must be kept as is. */
export function standardFailureIgnoreCase(f: RuleFailure): boolean | undefined {
  return standard.get(f);
}

/** The message a condition gives for `actual` (what compile.ts put in the failure). */
export function rebuildFailureMessage(field: string, operator: RuleFailure['operator'], expected: unknown, actual: unknown, ignoreCase: boolean): string {
  const condition = { field, [operator]: expected, ...(ignoreCase ? { ignoreCase: true } : {}) } as Condition;
  return compileCondition(condition, 'stored trace').describe(actual, false);
}
