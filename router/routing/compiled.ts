// The compiled form of a profile and its assignments (snapshot.ts builds them). Apart from the
// snapshot so that the profile index can take them without importing the snapshot that holds it.
import type { Assignment, Partner, PingSettings, Profile, Delivery } from '../config/types.ts';
import type { Auction } from './auction.ts';
import type { CompiledRules } from '../rules/types.ts';
import type { CapCounter } from '../caps/types.ts';
import type { Schedule } from '../schedule/parse.ts';
import type { AssignmentDedupe } from '../dedupe/counters.ts';

export interface CompiledAssignment {
  assignment: Assignment;
  partner: Partner;
  rules: CompiledRules;
  /** Assignment override, else the partner's delivery, with `${ENV}` references resolved. */
  delivery: Delivery;
  /** Calendar caps run in the partner's timezone, else the entity's, else UTC. */
  timezone: string;
  /** Position in the profile file, for traces (`partners[2]`). */
  position: number;
  /** The partner's schedule, then the assignment's: the partner takes leads when all are open. */
  schedules: readonly Schedule[];
  /** Share among equal priorities (first-match), default 1. */
  weight: number;
  /** Duplicate checks: the partner's (across profiles), then the assignment's (this profile). */
  dedupe: readonly AssignmentDedupe[];
  /** ping-post: the assignment's ping settings, else the partner's (`${ENV}` resolved when sent). */
  ping?: PingSettings;
  /**
   * A cache, not config: the assignment's cap counters for the current windows, made by routing
   * the first time a lead reaches this assignment (route.ts countersFor).
   */
  countersAt: ((prefix: string, now: Date) => readonly CapCounter[]) | undefined;
}

export interface CompiledProfile {
  profile: Profile;
  /** Position among the entity's profiles, so candidate lists keep file order. */
  order: number;
  rules: CompiledRules;
  /** Highest priority first; equal priorities keep file order. */
  assignments: readonly CompiledAssignment[];
  /** ping-post profiles: the auction with its defaults applied. */
  auction?: Auction;
  /** Whether an assignment has a duplicate check (the snapshot asks once per reload, not per assignment). */
  usesDedupe: boolean;
  /** Environment variables its deliveries and its assignments' pings name that are not set (a kept profile's, without resolving again). */
  missingEnv: readonly string[];
}
