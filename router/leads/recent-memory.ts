// The recent-leads index and per-minute activity counts of the embedded lead store: a sorted
// array of index members (time, then lead id; see recentMember), trimmed on every add to the
// newest RECENT_LEADS_MAX and to RECENT_LEADS_MAX_AGE_MS before the newest lead, and a map of
// minute counters kept ACTIVITY_KEEP_MS.

import {
  ACTIVITY_KEEP_MS, RECENT_LEADS_MAX, RECENT_LEADS_MAX_AGE_MS, activityMinutes, matchesRecent, minuteOf, recentLimit, recentMember,
  type LeadSummary, type MinuteActivity, type RecentLeads, type RecentLeadsQuery,
} from './store.ts';
import type { AttemptRecord, LeadRecord } from './types.ts';

interface Counts { leads: number; delivered: number; failed: number }

export interface MemoryRecentIndex {
  /** A lead was saved (saving the same lead again adds nothing). */
  add(record: Pick<LeadRecord, 'leadId' | 'receivedAt'>): void;
  attempt(attempt: Pick<AttemptRecord, 'at' | 'outcome'>): void;
  recent(query: RecentLeadsQuery, summary: (leadId: string) => LeadSummary | null): RecentLeads;
  activity(minutes: number, until: Date): MinuteActivity[];
  clear(): void;
}

/** First index of `sorted` whose member is >= `member`. */
function lowerBound(sorted: readonly string[], member: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < member) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createMemoryRecentIndex(): MemoryRecentIndex {
  let members: string[] = [];
  const counts = new Map<number, Counts>();

  const count = (ms: number, field: keyof Counts) => {
    if (!Number.isFinite(ms)) return;
    const minute = minuteOf(ms);
    let c = counts.get(minute);
    if (!c) {
      c = { leads: 0, delivered: 0, failed: 0 };
      counts.set(minute, c);
      for (const m of counts.keys()) if (m < minute - ACTIVITY_KEEP_MS) counts.delete(m);
    }
    c[field] += 1;
  };

  const leadIdOf = (member: string) => member.slice(member.indexOf(':') + 1);

  return {
    add(record) {
      const member = recentMember(record.receivedAt, record.leadId);
      const at = lowerBound(members, member);
      if (members[at] === member) return;
      members.splice(at, 0, member);
      count(Date.parse(record.receivedAt), 'leads');
      const newest = Number(members[members.length - 1].slice(0, 13));
      const oldestKept = lowerBound(members, String(Math.max(0, newest - RECENT_LEADS_MAX_AGE_MS)).padStart(13, '0'));
      const drop = Math.max(oldestKept, members.length - RECENT_LEADS_MAX);
      if (drop > 0) members = members.slice(drop);
    },
    attempt(a) {
      count(Date.parse(a.at), a.outcome === 'accepted' ? 'delivered' : 'failed');
    },
    recent(query, summary) {
      const limit = recentLimit(query);
      const leads: LeadSummary[] = [];
      let i = query.before ? lowerBound(members, query.before) - 1 : members.length - 1;
      for (; i >= 0 && leads.length < limit; i--) {
        const s = summary(leadIdOf(members[i]));
        if (s && matchesRecent(s, query)) leads.push(s);
      }
      const more = leads.length === limit && i >= 0;
      return { leads, next: more ? members[i + 1] : null };
    },
    activity(minutes, until) {
      return activityMinutes(minutes, until).map((m) => ({ minute: new Date(m).toISOString(), ...(counts.get(m) ?? { leads: 0, delivered: 0, failed: 0 }) }));
    },
    clear() {
      members = [];
      counts.clear();
    },
  };
}
