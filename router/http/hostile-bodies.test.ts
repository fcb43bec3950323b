// Hostile lead bodies through the whole intake (parse, lead checks, rules, trace, record, job):
// each gets a 4xx naming what is wrong, or is accepted with the hostile part dropped; never a 5xx.
import { describe, expect, it } from 'vitest';
import type { Config, Entity } from '../config/types.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, harness, partner, postJson, profile } from './test-fixtures.ts';

const entity: Entity = {
  id: 'mortgage',
  fields: {
    email: { type: 'string', required: true },
    extras: { type: 'object' },
  },
};

function snapshot() {
  const config: Config = {
    entities: new Map([[entity.id, entity]]),
    partners: new Map([['acme', partner('acme')]]),
    profiles: [profile('main', [assign('acme', 1)], { rules: [{ not: { field: 'extras.a.a.a', equals: 'never' } }, { field: 'extras', empty: false }] })],
    routingTests: [], docs: [], hash: 'h', dir: 'profiles',
  };
  return compileSnapshot(config, { env: {}, loadedAt: new Date('2026-03-10T12:00:00Z') });
}

const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('hostile lead bodies', () => {
  it('JSON nested 30,000 levels (the most 64 KiB holds) parses, and is a 400 as a body that is no object', async () => {
    const h = harness({}, snapshot());
    const res = await h.app.request(...postJson('/v1/leads/mortgage', `${'['.repeat(30_000)}${']'.repeat(30_000)}`));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('BAD_REQUEST');
  });

  it('deep nesting in a free-form object: 422 maxDepth naming the field, on leads and explain; nothing recorded', async () => {
    const h = harness({}, snapshot());
    const body = `{"email":"a@example.com","extras":${nestedJson(10_000)}}`;
    for (const path of ['/v1/leads/mortgage', '/v1/explain/mortgage']) {
      const res = await h.app.request(...postJson(path, body));
      expect(res.status, path).toBe(422);
      const error = (await res.json()).error;
      expect(error.code).toBe('INVALID_LEAD');
      expect(error.fields).toEqual([expect.objectContaining({ field: 'extras', code: 'maxDepth' })]);
    }
    expect(h.records.size).toBe(0);
    expect(h.jobs).toEqual([]);
  });

  it('deep nesting in a field the entity does not define is dropped: 202, the job without it', async () => {
    const h = harness({}, snapshot());
    const res = await h.app.request(...postJson('/v1/leads/mortgage', `{"email":"a@example.com","extras":{"a":{"a":{"a":1}}},"junk":${nestedJson(10_000)}}`));
    expect(res.status).toBe(202);
    expect(h.jobs[0].lead).toEqual({ email: 'a@example.com', extras: { a: { a: { a: 1 } } } });
  });

  it('a free-form object as deep as allowed goes through rules, trace, record and job', async () => {
    const h = harness({}, snapshot());
    const res = await h.app.request(...postJson('/v1/explain/mortgage', `{"email":"a@example.com","extras":${nestedJson(32)}}`));
    expect(res.status).toBe(200);
    const accepted = await h.app.request(...postJson('/v1/leads/mortgage', `{"email":"a@example.com","extras":${nestedJson(32)}}`));
    expect(accepted.status).toBe(202);
    expect(JSON.stringify(h.jobs[0].lead).length).toBeGreaterThan(32 * 5);
  });

  it('prototype keys in a free-form object: 422 forbiddenKey; at the top level they are dropped; nothing is polluted', async () => {
    const h = harness({}, snapshot());
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const res = await h.app.request(...postJson('/v1/leads/mortgage', `{"email":"a@example.com","extras":{"x":{"${key}":{"polluted":true}}}}`));
      expect(res.status, key).toBe(422);
      expect((await res.json()).error.fields).toEqual([expect.objectContaining({ field: 'extras', code: 'forbiddenKey' })]);
    }
    const res = await h.app.request(...postJson('/v1/leads/mortgage', '{"email":"a@example.com","extras":{"x":1},"__proto__":{"polluted":true}}'));
    expect(res.status).toBe(202);
    expect(Object.keys(h.jobs[0].lead)).toEqual(['email', 'extras']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('arrays in a free-form object hold at most 1,000 items', async () => {
    const h = harness({}, snapshot());
    const res = await h.app.request(...postJson('/v1/leads/mortgage', { email: 'a@example.com', extras: { list: new Array(1001).fill(1) } }));
    expect(res.status).toBe(422);
    expect((await res.json()).error.fields).toEqual([expect.objectContaining({ field: 'extras', code: 'maxItems' })]);
  });
});
