import { describe, expect, it } from 'vitest';
import type { Condition, Rule } from '../config/types.ts';
import { LeadrouteError } from '../errors.ts';
import { deepFreeze } from '../config/freeze.ts';
import { CODEGEN_AFTER, compileRules } from './compile.ts';

type Lead = Record<string, unknown>;

/**
 * Evaluates with the generated fast path and with the closure tree, checks they agree and that
 * explain() agrees with them, and returns the answer.
 */
function holds(rules: readonly Rule[], lead: Lead): boolean {
  const fast = compileRules(rules, { codegenAfter: 0 });
  const closures = compileRules(rules, { codegen: false });
  const answer = fast.test(lead);
  expect(closures.test(lead), 'closures agree with generated code').toBe(answer);
  expect(fast.explain(lead) === null, 'explain agrees with test').toBe(answer);
  return answer;
}

/** One condition on field `f`; MISSING leaves the field out of the lead. */
const MISSING = Symbol('missing');
function check(cond: Omit<Condition, 'field'>, value: unknown): boolean {
  return holds([{ field: 'f', ...cond }], value === MISSING ? {} : { f: value });
}

type Case = [value: unknown, expected: boolean];
function table(cond: Omit<Condition, 'field'>, cases: Case[]): void {
  for (const [value, expected] of cases) {
    const shown = value === MISSING ? 'missing' : typeof value === 'string' && value.length > 40 ? `${value.slice(0, 20)}…` : JSON.stringify(value) ?? String(value);
    expect(check(cond, value), `${JSON.stringify(cond)} on ${shown}`).toBe(expected);
  }
}

describe('operators', () => {
  it('equals: strict, no coercion; ignoreCase lowers strings only', () => {
    table({ equals: 'New' }, [['New', true], ['new', false], ['New ', false], [MISSING, false], [null, false], [['New'], false], [{ v: 'New' }, false], [5, false]]);
    table({ equals: 'New', ignoreCase: true }, [['new', true], ['NEW', true], ['New', true], ['Old', false], [MISSING, false], [['new'], false]]);
    table({ equals: 5 }, [[5, true], [5.0, true], ['5', false], [6, false], [NaN, false], [[5], false]]);
    table({ equals: 5, ignoreCase: true }, [[5, true], ['5', false]]);
    table({ equals: true }, [[true, true], ['true', false], [1, false], [false, false]]);
    table({ equals: false }, [[false, true], [0, false], ['', false], [MISSING, false], [null, false]]);
    table({ equals: 'İ', ignoreCase: true }, [['i̇', true], ['İ', true]]);
  });

  it('notEquals: exactly not equals, so missing and null are true', () => {
    table({ notEquals: 'New' }, [['New', false], ['Old', true], ['new', true], [MISSING, true], [null, true], [['New'], true], [5, true]]);
    table({ notEquals: 'New', ignoreCase: true }, [['NEW', false], ['Old', true]]);
    table({ notEquals: 5 }, [[5, false], ['5', true]]);
  });

  it('contains: substring of a string, element of an array, false otherwise', () => {
    table({ contains: 'world' }, [
      ['hello world', true], ['world', true], ['hello WORLD', false], ['', false],
      [['solar', 'world'], true], [['worlds'], false], [[], false], [[['world']], false],
      [12345, false], [MISSING, false], [null, false], [{ world: 1 }, false], [true, false],
    ]);
    table({ contains: 'World', ignoreCase: true }, [['hello WORLD', true], [['WORLD'], true], [['worlds'], false], [['x', 'world'], true]]);
    table({ contains: '23' }, [[12345, false], [[23], false], [['23'], true], ['1234', true]]);
  });

  it('notContains: exactly not contains', () => {
    table({ notContains: 'spam' }, [
      ['no spam here', false], ['clean', true], [MISSING, true], [null, true],
      [['spam'], false], [['ham'], true], [[], true], [42, true],
    ]);
    table({ notContains: 'SPAM', ignoreCase: true }, [['spam!', false], [['Spam'], false], ['ham', true]]);
  });

  it('startsWith / endsWith: strings only (a numeric ZIP is not a string)', () => {
    table({ startsWith: '19' }, [['19001', true], ['19', true], ['20019', false], [19001, false], [['19001'], false], [MISSING, false], [null, false], ['', false]]);
    table({ startsWith: 'ab', ignoreCase: true }, [['ABC', true], ['aBc', true], ['cab', false]]);
    table({ startsWith: 'AB' }, [['abc', false]]);
    table({ endsWith: '@example.com' }, [['a@example.com', true], ['a@EXAMPLE.COM', false], ['a@example.com.evil', false], [42, false], [MISSING, false]]);
    table({ endsWith: '@example.com', ignoreCase: true }, [['a@EXAMPLE.COM', true], ['a@example.org', false]]);
  });

  it('in: list membership (strict types); for an array value, any element', () => {
    table({ in: ['NY', 'NJ', 'CT'] }, [
      ['NY', true], ['TX', false], ['ny', false], ['NY ', false], [MISSING, false], [null, false],
      [['TX', 'NJ'], true], [['TX'], false], [[], false], [{ NY: 1 }, false], [5, false],
    ]);
    table({ in: ['NY', 'NJ'], ignoreCase: true }, [['ny', true], ['Nj', true], ['tx', false], [['tx', 'nY'], true]]);
    table({ in: [5, 6] }, [[5, true], ['5', false], [7, false], [[7, 6], true]]);
    table({ in: [true] }, [[true, true], ['true', false], [false, false]]);
    table({ in: ['NY', 5, false], ignoreCase: true }, [['ny', true], [5, true], [false, true], ['5', false], ['false', false]]);
    table({ in: [] }, [['NY', false], [MISSING, false]]);
  });

  it('notIn: exactly not in, so missing and null are true', () => {
    table({ notIn: ['NY', 'NJ'] }, [['TX', true], ['NY', false], [MISSING, true], [null, true], [['TX', 'NY'], false], [['TX'], true], [[], true]]);
    table({ notIn: ['NY'], ignoreCase: true }, [['ny', false], ['tx', true]]);
    table({ notIn: [] }, [['NY', true]]);
  });

  it('between: inclusive numeric range; a numeric string is not a number', () => {
    table({ between: [50000, 2000000] }, [
      [50000, true], [2000000, true], [300000, true], [49999.99, false], [2000000.01, false],
      ['300000', false], [MISSING, false], [null, false], [true, false], [[300000], false],
      [NaN, false], [Infinity, false], [-Infinity, false],
    ]);
    table({ between: [5, 5] }, [[5, true], [5.0001, false]]);
    table({ between: [-1, 1], ignoreCase: true }, [[0, true], [-0, true]]);
  });

  it('gt / gte / lt / lte: numbers only, boundaries exact', () => {
    table({ gt: 10 }, [[11, true], [10, false], [10.0001, true], ['11', false], [MISSING, false], [null, false], [Infinity, true], [NaN, false]]);
    table({ gte: 10 }, [[10, true], [9.999, false], ['10', false], [MISSING, false]]);
    table({ lt: 0 }, [[-1, true], [0, false], [-Infinity, true], ['-1', false], [null, false], [false, false]]);
    table({ lte: 0 }, [[0, true], [-0, true], [0.1, false], [[], false]]);
  });

  it('matches: the regex as given (no implicit anchors), `i` with ignoreCase, strings only', () => {
    table({ matches: '^\\d{5}$' }, [['10001', true], ['1000', false], ['100011', false], [10001, false], [MISSING, false], [null, false], [['10001'], false]]);
    table({ matches: 'ab' }, [['xaby', true], ['AB', false]]);
    table({ matches: 'ab', ignoreCase: true }, [['xABy', true], ['xy', false]]);
    // Same answer every time: the regex carries no lastIndex state between leads.
    for (let i = 0; i < 3; i++) expect(check({ matches: 'a' }, 'a')).toBe(true);
  });

  it('empty: missing, null, blank string, [] and {} are empty; empty: false is the opposite', () => {
    const cases: Case[] = [
      [MISSING, true], [null, true], ['', true], ['   ', true], ['\t\n ', true], [[], true], [{}, true],
      ['a', false], [' a ', false], [0, false], [false, false], [NaN, false], [['a'], false], [[null], false], [{ a: 1 }, false],
    ];
    table({ empty: true }, cases);
    table({ empty: false }, cases.map(([v, e]) => [v, !e]));
  });
});

describe('groups and lists', () => {
  it('an empty rule list matches everything', () => {
    expect(holds([], {})).toBe(true);
    expect(holds([], { anything: 1 })).toBe(true);
  });

  it('all: every rule; all: [] is true', () => {
    const rules: Rule[] = [{ all: [{ field: 'a', equals: 1 }, { field: 'b', equals: 2 }] }];
    expect(holds(rules, { a: 1, b: 2 })).toBe(true);
    expect(holds(rules, { a: 1, b: 3 })).toBe(false);
    expect(holds([{ all: [] }], {})).toBe(true);
  });

  it('any: some rule; any: [] is false', () => {
    const rules: Rule[] = [{ any: [{ field: 'a', equals: 1 }, { field: 'b', equals: 2 }] }];
    expect(holds(rules, { a: 1 })).toBe(true);
    expect(holds(rules, { b: 2 })).toBe(true);
    expect(holds(rules, { a: 2, b: 1 })).toBe(false);
    expect(holds([{ any: [] }], {})).toBe(false);
  });

  it('not: negates a condition or a group', () => {
    expect(holds([{ not: { field: 'a', equals: 1 } }], { a: 1 })).toBe(false);
    expect(holds([{ not: { field: 'a', equals: 1 } }], { a: 2 })).toBe(true);
    expect(holds([{ not: { field: 'a', equals: 1 } }], {})).toBe(true);
    expect(holds([{ not: { any: [] } }], {})).toBe(true);
    expect(holds([{ not: { all: [] } }], {})).toBe(false);
    expect(holds([{ not: { not: { field: 'a', equals: 1 } } }], { a: 1 })).toBe(true);
  });

  it('groups nest arbitrarily (OR of AND groups, NOT of OR, ...)', () => {
    const rules: Rule[] = [
      { any: [
        { all: [{ field: 'state', equals: 'PA' }, { field: 'zip', startsWith: '19' }] },
        { all: [{ field: 'state', in: ['NY', 'NJ'] }, { not: { any: [{ field: 'zip', startsWith: '07' }, { field: 'zip', empty: true }] } }] },
      ] },
    ];
    expect(holds(rules, { state: 'PA', zip: '19001' })).toBe(true);
    expect(holds(rules, { state: 'PA', zip: '20001' })).toBe(false);
    expect(holds(rules, { state: 'NY', zip: '10001' })).toBe(true);
    expect(holds(rules, { state: 'NJ', zip: '07001' })).toBe(false);
    expect(holds(rules, { state: 'NJ' })).toBe(false);
    expect(holds(rules, { state: 'TX', zip: '19001' })).toBe(false);
    let deep: Rule = { field: 'x', equals: 1 };
    for (let i = 0; i < 50; i++) deep = i % 3 === 0 ? { not: deep } : i % 3 === 1 ? { all: [deep] } : { any: [deep] };
    // 17 nots: an odd number, so the whole thing is the negation.
    expect(holds([deep], { x: 1 })).toBe(false);
    expect(holds([deep], { x: 2 })).toBe(true);
  });

  it('conditions read dotted paths into nested objects', () => {
    const rules: Rule[] = [{ field: 'address.postcode', startsWith: '10' }, { field: 'address.geo.country', equals: 'US' }];
    expect(holds(rules, { address: { postcode: '10001', geo: { country: 'US' } } })).toBe(true);
    expect(holds(rules, { address: { postcode: '20001', geo: { country: 'US' } } })).toBe(false);
    expect(holds(rules, { address: null })).toBe(false);
    expect(holds(rules, { address: '10001' })).toBe(false);
    expect(holds([{ field: 'address.postcode', empty: true }], { address: 'x' })).toBe(true);
  });

  it('the DESIGN.md example profile', () => {
    const rules: Rule[] = [
      { field: 'status', equals: 'New' },
      { field: 'loanAmount', between: [50000, 2000000] },
      { any: [{ field: 'state', in: ['NY', 'NJ', 'CT'] }, { all: [{ field: 'state', equals: 'PA' }, { field: 'zip', startsWith: '19' }] }] },
    ];
    expect(holds(rules, { email: 'a@example.com', state: 'NY', zip: '10001', status: 'New', loanAmount: 300000 })).toBe(true);
    expect(holds(rules, { email: 'b@example.com', state: 'NY', status: 'Contacted', loanAmount: 300000 })).toBe(false);
    expect(holds(rules, { state: 'PA', zip: '19104', status: 'New', loanAmount: 50000 })).toBe(true);
    expect(holds(rules, { state: 'PA', zip: '15213', status: 'New', loanAmount: 50000 })).toBe(false);
  });
});

describe('explain', () => {
  const explain = (rules: readonly Rule[], lead: Lead, at?: string) => compileRules(rules, { at }).explain(lead);

  it('returns null when every rule holds', () => {
    expect(explain([{ field: 'a', equals: 1 }], { a: 1 })).toBeNull();
    expect(explain([], {})).toBeNull();
  });

  it('reports the first failing condition with at, field, operator, expected, actual and a message', () => {
    const rules: Rule[] = [
      { field: 'status', equals: 'New' },
      { field: 'state', in: ['NY', 'NJ', 'CT'] },
      { field: 'loanAmount', between: [50000, 2000000] },
    ];
    expect(explain(rules, { status: 'New', state: 'TX', loanAmount: 1 })).toEqual({
      at: 'rules[1]', field: 'state', operator: 'in', expected: ['NY', 'NJ', 'CT'], actual: 'TX',
      message: 'state "TX" is not in [NY, NJ, CT]',
    });
    expect(explain(rules, { status: 'New', state: 'NY', loanAmount: 30000 })).toMatchObject({
      at: 'rules[2]', operator: 'between', expected: [50000, 2000000], actual: 30000,
      message: 'loanAmount 30000 is not between 50000 and 2000000',
    });
  });

  it('writes one clear sentence per operator', () => {
    const msg = (cond: Omit<Condition, 'field'>, lead: Lead, field = 'f') =>
      explain([{ field, ...cond }], lead)?.message;
    expect(msg({ equals: 'New' }, { status: 'Contacted' }, 'status')).toBe('status "Contacted" does not equal "New"');
    expect(msg({ equals: 'New', ignoreCase: true }, { status: 'Old' }, 'status')).toBe('status "Old" does not equal "New" (ignoring case)');
    expect(msg({ equals: 5 }, { f: '5' })).toBe('f "5" does not equal 5');
    expect(msg({ notEquals: 'New' }, { status: 'New' }, 'status')).toBe('status "New" equals "New"');
    expect(msg({ contains: 'x' }, { f: 'abc' })).toBe('f "abc" does not contain "x"');
    expect(msg({ contains: 'x' }, { f: ['a', 'b'] })).toBe('f ["a","b"] does not contain "x"');
    expect(msg({ contains: 'x' }, { f: 12 })).toBe('f 12 (a number) does not contain "x"');
    expect(msg({ notContains: 'spam' }, { f: 'spam!' })).toBe('f "spam!" contains "spam"');
    expect(msg({ startsWith: '19' }, { zip: '20001' }, 'zip')).toBe('zip "20001" does not start with "19"');
    expect(msg({ startsWith: '19' }, { zip: 19001 }, 'zip')).toBe('zip 19001 (a number) does not start with "19"');
    expect(msg({ endsWith: '.com' }, { f: 'a.org' })).toBe('f "a.org" does not end with ".com"');
    expect(msg({ notIn: ['NY', 'NJ'] }, { state: 'NY' }, 'state')).toBe('state "NY" is in [NY, NJ]');
    expect(msg({ in: ['a b', '10', 'true', 'x,y', ''] }, { f: 'z' })).toBe('f "z" is not in ["a b", "10", "true", "x,y", ""]');
    expect(msg({ in: [5, true] }, { f: 'z' })).toBe('f "z" is not in [5, true]');
    expect(msg({ between: [1, 2] }, { f: '300000' })).toBe('f "300000" (a string) is not between 1 and 2');
    expect(msg({ gt: 10 }, { f: 3 })).toBe('f 3 is not greater than 10');
    expect(msg({ gte: 10 }, { f: 3 })).toBe('f 3 is not at least 10');
    expect(msg({ lt: 10 }, { f: 30 })).toBe('f 30 is not less than 10');
    expect(msg({ lte: 10 }, { f: 30 })).toBe('f 30 is not at most 10');
    expect(msg({ matches: '^\\d{5}$' }, { zip: '1000' }, 'zip')).toBe('zip "1000" does not match /^\\d{5}$/');
    expect(msg({ matches: '^a', ignoreCase: true }, { f: 'b' })).toBe('f "b" does not match /^a/i (ignoring case)');
    expect(msg({ empty: true }, { f: 'x' })).toBe('f "x" is not empty');
    expect(msg({ empty: false }, { f: '  ' })).toBe('f "  " is empty');
    expect(msg({ empty: false }, {})).toBe('f is missing');
    expect(msg({ startsWith: '19' }, {}, 'zip')).toBe('zip is missing');
    expect(msg({ equals: 'x' }, { f: null })).toBe('f is null');
    expect(msg({ in: ['NY'] }, { f: { a: 1 } })).toBe('f {"a":1} is not in [NY]');
  });

  it('explains any-groups by their first branch, at the group', () => {
    const rules: Rule[] = [
      { field: 'a', equals: 1 },
      { field: 'b', equals: 2 },
      { any: [{ field: 'zip', startsWith: '19' }, { field: 'state', in: ['NY'] }] },
    ];
    expect(explain(rules, { a: 1, b: 2, state: 'TX' })).toEqual({
      at: 'rules[2]', field: 'zip', operator: 'any', actual: undefined,
      message: 'no branch of any matched: zip is missing',
    });
    expect(explain([{ any: [] }], {})).toMatchObject({ at: 'rules[0]', operator: 'any', message: 'no branch of any matched (the list is empty)' });
    const nested: Rule[] = [{ any: [{ all: [{ field: 'a', equals: 1 }, { field: 'b', gt: 5 }] }, { field: 'c', empty: false }] }];
    expect(explain(nested, { a: 1, b: 2 })?.message).toBe('no branch of any matched: b 2 is not greater than 5');
  });

  it('points into all-groups and nested groups with at paths', () => {
    const rules: Rule[] = [
      { field: 'a', equals: 1 },
      { all: [{ field: 'b', equals: 2 }, { all: [{ field: 'c', equals: 3 }, { field: 'd', equals: 4 }] }] },
    ];
    expect(explain(rules, { a: 1, b: 2, c: 3, d: 5 })?.at).toBe('rules[1].all[1].all[1]');
    expect(explain(rules, { a: 1, b: 2, c: 3, d: 5 }, 'partners[3].rules')?.at).toBe('partners[3].rules[1].all[1].all[1]');
    expect(explain([{ not: { all: [{ any: [{ field: 'x', equals: 1 }] }] } }], { x: 1 })?.at).toBe('rules[0]');
  });

  it('explains a not by what held inside it', () => {
    expect(explain([{ not: { field: 'state', in: ['NY', 'NJ'] } }], { state: 'NY' })).toEqual({
      at: 'rules[0]', field: 'state', operator: 'not', actual: 'NY',
      message: 'excluded by not: state "NY" is in [NY, NJ]',
    });
    expect(explain([{ not: { all: [{ field: 'a', equals: 1 }, { field: 'b', lt: 3 }] } }], { a: 1, b: 2 })?.message)
      .toBe('excluded by not: a 1 equals 1 and b 2 is less than 3');
    expect(explain([{ not: { any: [{ field: 'a', equals: 1 }, { field: 'b', lt: 3 }] } }], { a: 0, b: 2 })?.message)
      .toBe('excluded by not: b 2 is less than 3');
    expect(explain([{ not: { not: { field: 'a', equals: 1 } } }], { a: 2 })?.message)
      .toBe('excluded by not: a 2 does not equal 1');
    expect(explain([{ not: { field: 'zip', notIn: ['1'] } }], {})?.message).toBe('excluded by not: zip is missing');
    expect(explain([{ not: { all: [] } }], {})?.message).toBe('excluded by not: all: [] always holds');
  });

  it('keeps messages on one line and values to 60 characters', () => {
    const long = 'x'.repeat(500);
    const m = explain([{ field: 'f', equals: 'y' }], { f: long })!.message;
    expect(m).toBe(`f "${'x'.repeat(59)}…" does not equal "y"`);
    expect(explain([{ field: 'f', equals: 'y' }], { f: 'a\nb\r\nc' })!.message).toBe('f "a\\nb\\r\\nc" does not equal "y"');
    const arr = explain([{ field: 'f', contains: 'y' }], { f: Array.from({ length: 100 }, (_, i) => `item${i}`) })!.message;
    expect(arr.length).toBeLessThan(100);
    expect(arr).toMatch(/^f \["item0","item1",.*… does not contain "y"$/);
    const list = Array.from({ length: 50 }, (_, i) => `S${i}`);
    expect(explain([{ field: 'f', in: list }], { f: 'x' })!.message).toBe('f "x" is not in [S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, … (+40 more)]');
    expect(explain([{ field: 'f', in: [long] }], { f: 'x' })!.message).toBe(`f "x" is not in [${'x'.repeat(59)}…]`);
    // The failure keeps the actual value whole: only the message is shortened.
    expect(explain([{ field: 'f', equals: 'y' }], { f: long })!.actual).toBe(long);
  });
});

describe('compile errors (the loader prevents these; the compiler still fails loudly)', () => {
  const fails = (rules: unknown, at: string, pattern: RegExp, prefix?: string) => {
    // A frozen list (as the loader hands over) is only checked at compile, built later: the
    // check must refuse exactly what building would.
    for (const input of [rules, deepFreeze(structuredClone(rules))]) {
      let error: unknown;
      try {
        compileRules(input as Rule[], { at: prefix });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LeadrouteError);
      expect((error as LeadrouteError).code).toBe('CONFIG_INVALID');
      expect((error as LeadrouteError).details).toEqual({ at });
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message.startsWith(`${at}: `)).toBe(true);
    }
  };

  it('a regex that does not compile, with the rule path', () => {
    fails([{ field: 'a', equals: 1 }, { any: [{ field: 'zip', matches: '([0-9' }] }], 'rules[1].any[0]', /regex "\(\[0-9" does not compile/);
    fails([{ not: { field: 'zip', matches: '*' } }], 'partners[2].rules[0].not', /does not compile/, 'partners[2].rules');
  });

  it('a regex that needs backtracking (backreference, lookaround): refused, not run', () => {
    fails([{ field: 'a', matches: '(a)\\1' }], 'rules[0]', /regex "\(a\)\\\\1" cannot be used: .*linear-time engine/);
    fails([{ field: 'a', matches: '(?=a)', ignoreCase: true }], 'rules[0]', /cannot be used: .*lookahead/);
  });

  it('matches runs in linear time: a value built to backtrack answers at once, in test and explain', () => {
    const rules = compileRules([{ field: 'f', matches: '^([0-9]+-?)+$' }], { codegenAfter: 0 });
    const lead = { f: `${'1'.repeat(40)}!` };
    expect(rules.test(lead)).toBe(false);
    expect(rules.explain(lead)!.message).toBe(`f "${'1'.repeat(40)}!" does not match /^([0-9]+-?)+$/`);
  });

  it('malformed conditions', () => {
    fails([{ field: 'a' }], 'rules[0]', /has no operator/);
    fails([{ field: 'a', equals: 1, in: [1] }], 'rules[0]', /2 operators/);
    fails([{ field: 'a', startWith: 'x' }], 'rules[0]', /unknown key `startWith`/);
    fails([{ field: '', equals: 1 }], 'rules[0]', /field/);
    fails([{ field: 'a', equals: 1, ignoreCase: 'yes' }], 'rules[0]', /ignoreCase/);
    fails([{ field: 'a', equals: null }], 'rules[0]', /string, number or boolean/);
    fails([{ field: 'a', equals: [1] }], 'rules[0]', /string, number or boolean/);
    fails([{ field: 'a', contains: 5 }], 'rules[0]', /needs a string/);
    fails([{ field: 'a', in: 'NY' }], 'rules[0]', /list/);
    fails([{ field: 'a', in: [{}] }], 'rules[0]', /list/);
    fails([{ field: 'a', between: [1] }], 'rules[0]', /two numbers/);
    fails([{ field: 'a', between: ['1', 2] }], 'rules[0]', /two numbers/);
    fails([{ field: 'a', between: [5, 1] }], 'rules[0]', /min 5 > max 1/);
    fails([{ field: 'a', gt: '5' }], 'rules[0]', /needs a number/);
    fails([{ field: 'a', lte: NaN }], 'rules[0]', /needs a number/);
    fails([{ field: 'a', empty: 'yes' }], 'rules[0]', /true or false/);
  });

  it('malformed groups and lists', () => {
    fails({}, 'rules', /must be a list/);
    fails([null], 'rules[0]', /a rule must be/);
    fails([[{ field: 'a', equals: 1 }]], 'rules[0]', /a rule must be/);
    fails([{}], 'rules[0]', /a rule must be/);
    fails([{ any: [], all: [] }], 'rules[0]', /exactly one of any\/all\/not/);
    fails([{ any: {} }], 'rules[0]', /must be a list/);
    fails([{ any: [], extra: 1 }], 'rules[0]', /unknown key `extra`/);
    fails([{ field: 'a', equals: 1, any: [] }], 'rules[0]', /cannot also be/);
    fails([{ all: [{ not: null }] }], 'rules[0].all[0].not', /a rule must be/);
  });
});

describe('never throws during evaluation', () => {
  const conditions: Condition[] = [
    { field: 'f', equals: 'x' }, { field: 'f', equals: 'x', ignoreCase: true }, { field: 'f', notEquals: 1 },
    { field: 'f', contains: 'x' }, { field: 'f', contains: 'x', ignoreCase: true }, { field: 'f', notContains: 'x' },
    { field: 'f', startsWith: 'x' }, { field: 'f', endsWith: 'x', ignoreCase: true },
    { field: 'f', in: ['x', 1] }, { field: 'f', in: ['x'], ignoreCase: true }, { field: 'f', notIn: ['x'] },
    { field: 'f', between: [0, 10] }, { field: 'f', gt: 0 }, { field: 'f', gte: 0 }, { field: 'f', lt: 0 }, { field: 'f', lte: 0 },
    { field: 'f', matches: '^x+$' }, { field: 'f', matches: 'x', ignoreCase: true },
    { field: 'f', empty: true }, { field: 'f', empty: false },
    { field: 'f.g', equals: 'x' }, { field: 'f.g.h', in: ['x'] },
  ];
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const throwingGetter = Object.defineProperty({}, 'f', { get() { throw new Error('boom'); }, enumerable: true });
  const hostile = new Proxy({}, {
    get() { throw new Error('trap'); }, has() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); },
    getOwnPropertyDescriptor() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); },
  });
  const hostileArray = new Proxy(['x'], { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } });
  const revocable = Proxy.revocable({ f: 'x' }, {});
  revocable.revoke();
  const values: unknown[] = [
    undefined, null, '', ' ', 'x', 'X', 'x'.repeat(1_000_000), 'a'.repeat(30) + '!', 0, -0, 1, NaN, Infinity, -Infinity,
    true, false, [], ['x'], [null, undefined, ['x']], [1, 'x'], {}, { g: null }, { g: { h: 'x' } }, { g: 'x' },
    cyclic, 10n, Symbol('s'), () => 'x', new Date(0), /x/, new Map([['g', 'x']]), Object.create(null),
    { toJSON() { throw new Error('json'); } }, { toString() { throw new Error('str'); } },
    hostile, hostileArray, revocable.proxy, throwingGetter,
  ];
  const leads: unknown[] = [
    ...values.map((f) => ({ f })), ...values, // the lead itself may be anything
    throwingGetter, hostile, revocable.proxy, [], ['x'], 'lead', 42,
  ];

  it('on any value, with every operator, in test and explain, codegen or not', () => {
    for (const cond of conditions) {
      for (const rules of [[cond], [{ not: cond }], [{ any: [cond, { all: [cond] }] }]] as Rule[][]) {
        const fast = compileRules(rules, { codegenAfter: 0 });
        const closures = compileRules(rules, { codegen: false });
        for (const lead of leads) {
          const l = lead as Lead;
          let answers: [boolean, boolean, boolean];
          expect(() => {
            answers = [fast.test(l), closures.test(l), fast.explain(l) === null];
          }, `${JSON.stringify(rules)}`).not.toThrow();
          expect(answers![1]).toBe(answers![0]);
          expect(answers![2]).toBe(answers![0]);
          const f = fast.explain(l);
          if (f) expect(f.message).not.toMatch(/\n/);
        }
      }
    }
  });

  it('a field behind a throwing getter or proxy reads as missing', () => {
    expect(holds([{ field: 'f', empty: true }], throwingGetter as Lead)).toBe(true);
    // An own property holding undefined is missing too.
    expect(holds([{ field: 'f', notIn: ['x'] }], { f: undefined })).toBe(true);
    expect(holds([{ field: 'f', empty: true }], { f: undefined })).toBe(true);
    expect(compileRules([{ field: 'f', notEquals: 'x' }], { codegenAfter: 0 }).test(hostile as Lead)).toBe(true);
    expect(compileRules([{ field: 'f', equals: 'x' }], { codegenAfter: 0 }).test(revocable.proxy as Lead)).toBe(false);
    expect(compileRules([{ field: 'f', in: ['x'] }], { codegenAfter: 0 }).test({ f: hostileArray })).toBe(false);
    expect(compileRules([{ field: 'f', contains: 'x' }], { codegenAfter: 0 }).test({ f: hostileArray })).toBe(false);
  });
});

describe('built when used', () => {
  const rules: Rule[] = [
    { field: 'state', in: ['NY', 'NJ'] },
    { any: [{ field: 'zip', startsWith: '1' }, { not: { field: 'amount', lt: 5 } }] },
  ];
  const leads: Lead[] = [{ state: 'NY', zip: '10001' }, { state: 'NJ', zip: '20001', amount: 3 }, { state: 'TX' }, { state: 'NJ', amount: 7 }];
  const expected = [true, false, false, true];

  it('switches test to generated code after codegenAfter evaluations; a held warm-up function keeps answering', () => {
    const c = compileRules(deepFreeze(structuredClone(rules)), { codegenAfter: 8 });
    const warmUp = c.test;
    for (let i = 0; i < 2; i++) {
      expect(leads.map((l) => c.test(l))).toEqual(expected); // 4 evaluations each
      expect(c.test).toBe(warmUp);
    }
    expect(c.test(leads[0])).toBe(true); // the 9th
    expect(c.test).not.toBe(warmUp);
    const generated = c.test;
    expect(leads.map((l) => c.test(l))).toEqual(expected);
    expect(leads.map((l) => warmUp(l))).toEqual(expected);
    expect(c.test).toBe(generated);
    expect(CODEGEN_AFTER).toBeGreaterThan(0);
  });

  it('a frozen list explains before it is ever tested, and a changed unfrozen list does not change the compiled rules', () => {
    const frozen = compileRules(deepFreeze(structuredClone(rules)));
    expect(frozen.explain({ state: 'TX' })).toMatchObject({ at: 'rules[0]', field: 'state', actual: 'TX' });
    expect(leads.map((l) => frozen.test(l))).toEqual(expected);

    const mutable = structuredClone(rules);
    const c = compileRules(mutable, { codegen: false });
    (mutable[0] as unknown as { in: string[] }).in.push('TX');
    mutable.push({ field: 'nope', equals: 1 });
    expect(leads.map((l) => c.test(l))).toEqual(expected);
    expect(c.explain({ state: 'TX' })?.at).toBe('rules[0]');
  });

  it('with codegen off, never generates code, whatever the number of evaluations', () => {
    const c = compileRules(deepFreeze(structuredClone(rules)), { codegen: false, codegenAfter: 0 });
    for (let i = 0; i < CODEGEN_AFTER + 2; i++) expect(leads.map((l) => c.test(l))).toEqual(expected);
    const closures = c.test;
    for (let i = 0; i < CODEGEN_AFTER + 2; i++) c.test(leads[0]);
    expect(c.test).toBe(closures);
  });
});
