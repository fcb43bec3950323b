// METRICS_API_KEY: an optional bearer key for /metrics, apart from the lead-source and admin keys
// (a scraper holds only this one). Compared as sha256 digests with timingSafeEqual.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { LeadrouteError } from '../errors.ts';
import { bearer } from './auth.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Passes every request when `key` is unset; else only those presenting it as a bearer token. */
export function metricsAuth(key: string | undefined): MiddlewareHandler {
  const expected = key ? digest(key) : null;
  return async (c, next) => {
    if (expected) {
      const presented = bearer(c);
      if (presented === null || !timingSafeEqual(digest(presented), expected)) {
        throw new LeadrouteError('UNAUTHORIZED', presented === null
          ? 'missing metrics key (Authorization: Bearer <METRICS_API_KEY>)'
          : 'invalid metrics key');
      }
    }
    await next();
  };
}
