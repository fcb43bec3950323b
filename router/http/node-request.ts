// The lead intake's hot path reads headers and the body straight from Node's IncomingMessage
// when @hono/node-server serves the app (c.env.incoming): asking Hono for them would build a
// WHATWG Headers object and a full Request with a web ReadableStream over the socket for every
// lead, which cost more than the JSON parse. Without a Node request (app.request() in tests, other
// runtimes) the same functions fall back to Hono's Request.

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { LeadrouteError } from '../errors.ts';

/** Node's request, when there is a real one (tests may pass a stand-in with only a socket). */
function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: Partial<IncomingMessage> } | undefined)?.incoming;
  return incoming && typeof incoming.headers === 'object' && typeof incoming.on === 'function' ? (incoming as IncomingMessage) : undefined;
}

/** A request header (lower-case `name`), or undefined. Repeated headers are joined with ", ". */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const v = incoming.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

const tooLarge = (limit: number) => new LeadrouteError('TOO_LARGE', `the body exceeds ${limit} bytes`, { limit });

/**
 * The request body as text, at most `limit` bytes (TOO_LARGE beyond: from Content-Length before
 * anything is read, else as soon as the bytes read pass it).
 */
export async function readBodyText(c: Context, limit: number): Promise<string> {
  const incoming = incomingOf(c);
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && requestHeader(c, 'transfer-encoding') === undefined && Number(declared) > limit) throw tooLarge(limit);
  if (!incoming) return readWebBody(c.req.raw.body, limit);
  if (incoming.readableEnded) return '';
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > limit) {
        // The rest is drained (and dropped) by @hono/node-server once the answer is sent.
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    }
    function onError(err: Error) {
      cleanup();
      reject(new LeadrouteError('BAD_REQUEST', 'the request body could not be read', undefined, { cause: err }));
    }
    // Closed before the end of the body: the client went away.
    function onClose() {
      onError(new Error('request closed before the end of its body'));
    }
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWebBody(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
