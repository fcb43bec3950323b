import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config, LoadResult } from './types.ts';
import { createConfigReloader, watchTree, type ChangeBurst, type ConfigReloader } from './watch.ts';

// A stand-in for the real loader: reads every *.yaml below dir (following symlinks, skipping
// dot entries as the loader does); a file containing INVALID makes the tree invalid.
async function fakeLoad(dir: string): Promise<LoadResult> {
  const files: string[] = [];
  async function walk(d: string) {
    for (const name of (await readdir(d)).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      const s = await stat(p);
      if (s.isDirectory()) await walk(p);
      else if (name.endsWith('.yaml')) files.push(`${p.slice(dir.length)}\n${await readFile(p, 'utf8')}`);
    }
  }
  await walk(dir);
  const bad = files.find((f) => f.includes('INVALID'));
  if (bad) {
    return { ok: false, problems: [{ severity: 'error', code: 'SCHEMA', message: 'invalid', file: bad.split('\n')[0], line: 1, col: 1 }] };
  }
  const hash = createHash('sha256').update(files.join('\0')).digest('hex');
  return { ok: true, problems: [], config: { hash, dir, docs: files } as unknown as Config };
}

interface Snap { hash: string; content: string }
const compile = (c: Config): Snap => ({ hash: c.hash, content: (c.docs as unknown as string[]).join('|') });

let dirs: string[] = [];
let reloaders: ConfigReloader<Snap>[] = [];
afterEach(async () => {
  await Promise.all(reloaders.map((r) => r.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
  reloaders = [];
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'leadroute-watch-'));
  dirs.push(d);
  return d;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function started(dir: string, extra: Partial<Parameters<typeof createConfigReloader<Snap>>[0]> = {}) {
  const first = await fakeLoad(dir);
  if (!first.ok) throw new Error('initial tree invalid');
  const swaps: Snap[] = [];
  const errors: unknown[] = [];
  const r = createConfigReloader<Snap>({
    dir, load: fakeLoad, compile, initial: compile(first.config), debounceMs: 60,
    onSwap: (s) => swaps.push(s), onError: (p) => errors.push(p), ...extra,
  });
  reloaders.push(r);
  await r.start();
  return { r, swaps, errors };
}

const content = (r: ConfigReloader<Snap>) => r.current()?.content ?? '';

describe('createConfigReloader', () => {
  it('reloads when a file changes, is added, or is removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'one');
    const { r } = await started(dir);
    expect(content(r)).toContain('one');

    await writeFile(join(dir, 'a.yaml'), 'two');
    await until(() => content(r).includes('two'));

    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b.yaml'), 'three');
    await until(() => content(r).includes('three'));

    await unlink(join(dir, 'sub', 'b.yaml'));
    await until(() => !content(r).includes('three'));
    expect(r.status()).toMatchObject({ successful: true, error: null });
  });

  it('logs a burst of file events as one line (a deploy of many files is not a line per file)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'one');
    const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
    const record = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg });
    const { r } = await started(dir, { logger: { info: record, warn: record, error: record } });
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeFile(join(dir, `p${i}.yaml`), `profile ${i}`)));
    await until(() => content(r).includes('profile 39'));
    const changed = lines.filter((l) => l.msg === 'profiles changed');
    expect(changed.length, JSON.stringify(changed)).toBeLessThanOrEqual(2); // one burst (two if the watcher splits it)
    expect(changed.reduce((n, l) => n + (l.obj.events as number), 0)).toBeGreaterThanOrEqual(40);
    for (const l of changed) expect((l.obj.paths as string[]).length).toBeLessThanOrEqual(5);
  });

  it('with settleMs, looks at every file once after the start: a change the starting watcher missed is picked up', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'one');
    const first = await fakeLoad(dir);
    if (!first.ok) throw new Error('initial tree invalid');
    await writeFile(join(dir, 'a.yaml'), 'two'); // after the first load, before the watcher runs: no event
    const loads: unknown[] = [];
    const r = createConfigReloader<Snap>({
      dir, compile, initial: compile(first.config), settleMs: 200,
      load: (d, changed) => {
        loads.push(changed);
        return fakeLoad(d);
      },
    });
    reloaders.push(r);
    await r.start();
    await until(() => content(r).includes('two'));
    expect(loads).toEqual([undefined]); // one load, of every file
  });

  it('keeps the last good snapshot on an invalid tree, then recovers', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'good');
    const { r, errors } = await started(dir);
    const good = r.current();

    await writeFile(join(dir, 'b.yaml'), 'INVALID');
    await until(() => errors.length > 0);
    expect(r.current()).toBe(good);
    expect(r.status().successful).toBe(false);
    expect(r.status().error?.[0]).toMatchObject({ code: 'SCHEMA', file: '/b.yaml' });

    await writeFile(join(dir, 'b.yaml'), 'fixed');
    await until(() => content(r).includes('fixed'));
    expect(r.status()).toMatchObject({ successful: true, error: null });
  });

  it('survives an editor-style atomic save (write a temp file, rename it over)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'before');
    const { r } = await started(dir);
    await writeFile(join(dir, '.a.yaml.swp'), 'after');
    await rename(join(dir, '.a.yaml.swp'), join(dir, 'a.yaml'));
    await until(() => content(r).includes('after'));
    // And keeps watching the new inode.
    await writeFile(join(dir, 'a.yaml'), 'again');
    await until(() => content(r).includes('again'));
  });

  it('survives a Kubernetes ConfigMap swap (..data symlink to a new timestamped directory)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..2026_01_01_v1'));
    await writeFile(join(dir, '..2026_01_01_v1', 'a.yaml'), 'version-one');
    await symlink('..2026_01_01_v1', join(dir, '..data'));
    await symlink(join('..data', 'a.yaml'), join(dir, 'a.yaml'));
    const { r } = await started(dir);
    expect(content(r)).toContain('version-one');

    // What the kubelet does: write the new dir, point ..data_tmp at it, rename over ..data, drop the old dir.
    await mkdir(join(dir, '..2026_01_01_v2'));
    await writeFile(join(dir, '..2026_01_01_v2', 'a.yaml'), 'version-two');
    await symlink('..2026_01_01_v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_01_01_v1'), { recursive: true });
    await until(() => content(r).includes('version-two'));

    // A second swap works too.
    await mkdir(join(dir, '..2026_01_01_v3'));
    await writeFile(join(dir, '..2026_01_01_v3', 'a.yaml'), 'version-three');
    await symlink('..2026_01_01_v3', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_01_01_v2'), { recursive: true });
    await until(() => content(r).includes('version-three'));
  });

  it('never runs two reloads at once, and a change during a reload triggers one more', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'v0');
    let active = 0;
    let maxActive = 0;
    let loads = 0;
    const slowLoad = async (d: string) => {
      active++;
      loads++;
      maxActive = Math.max(maxActive, active);
      await new Promise((res) => setTimeout(res, 100));
      try { return await fakeLoad(d); } finally { active--; }
    };
    const { r } = await started(dir, { load: slowLoad });
    const first = r.reload();
    await new Promise((res) => setTimeout(res, 20));
    await writeFile(join(dir, 'a.yaml'), 'v1');
    const more = [r.reload(), r.reload(), r.reload()];
    const outcomes = await Promise.all([first, ...more]);
    expect(maxActive).toBe(1);
    expect(loads).toBe(2);
    expect(outcomes[1]).toBe(outcomes[3]);
    const last = outcomes[3];
    expect(last.ok && last.snapshot.content).toContain('v1');
  });

  it('does not swap when the tree is unchanged, and a throwing loader is a failed reload', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'same');
    let fail = false;
    const { r, swaps } = await started(dir, {
      load: async (d) => { if (fail) throw new Error('EACCES'); return fakeLoad(d); },
    });
    const before = r.current();
    const out = await r.reload();
    expect(out).toMatchObject({ ok: true, changed: false });
    expect(r.current()).toBe(before);
    expect(swaps).toHaveLength(1);

    fail = true;
    const bad = await r.reload();
    expect(bad.ok).toBe(false);
    expect(r.status().error?.[0]).toMatchObject({ code: 'IO_ERROR' });
    expect(r.current()).toBe(before);
  });

  it('stops reacting after close', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'x');
    let loads = 0;
    const { r } = await started(dir, { load: async (d) => { loads++; return fakeLoad(d); } });
    await r.close();
    await writeFile(join(dir, 'a.yaml'), 'y');
    await new Promise((res) => setTimeout(res, 200));
    expect(loads).toBe(0);
  });
});

describe('watchTree', () => {
  it('reports a burst once the directory is quiet, naming each file once however often it was saved', async () => {
    const dir = await tempDir();
    const bursts: ChangeBurst[] = [];
    const watcher = await watchTree(dir, (b) => bursts.push(b), { debounceMs: 200, onError: () => {} });
    try {
      const file = join(dir, 'a.yaml');
      for (let i = 0; i < 8; i++) {
        await writeFile(file, `kind: Profile\nid: a${i}\n`);
        await new Promise((r) => setTimeout(r, 60));
      }
      await until(() => bursts.length > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(bursts).toHaveLength(1);
      expect(bursts[0].events).toBeGreaterThan(1);
      expect(bursts[0].changed).toEqual({ files: [file], listChanged: true });
    } finally {
      await watcher.close();
    }
  });
});
