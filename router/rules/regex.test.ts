import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRegex, regexIssue, showRegex } from './regex.ts';

describe('linear-time regexes', () => {
  it('search like RegExp#test: no implicit anchors, `i` with ignoreCase', () => {
    expect(compileRegex('^\\d{5}$').test('10001')).toBe(true);
    expect(compileRegex('^\\d{5}$').test('100011')).toBe(false);
    expect(compileRegex('ab').test('xaby')).toBe(true);
    expect(compileRegex('ab').test('xABy')).toBe(false);
    expect(compileRegex('ab', true).test('xABy')).toBe(true);
    expect(compileRegex('^\\p{Lu}').test('Émile')).toBe(true);
  });

  it('a pattern that backtracks exponentially in JavaScript answers at once, for any length', () => {
    // V8 takes minutes on the 40-digit value; the step count of a linear engine does not grow with the pattern's ambiguity.
    const re = compileRegex('^([0-9]+-?)+$');
    expect(re.test(`${'1'.repeat(40)}!`)).toBe(false);
    expect(re.test(`${'1'.repeat(50_000)}!`)).toBe(false);
    expect(re.test('12-34-5')).toBe(true);
    expect(compileRegex('^(a+)+$').test(`${'a'.repeat(50_000)}!`)).toBe(false);
  });

  it('refuses backreferences and lookaround as UNSUPPORTED_REGEX, with a reason that says why', () => {
    for (const source of ['(a)\\1', '(?<x>a)\\k<x>', '(?=a)b', '(?!a)b', '(?<=a)b', '(?<!a)b']) {
      const issue = regexIssue(source);
      expect(issue, source).toMatchObject({ code: 'UNSUPPORTED_REGEX' });
      expect(issue!.reason).toContain('linear-time engine');
      expect(() => compileRegex(source)).toThrow(/not supported/);
    }
  });

  it('refuses a pattern whose program is too large to match quickly (big repeat counts), pointing to maxLength', () => {
    expect(regexIssue('^[a-z]{1,200}$')).toBeNull();
    const issue = regexIssue('^[a-z]{1,1000}$');
    expect(issue).toMatchObject({ code: 'UNSUPPORTED_REGEX' });
    expect(issue!.reason).toMatch(/too large .*maxLength/);
    expect(() => compileRegex('^.{1,1000}$')).toThrow(/too large/);
  });

  it('a pattern that is no regular expression at all is INVALID_REGEX, with JavaScript\'s reason', () => {
    expect(regexIssue('(')).toEqual({ code: 'INVALID_REGEX', reason: 'Unterminated group' });
    expect(regexIssue('*')).toMatchObject({ code: 'INVALID_REGEX' });
    expect(regexIssue('^[0-9]{5}$')).toBeNull();
  });

  it('shows a pattern as JavaScript writes it', () => {
    expect(showRegex('^a/b$', true)).toBe('/^a\\/b$/i');
    expect(showRegex('^\\d{5}$', false)).toBe('/^\\d{5}$/');
  });
});

describe('RE2 and JavaScript agree where both apply', () => {
  // Patterns as profiles write them: anchors, classes, counted repeats, alternation, groups.
  const PATTERNS = [
    '^[0-9]{5}$', '^9[0-6][0-9]{3}$', '^\\+?[0-9 ()-]{7,20}$', '^[^@\\s]+@[^@\\s]+$', '^[A-Z]{2}$',
    'ab', '^(ny|nj|ct)$', '\\bfoo\\b', '^\\d+(\\.\\d{1,2})?$', '[aeiou]{2,}', '^$', 'x*y?z+', '^\\w+-\\w+$', '.c',
  ];
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'f', 'o', 'x', 'y', 'z', 'N', 'Y', '0', '1', '9', '5', '-', '+', '.', ' ', '@', '\n', 'é') , maxLength: 30 });

  it('on random values, with and without ignoreCase', () => {
    fc.assert(fc.property(fc.constantFrom(...PATTERNS), fc.boolean(), text, (source, ignoreCase, value) => {
      const ours = compileRegex(source, ignoreCase).test(value);
      const js = new RegExp(source, ignoreCase ? 'i' : '').test(value);
      expect(ours, `${showRegex(source, ignoreCase)} on ${JSON.stringify(value)}`).toBe(js);
    }), { numRuns: 3000 });
  });
});
