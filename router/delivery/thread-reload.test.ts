// The delivery thread follows the main thread's reloads: it takes the profiles from the config
// loader thread (or loads them itself when that thread is gone), and a delivery made after a reload
// uses the partner settings the main thread now serves. A real Redis, a real node:http partner.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouterRuntime } from '../runtime.ts';
import { createLogger } from '../observability/logger.ts';
import { writeFiles } from '../testing/files.ts';
import { deleteRouterKeys, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { waitFor } from './testing/wait.ts';

const partners = (url: string) => `kind: Partner
id: acme
name: Acme
delivery:
  webhook: { url: "${url}" }
`;
const FILES = {
  'entity.yaml': 'kind: Entity\nid: lead\nfields:\n  email: { type: string, required: true }\n',
  'profiles.yaml': 'kind: Profile\nid: main\nentity: lead\nname: Main\nstrategy: first-match\npartners:\n  - { partner: acme, priority: 10 }\n',
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the delivery thread after a reload', () => {
  it('delivers with the reloaded partner settings, taken from the config loader thread', async () => {
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(req.url ?? '');
        res.writeHead(200, { connection: 'close' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const dir = await mkdtemp(join(tmpdir(), 'leadroute-thread-reload-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFiles(dir, { ...FILES, 'partners.yaml': partners(`${base}/before`) });
    const prefix = testPrefix();
    cleanups.push(() => deleteRouterKeys(TEST_REDIS_URL, prefix));
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }) });
    const rt = createRouterRuntime(
      { PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, OUTBOX_DIR: join(dir, 'outbox') },
      { logger, deliveryThread: true, debounceMs: 60 },
    );
    const { url } = await rt.start();
    cleanups.push(() => rt.stop());
    const post = async () => {
      const res = await fetch(`${url}/v1/leads/lead`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${Math.random()}@x.example` }) });
      expect(res.status).toBe(202);
    };

    await post();
    await waitFor('a delivery to /before', () => received.includes('/before'));
    const version = rt.snapshot()!.hash;
    await writeFile(join(dir, 'partners.yaml'), partners(`${base}/after`));
    await waitFor('the main thread to serve the new partners', () => rt.snapshot()!.hash !== version);
    // The delivery thread reloads when the main thread tells it: leads posted from now on reach /after.
    await waitFor('a delivery to /after', async () => {
      await post();
      return received.includes('/after');
    }, 15_000, 200);
    const deliveriesAfter = received.length;
    await post();
    await waitFor('the next delivery', () => received.length > deliveriesAfter);
    expect(received.at(-1)).toBe('/after');
    // Nor on the way out: the loader thread ends after the delivery thread.
    await rt.stop();
    expect(lines.join('')).toContain('"msg":"stopped"');
    expect(lines.join('')).not.toContain('loading the profiles itself');
  });
});
