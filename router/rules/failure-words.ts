// The wording of a failed condition can be rebuilt from the failure's own fields: the lead
// store keeps such failures without their message (router/leads/trace-codec.ts), which is a
// third of a stored decision trace. A failure made by a condition is an instance of
// ConditionFailure, which knows the one thing its fields do not say (ignoreCase), so the codec
// knows it without building the words again; a failure built any other way (any/not groups, a
// copy) is a plain object and keeps its words. The mark is the class, not a WeakMap: routing
// makes millions of failures, and a WeakMap that big stalls the event loop when its table grows
// and slows every garbage collection.

import type { Condition } from '../config/types.ts';
import { compileCondition } from './operators.ts';
import type { RuleFailure } from './types.ts';

/** A failure worded by its condition. Serialises as the plain RuleFailure it is. */
class ConditionFailure implements RuleFailure {
  constructor(
    readonly at: string,
    readonly field: string,
    readonly operator: RuleFailure['operator'],
    readonly expected: unknown,
    readonly actual: unknown,
    readonly message: string,
  ) {}

  /** As compiled: false here, true in ConditionFailureIgnoringCase. */
  get ignoreCase(): boolean {
    return false;
  }
}

class ConditionFailureIgnoringCase extends ConditionFailure {
  override get ignoreCase(): boolean {
    return true;
  }
}

/** A failure of a condition (`ignoreCase` as compiled), marked as worded by it. */
export function conditionFailure(
  at: string, field: string, operator: RuleFailure['operator'], expected: unknown, actual: unknown, message: string, ignoreCase: boolean,
): RuleFailure {
  const Made = ignoreCase ? ConditionFailureIgnoringCase : ConditionFailure;
  return new Made(at, field, operator, expected, actual, message);
}

/** The ignoreCase of a marked failure, or undefined when its message must be kept as is. */
export function standardFailureIgnoreCase(f: RuleFailure): boolean | undefined {
  return f instanceof ConditionFailure ? f.ignoreCase : undefined;
}

/** The message a condition gives for `actual` (what compile.ts put in the failure). */
export function rebuildFailureMessage(field: string, operator: RuleFailure['operator'], expected: unknown, actual: unknown, ignoreCase: boolean): string {
  const condition = { field, [operator]: expected, ...(ignoreCase ? { ignoreCase: true } : {}) } as Condition;
  return compileCondition(condition, 'stored trace').describe(actual, false);
}
