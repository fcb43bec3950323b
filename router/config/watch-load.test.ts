// The watcher and the real loader together: reloads check only the files the watcher names (and
// every file after an event it cannot pin to one file). After each kind of edit, the config
// served must equal a fresh load of the tree.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfigLoader, loadConfig } from './load.ts';
import { ENTITY, PARTNERS, PROFILE } from './test-tree.ts';
import type { Config } from './types.ts';
import { createConfigReloader, type ConfigReloader, type WatchedChanges } from './watch.ts';

interface Snap { hash: string }
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function until(check: () => Promise<boolean>, what: () => string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const profile = (id: string, priority = 10) => PROFILE.replace('id: residential', `id: ${id}`).replace('priority: 10', `priority: ${priority}`);

describe('reloads with the watcher naming the changed files', () => {
  it('serve what a fresh load sees after every kind of edit', async () => {
    const root = await mkdtemp(join(tmpdir(), 'leadroute-watch-load-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const revision = async (name: string, priority: number) => {
      const dir = join(root, name);
      await mkdir(join(dir, 'profiles'), { recursive: true });
      await writeFile(join(dir, 'entity.yaml'), ENTITY);
      await writeFile(join(dir, 'partners.yaml'), PARTNERS);
      await writeFile(join(dir, 'profiles', 'a.yaml'), profile('a', priority));
      await writeFile(join(dir, 'profiles', 'b.yaml'), profile('b'));
    };
    await revision('rev-1', 10);
    await symlink('rev-1', join(root, 'current'));
    const dir = join(root, 'current');

    // Stamps trusted at once (files here are seconds old at most): the watcher's word decides what is read.
    const loader = createConfigLoader({ trustedStampAgeMs: 0 });
    const hints: (WatchedChanges | undefined)[] = [];
    const trail: string[] = []; // what the watcher and the loader did, shown when a step times out
    const first = await loader.load(dir);
    if (!first.ok) throw new Error('the tree is invalid');
    const reloader: ConfigReloader<Snap> = createConfigReloader<Snap>({
      dir,
      load: (d, changed) => {
        hints.push(changed);
        trail.push(`${Date.now() % 100000} load ${changed ? [...changed.files].map((f) => f.slice(root.length)).join(',') : 'all'}`);
        return loader.load(d, { changed: changed?.files, listChanged: changed?.listChanged });
      },
      compile: (c: Config) => ({ hash: c.hash }),
      initial: { hash: first.config.hash },
      debounceMs: 100,
      logger: { info: (o: object, m?: string) => trail.push(`${Date.now() % 100000} ${m} ${JSON.stringify(o)}`), warn: () => {}, error: () => {} },
    });
    cleanups.push(() => reloader.close());
    await reloader.start();

    const served = (what: string) => until(async () => {
      const fresh = await loadConfig(dir);
      return fresh.ok && reloader.current()?.hash === fresh.config.hash;
    }, () => `${what}\n${trail.slice(-30).join('\n')}`);
    const edits: [string, () => Promise<unknown>][] = [
      ['a file edited in place', () => writeFile(join(dir, 'profiles', 'a.yaml'), profile('a', 11))],
      ['the same file again, same size', () => writeFile(join(dir, 'profiles', 'a.yaml'), profile('a', 12))],
      ['a file written and renamed over', async () => {
        await writeFile(join(dir, 'profiles', 'b.yaml.tmp~'), profile('b', 13));
        await rename(join(dir, 'profiles', 'b.yaml.tmp~'), join(dir, 'profiles', 'b.yaml'));
      }],
      ['a file added', () => writeFile(join(dir, 'profiles', 'c.yaml'), profile('c'))],
      ['a file removed', () => rm(join(dir, 'profiles', 'c.yaml'))],
      ['a folder of files added', async () => {
        await mkdir(join(dir, 'more'));
        await writeFile(join(dir, 'more', 'd.yaml'), profile('d'));
      }],
      ['a partner edited', () => writeFile(join(dir, 'partners.yaml'), PARTNERS.replace('Acme Mortgage', 'Acme Mortgage Co'))],
      ['a folder removed', () => rm(join(dir, 'more'), { recursive: true })],
      ['two files edited at once', () => Promise.all([
        writeFile(join(dir, 'profiles', 'a.yaml'), profile('a', 14)),
        writeFile(join(dir, 'profiles', 'b.yaml'), profile('b', 15)),
      ])],
      ['a file replaced by a symlink to a file outside the tree', async () => {
        await writeFile(join(root, 'outside.yaml'), profile('b', 18));
        await symlink(join(root, 'outside.yaml'), join(dir, 'profiles', 'b.yaml.tmp~'));
        await rename(join(dir, 'profiles', 'b.yaml.tmp~'), join(dir, 'profiles', 'b.yaml'));
      }],
      ['the file outside the tree replaced (no event names the link)', async () => {
        await writeFile(join(root, 'outside.yaml.tmp'), profile('b', 19));
        await rename(join(root, 'outside.yaml.tmp'), join(root, 'outside.yaml'));
        await writeFile(join(dir, 'profiles', 'a.yaml'), profile('a', 21)); // an event for another file
      }],
      ['a folder that is a symlink added', async () => {
        await mkdir(join(root, 'shared-1'));
        await writeFile(join(root, 'shared-1', 'x.yaml'), profile('x'));
        await symlink(join(root, 'shared-1'), join(dir, 'shared'));
      }],
      ['that symlink swapped to another folder, then a file of the old one edited', async () => {
        await mkdir(join(root, 'shared-2'));
        await writeFile(join(root, 'shared-2', 'x.yaml'), profile('x', 30));
        await symlink(join(root, 'shared-2'), join(dir, 'shared.tmp'));
        await rename(join(dir, 'shared.tmp'), join(dir, 'shared'));
        await writeFile(join(root, 'shared-1', 'x.yaml'), profile('x', 31));
      }],
      ['a file in the symlinked folder edited', () => writeFile(join(root, 'shared-2', 'x.yaml'), profile('x', 32))],
      // The watcher still watches the old revision: an edit there names one file, yet every file changed.
      ['the `current` symlink swapped to another revision, then a file of the old one edited', async () => {
        await revision('rev-2', 20);
        await symlink('rev-2', join(root, 'current.tmp'));
        await rename(join(root, 'current.tmp'), join(root, 'current'));
        await writeFile(join(root, 'rev-1', 'profiles', 'b.yaml'), profile('b', 17));
      }],
      ['the old revision removed (as git-sync does)', () => rm(join(root, 'rev-1'), { recursive: true })],
    ];
    for (const [what, edit] of edits) {
      await edit();
      await served(what);
    }
    // The edits of single files were reloaded on the watcher's word, not by checking every file.
    expect(hints.filter((h) => h !== undefined && h.files.size > 0).length).toBeGreaterThan(3);
    expect(hints.filter((h) => h !== undefined && h.files.size > 0 && !h.listChanged).length).toBeGreaterThan(3);
  });
});
