// Runs the real command (node + tsx, as `npm run validate` does) on small trees.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PARTNERS, PROFILE, writeTree, type Tree } from '../router/config/test-tree.ts';
import { parseValidateArgs, runValidate } from './lib/validate-cli.ts';
import { resolveProfilesDir } from './lib/cli.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(REPO, 'scripts/validate.ts');
const TSX = import.meta.resolve('tsx');

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTIONS: '', PROFILES_DIR: '', ...opts.env };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, SCRIPT, ...args], { cwd: opts.cwd, env, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const trees: Tree[] = [];
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.cleanup()));
});
// acme gets a cap so the lints that run after a clean load (router/lint) have nothing to say.
const CLEAN_PROFILE = PROFILE.replace('    priority: 10', '    priority: 10\n    caps: { day: 50 }');
async function tree(files: Record<string, string | null> = {}) {
  const t = await writeTree({ 'profiles/residential.yaml': CLEAN_PROFILE, ...files });
  trees.push(t);
  return t;
}

const BROKEN = {
  'profiles/residential.yaml': CLEAN_PROFILE.replace('    priority: 10', '    prioirty: 10').replace('equals: New', 'equals: Nwe'),
  'partners.yaml': PARTNERS.replace('{{state}}', '{{stat}}'),
};

describe('npm run validate', () => {
  it('exits 0 on a clean tree and prints the summary', async () => {
    const t = await tree();
    const r = await run(['p'], { cwd: t.root });
    expect(r).toEqual({ code: 0, stdout: 'validate: 0 errors, 0 warnings in 3 files (p)\n', stderr: '' });
  });

  it('exits 0 with warnings only', async () => {
    const t = await tree({ 'partners.yaml': BROKEN['partners.yaml'] });
    const r = await run(['p'], { cwd: t.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'p/partners.yaml:16:14  warning  UNKNOWN_TEMPLATE_FIELD  subject placeholder {{stat}}, which entity mortgage does not define; it will be empty (hint: did you mean state?)\n' +
        'validate: 0 errors, 1 warning in 3 files (p)\n',
    );
  });

  it('exits 1 on errors, one line per problem sorted by file, line and col', async () => {
    const t = await tree(BROKEN);
    const r = await run(['p/'], { cwd: t.root });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'p/partners.yaml:16:14  warning  UNKNOWN_TEMPLATE_FIELD  subject placeholder {{stat}}, which entity mortgage does not define; it will be empty (hint: did you mean state?)',
      'p/profiles/residential.yaml:6:30  error  VALUE_NOT_IN_ENUM  status: Nwe is not one of New, Contacted — did you mean New?',
      "p/profiles/residential.yaml:9:5  error  SCHEMA_ADDITIONAL_PROPERTIES  unknown field 'prioirty' in partners[0] (hint: did you mean priority?)",
      'validate: 2 errors, 1 warning in 3 files (p)',
      '',
    ]);
    for (const line of r.stdout.trim().split('\n').slice(0, -1)) expect(line).toMatch(/^\S+:\d+:\d+ {2}(error|warning|info) {2}[A-Z_]+ {2}\S/);
  });

  it("exits 1 on a header that would send the router's admin key to a partner", async () => {
    const t = await tree({ 'partners.yaml': PARTNERS.replace('"Bearer ${ACME_TOKEN}" }', '"Bearer ${ACME_TOKEN}", X-Token: "${ADMIN_API_KEY}" }') });
    const r = await run(['p'], { cwd: t.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`p/partners.yaml:8:64  error  ROUTER_SETTING_REFERENCE  \${ADMIN_API_KEY} is one of the router's own settings; a profile may never send it to a partner`);
  });

  it('exits 2 on a missing directory, a file, an unknown flag or format, or two directories', async () => {
    const t = await tree();
    for (const args of [['nope'], ['p/partners.yaml'], ['--bogus', 'p'], ['--format', 'xml', 'p'], ['p', 'p']]) {
      const r = await run(args, { cwd: t.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/^validate: .+\nusage: /);
    }
    expect((await run(['nope'], { cwd: t.root })).stderr).toMatch(/^validate: nope: no such directory/);
  });

  it('never passes a directory with no profile files: empty, or only other and hidden files', async () => {
    const t = await tree();
    await mkdir(join(t.root, 'none/.hidden'), { recursive: true });
    await writeFile(join(t.root, 'none/.hidden/p.yaml'), 'kind: Partner\n');
    await writeFile(join(t.root, 'none/notes.json'), '{}\n');
    await mkdir(join(t.root, 'empty'));
    for (const dir of ['none', 'empty']) {
      const r = await runValidate([dir], {}, t.root);
      expect(r.code, dir).toBe(1);
      expect(r.stdout[0], dir).toBe(`${dir}  error  NO_FILES  no *.yaml or *.yml files found`);
    }
  });

  it('takes DIR from $PROFILES_DIR, else ./profiles', async () => {
    const t = await tree();
    expect((await run([], { cwd: t.root, env: { PROFILES_DIR: 'p' } })).stdout).toMatch(/in 3 files \(p\)\n$/);
    const none = await run([], { cwd: t.root });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^validate: \.\/profiles: no such directory/);
    await mkdir(join(t.root, 'profiles'));
    await writeFile(join(t.root, 'profiles/x.yaml'), 'kind: Nope\n');
    const fallback = await run([], { cwd: t.root });
    expect(fallback.code).toBe(1);
    expect(fallback.stdout).toMatch(/^profiles\/x\.yaml:1:7 {2}error {2}UNKNOWN_KIND/);
  });

  it('emits GitHub annotations under Actions, escaped, followed by the plain lines', async () => {
    const t = await tree({ 'odd,name.yaml': 'kind: "50%\\nPartner"\n' });
    const r = await run(['p'], { cwd: t.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe("::error file=p/odd%2Cname.yaml,line=1,col=7,title=UNKNOWN_KIND::unknown kind '50%25%0APartner': expected one of Entity, Partner, Profile, RoutingTest");
    expect(lines[1]).toBe("p/odd,name.yaml:1:7  error  UNKNOWN_KIND  unknown kind '50%");
    expect(lines.at(-1)).toBe('validate: 1 error, 0 warnings in 4 files (p)');
    // --format text wins over the environment.
    const plain = await run(['--format', 'text', 'p'], { cwd: t.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(plain.stdout).not.toMatch(/^::/m);
  });

  it('--format json prints { ok, files, problems } alone on stdout', async () => {
    const t = await tree(BROKEN);
    const r = await run(['--format', 'json', 'p'], { cwd: t.root });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.files).toBe(3);
    expect(out.problems).toHaveLength(3);
    expect(out.problems[2]).toEqual({
      severity: 'error', code: 'SCHEMA_ADDITIONAL_PROPERTIES', message: "unknown field 'prioirty' in partners[0]",
      file: 'p/profiles/residential.yaml', line: 9, col: 5, hint: 'did you mean priority?',
    });
    const clean = JSON.parse((await run(['--format=json', 'p'], { cwd: (await tree()).root })).stdout);
    expect(clean).toEqual({ ok: true, files: 3, problems: [] });
  });

  it('--codes lists every problem code', async () => {
    const r = await run(['--codes'], { cwd: REPO });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^UNKNOWN_FIELD {2}error {2}/m);
    expect(r.stdout).toMatch(/^CAP_PERIOD_INCONSISTENT {2}warning {2}/m);
  });

  it('passes on the example profiles in profiles/', async () => {
    const r = await run([], { cwd: REPO });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^validate: 0 errors, \d+ warnings? in \d+ files \(profiles\)\n$/);
    expect(r.code).toBe(0);
  });
});

describe('argument helpers', () => {
  it('resolves DIR from the argument, then $PROFILES_DIR, then ./profiles', () => {
    expect(resolveProfilesDir('x', { PROFILES_DIR: 'y' })).toBe('x');
    expect(resolveProfilesDir(undefined, { PROFILES_DIR: 'y' })).toBe('y');
    expect(resolveProfilesDir(undefined, { PROFILES_DIR: '  ' })).toBe('./profiles');
    expect(resolveProfilesDir(undefined, {})).toBe('./profiles');
  });

  it('picks the format from --format, else github under Actions, else text', () => {
    expect(parseValidateArgs([], {}).format).toBe('text');
    expect(parseValidateArgs([], { GITHUB_ACTIONS: 'true' }).format).toBe('github');
    expect(parseValidateArgs(['--format', 'json'], { GITHUB_ACTIONS: 'true' }).format).toBe('json');
    expect(parseValidateArgs(['d'], {}).dir).toBe('d');
    expect(() => parseValidateArgs(['--format', 'yaml'], {})).toThrow(/unknown format 'yaml'/);
  });
});
