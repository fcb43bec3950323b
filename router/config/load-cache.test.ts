// A ConfigLoader keeps each file's work between loads; its result must equal a fresh load's
// after any edit: valid or not, in one file or in the Entity and Partner files other files are
// checked against, files added and removed.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../testing/prng.ts';
import { createConfigLoader, loadConfig } from './load.ts';
import { ENTITY, PARTNERS, PROFILE, writeTree, type Tree } from './test-tree.ts';
import type { LoadResult } from './types.ts';

const trees: Tree[] = [];
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.cleanup()));
});

/** What a load says, without the position closures (compared through the problems). */
function comparable(r: LoadResult) {
  if (!r.ok) return { ok: false, problems: r.problems };
  const c = r.config;
  return {
    ok: true,
    problems: r.problems,
    hash: c.hash,
    entities: [...c.entities],
    partners: [...c.partners],
    profiles: c.profiles,
    tests: c.routingTests.map((t) => [t.file, t.value]),
    docs: c.docs.map((d) => [d.file, d.kind, d.value]),
  };
}

const profile = (id: string, extra = '') => PROFILE.replace('id: residential', `id: ${id}`) + extra;

/** Edits, each a file and its new text (null: delete). Some break the tree, some mend it. */
const EDITS: ((n: number) => [string, string | null])[] = [
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`)],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('equals: New', 'equals: Nwe')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('field: status', 'field: stat')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('partner: acme', 'partner: acne')],
  (n) => [`profiles/p${n % 4}.yaml`, profile('residential')], // a duplicate id
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'prioirty: 10')],
  (n) => [`profiles/p${n % 4}.yaml`, 'kind: Profile\nid: [broken\n'],
  (n) => [`profiles/p${n % 4}.yaml`, null],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`, '    caps: { day: 0 }\n')],
  () => ['entities/mortgage.yaml', ENTITY],
  () => ['entities/mortgage.yaml', ENTITY.replace('  status:', '  state2: { type: string }\n  status:')],
  () => ['entities/mortgage.yaml', ENTITY.replace('  status: { type: string, enum: [New, Contacted] }\n', '')],
  () => ['entities/mortgage.yaml', ENTITY.replace('id: mortgage', 'id: mortgages')],
  () => ['entities/mortgage.yaml', ENTITY.replace('America/New_York', 'America/Nowhere')],
  () => ['partners.yaml', PARTNERS],
  () => ['partners.yaml', PARTNERS.replace('id: acme', 'id: acme2')],
  () => ['partners.yaml', PARTNERS.replace('{{state}}', '{{stat}}')],
  () => ['partners.yaml', PARTNERS.replace('https://hooks', 'http://hooks')],
  () => ['partners.yaml', PARTNERS.replace('${ACME_TOKEN}', '${ADMIN_API_KEY}')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('partner: northwind', 'partner: northwind\n    delivery: { webhook: { url: "https://x.example/${REDIS_URL}" } }')],
  () => ['tests.yaml', 'kind: RoutingTest\nentity: mortgage\ncases:\n  - { name: x, lead: { state: NY }, expect: unmatched }\n'],
  () => ['tests.yaml', null],
];

describe('ConfigLoader: loads that reuse unchanged files', () => {
  it('equal a fresh load after every one of 150 random edits', async () => {
    const t = await writeTree({});
    trees.push(t);
    const loader = createConfigLoader();
    const rnd = prng(5);
    for (let n = 0; n < 150; n++) {
      const [file, text] = EDITS[Math.floor(rnd() * EDITS.length)](n);
      const abs = join(t.dir, file);
      if (text === null) await rm(abs, { force: true });
      else await writeFile(abs, text);
      const cached = await loader.load('p', { cwd: t.root });
      const fresh = await loadConfig('p', { cwd: t.root });
      expect(comparable(cached), `after edit ${n}: ${file}`).toEqual(comparable(fresh));
    }
  });

  it('reuses the documents of unchanged files, and reads a changed one again', async () => {
    const t = await writeTree({ 'profiles/other.yaml': profile('other') });
    trees.push(t);
    const loader = createConfigLoader();
    const first = await loader.load('p', { cwd: t.root });
    await writeFile(join(t.dir, 'profiles/other.yaml'), profile('other').replace('priority: 10', 'priority: 11'));
    const second = await loader.load('p', { cwd: t.root });
    if (!first.ok || !second.ok) throw new Error('expected both loads to succeed');
    const byId = (r: typeof first, id: string) => r.config.profiles.find((p) => p.id === id);
    expect(byId(second, 'residential')).toBe(byId(first, 'residential'));
    expect(byId(second, 'other')).not.toBe(byId(first, 'other'));
    expect(second.config.partners.get('acme')).toBe(first.config.partners.get('acme'));
    expect(second.config.hash).not.toBe(first.config.hash);
  });
});
