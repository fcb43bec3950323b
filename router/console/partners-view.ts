// The Partners page's data: cap usage for a page of partners. A page holds at most PAGE_ROWS
// window rows (so it stays far under 100 KB on a config with thousands of assignments); a partner
// shows its partner-wide caps and then its fullest assignments first, at most PARTNER_GROUPS of
// them unless the page is filtered to that one partner.

import type { CapCounter, CapUsage } from '../caps/types.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import { partnerCapGroups, type CapGroup } from './cap-rows.ts';
import type { PartnerView } from './pages/partners.tsx';

export const PAGE_ROWS = 150;
export const PARTNER_GROUPS = 40;

export interface PartnersPageData {
  partners: PartnerView[];
  /** Index of the first partner of the next page; null on the last. */
  next: number | null;
  /** Every partner id, for the filter. */
  all: string[];
  error?: string;
}

const fill = (usage: readonly CapUsage[]) => usage.reduce((m, u) => Math.max(m, u.limit > 0 ? u.used / u.limit : 1), 0);
const rowsOf = (g: { usage: readonly CapUsage[] }) => Math.max(1, g.usage.length);

export async function partnersPage(
  snapshot: Snapshot,
  opts: { prefix: string; now: Date; partner?: string; from?: number; usage(counters: readonly CapCounter[]): Promise<CapUsage[]> },
): Promise<PartnersPageData> {
  const everyone = partnerCapGroups(snapshot, opts.prefix, opts.now);
  const chosen = opts.partner ? everyone.filter((p) => p.partner === opts.partner) : everyone;
  let error: string | undefined;
  const usageOf = (g: CapGroup) => opts.usage(g.counters).catch((err: unknown) => {
    error = `Cap usage could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return [] as CapUsage[];
  });

  const partners: PartnerView[] = [];
  let rows = 0;
  let i = Math.max(0, Math.floor(opts.from ?? 0));
  for (; i < chosen.length && rows < PAGE_ROWS; i++) {
    const p = chosen[i];
    const groups = await Promise.all(p.groups.map(async (g) => ({
      scope: g.scope, priority: g.priority, active: g.active, schedule: g.schedule, usage: await usageOf(g),
    })));
    const [wide, assigned] = groups[0]?.scope === 'partner-wide' ? [groups.slice(0, 1), groups.slice(1)] : [[], groups];
    const fullest = assigned.map((g, k) => ({ g, k, f: fill(g.usage) })).sort((a, b) => b.f - a.f || a.k - b.k).map((x) => x.g);
    const room = opts.partner ? PAGE_ROWS : PARTNER_GROUPS;
    const shown = [...wide];
    let used = wide.reduce((n, g) => n + rowsOf(g), 0);
    for (const g of fullest) {
      if (shown.length - wide.length >= room || used >= PAGE_ROWS) break;
      shown.push(g);
      used += rowsOf(g);
    }
    partners.push({ ...p, groups: shown, hidden: groups.length - shown.length });
    rows += used;
  }
  return { partners, next: i < chosen.length ? i : null, all: everyone.map((p) => p.partner), ...(error ? { error } : {}) };
}
