import type { Strategy } from '../config/types.ts';
import type { CompiledAssignment } from './snapshot.ts';
import type { RankedBid } from './auction.ts';
import type { RuleFailure } from '../rules/types.ts';

/** Why a partner inside a matched profile was taken or skipped. */
export interface PartnerTrace {
  partner: string;
  priority: number;
  outcome: 'selected' | 'eligible' | 'skipped';
  /** Set when skipped (or eligible but not chosen under first-match). */
  reason?: 'inactive' | 'partner-inactive' | 'closed' | 'rules' | 'cap' | 'budget' | 'duplicate' | 'not-chosen' | 'excluded'
    // ping-post: no ping settings; answered no bid; bid below the floor; a higher bid won.
    | 'no-ping' | 'no-bid' | 'below-min' | 'outbid';
  failed?: RuleFailure;
  /**
   * The full cap (reason `cap`), the budget the lead's price would pass (`budget`: in price units),
   * or the duplicate check that matched (`duplicate`: label `email within 30d`).
   */
  cap?: { label: string; limit: number; used: number };
  /** What the lead would have cost (reason `budget`). */
  price?: number;
  /** Closed by its schedule: when it opens next (ISO), and the same in its local words; null: never. */
  opensAt?: string | null;
  opens?: string | null;
  /** ping-post: the partner's bid, or why it has none. */
  bid?: number;
  noBid?: string;
  /** ping-post: the floor a bid below it missed. */
  minBid?: number;
  /** One line of English; the same wording everywhere (HTTP explain, CLI, test:routing). */
  message: string;
}

/** Why a profile was taken or skipped. */
export interface ProfileTrace {
  profile: string;
  name: string;
  strategy: Strategy;
  outcome: 'matched' | 'skipped';
  reason?: 'disabled' | 'rules';
  failed?: RuleFailure;
  partners: PartnerTrace[];
  /** ping-post: how the auction ended ("won by acme at 12.5", "no bids", "all bids below 5"). */
  auction?: string;
  message: string;
}

export interface Route {
  profile: string;
  partner: string;
  priority: number;
  price?: number;
  /** Unique id of this delivery (a ULID); stable across retries. */
  deliveryId: string;
  /** Cap reservation taken for this route; equals deliveryId. Absent for test leads and dry runs. */
  reservationId?: string;
  /** When the reservation's lease runs out (epoch ms, the cap store's clock), unless confirmed. */
  leaseUntil?: number;
  /** ping-post: every bid that may still win, best first (the winner's included), for the waterfall. */
  bids?: RankedBid[];
}

/** A ping-post profile whose partners are to be pinged: routing decided who, the intake pings. */
export interface PendingAuction {
  profile: string;
  /** Eligible partners with ping settings and room in their caps, in the profile's order. */
  candidates: { ca: CompiledAssignment; trace: PartnerTrace }[];
  /** The lead, for the duplicate checks taken with the winner's caps. */
  lead: Readonly<Record<string, unknown>>;
}

export interface Decision {
  entity: string;
  status: 'routed' | 'unmatched';
  routes: Route[];
  trace: ProfileTrace[];
  /** ping-post profiles that matched: their auctions run before the routes are final. */
  auctions?: PendingAuction[];
}
