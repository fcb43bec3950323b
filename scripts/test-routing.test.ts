import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { capture, EAST, ENTITY, lineOf, PARTNERS, writeTree, type Tree } from './lib/test-helpers.ts';
import { main } from './test-routing.ts';

const PASSING = `kind: RoutingTest
entity: mortgage
name: East coast
cases:
  - name: NY with a 1… zip goes to acme
    lead: { email: a@example.com, state: NY, zip: "10001" }
    expect:
      - { profile: east, partner: acme }
  - name: acme full in this profile, northwind takes it
    caps: { acme: { day: 50 } }
    lead: { email: b@example.com, state: NJ, zip: "07001" }
    expect:
      - { profile: east, partner: northwind }
  - name: acme's profile cap simulated full, zip matching
    at: 2026-03-08T09:00:00-05:00
    caps: { acme: { day: 50 } }
    lead: { email: c@example.com, state: NY, zip: "10002" }
    expect:
      - { profile: east, partner: northwind }
  - name: northwind's account-wide cap full and acme's rule fails
    caps: { northwind: { day: 100 } }
    lead: { email: d@example.com, state: NJ, zip: "07002" }
    expect: unmatched
  - name: Texas is nobody's
    lead: { email: e@example.com, state: TX }
    expect: unmatched
`;

const FAILING = `kind: RoutingTest
entity: mortgage
cases:
  - name: right
    lead: { email: a@example.com, state: NY, zip: "10001" }
    expect:
      - { profile: east, partner: acme }
  - name: wrong partner
    lead: { email: b@example.com, state: NY, zip: "20001" }
    expect:
      - { profile: east, partner: acme }
  - name: wrongly unmatched
    lead: { email: c@example.com, state: NJ, zip: "10001" }
    expect: unmatched
`;

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.cleanup();
  tree = undefined;
});

async function run(files: Record<string, string>, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, 'east.yaml': EAST, ...files });
  const io = capture();
  const code = await main([tree.dir, ...args], io, env);
  return { code, io, out: io.stdout.join('\n') };
}

describe('npm run test:routing', () => {
  it('passes a good file: PASS per case, a summary, exit 0', async () => {
    const { code, out } = await run({ 'tests.yaml': PASSING });
    expect(out).toContain('(East coast)');
    expect(out.match(/^ {2}PASS /gm)).toHaveLength(5);
    expect(out).toContain('  PASS acme full in this profile, northwind takes it');
    expect(out).not.toContain('FAIL');
    expect(out.split('\n').at(-1)).toBe('all 5 passed (5 cases in 1 file)');
    expect(code).toBe(0);
  });

  it('fails a bad file: FAIL with file:line, expected/actual diff and the trace, exit 1', async () => {
    const { code, out, io } = await run({ 'tests.yaml': FAILING });
    expect(code).toBe(1);
    const shown = path.relative(process.cwd(), tree!.file('tests.yaml'));
    expect(out).toContain('  PASS right');
    expect(out).toContain(`  FAIL wrong partner (${shown}:${lineOf(FAILING, '- name: wrong partner')})`);
    const lines = io.stdout;
    const at = lines.findIndex((l) => l.startsWith('  FAIL wrong partner'));
    expect(lines.slice(at + 1, at + 8)).toEqual([
      '    - expected: east/acme',
      '    + actual:   east/northwind',
      '    why: mortgage lead routed to east/northwind',
      '      profile east matched',
      '        acme skipped: zip "20001" does not start with "1" (at partners[0].rules[0])',
      '        northwind selected (priority 5)',
      `  FAIL wrongly unmatched (${shown}:${lineOf(FAILING, '- name: wrongly unmatched')})`,
    ]);
    expect(out).toContain('    - expected: unmatched\n    + actual:   east/acme');
    expect(lines.at(-1)).toBe('2 failed, 1 passed (3 cases in 1 file)');
    expect(out).not.toContain('::error');
  });

  it('--format github annotates each failing case on its line', async () => {
    const { code, io } = await run({ 'tests.yaml': FAILING }, ['--format', 'github']);
    expect(code).toBe(1);
    const shown = path.relative(process.cwd(), tree!.file('tests.yaml')).replace(/:/g, '%3A').replace(/,/g, '%2C');
    const annotations = io.stdout.filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(
      new RegExp(`^::error file=${shown.replace(/[.\\/]/g, '\\$&')},line=${lineOf(FAILING, '- name: wrong partner')},col=5,title=routing test failed::wrong partner%0A- expected: east/acme%0A\\+ actual:   east/northwind%0A`),
    );
  });

  it('annotates automatically under GitHub Actions, and not with --format text', async () => {
    expect((await run({ 'tests.yaml': FAILING }, [], { GITHUB_ACTIONS: 'true' })).out).toContain('::error file=');
    await tree!.cleanup();
    expect((await run({ 'tests.yaml': FAILING }, ['--format', 'text'], { GITHUB_ACTIONS: 'true' })).out).not.toContain('::error');
  });

  it('fails cases that cannot run as written, saying why', async () => {
    const { code, out } = await run({
      'tests.yaml': `kind: RoutingTest
entity: mortgage
cases:
  - name: invalid lead
    lead: { state: NY, ssn: 123-45-6789 }
    expect: unmatched
  - name: a typo in a field name
    lead: { email: a@example.com, state: NY, zipp: "1" }
    expect: unmatched
  - name: unknown partner in caps
    caps: { acne: { day: 1 } }
    lead: { email: a@example.com, state: NY }
    expect: unmatched
  - name: a window nobody caps
    caps: { acme: { week: 3 } }
    lead: { email: a@example.com, state: NY }
    expect: unmatched
`,
    });
    expect(code).toBe(1);
    expect(out).toContain('the lead is not a valid mortgage lead (the router would answer 422):');
    expect(out).toContain('email is required');
    expect(out).toContain('zipp is not a field of this entity (the router would drop it): a typo?');
    expect(out).not.toContain('123-45-6789');
    expect(out).toContain("caps: unknown partner 'acne'");
    expect(out).toContain('caps.acme.week: acme has no week cap for mortgage leads, so this usage would change nothing');
    expect(out).toContain('4 failed, 0 passed');
  });

  it('exits 2 with the problems when the tree does not load', async () => {
    const { code, io } = await run({ 'tests.yaml': PASSING, 'east.yaml': EAST.replace('priority: 5', 'prioirty: 5') });
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/east\.yaml:\d+:\d+ {2}error {2}SCHEMA_ADDITIONAL_PROPERTIES/);
  });

  it('exits 2 when DIR holds no RoutingTest: a run that tests nothing does not pass', async () => {
    const { code, io } = await run({});
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/^test:routing: no RoutingTest documents under .+: nothing was tested$/m);
    expect(io.stdout.join('\n')).not.toMatch(/passed/);
  });

  it('exits 2 on usage errors and an unreadable DIR', async () => {
    const io = capture();
    expect(await main(['--format', 'xml'], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('usage: npm run test:routing');
    expect(await main(['a', 'b'], capture(), {})).toBe(2);
    expect(await main(['--nope'], capture(), {})).toBe(2);
    expect(await main(['/nonexistent/leadroute-profiles'], capture(), {})).toBe(2);
  });

  it('runs as a command on the example profiles: exit 0', async () => {
    const { stdout } = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['scripts/test-routing.ts', 'profiles'], {
      env: { ...process.env, GITHUB_ACTIONS: '' },
    });
    expect(stdout).toMatch(/^all \d+ passed \(\d+ cases in 3 files\)$/m);
  });

  it('a failing run of the command exits 1', async () => {
    tree = await writeTree({ 'entity.yaml': ENTITY, 'partners.yaml': PARTNERS, 'east.yaml': EAST, 'tests.yaml': FAILING });
    const err = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['scripts/test-routing.ts', tree.dir]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stdout).toContain('FAIL wrong partner');
  });
});
