// Cap storage. The pure core (router/caps/windows.ts) turns caps + clock + timezone into
// counters (key, limit, expiry); a CapStore only counts. Two implementations share one
// contract suite: memory.ts (embedded default) and redis.ts (one Lua script, hash-tagged keys).

export type WindowName = 'hour' | 'day' | 'week' | 'month' | 'lifetime' | `every:${string}`;

export interface CapCounter {
  /** Full store key; every counter of one reservation shares a hash tag: `{partnerId}`. */
  key: string;
  limit: number;
  /** Epoch ms when the window ends and the key may expire; null for lifetime. */
  expireAt: number | null;
  /** For traces: `partner acme day`, `residential-east/acme month`. */
  label: string;
  /** What one reservation counts (default 1): a budget counts the lead's price, in hundredths. */
  amount?: number;
}

export type ReserveResult =
  /**
   * `leaseUntil` (epoch ms, the store's clock): when the reservation's lease runs out. Absent when
   * nothing is held (no counters) or the reservation was confirmed already.
   */
  | { ok: true; leaseUntil?: number }
  | { ok: false; blocked: { label: string; limit: number; used: number } };

export interface ReserveOptions {
  /**
   * What the reservation is for (the lead id): the reconciler looks there when its lease runs out.
   * Without an owner the reservation is not leased: it is held until released or its window ends.
   */
  owner?: string;
  /** How long the reservation is leased before it must be confirmed (default: the store's, 30 s). */
  leaseMs?: number;
}

/** A reservation whose lease ran out before it was confirmed. */
export interface ExpiredLease {
  id: string;
  owner: string;
}

export interface CapStore {
  /**
   * Atomically: when every counter is below its limit, increment all of them and remember
   * the reservation under `id`; else change nothing and say which counter is full.
   * Every counter must carry the same `{partnerId}` hash tag (reservations are per partner).
   * Reserving an id that is already held changes nothing and answers ok (a retry never counts twice).
   *
   * A new reservation with an owner is *leased*: unless confirmed (its delivery is committed) it is listed by
   * expiredLeases once the lease runs out, so one whose reply was lost, or whose router died before
   * recording it, is given back by the reconciler instead of holding its slot until the window ends.
   */
  reserve(id: string, counters: readonly CapCounter[], opts?: ReserveOptions): Promise<ReserveResult>;
  /**
   * Keep a reservation past its lease (its delivery is live): it is held until released or its
   * window ends. True when the reservation is held; idempotent.
   */
  confirm(id: string, partner: string): Promise<boolean>;
  /** Reservations of `partner` whose lease ran out unconfirmed, oldest first, at most `limit`. */
  expiredLeases(partner: string, limit: number): Promise<ExpiredLease[]>;
  /**
   * Give a reservation back, exactly once (true the first time). `partner` is the hash tag of the
   * reserved counters: it finds the reservation on any router instance (no in-process state).
   * Never drives a counter negative or recreates an expired key. Ends its lease too.
   */
  release(id: string, partner: string): Promise<boolean>;
  /** Current values (0 when missing), for explain: no caps touched. */
  peek(keys: readonly string[]): Promise<number[]>;
  /** Set a counter, for routing tests' starting usage and for tests. */
  set(counter: CapCounter, value: number): Promise<void>;
  /** Round-robin turn counter: returns 0, 1, 2, … per key, shared by every router instance. */
  nextTurn(key: string): Promise<number>;
  /** Throws when the store cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How full one cap window is, for the operator console. */
export interface CapUsage {
  label: string;
  limit: number;
  used: number;
  /** Epoch ms when the window ends and the count starts again; null for lifetime. */
  resetsAt: number | null;
}

export interface CapStore {
  /** Read-only: how full each counter's window is now (a missing counter is 0 used). */
  usage(counters: readonly CapCounter[]): Promise<CapUsage[]>;
}

/** A counter with its current value, as `usage` answers. */
export function capUsage(c: CapCounter, used: number): CapUsage {
  return { label: c.label, limit: c.limit, used, resetsAt: c.expireAt };
}
