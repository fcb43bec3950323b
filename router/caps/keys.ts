// Key helpers shared by both stores, so they enforce the same rules.
import type { CapCounter } from './types.ts';

/** Redis Cluster hash tag of a key: the text inside the first `{…}`; null when there is none. */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return null;
  return key.slice(open + 1, close);
}

/**
 * The partner every counter of one reservation belongs to (their shared hash tag); null for no
 * counters. Throws when counters mix partners, lack a tag, or repeat a key: a caller bug.
 */
export function reservationPartner(counters: readonly CapCounter[]): string | null {
  let partner: string | null = null;
  const seen = new Set<string>();
  for (const c of counters) {
    const tag = hashTag(c.key);
    if (tag === null) throw new Error(`cap counter key "${c.key}" has no {partner} hash tag`);
    if (partner !== null && tag !== partner) {
      throw new Error(`one reservation spans partners {${partner}} and {${tag}}: reservations are per partner`);
    }
    if (seen.has(c.key)) throw new Error(`cap counter key "${c.key}" appears twice in one reservation`);
    if (!Number.isFinite(c.limit)) throw new Error(`cap counter "${c.key}" has no numeric limit`);
    seen.add(c.key);
    partner = tag;
  }
  return partner;
}

/** A reservation is kept until its longest window ends; lifetime-only ones for 400 days. */
export const LIFETIME_RESERVATION_MS = 400 * 86_400_000;

export function reservationExpireAt(counters: readonly CapCounter[], now: number): number {
  let at = 0;
  for (const c of counters) at = Math.max(at, c.expireAt ?? now + LIFETIME_RESERVATION_MS);
  return at;
}

/** Round-robin turn counters live for 30 days after their last turn. */
export const TURN_TTL_MS = 30 * 86_400_000;

/** A reservation must be confirmed within this long, or the reconciler may give it back. */
export const DEFAULT_LEASE_MS = 30_000;
