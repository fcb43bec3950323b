// In-process LeadStore (the embedded default: one router, no Redis). Records are copied in and
// out, so callers never share objects with the store. Expiry is lazy: an expired record is
// dropped when it is touched, and a sweep at most once a minute drops the rest; the map is kept
// in last-write order, which is expiry order, so a sweep stops at the first live record.

import { DEFAULT_LEAD_RETENTION_MS, type LeadStore, type LeadStoreOptions } from './store.ts';
import type { LeadRecord } from './types.ts';

const SWEEP_EVERY_MS = 60_000;

interface Entry {
  record: LeadRecord;
  expiresAt: number;
}

export function createMemoryLeadStore(opts: LeadStoreOptions & { now?: () => number } = {}): LeadStore {
  const retentionMs = opts.retentionMs ?? DEFAULT_LEAD_RETENTION_MS;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
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

  const write = async (leadId: string, change: (record: LeadRecord) => boolean): Promise<boolean> => {
    const e = live(leadId);
    if (!e || !change(e.record)) return false;
    touch(leadId, e);
    return true;
  };

  return {
    async save(record) {
      touch(record.leadId, { record: structuredClone(record), expiresAt: 0 });
    },
    async get(leadId) {
      const e = live(leadId);
      return e ? structuredClone(e.record) : null;
    },
    addRoute(leadId, route) {
      return write(leadId, (r) => {
        if (!r.routes.some((x) => x.deliveryId === route.deliveryId)) r.routes.push({ ...route });
        return true;
      });
    },
    setRouteStatus(leadId, deliveryId, status) {
      return write(leadId, (r) => {
        const route = r.routes.find((x) => x.deliveryId === deliveryId);
        if (!route) return false;
        route.status = status;
        return true;
      });
    },
    addAttempt(leadId, attempt) {
      return write(leadId, (r) => {
        r.attempts.push({ ...attempt });
        return true;
      });
    },
    setState(leadId, state) {
      return write(leadId, (r) => {
        r.state = state;
        return true;
      });
    },
    async close() {
      entries.clear();
    },
  };
}
