// The bids of an inbound ping, kept until its quote expires, so that the lead posted with its
// pingId goes to that auction's bidders without a second auction. Two implementations, one
// contract (bid-store-contract.ts): in memory (embedded mode) and in Redis (every router sees
// every ping). A ping is posted once: `claim` is atomic across routers.
import type { RedisClient } from '../redis.ts';
import type { PartnerBid } from '../routing/auction.ts';

export interface PingRecord {
  pingId: string;
  entity: string;
  /** The source that pinged: only it may post the lead. */
  source: string;
  test: boolean;
  /** The fields the source pinged with: the posted lead must agree with them. */
  fields: Record<string, unknown>;
  /** When the quote lapses (ISO). */
  expiresAt: string;
  quote: number;
  /** Every answer of every profile's auction (bids and no-bids), by profile id. */
  auctions: Record<string, PartnerBid[]>;
}

export interface BidStore {
  /** Keep `record` for `keepMs` (past its expiresAt, so a late post is told "expired", not "unknown"). */
  save(record: PingRecord, keepMs: number): Promise<void>;
  get(pingId: string): Promise<PingRecord | null>;
  /** True for the first caller only: the ping's lead is being posted. */
  claim(pingId: string, keepMs: number): Promise<boolean>;
  /** Give a claim back (the post failed before the lead was recorded). */
  unclaim(pingId: string): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryBidStore(opts: { now?: () => number } = {}): BidStore {
  const now = opts.now ?? Date.now;
  const records = new Map<string, { record: PingRecord; until: number }>();
  const claims = new Map<string, number>();
  const live = <T>(map: Map<string, T>, id: string, until: (v: T) => number): T | undefined => {
    const v = map.get(id);
    if (v !== undefined && until(v) <= now()) {
      map.delete(id);
      return undefined;
    }
    return v;
  };
  // Expired entries are swept as new ones come, so the map stays as large as the live pings.
  const sweep = () => {
    if (records.size < 1000) return;
    const t = now();
    for (const [id, v] of records) if (v.until <= t) records.delete(id);
    for (const [id, until] of claims) if (until <= t) claims.delete(id);
  };
  return {
    async save(record, keepMs) {
      sweep();
      records.set(record.pingId, { record: structuredClone(record), until: now() + keepMs });
    },
    async get(pingId) {
      const v = live(records, pingId, (x) => x.until);
      return v ? structuredClone(v.record) : null;
    },
    async claim(pingId, keepMs) {
      if (live(claims, pingId, (u) => u) !== undefined) return false;
      claims.set(pingId, now() + keepMs);
      return true;
    },
    async unclaim(pingId) {
      claims.delete(pingId);
    },
    async close() {
      records.clear();
      claims.clear();
    },
  };
}

/** Keys `${prefix}ping:{id}` and `${prefix}ping:{id}:posted`: one hash tag, one cluster slot. */
export function createRedisBidStore(redis: RedisClient, opts: { prefix: string }): BidStore {
  const key = (id: string) => `${opts.prefix}ping:{${id}}`;
  return {
    async save(record, keepMs) {
      await redis.set(key(record.pingId), JSON.stringify(record), 'PX', Math.max(1, Math.round(keepMs)));
    },
    async get(pingId) {
      const json = await redis.get(key(pingId));
      return json === null ? null : (JSON.parse(json) as PingRecord);
    },
    async claim(pingId, keepMs) {
      return (await redis.set(`${key(pingId)}:posted`, '1', 'PX', Math.max(1, Math.round(keepMs)), 'NX')) === 'OK';
    },
    async unclaim(pingId) {
      await redis.del(`${key(pingId)}:posted`);
    },
    async close() {},
  };
}
