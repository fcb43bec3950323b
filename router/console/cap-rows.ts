// Pure: the cap windows the Partners page shows, from a snapshot. For each partner, its
// partner-wide caps, then each assignment's own caps, as the counters routing counts in
// (router/caps/windows.ts), so `CapStore.usage` reads exactly the keys routing uses.

import { capCounters } from '../caps/windows.ts';
import { budgetCountersMemo } from '../caps/budget.ts';
import type { CapCounter } from '../caps/types.ts';
import type { Budget, Caps } from '../config/types.ts';
import { assignmentCapScope } from '../routing/cap-scope.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import { combinedState, formatOpening } from '../schedule/open.ts';
import { parseSchedule, type Schedule } from '../schedule/parse.ts';

/** Budget windows as the counters routing reserves spend in (amounts in hundredths). */
function budgetCounters(prefix: string, partner: string, scope: string, budget: Budget | undefined, timezone: string, now: Date): CapCounter[] {
  return budget ? [...budgetCountersMemo({ partner, timezone, scope, budget, price: 0 })(prefix, now)] : [];
}

/** `open now`, `closed until Mon 08:00 America/New_York`, or undefined for no schedule. */
function scheduleNow(schedules: readonly Schedule[], timezone: string, now: Date): string | undefined {
  if (!schedules.length) return undefined;
  const st = combinedState(schedules, timezone, now.getTime());
  if (st.open) return 'open now';
  return st.until === null ? 'closed (never opens)' : `closed until ${formatOpening(st.until, timezone, now.getTime())}`;
}

export interface CapGroup {
  /** `partner-wide` or `<entity>/<profile>`. */
  scope: string;
  priority?: number;
  active: boolean;
  /** Its schedule (the partner's and the assignment's together) now; undefined: always open. */
  schedule?: string;
  counters: CapCounter[];
}

export interface PartnerCaps {
  partner: string;
  name: string;
  active: boolean;
  timezone: string;
  /** The partner's own schedule now; undefined: none. */
  schedule?: string;
  groups: CapGroup[];
}

export function partnerCapGroups(snapshot: Snapshot, prefix: string, now: Date): PartnerCaps[] {
  const out: PartnerCaps[] = [];
  const config = snapshot.config;
  for (const partner of config.partners.values()) {
    const assignments: { entity: string; profile: string; enabled: boolean; priority: number; active: boolean; caps?: Caps; budget?: Budget; timezone: string; cp: { entity: string; id: string }; schedules: readonly Schedule[] }[] = [];
    for (const entity of config.entities.values()) {
      for (const cp of snapshot.entity(entity.id)?.profiles ?? []) {
        for (const ca of cp.assignments) {
          if (ca.partner.id !== partner.id) continue;
          assignments.push({
            entity: entity.id, profile: cp.profile.id, enabled: cp.profile.enabled, priority: ca.assignment.priority,
            active: ca.assignment.active && cp.profile.enabled, caps: ca.assignment.caps, budget: ca.assignment.budget, timezone: ca.timezone, cp: cp.profile,
            schedules: ca.schedules,
          });
        }
      }
    }
    // Partner-wide caps run in the partner's zone (else the first entity's that uses it, as routing does).
    const timezone = partner.timezone ?? assignments[0]?.timezone ?? 'UTC';
    const groups: CapGroup[] = [];
    if (partner.caps || partner.budget) {
      groups.push({
        scope: 'partner-wide', active: partner.active,
        counters: [
          ...(partner.caps ? capCounters({ prefix, partner: partner.id, scope: 'partner', caps: partner.caps, timezone, now }) : []),
          ...budgetCounters(prefix, partner.id, 'partner', partner.budget, timezone, now),
        ],
      });
    }
    for (const a of assignments) {
      groups.push({
        scope: `${a.entity}/${a.profile}`, priority: a.priority, active: a.active, schedule: scheduleNow(a.schedules, a.timezone, now),
        counters: [
          ...(a.caps ? capCounters({ prefix, partner: partner.id, scope: assignmentCapScope(a.cp), caps: a.caps, timezone: a.timezone, now }) : []),
          ...budgetCounters(prefix, partner.id, assignmentCapScope(a.cp), a.budget, a.timezone, now),
        ],
      });
    }
    const own = partner.schedule ? scheduleNow([parseSchedule(partner.schedule).schedule], timezone, now) : undefined;
    out.push({ partner: partner.id, name: partner.name, active: partner.active, timezone, schedule: own, groups });
  }
  return out.sort((a, b) => a.partner.localeCompare(b.partner));
}
