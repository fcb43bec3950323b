// The reconciler settles what a lost reply or a dead router left half done, every few seconds:
// - a lead saved uncommitted and never committed (its router died, or its intake answered 503)
//   is refused once its commit deadline has passed, and the cap slots it held are given back;
// - a cap reservation whose lease ran out unconfirmed (its reply was lost, or its router died
//   right after reserving) is given back unless its delivery is live, which the lead's record
//   says; a live one is confirmed.
// Safe with many routers on one Redis: every step is one atomic store call (abort, release and
// confirm are idempotent), and a tick lock lets one router tick at a time so the work is not done
// twice. Cheap: the open leads come from an index by save time, leases from a per-partner index by
// lease end, and a tick looks at no more than `batch` of each.
import type { RedisClient } from '../redis.ts';
import type { CapStore, ExpiredLease } from '../caps/types.ts';
import type { LeadStore } from '../leads/store.ts';
import { isDelivered, isPending } from '../leads/state.ts';

const DEFAULT_RECONCILE_EVERY_MS = 5_000;
const DEFAULT_RECONCILE_BATCH = 200;

/** One router at a time: `acquire` is true for the one that may tick now. */
export interface TickLock {
  acquire(ttlMs: number): Promise<boolean>;
}

export interface ReconcilerDeps {
  leads: Pick<LeadStore, 'openLeads' | 'abort' | 'get'>;
  caps: Pick<CapStore, 'expiredLeases' | 'confirm' | 'release'>;
  /** Partners whose reservations are looked at: those of the profiles being served. */
  partners(): Iterable<string>;
  lock?: TickLock;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  everyMs?: number;
  /** Most leads, and most leases, looked at per tick. */
  batch?: number;
}

interface TickReport {
  /** False when another router holds the tick. */
  ran: boolean;
  leadsRefused: number;
  released: number;
  confirmed: number;
}

export interface Reconciler {
  tick(): Promise<TickReport>;
  start(): void;
  /** Stop ticking; resolves once a tick in progress has finished. */
  stop(): Promise<void>;
}

type Verdict = 'keep' | 'release' | 'wait';

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const everyMs = deps.everyMs ?? DEFAULT_RECONCILE_EVERY_MS;
  const batch = deps.batch ?? DEFAULT_RECONCILE_BATCH;
  const { leads, caps, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  /** Where the next tick starts in the partner list, so every partner gets its turn. */
  let partnerOffset = 0;

  /** What the lead's record says about reservation `lease`. */
  async function verdict(lease: ExpiredLease): Promise<Verdict> {
    if (!lease.owner) return 'release';
    const { outcome } = await leads.abort(lease.owner, { late: true });
    if (outcome === 'open') return 'wait'; // its intake may still commit it (before the lease ran out)
    if (outcome !== 'committed') return 'release';
    const route = (await leads.get(lease.owner))?.routes.find((r) => r.deliveryId === lease.id);
    return route && (isPending(route.status) || isDelivered(route.status)) ? 'keep' : 'release';
  }

  async function tick(): Promise<TickReport> {
    const report: TickReport = { ran: false, leadsRefused: 0, released: 0, confirmed: 0 };
    // Held a little less than a period, so the next tick (on any router) finds it free.
    if (deps.lock && !(await deps.lock.acquire(Math.floor(everyMs * 0.8)))) return report;
    report.ran = true;

    for (const leadId of await leads.openLeads(batch)) {
      const r = await leads.abort(leadId, { late: true });
      if (r.outcome !== 'aborted') continue;
      report.leadsRefused++;
      for (const route of r.routes) if (await caps.release(route.deliveryId, route.partner)) report.released++;
    }

    const partners = [...deps.partners()];
    let budget = batch;
    for (let i = 0; i < partners.length && budget > 0; i++) {
      const partner = partners[(partnerOffset + i) % partners.length];
      const leases = await caps.expiredLeases(partner, budget);
      budget -= Math.max(1, leases.length);
      for (const lease of leases) {
        const v = await verdict(lease);
        if (v === 'keep' && (await caps.confirm(lease.id, partner))) report.confirmed++;
        else if (v === 'release' && (await caps.release(lease.id, partner))) report.released++;
      }
    }
    partnerOffset = partners.length ? (partnerOffset + 1) % partners.length : 0;

    if (report.leadsRefused || report.released) logger?.info({ ...report }, 'reconciler settled leads and cap reservations left half done');
    return report;
  }

  const guardedTick = () => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'reconciler tick failed; retrying next tick'))
      .finally(() => (running = undefined));
  };

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(guardedTick, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** A TickLock on Redis: SET NX with an expiry, so a router that dies holding it holds it no longer. */
export function createRedisTickLock(redis: RedisClient, key: string): TickLock {
  return {
    async acquire(ttlMs) {
      return (await redis.set(key, '1', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
    },
  };
}
