// Encrypted fields at rest, on a real Redis and through the delivery thread: no copy of an
// `encrypted` field that Redis keeps (lead records, batch and attempts jobs, dead letters, events)
// holds the plain value, and the partner (a real node:http server) still receives it in clear.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouterRuntime } from './runtime.ts';
import { createLogger } from './observability/logger.ts';
import { waitFor } from './delivery/testing/wait.ts';
import { deleteKeysUnder, keysUnder, TEST_REDIS_URL, testPrefix } from './testing/redis-keys.ts';
import { startRouterProcess } from './testing/router-process.ts';

const SSN = '987-65-4321';
const quiet = () => createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
const key = () => randomBytes(32).toString('base64');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tree(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-encryption-'));
  dirs.push(dir);
  await writeFile(join(dir, 'all.yaml'), text);
  return dir;
}

const treeFor = (partnerUrl: string) => `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  ssn: { type: string, encrypted: true }
  applicant:
    type: object
    fields:
      income: { type: number, encrypted: true }
---
kind: Partner
id: alpha
name: Alpha
delivery: { webhook: { url: "${partnerUrl}/alpha" } }
---
kind: Partner
id: beta
name: Beta
delivery: { webhook: { url: "${partnerUrl}/beta" } }
---
kind: Partner
id: gamma
name: Gamma
delivery: { webhook: { url: "${partnerUrl}/gamma" }, attempts: 2 }
---
kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: 2 }
  - { partner: beta, priority: 1 }
---
kind: Profile
id: retry
entity: lead
name: Retry
partners:
  - { partner: gamma, priority: 1 }
`;

/** Everything Redis holds under the test's prefixes (the router's and BullMQ's), as one text. */
async function dumpRedis(redis: Redis, prefixes: string[]): Promise<{ keys: string[]; text: string }> {
  const keys = (await Promise.all(prefixes.map((p) => keysUnder(redis, p)))).flat();
  const parts: string[] = [];
  for (const k of keys) {
    const type = await redis.type(k);
    let value: unknown;
    if (type === 'string') value = await redis.get(k);
    else if (type === 'hash') value = await redis.hgetall(k);
    else if (type === 'list') value = await redis.lrange(k, 0, -1);
    else if (type === 'set') value = await redis.smembers(k);
    else if (type === 'zset') value = await redis.zrange(k, 0, -1, 'WITHSCORES');
    else if (type === 'stream') value = await redis.xrange(k, '-', '+');
    else value = `(${type})`;
    parts.push(`${k} ${JSON.stringify(value)}`);
  }
  return { keys, text: parts.join('\n') };
}

describe('encrypted fields at rest (Redis, delivery thread)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps only ciphertext in Redis (jobs, waterfall jobs, attempts jobs, dead letters) and delivers in clear', async () => {
    // alpha rejects (waterfall to beta); beta is held until released, so its job is in Redis
    // while it runs; gamma fails twice (an attempts job, then a dead letter).
    const received: { partner: string; body: Record<string, unknown> }[] = [];
    let releaseBeta: (() => void) | undefined;
    const server = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const partner = (req.url ?? '/').split('/')[1];
        received.push({ partner, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        if (partner === 'alpha') res.writeHead(400).end();
        else if (partner === 'gamma') res.writeHead(503, { 'retry-after': '0' }).end();
        else releaseBeta = () => res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const partnerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const prefix = testPrefix();
    const queuePrefix = `{${prefix.replace(/:+$/, '')}}`;
    const dir = await tree(treeFor(partnerUrl));
    const rt = createRouterRuntime({
      PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix,
      FIELD_ENCRYPTION_KEY: key(), OUTBOX_DIR: join(dir, 'outbox'),
    }, { logger: quiet() });
    const { url } = await rt.start();
    try {
      const res = await fetch(`${url}/v1/leads/lead`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${randomUUID()}@x.example`, ssn: SSN, applicant: { income: 73_519 } }),
      });
      expect(res.status).toBe(202);
      const { leadId } = await res.json();
      const routes = async () => ((await (await fetch(`${url}/v1/leads/${leadId}`)).json()).routes as { partner: string; status: string }[]);

      await waitFor('beta holding its delivery and gamma failed for good', async () => {
        const r = await routes();
        return releaseBeta && r.some((x) => x.partner === 'gamma' && x.status === 'failed');
      });
      await waitFor('the dead letter', async () => (await redis.zcard(`${queuePrefix}:deliveries:failed`)) > 0);
      const during = await dumpRedis(redis, [prefix, queuePrefix]);
      expect(during.keys.length).toBeGreaterThan(0);
      expect(during.text).not.toContain(SSN);
      expect(during.text).not.toContain('73519');
      expect(during.text).toContain('lrenc:v1:'); // the fields are there, sealed

      releaseBeta!();
      await waitFor('beta delivered', async () => (await routes()).some((x) => x.partner === 'beta' && x.status === 'delivered'));
      const after = await dumpRedis(redis, [prefix, queuePrefix]);
      expect(after.text).toContain('lrenc:v1:'); // the dead letter keeps its sealed job
      expect(after.text).not.toContain(SSN);
      expect(after.text).not.toContain('73519');

      // Every partner got the fields in clear, and nothing else of the sealing.
      expect(new Set(received.map((r) => r.partner))).toEqual(new Set(['alpha', 'beta', 'gamma']));
      for (const r of received) {
        expect(r.body.lead).toMatchObject({ ssn: SSN, applicant: { income: 73_519 } });
        expect(JSON.stringify(r.body)).not.toContain('lrenc:');
      }
      expect(received.filter((r) => r.partner === 'gamma')).toHaveLength(2);
    } finally {
      await rt.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await deleteKeysUnder(redis, prefix);
      await deleteKeysUnder(redis, queuePrefix);
    }
  });
});

describe('the router process and FIELD_ENCRYPTION_KEY', () => {
  const ENCRYPTED_TREE = `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  ssn: { type: string, encrypted: true }
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
`;

  it('refuses to start on Redis with encrypted fields and no key (exit 1, naming the variable)', async () => {
    const dir = await tree(ENCRYPTED_TREE);
    const err = await startRouterProcess({ env: { PROFILES_DIR: dir, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testPrefix(), FIELD_ENCRYPTION_KEY: undefined } })
      .then((p) => p.stop().then(() => null), (e: unknown) => e);
    expect(String(err)).toMatch(/router exited \(1\) before listening/);
    expect(String(err)).toMatch(/FIELD_ENCRYPTION_KEY is not set/);
    expect(String(err)).toMatch(/'lead' has encrypted fields \(ssn\)/);
  });

  it('refuses a key that is not the base64 of 32 bytes (exit 1, naming the variable, not the value)', async () => {
    const dir = await tree(ENCRYPTED_TREE);
    const bad = randomBytes(16).toString('base64');
    const err = await startRouterProcess({ env: { PROFILES_DIR: dir, REDIS_URL: TEST_REDIS_URL, FIELD_ENCRYPTION_KEY: key(), FIELD_ENCRYPTION_KEY_PREVIOUS: bad } })
      .then((p) => p.stop().then(() => null), (e: unknown) => e);
    expect(String(err)).toMatch(/router exited \(1\) before listening/);
    expect(String(err)).toMatch(/FIELD_ENCRYPTION_KEY_PREVIOUS must be the base64 of exactly 32 bytes/);
    expect(String(err)).not.toContain(bad);
  });

  it('refuses a reload that adds encrypted fields on Redis without a key, and keeps serving the last good tree', async () => {
    const plain = ENCRYPTED_TREE.replace('  ssn: { type: string, encrypted: true }\n', '');
    const dir = await tree(plain);
    const prefix = testPrefix();
    const rt = createRouterRuntime({ PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }, { logger: quiet(), deliveryThread: false });
    await rt.start();
    try {
      const served = rt.snapshot()!.hash;
      await writeFile(join(dir, 'all.yaml'), ENCRYPTED_TREE);
      const outcome = await rt.reload();
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? '' : outcome.problems.map((p) => p.message).join()).toMatch(/FIELD_ENCRYPTION_KEY is not set/);
      expect(rt.snapshot()!.hash).toBe(served);
    } finally {
      await rt.stop();
      const redis = new Redis(TEST_REDIS_URL);
      await deleteKeysUnder(redis, prefix);
      await deleteKeysUnder(redis, `{${prefix.replace(/:+$/, '')}}`);
      await redis.quit();
    }
  });

  it('starts embedded with encrypted fields and no key (the fields stay in memory)', async () => {
    const dir = await tree(ENCRYPTED_TREE);
    const p = await startRouterProcess({ env: { PROFILES_DIR: dir, REDIS_URL: undefined, FIELD_ENCRYPTION_KEY: undefined, OUTBOX_DIR: join(dir, 'outbox') } });
    expect((await p.stop()).code).toBe(0);
  });
});
