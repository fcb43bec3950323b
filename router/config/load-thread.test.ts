// The threaded loader must give what loadConfig gives (less the documents and routing tests, which
// stay in the thread), keep unchanged values the same objects from load to load, and survive its
// thread dying.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../testing/prng.ts';
import { loadConfig } from './load.ts';
import { createPortConfigLoader } from './load-port.ts';
import { createThreadedConfigLoader, type ThreadedConfigLoader, type ThreadedLoaderOptions } from './load-thread.ts';
import { comparable, EDITS, profile } from './test-edits.ts';
import { writeTree, type Tree } from './test-tree.ts';
import type { LoadResult } from './types.ts';
import type { ChangeBurst } from './watch.ts';

const trees: Tree[] = [];
const loaders: ThreadedConfigLoader[] = [];
afterEach(async () => {
  await Promise.all(loaders.splice(0).map((l) => l.close()));
  await Promise.all(trees.splice(0).map((t) => t.cleanup()));
});

/** A test tree and a threaded loader, both cleaned up after the test. */
async function setUp(files: Record<string, string> = {}, opts: ThreadedLoaderOptions = {}) {
  const t = await writeTree(files);
  trees.push(t);
  const loader = createThreadedConfigLoader(opts);
  loaders.push(loader);
  return { t, loader };
}

/** What the router uses of a load. */
const served = (r: LoadResult) => {
  const c = comparable(r);
  return c.ok ? { ...c, tests: [], docs: [] } : c;
};

function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every(deeplyFrozen);
}

describe('createThreadedConfigLoader', () => {
  it('equals loadConfig after every one of 60 random edits, watcher hints included', async () => {
    const { t, loader } = await setUp();
    const rnd = prng(9);
    expect(served(await loader.load('p', { cwd: t.root }))).toEqual(served(await loadConfig('p', { cwd: t.root })));
    for (let n = 0; n < 60; n++) {
      const [file, text] = EDITS[Math.floor(rnd() * EDITS.length)](n);
      const abs = join(t.dir, file);
      if (text === null) await rm(abs, { force: true });
      else await writeFile(abs, text);
      const threaded = await loader.load('p', { cwd: t.root, changed: new Set([abs]), listChanged: true });
      const fresh = await loadConfig('p', { cwd: t.root });
      expect(served(threaded), `after edit ${n}: ${file}`).toEqual(served(fresh));
    }
    expect(loader.worker()).not.toBeNull(); // the loads did run in the thread
  });

  it('keeps the values of unchanged files the same (frozen) objects, and takes in a changed one', async () => {
    const { t, loader } = await setUp({ 'profiles/other.yaml': profile('other') });
    const first = await loader.load('p', { cwd: t.root });
    await writeFile(join(t.dir, 'profiles/other.yaml'), profile('other').replace('priority: 10', 'priority: 11'));
    const second = await loader.load('p', { cwd: t.root });
    if (!first.ok || !second.ok) throw new Error('expected both loads to succeed');
    const byId = (r: typeof first, id: string) => r.config.profiles.find((p) => p.id === id)!;
    expect(byId(second, 'residential')).toBe(byId(first, 'residential'));
    expect(second.config.partners.get('acme')).toBe(first.config.partners.get('acme'));
    expect(byId(second, 'other')).not.toBe(byId(first, 'other'));
    expect(byId(second, 'other').partners[0].priority).toBe(11);
    expect(deeplyFrozen(second.config.profiles)).toBe(true);
    expect(Object.isFrozen(second.config)).toBe(true);
    expect(() => (second.config.partners as Map<string, unknown>).set('x', {})).toThrow(TypeError);
  });

  it('takes in, of a changed document, only its changed parts: the others stay the objects they were', async () => {
    const text = profile('other').replace('  - partner: northwind\n', '  - partner: northwind\n    rules: [{ field: state, in: [CA, NY] }]\n');
    const { t, loader } = await setUp({ 'profiles/other.yaml': text });
    const file = join(t.dir, 'profiles/other.yaml');
    const other = async () => {
      const r = await loader.load('p', { cwd: t.root, changed: new Set([file]), listChanged: false });
      if (!r.ok) throw new Error('expected the load to succeed');
      expect(served(r)).toEqual(served(await loadConfig('p', { cwd: t.root })));
      return r.config.profiles.find((p) => p.id === 'other')!;
    };
    const first = await other();
    await writeFile(file, text.replace('priority: 10', 'priority: 11'));
    const second = await other();
    // Only the name: the assignments are held as a whole, and with them each assignment.
    await writeFile(file, text.replace('priority: 10', 'priority: 11').replace('name: Residential', 'name: Renamed'));
    const third = await other();
    await writeFile(file, text.replace('priority: 10', 'priority: 12').replace('name: Residential', 'name: Renamed'));
    const fourth = await other();
    expect(second.partners[0].priority).toBe(11);
    expect(second.partners[1]).toBe(first.partners[1]);
    expect(second.rules).toBe(first.rules);
    expect(third.name).toBe('Renamed');
    expect(third.partners).toBe(second.partners);
    expect(fourth.partners[0].priority).toBe(12);
    expect(fourth.partners[1]).toBe(first.partners[1]);
    expect(fourth.rules).toBe(first.rules);
    expect(deeplyFrozen(fourth)).toBe(true);
  });

  it('gives the problems of an invalid tree, then loads the mended one', async () => {
    const { t, loader } = await setUp();
    await loader.load('p', { cwd: t.root });
    await writeFile(join(t.dir, 'profiles/broken.yaml'), profile('broken').replace('priority: 10', 'prioirty: 10'));
    const broken = await loader.load('p', { cwd: t.root });
    expect(broken.ok).toBe(false);
    expect(served(broken)).toEqual(served(await loadConfig('p', { cwd: t.root })));
    await rm(join(t.dir, 'profiles/broken.yaml'));
    const mended = await loader.load('p', { cwd: t.root });
    expect(served(mended)).toEqual(served(await loadConfig('p', { cwd: t.root })));
  });

  it('starts a new thread when its thread died, and says so', async () => {
    const errors: string[] = [];
    const { t, loader } = await setUp({}, { onThreadError: (why) => errors.push(why) });
    const first = await loader.load('p', { cwd: t.root });
    const dead = loader.worker()!;
    await dead.terminate();
    await writeFile(join(t.dir, 'profiles/other.yaml'), profile('other'));
    const next = await loader.load('p', { cwd: t.root, changed: new Set([join(t.dir, 'profiles/other.yaml')]), listChanged: true });
    expect(served(next)).toEqual(served(await loadConfig('p', { cwd: t.root })));
    expect(first.ok && next.ok && next.config.profiles.length).toBe(2);
    expect(loader.worker()).not.toBeNull();
    expect(loader.worker()).not.toBe(dead);
    expect(errors.join('\n')).toMatch(/loader thread exited/);
  });

  it('gives another thread a port to the same loader: its loads equal loadConfig, its unchanged values stay the same objects', async () => {
    const { t, loader } = await setUp({ 'profiles/other.yaml': profile('other') });
    await loader.load('p', { cwd: t.root });
    const port = loader.connect()!;
    const fallbacks: string[] = [];
    const other = createPortConfigLoader(port, { onFallback: (why) => fallbacks.push(why) });
    const rnd = prng(11);
    let previous = await other.load('p', { cwd: t.root });
    expect(served(previous)).toEqual(served(await loadConfig('p', { cwd: t.root })));
    for (let n = 0; n < 30; n++) {
      const [file, text] = EDITS[Math.floor(rnd() * EDITS.length)](n);
      if (text === null) await rm(join(t.dir, file), { force: true });
      else await writeFile(join(t.dir, file), text);
      // The main thread loads first (as the router does), then the other thread.
      await loader.load('p', { cwd: t.root });
      const next = await other.load('p', { cwd: t.root });
      expect(served(next), `after edit ${n}: ${file}`).toEqual(served(await loadConfig('p', { cwd: t.root })));
      if (previous.ok && next.ok && !file.startsWith('profiles/')) {
        // An edit outside the profiles leaves a profile that did not change the same object.
        const kept = next.config.profiles.find((p) => p.id === 'other');
        if (kept) expect(kept).toBe(previous.config.profiles.find((p) => p.id === 'other'));
      }
      if (next.ok) previous = next;
    }
    expect(fallbacks).toEqual([]);
    port.close();
  });

  it('watches in its thread: a burst names the files edited; a new thread watches after the old one died, and says changes may be missed', async () => {
    const { t, loader } = await setUp();
    const bursts: ChangeBurst[] = [];
    const errors: Error[] = [];
    const watcher = await loader.watch(t.dir, (b) => bursts.push(b), { debounceMs: 50, onError: (e) => errors.push(e) });
    const thread = loader.worker();
    expect(thread).not.toBeNull();
    const file = join(t.dir, 'profiles/other.yaml');
    await writeFile(file, profile('other'));
    await expect.poll(() => bursts.length, { timeout: 5_000 }).toBe(1);
    expect(bursts[0].changed?.files).toEqual([file]);
    expect(bursts[0].changed?.listChanged).toBe(true);

    await thread!.terminate();
    // The new thread says it may have missed changes (the reloader then checks every file), and watches.
    await expect.poll(() => bursts.length, { timeout: 5_000 }).toBe(2);
    expect(bursts[1]).toMatchObject({ events: 0, changed: null, missed: expect.stringMatching(/exited/) });
    expect(loader.worker()).not.toBe(thread);
    await writeFile(file, profile('other').replace('priority: 10', 'priority: 11'));
    await expect.poll(() => bursts.length, { timeout: 5_000 }).toBe(3);
    expect(bursts[2].changed).toEqual({ files: [file], listChanged: false });

    await watcher.close();
    await writeFile(file, profile('other'));
    await new Promise((r) => setTimeout(r, 300));
    expect(bursts).toHaveLength(3);
    expect(errors).toEqual([]);
  });

  it('keeps watching when its thread dies during a load: the load\'s new thread watches, and says changes may be missed', async () => {
    const { t, loader } = await setUp();
    const bursts: ChangeBurst[] = [];
    await loader.watch(t.dir, (b) => bursts.push(b), { debounceMs: 50, onError: () => {} });
    const dying = loader.worker()!;
    const loading = loader.load('p', { cwd: t.root });
    void dying.terminate();
    expect((await loading).ok).toBe(true);
    await expect.poll(() => bursts.length, { timeout: 5_000 }).toBe(1);
    expect(bursts[0]).toMatchObject({ events: 0, changed: null, missed: expect.any(String) });
    const file = join(t.dir, 'profiles/other.yaml');
    await writeFile(file, profile('other'));
    await expect.poll(() => bursts.length, { timeout: 5_000 }).toBe(2);
    expect(bursts[1].changed?.files).toEqual([file]);
    expect(loader.worker()).not.toBe(dying);
  });

  it('a port whose loader thread ended loads by itself, and says so', async () => {
    const { t, loader } = await setUp();
    await loader.load('p', { cwd: t.root });
    const fallbacks: string[] = [];
    const other = createPortConfigLoader(loader.connect()!, { onFallback: (why) => fallbacks.push(why) });
    await other.load('p', { cwd: t.root });
    await loader.worker()!.terminate();
    await writeFile(join(t.dir, 'profiles/other.yaml'), profile('other'));
    const next = await other.load('p', { cwd: t.root });
    expect(served(next)).toEqual(served(await loadConfig('p', { cwd: t.root })));
    expect(fallbacks).toEqual(['the config loader thread is gone']);
  });
});
