import type { Strategy } from '../config/types.ts';
import type { RuleFailure } from '../rules/types.ts';

/** Why a partner inside a matched profile was taken or skipped. */
export interface PartnerTrace {
  partner: string;
  priority: number;
  outcome: 'selected' | 'eligible' | 'skipped';
  /** Set when skipped (or eligible but not chosen under first-match). */
  reason?: 'inactive' | 'partner-inactive' | 'closed' | 'rules' | 'cap' | 'budget' | 'duplicate' | 'not-chosen' | 'excluded';
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
}

export interface Decision {
  entity: string;
  status: 'routed' | 'unmatched';
  routes: Route[];
  trace: ProfileTrace[];
}
