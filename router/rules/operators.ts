// One condition compiled to a predicate over the field's value. Everything that can be decided
// from the rule alone (lowercasing, Sets, regexes) is done here, once. Predicates are strict
// about types (a numeric string is not a number, a number is not a string) and never throw.
// checkCondition refuses exactly what compileCondition refuses, building nothing (the loader-time
// check of rule lists that are built when first used). What each operator means is its record in
// operator-table.ts.
import { OPERATORS } from '../config/types.ts';
import type { Condition, Operator } from '../config/types.ts';
import { LeadrouteError } from '../errors.ts';
import { formatValue, typeName } from './format.ts';
import { NEGATES, specOf, type Constant, type OperatorSpec, type ValueKind } from './operator-table.ts';
import { isArray, type Predicate } from './operator-values.ts';
import { compilePath } from './path.ts';
import type { PathReader } from './path.ts';

export type { Constant } from './operator-table.ts';

export interface CompiledCondition {
  field: string;
  operator: Operator;
  expected: unknown;
  segments: readonly string[];
  read: PathReader;
  /** Whether the condition holds for a value (negative operators included). */
  check: Predicate;
  /** The same check as a JavaScript expression over a variable `v` (see compile.ts). */
  code(c: Constant): string;
  /** Whether string comparisons ignore case (false for operators where case does not apply). */
  readonly ignoreCase: boolean;
  /** One line of English about `actual` and this condition, which `held` or not. */
  describe(actual: unknown, held: boolean): string;
}

const OPERATOR_SET = new Set<string>(OPERATORS);

export function invalid(at: string, message: string): LeadrouteError {
  return new LeadrouteError('CONFIG_INVALID', `${at}: ${message}`, { at });
}

/** What a condition says, once its shape is checked (the operator's value is checked apart). */
interface ConditionHead {
  field: string;
  operator: Operator;
  ignoreCase: boolean;
  expected: unknown;
  /** The record of the operator, or of the positive one it negates. */
  spec: OperatorSpec;
  negated: boolean;
}

function conditionHead(c: Condition, at: string): ConditionHead {
  const field = c.field;
  if (typeof field !== 'string' || field === '') throw invalid(at, '`field` must be a non-empty string');
  const ops: Operator[] = [];
  for (const key of Object.keys(c)) {
    if (key === 'field' || key === 'ignoreCase') continue;
    if (!OPERATOR_SET.has(key)) throw invalid(at, `unknown key \`${key}\` in a condition`);
    ops.push(key as Operator);
  }
  if (ops.length !== 1) {
    throw invalid(at, ops.length === 0
      ? `condition on \`${field}\` has no operator`
      : `condition on \`${field}\` has ${ops.length} operators (${ops.join(', ')}); use one per condition`);
  }
  const operator = ops[0];
  if (c.ignoreCase !== undefined && typeof c.ignoreCase !== 'boolean') throw invalid(at, '`ignoreCase` must be true or false');
  const expected = c[operator] as unknown;
  const spec = specOf(operator);
  if (spec === undefined) throw invalid(at, `operator \`${operator}\` cannot be used here`);
  return {
    field,
    operator,
    ignoreCase: c.ignoreCase === true && spec.caseApplies,
    expected,
    spec,
    // `empty: false` is the negation of `empty: true`, as notIn is of in.
    negated: NEGATES[operator] !== undefined || spec.negatedBy?.(expected) === true,
  };
}

/** Throws CONFIG_INVALID when `expected` does not suit the (positive) operator. */
function checkExpected(h: ConditionHead, at: string): void {
  const why = h.spec.refuse(h.expected, h.ignoreCase);
  if (why !== undefined) throw invalid(at, why);
}

/**
 * Throws exactly what compileCondition would throw for `c`, and builds nothing: the loader-time
 * check of a rule list whose closures are made when it is first used.
 */
export function checkCondition(c: Condition, at: string): void {
  checkExpected(conditionHead(c, at), at);
}

export function compileCondition(c: Condition, at: string): CompiledCondition {
  const h = conditionHead(c, at);
  checkExpected(h, at);
  return new Compiled(h);
}

// A class, not an object of closures: one per condition of every rule list a lead reaches, so
// only the predicate is a closure; the code and the words are made when asked for.
class Compiled implements CompiledCondition {
  readonly field: string;
  readonly operator: Operator;
  readonly expected: unknown;
  readonly read: PathReader;
  readonly check: Predicate;
  private readonly spec: OperatorSpec;
  readonly ignoreCase: boolean;
  private readonly negated: boolean;
  private words: [no: string, yes: string] | undefined;

  constructor(h: ConditionHead) {
    this.field = h.field;
    this.operator = h.operator;
    this.expected = h.expected;
    this.spec = h.spec;
    this.ignoreCase = h.ignoreCase;
    this.negated = h.negated;
    this.read = compilePath(h.field);
    const pred = h.spec.predicate(h.expected, h.ignoreCase);
    this.check = h.negated ? negate(pred) : pred;
  }

  get segments(): readonly string[] {
    return this.field.split('.');
  }

  code(c: Constant): string {
    const code = this.spec.expression(this.expected, this.ignoreCase, c);
    return this.negated ? `!(${code})` : `(${code})`;
  }

  describe(actual: unknown, held: boolean): string {
    const field = this.field;
    if (actual === undefined) return `${field} is missing`;
    if (actual === null) return `${field} is null`;
    const yes = held !== this.negated;
    // Made on the first explain, then kept: partners that miss their rules are explained per lead.
    const words = (this.words ??= [this.phrase(false), this.phrase(true)])[yes ? 1 : 0];
    return `${field} ${formatValue(actual)}${wrongTypeNote(this.spec.kind, actual)} ${words}`;
  }

  private phrase(yes: boolean): string {
    return this.spec.phrase(this.expected, this.ignoreCase, yes) + (this.ignoreCase ? ' (ignoring case)' : '');
  }
}

function negate(pred: Predicate): Predicate {
  return (v) => !pred(v);
}

function wrongTypeNote(kind: ValueKind, v: unknown): string {
  const t = typeof v;
  if (kind === 'any') return '';
  if (kind === 'number' && t === 'number') return '';
  if (kind === 'string' && t === 'string') return '';
  if (kind === 'string-or-array' && (t === 'string' || isArray(v))) return '';
  return ` (${typeName(v)})`;
}
