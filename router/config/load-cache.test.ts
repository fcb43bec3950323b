// A ConfigLoader keeps each file's work between loads; its result must equal a fresh load's
// after any edit: valid or not, in one file or in the Entity and Partner files other files are
// checked against, files added and removed.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../testing/prng.ts';
import { createConfigLoader, loadConfig } from './load.ts';
import { comparable, EDITS, profile } from './test-edits.ts';
import { PARTNERS, writeTree, type Tree } from './test-tree.ts';

const trees: Tree[] = [];
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.cleanup()));
});

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

  it('checks a partner again when a profile edit changes which leads it receives', async () => {
    // Only profiles change between loads; the partners' problems change with them.
    const auto = 'kind: Entity\nid: auto\nfields:\n  email: { type: string, required: true }\n  vin: { type: string }\n';
    const partner = PARTNERS.replace('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\ndedupe: { fields: [vin], window: 30d }\nping: { url: "https://p.example/", fields: [state] }');
    const t = await writeTree({ 'entities/auto.yaml': auto, 'partners.yaml': partner, 'profiles/other.yaml': profile('other') });
    trees.push(t);
    const loader = createConfigLoader();
    const toAuto = (text: string) => text.replace('entity: mortgage', 'entity: auto').replace('rules:\n  - { field: status, equals: New }\n', '');
    const pingPost = (text: string) => text.replace('name: Residential', 'name: Residential\nstrategy: ping-post');
    // Each step writes one profile file; the others keep their cached work.
    const steps: [string, string][] = [
      ['profiles/other.yaml', toAuto(profile('other'))], // acme and northwind now also get auto leads
      ['profiles/third.yaml', profile('third')], // changes nothing for the partners: other.yaml still counts
      ['profiles/other.yaml', pingPost(profile('other'))], // acme's ping against a ping-post profile's entity
      ['profiles/third.yaml', pingPost(toAuto(profile('third')))],
      ['profiles/fourth.yaml', profile('fourth')],
      ['profiles/third.yaml', profile('third')],
    ];
    const codes = new Set<string>();
    for (const [n, [file, text]] of steps.entries()) {
      await writeFile(join(t.dir, file), text);
      const cached = await loader.load('p', { cwd: t.root });
      const fresh = await loadConfig('p', { cwd: t.root });
      expect(comparable(cached), `after step ${n}: ${file}`).toEqual(comparable(fresh));
      for (const p of fresh.problems) if (p.file.endsWith('partners.yaml')) codes.add(p.code);
    }
    // The steps did reach the partner checks that depend on the profiles.
    expect([...codes].sort(), [...codes].join()).toEqual(['DEDUPE_UNKNOWN_FIELD', 'PING_FIELD_UNKNOWN', 'UNKNOWN_TEMPLATE_FIELD']);
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

  it('keeps, in a changed file, every part of a document that did not change', async () => {
    const text = profile('other').replace('  - partner: northwind\n', '  - partner: northwind\n    rules: [{ field: state, in: [CA, NY] }]\n');
    const t = await writeTree({ 'profiles/other.yaml': text });
    trees.push(t);
    const loader = createConfigLoader();
    const first = await loader.load('p', { cwd: t.root });
    // acme's priority changes, and a comment: the rest of the profile is as it was.
    await writeFile(join(t.dir, 'profiles/other.yaml'), `# edited\n${text.replace('priority: 10', 'priority: 11')}`);
    const second = await loader.load('p', { cwd: t.root });
    // Only a comment: the document is the one it was.
    await writeFile(join(t.dir, 'profiles/other.yaml'), `# edited again\n${text.replace('priority: 10', 'priority: 11')}`);
    const third = await loader.load('p', { cwd: t.root });
    if (!first.ok || !second.ok || !third.ok) throw new Error('expected the loads to succeed');
    const other = (r: typeof first) => r.config.profiles.find((p) => p.id === 'other')!;
    expect(other(second)).not.toBe(other(first));
    expect(other(second).partners[0].priority).toBe(11);
    expect(Object.isFrozen(other(second).partners[0])).toBe(true);
    expect(other(second).rules).toBe(other(first).rules);
    expect(other(second).partners[1]).toBe(other(first).partners[1]);
    expect(other(second).partners[1].rules).toMatchObject([{ field: 'state', in: ['CA', 'NY'] }]);
    expect(other(third)).toBe(other(second));
    expect(third.config.hash).not.toBe(second.config.hash);
  });
});
