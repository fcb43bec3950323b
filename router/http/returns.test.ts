// Returns end to end on an embedded router (real outbox deliveries), and the window on a fixed clock.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouterRuntime } from '../runtime.ts';
import { createLogger } from '../observability/logger.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, config, harness, NOW, partner, postJson, profile } from './test-fixtures.ts';

const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

const TREE = `kind: Entity
id: lead
fields: { email: { type: string, required: true } }
---
kind: Partner
id: alpha
name: Alpha
caps: { day: 1 }
returns: { window: 7d, refill: true }
delivery: { email: { to: [leads@alpha.example] } }
---
kind: Partner
id: beta
name: Beta
delivery: { email: { to: [leads@beta.example] } }
---
kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: 2 }
  - { partner: beta, priority: 1 }
`;

describe('POST /v1/leads/{id}/returns on a running router', () => {
  it('returns a delivered lead with its reason; refill gives the cap slot back; a second return is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadroute-returns-'));
    dirs.push(dir);
    await writeFile(join(dir, 'all.yaml'), TREE);
    const logger = createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
    const rt = createRouterRuntime({ PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', OUTBOX_DIR: join(dir, 'outbox') }, { logger });
    const { url } = await rt.start();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const lead = () => post('/v1/leads/lead', { email: `${randomUUID()}@x.example` });
    const delivered = async (leadId: string) => {
      for (let i = 0; i < 100; i++) {
        const r = await (await fetch(`${url}/v1/leads/${leadId}`)).json();
        if (r.state === 'delivered') return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error('not delivered');
    };
    try {
      const first = await lead();
      expect(first.body.routes[0].partner).toBe('alpha');
      await delivered(first.body.leadId);
      // Alpha's day cap (1) is used: the next lead goes to beta.
      expect((await lead()).body.routes[0].partner).toBe('beta');

      const returned = await post(`/v1/leads/${first.body.leadId}/returns`, { partner: 'alpha', reason: 'phone disconnected' });
      expect(returned.status).toBe(200);
      expect(returned.body.routes).toEqual([expect.objectContaining({ partner: 'alpha', status: 'returned', returned: expect.objectContaining({ reason: 'phone disconnected', refilled: true }) })]);
      const record = await (await fetch(`${url}/v1/leads/${first.body.leadId}`)).json();
      expect(record.routes[0]).toMatchObject({ status: 'returned', returned: { reason: 'phone disconnected', refilled: true } });
      // The slot is back: alpha takes the next lead.
      expect((await lead()).body.routes[0].partner).toBe('alpha');

      const again = await post(`/v1/leads/${first.body.leadId}/returns`, { partner: 'alpha', reason: 'again' });
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'NOT_RETURNABLE' } } });
      const toBeta = await post(`/v1/leads/${first.body.leadId}/returns`, { partner: 'beta', reason: 'x' });
      expect(toBeta).toMatchObject({ status: 409, body: { error: { code: 'NOT_RETURNABLE' } } });
      expect(await rt.metrics.registry.getSingleMetricAsString('lead_returns_total')).toContain('lead_returns_total{partner="alpha",refilled="true"} 1');
    } finally {
      await rt.stop();
    }
  });
});

describe('returns: window and request', () => {
  const snapshot = (returns?: { window: string; refill?: boolean }) =>
    compileSnapshot(config([profile('east', [assign('acme', 10)])], [partner('acme', returns ? { returns } : {})]), { env: {} });
  const deliveredRecord = (h: ReturnType<typeof harness>, deliveredAt: Date) => {
    const leadId = '01LEAD';
    h.records.set(leadId, {
      leadId, entity: 'mortgage', receivedAt: deliveredAt.toISOString(), test: false, status: 'routed', state: 'delivered', trace: [],
      routes: [{ profile: 'east', partner: 'acme', deliveryId: 'D1', status: 'delivered' }],
      attempts: [{ deliveryId: 'D1', profile: 'east', partner: 'acme', channel: 'webhook', attempt: 1, at: deliveredAt.toISOString(), durationMs: 20, outcome: 'accepted' }],
    });
    return leadId;
  };

  it('409 RETURN_WINDOW_CLOSED after the window, and for a partner that takes no returns', async () => {
    const h = harness({}, snapshot({ window: '7d' }));
    const late = deliveredRecord(h, new Date(NOW.getTime() - 8 * 86_400_000));
    const res = await h.app.request(...postJson(`/v1/leads/${late}/returns`, { partner: 'acme', reason: 'bad lead' }));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'RETURN_WINDOW_CLOSED', closedAt: new Date(NOW.getTime() - 86_400_000 + 20).toISOString() } });

    const none = harness({}, snapshot());
    const id = deliveredRecord(none, NOW);
    expect(await (await none.app.request(...postJson(`/v1/leads/${id}/returns`, { partner: 'acme', reason: 'x' }))).json())
      .toMatchObject({ error: { code: 'RETURN_WINDOW_CLOSED', message: 'acme takes no returns (its partner file sets no `returns`)' } });
  });

  it('within the window: 200, the route returned with its reason and time', async () => {
    const h = harness({}, snapshot({ window: '7d' }));
    const id = deliveredRecord(h, new Date(NOW.getTime() - 6 * 86_400_000));
    const res = await h.app.request(...postJson(`/v1/leads/${id}/returns`, { partner: 'acme', reason: ' not the consumer ' }));
    expect(res.status).toBe(200);
    expect(h.records.get(id)!.routes[0]).toMatchObject({ status: 'returned', returned: { at: NOW.toISOString(), reason: 'not the consumer', refilled: false } });
  });

  it('400 without partner or reason; 404 for an unknown lead; the admin key is required when keys are set', async () => {
    const h = harness({}, snapshot({ window: '7d' }));
    expect((await h.app.request(...postJson('/v1/leads/x/returns', { reason: 'r' }))).status).toBe(400);
    expect((await h.app.request(...postJson('/v1/leads/x/returns', { partner: 'acme' }))).status).toBe(400);
    expect((await h.app.request(...postJson('/v1/leads/nope/returns', { partner: 'acme', reason: 'r' }))).status).toBe(404);
    const keyed = harness({ apiKeys: ['src:source-key'], adminKey: 'admin-key' }, snapshot({ window: '7d' }));
    const id = deliveredRecord(keyed, NOW);
    expect((await keyed.app.request(...postJson(`/v1/leads/${id}/returns`, { partner: 'acme', reason: 'r' }, { authorization: 'Bearer source-key' }))).status).toBe(401);
    expect((await keyed.app.request(...postJson(`/v1/leads/${id}/returns`, { partner: 'acme', reason: 'r' }, { authorization: 'Bearer admin-key' }))).status).toBe(200);
  });
});
