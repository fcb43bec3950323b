import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../router/http/test-fixtures.ts';
import { main } from './deliveries.ts';
import { capture } from './lib/test-helpers.ts';

// A real router app on a real socket; its dead-letter list holds one delivery, D1.
let h: Harness;
let server: ServerType;
let url: string;
beforeAll(async () => {
  h = harness({ adminKey: 'adm', apiKeys: ['k1'] });
  server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('npm run deliveries', () => {
  it('lists dead letters with the admin key', async () => {
    const c = capture();
    expect(await main(['failed', '--url', url], c, { ADMIN_API_KEY: 'adm' })).toBe(0);
    expect(c.stdout[0]).toMatch(/^D1 /);
    expect(c.stdout.at(-1)).toBe('1 dead-lettered delivery');
  });

  it('retries one; an unknown id or a wrong key exits 1', async () => {
    const ok = capture();
    expect(await main(['retry', 'D1'], ok, { ADMIN_API_KEY: 'adm', ROUTER_URL: url })).toBe(0);
    expect(h.retried).toEqual(['D1']);
    const unknown = capture();
    expect(await main(['retry', 'NOPE'], unknown, { ADMIN_API_KEY: 'adm', ROUTER_URL: url })).toBe(1);
    expect(unknown.stderr[0]).toContain('DELIVERY_NOT_FOUND');
    const badKey = capture();
    expect(await main(['failed'], badKey, { ADMIN_API_KEY: 'k1', ROUTER_URL: url })).toBe(1);
    expect(badKey.stderr[0]).toMatch(/^401 UNAUTHORIZED/);
  });

  it('exits 2 on usage errors and 1 when the router is down', async () => {
    for (const argv of [[], ['frobnicate'], ['retry'], ['failed', 'x']]) expect(await main(argv, capture(), {})).toBe(2);
    expect(await main(['failed'], capture(), { ROUTER_URL: 'http://127.0.0.1:1' })).toBe(1);
  });
});
