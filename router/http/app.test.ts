import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCapStore } from '../caps/memory.ts';
import { createRedisCapStore } from '../caps/redis.ts';
import type { CapStore } from '../caps/types.ts';
import { capCounters } from '../caps/windows.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import {
  NOW, assign, config, defaultSnapshot, harness, partner, postJson, profile, validLead,
} from './test-fixtures.ts';

const deadRedis = new Redis('redis://127.0.0.1:1', {
  lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null,
});
deadRedis.on('error', () => undefined);
afterAll(() => deadRedis.disconnect());

const acmeDay = (caps: CapStore) => caps.peek(capCounters({
  prefix: 'test:', partner: 'acme', scope: 'profile:mortgage/east', caps: { day: 2 },
  timezone: 'America/New_York', now: new Date('2026-03-10T15:00:00Z'),
}).map((c) => c.key));

describe('POST /v1/leads/:entity', () => {
  it('202: routes, records the lead and enqueues its delivery', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toEqual({ leadId: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), status: 'routed', routes: [{ profile: 'east', partner: 'acme', status: 'queued' }] });
    const record = h.records.get(body.leadId)!;
    expect(record).toMatchObject({ entity: 'mortgage', test: false, status: 'routed', state: 'pending', receivedAt: '2026-03-10T15:00:00.000Z' });
    expect(record.routes).toEqual([{ profile: 'east', partner: 'acme', deliveryId: expect.any(String), status: 'queued', price: 42.5 }]);
    expect(h.jobs).toHaveLength(1);
    expect(h.jobs[0]).toMatchObject({
      leadId: body.leadId, partner: 'acme', profile: 'east', test: false, tried: [], lead: validLead,
      deliveryId: record.routes[0].deliveryId, reservationId: record.routes[0].deliveryId,
    });
    expect(await acmeDay(h.caps)).toEqual([1]);
  });

  it('202 unmatched: recorded, nothing enqueued', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, state: 'CA' }));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'unmatched', routes: [] });
    expect(h.records.get(body.leadId)?.state).toBe('unmatched');
    expect(h.jobs).toEqual([]);
  });

  it('lead ids are unique and time-sortable', async () => {
    const h = harness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await (await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, state: 'CA' }))).json()).leadId);
    expect(new Set(ids).size).toBe(5);
    expect([...ids].sort()).toEqual(ids);
  });

  it('first-match: a full cap sends the lead to the next partner', async () => {
    const h = harness();
    const partners: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
      partners.push((await res.json()).routes[0].partner);
    }
    expect(partners).toEqual(['acme', 'acme', 'northwind', 'northwind']);
    expect(await h.deps.metrics.registry.metrics()).toContain('cap_refusals_total{partner="acme"} 2');
  });

  it('first-match: equal priorities take turns', async () => {
    const snap = compileSnapshot(config([profile('east', [assign('a', 5), assign('b', 5), assign('c', 5)])], [partner('a'), partner('b'), partner('c')]), { env: {} });
    const h = harness({}, snap);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push((await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json()).routes[0].partner);
    expect(got).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('send-to-all: every eligible partner, and every profile that matches routes independently', async () => {
    const snap = compileSnapshot(config([
      profile('all', [assign('a', 1), assign('b', 2), assign('c', 3, { rules: [{ field: 'state', equals: 'PA' }] })], { strategy: 'send-to-all' }),
      profile('other', [assign('d', 0)]),
      profile('off', [assign('e', 0)], { enabled: false }),
    ], [partner('a'), partner('b'), partner('c'), partner('d'), partner('e')]), { env: {} });
    const h = harness({}, snap);
    const body = await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json();
    expect(body.routes).toEqual([
      { profile: 'all', partner: 'b', status: 'queued' },
      { profile: 'all', partner: 'a', status: 'queued' },
      { profile: 'other', partner: 'd', status: 'queued' },
    ]);
    expect(h.jobs.map((j) => j.partner)).toEqual(['b', 'a', 'd']);
  });

  it('X-Lead-Test: routed and marked as a test, counted in no cap', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'x-lead-test': 'true' }));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.routes[0].partner).toBe('acme');
    expect(h.records.get(body.leadId)?.test).toBe(true);
    expect(h.jobs[0]).toMatchObject({ test: true });
    expect(h.jobs[0].reservationId).toBeUndefined();
    expect(await acmeDay(h.caps)).toEqual([0]);
  });

  it('400 on bad JSON and on a body that is not an object', async () => {
    const h = harness();
    const bad = await h.app.request(...postJson('/v1/leads/mortgage', '{"email": '));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'BAD_JSON', message: 'the body is not valid JSON' } });
    const arr = await h.app.request(...postJson('/v1/leads/mortgage', '[1,2]'));
    expect(arr.status).toBe(400);
    expect((await arr.json()).error.code).toBe('BAD_REQUEST');
  });

  it('404 for an unknown entity', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/boats', validLead));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'UNKNOWN_ENTITY', message: "unknown entity 'boats'", entity: 'boats' } });
  });

  it('413 when the body is too large, with or without Content-Length', async () => {
    const h = harness({ bodyLimit: 1024 });
    const big = { ...validLead, zip: 'x'.repeat(2000) };
    const withLength = await h.app.request('/v1/leads/mortgage', {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(JSON.stringify(big).length) }, body: JSON.stringify(big),
    });
    expect(withLength.status).toBe(413);
    expect((await withLength.json()).error).toMatchObject({ code: 'TOO_LARGE', limit: 1024 });
    const stream = new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode(JSON.stringify(big))); ctl.close(); } });
    const chunked = await h.app.request('/v1/leads/mortgage', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(h.records.size).toBe(0);
  });

  it('accepts the default 64 KiB but not more', async () => {
    const h = harness();
    // Padded with a field the entity does not define (dropped): a defined string has a maxLength.
    const pad = (n: number) => JSON.stringify({ ...validLead, padding: 'a'.repeat(n) });
    const base = pad(0).length;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', pad(64 * 1024 - base)))).status).toBe(202);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', pad(64 * 1024 - base + 1)))).status).toBe(413);
  });

  it('415 when the body is not JSON', async () => {
    const h = harness();
    const plain = await h.app.request('/v1/leads/mortgage', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(plain.status).toBe(415);
    expect((await plain.json()).error.code).toBe('UNSUPPORTED_MEDIA');
    const none = await h.app.request('/v1/leads/mortgage', { method: 'POST', body: new Blob(['{}']) });
    expect(none.status).toBe(415);
    const charset = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'content-type': 'application/json; charset=utf-8' }));
    expect(charset.status).toBe(202);
  });

  it('202 for a lead with fields the entity does not define: they are dropped, never delivered', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/mortgage', { ...validLead, utm_source: 'fb', gclid: 'x1' }));
    expect(res.status).toBe(202);
    expect(h.jobs).toHaveLength(1);
    expect(h.jobs[0].lead).toEqual(validLead);
  });

  it('422 lists every field error at once and never echoes an encrypted value', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/leads/mortgage', {
      state: 'TX', zip: 'abc', loanAmount: 'lots', ssn: 'SECRET-999', colour: 'red', address: { city: 3 },
    }));
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('INVALID_LEAD');
    expect(body.error.fields.map((f: { field: string; code: string }) => `${f.field}:${f.code}`)).toEqual([
      'email:required', 'state:enum', 'zip:pattern', 'loanAmount:type', 'ssn:pattern',
      'address.city:type', 'address.postcode:required',
    ]);
    expect(JSON.stringify(body)).not.toContain('SECRET-999');
    expect(JSON.stringify(h.logs)).not.toContain('SECRET-999');
    expect(h.records.size).toBe(0);
  });

  it('503 when the cap store fails: nothing recorded, nothing enqueued', async () => {
    const h = harness({ caps: createRedisCapStore(deadRedis, { prefix: 'test:' }) });
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('UNAVAILABLE');
    expect(h.records.size).toBe(0);
    expect(h.jobs).toEqual([]);
    expect(await h.deps.metrics.registry.metrics()).toContain('leads_received_total{entity="mortgage",outcome="unavailable"} 1');
  });

  it('503 when the lead store fails: reservations are given back, nothing enqueued', async () => {
    const h = harness();
    h.failing.leadSave = true;
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
    expect(h.jobs).toEqual([]);
    expect(await acmeDay(h.caps)).toEqual([0]);
  });

  it('503 when the queue fails: reservations are given back', async () => {
    const h = harness();
    h.failing.enqueue = true;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(503);
    expect(await acmeDay(h.caps)).toEqual([0]);
  });

  it('503 when the queue refuses more (back-pressure): nothing reserved, recorded or enqueued', async () => {
    let admit: boolean | Promise<boolean> = false;
    const h = harness();
    h.deps.queue.admit = () => admit;
    const app = h.app;
    const res = await app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('running behind') });
    expect(h.records.size).toBe(0);
    expect(h.jobs).toEqual([]);
    expect(await acmeDay(h.caps)).toEqual([0]);
    admit = Promise.resolve(true);
    expect((await app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
    admit = true;
    expect((await app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(202);
    expect(h.jobs).toHaveLength(2);
  });

  it('a request in flight finishes on the snapshot it started with', async () => {
    const inner = createMemoryCapStore({ now: () => NOW.getTime() });
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const caps: CapStore = { ...inner, async reserve(id, counters) { await gate; return inner.reserve(id, counters); } };
    const h = harness({ caps });
    const pending = h.app.request(...postJson('/v1/leads/mortgage', validLead));
    await new Promise((r) => setTimeout(r, 20));
    h.setSnapshot(compileSnapshot(config([profile('east', [assign('northwind', 1)])], [partner('northwind')], 'h2'), { env: {} }));
    open();
    expect((await (await pending).json()).routes[0].partner).toBe('acme');
    expect((await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json()).routes[0].partner).toBe('northwind');
  });
});

describe('Idempotency-Key', () => {
  it('a repeated key returns the first answer and routes nothing again', async () => {
    const h = harness();
    const first = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'abc' }));
    const again = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'abc' }));
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(h.jobs).toHaveLength(1);
    expect(h.records.size).toBe(1);
    expect(await acmeDay(h.caps)).toEqual([1]);
  });

  it('is scoped by source key', async () => {
    const h = harness({ apiKeys: ['key-a', 'key-b'] });
    const a = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'k', authorization: 'Bearer key-a' }));
    const b = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'k', authorization: 'Bearer key-b' }));
    expect((await a.json()).leadId).not.toBe((await b.json()).leadId);
    expect(h.jobs).toHaveLength(2);
  });

  it('a failed first attempt does not stick: the retry is processed', async () => {
    const h = harness();
    h.failing.leadSave = true;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'r' }))).status).toBe(503);
    h.failing.leadSave = false;
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'r' }))).status).toBe(202);
    expect(h.jobs).toHaveLength(1);
  });

  it('409 IN_PROGRESS for a duplicate of a request still in flight; 400 for an oversized key', async () => {
    const inner = createMemoryCapStore({ now: () => NOW.getTime() });
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const caps: CapStore = { ...inner, async reserve(id, counters) { await gate; return inner.reserve(id, counters); } };
    const h = harness({ caps });
    const first = h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'slow' }));
    await new Promise((r) => setTimeout(r, 20));
    const dup = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'slow' }));
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.code).toBe('IN_PROGRESS');
    open();
    expect((await first).status).toBe(202);
    const long = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { 'idempotency-key': 'x'.repeat(256) }));
    expect(long.status).toBe(400);
  });
});

describe('auth', () => {
  const keyed = () => harness({ apiKeys: ['source-key'], adminKey: 'admin-key' });

  it('401 without a key or with a wrong one; the source and the admin key both pass', async () => {
    const h = keyed();
    const none = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('UNAUTHORIZED');
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { authorization: 'Bearer nope' }))).status).toBe(401);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { authorization: 'Basic c291cmNlLWtleQ==' }))).status).toBe(401);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { authorization: 'Bearer source-key' }))).status).toBe(202);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead, { authorization: 'bearer admin-key' }))).status).toBe(202);
  });

  it('every /v1 endpoint needs a key; probes do not', async () => {
    const h = keyed();
    for (const [path, init] of [
      ['/v1/config', {}], ['/v1/leads/01ARZ3NDEKTSV4RRFFQ69G5FAV', {}], postJson('/v1/explain/mortgage', validLead),
      ['/v1/deliveries/failed', {}], ['/v1/nothing-here', {}],
    ] as [string, RequestInit][]) {
      expect((await h.app.request(path, init)).status, path).toBe(401);
    }
    expect((await h.app.request('/healthz')).status).toBe(200);
    expect((await h.app.request('/metrics')).status).toBe(200);
  });

  it('auth comes before the body checks (no 415/413/400 for strangers)', async () => {
    const h = keyed();
    expect((await h.app.request('/v1/leads/mortgage', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(401);
  });

  it('without keys: only loopback clients (a request with no socket counts as remote unless the test flag says so)', async () => {
    const strict = harness({ allowMissingRemoteAddress: false });
    const res = await strict.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('FORBIDDEN');
    const remote = await strict.app.request(...postJson('/v1/leads/mortgage', validLead),
      { incoming: { socket: { remoteAddress: '10.1.2.3' } } });
    expect(remote.status).toBe(403);
    const local = await strict.app.request(...postJson('/v1/leads/mortgage', validLead),
      { incoming: { socket: { remoteAddress: '::ffff:127.0.0.1' } } });
    expect(local.status).toBe(202);
  });

  it('admin endpoints need the admin key; a source key is not enough', async () => {
    const h = keyed();
    expect((await h.app.request('/v1/deliveries/failed', { headers: { authorization: 'Bearer source-key' } })).status).toBe(401);
    const ok = await h.app.request('/v1/deliveries/failed', { headers: { authorization: 'Bearer admin-key' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ deliveries: [{ deliveryId: 'D1', partner: 'acme', error: 'HTTP 500' }] });
    // Lead keys set, admin key not: the admin endpoints are off.
    const noAdmin = harness({ apiKeys: ['source-key'] });
    expect((await noAdmin.app.request('/v1/deliveries/failed', { headers: { authorization: 'Bearer source-key' } })).status).toBe(401);
  });
});

describe('POST /v1/deliveries/:id/retry', () => {
  it('202 requeues a dead letter; 404 for an unknown id; 401 without the admin key', async () => {
    const h = harness({ adminKey: 'admin-key' });
    const auth = { authorization: 'Bearer admin-key' };
    const ok = await h.app.request('/v1/deliveries/D1/retry', { method: 'POST', headers: auth });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ deliveryId: 'D1', status: 'queued' });
    expect(h.retried).toEqual(['D1']);
    const missing = await h.app.request('/v1/deliveries/D9/retry', { method: 'POST', headers: auth });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('DELIVERY_NOT_FOUND');
    expect((await h.app.request('/v1/deliveries/D1/retry', { method: 'POST' })).status).toBe(401);
  });
});

describe('GET /v1/leads/:leadId', () => {
  it('returns the record with routes, attempts and trace; 404 LEAD_NOT_FOUND otherwise', async () => {
    const h = harness();
    const { leadId } = await (await h.app.request(...postJson('/v1/leads/mortgage', validLead))).json();
    const res = await h.app.request(`/v1/leads/${leadId}`);
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toMatchObject({ leadId, entity: 'mortgage', status: 'routed', state: 'pending', attempts: [] });
    expect(record.trace[0]).toMatchObject({ profile: 'east', outcome: 'matched' });
    const missing = await h.app.request('/v1/leads/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('LEAD_NOT_FOUND');
  });

  it('503 when the lead store does not answer', async () => {
    const h = harness();
    h.deps.leads.get = async () => { throw new Error('Command timed out'); };
    expect((await h.app.request('/v1/leads/X')).status).toBe(503);
  });
});

describe('POST /v1/explain/:entity', () => {
  it('returns the trace, touches no cap and records nothing', async () => {
    const h = harness();
    const res = await h.app.request(...postJson('/v1/explain/mortgage', validLead));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ entity: 'mortgage', status: 'routed', routes: [{ profile: 'east', partner: 'acme', priority: 10, price: 42.5 }] });
    expect(body.trace[0].partners.map((p: { partner: string; outcome: string }) => `${p.partner}:${p.outcome}`)).toEqual(['acme:selected', 'northwind:eligible']);
    expect(await acmeDay(h.caps)).toEqual([0]);
    expect(h.records.size).toBe(0);
    expect(h.jobs).toEqual([]);
  });

  it('422 for an invalid lead, 404 for an unknown entity', async () => {
    const h = harness();
    expect((await h.app.request(...postJson('/v1/explain/mortgage', { state: 'NY' }))).status).toBe(422);
    expect((await h.app.request(...postJson('/v1/explain/boats', validLead))).status).toBe(404);
  });
});

describe('GET /v1/config', () => {
  it('shows the version, counts and the last reload', async () => {
    const h = harness();
    const body = await (await h.app.request('/v1/config')).json();
    expect(body).toEqual({
      version: 'h1', loadedAt: '2026-03-10T12:00:00.000Z', profilesDir: 'profiles',
      counts: { entities: 1, partners: 2, profiles: 1 }, missingEnv: [],
      lastReload: { at: '2026-03-10T12:00:00.000Z', successful: true, error: null },
    });
  });
});

describe('probes, metrics and errors', () => {
  it('healthz is always 200; readyz is 503 with reasons until ready', async () => {
    const h = harness({}, null);
    expect((await h.app.request('/healthz')).status).toBe(200);
    const r = await h.app.request('/readyz');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ ready: false, reasons: ['no configuration loaded'] });
    h.setSnapshot(defaultSnapshot());
    expect((await h.app.request('/readyz')).status).toBe(200);
    const redisDown = harness({ readiness: async () => ['redis: not answering PING'] });
    expect(await (await redisDown.app.request('/readyz')).json()).toEqual({ ready: false, reasons: ['redis: not answering PING'] });
  });

  it('503 for leads before any config is loaded', async () => {
    const h = harness({}, null);
    expect((await h.app.request(...postJson('/v1/leads/mortgage', validLead))).status).toBe(503);
  });

  it('/metrics is Prometheus text with lead, route and latency metrics', async () => {
    const h = harness();
    await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    await h.app.request(...postJson('/v1/leads/mortgage', { state: 'NY' }));
    const res = await h.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('leads_received_total{entity="mortgage",outcome="routed"} 1');
    expect(text).toContain('leads_received_total{entity="mortgage",outcome="invalid"} 1');
    expect(text).toContain('routes_total{profile="east",partner="acme"} 1');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/leads\/:entity",status="202"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/leads\/:entity",status="422"\} 1/);
  });

  it('unknown routes get 404 in the error shape', async () => {
    const h = harness();
    const res = await h.app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /nope' } });
  });

  it('unexpected errors are 500 without internals, and logged', async () => {
    const h = harness({ getSnapshot: () => { throw new Error('secret internals at /srv/x.ts:12'); } });
    const res = await h.app.request('/v1/config');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(h.logs.some((l) => l.msg === 'unhandled error')).toBe(true);
  });

  it('logs accepted leads without any lead field values', async () => {
    const h = harness();
    await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    const text = JSON.stringify(h.logs);
    expect(h.logs.some((l) => l.msg === 'lead accepted')).toBe(true);
    expect(text).not.toContain('123-45-6789');
  });
});
