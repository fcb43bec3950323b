// Router processes on a real Redis Cluster (3 masters, 3 replicas, started by this file): two
// routers share a cap exactly, and a master killed under load costs a few seconds of 503s while
// every lead answered 202 is delivered, once.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerServer, type PartnerServer } from './delivery/testing/partner-server.ts';
import { queuePrefixFor } from './delivery/resolve.ts';
import { startRouterProcess, type RouterProcess } from './testing/router-process.ts';
import { startTestRedisCluster, type TestRedisCluster } from './testing/redis-cluster.ts';
import { testPrefix } from './testing/redis-keys.ts';

let cluster: TestRedisCluster;
let partner: PartnerServer;
const agent = new Agent({ connections: 32 });
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [cluster, partner] = await Promise.all([startTestRedisCluster(), startPartnerServer()]);
}, 60_000);
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});
afterAll(async () => {
  await agent.close();
  await partner?.close();
  await cluster?.close();
});

async function profilesDir(alphaCap: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-cluster-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'entity.yaml'), 'kind: Entity\nid: lead\nfields:\n  email: { type: string, required: true }\n');
  await writeFile(join(dir, 'partners.yaml'), ['alpha', 'beta'].map((id) =>
    `kind: Partner\nid: ${id}\nname: ${id}\ndelivery:\n  webhook: { url: "${partner.url}/${id}" }\n`).join('---\n'));
  await writeFile(join(dir, 'profile.yaml'), `kind: Profile\nid: main\nentity: lead\nname: Main\npartners:
  - { partner: alpha, priority: 10, caps: { day: ${alphaCap} } }
  - { partner: beta, priority: 5 }
`);
  return dir;
}

/** Two routers on the cluster, sharing one key prefix. */
async function routers(alphaCap: number, prefix: string): Promise<RouterProcess[]> {
  const env = {
    PROFILES_DIR: await profilesDir(alphaCap), REDIS_CLUSTER_NODES: cluster.nodesEnv, REDIS_PREFIX: prefix,
    REDIS_URL: undefined, REDIS_COMMAND_TIMEOUT_MS: '2000', OUTBOX_DIR: join(tmpdir(), `leadroute-outbox-${randomUUID()}`),
  };
  const rs = await Promise.all([startRouterProcess({ env }), startRouterProcess({ env })]);
  for (const r of rs) cleanups.push(() => r.stop('SIGKILL'));
  return rs;
}

interface Answer { status: number; leadId?: string; partner?: string; at: number; error?: string }

async function postLead(r: RouterProcess, email: string): Promise<Answer> {
  try {
    const res = await request(`${r.url}/v1/leads/lead`, {
      method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }),
      headersTimeout: 30_000, bodyTimeout: 30_000,
    });
    const body = (await res.body.json()) as { leadId?: string; routes?: { partner: string }[]; error?: { message: string } };
    return { status: res.statusCode, leadId: body.leadId, partner: body.routes?.[0]?.partner, at: Date.now(), error: body.error?.message };
  } catch {
    return { status: 0, at: Date.now() };
  }
}

/** Every lead answered 202 reaches its partner, through one delivery (one webhook-id). */
async function expectDeliveredOnce(accepted: Answer[], withinMs: number) {
  const deadline = Date.now() + withinMs;
  const ids = new Set(accepted.map((a) => a.leadId!));
  const delivered = () => new Set(partner.requests.map((q) => String(q.body.leadId)).filter((id) => ids.has(id)));
  while (delivered().size < ids.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(ids.size - delivered().size, 'accepted leads never delivered').toBe(0);
  const deliveriesOf = new Map<string, Set<string>>();
  for (const q of partner.requests) {
    const id = String(q.body.leadId);
    if (!ids.has(id)) continue;
    deliveriesOf.set(id, (deliveriesOf.get(id) ?? new Set()).add(q.webhookId));
  }
  expect([...deliveriesOf.values()].filter((s) => s.size > 1)).toEqual([]);
}

describe('routers on a Redis Cluster', () => {
  it('two routers: 400 concurrent leads, a partner with day: 50 gets exactly 50, every lead delivered once', async () => {
    const [a, b] = await routers(50, testPrefix());
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => postLead(i % 2 ? a : b, `l${i}@example.com`)));
    const refused = answers.filter((x) => x.status !== 202);
    const why = [...a.logs, ...b.logs].find((l) => l.level === 'warn' && l.err);
    expect(refused.length, JSON.stringify([refused[0], why?.err])).toBe(0);
    expect(answers.filter((x) => x.partner === 'alpha')).toHaveLength(50);
    expect(answers.filter((x) => x.partner === 'beta')).toHaveLength(350);
    await expectDeliveredOnce(answers, 30_000);
  }, 90_000);

  it('the queue master is killed under load: a few seconds of 503s, every 202 delivered once, the cap never exceeded', async () => {
    const prefix = testPrefix();
    const [a, b] = await routers(100, prefix);
    const victim = await cluster.masterOf(`${queuePrefixFor(prefix)}:deliveries:wait`);
    const answers: Answer[] = [];
    let killedAt = 0;
    let n = 0;
    const started = Date.now();
    // Eight clients post until 150 leads were accepted after the kill (a refused one waits 100 ms),
    // for at most 45 s.
    const acceptedAfterKill = () => answers.filter((x) => killedAt && x.at > killedAt && x.status === 202).length;
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      while (Date.now() - started < 45_000 && acceptedAfterKill() < 150) {
        const answer = await postLead(w % 2 ? a : b, `f${n++}@example.com`);
        answers.push(answer);
        if (answer.status !== 202) await new Promise((r) => setTimeout(r, 100));
        if (!killedAt && answers.length === 150) {
          killedAt = Date.now();
          await cluster.kill(victim);
        }
      }
    }));
    expect(killedAt).toBeGreaterThan(0);
    expect(acceptedAfterKill()).toBeGreaterThanOrEqual(150);

    const refused = answers.filter((x) => x.status !== 202);
    // Refusals are 503s, all of them within a few seconds of the kill (node timeout 1 s + election).
    expect(new Set(refused.map((x) => x.status))).toEqual(new Set(refused.length ? [503] : []));
    const lastRefused = Math.max(killedAt, ...refused.map((x) => x.at));
    expect(lastRefused - killedAt).toBeLessThan(10_000);

    const accepted = answers.filter((x) => x.status === 202);
    // Each refusal may have held a cap reservation it could not give back; none may exceed the cap.
    const alpha = accepted.filter((x) => x.partner === 'alpha').length;
    expect(alpha).toBeLessThanOrEqual(100);
    expect(alpha).toBeGreaterThanOrEqual(100 - refused.length);
    await expectDeliveredOnce(accepted, 60_000);
    // Each router logged the lost node, then that Redis was reachable again.
    for (const r of [a, b]) {
      const msgs = r.logs.map((l) => String(l.msg));
      const down = msgs.indexOf('redis unavailable: leads are refused with 503 until it is back');
      expect(down).toBeGreaterThanOrEqual(0);
      expect(String((r.logs[down] as { err?: string }).err)).toContain(`127.0.0.1:${victim}`);
      expect(msgs.indexOf('redis reachable again')).toBeGreaterThan(down);
    }
    await cluster.waitHealthy();
    expect(await cluster.masters()).not.toContain(victim);
  }, 120_000);
});
