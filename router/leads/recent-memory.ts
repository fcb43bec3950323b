// The recent-leads index and per-minute activity counts of the embedded lead store: a sorted
// array of index members (time, then lead id; see recentMember) holding the newest
// RECENT_LEADS_MAX within RECENT_LEADS_MAX_AGE_MS of the newest lead, and a map of minute counters
// kept ACTIVITY_KEEP_MS. The array is cut back in batches (a copy per lead would cost O(10,000));
// reads never look past those bounds, so the slack is invisible.

import {
  ACTIVITY_KEEP_MS, RECENT_LEADS_MAX, RECENT_LEADS_MAX_AGE_MS, activityMinutes, matchesRecent, minuteOf, recentLimit, recentMember,
  type LeadSummary, type MinuteActivity, type RecentLeads, type RecentLeadsQuery,
} from './store.ts';
import type { AttemptRecord, LeadRecord } from './types.ts';

interface Counts { leads: number; delivered: number; failed: number }

/** How far the array may grow past its bound before it is cut back. */
const SLACK = 1_000;

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

  /** Index of the oldest member within bounds: the newest RECENT_LEADS_MAX, within the age limit. */
  const firstKept = () => {
    if (!members.length) return 0;
    const newest = Number(members[members.length - 1].slice(0, 13));
    const young = lowerBound(members, String(Math.max(0, newest - RECENT_LEADS_MAX_AGE_MS)).padStart(13, '0'));
    return Math.max(young, members.length - RECENT_LEADS_MAX);
  };

  return {
    add(record) {
      const member = recentMember(record.receivedAt, record.leadId);
      const at = lowerBound(members, member);
      if (members[at] === member) return;
      members.splice(at, 0, member);
      count(Date.parse(record.receivedAt), 'leads');
      const drop = firstKept();
      if (drop > SLACK) members = members.slice(drop);
    },
    attempt(a) {
      count(Date.parse(a.at), a.outcome === 'accepted' ? 'delivered' : 'failed');
    },
    recent(query, summary) {
      const limit = recentLimit(query);
      const leads: LeadSummary[] = [];
      const first = firstKept();
      let i = query.before ? lowerBound(members, query.before) - 1 : members.length - 1;
      for (; i >= first && leads.length < limit; i--) {
        const s = summary(leadIdOf(members[i]));
        if (s && matchesRecent(s, query)) leads.push(s);
      }
      const more = leads.length === limit && i >= first;
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
