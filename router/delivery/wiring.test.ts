// The delivery side built from the env, on a real Redis with a real partner server: key rotation
// of the sealed fields (FIELD_ENCRYPTION_KEY_PREVIOUS), and what happens without the old key.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCapStore } from '../caps/redis.ts';
import { loadConfig } from '../config/load.ts';
import type { DeliveryJob } from '../delivery-job.ts';
import { readRouterEnv } from '../env.ts';
import { createIdFactory } from '../ids.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { createLogger } from '../observability/logger.ts';
import { compileSnapshot, type Snapshot } from '../routing/snapshot.ts';
import { deleteKeysUnder, keysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { startPartnerServer, type PartnerServer } from './testing/partner-server.ts';
import { waitFor } from './testing/wait.ts';
import { createDeliverySide, type DeliveryRole } from './wiring.ts';

const SSN = '555-12-3456';
const quiet = () => createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });

describe('createDeliverySide on Redis: field key rotation', () => {
  let redis: Redis;
  let partner: PartnerServer;
  let dir: string;
  let snapshot: Snapshot;
  const prefix = testPrefix();
  const queuePrefix = `{${prefix.replace(/:+$/, '')}}`;
  const newId = createIdFactory();

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    partner = await startPartnerServer();
    dir = await mkdtemp(join(tmpdir(), 'leadroute-wiring-'));
    await writeFile(join(dir, 'all.yaml'), `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  ssn: { type: string, encrypted: true }
---
kind: Partner
id: alpha
name: Alpha
delivery: { webhook: { url: "${partner.url}/alpha" }, attempts: 1 }
---
kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: 1 }
`);
    const loaded = await loadConfig(dir);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    snapshot = compileSnapshot(loaded.config);
  });
  afterAll(async () => {
    await partner.close();
    await deleteKeysUnder(redis, prefix);
    await deleteKeysUnder(redis, queuePrefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  const side = (role: DeliveryRole, keys: { key: Buffer; previous?: Buffer }) => {
    const env = readRouterEnv({
      REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, OUTBOX_DIR: join(dir, 'outbox'),
      FIELD_ENCRYPTION_KEY: keys.key.toString('base64'),
      ...(keys.previous ? { FIELD_ENCRYPTION_KEY_PREVIOUS: keys.previous.toString('base64') } : {}),
    });
    return createDeliverySide({
      role, env, vars: {}, current: () => snapshot, newId, logger: quiet(), registry: new Registry(),
      caps: createRedisCapStore(redis, { prefix }), leads: createRedisLeadStore(redis, { prefix }),
    });
  };
  const job = (): DeliveryJob => ({
    deliveryId: newId(), leadId: newId(), entity: 'lead', profile: 'main', partner: 'alpha', priority: 1,
    test: false, receivedAt: new Date().toISOString(), lead: { email: 'a@x.example', ssn: SSN }, tried: [],
  });
  const stored = async () => {
    const keys = await keysUnder(redis, queuePrefix);
    const hashes = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'hash' ? JSON.stringify(await redis.hgetall(k)) : '')));
    return hashes.join('\n');
  };

  it('delivers in clear what the previous key sealed, after the rotation', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const first = job();
    const before = side('intake', { key: oldKey });
    await before.queue.enqueue([first]);
    await before.close();
    const text = await stored();
    expect(text).not.toContain(SSN);
    expect(text).toContain('lrenc:v1:');

    const after = side('all', { key: newKey, previous: oldKey });
    after.start();
    try {
      const got = await waitFor('the delivery', () => partner.requests.find((r) => r.webhookId === first.deliveryId));
      expect((got.body.lead as Record<string, unknown>).ssn).toBe(SSN);
    } finally {
      await after.close();
    }
  });

  it('without the previous key, the delivery fails for good and says which key is missing', async () => {
    const lost = job();
    const before = side('intake', { key: randomBytes(32) });
    await before.queue.enqueue([lost]);
    await before.close();

    const after = side('all', { key: randomBytes(32) });
    after.start();
    try {
      const [dead] = await waitFor('the dead letter', async () => {
        const failed = await after.queue.listFailed();
        return failed.some((f) => f.deliveryId === lost.deliveryId) ? failed.filter((f) => f.deliveryId === lost.deliveryId) : null;
      });
      expect(dead.reason).toMatch(/could not be decrypted: sealed with an unknown key .*FIELD_ENCRYPTION_KEY_PREVIOUS/);
      expect(partner.requests.some((r) => r.webhookId === lost.deliveryId)).toBe(false);
    } finally {
      await after.close();
    }
  });
});
