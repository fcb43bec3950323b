import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load.ts';
import { BASE, PARTNERS, loadTree, writeTree, type Tree } from './test-tree.ts';
import type { Assignment, Condition, LoadResult, Partner } from './types.ts';

const trees: Tree[] = [];
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.cleanup()));
});
async function tree(files: Record<string, string | null>, base?: Record<string, string>) {
  const t = await writeTree(files, base);
  trees.push(t);
  return t;
}
function config(result: LoadResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problems, null, 1)}`);
  return result.config;
}

describe('loadConfig: a valid tree', () => {
  it('loads every kind into a typed config, in file order', async () => {
    const t = await tree({ 'tests/routing.yaml': 'kind: RoutingTest\nentity: mortgage\ncases:\n  - { name: x, lead: { state: NY }, expect: unmatched }\n' });
    const result = await t.load();
    const c = config(result);
    expect(result.problems).toEqual([]);
    expect([...c.entities.keys()]).toEqual(['mortgage']);
    expect([...c.partners.keys()]).toEqual(['acme', 'northwind']);
    expect(c.profiles.map((p) => p.id)).toEqual(['residential']);
    expect(c.routingTests).toHaveLength(1);
    expect(c.routingTests[0].file).toBe('p/tests/routing.yaml');
    expect(c.routingTests[0].pos(['cases', 0, 'expect'])).toEqual({ file: 'p/tests/routing.yaml', line: 4, col: 45 });
    expect(c.docs.map((d) => `${d.file}:${d.kind}`)).toEqual([
      'p/entities/mortgage.yaml:Entity',
      'p/partners.yaml:Partner',
      'p/partners.yaml:Partner',
      'p/profiles/residential.yaml:Profile',
      'p/tests/routing.yaml:RoutingTest',
    ]);
    expect(c.dir).toBe(t.dir);
  });

  it('applies the schema defaults', async () => {
    const c = config(await (await tree({})).load());
    const profile = c.profiles[0];
    expect(profile.enabled).toBe(true);
    expect(profile.strategy).toBe('first-match');
    const [acme, northwind] = profile.partners as Assignment[];
    expect(acme.priority).toBe(10);
    expect(northwind.priority).toBe(0);
    expect(northwind.active).toBe(true);
    expect((profile.rules[0] as Condition).ignoreCase).toBe(false);
    const partner = c.partners.get('acme') as Partner;
    expect(partner.active).toBe(true);
    expect(partner.delivery.attempts).toBe(8);
    expect(partner.delivery.webhook).toMatchObject({ method: 'POST', format: 'json', timeout: '10s', insecure: false });
    expect(c.entities.get('mortgage')?.fields.zip).toEqual({ type: 'string', required: false, encrypted: false });
  });

  it('returns a deeply frozen config', async () => {
    const c = config(await (await tree({})).load());
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.profiles)).toBe(true);
    expect(Object.isFrozen(c.profiles[0].partners[0])).toBe(true);
    expect(Object.isFrozen(c.entities.get('mortgage')?.fields.address.fields)).toBe(true);
    expect(Object.isFrozen(c.docs[0])).toBe(true);
    expect(() => {
      (c.profiles[0] as { name: string }).name = 'changed';
    }).toThrow(TypeError);
    expect(() => (c.entities as Map<string, unknown>).set('x', {})).toThrow(TypeError);
    expect(() => (c.partners as Map<string, unknown>).delete('acme')).toThrow(TypeError);
    expect(c.partners.has('acme')).toBe(true);
  });

  it('hashes paths and contents: same tree same hash, any change a new one', async () => {
    const a = config(await (await tree({})).load()).hash;
    const b = config(await (await tree({})).load()).hash;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    const edited = config(await (await tree({ 'partners.yaml': PARTNERS.replace('Acme Mortgage', 'Acme Mortgage Inc') })).load()).hash;
    expect(edited).not.toBe(a);
    const moved = config(await (await tree({ 'partners.yaml': null, 'partners/all.yaml': PARTNERS })).load()).hash;
    expect(moved).not.toBe(a);
  });

  it('reads *.yaml and *.yml recursively in sorted order, skipping dot-dirs, dot-files, node_modules and other files', async () => {
    const bad = 'kind: Nonsense\n';
    const t = await tree({
      'partners.yaml': null,
      'b/partners.yml': PARTNERS,
      '.git/x.yaml': bad,
      '.hidden.yaml': bad,
      'node_modules/x/y.yaml': bad,
      'README.md': '# not yaml',
      'notes.txt': bad,
    });
    const c = config(await t.load());
    expect([...new Set(c.docs.map((d) => d.file))]).toEqual(['p/b/partners.yml', 'p/entities/mortgage.yaml', 'p/profiles/residential.yaml']);
  });

  it('follows symlinked files and directories (ConfigMap style) without reading ..data twice', async () => {
    const t = await tree({}, {});
    const data = join(t.dir, '..2024_01_01');
    await mkdir(data);
    for (const [rel, text] of Object.entries(BASE)) await writeFile(join(data, rel.replace(/\//g, '_')), text);
    await symlink('..2024_01_01', join(t.dir, '..data'));
    for (const rel of Object.keys(BASE)) {
      const name = rel.replace(/\//g, '_');
      await symlink(join('..data', name), join(t.dir, name));
    }
    const c = config(await t.load());
    expect(c.docs).toHaveLength(4);
    expect(c.profiles.map((p) => p.id)).toEqual(['residential']);
  });

  it('names files relative to opts.cwd, else process.cwd()', async () => {
    const t = await tree({ 'partners.yaml': PARTNERS.replace('id: acme', 'id: Acme') });
    const fromRoot = await loadConfig('p', { cwd: t.root });
    expect(fromRoot.problems[0].file).toBe('p/partners.yaml');
    const absolute = await loadConfig(t.dir, { cwd: t.dir });
    expect(absolute.problems[0].file).toBe('partners.yaml');
    const fromProcess = await loadConfig(t.dir);
    expect(fromProcess.problems[0].file).toBe(relative(process.cwd(), join(t.dir, 'partners.yaml')));
  });

  it('returns warnings with a config (ok) when there is no error', async () => {
    const result = await (await tree({ 'partners.yaml': PARTNERS.replace('{{state}}', '{{stat}}') })).load();
    expect(result.ok).toBe(true);
    expect(result.problems.map((p) => [p.code, p.severity])).toEqual([['UNKNOWN_TEMPLATE_FIELD', 'warning']]);
  });
});

describe('loadConfig: never an empty config', () => {
  it('a YAML syntax error in one file fails the whole load, with the position', async () => {
    const result = await loadTree({ 'profiles/broken.yaml': 'kind: Profile\nid: broken\npartners: [acme\n' });
    expect(result.ok).toBe(false);
    expect('config' in result).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'YAML_SYNTAX', file: 'p/profiles/broken.yaml', line: 4, col: 1 }));
  });

  it('a syntax error in one document of a multi-document file is reported, the others still validated', async () => {
    const text = `${PARTNERS}---\nkind: Partner\nid: x\n  name: y\n`;
    const result = await loadTree({ 'partners.yaml': text });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toContain('YAML_SYNTAX');
    // The profile still resolves its partners from the good documents: no UNKNOWN_PARTNER.
    expect(result.problems.map((p) => p.code)).not.toContain('UNKNOWN_PARTNER');
  });

  it('an unreadable file fails the load', async () => {
    const t = await tree({});
    await symlink(join(t.dir, 'missing-target.yaml'), join(t.dir, 'dangling.yaml'));
    const result = await t.load();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'READ_ERROR', file: 'p/dangling.yaml', line: 1, col: 1, severity: 'error' })]);
  });

  it('a file that is emptied (a truncated write) fails the load', async () => {
    const t = await tree({});
    await writeFile(join(t.dir, 'partners.yaml'), '');
    const result = await t.load();
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['EMPTY_FILE', 'UNKNOWN_PARTNER']));
  });

  it('a missing directory, a file instead of a directory and an empty directory are problems', async () => {
    const t = await tree({});
    const missing = await loadConfig('nope', { cwd: t.root });
    expect(missing).toEqual({ ok: false, problems: [expect.objectContaining({ code: 'READ_ERROR', file: 'nope', line: 0 })] });
    const file = await loadConfig('p/partners.yaml', { cwd: t.root });
    expect(file.ok).toBe(false);
    expect(file.problems[0]).toMatchObject({ code: 'READ_ERROR', message: 'not a directory' });
    await mkdir(join(t.root, 'empty'));
    const empty = await loadConfig('empty', { cwd: t.root });
    expect(empty).toEqual({ ok: false, problems: [expect.objectContaining({ code: 'NO_FILES', file: 'empty' })] });
  });

  it('a directory without read permission is a problem (skipped when running as root)', async () => {
    if (process.getuid?.() === 0) return;
    const t = await tree({ 'locked/x.yaml': PARTNERS });
    await chmod(join(t.dir, 'locked'), 0o000);
    try {
      const result = await t.load();
      expect(result.ok).toBe(false);
    } finally {
      await chmod(join(t.dir, 'locked'), 0o755);
    }
  });
});

describe('loadConfig: problems', () => {
  it('reports every problem of the tree at once, sorted by file, line and col', async () => {
    const result = await loadTree({
      'profiles/residential.yaml': 'kind: Profile\nid: residential\nentity: mortgage\nname: R\nrules:\n  - { field: stat, equals: NY }\n  - { field: ssn, empty: false }\npartners:\n  - partner: acm\n    caps: { day: 0 }\n',
      'partners.yaml': PARTNERS.replace('id: acme', 'id: Acme'),
    });
    const seen = result.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.code}`);
    expect(seen).toEqual([
      'p/partners.yaml:2:5 SCHEMA_PATTERN',
      'p/profiles/residential.yaml:6:14 UNKNOWN_FIELD',
      'p/profiles/residential.yaml:7:14 ENCRYPTED_FIELD_IN_RULE',
      'p/profiles/residential.yaml:9:14 UNKNOWN_PARTNER',
      'p/profiles/residential.yaml:10:18 CAP_NOT_POSITIVE_INTEGER',
    ]);
  });

  it('a semantic check replaces the schema error on the same value (one problem, the precise one)', async () => {
    const text = PARTNERS.replace('    url: https://hooks.acme.example/leads', '    url: https://hooks.acme.example/leads\n    timeout: 10sec');
    const result = await loadTree({ 'partners.yaml': text });
    expect(result.problems.map((p) => p.code)).toEqual(['INVALID_DURATION']);
  });
});
