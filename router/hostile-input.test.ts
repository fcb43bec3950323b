// Hostile leads against the router as `npm start` runs it: no lead, however shaped, stalls the
// event loop (so /healthz keeps answering) or earns a 5xx.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRouterProcess, type RouterProcess } from './testing/router-process.ts';
import { deleteRouterKeys, TEST_REDIS_URL } from './testing/redis-keys.ts';

/** How long /healthz may take while a hostile lead is being handled. */
const HEALTHZ_BOUND_MS = 100;

const cleanups: (() => Promise<unknown>)[] = [];
const agent = new Agent({ connections: 16 });
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});
afterAll(() => agent.close());

const FILES = {
  'entity.yaml': `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  ref: { type: string, pattern: "^([0-9]+-?)+$" }
  note: { type: string }
  extras: { type: object }
`,
  'partner.yaml': `kind: Partner
id: alpha
name: Alpha
delivery:
  email: { to: [leads@alpha.example] }
`,
  'profile.yaml': `kind: Profile
id: main
entity: lead
name: Main
rules:
  - not: { field: note, matches: "^(a+)+$" }
partners:
  - { partner: alpha, priority: 1 }
`,
};

async function router(env: Record<string, string> = {}): Promise<RouterProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-hostile-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(dir, name), text);
  const r = await startRouterProcess({
    env: { PROFILES_DIR: dir, REDIS_URL: undefined, LEAD_API_KEYS: undefined, OUTBOX_DIR: join(dir, 'outbox'), ...env },
  });
  cleanups.push(() => r.stop('SIGKILL'));
  return r;
}

function post(r: RouterProcess, body: string) {
  return request(`${r.url}/v1/leads/lead`, {
    method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body,
    headersTimeout: 600_000, bodyTimeout: 600_000,
  }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as { status?: string; error?: { fields?: unknown[] } } }));
}

/** /healthz's status, or an error if it takes longer than `ms`. */
async function healthz(r: RouterProcess, ms: number): Promise<number> {
  const res = await request(`${r.url}/healthz`, { dispatcher: agent, signal: AbortSignal.timeout(ms) });
  await res.body.dump();
  return res.statusCode;
}

/** Posts `body`, and while it is in flight asks /healthz, which must answer within the bound. */
async function healthzDuring(r: RouterProcess, body: string) {
  expect(await healthz(r, 5000)).toBe(200); // warm: connections open, code compiled
  const answer = post(r, body);
  answer.catch(() => undefined); // on failure the router is killed mid-request
  await new Promise((res) => setTimeout(res, 30)); // the lead reaches the router first
  let health: number | Error;
  try {
    health = await healthz(r, HEALTHZ_BOUND_MS);
  } catch (err) {
    health = err as Error;
  }
  expect(health, `/healthz did not answer within ${HEALTHZ_BOUND_MS} ms while the hostile lead was handled`).toBe(200);
  return answer;
}

describe('hostile leads against a router process', () => {
  it('a value built to backtrack an entity pattern: /healthz keeps answering, the lead gets its 422', async () => {
    const r = await router();
    const res = await healthzDuring(r, JSON.stringify({ email: 'a@example.com', ref: `${'1'.repeat(40)}!` }));
    expect(res.status).toBe(422);
    expect(res.body.error?.fields).toEqual([expect.objectContaining({ field: 'ref', code: 'pattern' })]);
  });

  it('a value built to backtrack a `matches` rule: /healthz keeps answering, the lead is routed', async () => {
    const r = await router();
    const res = await healthzDuring(r, JSON.stringify({ email: 'a@example.com', note: `${'a'.repeat(40)}!` }));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('routed');
  });

  it('a lead nested 10,000 levels deep in a free-form object: 422 naming the field, never a 503', async () => {
    const prefix = `test:hostile:${randomUUID()}:`;
    cleanups.push(() => deleteRouterKeys(TEST_REDIS_URL, prefix));
    const r = await router({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: '10000' });
    const depth = 10_000;
    const deep = `{"email":"a@example.com","extras":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expect(deep.length).toBeLessThan(64 * 1024);
    const [hostile, normal] = await Promise.all([
      post(r, deep),
      post(r, JSON.stringify({ email: 'b@example.com', extras: { a: { b: [1, 2] } } })),
    ]);
    expect(hostile.status).toBe(422);
    expect(hostile.body.error?.fields).toEqual([expect.objectContaining({ field: 'extras', code: 'maxDepth' })]);
    expect(normal.status).toBe(202);
  });
});

