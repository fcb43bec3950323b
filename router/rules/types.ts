import type { Operator } from '../config/types.ts';

/** Why a rule list did not match: the first condition that failed, in words. */
export interface RuleFailure {
  /** Where the condition sits in the rule list, e.g. `rules[2].any[1]` (relative to the list). */
  at: string;
  field: string;
  /** The operator, or `any` when no branch of an any-group matched, or `not`. */
  operator: Operator | 'any' | 'not';
  expected?: unknown;
  /** The lead's value (undefined when missing). */
  actual?: unknown;
  /** One line of English, e.g. `state "TX" is not in [NY, NJ, CT]`. */
  message: string;
}

/** A rule list compiled once, at load, to plain closures. Never throws on any lead. */
export interface CompiledRules {
  /** True when every rule holds (an empty list always holds). */
  test(lead: Readonly<Record<string, unknown>>): boolean;
  /** null when every rule holds, else the first failing condition. */
  explain(lead: Readonly<Record<string, unknown>>): RuleFailure | null;
}
