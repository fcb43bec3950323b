// Shared fixtures for the HTTP tests: a small config built in code, and an app wired with the
// embedded parts (memory caps, an in-memory lead store and queue that record what they got).

import { Writable } from 'node:stream';
import { monotonicFactory } from 'ulid';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import type { ReloadStatus } from '../config/watch.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import type { CapStore } from '../caps/types.ts';
import type { DeliveryJob } from '../delivery-job.ts';
import { createMemoryIdempotencyStore } from '../leads/idempotency.ts';
import type { LeadRecord } from '../leads/types.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { compileSnapshot, type Snapshot } from '../routing/snapshot.ts';
import { createApp } from './app.ts';
import type { AppDeps } from './deps.ts';

export const mortgage: Entity = {
  id: 'mortgage',
  timezone: 'America/New_York',
  fields: {
    email: { type: 'string', required: true },
    state: { type: 'string', required: true, enum: ['NY', 'NJ', 'CT', 'PA', 'CA'] },
    zip: { type: 'string', pattern: '^\\d{5}$' },
    loanAmount: { type: 'number' },
    ssn: { type: 'string', encrypted: true, pattern: '^\\d{3}-\\d{2}-\\d{4}$' },
    address: { type: 'object', fields: { city: { type: 'string' }, postcode: { type: 'string', required: true } } },
  },
};

export function partner(id: string, extra: Partial<Partner> = {}): Partner {
  return { id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/leads` } }, ...extra };
}
export function assign(p: string, priority: number, extra: Partial<Assignment> = {}): Assignment {
  return { partner: p, priority, active: true, ...extra };
}
export function profile(id: string, partners: Assignment[], extra: Partial<Profile> = {}): Profile {
  return { id, entity: 'mortgage', name: id, enabled: true, strategy: 'first-match', rules: [], partners, ...extra };
}
export function config(profiles: Profile[], partners: Partner[], hash = 'h1'): Config {
  return {
    entities: new Map([[mortgage.id, mortgage]]),
    partners: new Map(partners.map((p) => [p.id, p])),
    profiles, routingTests: [], docs: [], hash, dir: 'profiles',
  };
}

/** East coast to acme (capped, priority 10) else northwind; California to nobody. */
export function defaultSnapshot(): Snapshot {
  return compileSnapshot(config(
    [profile('east', [assign('acme', 10, { caps: { day: 2 }, price: 42.5 }), assign('northwind', 5)], {
      rules: [{ field: 'state', in: ['NY', 'NJ', 'CT', 'PA'] }],
    })],
    [partner('acme'), partner('northwind')],
  ), { env: {}, loadedAt: new Date('2026-03-10T12:00:00Z') });
}

export const validLead = { email: 'a@example.com', state: 'NY', zip: '10001', loanAmount: 300000, ssn: '123-45-6789' };

export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  caps: CapStore;
  records: Map<string, LeadRecord>;
  jobs: DeliveryJob[];
  logs: Record<string, unknown>[];
  setSnapshot(s: Snapshot | undefined): void;
  failing: { leadSave: boolean; enqueue: boolean };
  retried: string[];
}

export const NOW = new Date('2026-03-10T15:00:00Z');

/** `snapshot: null` starts with no config loaded. */
export function harness(overrides: Partial<AppDeps> = {}, snapshot: Snapshot | null = defaultSnapshot()): Harness {
  let current = snapshot ?? undefined;
  const records = new Map<string, LeadRecord>();
  const jobs: DeliveryJob[] = [];
  const logs: Record<string, unknown>[] = [];
  const retried: string[] = [];
  const failing = { leadSave: false, enqueue: false };
  // The cap store runs on the same (fixed) clock as the app, so windows line up.
  const caps = overrides.caps ?? createMemoryCapStore({ now: () => NOW.getTime() });
  const destination = new Writable({ write(chunk, _e, cb) { logs.push(JSON.parse(String(chunk))); cb(); } });
  const status: ReloadStatus = { at: new Date('2026-03-10T12:00:00Z'), successful: true, error: null };
  const deps: AppDeps = {
    getSnapshot: () => current,
    reloadStatus: () => status,
    profilesDir: 'profiles',
    caps,
    leads: {
      async save(r) {
        if (failing.leadSave) throw new Error('ECONNREFUSED 127.0.0.1:6379');
        records.set(r.leadId, structuredClone(r));
      },
      async get(id) { return records.get(id) ?? null; },
      async returnRoute(id, deliveryId, returned) {
        const route = records.get(id)?.routes.find((r) => r.deliveryId === deliveryId);
        if (!route) return { outcome: records.has(id) ? 'no-route' : 'no-record' };
        if (route.status !== 'delivered') return { outcome: 'not-delivered', status: route.status };
        Object.assign(route, { status: 'returned', returned });
        return { outcome: 'returned' };
      },
      async commit(id) { return records.has(id); },
      async abort(id) {
        const r = records.get(id);
        if (!r) return { outcome: 'unknown' };
        records.delete(id);
        return { outcome: 'aborted', routes: r.routes.map((x) => ({ partner: x.partner, deliveryId: x.deliveryId })) };
      },
    },
    queue: {
      async enqueue(js) {
        if (failing.enqueue) throw new Error('Connection is closed.');
        jobs.push(...js);
      },
    },
    deadLetters: {
      async listFailed() { return [{ deliveryId: 'D1', partner: 'acme', error: 'HTTP 500' }]; },
      async retry(id) { if (id !== 'D1') return false; retried.push(id); return true; },
    },
    idempotency: createMemoryIdempotencyStore({ waitMs: 200, pollMs: 10 }),
    logger: createLogger({ destination, level: 'debug' }),
    metrics: createMetrics(),
    apiKeys: [],
    now: () => NOW,
    newId: monotonicFactory(),
    capPrefix: 'test:',
    allowMissingRemoteAddress: true,
    ...overrides,
  };
  return { app: createApp(deps), deps, caps, records, jobs, logs, failing, retried, setSnapshot: (s) => { current = s; } };
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): [string, RequestInit] {
  return [path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }];
}
