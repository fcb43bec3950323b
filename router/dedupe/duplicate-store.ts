// Entity `duplicates`: the first lead of a consumer within the window holds its hashes; a repeat
// is answered 409 DUPLICATE naming that first lead. Claim is atomic (one Lua script on Redis; one
// synchronous step in memory), so two copies posted at once cannot both pass.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.ts';

export interface DuplicateStore {
  /**
   * When none of `hashes` is held: hold them all for `leadId` until `ttlMs` from now and answer
   * null. Else change nothing and answer the lead id holding the first one found.
   */
  claim(entity: string, hashes: readonly string[], leadId: string, ttlMs: number): Promise<string | null>;
  /** Give back the hashes `leadId` holds (a lead that was not accepted after all). */
  release(entity: string, hashes: readonly string[], leadId: string): Promise<void>;
}

export function createMemoryDuplicateStore(opts: { now?: () => number } = {}): DuplicateStore {
  const now = opts.now ?? Date.now;
  const held = new Map<string, { leadId: string; expireAt: number }>();
  const key = (entity: string, hash: string) => `${entity}\u0000${hash}`;
  const holder = (k: string, t: number) => {
    const e = held.get(k);
    if (e && e.expireAt <= t) held.delete(k);
    return e && e.expireAt > t ? e.leadId : null;
  };
  return {
    async claim(entity, hashes, leadId, ttlMs) {
      const t = now();
      for (const h of hashes) {
        const by = holder(key(entity, h), t);
        if (by !== null) return by;
      }
      for (const h of hashes) held.set(key(entity, h), { leadId, expireAt: t + ttlMs });
      if (held.size > 100_000) for (const [k, e] of held) if (e.expireAt <= t) held.delete(k);
      return null;
    },
    async release(entity, hashes, leadId) {
      for (const h of hashes) if (held.get(key(entity, h))?.leadId === leadId) held.delete(key(entity, h));
    },
  };
}

// KEYS: one per hash, all tagged `{entity}` (one Cluster slot). ARGV[1] lead id, ARGV[2] TTL (ms).
const CLAIM_LUA = readFileSync(new URL('./duplicate-store-claim.lua', import.meta.url), 'utf8');
const RELEASE_LUA = readFileSync(new URL('./duplicate-store-release.lua', import.meta.url), 'utf8');

interface DuplicateCommands {
  leadrouteDupClaim(numKeys: number, ...args: (string | number)[]): Promise<string | null>;
  leadrouteDupRelease(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

export function createRedisDuplicateStore(redis: RedisClient, opts: { prefix: string }): DuplicateStore {
  for (const [name, lua] of [['leadrouteDupClaim', CLAIM_LUA], ['leadrouteDupRelease', RELEASE_LUA]] as const) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') redis.defineCommand(name, { lua });
  }
  const r = redis as RedisClient & DuplicateCommands;
  const keys = (entity: string, hashes: readonly string[]) => hashes.map((h) => `${opts.prefix}dup:{${entity}}:${h}`);
  return {
    async claim(entity, hashes, leadId, ttlMs) {
      if (hashes.length === 0) return null;
      return (await r.leadrouteDupClaim(hashes.length, ...keys(entity, hashes), leadId, Math.max(1, Math.round(ttlMs)))) ?? null;
    },
    async release(entity, hashes, leadId) {
      if (hashes.length) await r.leadrouteDupRelease(hashes.length, ...keys(entity, hashes), leadId);
    },
  };
}
