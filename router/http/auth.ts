// Bearer-key auth. Keys are compared as sha256 digests with timingSafeEqual, against every
// configured key (no early exit), so neither a key's content nor its length leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { requestHeader } from './node-request.ts';
import { ADMIN_SOURCE, keyId, LOOPBACK_SOURCE, parseSourceKeys } from './source-keys.ts';

export { keyId };

export type Principal =
  /** `source`: the name of the lead source the key belongs to (LEAD_API_KEYS). */
  | { kind: 'source'; keyId: string; source: string }
  | { kind: 'admin'; keyId: string }
  | { kind: 'loopback' };

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface KeyRing {
  /** Which configured key `presented` is, if any. */
  match(presented: string): Principal | null;
  hasSourceKeys: boolean;
  hasAdminKey: boolean;
}

/** `sourceKeys`: LEAD_API_KEYS entries (`name:key` or a bare key, see source-keys.ts). */
export function createKeyRing(sourceKeys: readonly string[], adminKey?: string): KeyRing {
  const sources = parseSourceKeys(sourceKeys).map((k) => ({ d: digest(k.key), id: keyId(k.key), source: k.name }));
  const admin = adminKey ? { d: digest(adminKey), id: keyId(adminKey) } : null;
  return {
    hasSourceKeys: sources.length > 0,
    hasAdminKey: admin !== null,
    match(presented) {
      const d = digest(presented);
      let found: Principal | null = null;
      for (const s of sources) if (timingSafeEqual(d, s.d) && !found) found = { kind: 'source', keyId: s.id, source: s.source };
      if (admin && timingSafeEqual(d, admin.d)) found = { kind: 'admin', keyId: admin.id };
      return found;
    },
  };
}

/** The source a lead posted by `p` belongs to. */
export function sourceOf(p: Principal): string {
  return p.kind === 'source' ? p.source : p.kind === 'admin' ? ADMIN_SOURCE : LOOPBACK_SOURCE;
}

/**
 * Whether `p` may read a lead that belongs to `source` (undefined: a record from before sources
 * were recorded). The admin reads every lead; without source keys (loopback) there is one source.
 */
export function mayRead(p: Principal, source: string | undefined): boolean {
  if (p.kind === 'admin' || p.kind === 'loopback') return true;
  return source !== undefined && source === p.source;
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
