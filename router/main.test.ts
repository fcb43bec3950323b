// Process-level tests: the router as `npm start` runs it, in a child process.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayRedis } from './testing/throwaway-redis.ts';
import { deleteRouterKeys } from './testing/redis-keys.ts';
import { startRouterProcess, type RouterProcess } from './testing/router-process.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

let partnerServer: Server;
let partnerUrl: string;
const received: Record<string, number> = {};
const cleanups: (() => Promise<unknown>)[] = [];
const agent = new Agent({ connections: 64 });

beforeAll(async () => {
  partnerServer = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    received[name] = (received[name] ?? 0) + 1;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => partnerServer.listen(0, '127.0.0.1', () => r()));
  const addr = partnerServer.address();
  partnerUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

afterAll(async () => {
  await agent.close();
  partnerServer.closeAllConnections();
  await new Promise((r) => partnerServer.close(r));
});

const ENTITY = `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  state: { type: string }
`;
const partners = () => ['alpha', 'beta'].map((id) => `kind: Partner
id: ${id}
name: ${id}
delivery:
  webhook: { url: "${partnerUrl}/${id}" }
`).join('---\n');
const profileYaml = (alphaPriority: number, alphaCaps = '') => `kind: Profile
id: main
entity: lead
name: Main
partners:
  - { partner: alpha, priority: ${alphaPriority}${alphaCaps} }
  - { partner: beta, priority: 5 }
`;

async function profilesDir(alphaPriority = 10, alphaCaps = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-main-'));
  await writeFile(join(dir, 'entity.yaml'), ENTITY);
  await writeFile(join(dir, 'partners.yaml'), partners());
  await writeFile(join(dir, 'profile.yaml'), profileYaml(alphaPriority, alphaCaps));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function router(env: Record<string, string | undefined>): Promise<RouterProcess> {
  const r = await startRouterProcess({ env: { OUTBOX_DIR: join(tmpdir(), `leadroute-outbox-${randomUUID()}`), ...env } });
  cleanups.push(() => r.stop('SIGKILL'));
  return r;
}

async function postLead(r: RouterProcess, lead: unknown = { email: 'a@example.com', state: 'NY' }) {
  const res = await request(`${r.url}/v1/leads/lead`, {
    method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead),
    headersTimeout: 60_000, bodyTimeout: 60_000,
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { dispatcher: agent, headers, headersTimeout: 10_000 });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

/** Poll until `check` holds; fails after `ms`. */
async function within<T>(ms: number, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('router process (embedded)', () => {
  it('starts on the example profiles with the embedded defaults', async () => {
    const r = await router({ PROFILES_DIR: undefined, REDIS_URL: undefined, LEAD_API_KEYS: undefined });
    expect((await getJson(`${r.url}/readyz`)).status).toBe(200);
    const config = await getJson(`${r.url}/v1/config`);
    expect(config.body).toMatchObject({ profilesDir: './profiles', lastReload: { successful: true, error: null } });
    expect(config.body.counts.entities).toBeGreaterThan(0);
    expect(r.logs.some((l) => l.level === 'warn' && String(l.msg).includes('LEAD_API_KEYS is not set'))).toBe(true);
  });

  it('an invalid tree at startup: the problems as file:line:col lines, exit 1', async () => {
    const dir = await profilesDir();
    await writeFile(join(dir, 'broken.yaml'), 'kind: Profile\nid: x\nentity: nope\nname: X\npartners: []\n');
    const err = await startRouterProcess({ env: { PROFILES_DIR: dir } }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/router exited \(1\)/);
    expect(err?.message).toMatch(/broken\.yaml:\d+:\d+ {2}error {2}[A-Z_]+ {2}\S/);
  });

  it('duplicate checks on Redis without DEDUPE_KEY: exit 1 at startup, naming the variable', async () => {
    const dir = await profilesDir();
    await writeFile(join(dir, 'partners.yaml'), partners().replace('name: alpha\n', 'name: alpha\ndedupe: { fields: [email], window: 30d }\n'));
    const env = { PROFILES_DIR: dir, REDIS_URL: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `test:${randomUUID()}:` };
    const err = await startRouterProcess({ env }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/router exited \(1\)/);
    expect(err?.message).toMatch(/DEDUPE_KEY is not set/);
  });

  it("a profile that references the router's own settings: exit 1 at startup; a reload to it keeps the last good config", async () => {
    const leaky = (dir: string) => writeFile(join(dir, 'partners.yaml'), partners().replace(`/alpha" }`, `/alpha", headers: { X-Token: "\${ADMIN_API_KEY}" } }`));
    const bad = await profilesDir();
    await leaky(bad);
    const err = await startRouterProcess({ env: { PROFILES_DIR: bad, ADMIN_API_KEY: 'admin-secret-1' } }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/router exited \(1\)/);
    expect(err?.message).toMatch(/partners\.yaml:\d+:\d+ {2}error {2}ROUTER_SETTING_REFERENCE {2}\$\{ADMIN_API_KEY\}/);
    expect(err?.message).not.toContain('admin-secret-1');

    const dir = await profilesDir();
    const r = await router({ PROFILES_DIR: dir, ADMIN_API_KEY: 'admin-secret-1', LEAD_API_KEYS: 'src:source-key-1' });
    const auth = { authorization: 'Bearer admin-secret-1' };
    const before = (await getJson(`${r.url}/v1/config`, auth)).body;
    await leaky(dir);
    const failed = await within(3000, () => getJson(`${r.url}/v1/config`, auth), (x) => x.body.lastReload.successful === false);
    expect(failed.body.version).toBe(before.version);
    expect(failed.body.lastReload.error[0]).toMatchObject({ code: 'ROUTER_SETTING_REFERENCE', file: expect.stringContaining('partners.yaml') });
  });

  it('hot reload: an edited profile changes routing within 2 s; an invalid file changes nothing but /v1/config', async () => {
    const dir = await profilesDir(10);
    const r = await router({ PROFILES_DIR: dir });
    expect((await postLead(r)).body.routes).toEqual([{ profile: 'main', partner: 'alpha', status: 'queued' }]);
    const before = (await getJson(`${r.url}/v1/config`)).body;

    await writeFile(join(dir, 'profile.yaml'), profileYaml(1));
    const after = await within(2000, () => postLead(r), (x) => x.body.routes?.[0]?.partner === 'beta');
    expect(after.status).toBe(202);
    const reloaded = (await getJson(`${r.url}/v1/config`)).body;
    expect(reloaded.version).not.toBe(before.version);
    expect(reloaded.lastReload).toMatchObject({ successful: true, error: null });

    await writeFile(join(dir, 'profile.yaml'), 'kind: Profile\nid: main\nentity: lead\nname: Main\npartners:\n  - { partner: alpha, priority: "high" }\n');
    const failed = await within(2000, () => getJson(`${r.url}/v1/config`), (x) => x.body.lastReload.successful === false);
    expect(failed.body.version).toBe(reloaded.version);
    expect(failed.body.lastReload.error.length).toBeGreaterThan(0);
    expect(failed.body.lastReload.error[0]).toMatchObject({ severity: 'error', file: expect.stringContaining('profile.yaml') });
    expect((await postLead(r)).body.routes[0].partner).toBe('beta');
    const metrics = await (await request(`${r.url}/metrics`, { dispatcher: agent })).body.text();
    expect(metrics).toContain('config_last_reload_successful 0');
    expect(metrics).toContain(`config_hash{hash="${reloaded.version}"} 1`);
  });

  it('SIGHUP reloads', async () => {
    const dir = await profilesDir(10);
    const r = await router({ PROFILES_DIR: dir });
    const reloads = async () => {
      const text = await (await request(`${r.url}/metrics`, { dispatcher: agent })).body.text();
      return Number(/config_reloads_total\{result="success"\} (\d+)/.exec(text)?.[1]);
    };
    expect(await reloads()).toBe(1);
    r.child.kill('SIGHUP');
    await within(3000, reloads, (n) => n === 2);
    expect(r.logs.some((l) => l.msg === 'SIGHUP: reloading the profiles')).toBe(true);
  });

  it('SIGTERM finishes the request in flight, then exits 0', async () => {
    const dir = await profilesDir();
    const r = await router({ PROFILES_DIR: dir });
    const body = JSON.stringify({ email: 'slow@example.com', state: 'NY' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${r.url}/v1/leads/lead`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Half the body now; the rest after SIGTERM has been received.
      req.write(body.slice(0, 10));
      req.on('socket', (s) => s.once('connect', () => void (async () => {
        await new Promise((res) => setTimeout(res, 300));
        r.child.kill('SIGTERM');
        await new Promise((res) => setTimeout(res, 500));
        req.end(body.slice(10));
      })()));
    });
    const res = await answer;
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body).status).toBe('routed');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});


describe('router process with Redis', () => {
  it('Redis stops: new leads get 503 within 2 s and /readyz is 503; it comes back: 202 again, no restart', async () => {
    const redis = await startThrowawayRedis();
    cleanups.push(() => redis.close());
    const dir = await profilesDir();
    const r = await router({ PROFILES_DIR: dir, REDIS_URL: redis.url });
    expect((await postLead(r)).status).toBe(202);
    expect((await getJson(`${r.url}/readyz`)).status).toBe(200);

    await redis.stop();
    const started = Date.now();
    const refused = await postLead(r);
    // Answered (not hung) and refused: the lead is not accepted without being counted.
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(refused.body.error.code).toBe('UNAVAILABLE');
    const notReady = await getJson(`${r.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body.reasons.join(' ')).toMatch(/redis/);

    await redis.start();
    await within(15_000, () => postLead(r), (x) => x.status === 202);
    await within(5_000, () => getJson(`${r.url}/readyz`), (x) => x.status === 200);
    expect(r.child.exitCode).toBeNull();
  }, 60_000);

  it('two routers sharing one Redis: 1,000 concurrent leads, a partner with day: 100 gets exactly 100', async () => {
    const prefix = `test:${randomUUID()}:`;
    cleanups.push(() => deleteRouterKeys(REDIS_URL, prefix));
    const dir = await profilesDir(10, ', caps: { day: 100 }');
    // A generous command timeout: this test is about counting, on a machine that may be busy.
    const env = { PROFILES_DIR: dir, REDIS_URL, REDIS_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: '10000' };
    const [a, b] = await Promise.all([router(env), router(env)]);

    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => postLead(i % 2 ? a : b, { email: `l${i}@example.com` })));
    const statuses = results.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.status]: (acc[x.status] ?? 0) + 1 }), {});
    expect(statuses, JSON.stringify(results.find((x) => x.status !== 202)?.body)).toEqual({ 202: 1000 });
    const to = (p: string) => results.filter((x) => x.body.routes[0]?.partner === p).length;
    expect(to('alpha')).toBe(100);
    expect(to('beta')).toBe(900);
    // Each router got 500 leads: with a counter of its own, each would have sent 100 to alpha.
  }, 60_000);
});
