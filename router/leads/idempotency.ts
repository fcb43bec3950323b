// Idempotency-Key handling for POST /v1/leads. The first request with a key claims it with a
// short-lived "pending" marker (SET NX); when it finishes, the answer replaces the marker for 24 h.
// A duplicate that arrives while the first is still in flight polls for up to `waitMs` (2 s) for
// the answer, then gets `in-progress` (409 IN_PROGRESS). A failed first request (e.g. 503)
// abandons its claim so the client's retry can proceed. Keys are scoped by the lead source (its
// name, or a bare key's id; never a key) and stored hashed.

import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.ts';
import { LeadrouteError } from '../errors.ts';

interface StoredResponse {
  status: number;
  body: unknown;
}

type IdempotencyBegin =
  | { state: 'claimed'; token: string }
  | { state: 'done'; response: StoredResponse }
  | { state: 'in-progress' };

export interface IdempotencyStore {
  /** Claim `key` for `scope`, or return the first answer, or `in-progress` after waiting. */
  begin(scope: string, key: string): Promise<IdempotencyBegin>;
  /** Store the answer of a claimed key (kept for the TTL). */
  complete(scope: string, key: string, token: string, response: StoredResponse): Promise<void>;
  /** Give a claim back (the request failed), so a retry is processed anew. */
  abandon(scope: string, key: string, token: string): Promise<void>;
  close(): Promise<void>;
}

export interface IdempotencyOptions {
  /** How long answers are kept (default 24 h). */
  ttlMs?: number;
  /** How long a claim lives when its owner dies before answering (default 30 s). */
  pendingTtlMs?: number;
  /** How long a duplicate waits for the first answer (default 2 s). */
  waitMs?: number;
  /** Poll interval while waiting (default 50 ms). */
  pollMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Scope for a lead source: a short hash of its API key (or `anonymous` without auth). */
export function idempotencyScope(apiKey: string | undefined): string {
  return apiKey ? createHash('sha256').update(apiKey).digest('hex').slice(0, 32) : 'anonymous';
}

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Slot = { state: 'pending'; token: string } | { state: 'done'; response: StoredResponse };

/** The shared begin loop: try to claim; while pending, poll until done, gone (re-claim) or timeout. */
async function beginLoop(
  tryClaim: (token: string) => Promise<Slot | null>,
  read: () => Promise<Slot | null>,
  waitMs: number,
  pollMs: number,
): Promise<IdempotencyBegin> {
  const deadline = Date.now() + waitMs;
  const token = randomUUID();
  let slot = await tryClaim(token);
  for (;;) {
    if (slot === null) return { state: 'claimed', token };
    if (slot.state === 'done') return { state: 'done', response: slot.response };
    if (Date.now() >= deadline) return { state: 'in-progress' };
    await sleep(pollMs);
    slot = await read();
    if (slot === null) slot = await tryClaim(token);
  }
}

export function createMemoryIdempotencyStore(opts: IdempotencyOptions = {}): IdempotencyStore {
  const ttlMs = opts.ttlMs ?? DAY_MS;
  const pendingTtlMs = opts.pendingTtlMs ?? 30_000;
  const waitMs = opts.waitMs ?? 2000;
  const pollMs = opts.pollMs ?? 50;
  const slots = new Map<string, { slot: Slot; expiresAt: number }>();
  let ops = 0;

  const sweep = () => {
    const now = Date.now();
    for (const [k, v] of slots) if (v.expiresAt <= now) slots.delete(k);
  };
  const get = (k: string): Slot | null => {
    const v = slots.get(k);
    if (!v) return null;
    if (v.expiresAt <= Date.now()) { slots.delete(k); return null; }
    return v.slot;
  };
  const id = (scope: string, key: string) => `${scope}:${keyHash(key)}`;

  return {
    async begin(scope, key) {
      if (++ops % 1000 === 0) sweep();
      const k = id(scope, key);
      return beginLoop(
        async (token) => {
          const existing = get(k);
          if (existing) return existing;
          slots.set(k, { slot: { state: 'pending', token }, expiresAt: Date.now() + pendingTtlMs });
          return null;
        },
        async () => get(k),
        waitMs, pollMs,
      );
    },
    async complete(scope, key, token, response) {
      const k = id(scope, key);
      const s = get(k);
      if (s && s.state === 'pending' && s.token !== token) return;
      slots.set(k, { slot: { state: 'done', response }, expiresAt: Date.now() + ttlMs });
    },
    async abandon(scope, key, token) {
      const k = id(scope, key);
      const s = get(k);
      if (s && s.state === 'pending' && s.token === token) slots.delete(k);
    },
    async close() { slots.clear(); },
  };
}

// Replace the marker only while it is still ours (a claim that outlived its TTL may have been
// taken over by a retry; its answer then wins).
const COMPLETE = readFileSync(new URL('./idempotency-complete.lua', import.meta.url), 'utf8');
const ABANDON = readFileSync(new URL('./idempotency-abandon.lua', import.meta.url), 'utf8');

function decode(raw: string | null): Slot | null {
  if (raw === null) return null;
  if (raw.startsWith('pending:')) return { state: 'pending', token: raw.slice(8) };
  return { state: 'done', response: JSON.parse(raw) as StoredResponse };
}

function unavailable(err: unknown): LeadrouteError {
  return new LeadrouteError('UNAVAILABLE', 'the idempotency store is not answering', undefined, { cause: err });
}

/** Redis-backed store. `prefix` namespaces keys (e.g. `leadroute:`). Redis errors become UNAVAILABLE. */
export function createRedisIdempotencyStore(redis: RedisClient, opts: IdempotencyOptions & { prefix?: string } = {}): IdempotencyStore {
  const ttlMs = opts.ttlMs ?? DAY_MS;
  const pendingTtlMs = opts.pendingTtlMs ?? 30_000;
  const waitMs = opts.waitMs ?? 2000;
  const pollMs = opts.pollMs ?? 50;
  const prefix = opts.prefix ?? '';
  const id = (scope: string, key: string) => `${prefix}idem:${scope}:${keyHash(key)}`;
  const guard = async <T>(p: Promise<T>): Promise<T> => {
    try { return await p; } catch (err) { throw unavailable(err); }
  };

  return {
    async begin(scope, key) {
      const k = id(scope, key);
      return guard(beginLoop(
        async (token) => {
          const ok = await redis.set(k, `pending:${token}`, 'PX', pendingTtlMs, 'NX');
          if (ok === 'OK') return null;
          const cur = decode(await redis.get(k));
          // Expired between SET NX and GET: report pending so the loop polls and re-claims.
          return cur ?? { state: 'pending', token: '' };
        },
        async () => decode(await redis.get(k)),
        waitMs, pollMs,
      ));
    },
    async complete(scope, key, token, response) {
      await guard(redis.eval(COMPLETE, 1, id(scope, key), `pending:${token}`, JSON.stringify(response), String(ttlMs)));
    },
    async abandon(scope, key, token) {
      await guard(redis.eval(ABANDON, 1, id(scope, key), `pending:${token}`));
    },
    async close() { /* the client is owned by the caller */ },
  };
}
