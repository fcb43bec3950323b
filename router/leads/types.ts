import type { PartnerBid } from '../routing/auction.ts';
import type { ProfileTrace } from '../routing/types.ts';

export type RouteState = 'queued' | 'delivering' | 'delivered' | 'rejected' | 'failed' | 'dead-lettered' | 'test-delivered' | 'returned';

/** A delivered lead the partner sent back (POST /v1/leads/{id}/returns). */
export interface RouteReturn {
  /** ISO time of the return. */
  at: string;
  reason: string;
  /** Whether the partner's cap slot (and budget) was given back. */
  refilled: boolean;
}

export interface RouteRecord {
  profile: string;
  partner: string;
  deliveryId: string;
  status: RouteState;
  price?: number;
  /** Set when the partner returned the lead (status `returned`). */
  returned?: RouteReturn;
}

export interface AttemptRecord {
  deliveryId: string;
  profile: string;
  partner: string;
  channel: 'webhook' | 'email';
  attempt: number;
  at: string;         // ISO time the attempt started
  durationMs: number;
  outcome: 'accepted' | 'rejected' | 'retryable';
  statusCode?: number; // HTTP status
  smtpReply?: string;  // SMTP server reply
  error?: string;
}

/** The lead's final state: delivered (by at least one route), rejected by all, dead-lettered; pending while deliveries run; unmatched when nothing routed it. */
export type LeadState = 'pending' | 'delivered' | 'rejected' | 'dead-lettered' | 'unmatched';

export interface LeadRecord {
  leadId: string;
  entity: string;
  /** The lead source that posted it (its name in LEAD_API_KEYS; `admin`, `loopback`); only it and the admin read the record. Absent on records stored before sources were recorded. */
  source?: string;
  receivedAt: string;
  test: boolean;
  status: 'routed' | 'unmatched';
  state: LeadState;
  routes: RouteRecord[];
  attempts: AttemptRecord[];
  trace: ProfileTrace[];
  /** ping-post: the ping the lead was sold on, and every answer of each profile's auction. */
  pingId?: string;
  auctions?: AuctionRecord[];
}

/** One ping-post profile's auction for a lead: how it ended, and each partner's bid or why none. */
export interface AuctionRecord {
  profile: string;
  outcome: string;
  bids: PartnerBid[];
}
