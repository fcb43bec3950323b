// The recent-leads index and per-minute activity counts of the Redis lead store. Both live under
// one hash tag, `{recent}`, so a write is one script on one Cluster slot:
//   ${prefix}leads:{recent}           sorted set, every score 0, members `time:leadId` (recentMember),
//                                     so lexicographic order is time order
//   ${prefix}leads:{recent}:m:<ms>    hash of one minute's counts: l (leads), d (accepted
//                                     attempts), f (other attempts); expires after ACTIVITY_KEEP_MS
// Writes are off the lead's path: new leads and attempts are buffered in-process and written by
// one script every FLUSH_MS (or every MAX_BATCH leads), which also trims the index to
// RECENT_LEADS_MAX members and RECENT_LEADS_MAX_AGE_MS before the newest. The index is best
// effort: a failed flush is dropped, and a crash loses at most FLUSH_MS of it. Reads flush first.
// Summaries are read from the lead hashes (never the trace).

import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.ts';
import { LeadrouteError } from '../errors.ts';
import {
  ACTIVITY_KEEP_MS, RECENT_LEADS_MAX, RECENT_LEADS_MAX_AGE_MS, activityMinutes, matchesRecent, minuteOf, recentLimit, recentMember,
  type LeadSummary, type MinuteActivity, type RecentLeads, type RecentLeadsQuery,
} from './store.ts';
import type { AttemptRecord, LeadRecord, LeadState } from './types.ts';

const FLUSH_MS = 100;
const MAX_BATCH = 1_000;

// KEYS: index, then minute hashes. ARGV: oldest member kept (exclusive bound), max members,
// minute ttl, n; then n pairs (member, index in KEYS of its minute); then triples (index in KEYS,
// field, amount) of attempt counts. A member already indexed is not counted again.
const FLUSH = readFileSync(new URL('./recent-redis-flush.lua', import.meta.url), 'utf8');

interface RecentCommands {
  leadrouteRecentFlush(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

const SCAN_BATCH = 200;

export interface RedisRecentIndex {
  /** A lead was saved: indexed and counted with the next flush. */
  add(record: Pick<LeadRecord, 'leadId' | 'receivedAt'>): void;
  /** An attempt was recorded: counted with the next flush. */
  attempt(attempt: Pick<AttemptRecord, 'at' | 'outcome'>): void;
  /** Write what is buffered now (never throws: the index is best effort). */
  flush(): Promise<void>;
  recent(query: RecentLeadsQuery): Promise<RecentLeads>;
  activity(minutes: number, until: Date): Promise<MinuteActivity[]>;
}

function unavailable(err: unknown): LeadrouteError {
  if (err instanceof LeadrouteError) return err;
  return new LeadrouteError('UNAVAILABLE', 'the lead store is not answering', undefined, { cause: err });
}

export function createRedisRecentIndex(redis: RedisClient, prefix: string, keyOf: (leadId: string) => string): RedisRecentIndex {
  if (typeof (redis as unknown as Record<string, unknown>).leadrouteRecentFlush !== 'function') {
    redis.defineCommand('leadrouteRecentFlush', { lua: FLUSH });
  }
  const r = redis as RedisClient & RecentCommands;
  const indexKey = `${prefix}leads:{recent}`;
  const minuteKey = (ms: number) => `${indexKey}:m:${minuteOf(ms)}`;

  let members: string[] = [];
  let attempts = new Map<string, number>(); // `${minute}:${field}` -> count
  let timer: NodeJS.Timeout | undefined;

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!members.length && !attempts.size) return Promise.resolve();
    const batch = members;
    const counts = attempts;
    members = [];
    attempts = new Map();
    const keys: string[] = [];
    const slot = new Map<number, number>();
    const keyIndex = (minute: number) => {
      let k = slot.get(minute);
      if (k === undefined) {
        keys.push(minuteKey(minute));
        k = keys.length + 1; // KEYS[1] is the index
        slot.set(minute, k);
      }
      return k;
    };
    let newest = 0;
    const args: (string | number)[] = [];
    for (const m of batch) {
      const ms = Number(m.slice(0, 13));
      newest = Math.max(newest, ms);
      args.push(m, keyIndex(minuteOf(ms)));
    }
    for (const [at, n] of counts) {
      const [minute, field] = at.split(':');
      args.push(keyIndex(Number(minute)), field, n);
    }
    const oldest = String(Math.max(0, newest - RECENT_LEADS_MAX_AGE_MS)).padStart(13, '0');
    return r.leadrouteRecentFlush(1 + keys.length, indexKey, ...keys, oldest, RECENT_LEADS_MAX, ACTIVITY_KEEP_MS, batch.length, ...args)
      .then(() => undefined, () => undefined);
  }

  const later = () => {
    if (members.length >= MAX_BATCH) void flush();
    else if (!timer) {
      timer = setTimeout(() => void flush(), FLUSH_MS);
      timer.unref();
    }
  };

  /** Summaries of the leads of `members`, read in parallel (one command per lead: Cluster-safe). */
  async function summaries(members: string[]): Promise<(LeadSummary | null)[]> {
    const ids = members.map((m) => m.slice(m.indexOf(':') + 1));
    const heads = await Promise.all(ids.map((id) => r.hmget(keyOf(id), 'lead', 'state', 'nr', 'c')));
    const routes = await Promise.all(heads.map(([lead, , nr], i) => {
      const n = Number(nr ?? 0);
      if (!lead || n <= 0) return Promise.resolve([] as (string | null)[]);
      return r.hmget(keyOf(ids[i]), ...Array.from({ length: n }, (_, k) => `r:${k + 1}`));
    }));
    return heads.map(([lead, state, , commit], i) => {
      if (!lead || commit === 'a') return null; // as get: an aborted lead was never taken
      const fixed = JSON.parse(lead) as Pick<LeadRecord, 'entity' | 'source' | 'receivedAt' | 'test' | 'status'>;
      const partners = routes[i].flatMap((json) => (json ? [(JSON.parse(json) as { partner: string }).partner] : []));
      return {
        leadId: ids[i], entity: fixed.entity, ...(fixed.source !== undefined ? { source: fixed.source } : {}), receivedAt: fixed.receivedAt, test: fixed.test, status: fixed.status,
        state: state as LeadState, partners,
      };
    });
  }

  return {
    add(record) {
      members.push(recentMember(record.receivedAt, record.leadId));
      later();
    },
    attempt(a) {
      const ms = Date.parse(a.at);
      if (!Number.isFinite(ms)) return;
      const at = `${minuteOf(ms)}:${a.outcome === 'accepted' ? 'd' : 'f'}`;
      attempts.set(at, (attempts.get(at) ?? 0) + 1);
      later();
    },
    flush,
    async recent(query) {
      await flush();
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
      await flush();
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
