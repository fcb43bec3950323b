// What the delivery side reads from the config being served: a job's delivery settings, and the
// BullMQ key prefix for a router's Redis prefix. Used by the delivery wiring (wiring.ts), which the
// main thread and the delivery thread both build, so both resolve a job the same way.

import type { Snapshot } from '../routing/snapshot.ts';
import { DEFAULT_ATTEMPTS } from './queue.ts';
import type { DeliveryJob } from './types.ts';
import type { ResolvedDelivery } from './worker.ts';

/** The delivery settings of a job's partner in `snapshot`; null when it has none. */
export function resolveDelivery(snapshot: Snapshot | undefined, job: DeliveryJob): ResolvedDelivery | null {
  if (!snapshot) return null;
  const ca = snapshot.profile(job.entity, job.profile)?.assignments.find((a) => a.partner.id === job.partner);
  // A profile edited away after the lead was accepted: the partner's own delivery still applies.
  const delivery = ca?.delivery ?? snapshot.config.partners.get(job.partner)?.delivery;
  if (!delivery) return null;
  return { delivery, attempts: delivery.attempts ?? DEFAULT_ATTEMPTS };
}

/** The BullMQ prefix for a router's Redis key prefix: one hash tag, e.g. `leadroute:` -> `{leadroute}`. */
export function queuePrefixFor(redisPrefix: string): string {
  return `{${redisPrefix.replace(/:+$/, '') || 'leadroute'}}`;
}
