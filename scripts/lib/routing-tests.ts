// Runs RoutingTest cases through the router's own core: the snapshot compiled from the one loader,
// routeLead in 'live' mode against a fresh in-memory cap store per case (nothing is delivered).
import { createMemoryCapStore } from '../../router/caps/memory.ts';
import type { CapCounter, CapStore } from '../../router/caps/types.ts';
import { capCounters } from '../../router/caps/windows.ts';
import { assignmentCapScope } from '../../router/routing/cap-scope.ts';
import { turnKey } from '../../router/routing/route.ts';
import { dedupeCounters } from '../../router/dedupe/counters.ts';
import { budgetCountersMemo, toCents } from '../../router/caps/budget.ts';
import type { Budget, Caps, Config, RoutingTest, RoutingTestCase, SourceDoc, SourcePos } from '../../router/config/types.ts';
import { checkLead, definedFields } from '../../router/leads/check-lead.ts';
import { routeWithAuctions, settleAuctions, simulatedBids } from '../../router/routing/ping-post.ts';
import type { CompiledEntity, Snapshot } from '../../router/routing/snapshot.ts';
import type { Decision, ProfileTrace } from '../../router/routing/types.ts';

export interface RouteRef {
  profile: string;
  partner: string;
}

export type CaseResult = {
  file: string;
  /** The suite's name, else its entity. */
  suite: string;
  entity: string;
  name: string;
  /** Position of the case in its file (the `- name:` line). */
  at: SourcePos;
} & (
  | { status: 'pass'; actual: RouteRef[] }
  | { status: 'fail'; expected: 'unmatched' | RouteRef[]; actual: RouteRef[]; decision: Decision }
  /** The case could not run as written (invalid lead, unknown partner in caps, bad clock). */
  | { status: 'error'; errors: string[] }
);

const CAP_PREFIX = 'routing-test:';

/** Runs every case of every RoutingTest document, in file order. */
export async function runRoutingTests(snapshot: Snapshot, opts: { now?: () => Date } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const doc of snapshot.config.routingTests) {
    for (let i = 0; i < doc.value.cases.length; i++) {
      results.push(await runCase(snapshot, doc, i, opts.now ?? (() => new Date())));
    }
  }
  return results;
}

async function runCase(snapshot: Snapshot, doc: SourceDoc<RoutingTest>, i: number, now: () => Date): Promise<CaseResult> {
  const t = doc.value;
  const c = t.cases[i];
  const base = { file: doc.file, suite: t.name ?? t.entity, entity: t.entity, name: c.name, at: doc.pos(['cases', i]) };
  const ce = snapshot.entity(t.entity);
  if (!ce) return { ...base, status: 'error', errors: [`unknown entity '${t.entity}'`] };

  const clock = c.at !== undefined ? new Date(c.at) : now();
  if (!Number.isFinite(clock.getTime())) return { ...base, status: 'error', errors: [`at: '${c.at}' is not a date and time`] };

  const fieldErrors = checkLead(ce.entity, c.lead);
  if (fieldErrors.length) {
    return {
      ...base,
      status: 'error',
      errors: [`the lead is not a valid ${t.entity} lead (the router would answer 422):`, ...fieldErrors.map((e) => `  ${e.message}`)],
    };
  }
  // The router drops fields its entity does not define; in a test that is almost always a typo.
  const { dropped } = definedFields(ce.entity, c.lead);
  if (dropped.length) {
    return {
      ...base,
      status: 'error',
      errors: dropped.map((f) => `${f} is not a field of this entity (the router would drop it): a typo?`),
    };
  }

  // The store's clock is the case's clock, or seeded counters of a past `at` would look expired.
  const caps = createMemoryCapStore({ now: () => clock.getTime() });
  try {
    const seedErrors = await seedCaps(caps, snapshot.config, ce, c, clock);
    for (const partner of Object.keys(c.bids ?? {})) if (!snapshot.config.partners.has(partner)) seedErrors.push(`bids: unknown partner '${partner}'`);
    if (seedErrors.length) return { ...base, status: 'error', errors: seedErrors };
    await seedTurns(caps, ce, c.turn ?? 0);
    const soldErrors = [...await seedSold(caps, snapshot, ce, c, clock), ...await seedSpent(caps, snapshot.config, ce, c, clock)];
    if (soldErrors.length) return { ...base, status: 'error', errors: soldErrors };
    let n = 0;
    const route = async (mode: 'live' | 'dry-run') => {
      const opts = { caps, now: clock, mode, capPrefix: CAP_PREFIX, newId: () => `case-${i}-${++n}` };
      const decision = await routeWithAuctions(snapshot, t.entity, c.lead, opts);
      // ping-post: the case's `bids` stand in for the partners' answers (no network in tests).
      if (decision.auctions?.length) await settleAuctions(snapshot, decision, simulatedBids(decision, c.bids ?? {}), opts);
      return decision;
    };
    const decision = await route('live');
    const actual = decision.routes.map((r) => ({ profile: r.profile, partner: r.partner }));
    if (sameRoutes(c.expect, actual)) return { ...base, status: 'pass', actual };
    // Live routing only traces the profiles the index offers, and not which condition failed; a
    // dry run over the (unchanged) store says why each profile was skipped.
    const full = await route('dry-run');
    return { ...base, status: 'fail', expected: expectedRoutes(c.expect), actual, decision: { ...decision, trace: mergeTraces(decision.trace, full.trace) } };
  } finally {
    await caps.close();
  }
}

/** Advance every rotation of the entity's profiles to `turn` (a fresh store starts each at 0). */
async function seedTurns(caps: CapStore, ce: CompiledEntity, turn: number): Promise<void> {
  for (const cp of ce.profiles) {
    for (const priority of new Set(cp.assignments.map((ca) => ca.assignment.priority))) {
      for (let k = 0; k < turn; k++) await caps.nextTurn(turnKey(ce.entity.id, cp.profile.id, priority));
    }
  }
}

/** `sold`: the duplicate-check counters each earlier lead took at its partner, in every profile. */
async function seedSold(caps: CapStore, snapshot: Snapshot, ce: CompiledEntity, c: RoutingTestCase, now: Date): Promise<string[]> {
  const errors: string[] = [];
  for (const [partnerId, leads] of Object.entries(c.sold ?? {})) {
    const assignments = ce.profiles.flatMap((cp) => cp.assignments.filter((ca) => ca.partner.id === partnerId));
    if (!snapshot.config.partners.has(partnerId)) errors.push(`sold: unknown partner '${partnerId}'`);
    else if (!assignments.some((ca) => ca.dedupe.length)) errors.push(`sold: partner '${partnerId}' has no duplicate check (dedupe) in this entity's profiles`);
    for (const ca of assignments) {
      for (const lead of leads) {
        const counters = dedupeCounters(ca.dedupe, partnerId, { prefix: CAP_PREFIX, key: snapshot.dedupeKey, now: now.getTime() }, lead);
        for (const counter of counters) await caps.set(counter, 1);
      }
    }
  }
  return errors;
}

/** `spent: { acme: { day: 480 } }`: every budget counter of that window (partner-wide and per profile) starts at that spend. */
async function seedSpent(store: CapStore, config: Config, ce: CompiledEntity, c: RoutingTestCase, now: Date): Promise<string[]> {
  const errors: string[] = [];
  for (const [partnerId, windows] of Object.entries(c.spent ?? {})) {
    const partner = config.partners.get(partnerId);
    if (!partner) {
      errors.push(`spent: unknown partner '${partnerId}'`);
      continue;
    }
    for (const [window, value] of Object.entries(windows)) {
      const budgets: { scope: string; budget: Budget | undefined; timezone: string }[] = [
        { scope: 'partner', budget: partner.budget, timezone: partner.timezone ?? ce.entity.timezone ?? 'UTC' },
        ...ce.profiles.flatMap((cp) => cp.assignments.filter((ca) => ca.partner.id === partnerId)
          .map((ca) => ({ scope: assignmentCapScope(cp.profile), budget: ca.assignment.budget, timezone: ca.timezone }))),
      ];
      const counters = budgets.flatMap(({ scope, budget, timezone }) => {
        const limit = budget?.[window as keyof Budget];
        return typeof limit === 'number' ? budgetCountersMemo({ partner: partnerId, timezone, scope, budget: { [window]: limit }, price: 1 })(CAP_PREFIX, now) : [];
      });
      if (!counters.length) errors.push(`spent.${partnerId}.${window}: ${partnerId} has no ${window} budget for ${ce.entity.id} leads, so this spend would change nothing`);
      for (const counter of counters) await store.set(counter, toCents(value));
    }
  }
  return errors;
}

function expectedRoutes(expect: RoutingTestCase['expect']): 'unmatched' | RouteRef[] {
  return expect === 'unmatched' ? 'unmatched' : expect.map((r) => ({ profile: r.profile, partner: r.partner }));
}

/** Expected routes must come in the order the router produces them (profile file order, then priority). */
export function sameRoutes(expect: RoutingTestCase['expect'], actual: readonly RouteRef[]): boolean {
  if (expect === 'unmatched') return actual.length === 0;
  return expect.length === actual.length && expect.every((r, k) => r.profile === actual[k].profile && r.partner === actual[k].partner);
}

/**
 * The live trace, with the dry run's entry for every profile live routing did not look at, and
 * for every profile it skipped by rules (live routing does not say which condition failed).
 */
export function mergeTraces(live: readonly ProfileTrace[], full: readonly ProfileTrace[]): ProfileTrace[] {
  const seen = new Map(live.filter((p) => p.reason !== 'rules' || p.failed).map((p) => [p.profile, p]));
  const out = full.map((p) => seen.get(p.profile) ?? p);
  for (const p of live) if (!full.some((f) => f.profile === p.profile)) out.push(p);
  return out;
}

/** The caps of one window only (`day`, `every:36h`), or null when `caps` has none for it. */
function capsForWindow(caps: Caps | undefined, window: string): Caps | null {
  if (!caps) return null;
  if (window.startsWith('every:')) {
    const every = window.slice('every:'.length);
    const custom = (caps.custom ?? []).filter((c) => c.every === every);
    return custom.length ? { custom } : null;
  }
  const limit = (caps as Record<string, unknown>)[window];
  return typeof limit === 'number' ? { [window]: limit } : null;
}

/**
 * Starting usage `caps: { acme: { day: 50 } }` means "acme has taken 50 leads today": every day
 * counter of acme is set to 50, its partner-wide cap and each of its assignments' caps in this
 * entity's profiles, so a full cap is simulated at whichever level it is configured.
 * The counters are the ones routeLead computes (router/routing/route.ts `countersFor`).
 */
async function seedCaps(
  store: CapStore,
  config: Config,
  ce: CompiledEntity,
  c: RoutingTestCase,
  now: Date,
): Promise<string[]> {
  const errors: string[] = [];
  for (const [partnerId, windows] of Object.entries(c.caps ?? {})) {
    const partner = config.partners.get(partnerId);
    if (!partner) {
      errors.push(`caps: unknown partner '${partnerId}'`);
      continue;
    }
    for (const [window, value] of Object.entries(windows)) {
      const counters: CapCounter[] = [];
      const common = { prefix: CAP_PREFIX, partner: partnerId, now };
      const own = capsForWindow(partner.caps, window);
      if (own) {
        const timezone = partner.timezone ?? ce.entity.timezone ?? 'UTC';
        counters.push(...capCounters({ ...common, scope: 'partner', caps: own, timezone }));
      }
      for (const cp of ce.profiles) {
        for (const ca of cp.assignments) {
          const caps = ca.partner.id === partnerId ? capsForWindow(ca.assignment.caps, window) : null;
          if (caps) {
            counters.push(...capCounters({ ...common, scope: assignmentCapScope(cp.profile), caps, timezone: ca.timezone }));
          }
        }
      }
      if (!counters.length) {
        errors.push(`caps.${partnerId}.${window}: ${partnerId} has no ${window} cap for ${ce.entity.id} leads, so this usage would change nothing`);
      }
      for (const counter of counters) await store.set(counter, value);
    }
  }
  return errors;
}
