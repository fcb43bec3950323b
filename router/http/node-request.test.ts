import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadrouteError } from '../errors.ts';
import { readBodyText, requestHeader } from './node-request.ts';

const LIMIT = 64;

describe('reading the request from Node directly (a real server)', () => {
  let server: ServerType;
  let port: number;
  const errors: unknown[] = [];

  beforeAll(async () => {
    const app = new Hono();
    app.post('/echo', async (c) => {
      try {
        const text = await readBodyText(c, LIMIT);
        return c.json({ text, type: requestHeader(c, 'content-type') ?? null, custom: requestHeader(c, 'x-custom') ?? null });
      } catch (err) {
        errors.push(err);
        return c.json({ code: err instanceof LeadrouteError ? err.code : 'other' }, err instanceof LeadrouteError && err.code === 'TOO_LARGE' ? 413 : 400);
      }
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        port = info.port;
        resolve();
      });
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** POST `chunks` one write each; no Content-Length when `chunked`. */
  const post = (chunks: string[], opts: { chunked?: boolean; headers?: Record<string, string> } = {}) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const body = chunks.join('');
      const req = httpRequest({
        host: '127.0.0.1', port, path: '/echo', method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.chunked ? {} : { 'content-length': Buffer.byteLength(body) }), ...opts.headers },
      }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });

  it('reads a body sent in several chunks, multi-byte characters split across them', async () => {
    const euro = Buffer.from('"€"');
    // Raw bytes, so that one character straddles two chunks.
    const split = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
      });
      req.on('error', reject);
      req.write(Buffer.from('{"a":'));
      req.write(euro.subarray(0, 2));
      req.write(Buffer.concat([euro.subarray(2), Buffer.from('}')]));
      req.end();
    });
    expect(split).toEqual({ status: 200, body: { text: '{"a":"€"}', type: 'application/json', custom: null } });
  });

  it('reads headers', async () => {
    const res = await post(['{}'], { headers: { 'x-custom': 'one' } });
    expect(res.body).toEqual({ text: '{}', type: 'application/json', custom: 'one' });
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const res = await post(['x'.repeat(LIMIT + 1)]);
    expect(res).toEqual({ status: 413, body: { code: 'TOO_LARGE' } });
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const res = await post(['x'.repeat(40), 'x'.repeat(40)], { chunked: true });
    expect(res).toEqual({ status: 413, body: { code: 'TOO_LARGE' } });
    expect((await post(['x'.repeat(LIMIT)], { chunked: true })).status).toBe(200);
  });

  it('gives up (no hanging read) when the client goes away mid-body', async () => {
    const before = errors.length;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a":');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const deadline = Date.now() + 5000;
    while (errors.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(errors.at(-1)).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('without a Node request (app.request)', () => {
  it('falls back to the Request body and headers, limit included', async () => {
    const app = new Hono();
    app.post('/echo', async (c) => {
      try {
        return c.json({ text: await readBodyText(c, LIMIT), type: requestHeader(c, 'content-type') });
      } catch (err) {
        return c.json({ code: (err as LeadrouteError).code }, 413);
      }
    });
    const ok = await app.request('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await ok.json()).toEqual({ text: '{"a":1}', type: 'application/json' });
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode('x'.repeat(40)));
        ctl.enqueue(new TextEncoder().encode('x'.repeat(40)));
        ctl.close();
      },
    });
    const big = await app.request('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(big.status).toBe(413);
  });
});
