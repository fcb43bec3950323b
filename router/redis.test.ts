import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites, createRedisClient } from './redis.ts';

const REDIS_URL = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379';

/** A TCP proxy in front of the test Redis that counts the chunks each client sends. */
async function countingProxy(): Promise<{ url: string; chunks: () => number; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  let chunks = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      chunks++;
      upstream.write(d);
    });
    upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    chunks: () => chunks,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('coalesceWrites', () => {
  const open: { quit(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.quit().catch(() => undefined)));
  });

  it('sends the commands of one event-loop turn in one write, replies in order', async () => {
    const proxy = await countingProxy();
    try {
      const plain = new Redis(proxy.url, { lazyConnect: true });
      const coalesced = coalesceWrites(new Redis(proxy.url, { lazyConnect: true }));
      open.push(plain, coalesced);
      await plain.connect();
      await coalesced.connect();
      await plain.ping();
      await coalesced.ping();

      let before = proxy.chunks();
      const a = await Promise.all(Array.from({ length: 50 }, (_, i) => plain.echo(`p${i}`)));
      const plainChunks = proxy.chunks() - before;

      before = proxy.chunks();
      const b = await Promise.all(Array.from({ length: 50 }, (_, i) => coalesced.echo(`c${i}`)));
      const coalescedChunks = proxy.chunks() - before;

      expect(a).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
      expect(b).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
      expect(coalescedChunks).toBeLessThan(plainChunks);
      expect(coalescedChunks).toBeLessThanOrEqual(2);
    } finally {
      await Promise.all(open.splice(0).map((c) => c.quit().catch(() => undefined)));
      await proxy.close();
    }
  });

  it('keeps working after a reconnection (the new socket is coalesced too)', async () => {
    const client = coalesceWrites(new Redis(REDIS_URL, { retryStrategy: () => 10 }));
    open.push(client);
    expect(await client.echo('before')).toBe('before');
    client.disconnect(true);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    expect(await Promise.all([client.echo('x'), client.echo('y')])).toEqual(['x', 'y']);
  });
});

describe('createRedisClient', () => {
  it('auto-pipelines: the commands of one turn reach Redis in one write', async () => {
    const proxy = await countingProxy();
    const client = createRedisClient(proxy.url);
    try {
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      const before = proxy.chunks();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.echo(String(i))));
      expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      expect(proxy.chunks() - before).toBeLessThanOrEqual(2);
    } finally {
      await client.quit();
      await proxy.close();
    }
  });
});
