// The delivery worker: what happens to one delivery job, attempt by attempt. It sends through a
// Channel, records every attempt on the lead, and decides:
//   accepted                      -> route delivered (test-delivered), lead delivered;
//   retryable, attempts left      -> retry later (the cap reservation is kept);
//   rejected, or retryable on the
//   last attempt                  -> give the reservation back, mark the route rejected/failed,
//                                    offer the lead to the next partner (the waterfall), and when
//                                    nobody is left, settle the lead: rejected or dead-lettered.
// A lead's record therefore always ends delivered, rejected or dead-lettered: never silently gone.
//
// A delivery of a lead not committed yet waits for its commit; one of a lead refused at intake
// (answered 503) is dropped, its cap released: a 503 never ends delivered.
//
// Crash safety: BullMQ runs a job again when its router died mid-way (at least once). Every step
// here tolerates running twice: a route already delivered is not sent again, nor is one that
// ended (rejected, failed, dead-lettered: only an admin re-send queues it again), a reservation is
// released at most once (by id), and a waterfall that already ran (a later route of the same
// profile is recorded) is not run again; its queued job is enqueued again instead (a duplicate
// deliveryId is ignored). Routes are recorded before their job is enqueued, so a crash in
// between is repaired by that re-run.
//
// Store round trips: an attempt that delivers is two calls on the lead store, startDelivery
// (reads the route's status and marks it delivering, in one step) and update (the attempt, the
// route's status and the lead's state, in one step); no read of the record on that path.
//
// Logs carry ids only, never lead fields (encrypted ones included). A delivered attempt is logged
// at debug (the intake logged the lead at info; the record and metrics say it was delivered);
// retries, rejections and give-ups at info or warn.

import type { Logger } from 'pino';
import type { CapStore } from '../caps/types.ts';
import type { Delivery } from '../config/types.ts';
import { startCommittedDelivery } from '../leads/commit.ts';
import { isDelivered, leadStateOf } from '../leads/state.ts';
import { ENDED_ROUTE_STATES, type LeadStore } from '../leads/store.ts';
import type { AttemptRecord, RouteRecord, RouteState } from '../leads/types.ts';
import type { DeliveryMetrics, DeliveryOutcome } from './metrics.ts';
import { errorMessage, type DeliveryHandler, type JobOutcome } from './queue.ts';
import type { AttemptResult, Channel, DeliveryJob, DeliveryQueue } from './types.ts';

export interface ResolvedDelivery {
  /** The partner's delivery settings (or the assignment's override), secrets resolved. */
  delivery: Delivery;
  /** Attempts allowed for this partner (`delivery.attempts`, default 8). */
  attempts: number;
}

export interface DeliveryHandlerDeps {
  channel: Channel;
  leads: LeadStore;
  caps: CapStore;
  /** Where waterfall jobs go: normally the queue that runs this handler. */
  queue: Pick<DeliveryQueue, 'enqueue'>;
  /** The delivery settings for the job's partner in the current config; null when it has none any more. */
  resolveDelivery(job: DeliveryJob): ResolvedDelivery | null;
  /**
   * The next partner's job after `job` was rejected or failed for good (first-match profiles),
   * its cap reserved; null when none is left. `job.tried` lists the partners already tried.
   */
  waterfall(job: DeliveryJob): Promise<DeliveryJob | null>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'isLevelEnabled'>;
  metrics?: DeliveryMetrics;
  now?: () => Date;
}

/** How a route ended without being delivered. */
type Ending = Extract<RouteState, 'rejected' | 'failed' | 'dead-lettered'>;
const isEnded = (s: RouteState): s is Ending => ENDED_ROUTE_STATES.has(s);

const DONE: JobOutcome = { kind: 'done' };

const ids = (job: DeliveryJob) => ({ leadId: job.leadId, deliveryId: job.deliveryId, profile: job.profile, partner: job.partner });

function routeOf(job: DeliveryJob, status: RouteState): RouteRecord {
  const route: RouteRecord = { profile: job.profile, partner: job.partner, deliveryId: job.deliveryId, status };
  if (job.price !== undefined) route.price = job.price;
  return route;
}

/** One line about a failed attempt, for dead-letter reasons. */
function describe(r: AttemptResult): string {
  return r.error ?? r.smtpReply ?? (r.statusCode !== undefined ? `HTTP ${r.statusCode}` : r.outcome);
}

function attemptRecord(job: DeliveryJob, attempt: number, at: Date, r: AttemptResult): AttemptRecord {
  const a: AttemptRecord = {
    deliveryId: job.deliveryId, profile: job.profile, partner: job.partner, channel: r.channel, attempt,
    at: at.toISOString(), durationMs: Math.round(r.durationMs), outcome: r.outcome,
  };
  if (r.statusCode !== undefined) a.statusCode = r.statusCode;
  if (r.smtpReply !== undefined) a.smtpReply = r.smtpReply;
  if (r.error !== undefined) a.error = r.error;
  return a;
}

export function createDeliveryHandler(deps: DeliveryHandlerDeps): DeliveryHandler {
  const now = deps.now ?? (() => new Date());
  const { leads, logger: log, metrics } = deps;

  /** The channel never throws by contract; a bug in one must still count as a failed attempt. */
  async function send(job: DeliveryJob, delivery: Delivery, attempt: number): Promise<AttemptResult> {
    const started = Date.now();
    try {
      return await deps.channel.send(job, delivery, attempt);
    } catch (err) {
      return {
        outcome: 'retryable', channel: delivery.webhook || !delivery.email ? 'webhook' : 'email',
        durationMs: Date.now() - started, error: `channel error: ${errorMessage(err)}`,
      };
    }
  }

  /** The job a recorded (queued) waterfall route stands for, when its job must be enqueued again. */
  function successor(job: DeliveryJob, route: RouteRecord): DeliveryJob {
    return {
      ...job, deliveryId: route.deliveryId, partner: route.partner, price: route.price,
      // Routing takes each reservation under the route's deliveryId (router/routing/types.ts).
      reservationId: job.test ? undefined : route.deliveryId,
      tried: [...new Set([...job.tried, job.partner])],
    };
  }

  /**
   * The route ended undelivered: record it (with the last attempt, when there was one), release,
   * waterfall, and settle the lead when nothing is left.
   */
  async function end(job: DeliveryJob, status: Ending, attempt?: AttemptRecord): Promise<void> {
    const recorded = await leads.update(job.leadId, { attempt, route: { deliveryId: job.deliveryId, status } });
    // An unknown route (its record was replaced) still gets its attempt.
    if (!recorded && attempt) await leads.addAttempt(job.leadId, attempt);
    // Exactly once by id: running this again releases nothing.
    if (job.reservationId) await deps.caps.release(job.reservationId, job.partner);

    // Read after writing, so of two routes ending at once at least one sees both ended.
    const record = await leads.get(job.leadId);
    const routes = record?.routes ?? [];
    const at = routes.findIndex((r) => r.deliveryId === job.deliveryId);
    const later = at >= 0 ? routes.slice(at + 1).filter((r) => r.profile === job.profile) : [];
    if (later.length > 0) {
      const queued = later.filter((r) => r.status === 'queued');
      if (queued.length > 0) await deps.queue.enqueue(queued.map((r) => successor(job, r)));
    } else {
      const tried = new Set(job.tried);
      for (const r of routes) if (r.profile === job.profile && r.partner !== job.partner) tried.add(r.partner);
      const next = await deps.waterfall({ ...job, tried: [...tried] });
      if (next) {
        if (record) await leads.addRoute(job.leadId, routeOf(next, 'queued'));
        await deps.queue.enqueue([next]);
        log?.info({ ...ids(job), nextPartner: next.partner, nextDeliveryId: next.deliveryId }, 'waterfall: lead offered to the next partner');
        return;
      }
    }
    if (!record) return;
    const state = leadStateOf(routes.map((r) => (r.deliveryId === job.deliveryId ? { status } : r)));
    if (state && state !== 'pending' && state !== record.state) {
      await leads.setState(job.leadId, state);
      log?.info({ leadId: job.leadId, state }, 'lead settled');
    }
  }

  const handler: DeliveryHandler = async (job, attempt, maxAttempts) => {
    const started = await startCommittedDelivery(leads, job.leadId, routeOf(job, 'delivering'));
    if (!started.record && started.uncommitted === 'aborted') {
      // Its lead was refused (answered 503): never delivered. Its cap back, once, by id.
      if (job.reservationId) await deps.caps.release(job.reservationId, job.partner);
      log?.info(ids(job), 'lead was not accepted (never committed): delivery dropped');
      return DONE;
    }
    // Committed: its cap is kept past the lease (the reconciler would ask the record otherwise).
    if (job.reservationId && attempt === 1) deps.caps.confirm(job.reservationId, job.partner).catch(() => undefined);
    if (started.record && started.previous !== null && isDelivered(started.previous)) {
      // Delivered before its router died, before the queue heard of it: do not send twice.
      log?.info(ids(job), 'delivery already recorded as delivered; not sent again');
      return DONE;
    }
    if (started.record && started.previous !== null && isEnded(started.previous)) {
      // A batch run again, a duplicate job: the route ended, and only an admin re-send (which
      // queues the route again first) sends it again. What followed its end is run again (each
      // step is idempotent), in case the router died before it was done.
      log?.info({ ...ids(job), status: started.previous }, 'delivery already ended; not sent again');
      await end(job, started.previous);
      return started.previous === 'rejected' ? DONE : { kind: 'failed', reason: `the delivery had already ended ${started.previous}` };
    }
    if (!started.record) log?.warn(ids(job), 'no lead record for this delivery (expired or never saved); delivering without one');

    const resolved = deps.resolveDelivery(job);
    if (!resolved) {
      const reason = `no delivery settings for partner ${job.partner}`;
      metrics?.recordAttempt(job.partner, 'none', 'dead-lettered');
      log?.warn({ ...ids(job), reason }, 'delivery dead-lettered');
      await end(job, 'dead-lettered');
      return { kind: 'failed', reason };
    }

    const startedAt = now();
    const result = await send(job, resolved.delivery, attempt);
    const last = attempt >= Math.min(resolved.attempts, maxAttempts ?? Infinity);
    const outcome: DeliveryOutcome =
      result.outcome === 'accepted' ? 'delivered' : result.outcome === 'rejected' ? 'rejected' : last ? 'failed' : 'retry';
    metrics?.recordAttempt(job.partner, result.channel, outcome, result.durationMs / 1000);
    const record = attemptRecord(job, attempt, startedAt, result);
    if (log && (outcome !== 'delivered' || log.isLevelEnabled('debug'))) {
      const line = {
        ...ids(job), attempt, channel: result.channel, outcome, statusCode: result.statusCode,
        durationMs: Math.round(result.durationMs), error: result.error,
      };
      if (outcome === 'delivered') log.debug(line, 'delivery attempt');
      else log.info(line, 'delivery attempt');
    }

    switch (outcome) {
      case 'delivered':
        if (started.record) {
          await leads.update(job.leadId, {
            attempt: record,
            route: { deliveryId: job.deliveryId, status: job.test ? 'test-delivered' : 'delivered' },
            state: 'delivered',
          });
        }
        return DONE;
      case 'rejected':
        await end(job, 'rejected', record);
        return DONE;
      case 'failed':
        await end(job, 'failed', record);
        return { kind: 'failed', reason: `gave up after ${attempt} attempts: ${describe(result)}` };
      default:
        if (started.record) await leads.update(job.leadId, { attempt: record });
        return { kind: 'retry', afterMs: result.retryAfterMs, reason: describe(result) };
    }
  };

  handler.onDeadLetter = async (job, reason) => {
    // The queue gives up on a job it could not run (a failed batch, a job that stalled): a route
    // another run of the same delivery delivered stays delivered.
    const route = (await leads.get(job.leadId))?.routes.find((r) => r.deliveryId === job.deliveryId);
    if (route && isDelivered(route.status)) {
      log?.info({ ...ids(job), reason }, 'the queue gave up on a delivery already delivered; left as it is');
      return;
    }
    metrics?.recordAttempt(job.partner, 'none', 'dead-lettered');
    log?.warn({ ...ids(job), reason }, 'delivery dead-lettered by the queue');
    await end(job, 'dead-lettered');
  };

  return handler;
}
