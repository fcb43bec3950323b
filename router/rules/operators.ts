// One condition compiled to a predicate over the field's value. Everything that can be decided
// from the rule alone (lowercasing, Sets, regexes) is done here, once. Predicates are strict
// about types (a numeric string is not a number, a number is not a string) and never throw.
import { OPERATORS } from '../config/types.ts';
import type { Condition, Operator, Scalar } from '../config/types.ts';
import { LeadrouteError } from '../errors.ts';
import { formatList, formatValue, typeName } from './format.ts';
import { compilePath } from './path.ts';
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
  /** One line of English about `actual` and this condition, which `held` or not. */
  describe(actual: unknown, held: boolean): string;
}

type Kind = 'string' | 'number' | 'any';

/** Registers a value as a constant of generated code; returns the identifier to use for it. */
export type Constant = (value: unknown) => string;

interface Positive {
  pred: Predicate;
  code: (c: Constant) => string;
  /** What a value satisfying / not satisfying the positive operator "does". */
  yes: string;
  no: string;
  /** The type a value must have for the operator to possibly hold. */
  kind: Kind | 'string-or-array';
}

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

export function compileCondition(c: Condition, at: string): CompiledCondition {
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
  const ignoreCase = c.ignoreCase === true && CASE_OPS.has(operator);
  const expected = c[operator] as unknown;

  const positiveOp = NEGATED[operator] ?? operator;
  // `empty: false` is the negation of `empty: true`, as notIn is of in.
  const negated = NEGATED[operator] !== undefined || (operator === 'empty' && expected === false);
  const pos = positive(positiveOp, expected, ignoreCase, at);
  const pred = pos.pred;
  const check: Predicate = negated ? (v) => !pred(v) : pred;
  const caseNote = ignoreCase ? ' (ignoring case)' : '';

  return {
    field,
    operator,
    expected,
    segments: field.split('.'),
    read: compilePath(field),
    check,
    code: (c) => (negated ? `!(${pos.code(c)})` : `(${pos.code(c)})`),
    describe(actual, held) {
      if (actual === undefined) return `${field} is missing`;
      if (actual === null) return `${field} is null`;
      const phrase = (held !== negated ? pos.yes : pos.no) + caseNote;
      return `${field} ${formatValue(actual)}${wrongTypeNote(pos.kind, actual)} ${phrase}`;
    },
  };
}

function wrongTypeNote(kind: Positive['kind'], v: unknown): string {
  const t = typeof v;
  if (kind === 'any') return '';
  if (kind === 'number' && t === 'number') return '';
  if (kind === 'string' && t === 'string') return '';
  if (kind === 'string-or-array' && (t === 'string' || isArray(v))) return '';
  return ` (${typeName(v)})`;
}

function positive(op: Operator, expected: unknown, ignoreCase: boolean, at: string): Positive {
  // Each case gives the predicate twice: as a closure (`pred`, the reference, used by explain)
  // and as a JavaScript expression over `v` (`code`, for the generated fast path). Rule values
  // only ever enter the code through `c(value)`, as captured constants, never as source text.
  switch (op) {
    case 'equals': {
      const exp = scalar(expected, op, at);
      const words = { yes: `equals ${formatValue(exp)}`, no: `does not equal ${formatValue(exp)}`, kind: 'any' as const };
      if (ignoreCase && typeof exp === 'string') {
        const lower = exp.toLowerCase();
        return {
          ...words,
          pred: (v) => typeof v === 'string' && (v === exp || v.toLowerCase() === lower),
          code: (c) => `(typeof v === 'string' && (v === ${c(exp)} || v.toLowerCase() === ${c(lower)}))`,
        };
      }
      return { ...words, pred: (v) => v === exp, code: (c) => `v === ${c(exp)}` };
    }
    case 'contains': {
      const exp = string(expected, op, at);
      const words = { yes: `contains ${formatValue(exp)}`, no: `does not contain ${formatValue(exp)}`, kind: 'string-or-array' as const };
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        const inArray = (v: unknown) => someElement(v, (el) => el === exp || (typeof el === 'string' && el.toLowerCase() === lower));
        return {
          ...words,
          pred: (v) => (typeof v === 'string' ? v.toLowerCase().includes(lower) : inArray(v)),
          code: (c) => `(typeof v === 'string' ? v.toLowerCase().includes(${c(lower)}) : ${c(inArray)}(v))`,
        };
      }
      const inArray = (v: unknown) => someElement(v, (el) => el === exp);
      return {
        ...words,
        pred: (v) => (typeof v === 'string' ? v.includes(exp) : inArray(v)),
        code: (c) => `(typeof v === 'string' ? v.includes(${c(exp)}) : ${c(inArray)}(v))`,
      };
    }
    case 'startsWith': {
      const exp = string(expected, op, at);
      const words = { yes: `starts with ${formatValue(exp)}`, no: `does not start with ${formatValue(exp)}`, kind: 'string' as const };
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return {
          ...words,
          pred: (v) => typeof v === 'string' && v.toLowerCase().startsWith(lower),
          code: (c) => `(typeof v === 'string' && v.toLowerCase().startsWith(${c(lower)}))`,
        };
      }
      return { ...words, pred: (v) => typeof v === 'string' && v.startsWith(exp), code: (c) => `(typeof v === 'string' && v.startsWith(${c(exp)}))` };
    }
    case 'endsWith': {
      const exp = string(expected, op, at);
      const words = { yes: `ends with ${formatValue(exp)}`, no: `does not end with ${formatValue(exp)}`, kind: 'string' as const };
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return {
          ...words,
          pred: (v) => typeof v === 'string' && v.toLowerCase().endsWith(lower),
          code: (c) => `(typeof v === 'string' && v.toLowerCase().endsWith(${c(lower)}))`,
        };
      }
      return { ...words, pred: (v) => typeof v === 'string' && v.endsWith(exp), code: (c) => `(typeof v === 'string' && v.endsWith(${c(exp)}))` };
    }
    case 'in': {
      if (!Array.isArray(expected) || !expected.every(isScalar)) throw invalid(at, '`in` needs a list of strings, numbers or booleans');
      const list = expected as readonly Scalar[];
      const words = { yes: `is in ${formatList(list)}`, no: `is not in ${formatList(list)}`, kind: 'any' as const };
      if (ignoreCase) {
        const set = new Set<unknown>(list.map((x) => (typeof x === 'string' ? x.toLowerCase() : x)));
        const has = (el: unknown) => set.has(typeof el === 'string' ? el.toLowerCase() : el);
        const inArray = (v: unknown) => someElement(v, has);
        return {
          ...words,
          pred: (v) => (typeof v === 'object' ? inArray(v) : has(v)),
          code: (c) => `(typeof v === 'string' ? ${c(set)}.has(v.toLowerCase()) : typeof v === 'object' ? ${c(inArray)}(v) : ${c(set)}.has(v))`,
        };
      }
      const set = new Set<unknown>(list);
      const inArray = (v: unknown) => someElement(v, (el) => set.has(el));
      return {
        ...words,
        pred: (v) => (typeof v === 'object' ? inArray(v) : set.has(v)),
        code: (c) => `(typeof v === 'object' ? ${c(inArray)}(v) : ${c(set)}.has(v))`,
      };
    }
    case 'between': {
      if (!Array.isArray(expected) || expected.length !== 2 || !expected.every(isNumber)) {
        throw invalid(at, '`between` needs two numbers, [min, max]');
      }
      const [min, max] = expected as [number, number];
      if (min > max) throw invalid(at, `\`between\` has min ${min} > max ${max}: it can never hold`);
      return {
        pred: (v) => typeof v === 'number' && v >= min && v <= max,
        code: (c) => `(typeof v === 'number' && v >= ${c(min)} && v <= ${c(max)})`,
        yes: `is between ${min} and ${max}`, no: `is not between ${min} and ${max}`, kind: 'number',
      };
    }
    case 'gt': {
      const n = number(expected, op, at);
      return {
        pred: (v) => typeof v === 'number' && v > n, code: (c) => `(typeof v === 'number' && v > ${c(n)})`,
        yes: `is greater than ${n}`, no: `is not greater than ${n}`, kind: 'number',
      };
    }
    case 'gte': {
      const n = number(expected, op, at);
      return {
        pred: (v) => typeof v === 'number' && v >= n, code: (c) => `(typeof v === 'number' && v >= ${c(n)})`,
        yes: `is at least ${n}`, no: `is not at least ${n}`, kind: 'number',
      };
    }
    case 'lt': {
      const n = number(expected, op, at);
      return {
        pred: (v) => typeof v === 'number' && v < n, code: (c) => `(typeof v === 'number' && v < ${c(n)})`,
        yes: `is less than ${n}`, no: `is not less than ${n}`, kind: 'number',
      };
    }
    case 'lte': {
      const n = number(expected, op, at);
      return {
        pred: (v) => typeof v === 'number' && v <= n, code: (c) => `(typeof v === 'number' && v <= ${c(n)})`,
        yes: `is at most ${n}`, no: `is not at most ${n}`, kind: 'number',
      };
    }
    case 'matches': {
      const source = string(expected, op, at);
      let re: RegExp;
      try {
        re = new RegExp(source, ignoreCase ? 'i' : '');
      } catch (err) {
        throw invalid(at, `\`matches\` regex ${JSON.stringify(source)} does not compile: ${(err as Error).message}`);
      }
      // No g/y flag: RegExp#test keeps no state between leads.
      return {
        pred: (v) => typeof v === 'string' && re.test(v), code: (c) => `(typeof v === 'string' && ${c(re)}.test(v))`,
        yes: `matches ${re}`, no: `does not match ${re}`, kind: 'string',
      };
    }
    case 'empty': {
      if (typeof expected !== 'boolean') throw invalid(at, '`empty` must be true or false');
      return { pred: isEmpty, code: (c) => `${c(isEmpty)}(v)`, yes: 'is empty', no: 'is not empty', kind: 'any' };
    }
    default:
      throw invalid(at, `operator \`${op}\` cannot be used here`);
  }
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

function scalar(v: unknown, op: Operator, at: string): Scalar {
  if (!isScalar(v)) throw invalid(at, `\`${op}\` needs a string, number or boolean`);
  return v;
}

function string(v: unknown, op: Operator, at: string): string {
  if (typeof v !== 'string') throw invalid(at, `\`${op}\` needs a string`);
  return v;
}

function number(v: unknown, op: Operator, at: string): number {
  if (!isNumber(v)) throw invalid(at, `\`${op}\` needs a number`);
  return v;
}
