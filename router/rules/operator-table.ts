// One record per operator: the check of its value at load, the type of value it can hold for, its
// words, its predicate and its generated code, side by side, so that adding an operator touches
// this table only. Negative operators (notEquals, notContains, notIn) are the negation of a
// positive one (NEGATES); `empty: false` negates `empty: true`.
//
// The two forms of each operator, a closure (`predicate`: the reference, used by the closure tree
// and explain) and a JavaScript expression over `v` (`expression`: the generated fast path), must
// agree: codegen.test.ts checks they do. Both trust `refuse`. Rule values only ever enter the code
// through `c(value)`, as captured constants, never as source text.
import type { Operator, Scalar } from '../config/types.ts';
import { formatList, formatValue } from './format.ts';
import { containsElement, inElement, inSet, isEmpty, isNumber, isScalar, lowerHas, type Predicate } from './operator-values.ts';
import { compileRegex, regexIssue, showRegex } from './regex.ts';

/** Registers a value as a constant of generated code; returns the identifier to use for it. */
export type Constant = (value: unknown) => string;

/** The type a value must have for the operator to possibly hold. */
export type ValueKind = 'string' | 'number' | 'any' | 'string-or-array';

export interface OperatorSpec {
  kind: ValueKind;
  /** What its value is compared with a field's type and enum as (at load): one value, or a list of them. */
  compares?: 'value' | 'list';
  /** Whether `ignoreCase` applies to it. */
  caseApplies: boolean;
  /** Why `expected` does not suit the operator (the check at load); undefined when it does. */
  refuse(expected: unknown, ignoreCase: boolean): string | undefined;
  /** True when this value makes the condition the negation of the operator (`empty: false`). */
  negatedBy?(expected: unknown): boolean;
  /** What a value satisfying (`yes`) or not satisfying it "does", in words. */
  phrase(expected: unknown, ignoreCase: boolean, yes: boolean): string;
  /** The predicate of the operator, for a value `refuse` accepted: never throws. */
  predicate(expected: unknown, ignoreCase: boolean): Predicate;
  /** The same predicate as an expression over `v`; its constants are made afresh, registered with `c`. */
  expression(expected: unknown, ignoreCase: boolean, c: Constant): string;
}

export type PositiveOperator = Exclude<Operator, 'notEquals' | 'notContains' | 'notIn'>;

/** Negative operators and the positive operator each negates. */
export const NEGATES: Partial<Record<Operator, PositiveOperator>> = {
  notEquals: 'equals',
  notContains: 'contains',
  notIn: 'in',
};

const needsString = (op: string) => (expected: unknown) => (typeof expected === 'string' ? undefined : `\`${op}\` needs a string`);
const needsNumber = (op: string) => (expected: unknown) => (isNumber(expected) ? undefined : `\`${op}\` needs a number`);

/** The record of an operator (a negative one's is the positive one's). */
export function specOf(op: Operator): OperatorSpec {
  return OPERATOR_TABLE[NEGATES[op] ?? (op as PositiveOperator)];
}

export const OPERATOR_TABLE: Readonly<Record<PositiveOperator, OperatorSpec>> = {
  equals: {
    kind: 'any',
    compares: 'value',
    caseApplies: true,
    refuse: (expected) => (isScalar(expected) ? undefined : '`equals` needs a string, number or boolean'),
    phrase: (expected, _i, yes) => `${yes ? 'equals' : 'does not equal'} ${formatValue(expected)}`,
    predicate(expected, ignoreCase) {
      const exp = expected as Scalar;
      if (ignoreCase && typeof exp === 'string') {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && (v === exp || v.toLowerCase() === lower);
      }
      return (v) => v === exp;
    },
    expression(expected, ignoreCase, c) {
      if (ignoreCase && typeof expected === 'string') {
        return `(typeof v === 'string' && (v === ${c(expected)} || v.toLowerCase() === ${c(expected.toLowerCase())}))`;
      }
      return `v === ${c(expected)}`;
    },
  },

  contains: {
    kind: 'string-or-array',
    caseApplies: true,
    refuse: needsString('contains'),
    phrase: (expected, _i, yes) => `${yes ? 'contains' : 'does not contain'} ${formatValue(expected)}`,
    predicate(expected, ignoreCase) {
      const exp = expected as string;
      const inArray = containsElement(exp, ignoreCase);
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => (typeof v === 'string' ? v.toLowerCase().includes(lower) : inArray(v));
      }
      return (v) => (typeof v === 'string' ? v.includes(exp) : inArray(v));
    },
    expression(expected, ignoreCase, c) {
      const inArray = c(containsElement(expected as string, ignoreCase));
      return ignoreCase
        ? `(typeof v === 'string' ? v.toLowerCase().includes(${c((expected as string).toLowerCase())}) : ${inArray}(v))`
        : `(typeof v === 'string' ? v.includes(${c(expected)}) : ${inArray}(v))`;
    },
  },

  startsWith: {
    kind: 'string',
    caseApplies: true,
    refuse: needsString('startsWith'),
    phrase: (expected, _i, yes) => `${yes ? 'starts with' : 'does not start with'} ${formatValue(expected)}`,
    predicate(expected, ignoreCase) {
      const exp = expected as string;
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && v.toLowerCase().startsWith(lower);
      }
      return (v) => typeof v === 'string' && v.startsWith(exp);
    },
    expression: (expected, ignoreCase, c) => (ignoreCase
      ? `(typeof v === 'string' && v.toLowerCase().startsWith(${c((expected as string).toLowerCase())}))`
      : `(typeof v === 'string' && v.startsWith(${c(expected)}))`),
  },

  endsWith: {
    kind: 'string',
    caseApplies: true,
    refuse: needsString('endsWith'),
    phrase: (expected, _i, yes) => `${yes ? 'ends with' : 'does not end with'} ${formatValue(expected)}`,
    predicate(expected, ignoreCase) {
      const exp = expected as string;
      if (ignoreCase) {
        const lower = exp.toLowerCase();
        return (v) => typeof v === 'string' && v.toLowerCase().endsWith(lower);
      }
      return (v) => typeof v === 'string' && v.endsWith(exp);
    },
    expression: (expected, ignoreCase, c) => (ignoreCase
      ? `(typeof v === 'string' && v.toLowerCase().endsWith(${c((expected as string).toLowerCase())}))`
      : `(typeof v === 'string' && v.endsWith(${c(expected)}))`),
  },

  in: {
    kind: 'any',
    compares: 'list',
    caseApplies: true,
    refuse: (expected) => (Array.isArray(expected) && expected.every(isScalar) ? undefined : '`in` needs a list of strings, numbers or booleans'),
    phrase: (expected, _i, yes) => `${yes ? 'is in' : 'is not in'} ${formatList(expected as readonly Scalar[])}`,
    predicate(expected, ignoreCase) {
      const set = inSet(expected, ignoreCase);
      const inArray = inElement(set, ignoreCase);
      if (ignoreCase) {
        const has = lowerHas(set);
        return (v) => (typeof v === 'object' ? inArray(v) : has(v));
      }
      return (v) => (typeof v === 'object' ? inArray(v) : set.has(v));
    },
    expression(expected, ignoreCase, c) {
      const set = inSet(expected, ignoreCase);
      const inArray = c(inElement(set, ignoreCase));
      return ignoreCase
        ? `(typeof v === 'string' ? ${c(set)}.has(v.toLowerCase()) : typeof v === 'object' ? ${inArray}(v) : ${c(set)}.has(v))`
        : `(typeof v === 'object' ? ${inArray}(v) : ${c(set)}.has(v))`;
    },
  },

  between: {
    kind: 'number',
    caseApplies: false,
    refuse(expected) {
      if (!Array.isArray(expected) || expected.length !== 2 || !expected.every(isNumber)) return '`between` needs two numbers, [min, max]';
      const [min, max] = expected as [number, number];
      return min > max ? `\`between\` has min ${min} > max ${max}: it can never hold` : undefined;
    },
    phrase(expected, _i, yes) {
      const [min, max] = expected as [number, number];
      return `${yes ? 'is between' : 'is not between'} ${min} and ${max}`;
    },
    predicate(expected) {
      const [min, max] = expected as [number, number];
      return (v) => typeof v === 'number' && v >= min && v <= max;
    },
    expression(expected, _i, c) {
      const [min, max] = expected as [number, number];
      return `(typeof v === 'number' && v >= ${c(min)} && v <= ${c(max)})`;
    },
  },

  gt: {
    kind: 'number',
    caseApplies: false,
    refuse: needsNumber('gt'),
    phrase: (expected, _i, yes) => `${yes ? 'is greater than' : 'is not greater than'} ${expected as number}`,
    predicate(expected) {
      const n = expected as number;
      return (v) => typeof v === 'number' && v > n;
    },
    expression: (expected, _i, c) => `(typeof v === 'number' && v > ${c(expected)})`,
  },

  gte: {
    kind: 'number',
    caseApplies: false,
    refuse: needsNumber('gte'),
    phrase: (expected, _i, yes) => `${yes ? 'is at least' : 'is not at least'} ${expected as number}`,
    predicate(expected) {
      const n = expected as number;
      return (v) => typeof v === 'number' && v >= n;
    },
    expression: (expected, _i, c) => `(typeof v === 'number' && v >= ${c(expected)})`,
  },

  lt: {
    kind: 'number',
    caseApplies: false,
    refuse: needsNumber('lt'),
    phrase: (expected, _i, yes) => `${yes ? 'is less than' : 'is not less than'} ${expected as number}`,
    predicate(expected) {
      const n = expected as number;
      return (v) => typeof v === 'number' && v < n;
    },
    expression: (expected, _i, c) => `(typeof v === 'number' && v < ${c(expected)})`,
  },

  lte: {
    kind: 'number',
    caseApplies: false,
    refuse: needsNumber('lte'),
    phrase: (expected, _i, yes) => `${yes ? 'is at most' : 'is not at most'} ${expected as number}`,
    predicate(expected) {
      const n = expected as number;
      return (v) => typeof v === 'number' && v <= n;
    },
    expression: (expected, _i, c) => `(typeof v === 'number' && v <= ${c(expected)})`,
  },

  // Linear-time (regex.ts): no lead value can make a rule backtrack. No g/y flag: no state between leads.
  matches: {
    kind: 'string',
    caseApplies: true,
    refuse(expected, ignoreCase) {
      if (typeof expected !== 'string') return '`matches` needs a string';
      const issue = regexIssue(expected, ignoreCase);
      if (!issue) return undefined;
      const what = issue.code === 'INVALID_REGEX' ? 'does not compile' : 'cannot be used';
      return `\`matches\` regex ${JSON.stringify(expected)} ${what}: ${issue.reason}`;
    },
    phrase: (expected, ignoreCase, yes) => `${yes ? 'matches' : 'does not match'} ${showRegex(expected as string, ignoreCase)}`,
    predicate(expected, ignoreCase) {
      const re = compileRegex(expected as string, ignoreCase);
      return (v) => typeof v === 'string' && re.test(v);
    },
    expression: (expected, ignoreCase, c) => `(typeof v === 'string' && ${c(compileRegex(expected as string, ignoreCase))}.test(v))`,
  },

  empty: {
    kind: 'any',
    caseApplies: false,
    refuse: (expected) => (typeof expected === 'boolean' ? undefined : '`empty` must be true or false'),
    negatedBy: (expected) => expected === false,
    phrase: (_e, _i, yes) => (yes ? 'is empty' : 'is not empty'),
    predicate: () => isEmpty,
    expression: (_e, _i, c) => `${c(isEmpty)}(v)`,
  },
};
