// Pure: the cap windows the Partners page shows, from a snapshot. For each partner, its
// partner-wide caps, then each assignment's own caps, as the counters routing counts in
// (router/caps/windows.ts), so `CapStore.usage` reads exactly the keys routing uses.

import { capCounters } from '../caps/windows.ts';
import type { CapCounter } from '../caps/types.ts';
import type { Caps } from '../config/types.ts';
import { assignmentCapScope } from '../routing/cap-scope.ts';
import type { Snapshot } from '../routing/snapshot.ts';

export interface CapGroup {
  /** `partner-wide` or `<entity>/<profile>`. */
  scope: string;
  priority?: number;
  active: boolean;
  counters: CapCounter[];
}

export interface PartnerCaps {
  partner: string;
  name: string;
  active: boolean;
  timezone: string;
  groups: CapGroup[];
}

export function partnerCapGroups(snapshot: Snapshot, prefix: string, now: Date): PartnerCaps[] {
  const out: PartnerCaps[] = [];
  const config = snapshot.config;
  for (const partner of config.partners.values()) {
    const assignments: { entity: string; profile: string; enabled: boolean; priority: number; active: boolean; caps?: Caps; timezone: string; cp: { entity: string; id: string } }[] = [];
    for (const entity of config.entities.values()) {
      for (const cp of snapshot.entity(entity.id)?.profiles ?? []) {
        for (const ca of cp.assignments) {
          if (ca.partner.id !== partner.id) continue;
          assignments.push({
            entity: entity.id, profile: cp.profile.id, enabled: cp.profile.enabled, priority: ca.assignment.priority,
            active: ca.assignment.active && cp.profile.enabled, caps: ca.assignment.caps, timezone: ca.timezone, cp: cp.profile,
          });
        }
      }
    }
    // Partner-wide caps run in the partner's zone (else the first entity's that uses it, as routing does).
    const timezone = partner.timezone ?? assignments[0]?.timezone ?? 'UTC';
    const groups: CapGroup[] = [];
    if (partner.caps) {
      groups.push({
        scope: 'partner-wide', active: partner.active,
        counters: capCounters({ prefix, partner: partner.id, scope: 'partner', caps: partner.caps, timezone, now }),
      });
    }
    for (const a of assignments) {
      groups.push({
        scope: `${a.entity}/${a.profile}`, priority: a.priority, active: a.active,
        counters: a.caps ? capCounters({ prefix, partner: partner.id, scope: assignmentCapScope(a.cp), caps: a.caps, timezone: a.timezone, now }) : [],
      });
    }
    out.push({ partner: partner.id, name: partner.name, active: partner.active, timezone, groups });
  }
  return out.sort((a, b) => a.partner.localeCompare(b.partner));
}
