// The admin side of dead letters (GET /v1/deliveries/failed, POST /v1/deliveries/{id}/retry, and
// `npm run deliveries`, which calls them). A re-send is the one thing that sends an ended route
// again, and it sells a lead once and within caps like routing does:
//   1. the delivery must be a dead letter with its lead on record;
//   2. on a first-match profile (and ping-post: one buyer), no other route of the profile may have
//      bought the lead or be on its way to it: else 409 ALREADY_SOLD, nothing changed;
//   3. its partner's caps are reserved again, under a fresh reservation id: 409 CAP_FULL when one
//      is full, nothing changed or sent;
//   4. the route is queued again (the lead pending), atomically with check 2 (reopenRoute), so two
//      re-sends at once cannot both sell the lead;
//   5. the queue runs the job again with its fresh attempts and the new reservation.
// A step that fails gives back what the earlier ones took.
// The list marks each dead letter retryable or not (with why), from the lead's record.

import type { CapStore } from '../caps/types.ts';
import { LeadrouteError } from '../errors.ts';
import { leadStateOf } from '../leads/state.ts';
import { ENDED_ROUTE_STATES, SELLING_ROUTE_STATES, type LeadStore } from '../leads/store.ts';
import type { LeadRecord, RouteRecord, RouteState } from '../leads/types.ts';
import type { Strategy } from '../config/types.ts';
import { reserveAgain, type ReserveAgain } from '../routing/route.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { DurableDeliveryQueue, FailedDelivery } from './queue.ts';
import type { DeliveryJob } from './types.ts';

/** A dead letter as listed: the queue's entry, and whether an admin may re-send it. */
interface ListedDeadLetter extends FailedDelivery {
  retryable: boolean;
  /** Why not, when not retryable: e.g. `sold to second (profile main)`. */
  notRetryableReason?: string;
}

export interface DeadLetterAdmin {
  listFailed(limit?: number): Promise<ListedDeadLetter[]>;
  /**
   * Re-send a dead letter. False when `deliveryId` is no dead letter; throws ALREADY_SOLD,
   * CAP_FULL, or LEAD_NOT_FOUND (its lead's record is gone: a sale cannot be checked).
   */
  retry(deliveryId: string): Promise<boolean>;
}

export interface DeadLetterAdminDeps {
  queue: Pick<DurableDeliveryQueue, 'listFailed' | 'deadLetter' | 'retry'>;
  leads: Pick<LeadStore, 'get' | 'reopenRoute' | 'update' | 'setState'>;
  caps: Pick<CapStore, 'release'>;
  /** Reserve the job's caps again under a fresh id (routing's reserveAgain on the served config). */
  reserve(job: DeliveryJob): Promise<ReserveAgain>;
  /** The profile's strategy in the served config, when the lead's trace does not say. */
  strategyOf?: (entity: string, profile: string) => Strategy | undefined;
}

/** Dead-letter admin on the served config: caps reserved like routing does. */
export function deadLetterAdminOn(
  deps: Omit<DeadLetterAdminDeps, 'reserve' | 'strategyOf' | 'caps'> & { caps: CapStore; getSnapshot(): Snapshot | undefined; capPrefix: string; newId: () => string },
): DeadLetterAdmin {
  return createDeadLetterAdmin({
    ...deps,
    async reserve(job) {
      const snapshot = deps.getSnapshot();
      if (!snapshot) throw new LeadrouteError('UNAVAILABLE', 'no configuration loaded yet: caps cannot be counted');
      return reserveAgain(snapshot, job, { caps: deps.caps, now: new Date(), capPrefix: deps.capPrefix, newId: deps.newId });
    },
    strategyOf: (entity, profile) => deps.getSnapshot()?.profile(entity, profile)?.profile.strategy,
  });
}

/**
 * Whether a profile sells a lead once: from the strategy recorded in the lead's trace (the one it
 * was routed under), else the profile's current one; first-match when neither says.
 */
function soleSale(record: LeadRecord, profile: string, strategyOf: DeadLetterAdminDeps['strategyOf']): boolean {
  const strategy = record.trace.find((t) => t.profile === profile)?.strategy ?? strategyOf?.(record.entity, profile);
  return strategy !== 'send-to-all';
}

/** Another route of the delivery's profile that bought the lead or is on its way to it. */
function sellingRoute(record: LeadRecord, deliveryId: string): RouteRecord | undefined {
  const mine = record.routes.find((r) => r.deliveryId === deliveryId);
  if (!mine) return undefined;
  return record.routes.find((r) => r !== mine && r.profile === mine.profile && SELLING_ROUTE_STATES.has(r.status));
}

const soldMessage = (by: RouteRecord) =>
  by.status === 'delivered' || by.status === 'test-delivered'
    ? `sold to ${by.partner} (profile ${by.profile})`
    : `being sent to ${by.partner} (profile ${by.profile}, ${by.status})`;

export function createDeadLetterAdmin(deps: DeadLetterAdminDeps): DeadLetterAdmin {
  const { queue, leads, caps } = deps;

  /** Why a dead letter cannot be re-sent now, or null when it can. */
  function blocker(d: Pick<FailedDelivery, 'deliveryId' | 'profile'>, record: LeadRecord | null): string | null {
    if (!record) return 'the lead record is gone (expired)';
    const route = record.routes.find((r) => r.deliveryId === d.deliveryId);
    if (!route) return 'the lead record does not show this delivery';
    if (!ENDED_ROUTE_STATES.has(route.status)) return `the delivery is ${route.status}`;
    if (!soleSale(record, d.profile, deps.strategyOf)) return null;
    const by = sellingRoute(record, d.deliveryId);
    return by ? soldMessage(by) : null;
  }

  /** Put the route back as it was after a failed re-send, and the lead's state with it. */
  async function reopenUndone(leadId: string, deliveryId: string, previous: RouteState) {
    await leads.update(leadId, { route: { deliveryId, status: previous } });
    const record = await leads.get(leadId);
    const state = record && leadStateOf(record.routes);
    if (record && state && state !== record.state) await leads.setState(leadId, state);
  }

  return {
    async listFailed(limit) {
      const failed = await queue.listFailed(limit);
      const records = new Map<string, Promise<LeadRecord | null>>();
      const recordOf = (leadId: string) => {
        let r = records.get(leadId);
        if (!r) records.set(leadId, (r = leads.get(leadId)));
        return r;
      };
      return Promise.all(failed.map(async (d): Promise<ListedDeadLetter> => {
        const why = blocker(d, await recordOf(d.leadId));
        return why === null ? { ...d, retryable: true } : { ...d, retryable: false, notRetryableReason: why };
      }));
    },

    async retry(deliveryId) {
      const job = await queue.deadLetter(deliveryId);
      if (!job) return false;
      const record = await leads.get(job.leadId);
      const details = { deliveryId, leadId: job.leadId, partner: job.partner, profile: job.profile };
      if (!record) {
        throw new LeadrouteError('LEAD_NOT_FOUND', `the record of lead '${job.leadId}' is gone (expired): delivery '${deliveryId}' cannot be re-sent safely`, details);
      }
      const sole = soleSale(record, job.profile, deps.strategyOf);
      const seller = sole ? sellingRoute(record, deliveryId) : undefined;
      if (seller) throw alreadySold(seller, details);

      let resend: DeliveryJob = job;
      if (!job.test) {
        const reserved = await deps.reserve(job);
        if (!reserved.ok) {
          throw new LeadrouteError('CAP_FULL', `${job.partner} has no room left in its caps (${reserved.blocked.label}: ${reserved.blocked.used} of ${reserved.blocked.limit}): delivery '${deliveryId}' was not re-sent`, { ...details, cap: reserved.blocked });
        }
        resend = { ...job, reservationId: reserved.reservationId };
      }
      const giveBack = async () => {
        if (resend.reservationId && resend.reservationId !== job.reservationId) await caps.release(resend.reservationId, job.partner);
      };

      let reopened;
      try {
        reopened = await leads.reopenRoute(job.leadId, deliveryId, { soleSale: sole });
      } catch (err) {
        await giveBack();
        throw err;
      }
      if (reopened.outcome !== 'reopened') {
        await giveBack();
        if (reopened.outcome === 'sold') throw alreadySold(reopened.by, details);
        if (reopened.outcome === 'not-ended') return false; // re-sent by someone else meanwhile
        throw new LeadrouteError('LEAD_NOT_FOUND', `the record of lead '${job.leadId}' does not show delivery '${deliveryId}': it cannot be re-sent safely`, details);
      }

      let queued = false;
      try {
        queued = await queue.retry(deliveryId, resend);
      } finally {
        if (!queued) {
          await giveBack();
          await reopenUndone(job.leadId, deliveryId, reopened.previous);
        }
      }
      return queued;
    },
  };
}

function alreadySold(by: RouteRecord, details: Record<string, string>): LeadrouteError {
  return new LeadrouteError('ALREADY_SOLD', `the lead was ${soldMessage(by)}: delivery '${details.deliveryId}' was not re-sent`, { ...details, soldTo: by.partner });
}
