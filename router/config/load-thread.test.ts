import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTree as writeBenchTree } from '../../bench/gen-tree.ts';
import { loadConfig } from './load.ts';
import { startConfigLoaderThread } from './load-thread.ts';
import { loadResultFromJson, loadResultToJson } from './load-wire.ts';
import { PROFILE, writeTree } from './test-tree.ts';
import type { LoadResult } from './types.ts';

/** What the router gets from loadConfig: the same result without the documents and routing tests. */
function asServed(r: LoadResult): LoadResult {
  return r.ok ? { ...r, config: { ...r.config, docs: [], routingTests: [] } } : r;
}

describe('config loader thread', () => {
  const fallbacks: string[] = [];
  const loader = startConfigLoaderThread({ onFallback: (why) => fallbacks.push(why) });
  afterAll(() => loader.close());

  it('loads the example profiles exactly as loadConfig does, frozen', async () => {
    const viaThread = await loader.load('profiles');
    const direct = await loadConfig('profiles');
    expect(viaThread.ok).toBe(true);
    expect(viaThread).toStrictEqual(asServed(direct));
    if (!viaThread.ok) return;
    expect(viaThread.config.entities).toBeInstanceOf(Map);
    expect(Object.isFrozen(viaThread.config.profiles[0].partners[0])).toBe(true);
    expect(() => (viaThread.config.partners as Map<string, unknown>).set('x', {})).toThrow(/read-only/);
    expect(fallbacks).toEqual([]);
  });

  it('loads a generated tree with caps, rules and webhooks exactly as loadConfig does', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'leadroute-load-thread-'));
    try {
      const tree = await writeBenchTree(path.join(dir, 'tree'), { profiles: 30, webhookUrl: 'http://127.0.0.1:9/leads', caps: 'huge' });
      expect(await loader.load(tree.dir)).toStrictEqual(asServed(await loadConfig(tree.dir)));
      expect(fallbacks).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns the same problems for an invalid tree and for a missing directory', async () => {
    const tree = await writeTree({ 'profiles/p.yaml': PROFILE.replace('priority: 10', 'prioirty: 10') });
    try {
      const viaThread = await loader.load(tree.dir);
      expect(viaThread.ok).toBe(false);
      expect(viaThread).toStrictEqual(await loadConfig(tree.dir));
    } finally {
      await tree.cleanup();
    }
    const missing = path.join(os.tmpdir(), 'leadroute-no-such-dir');
    expect(await loader.load(missing)).toStrictEqual(await loadConfig(missing));
  });

  it('ends the thread when loads stop, and starts it again for the next one', async () => {
    const idle = startConfigLoaderThread({ idleMs: 50, onFallback: (why) => fallbacks.push(why) });
    try {
      expect(idle.running()).toBe(false);
      const first = await idle.load('profiles');
      expect(idle.running()).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(idle.running()).toBe(false);
      expect(await idle.load('profiles')).toStrictEqual(first);
      expect(fallbacks).toEqual([]);
    } finally {
      await idle.close();
    }
  });

  it('after close, loads on the calling thread', async () => {
    const other = startConfigLoaderThread();
    await other.close();
    expect(asServed(await other.load('profiles'))).toStrictEqual(asServed(await loadConfig('profiles')));
  });
});

describe('load results as JSON', () => {
  it('refuses a config JSON would not keep exactly, so the loader falls back', async () => {
    const r = await loadConfig('profiles');
    if (!r.ok) throw new Error('the example profiles must load');
    const withUndefined = { ...r, config: { ...r.config, profiles: [{ ...r.config.profiles[0], note: undefined }] } } as unknown as LoadResult;
    expect(() => loadResultToJson(withUndefined)).toThrow(/undefined/);
    const withDate = { ...r, config: { ...r.config, hash: new Date() } } as unknown as LoadResult;
    expect(() => loadResultToJson(withDate)).toThrow(/toJSON/);
    expect(loadResultFromJson(loadResultToJson(r))).toStrictEqual(asServed(r));
  });
});
