import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './diff-routing.ts';
import { capture, EAST, ENTITY, PARTNERS, writeTree, type Tree } from './lib/test-helpers.ts';

const run = promisify(execFile);

// Leads whose acme rule result differs between `zip startsWith "1"` and `startsWith "10"`:
// 11…/12… zips move from acme to northwind; 10… stay with acme, 2… with northwind, TX unmatched.
const SAMPLES = [
  { email: 'stay-acme@example.com', state: 'NY', zip: '10001' },
  { email: 'move-1@example.com', state: 'NY', zip: '11201' },
  { email: 'stay-northwind@example.com', state: 'NJ', zip: '20001' },
  { entity: 'mortgage', lead: { email: 'move-2@example.com', state: 'NJ', zip: '12345' }, name: 'wrapped' },
  { email: 'stay-unmatched@example.com', state: 'TX', zip: '11111' },
].map((l) => JSON.stringify(l)).join('\n') + '\n';

const TESTS = `kind: RoutingTest
entity: mortgage
cases:
  - name: Brooklyn to acme
    lead: { email: test-move@example.com, state: NY, zip: "11215" }
    expect:
      - { profile: east, partner: acme }
`;

let repo: Tree;
const git = (...args: string[]) => run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo.dir });
const commit = async (message: string) => {
  await git('add', '-A');
  await git('commit', '-q', '-m', message);
  return (await git('rev-parse', 'HEAD')).stdout.trim();
};

beforeEach(async () => {
  repo = await writeTree({
    'README.md': '# a repo holding profiles\n',
    'profiles/entity.yaml': ENTITY,
    'profiles/partners.yaml': PARTNERS,
    'profiles/mortgage/east.yaml': EAST,
    'profiles/mortgage/tests.yaml': TESTS,
    'profiles/samples/mortgage.jsonl': SAMPLES,
  });
  await git('init', '-q', '-b', 'main');
});
afterEach(async () => {
  await repo.cleanup();
});

function changedRows(md: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Lead') && !l.startsWith('| ---'));
}

describe('npm run diff:routing', () => {
  it('reports exactly the leads whose partner changed between two commits', async () => {
    const base = await commit('acme takes every zip starting with 1');
    await writeFile(repo.file('profiles/mortgage/east.yaml'), EAST.replace('startsWith: "1"', 'startsWith: "10"'));
    const head = await commit('acme takes zip 10… only');

    const io = capture();
    expect(await main(['--base', base, '--head', 'main', repo.file('profiles')], io, {})).toBe(0);
    const md = io.stdout.join('\n');
    expect(md).toMatch(/^## Routing diff: `profiles` at `[0-9a-f]+ \([0-9a-f]{7}\)` → `main \([0-9a-f]{7}\)`/);
    expect(md).toContain(head.slice(0, 7));
    expect(md).toContain('**3 of 6 leads change route.**');
    const rows = changedRows(md);
    expect(rows).toHaveLength(3);
    const emails = rows.map((r) => /email=([^,]+)/.exec(r)?.[1]).sort();
    expect(emails).toEqual(['move-1@example.com', 'move-2@example.com', 'test-move@example.com']);
    for (const r of rows) {
      expect(r).toContain('| east/acme | east/northwind |');
      expect(r).toMatch(/acme skipped: zip "\d+" does not start with "10" \(at partners\[0\]\.rules\[0\]\); northwind selected \(priority 5\) \|$/);
    }
    expect(rows.find((r) => r.includes('move-2'))).toMatch(/^\| profiles\/samples\/mortgage\.jsonl:4 \(wrapped\) \| mortgage: email=move-2@example.com, state=NJ, zip=12345 \|/);
    expect(rows.find((r) => r.includes('test-move'))).toMatch(/^\| test "Brooklyn to acme" \|/);
    expect(md).not.toContain('stay-');
    expect(io.stderr).toEqual([]);
  });

  it('compares with the working tree by default, and never touches it', async () => {
    const base = await commit('first');
    const changed = EAST.replace('priority: 5', 'priority: 50');
    await writeFile(repo.file('profiles/mortgage/east.yaml'), changed);
    const statusBefore = (await git('status', '--porcelain')).stdout;

    const io = capture();
    expect(await main(['--base', base, repo.file('profiles')], io, {})).toBe(0);
    const md = io.stdout.join('\n');
    expect(md).toContain('→ the working tree');
    // northwind now outranks acme: every NY/NJ lead acme had moves; the others stay.
    expect(changedRows(md).map((r) => /email=([^,]+)/.exec(r)?.[1]).sort()).toEqual(['move-1@example.com', 'move-2@example.com', 'stay-acme@example.com', 'test-move@example.com']);
    expect(md).toContain('acme eligible but not chosen: northwind took the lead (first-match)');

    expect((await git('status', '--porcelain')).stdout).toBe(statusBefore);
    expect(await readFile(repo.file('profiles/mortgage/east.yaml'), 'utf8')).toBe(changed);
    expect((await git('rev-parse', 'HEAD')).stdout.trim()).toBe(base);
  });

  it('says so when no lead changes, and adds --leads to the corpus', async () => {
    const base = await commit('first');
    await writeFile(repo.file('extra.jsonl'), '{"entity": "mortgage", "email": "x@example.com", "state": "NY"}\n');
    const io = capture();
    expect(await main(['--base', base, '--leads', repo.file('extra.jsonl'), repo.file('profiles')], io, {})).toBe(0);
    expect(io.stdout.join('\n')).toContain('No lead changes route: all 7 leads route as before.');
  });

  it('shows leads it cannot route on either side apart, and exits 2 when no lead routes at all', async () => {
    const base = await commit('first');
    // Bare leads in a file named leads.jsonl: each takes "leads" as its entity.
    const bare = ['a', 'b', 'c'].map((x) => JSON.stringify({ email: `${x}@example.com`, state: 'NY', zip: '10001' })).join('\n');
    await writeFile(repo.file('leads.jsonl'), `${bare}\n`);

    // Beside the tree's own samples and tests: reported apart, the others still compared.
    let io = capture();
    expect(await main(['--base', base, '--leads', repo.file('leads.jsonl'), repo.file('profiles')], io, {})).toBe(0);
    let md = io.stdout.join('\n');
    expect(md).toContain('No lead changes route: all 6 compared leads route as before.');
    expect(md).toContain('**3 leads could not be routed on either side** (not compared):');
    expect(md).toMatch(/^\| \S*leads\.jsonl:1 \| leads: email=a@example\.com, state=NY, zip=10001 \| entity leads is defined at neither revision \|$/m);
    expect(io.stderr.join('\n')).toContain("a bare lead in leads.jsonl takes its entity from the file's name ('leads')");

    // Alone: nothing could be compared, and the run says so instead of passing.
    await git('rm', '-q', 'profiles/samples/mortgage.jsonl', 'profiles/mortgage/tests.yaml');
    const bare2 = await commit('no samples, no tests');
    io = capture();
    expect(await main(['--base', bare2, '--leads', repo.file('leads.jsonl'), repo.file('profiles')], io, {})).toBe(2);
    md = io.stdout.join('\n');
    expect(md).not.toContain('route as before');
    expect(md).toContain('No lead could be routed at either revision: nothing was compared.');
    const err = io.stderr.join('\n');
    expect(err).toContain("diff:routing: none of the 3 leads could be routed at either revision (3 name an entity defined at neither: leads)");
    expect(err).toContain('leads.jsonl');

    // No leads at all: exit 2 too.
    io = capture();
    expect(await main(['--base', bare2, repo.file('profiles')], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('diff:routing: no leads to compare');
  });

  it('exits 2 for an unknown revision, a revision that does not load, or a bad --leads file', async () => {
    const base = await commit('first');
    const cases: [string[], RegExp][] = [
      [['--base', 'no-such-branch', repo.file('profiles')], /'no-such-branch' is not a commit/],
      [['--base', base, '--leads', repo.file('missing.jsonl'), repo.file('profiles')], /cannot read/],
      [['--head', base, repo.file('profiles')], /--base is required/],
    ];
    await writeFile(repo.file('profiles/mortgage/east.yaml'), EAST.replace('priority: 5', 'prioirty: 5'));
    const broken = await commit('typo');
    cases.push([['--base', base, '--head', broken, repo.file('profiles')], /SCHEMA_ADDITIONAL_PROPERTIES/]);
    await writeFile(repo.file('bad.jsonl'), '{not json\n');
    cases.push([['--base', base, '--head', base, '--leads', repo.file('bad.jsonl'), repo.file('profiles')], /not valid JSON/]);
    for (const [args, message] of cases) {
      const io = capture();
      expect(await main(args, io, {}), args.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(message);
    }
  });

  it('runs as a command: Markdown on stdout', async () => {
    const base = await commit('first');
    await writeFile(repo.file('profiles/mortgage/east.yaml'), EAST.replace('startsWith: "1"', 'startsWith: "10"'));
    const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), [path.resolve('scripts/diff-routing.ts'), '--base', base], {
      cwd: repo.dir,
      env: { ...process.env, PROFILES_DIR: 'profiles' },
    });
    expect(stdout).toContain('**3 of 6 leads change route.**');
  });
});
