import { describe, expect, it } from 'vitest';
import { failureDetails, summary } from './routing-report.ts';
import { mergeTraces, sameRoutes, type CaseResult } from './routing-tests.ts';
import type { ProfileTrace } from '../../router/routing/types.ts';

const at = { file: 't.yaml', line: 4, col: 5 };
const base = { file: 't.yaml', suite: 's', entity: 'm', name: 'n', at };

describe('routing test report', () => {
  it('compares expected routes in order', () => {
    const a = { profile: 'p', partner: 'a' };
    const b = { profile: 'p', partner: 'b' };
    expect(sameRoutes([a, b], [a, b])).toBe(true);
    expect(sameRoutes([b, a], [a, b])).toBe(false);
    expect(sameRoutes('unmatched', [])).toBe(true);
    expect(sameRoutes('unmatched', [a])).toBe(false);
  });

  it('says when only the order differs', () => {
    const a = { profile: 'p', partner: 'a' };
    const b = { profile: 'p', partner: 'b' };
    const r: CaseResult = { ...base, status: 'fail', expected: [b, a], actual: [a, b], decision: { entity: 'm', status: 'routed', routes: [], trace: [] } };
    const lines = failureDetails(r);
    expect(lines.slice(0, 3)).toEqual([
      '    - expected: p/b, p/a',
      '    + actual:   p/a, p/b',
      '    (the same routes in another order: list them in the order shown under actual)',
    ]);
  });

  it('completes a live trace with the dry run\'s profiles, in profile order', () => {
    const t = (profile: string, message: string): ProfileTrace => ({ profile, name: profile, strategy: 'first-match', outcome: 'skipped', partners: [], message });
    expect(mergeTraces([t('b', 'live b')], [t('a', 'dry a'), t('b', 'dry b'), t('c', 'dry c')]).map((p) => p.message)).toEqual(['dry a', 'live b', 'dry c']);
    // A profile live routing skipped by rules takes the dry run's entry, which says which condition failed.
    const rulesSkip = { ...t('b', 'profile b skipped: rules do not match'), reason: 'rules' as const };
    expect(mergeTraces([rulesSkip, t('c', 'live c')], [t('b', 'dry b'), t('c', 'dry c')]).map((p) => p.message)).toEqual(['dry b', 'live c']);
  });

  it('summarises', () => {
    const pass: CaseResult = { ...base, status: 'pass', actual: [] };
    const err: CaseResult = { ...base, file: 'u.yaml', status: 'error', errors: ['x'] };
    expect(summary([pass, pass])).toBe('all 2 passed (2 cases in 1 file)');
    expect(summary([pass, err])).toBe('1 failed, 1 passed (2 cases in 2 files)');
  });
});
