import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouterRuntime, StartupError } from './runtime.ts';
import { EnvError, readRouterEnv } from './env.ts';
import { createLogger } from './observability/logger.ts';
import { startPartnerServer } from './delivery/testing/partner-server.ts';
import { waitFor } from './delivery/testing/wait.ts';
import { startSmtp } from './delivery/channels/test-servers.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from './testing/redis-keys.ts';

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
      logLevel: 'info', bodyLimit: 65536, redisCommandTimeoutMs: 1000, pingTtlMs: 120_000,
      fieldEncryptionKey: undefined, fieldEncryptionKeyPrevious: undefined,
    });
  });

  it('splits keys and rejects bad values', () => {
    expect(readRouterEnv({ LEAD_API_KEYS: ' a, b ,,c ' }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(() => readRouterEnv({ PORT: 'http' })).toThrow(EnvError);
    expect(() => readRouterEnv({ LEAD_RETENTION_DAYS: '-1' })).toThrow(/LEAD_RETENTION_DAYS/);
    expect(() => readRouterEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    const key = Buffer.alloc(32, 7);
    expect(readRouterEnv({ FIELD_ENCRYPTION_KEY: key.toString('base64') }).fieldEncryptionKey).toEqual(key);
    expect(() => readRouterEnv({ FIELD_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/^FIELD_ENCRYPTION_KEY must be the base64 of exactly 32 bytes/);
  });
});

describe('createRouterRuntime with Redis: delivery from the delivery thread', () => {
  const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';
  const treeFor = (partnerUrl: string, second: string) => ({
    'all.yaml': `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
---
kind: Partner
id: alpha
name: Alpha
delivery: { webhook: { url: "${partnerUrl}/alpha" } }
---
kind: Partner
id: beta
name: Beta
delivery: { webhook: { url: "${partnerUrl}/${second}" } }
---
kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: 2 }
  - { partner: beta, priority: 1 }
`,
  });

  it('delivers (with the waterfall), merges the thread\'s metrics and log lines, follows reloads, and stops', async () => {
    const partner = await startPartnerServer((r) => (r.partner === 'alpha' ? { status: 400 } : { status: 200 }));
    const prefix = `test:${randomUUID()}:`;
    const dir = await tree(treeFor(partner.url, 'beta'));
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) });
    const rt = createRouterRuntime(
      { PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', REDIS_URL, REDIS_PREFIX: prefix, OUTBOX_DIR: join(dir, 'outbox') },
      { logger },
    );
    const { url } = await rt.start();
    const send = async () => {
      const res = await fetch(`${url}/v1/leads/lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${randomUUID()}@x.example` }) });
      expect(res.status).toBe(202);
      return (await res.json()).leadId as string;
    };
    const record = async (leadId: string) => (await fetch(`${url}/v1/leads/${leadId}`)).json();
    try {
      const leadId = await send();
      const rec = await waitFor('the lead delivered', async () => {
        const r = await record(leadId);
        return r.state === 'delivered' ? r : null;
      });
      expect(rec.routes.map((r: { partner: string; status: string }) => [r.partner, r.status])).toEqual([['alpha', 'rejected'], ['beta', 'delivered']]);

      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('deliveries_total{partner="alpha",channel="webhook",outcome="rejected"} 1');
      expect(text).toContain('deliveries_total{partner="beta",channel="webhook",outcome="delivered"} 1');
      for (const name of ['deliveries_total', 'delivery_queue_depth', 'dead_letters', 'leads_received_total']) {
        expect(text.split('\n').filter((l) => l === `# TYPE ${name} ${name === 'deliveries_total' || name === 'leads_received_total' ? 'counter' : 'gauge'}`)).toHaveLength(1);
      }
      const fromThread = lines.map((l) => JSON.parse(l)).filter((l) => l.thread === 'delivery');
      expect(fromThread.map((l) => l.msg)).toContain('waterfall: lead offered to the next partner');

      // A reload reaches the thread: beta's deliveries go to the new URL.
      await writeFile(join(dir, 'all.yaml'), treeFor(partner.url, 'gamma')['all.yaml']);
      expect((await rt.reload()).ok).toBe(true);
      await waitFor('a delivery to the new URL', async () => {
        const id = await send();
        await waitFor('settled', async () => (await record(id)).state === 'delivered');
        return partner.requests.some((r) => r.partner === 'gamma');
      });
    } finally {
      await rt.stop();
      await partner.close();
      const redis = new Redis(REDIS_URL);
      const keys = [...await redis.keys(`${prefix}*`), ...await redis.keys(`{${prefix.replace(/:+$/, '')}}*`)];
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});

describe('createRouterRuntime with Redis: the delivery thread is wired like the main thread', () => {
  it('sends email from SMTP_FROM (a real SMTP server, delivered by the delivery thread)', async () => {
    const smtp = await startSmtp();
    const prefix = testPrefix();
    const dir = await tree(VALID);
    const rt = createRouterRuntime({
      PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix,
      SMTP_URL: smtp.url, SMTP_FROM: 'Leads <leads@router.example>',
    }, { logger: quiet() });
    const { url } = await rt.start();
    try {
      const res = await fetch(`${url}/v1/leads/lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${randomUUID()}@x.example` }) });
      expect(res.status).toBe(202);
      const [mail] = await waitFor('the email', () => (smtp.messages.length ? smtp.messages : null));
      expect(mail.to).toEqual(['leads@alpha.example']);
      expect(mail.from).toBe('leads@router.example');
      expect(mail.raw).toMatch(/^From: Leads <leads@router\.example>\r?$/m);
    } finally {
      await rt.stop();
      await smtp.close();
      const redis = new Redis(TEST_REDIS_URL);
      await deleteKeysUnder(redis, prefix);
      await deleteKeysUnder(redis, `{${prefix.replace(/:+$/, '')}}`);
      await redis.quit();
    }
  });
});
