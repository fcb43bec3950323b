// In-process LeadStore (the embedded default: one router, no Redis). Callers never share mutable
// objects with the store, without deep copies on the write path: routes and attempts (small,
// flat) are copied in and out; the decision trace (the bulk of a record, written once and never
// changed) is kept encoded as the Redis store keeps it (trace-codec.ts): one string of about 2 KB
// instead of about 8 KB of small objects per lead, so a store of many leads costs the garbage
// collector little; get decodes it (reads are rare: GET /v1/leads and a delivery that ended
// undelivered). Expiry is lazy: an expired record is dropped when it is touched, and a sweep at
// most once a minute drops the rest; the map is kept in last-write order, which is expiry order,
// so a sweep stops at the first live record.

import {
  DEFAULT_COMMIT_WINDOW_MS, DEFAULT_LEAD_RETENTION_MS, ENDED_ROUTE_STATES, REOPENED_STATES, SELLING_ROUTE_STATES,
  type AbortOutcome, type LeadChange, type LeadStore, type LeadStoreOptions, type SaveOptions,
} from './store.ts';
import type { AttemptRecord, LeadRecord, LeadState, RouteRecord } from './types.ts';
import { createMemoryRecentIndex } from './recent-memory.ts';
import { decodeTrace, encodeTrace } from './trace-codec.ts';

const SWEEP_EVERY_MS = 60_000;

type Fixed = Omit<LeadRecord, 'state' | 'routes' | 'attempts' | 'trace'> & { trace: string };

interface Entry {
  fixed: Fixed;
  state: LeadState;
  routes: RouteRecord[];
  attempts: AttemptRecord[];
  expiresAt: number;
  /** While uncommitted: open or aborted, and the commit deadline. */
  commit?: { state: 'open' | 'aborted'; deadline: number };
}

const copyRoute = (r: RouteRecord): RouteRecord => (r.returned ? { ...r, returned: { ...r.returned } } : { ...r });
const copyAttempt = (a: AttemptRecord): AttemptRecord => ({ ...a });

export function createMemoryLeadStore(opts: LeadStoreOptions & { now?: () => number } = {}): LeadStore {
  const retentionMs = opts.retentionMs ?? DEFAULT_LEAD_RETENTION_MS;
  const commitWindowMs = opts.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** Uncommitted leads by save time, in save order. */
  const open = new Map<string, number>();

  /** The commit state of an entry now; an open one past its deadline is aborted here. */
  const commitState = (e: Entry): 'open' | 'aborted' | 'committed' => {
    if (!e.commit) return 'committed';
    if (e.commit.state === 'open' && now() > e.commit.deadline) e.commit.state = 'aborted';
    return e.commit.state;
  };
  const recentIndex = createMemoryRecentIndex();
  let lastSweep = now();

  const sweep = (t: number) => {
    if (t - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = t;
    for (const [id, e] of entries) {
      if (e.expiresAt > t) break;
      entries.delete(id);
    }
  };

  const live = (leadId: string): Entry | null => {
    const e = entries.get(leadId);
    if (!e) return null;
    if (e.expiresAt <= now()) {
      entries.delete(leadId);
      return null;
    }
    return e;
  };

  // Every write restarts the retention period and moves the record to the end of the map.
  const touch = (leadId: string, e: Entry) => {
    const t = now();
    e.expiresAt = t + retentionMs;
    entries.delete(leadId);
    entries.set(leadId, e);
    sweep(t);
  };

  const write = async (leadId: string, change: (e: Entry) => boolean): Promise<boolean> => {
    const e = live(leadId);
    if (!e || !change(e)) return false;
    touch(leadId, e);
    return true;
  };

  const update = (leadId: string, change: LeadChange) =>
    write(leadId, (e) => {
      let route: RouteRecord | undefined;
      if (change.route) {
        const id = change.route.deliveryId;
        route = e.routes.find((x) => x.deliveryId === id);
        if (!route) return false;
      }
      if (route) route.status = change.route!.status;
      if (change.attempt) e.attempts.push(copyAttempt(change.attempt));
      if (change.attempt) recentIndex.attempt(change.attempt);
      if (change.state) e.state = change.state;
      return true;
    });

  return {
    async save(record, o: SaveOptions = {}) {
      const { state, routes, attempts, trace, ...rest } = record;
      const fixed: Fixed = { ...rest, trace: encodeTrace(trace) };
      const entry: Entry = { fixed, state, routes: routes.map(copyRoute), attempts: attempts.map(copyAttempt), expiresAt: 0 };
      if (o.uncommitted) {
        const t = now();
        entry.commit = { state: 'open', deadline: Math.min(t + commitWindowMs, o.uncommitted.commitBy ?? Infinity) };
        open.delete(record.leadId);
        open.set(record.leadId, t);
      }
      touch(record.leadId, entry);
      recentIndex.add(record);
    },
    async get(leadId) {
      const e = live(leadId);
      if (!e || e.commit?.state === 'aborted') return null;
      return {
        ...e.fixed, trace: decodeTrace(e.fixed.trace),
        state: e.state, routes: e.routes.map(copyRoute), attempts: e.attempts.map(copyAttempt),
      };
    },
    addRoute(leadId, route) {
      return write(leadId, (e) => {
        if (!e.routes.some((x) => x.deliveryId === route.deliveryId)) e.routes.push(copyRoute(route));
        return true;
      });
    },
    setRouteStatus(leadId, deliveryId, status) {
      return update(leadId, { route: { deliveryId, status } });
    },
    addAttempt(leadId, attempt) {
      return update(leadId, { attempt });
    },
    setState(leadId, state) {
      return update(leadId, { state });
    },
    update,
    async commit(leadId) {
      const e = live(leadId);
      if (!e) return false;
      open.delete(leadId);
      if (commitState(e) !== 'open') return commitState(e) === 'committed';
      delete e.commit;
      touch(leadId, e);
      return true;
    },
    async abort(leadId, o: { late?: boolean } = {}): Promise<AbortOutcome> {
      const e = live(leadId);
      if (!e) {
        open.delete(leadId);
        return { outcome: 'unknown' };
      }
      const state = commitState(e);
      if (state === 'committed') {
        open.delete(leadId);
        return { outcome: 'committed' };
      }
      if (state === 'open') {
        if (o.late) return { outcome: 'open' };
        e.commit!.state = 'aborted';
      }
      open.delete(leadId);
      return { outcome: 'aborted', routes: e.routes.map((r) => ({ partner: r.partner, deliveryId: r.deliveryId })) };
    },
    async openLeads(limit) {
      const before = now() - commitWindowMs;
      const out: string[] = [];
      for (const [leadId, at] of open) {
        if (at > before || out.length >= limit) break;
        out.push(leadId);
      }
      return out;
    },
    async startDelivery(leadId, route) {
      const e = live(leadId);
      if (!e) return { record: false };
      const commit = commitState(e);
      if (commit !== 'committed') return { record: false, uncommitted: commit };
      const known = e.routes.find((x) => x.deliveryId === route.deliveryId);
      const previous = known?.status ?? null;
      if (!known) {
        e.routes.push({ ...route, status: 'delivering' });
      } else if (previous === 'queued') {
        known.status = 'delivering';
        if (REOPENED_STATES.has(e.state)) e.state = 'pending';
      }
      touch(leadId, e);
      return { record: true, previous };
    },
    async reopenRoute(leadId, deliveryId, { soleSale }) {
      const e = live(leadId);
      if (!e) return { outcome: 'no-record' };
      const route = e.routes.find((x) => x.deliveryId === deliveryId);
      if (!route) return { outcome: 'no-route' };
      if (!ENDED_ROUTE_STATES.has(route.status)) return { outcome: 'not-ended', status: route.status };
      const by = soleSale
        ? e.routes.find((x) => x !== route && x.profile === route.profile && SELLING_ROUTE_STATES.has(x.status))
        : undefined;
      if (by) return { outcome: 'sold', by: copyRoute(by) };
      const previous = route.status;
      route.status = 'queued';
      if (e.state !== 'delivered') e.state = 'pending';
      touch(leadId, e);
      return { outcome: 'reopened', previous };
    },
    async returnRoute(leadId, deliveryId, returned) {
      const e = live(leadId);
      if (!e) return { outcome: 'no-record' };
      const route = e.routes.find((x) => x.deliveryId === deliveryId);
      if (!route) return { outcome: 'no-route' };
      if (route.status !== 'delivered') return { outcome: 'not-delivered', status: route.status };
      route.status = 'returned';
      route.returned = { ...returned };
      touch(leadId, e);
      return { outcome: 'returned' };
    },
    async recent(query = {}) {
      return recentIndex.recent(query, (leadId) => {
        const e = live(leadId);
        if (!e || e.commit?.state === 'aborted') return null; // as get: a refused lead was never taken
        const { entity, source, receivedAt, test, status } = e.fixed;
        return {
          leadId, entity, ...(source !== undefined ? { source } : {}), receivedAt, test, status, state: e.state, partners: e.routes.map((r) => r.partner),
        };
      });
    },
    async activity(minutes, until) {
      return recentIndex.activity(minutes, until);
    },
    async close() {
      recentIndex.clear();
      entries.clear();
      open.clear();
    },
  };
}
