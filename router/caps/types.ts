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
}

export type ReserveResult =
  | { ok: true }
  | { ok: false; blocked: { label: string; limit: number; used: number } };

export interface CapStore {
  /**
   * Atomically: when every counter is below its limit, increment all of them and remember
   * the reservation under `id`; else change nothing and say which counter is full.
   * Every counter must carry the same `{partnerId}` hash tag (reservations are per partner).
   * Reserving an id that is already held changes nothing and answers ok (a retry never counts twice).
   */
  reserve(id: string, counters: readonly CapCounter[]): Promise<ReserveResult>;
  /**
   * Give a reservation back, exactly once (true the first time). `partner` is the hash tag of the
   * reserved counters: it finds the reservation on any router instance (no in-process state).
   * Never drives a counter negative or recreates an expired key.
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
