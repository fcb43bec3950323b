// Each lint on a tree made to trigger it, loaded by the real loader (so positions are checked),
// and silence on the example profiles in profiles/.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { EAST, ENTITY, lineOf, PARTNERS, writeTree, type Tree } from '../../scripts/lib/test-helpers.ts';
import { lintLoadedConfig } from './run.ts';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.cleanup();
  tree = undefined;
});

async function lintTree(files: Record<string, string>) {
  tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, ...files });
  const loaded = await loadConfig(tree.dir, { cwd: tree.dir });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.file}:${p.line} ${p.code} ${p.message}`).join('\n'));
  return lintLoadedConfig(loaded.config, { cwd: tree.dir });
}

const brief = (ps: { severity: string; code: string; file: string; line: number }[]) => ps.map((p) => `${p.file}:${p.line} ${p.severity} ${p.code}`);

describe('lints on loaded trees', () => {
  it('stays silent on the example profiles, their routing tests and samples', async () => {
    const loaded = await loadConfig('profiles');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(await lintLoadedConfig(loaded.config)).toEqual([]);
  });

  it('PROFILE_NO_ACTIVE_PARTNER points at the profile\'s partners', async () => {
    const profile = EAST.replace('{ partner: acme, priority: 10,', '{ partner: acme, active: false, priority: 10,').replace(
      '{ partner: northwind, priority: 5 }',
      '{ partner: northwind, priority: 5, active: false }',
    );
    const ps = await lintTree({ 'east.yaml': profile });
    expect(brief(ps)).toEqual([`east.yaml:${lineOf(profile, '  - { partner: acme')} warning PROFILE_NO_ACTIVE_PARTNER`]);
  });

  it('ASSIGNMENT_UNREACHABLE points at the shadowed assignment', async () => {
    const profile = EAST.replace('{ partner: acme, priority: 10, caps: { day: 50 }, rules: [ { field: zip, startsWith: "1" } ] }', '{ partner: acme, priority: 10 }');
    const ps = await lintTree({ 'east.yaml': profile });
    expect(brief(ps)).toEqual([`east.yaml:${lineOf(profile, '  - { partner: northwind')} warning ASSIGNMENT_UNREACHABLE`]);
    expect(ps[0].message).toBe(
      'northwind (priority 5) in profile east can never be chosen first: acme (priority 10) has no rules and no caps, so it always takes the lead; northwind only gets leads acme rejects',
    );
  });

  it('PROFILES_OVERLAP names the sample lead both profiles match', async () => {
    const all = EAST.replace('id: east', 'id: all').replace('name: East', 'name: All').replace('  - { field: state, in: [NY, NJ] }', '  - { field: email, empty: false }');
    const samples = '{"email": "tx@example.com", "state": "TX"}\n{"email": "ny@example.com", "state": "NY"}\n';
    const ps = await lintTree({ 'a-east.yaml': EAST, 'b-all.yaml': all, 'samples/mortgage.jsonl': samples });
    expect(brief(ps)).toEqual([`b-all.yaml:${lineOf(all, '  - { field: email')} info PROFILES_OVERLAP`]);
    expect(ps[0].message).toBe(`profiles east and all both match ${path.join('samples', 'mortgage.jsonl')}:2: both will route it`);
  });

  it('PROFILE_NEVER_MATCHED fires when the samples and tests give a profile nothing', async () => {
    const tests = 'kind: RoutingTest\nentity: mortgage\ncases:\n  - name: Texas\n    lead: { email: t@example.com, state: TX }\n    expect: unmatched\n';
    const ps = await lintTree({ 'east.yaml': EAST, 'tests.yaml': tests });
    expect(brief(ps)).toEqual([`east.yaml:${lineOf(EAST, '  - { field: state')} warning PROFILE_NEVER_MATCHED`]);
    expect(ps[0].message).toBe('profile east matches none of the 1 mortgage sample and test lead');
  });

  it('SAMPLE_INVALID points at the sample line or the test case\'s lead', async () => {
    const tests = 'kind: RoutingTest\nentity: mortgage\ncases:\n  - name: no email\n    lead: { state: NY }\n    expect: unmatched\n';
    const samples = '{"email": "ny@example.com", "state": "NY"}\n\n{"email": 1, "state": "NJ"}\n{"entity": "solar", "email": "s@example.com"}\n';
    const ps = await lintTree({ 'east.yaml': EAST, 'tests.yaml': tests, 'samples/mortgage.jsonl': samples });
    const file = path.join('samples', 'mortgage.jsonl');
    expect(brief(ps)).toEqual([`${file}:3 warning SAMPLE_INVALID`, `${file}:4 warning SAMPLE_INVALID`, 'tests.yaml:5 warning SAMPLE_INVALID']);
    expect(ps[2].message).toBe('test "no email" is not a valid mortgage lead: email is required');
  });
});
