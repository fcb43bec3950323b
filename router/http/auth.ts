// Bearer-key auth. Keys are compared as sha256 digests with timingSafeEqual, against every
// configured key (no early exit), so neither a key's content nor its length leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { requestHeader } from './node-request.ts';

export type Principal =
  | { kind: 'source'; keyId: string }
  | { kind: 'admin'; keyId: string }
  | { kind: 'loopback' };

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface KeyRing {
  /** Which configured key `presented` is, if any. */
  match(presented: string): Principal | null;
  hasSourceKeys: boolean;
  hasAdminKey: boolean;
}

export function createKeyRing(sourceKeys: readonly string[], adminKey?: string): KeyRing {
  const sources = sourceKeys.map((k) => ({ d: digest(k), id: keyId(k) }));
  const admin = adminKey ? { d: digest(adminKey), id: keyId(adminKey) } : null;
  return {
    hasSourceKeys: sources.length > 0,
    hasAdminKey: admin !== null,
    match(presented) {
      const d = digest(presented);
      let found: Principal | null = null;
      for (const s of sources) if (timingSafeEqual(d, s.d) && !found) found = { kind: 'source', keyId: s.id };
      if (admin && timingSafeEqual(d, admin.d)) found = { kind: 'admin', keyId: admin.id };
      return found;
    },
  };
}

/** A key's public id: a short hash (for logs and idempotency scopes), never the key. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function bearer(c: Context): string | null {
  const h = requestHeader(c, 'authorization');
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The client's socket address, or undefined when there is no socket (app.request() in tests). */
export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address ?? undefined;
  } catch {
    return undefined;
  }
}
