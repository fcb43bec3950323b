// One condition compiled to a predicate over the field's value. Everything that can be decided
// from the rule alone (lowercasing, Sets, regexes) is done here, once. Predicates are strict
// about types (a numeric string is not a number, a number is not a string) and never throw.
// checkCondition refuses exactly what compileCondition refuses, building nothing (the loader-time
// check of rule lists that are built when first used).
import { OPERATORS } from '../config/types.ts';
import type { Condition, Operator, Scalar } from '../config/types.ts';
import { LeadrouteError } from '../errors.ts';
import { formatList, formatValue, typeName } from './format.ts';
import { compilePath } from './path.ts';
import { compileRegex, regexIssue, showRegex, type LinearRegex } from './regex.ts';
import type { PathReader } from './path.ts';

export type Predicate = (v: unknown) => boolean;

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

type Kind = 'string' | 'number' | 'any';

/** Registers a value as a constant of generated code; returns the identifier to use for it. */
export type Constant = (value: unknown) => string;

const NEGATED: Partial<Record<Operator, Operator>> = {
  notEquals: 'equals',
  notContains: 'contains',
  notIn: 'in',
};
const CASE_OPS = new Set<Operator>([
  'equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'endsWith', 'in', 'notIn', 'matches',
]);
const OPERATOR_SET = new Set<string>(OPERATORS);
const WHITESPACE_ONLY = /^\s*$/;
const hasOwn = Object.hasOwn;

export function invalid(at: string, message: string): LeadrouteError {
  return new LeadrouteError('CONFIG_INVALID', `${at}: ${message}`, { at });
}

/** What a condition says, once its shape is checked (the operator's value is checked apart). */
interface ConditionHead {
  field: string;
  operator: Operator;
  ignoreCase: boolean;
  expected: unknown;
  positiveOp: Operator;
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
  return {
    field,
    operator,
    ignoreCase: c.ignoreCase === true && CASE_OPS.has(operator),
    expected,
    positiveOp: NEGATED[operator] ?? operator,
    // `empty: false` is the negation of `empty: true`, as notIn is of in.
    negated: NEGATED[operator] !== undefined || (operator === 'empty' && expected === false),
  };
}

/**
 * Throws exactly what compileCondition would throw for `c`, and builds nothing: the loader-time
 * check of a rule list whose closures are made when it is first used.
 */
export function checkCondition(c: Condition, at: string): void {
  const h = conditionHead(c, at);
  checkExpected(h.positiveOp, h.expected, h.ignoreCase, at);
}

export function compileCondition(c: Condition, at: string): CompiledCondition {
  const h = conditionHead(c, at);
  checkExpected(h.positiveOp, h.expected, h.ignoreCase, at);
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
  private readonly positiveOp: Operator;
  readonly ignoreCase: boolean;
  private readonly negated: boolean;
  private words: [no: string, yes: string] | undefined;

  constructor(h: ConditionHead) {
    this.field = h.field;
    this.operator = h.operator;
    this.expected = h.expected;
    this.positiveOp = h.positiveOp;
    this.ignoreCase = h.ignoreCase;
    this.negated = h.negated;
    this.read = compilePath(h.field);
    const pred = predicate(h.positiveOp, h.expected, h.ignoreCase);
    this.check = h.negated ? negate(pred) : pred;
  }

  get segments(): readonly string[] {
    return this.field.split('.');
  }

  code(c: Constant): string {
    const code = expression(this.positiveOp, this.expected, this.ignoreCase, c);
    return this.negated ? `!(${code})` : `(${code})`;
  }

  describe(actual: unknown, held: boolean): string {
    const field = this.field;
    if (actual === undefined) return `${field} is missing`;
    if (actual === null) return `${field} is null`;
    const yes = held !== this.negated;
    // Made on the first explain, then kept: partners that miss their rules are explained per lead.
    const words = (this.words ??= [this.phrase(false), this.phrase(true)])[yes ? 1 : 0];
    return `${field} ${formatValue(actual)}${wrongTypeNote(kindOf(this.positiveOp), actual)} ${words}`;
  }

  private phrase(yes: boolean): string {
    return phrase(this.positiveOp, this.expected, this.ignoreCase, yes) + (this.ignoreCase ? ' (ignoring case)' : '');
  }
}

function negate(pred: Predicate): Predicate {
  return (v) => !pred(v);
}

function wrongTypeNote(kind: Kind | 'string-or-array', v: unknown): string {
  const t = typeof v;
  if (kind === 'any') return '';
  if (kind === 'number' && t === 'number') return '';
  if (kind === 'string' && t === 'string') return '';
  if (kind === 'string-or-array' && (t === 'string' || isArray(v))) return '';
  return ` (${typeName(v)})`;
}

/** Throws CONFIG_INVALID when `expected` does not suit the (positive) operator `op`. */
function checkExpected(op: Operator, expected: unknown, ignoreCase: boolean, at: string): void {
  switch (op) {
    case 'equals':
      if (!isScalar(expected)) throw invalid(at, `\`${op}\` needs a string, number or boolean`);
      return;
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof expected !== 'string') throw invalid(at, `\`${op}\` needs a string`);
      return;
    case 'in':
      if (!Array.isArray(expected) || !expected.every(isScalar)) throw invalid(at, '`in` needs a list of strings, numbers or booleans');
      return;
    case 'between': {
      if (!Array.isArray(expected) || expected.length !== 2 || !expected.every(isNumber)) {
        throw invalid(at, '`between` needs two numbers, [min, max]');
      }
      const [min, max] = expected as [number, number];
      if (min > max) throw invalid(at, `\`between\` has min ${min} > max ${max}: it can never hold`);
      return;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (!isNumber(expected)) throw invalid(at, `\`${op}\` needs a number`);
      return;
    case 'matches':
      if (typeof expected !== 'string') throw invalid(at, `\`${op}\` needs a string`);
      {
        const issue = regexIssue(expected, ignoreCase);
        if (issue) {
          const what = issue.code === 'INVALID_REGEX' ? 'does not compile' : 'cannot be used';
          throw invalid(at, `\`matches\` regex ${JSON.stringify(expected)} ${what}: ${issue.reason}`);
        }
      }
      return;
    case 'empty':
      if (typeof expected !== 'boolean') throw invalid(at, '`empty` must be true or false');
      return;
    default:
      throw invalid(at, `operator \`${op}\` cannot be used here`);
  }
}

/** The type a value must have for the positive operator `op` to possibly hold. */
function kindOf(op: Operator): Kind | 'string-or-array' {
  switch (op) {
    case 'contains': return 'string-or-array';
    case 'startsWith': case 'endsWith': case 'matches': return 'string';
    case 'between': case 'gt': case 'gte': case 'lt': case 'lte': return 'number';
    default: return 'any';
  }
}

/** What a value satisfying (`yes`) or not satisfying the positive operator "does", in words. */
function phrase(op: Operator, expected: unknown, ignoreCase: boolean, yes: boolean): string {
  switch (op) {
    case 'equals': return `${yes ? 'equals' : 'does not equal'} ${formatValue(expected)}`;
    case 'contains': return `${yes ? 'contains' : 'does not contain'} ${formatValue(expected)}`;
    case 'startsWith': return `${yes ? 'starts with' : 'does not start with'} ${formatValue(expected)}`;
    case 'endsWith': return `${yes ? 'ends with' : 'does not end with'} ${formatValue(expected)}`;
    case 'in': return `${yes ? 'is in' : 'is not in'} ${formatList(expected as readonly Scalar[])}`;
    case 'between': {
      const [min, max] = expected as [number, number];
      return `${yes ? 'is between' : 'is not between'} ${min} and ${max}`;
    }
    case 'gt': return `${yes ? 'is greater than' : 'is not greater than'} ${expected}`;
    case 'gte': return `${yes ? 'is at least' : 'is not at least'} ${expected}`;
    case 'lt': return `${yes ? 'is less than' : 'is not less than'} ${expected}`;
    case 'lte': return `${yes ? 'is at most' : 'is not at most'} ${expected}`;
    case 'matches': return `${yes ? 'matches' : 'does not match'} ${showRegex(expected as string, ignoreCase)}`;
    default: return yes ? 'is empty' : 'is not empty';
  }
}

// The two forms of each positive operator: a closure (`predicate`, the reference, used by the
// closure tree and explain) and a JavaScript expression over `v` (`expression`, for the
// generated fast path); codegen.test.ts checks they agree. Both trust checkExpected. Rule values
// only ever enter the code through `c(value)`, as captured constants, never as source text.

/** The predicate of a positive operator whose value checkExpected accepted: never throws. */
function predicate(op: Operator, expected: unknown, ignoreCase: boolean): Predicate {
  switch (op) {
    case 'equals': {
      const exp = expected as Scalar;
      if (ignoreCase && typeof exp === 'string') {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && (v === exp || v.toLowerCase() === lower);
      }
      return (v) => v === exp;
    }
    case 'contains': {
      const exp = expected as string;
      const inArray = containsElement(exp, ignoreCase);
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => (typeof v === 'string' ? v.toLowerCase().includes(lower) : inArray(v));
      }
      return (v) => (typeof v === 'string' ? v.includes(exp) : inArray(v));
    }
    case 'startsWith': {
      const exp = expected as string;
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && v.toLowerCase().startsWith(lower);
      }
      return (v) => typeof v === 'string' && v.startsWith(exp);
    }
    case 'endsWith': {
      const exp = expected as string;
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && v.toLowerCase().endsWith(lower);
      }
      return (v) => typeof v === 'string' && v.endsWith(exp);
    }
    case 'in': {
      const set = inSet(expected, ignoreCase);
      const inArray = inElement(set, ignoreCase);
      if (ignoreCase) {
        const has = lowerHas(set);
        return (v) => (typeof v === 'object' ? inArray(v) : has(v));
      }
      return (v) => (typeof v === 'object' ? inArray(v) : set.has(v));
    }
    case 'between': {
      const [min, max] = expected as [number, number];
      return (v) => typeof v === 'number' && v >= min && v <= max;
    }
    case 'gt': {
      const n = expected as number;
      return (v) => typeof v === 'number' && v > n;
    }
    case 'gte': {
      const n = expected as number;
      return (v) => typeof v === 'number' && v >= n;
    }
    case 'lt': {
      const n = expected as number;
      return (v) => typeof v === 'number' && v < n;
    }
    case 'lte': {
      const n = expected as number;
      return (v) => typeof v === 'number' && v <= n;
    }
    case 'matches': {
      const re = regex(expected, ignoreCase);
      return (v) => typeof v === 'string' && re.test(v);
    }
    default: // empty
      return isEmpty;
  }
}

/** The same predicate as an expression over `v`; its constants are made afresh, registered with `c`. */
function expression(op: Operator, expected: unknown, ignoreCase: boolean, c: Constant): string {
  switch (op) {
    case 'equals':
      if (ignoreCase && typeof expected === 'string') {
        return `(typeof v === 'string' && (v === ${c(expected)} || v.toLowerCase() === ${c(expected.toLowerCase())}))`;
      }
      return `v === ${c(expected)}`;
    case 'contains': {
      const inArray = c(containsElement(expected as string, ignoreCase));
      return ignoreCase
        ? `(typeof v === 'string' ? v.toLowerCase().includes(${c((expected as string).toLowerCase())}) : ${inArray}(v))`
        : `(typeof v === 'string' ? v.includes(${c(expected)}) : ${inArray}(v))`;
    }
    case 'startsWith':
      return ignoreCase
        ? `(typeof v === 'string' && v.toLowerCase().startsWith(${c((expected as string).toLowerCase())}))`
        : `(typeof v === 'string' && v.startsWith(${c(expected)}))`;
    case 'endsWith':
      return ignoreCase
        ? `(typeof v === 'string' && v.toLowerCase().endsWith(${c((expected as string).toLowerCase())}))`
        : `(typeof v === 'string' && v.endsWith(${c(expected)}))`;
    case 'in': {
      const set = inSet(expected, ignoreCase);
      const inArray = c(inElement(set, ignoreCase));
      return ignoreCase
        ? `(typeof v === 'string' ? ${c(set)}.has(v.toLowerCase()) : typeof v === 'object' ? ${inArray}(v) : ${c(set)}.has(v))`
        : `(typeof v === 'object' ? ${inArray}(v) : ${c(set)}.has(v))`;
    }
    case 'between': {
      const [min, max] = expected as [number, number];
      return `(typeof v === 'number' && v >= ${c(min)} && v <= ${c(max)})`;
    }
    case 'gt': return `(typeof v === 'number' && v > ${c(expected)})`;
    case 'gte': return `(typeof v === 'number' && v >= ${c(expected)})`;
    case 'lt': return `(typeof v === 'number' && v < ${c(expected)})`;
    case 'lte': return `(typeof v === 'number' && v <= ${c(expected)})`;
    case 'matches': return `(typeof v === 'string' && ${c(regex(expected, ignoreCase))}.test(v))`;
    default: return `${c(isEmpty)}(v)`; // empty
  }
}

/** Linear-time (regex.ts): no lead value can make a rule backtrack. */
function regex(source: unknown, ignoreCase: boolean): LinearRegex {
  return compileRegex(source as string, ignoreCase);
}

/** `in`'s values, lowercased for ignoreCase. */
function inSet(expected: unknown, ignoreCase: boolean): Set<unknown> {
  const list = expected as readonly Scalar[];
  return new Set<unknown>(ignoreCase ? list.map((x) => (typeof x === 'string' ? x.toLowerCase() : x)) : list);
}

/** `in` for an array value: some element is in the set. */
function inElement(set: ReadonlySet<unknown>, ignoreCase: boolean): Predicate {
  return someOf(ignoreCase ? lowerHas(set) : (el) => set.has(el));
}

/** `contains` for an array value: some element equals `exp` (a string element ignoring case, with ignoreCase). */
function containsElement(exp: string, ignoreCase: boolean): Predicate {
  if (!ignoreCase) return someOf((el) => el === exp);
  const lower = exp.toLowerCase();
  return someOf((el) => el === exp || (typeof el === 'string' && el.toLowerCase() === lower));
}

/** For array values: does some element satisfy `pred`? */
function someOf(pred: Predicate): Predicate {
  return (v) => someElement(v, pred);
}

function lowerHas(set: ReadonlySet<unknown>): Predicate {
  return (el) => set.has(typeof el === 'string' ? el.toLowerCase() : el);
}

/** Missing, null, '' or whitespace only, [] or {}. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return WHITESPACE_ONLY.test(v);
  if (typeof v !== 'object') return false;
  try {
    if (Array.isArray(v)) return v.length === 0;
    for (const k in v) if (hasOwn(v, k)) return false;
    return true;
  } catch {
    return false; // unreadable: something is there
  }
}

/** For array values only: does some element satisfy `pred`? Unreadable arrays satisfy nothing. */
function someElement(v: unknown, pred: Predicate): boolean {
  try {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (pred(v[i])) return true;
    return false;
  } catch {
    return false;
  }
}

function isArray(v: unknown): boolean {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || isNumber(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}
