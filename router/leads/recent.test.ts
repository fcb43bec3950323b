// The recent-leads index keeps the newest RECENT_LEADS_MAX leads, in memory and on Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysUnder, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { createMemoryRecentIndex } from './recent-memory.ts';
import { createRedisRecentIndex } from './recent-redis.ts';
import { RECENT_LEADS_MAX, type LeadSummary, type RecentLeads, type RecentLeadsQuery } from './store.ts';

const T0 = Date.UTC(2026, 0, 1);
const id = (i: number) => `L${String(i).padStart(6, '0')}`;
const receivedAt = (i: number) => new Date(T0 + i * 1000).toISOString();
const summary = (leadId: string): LeadSummary => ({
  leadId, entity: 'e', receivedAt: receivedAt(Number(leadId.slice(1))), test: false, status: 'routed', state: 'pending', partners: [],
});

/** Every lead the index lists, page by page. */
async function all(recent: (q: RecentLeadsQuery) => Promise<RecentLeads> | RecentLeads): Promise<string[]> {
  const out: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await recent({ limit: 500, ...(before ? { before } : {}) });
    out.push(...page.leads.map((l) => l.leadId));
    if (!page.next) return out;
    before = page.next;
  }
}

const extra = 1_234;
const expected = Array.from({ length: RECENT_LEADS_MAX }, (_, k) => id(RECENT_LEADS_MAX + extra - 1 - k));

describe('recent-leads index bound', () => {
  it('memory: keeps the newest 10,000', async () => {
    const index = createMemoryRecentIndex();
    for (let i = 0; i < RECENT_LEADS_MAX + extra; i++) index.add({ leadId: id(i), receivedAt: receivedAt(i) });
    expect(await all((q) => index.recent(q, summary))).toEqual(expected);
  });

  describe('redis', () => {
    const prefix = testPrefix();
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis(TEST_REDIS_URL);
    });
    afterAll(async () => {
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
    });

    it('keeps the newest 10,000, and no more members than that', async () => {
      const keyOf = (leadId: string) => `${prefix}lead:{${leadId}}`;
      const index = createRedisRecentIndex(redis, prefix, keyOf);
      for (let i = 0; i < RECENT_LEADS_MAX + extra; i++) index.add({ leadId: id(i), receivedAt: receivedAt(i) });
      await index.flush();
      expect(await redis.zcard(`${prefix}leads:{recent}`)).toBe(RECENT_LEADS_MAX);
      // Only the listed ones need records: give the newest 600 a lead hash and read two pages.
      await Promise.all(expected.slice(0, 600).map((leadId) => redis.hset(keyOf(leadId), 'lead', JSON.stringify(summary(leadId)), 'state', 'pending')));
      const first = await index.recent({ limit: 500 });
      expect(first.leads.map((l) => l.leadId)).toEqual(expected.slice(0, 500));
      expect((await index.recent({ limit: 500, before: first.next! })).leads.map((l) => l.leadId)).toEqual(expected.slice(500, 600));
    });
  });
});
