import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { monotonicFactory } from 'ulid';
import { createRouterRuntime, pooledRandom, StartupError } from './app-deps.ts';
import { EnvError, readRouterEnv } from './env.ts';
import { createLogger } from './observability/logger.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const quiet = () => createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-runtime-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const VALID = {
  'all.yaml': `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
---
kind: Partner
id: alpha
name: Alpha
delivery: { email: { to: [leads@alpha.example] } }
---
kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: 1 }
`,
};

describe('createRouterRuntime (in-process, embedded)', () => {
  it('starts, routes a lead end to end (outbox email), and stops', async () => {
    const dir = await tree(VALID);
    const outbox = join(dir, 'outbox');
    const rt = createRouterRuntime({ PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', OUTBOX_DIR: outbox, SMTP_FROM: 'Leads <leads@router.example>' }, { logger: quiet() });
    const { url } = await rt.start();
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const res = await fetch(`${url}/v1/leads/lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${randomUUID()}@x.example` }) });
      expect(res.status).toBe(202);
      const { leadId } = await res.json();
      let state = '';
      for (let i = 0; i < 100 && state !== 'delivered'; i++) {
        state = (await (await fetch(`${url}/v1/leads/${leadId}`)).json()).state;
        if (state !== 'delivered') await new Promise((r) => setTimeout(r, 50));
      }
      expect(state).toBe('delivered');
      const [eml] = await readdir(outbox);
      expect(await readFile(join(outbox, eml), 'utf8')).toMatch(/^From: Leads <leads@router\.example>\r?$/m);
    } finally {
      await rt.stop();
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('refuses to start on an invalid tree, with the problems', async () => {
    const dir = await tree({ 'bad.yaml': 'kind: Profile\nid: p\nentity: nope\nname: P\npartners: []\n' });
    const rt = createRouterRuntime({ PROFILES_DIR: dir, PORT: '0' }, { logger: quiet() });
    const err = await rt.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).problems.some((p) => p.severity === 'error' && p.file.endsWith('bad.yaml'))).toBe(true);
    await rt.stop();
  });
});

describe('readRouterEnv', () => {
  it('applies the defaults', () => {
    expect(readRouterEnv({})).toEqual({
      port: 8080, host: undefined, profilesDir: './profiles', redisUrl: undefined, redisPrefix: 'leadroute:',
      smtpUrl: undefined, smtpFrom: undefined, apiKeys: [], adminKey: undefined, leadRetentionDays: 30, outboxDir: './outbox',
      logLevel: 'info', bodyLimit: 65536, redisCommandTimeoutMs: 1000,
    });
  });

  it('splits keys and rejects bad values', () => {
    expect(readRouterEnv({ LEAD_API_KEYS: ' a, b ,,c ' }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(() => readRouterEnv({ PORT: 'http' })).toThrow(EnvError);
    expect(() => readRouterEnv({ LEAD_RETENTION_DAYS: '-1' })).toThrow(/LEAD_RETENTION_DAYS/);
    expect(() => readRouterEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });
});

describe('pooledRandom (ulid randomness)', () => {
  it('draws values in [0, 1) evenly over ulid\'s 32 characters, across pool refills', () => {
    const next = pooledRandom(64);
    const buckets = new Array<number>(32).fill(0);
    const n = 32_000;
    for (let i = 0; i < n; i++) {
      const v = next();
      expect(v >= 0 && v < 1).toBe(true);
      buckets[Math.floor(v * 32)]++;
    }
    for (const b of buckets) {
      expect(b).toBeGreaterThan(n / 32 * 0.8);
      expect(b).toBeLessThan(n / 32 * 1.2);
    }
  });

  it('makes unique, sortable ids through ulid', () => {
    const newId = monotonicFactory(pooledRandom());
    const ids = Array.from({ length: 5_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
