// The delivery job: what routing decides (one lead to one partner through one profile) and the
// delivery side carries out. Its own module so that routing, intake and delivery all use it
// without routing depending on delivery.
import type { RankedBid } from './routing/auction.ts';

/** One lead going to one partner through one profile. Retries keep the same deliveryId. */
export interface DeliveryJob {
  deliveryId: string;
  leadId: string;
  entity: string;
  profile: string;
  partner: string;
  priority: number;
  price?: number;
  reservationId?: string;
  test: boolean;
  receivedAt: string;
  /** The lead's fields, encrypted ones included (they are delivered, never logged). */
  lead: Record<string, unknown>;
  /**
   * Dotted paths of `lead` holding sealed (encrypted) values: set when the job went into a Redis
   * queue with FIELD_ENCRYPTION_KEY (router/delivery/sealed.ts); the channel opens them.
   */
  sealed?: string[];
  /** Partners of this profile already tried (for the waterfall). */
  tried: string[];
  /** ping-post: the ping the lead was sold on. */
  pingId?: string;
  /** ping-post: every bid that may still win, best first; the waterfall offers the lead down this list. */
  bids?: RankedBid[];
}

/** ping-post: the bid id of the job's partner, for the delivered body. */
export function bidIdOf(job: Pick<DeliveryJob, 'bids' | 'partner'>): string | undefined {
  return job.bids?.find((b) => b.partner === job.partner)?.bidId;
}
