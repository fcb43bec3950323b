// The recent-leads index and per-minute activity counts of the Redis lead store. Both live under
// one hash tag, `{recent}`, so a write is one script on one Cluster slot:
//   ${prefix}leads:{recent}           sorted set, every score 0, members `time:leadId` (recentMember),
//                                     so lexicographic order is time order
//   ${prefix}leads:{recent}:m:<ms>    hash of one minute's counts: l (leads), d (accepted
//                                     attempts), f (other attempts); expires after ACTIVITY_KEEP_MS
// The index is trimmed on every add: to RECENT_LEADS_MAX members and to RECENT_LEADS_MAX_AGE_MS
// before the lead just added. Summaries are read from the lead hashes (never the trace).

import type { Redis } from 'ioredis';
import { LeadrouteError } from '../errors.ts';
import {
  ACTIVITY_KEEP_MS, RECENT_LEADS_MAX, RECENT_LEADS_MAX_AGE_MS, activityMinutes, matchesRecent, minuteOf, recentLimit, recentMember,
  type LeadSummary, type MinuteActivity, type RecentLeads, type RecentLeadsQuery,
} from './store.ts';
import type { AttemptRecord, LeadRecord, LeadState } from './types.ts';

// KEYS: index, minute. ARGV: member, oldest member kept (exclusive bound), max members, minute ttl.
const RECENT_ADD = `
if redis.call('ZADD', KEYS[1], 0, ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'l', 1)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[3]))
return 1`;

// KEYS: minute. ARGV: field, ttl.
const COUNT = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

interface RecentCommands {
  leadrouteRecentAdd(index: string, minute: string, ...args: (string | number)[]): Promise<number>;
  leadrouteRecentCount(minute: string, ...args: (string | number)[]): Promise<number>;
}

const SCAN_BATCH = 200;

export interface RedisRecentIndex {
  add(record: Pick<LeadRecord, 'leadId' | 'receivedAt'>): Promise<void>;
  /** Counts an attempt; never throws (a lost count must not fail a delivery). */
  attempt(attempt: Pick<AttemptRecord, 'at' | 'outcome'>): Promise<void>;
  recent(query: RecentLeadsQuery): Promise<RecentLeads>;
  activity(minutes: number, until: Date): Promise<MinuteActivity[]>;
}

function unavailable(err: unknown): LeadrouteError {
  if (err instanceof LeadrouteError) return err;
  return new LeadrouteError('UNAVAILABLE', 'the lead store is not answering', undefined, { cause: err });
}

export function createRedisRecentIndex(redis: Redis, prefix: string, keyOf: (leadId: string) => string): RedisRecentIndex {
  if (typeof (redis as unknown as Record<string, unknown>).leadrouteRecentAdd !== 'function') {
    redis.defineCommand('leadrouteRecentAdd', { lua: RECENT_ADD, numberOfKeys: 2 });
    redis.defineCommand('leadrouteRecentCount', { lua: COUNT, numberOfKeys: 1 });
  }
  const r = redis as Redis & RecentCommands;
  const indexKey = `${prefix}leads:{recent}`;
  const minuteKey = (ms: number) => `${indexKey}:m:${minuteOf(ms)}`;

  /** Summaries of the leads of `members`, read in parallel (one command per lead: Cluster-safe). */
  async function summaries(members: string[]): Promise<(LeadSummary | null)[]> {
    const ids = members.map((m) => m.slice(m.indexOf(':') + 1));
    const heads = await Promise.all(ids.map((id) => r.hmget(keyOf(id), 'lead', 'state', 'nr')));
    const routes = await Promise.all(heads.map(([lead, , nr], i) => {
      const n = Number(nr ?? 0);
      if (!lead || n <= 0) return Promise.resolve([] as (string | null)[]);
      return r.hmget(keyOf(ids[i]), ...Array.from({ length: n }, (_, k) => `r:${k + 1}`));
    }));
    return heads.map(([lead, state], i) => {
      if (!lead) return null;
      const fixed = JSON.parse(lead) as Pick<LeadRecord, 'entity' | 'source' | 'receivedAt' | 'test' | 'status'>;
      const partners = routes[i].flatMap((json) => (json ? [(JSON.parse(json) as { partner: string }).partner] : []));
      return {
        leadId: ids[i], entity: fixed.entity, ...(fixed.source !== undefined ? { source: fixed.source } : {}), receivedAt: fixed.receivedAt, test: fixed.test, status: fixed.status,
        state: state as LeadState, partners,
      };
    });
  }

  return {
    async add(record) {
      const member = recentMember(record.receivedAt, record.leadId);
      const ms = Number(member.slice(0, 13));
      const oldest = String(Math.max(0, ms - RECENT_LEADS_MAX_AGE_MS)).padStart(13, '0');
      await r.leadrouteRecentAdd(indexKey, minuteKey(ms), member, oldest, RECENT_LEADS_MAX, ACTIVITY_KEEP_MS);
    },
    async attempt(a) {
      const ms = Date.parse(a.at);
      if (!Number.isFinite(ms)) return;
      await r.leadrouteRecentCount(minuteKey(ms), a.outcome === 'accepted' ? 'd' : 'f', ACTIVITY_KEEP_MS).catch(() => undefined);
    },
    async recent(query) {
      const limit = recentLimit(query);
      const leads: LeadSummary[] = [];
      let from = query.before ? `(${query.before}` : '+';
      let next: string | null = null;
      try {
        for (let scanned = 0; scanned < RECENT_LEADS_MAX * 2;) {
          const batch = await r.zrevrangebylex(indexKey, from, '-', 'LIMIT', 0, SCAN_BATCH);
          if (!batch.length) break;
          scanned += batch.length;
          const found = await summaries(batch);
          for (let i = 0; i < batch.length; i++) {
            const s = found[i];
            if (!s || !matchesRecent(s, query)) continue;
            leads.push(s);
            if (leads.length === limit) {
              next = batch[i];
              break;
            }
          }
          if (next || batch.length < SCAN_BATCH) break;
          from = `(${batch[batch.length - 1]}`;
        }
      } catch (err) {
        throw unavailable(err);
      }
      return { leads, next };
    },
    async activity(minutes, until) {
      const list = activityMinutes(minutes, until);
      let rows: (string | null)[][];
      try {
        rows = await Promise.all(list.map((m) => r.hmget(minuteKey(m), 'l', 'd', 'f')));
      } catch (err) {
        throw unavailable(err);
      }
      return list.map((m, i) => ({
        minute: new Date(m).toISOString(),
        leads: Number(rows[i][0] ?? 0), delivered: Number(rows[i][1] ?? 0), failed: Number(rows[i][2] ?? 0),
      }));
    },
  };
}
