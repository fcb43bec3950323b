// The dead-letter endpoints end to end: a router started in-process (embedded, and on Redis with
// BullMQ), real node:http servers standing in for the partners. A lead is sold once per
// first-match profile, and a re-sent delivery is counted in its partner's caps like any other.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouterRuntime, type RouterRuntime } from '../runtime.ts';
import { queuePrefixFor } from '../delivery/resolve.ts';
import { waitFor } from '../delivery/testing/wait.ts';
import type { LeadRecord } from '../leads/types.ts';
import { createLogger } from '../observability/logger.ts';
import { writeFiles } from '../testing/files.ts';
import { main as deliveriesCommand } from '../../scripts/deliveries.ts';
import { capture } from '../../scripts/lib/test-helpers.ts';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';

const ADMIN = 'admin-key-for-tests';

/** Partners on one node:http server (`/first`, `/second`, …), each answering from a script. */
interface Partners {
  url: string;
  received: { partner: string; webhookId: string }[];
  /** The status for a partner's nth request (from 1); a promise holds the answer until it settles. */
  answer: (partner: string, nth: number) => number | Promise<number>;
  close(): Promise<void>;
}

async function startPartners(): Promise<Partners> {
  const p: Partners = {
    url: '', received: [], answer: () => 200,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => void (async () => {
      const partner = (req.url ?? '/').split('/')[1] ?? '';
      p.received.push({ partner, webhookId: String(req.headers['webhook-id'] ?? '') });
      const status = await p.answer(partner, p.received.filter((r) => r.partner === partner).length);
      res.writeHead(status, { connection: 'close' }).end();
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}

const profiles = (partnersUrl: string, capped: { day?: number } = {}) => ({
  'entity.yaml': 'kind: Entity\nid: lead\nfields:\n  email: { type: string, required: true }\n',
  'partners.yaml': ['first', 'second'].map((id) => `kind: Partner
id: ${id}
name: ${id}
${id === 'first' && capped.day ? `caps: { day: ${capped.day} }\n` : ''}delivery:
  attempts: 1
  webhook: { url: "${partnersUrl}/${id}" }
`).join('---\n'),
  'profiles.yaml': `kind: Profile
id: main
entity: lead
name: Main
strategy: first-match
partners:
  - { partner: first, priority: 10 }
  - { partner: second, priority: 5 }
`,
});

const quiet = () => createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });

/** redis-thread: delivering from the delivery thread, as the router does on Redis by default. */
type Backend = 'embedded' | 'redis' | 'redis-thread';

describe.each<Backend>(['embedded', 'redis', 'redis-thread'])('dead letters end to end (%s)', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function router(opts: { capped?: { day?: number } } = {}) {
    const partners = await startPartners();
    cleanups.push(() => partners.close());
    const dir = await mkdtemp(join(tmpdir(), 'leadroute-dead-letters-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFiles(dir, profiles(partners.url, opts.capped));
    const vars: NodeJS.ProcessEnv = { PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, OUTBOX_DIR: join(dir, 'outbox') };
    if (backend !== 'embedded') {
      const prefix = testPrefix();
      Object.assign(vars, { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix });
      cleanups.push(async () => {
        const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
        await deleteKeysUnder(redis, prefix);
        await deleteKeysUnder(redis, `${queuePrefixFor(prefix)}:`);
        await redis.quit();
      });
    }
    const rt: RouterRuntime = createRouterRuntime(vars, { logger: quiet(), deliveryThread: backend === 'redis-thread' });
    const { url } = await rt.start();
    cleanups.push(() => rt.stop());
    const admin = { authorization: `Bearer ${ADMIN}` };
    const api = {
      partners,
      /** `npm run deliveries -- …` against this router: exit code and output. */
      async command(...argv: string[]) {
        const io = capture();
        const code = await deliveriesCommand(argv, io, { ADMIN_API_KEY: ADMIN, ROUTER_URL: url });
        return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
      },
      async post(email = `${randomUUID()}@x.example`) {
        const res = await fetch(`${url}/v1/leads/lead`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify({ email }) });
        expect(res.status).toBe(202);
        return (await res.json()) as { leadId: string; status: string; routes: { partner: string }[] };
      },
      async lead(leadId: string) {
        return (await (await fetch(`${url}/v1/leads/${leadId}`, { headers: admin })).json()) as LeadRecord;
      },
      async settled(leadId: string) {
        return waitFor(`lead ${leadId} settled`, async () => {
          const rec = await api.lead(leadId);
          return rec.state !== 'pending' ? rec : null;
        });
      },
      async failed() {
        const res = await fetch(`${url}/v1/deliveries/failed`, { headers: admin });
        expect(res.status).toBe(200);
        return ((await res.json()) as { deliveries: Record<string, unknown>[] }).deliveries;
      },
      async deadLetter(deliveryId: string) {
        return waitFor('the dead letter', async () => (await api.failed()).find((d) => d.deliveryId === deliveryId));
      },
      retry(deliveryId: string) {
        return fetch(`${url}/v1/deliveries/${deliveryId}/retry`, { method: 'POST', headers: admin });
      },
    };
    return api;
  }

  it('a lead sold to second after first failed is not re-sent to first: listed as not retryable, retry answers 409 ALREADY_SOLD', async () => {
    const r = await router();
    r.partners.answer = (partner) => (partner === 'first' ? 500 : 200);
    const { leadId } = await r.post();
    const rec = await r.settled(leadId);
    expect(rec.state).toBe('delivered');
    expect(rec.routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'delivered']]);
    const firstId = rec.routes[0].deliveryId;

    const dead = await r.deadLetter(firstId);
    expect(dead).toMatchObject({ deliveryId: firstId, leadId, partner: 'first', profile: 'main', retryable: false });
    expect(dead.notRetryableReason).toMatch(/sold to second/);
    expect(dead.reason).toMatch(/HTTP 500/);

    r.partners.answer = () => 200;
    const res = await r.retry(firstId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'ALREADY_SOLD', deliveryId: firstId } });
    // Nothing was sent to first again, and the record is as it was.
    await new Promise((ok) => setTimeout(ok, 200));
    expect(r.partners.received.filter((x) => x.partner === 'first')).toHaveLength(1);
    expect((await r.lead(leadId)).routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'delivered']]);
    expect((await r.failed()).find((d) => d.deliveryId === firstId)).toMatchObject({ retryable: false });
    // The command says the same.
    const listed = await r.command('failed');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${firstId}  ${leadId}  main/first`);
    expect(listed.out).toMatch(/\(not retryable: sold to second/);
    const retried = await r.command('retry', firstId);
    expect(retried).toMatchObject({ code: 1, err: expect.stringMatching(/^409 ALREADY_SOLD: /) });
    expect(r.partners.received.filter((x) => x.partner === 'first')).toHaveLength(1);
  });

  it('a dead letter nobody bought is re-sent: the route goes queued, delivering, delivered; the lead follows', async () => {
    const r = await router();
    r.partners.answer = () => 500;
    const { leadId } = await r.post();
    const rec = await r.settled(leadId);
    expect(rec.state).toBe('dead-lettered');
    expect(rec.routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'failed']]);
    const [firstId, secondId] = rec.routes.map((x) => x.deliveryId);
    expect(await r.deadLetter(firstId)).toMatchObject({ retryable: true });
    expect(await r.deadLetter(secondId)).toMatchObject({ retryable: true });

    let release!: () => void;
    const held = new Promise<number>((ok) => (release = () => ok(200)));
    r.partners.answer = () => held;
    const res = await r.retry(secondId);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ deliveryId: secondId, status: 'queued' });
    const during = await waitFor('the re-send in flight', async () => {
      const x = await r.lead(leadId);
      return x.routes[1].status === 'delivering' ? x : null;
    });
    expect(during.state).toBe('pending');
    // While second is being sold the lead again, first cannot be re-sent too.
    const other = await r.retry(firstId);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: { code: 'ALREADY_SOLD' } });
    release();
    const after = await r.settled(leadId);
    expect(after.state).toBe('delivered');
    expect(after.routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'delivered']]);
    expect(after.attempts.map((a) => [a.partner, a.outcome])).toEqual([['first', 'retryable'], ['second', 'retryable'], ['second', 'accepted']]);
    expect(r.partners.received.map((x) => x.partner)).toEqual(['first', 'second', 'second']);
    await waitFor('first listed as sold to second', async () => {
      const d = (await r.failed()).find((x) => x.deliveryId === firstId);
      return d?.retryable === false && /sold to second/.test(String(d.notRetryableReason));
    });
    // A delivered delivery is no dead letter: a second retry finds nothing.
    expect((await r.retry(secondId)).status).toBe(404);
  });

  it('a re-sent delivery counts in its partner cap: with day 1 used by the re-send, the next lead goes to second', async () => {
    const r = await router({ capped: { day: 1 } });
    r.partners.answer = (partner, nth) => (partner === 'first' && nth === 1 ? 500 : partner === 'first' ? 200 : 500);
    const a = await r.post();
    const recA = await r.settled(a.leadId);
    expect(recA.routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'failed']]);
    const firstId = recA.routes[0].deliveryId;
    await r.deadLetter(firstId);

    expect(await r.command('retry', firstId)).toMatchObject({ code: 0, out: `${firstId}: queued again` });
    expect((await r.settled(a.leadId)).routes.map((x) => [x.partner, x.status])).toEqual([['first', 'delivered'], ['second', 'failed']]);

    r.partners.answer = () => 200;
    const b = await r.post();
    expect(b.routes.map((x) => x.partner)).toEqual(['second']);
  });

  it('retry answers 409 CAP_FULL and sends nothing when the partner cap is full', async () => {
    const r = await router({ capped: { day: 1 } });
    r.partners.answer = (partner, nth) => (partner === 'first' && nth === 1 ? 500 : partner === 'first' ? 200 : 500);
    const a = await r.post();
    const recA = await r.settled(a.leadId);
    const firstId = recA.routes[0].deliveryId;
    await r.deadLetter(firstId);
    // The cap was given back when first failed: the next lead takes it.
    const b = await r.post();
    expect(b.routes.map((x) => x.partner)).toEqual(['first']);
    expect((await r.settled(b.leadId)).state).toBe('delivered');

    const res = await r.retry(firstId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'CAP_FULL', deliveryId: firstId } });
    expect(await r.command('retry', firstId)).toMatchObject({ code: 1, err: expect.stringMatching(/^409 CAP_FULL: /) });
    await new Promise((ok) => setTimeout(ok, 200));
    expect(r.partners.received.filter((x) => x.partner === 'first')).toHaveLength(2);
    expect((await r.lead(a.leadId)).routes.map((x) => [x.partner, x.status])).toEqual([['first', 'failed'], ['second', 'failed']]);
    expect(await r.deadLetter(firstId)).toMatchObject({ retryable: true });
  });
});
