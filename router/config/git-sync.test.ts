// PROFILES_DIR pointing at a git-sync `current` symlink (the Kubernetes sidecar deployment): each
// revision is written to a new folder, then a new symlink is renamed over `current` and the old
// folder removed. A router process under load follows every swap, never serves a tree mixed from
// two revisions, and fails no request.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startRouterProcess, type RouterProcess } from '../testing/router-process.ts';

const agent = new Agent({ connections: 16 });
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await agent.close();
});

/**
 * Revision n: partners `alpha-n` and `beta-n`, and a profile that names them. Files of two
 * revisions mixed name partners that do not exist: such a tree is invalid and never served.
 */
async function writeRevision(dir: string, n: number) {
  await mkdir(join(dir, 'partners'), { recursive: true });
  await writeFile(join(dir, 'entity.yaml'), 'kind: Entity\nid: lead\nfields:\n  email: { type: string, required: true }\n');
  await writeFile(join(dir, 'partners', 'partners.yaml'), [`alpha-${n}`, `beta-${n}`].map((id) =>
    `kind: Partner\nid: ${id}\nname: ${id}\ndelivery:\n  webhook: { url: "http://127.0.0.1:9/${id}" }\n`).join('---\n'));
  await writeFile(join(dir, 'profile.yaml'), `kind: Profile\nid: main\nentity: lead\nname: Main\npartners:
  - { partner: alpha-${n}, priority: 10 }
  - { partner: beta-${n}, priority: 5 }
`);
}

/** What git-sync does: new worktree, new symlink renamed over `current`, old worktree removed. */
async function publish(root: string, n: number, previous?: number) {
  const worktree = join(root, '.worktrees', `rev-${n}`);
  await writeRevision(worktree, n);
  await symlink(join('.worktrees', `rev-${n}`), join(root, 'current.tmp'));
  await rename(join(root, 'current.tmp'), join(root, 'current'));
  if (previous !== undefined) await rm(join(root, '.worktrees', `rev-${previous}`), { recursive: true, force: true });
}

async function postLead(r: RouterProcess, i: number) {
  const res = await request(`${r.url}/v1/leads/lead`, {
    method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `s${i}@example.com` }),
  });
  const body = (await res.body.json()) as { routes?: { partner: string }[] };
  return { status: res.statusCode, partner: body.routes?.[0]?.partner };
}

describe('profiles from a git-sync symlink', () => {
  it('follows every swap of `current` under load: the newest revision is served, 0 failed requests', async () => {
    const root = await mkdtemp(join(tmpdir(), 'leadroute-git-sync-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await publish(root, 1);
    const r = await startRouterProcess({ env: { PROFILES_DIR: join(root, 'current'), REDIS_URL: undefined, REDIS_CLUSTER_NODES: undefined, OUTBOX_DIR: join(root, 'outbox') } });
    cleanups.push(() => r.stop('SIGKILL'));
    expect((await postLead(r, 0)).partner).toBe('alpha-1');

    const answers: { status: number; partner?: string }[] = [];
    let publishing = true;
    const load = Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; publishing || i < 5; i++) answers.push(await postLead(r, w * 100_000 + i));
    }));
    const LAST = 6;
    for (let n = 2; n <= LAST; n++) {
      await new Promise((res) => setTimeout(res, 400));
      await publish(root, n, n - 1);
    }
    // The router follows the last swap.
    const deadline = Date.now() + 10_000;
    while ((await postLead(r, -1)).partner !== `alpha-${LAST}` && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    publishing = false;
    await load;

    expect((await postLead(r, -2)).partner).toBe(`alpha-${LAST}`);
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    // Every lead was routed by one whole revision.
    expect(answers.filter((a) => !/^alpha-[1-6]$/.test(a.partner ?? ''))).toEqual([]);
    const config = (await (await request(`${r.url}/v1/config`, { dispatcher: agent })).body.json()) as { lastReload: { successful: boolean } };
    expect(config.lastReload.successful).toBe(true);
  }, 60_000);
});
