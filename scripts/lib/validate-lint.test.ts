// The lints as `npm run validate` prints them: after a successful load, never changing the exit code.
import { afterEach, describe, expect, it } from 'vitest';
import { EAST, ENTITY, lineOf, PARTNERS, writeTree, type Tree } from './test-helpers.ts';
import { runValidate } from './validate-cli.ts';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.cleanup();
  tree = undefined;
});

const UNREACHABLE = EAST.replace('{ partner: acme, priority: 10, caps: { day: 50 }, rules: [ { field: zip, startsWith: "1" } ] }', '{ partner: acme, priority: 10 }');

describe('validate runs the lints', () => {
  it('prints lint warnings with positions and still exits 0', async () => {
    tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, 'east.yaml': UNREACHABLE });
    const out = await runValidate(['.'], {}, tree.dir);
    expect(out.code).toBe(0);
    const line = lineOf(UNREACHABLE, '  - { partner: northwind');
    expect(out.stdout).toContain(
      `east.yaml:${line}:5  warning  ASSIGNMENT_UNREACHABLE  northwind (priority 5) in profile east can never be chosen first: acme (priority 10) has no rules and no caps, so it always takes the lead; northwind only gets leads acme rejects (hint: give acme rules or caps, or give both the same priority so they take turns)`,
    );
    expect(out.stdout.at(-1)).toMatch(/^validate: 0 errors, 1 warning in 3 files/);
  });

  it('annotates lint warnings under --format github', async () => {
    tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, 'east.yaml': UNREACHABLE });
    const out = await runValidate(['--format', 'github', '.'], {}, tree.dir);
    expect(out.stdout.some((l) => l.startsWith(`::warning file=east.yaml,line=${lineOf(UNREACHABLE, '  - { partner: northwind')},col=5,title=ASSIGNMENT_UNREACHABLE::`))).toBe(true);
  });

  it('does not lint a tree that fails to load (exit 1 from the errors alone)', async () => {
    tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, 'east.yaml': UNREACHABLE.replace('priority: 5', 'prioirty: 5') });
    const out = await runValidate(['.'], {}, tree.dir);
    expect(out.code).toBe(1);
    expect(out.stdout.join('\n')).not.toContain('ASSIGNMENT_UNREACHABLE');
  });

  it('is clean on the example profiles, and --codes lists the lint codes', async () => {
    const out = await runValidate(['profiles'], {});
    expect(out.code).toBe(0);
    expect(out.stdout).toEqual([expect.stringMatching(/^validate: 0 errors, 0 warnings in \d+ files \(profiles\)$/)]);
    const codes = await runValidate(['--codes'], {});
    for (const code of ['PROFILE_NO_ACTIVE_PARTNER', 'ASSIGNMENT_UNREACHABLE', 'PROFILES_OVERLAP', 'PROFILE_NEVER_MATCHED', 'SAMPLE_INVALID']) {
      expect(codes.stdout.some((l) => l.startsWith(`${code}  `))).toBe(true);
    }
  });
});
