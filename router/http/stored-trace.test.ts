// What GET /v1/leads/{id} and POST /v1/explain show of a lead's values: clipped, never an
// encrypted one, whether the record sits in memory or in Redis.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config, Entity } from '../config/types.ts';
import { createRedisLeadStore } from '../leads/redis-store.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { harness, partner, postJson } from './test-fixtures.ts';

const applicant: Entity = {
  id: 'applicant',
  fields: {
    email: { type: 'string', required: true },
    person: { type: 'object', fields: { name: { type: 'string' }, ssn: { type: 'string', encrypted: true } } },
  },
};
const config: Config = {
  entities: new Map([[applicant.id, applicant]]),
  partners: new Map([['acme', partner('acme')], ['zeta', partner('zeta')]]),
  profiles: [{
    id: 'main', entity: 'applicant', name: 'Main', enabled: true, strategy: 'send-to-all', rules: [],
    partners: [
      { partner: 'acme', priority: 2, active: true, rules: [{ field: 'email', endsWith: '@acme.example' }] },
      { partner: 'zeta', priority: 1, active: true, rules: [{ field: 'person', empty: true }] },
    ],
  }],
  routingTests: [], docs: [], hash: 'h', dir: 'p',
};
const snapshot = () => compileSnapshot(config, { env: {} });

const SSN = '078-05-1120';
const LONG = `${'a'.repeat(500)}@example.com`;
const lead = { email: LONG, person: { name: 'Ann', ssn: SSN } };

function expectSafe(text: string) {
  expect(text).not.toContain(SSN);
  expect(text).not.toContain('a'.repeat(64));
  expect(text).toContain('[encrypted]');
}

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await deleteKeysUnder(redis, p);
  await redis.quit();
});

describe('lead values in the stored trace', () => {
  it('GET /v1/leads/{id}: clipped, no encrypted value (memory)', async () => {
    const h = harness({}, snapshot());
    const { leadId } = await (await h.app.request(...postJson('/v1/leads/applicant', lead))).json();
    const res = await h.app.request(`/v1/leads/${leadId}`);
    expect(res.status).toBe(200);
    expectSafe(await res.text());
  });

  it('GET /v1/leads/{id}: clipped, no encrypted value, the same record back (Redis)', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const leads = createRedisLeadStore(redis, { prefix });
    const h = harness({ leads }, snapshot());
    const { leadId } = await (await h.app.request(...postJson('/v1/leads/applicant', lead))).json();
    const text = await (await h.app.request(`/v1/leads/${leadId}`)).text();
    expectSafe(text);
    const [acme, zeta] = JSON.parse(text).trace[0].partners;
    expect(acme.failed.actual).toBe(`${'a'.repeat(63)}…`);
    expect(acme.message).toBe(`acme skipped: email "${'a'.repeat(59)}…" does not end with "@acme.example" (at partners[0].rules[0])`);
    expect(zeta.failed.actual).toEqual({ name: 'Ann', ssn: '[encrypted]' });
  });

  it('POST /v1/explain: the values the caller sent, clipped, no encrypted value', async () => {
    const h = harness({}, snapshot());
    const res = await h.app.request(...postJson('/v1/explain/applicant', lead));
    expect(res.status).toBe(200);
    expectSafe(await res.text());
  });
});
