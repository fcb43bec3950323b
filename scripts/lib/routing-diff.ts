// The core of `npm run diff:routing`: route one corpus of leads through two snapshots (dry runs,
// one fixed clock) and report the leads whose routes change. Comparing and rendering are pure.
import { createMemoryCapStore } from '../../router/caps/memory.ts';
import type { Config } from '../../router/config/types.ts';
import { checkLead } from '../../router/leads/check-lead.ts';
import { formatRoutes } from '../../router/lint/format-trace.ts';
import type { SampleLead } from '../../router/lint/samples.ts';
import { routeLead } from '../../router/routing/route.ts';
import type { Snapshot } from '../../router/routing/snapshot.ts';
import type { Decision } from '../../router/routing/types.ts';
import type { RouteRef } from './routing-tests.ts';

/** What one revision does with one lead. */
export type Outcome =
  | { kind: 'routed' | 'unmatched'; routes: RouteRef[]; decision: Decision }
  /** The router would answer 422. */
  | { kind: 'invalid'; routes: []; errors: string[] }
  | { kind: 'no-entity'; routes: [] };

interface LeadChange {
  lead: SampleLead;
  /** `state=NY, zip=10001`: a few non-encrypted scalar fields. */
  keyFields: string;
  before: Outcome;
  after: Outcome;
  /** Trace messages of the head side about the routes that changed. */
  why: string[];
}

/** A lead neither revision could route (no such entity, or refused): it was not compared. */
interface UnroutedLead {
  lead: SampleLead;
  /** No such entity at both revisions, refused at both, or one of each. */
  kind: 'no-entity' | 'invalid' | 'mixed';
  keyFields: string;
  why: string;
}

export interface RoutingDiff {
  total: number;
  changes: LeadChange[];
  /** Leads routed on neither side, shown apart: "route as before" would say nothing true of them. */
  unrouted: UnroutedLead[];
}

/** One list of leads, each lead once (same entity and same fields); the first label wins. */
export function buildCorpus(...lists: readonly (readonly SampleLead[])[]): SampleLead[] {
  const seen = new Set<string>();
  const out: SampleLead[] = [];
  for (const list of lists) {
    for (const s of list) {
      const key = `${s.entity}\u0000${stableJson(s.lead)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(s);
    }
  }
  return out;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Routes every lead through `snapshot` as a dry run at `now`: no caps, nothing sent. */
export async function routeCorpus(snapshot: Snapshot, corpus: readonly SampleLead[], now: Date): Promise<Outcome[]> {
  const caps = createMemoryCapStore({ now: () => now.getTime() });
  let n = 0;
  const out: Outcome[] = [];
  for (const s of corpus) {
    const ce = snapshot.entity(s.entity);
    if (!ce) {
      out.push({ kind: 'no-entity', routes: [] });
      continue;
    }
    const errors = checkLead(ce.entity, s.lead);
    if (errors.length) {
      out.push({ kind: 'invalid', routes: [], errors: errors.map((e) => e.message) });
      continue;
    }
    const decision = await routeLead(snapshot, s.entity, s.lead, { caps, now, mode: 'dry-run', capPrefix: 'diff:', newId: () => `d${++n}` });
    out.push({ kind: decision.status, routes: decision.routes.map((r) => ({ profile: r.profile, partner: r.partner })), decision });
  }
  await caps.close();
  return out;
}

const key = (r: RouteRef) => `${r.profile}/${r.partner}`;

/** Same outcome: same kind and the same set of routes (the order of routes is not a change). */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind !== b.kind) return false;
  const ka = a.routes.map(key).sort();
  const kb = b.routes.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * Pure: which leads change, with key fields and the head trace's words for each route that went
 * or came. `encrypted(entity)` names the dotted paths never to show.
 */
export function diffOutcomes(
  corpus: readonly SampleLead[],
  before: readonly Outcome[],
  after: readonly Outcome[],
  encrypted: (entity: string) => ReadonlySet<string>,
): RoutingDiff {
  const changes: LeadChange[] = [];
  const unrouted: UnroutedLead[] = [];
  corpus.forEach((lead, i) => {
    const neither = whyUnrouted(before[i], after[i], lead.entity);
    if (neither !== undefined) {
      unrouted.push({ lead, keyFields: keyFields(lead.lead, encrypted(lead.entity)), ...neither });
      return;
    }
    if (sameOutcome(before[i], after[i])) return;
    changes.push({
      lead,
      keyFields: keyFields(lead.lead, encrypted(lead.entity)),
      before: before[i],
      after: after[i],
      why: explainChange(before[i], after[i], lead.entity),
    });
  });
  return { total: corpus.length, changes, unrouted };
}

const isRouted = (o: Outcome) => o.kind === 'routed' || o.kind === 'unmatched';

/** Why neither side routed the lead; undefined when one side did. */
function whyUnrouted(before: Outcome, after: Outcome, entity: string): Pick<UnroutedLead, 'kind' | 'why'> | undefined {
  if (isRouted(before) || isRouted(after)) return undefined;
  if (before.kind === 'no-entity' && after.kind === 'no-entity') return { kind: 'no-entity', why: `entity ${entity} is defined at neither revision` };
  if (before.kind === 'invalid' && after.kind === 'invalid') {
    const [b, a] = [before.errors.join('; '), after.errors.join('; ')];
    const why = b === a ? `not a valid ${entity} lead at either revision: ${a}` : `not a valid ${entity} lead at base: ${b}; nor at head: ${a}`;
    return { kind: 'invalid', why };
  }
  const side = (o: Outcome) => (o.kind === 'invalid' ? `not a valid ${entity} lead (${o.errors.join('; ')})` : `entity ${entity} is not defined`);
  return { kind: 'mixed', why: `at base: ${side(before)}; at head: ${side(after)}` };
}

const PREFERRED = ['id', 'email', 'state', 'zip'];

/** Up to three scalar fields, `id`, `email`, `state`, `zip` first; never an encrypted one. */
export function keyFields(lead: Readonly<Record<string, unknown>>, encrypted: ReadonlySet<string>, max = 3): string {
  const scalar = (k: string) => !encrypted.has(k) && ['string', 'number', 'boolean'].includes(typeof lead[k]);
  const names = [...PREFERRED.filter((k) => k in lead), ...Object.keys(lead).filter((k) => !PREFERRED.includes(k))].filter(scalar);
  return names
    .slice(0, max)
    .map((k) => `${k}=${typeof lead[k] === 'string' ? clip(lead[k]) : String(lead[k])}`)
    .join(', ');
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function explainChange(before: Outcome, after: Outcome, entity: string): string[] {
  if (after.kind === 'no-entity') return [`entity ${entity} is not defined at head`];
  if (after.kind === 'invalid') return [`not a valid ${entity} lead at head: ${after.errors.join('; ')}`];
  if (before.kind === 'no-entity') return [`entity ${entity} is new at head`];
  const why: string[] = [];
  const add = (m: string | undefined) => {
    if (m && !why.includes(m)) why.push(m);
  };
  if (before.kind === 'invalid') add(`the lead was invalid at base: ${before.errors.join('; ')}`);
  const headKeys = new Set(after.routes.map(key));
  const baseKeys = new Set(before.routes.map(key));
  const trace = after.decision.trace;
  const baseTrace = before.kind === 'invalid' ? [] : before.decision.trace;
  for (const r of before.routes) {
    if (headKeys.has(key(r))) continue;
    const pt = trace.find((p) => p.profile === r.profile);
    if (!pt) add(`profile ${r.profile} no longer exists`);
    else if (pt.outcome !== 'matched') add(pt.message);
    else add(pt.partners.find((p) => p.partner === r.partner)?.message ?? `${r.partner} is no longer assigned in ${r.profile}`);
  }
  for (const r of after.routes) {
    if (baseKeys.has(key(r))) continue;
    const pt = trace.find((p) => p.profile === r.profile);
    if (!pt) continue;
    const was = baseTrace.find((p) => p.profile === r.profile);
    if (!was) {
      if (before.kind !== 'invalid') add(`profile ${r.profile} is new`);
    } else if (was.outcome !== 'matched') add(pt.message);
    add(pt.partners.find((p) => p.partner === r.partner)?.message);
  }
  return why;
}

function outcomeText(o: Outcome): string {
  switch (o.kind) {
    case 'no-entity':
      return 'no such entity';
    case 'invalid':
      return 'rejected (invalid lead)';
    default:
      return formatRoutes(o.routes);
  }
}

/** A Markdown table cell: one line, no table-breaking pipe, no HTML. */
function cell(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export interface ReportMeta {
  base: string;
  head: string;
  /** The profiles directory, relative to the repository. */
  dir: string;
}

export function renderMarkdown(diff: RoutingDiff, meta: ReportMeta): string {
  const n = diff.changes.length;
  const lines = [
    `## Routing diff: \`${meta.dir}\` at ${meta.base} → ${meta.head}`,
    '',
  ];
  const compared = diff.total - diff.unrouted.length;
  // "compared" only when some leads were not: the usual report reads as before.
  const leads = (k: number) => `${k} ${diff.unrouted.length ? 'compared ' : ''}lead${k === 1 ? '' : 's'}`;
  if (compared === 0) {
    lines.push('No lead could be routed at either revision: nothing was compared.');
  } else if (!n) {
    lines.push(`No lead changes route: all ${leads(compared)} route as before.`);
  } else {
    lines.push(`**${n} of ${leads(compared)} change${n === 1 ? 's' : ''} route.**`);
  }
  if (n) lines.push(...changeTable(diff.changes));
  if (diff.unrouted.length) lines.push(...unroutedTable(diff.unrouted));
  return lines.join('\n') + '\n';
}

function changeTable(changes: readonly LeadChange[]): string[] {
  const lines = ['', '| Lead | Key fields | Before | After | Why |', '| --- | --- | --- | --- | --- |'];
  for (const c of changes) {
    const name = c.lead.label ?? c.lead.entity;
    lines.push(
      `| ${cell(name)} | ${cell(`${c.lead.entity}: ${c.keyFields}`)} | ${cell(outcomeText(c.before))} | ${cell(outcomeText(c.after))} | ${cell(c.why.join('; '))} |`,
    );
  }
  return lines;
}

function unroutedTable(unrouted: readonly UnroutedLead[]): string[] {
  const k = unrouted.length;
  const lines = ['', `**${k} lead${k === 1 ? '' : 's'} could not be routed on either side** (not compared):`, '', '| Lead | Key fields | Why |', '| --- | --- | --- |'];
  for (const u of unrouted) {
    lines.push(`| ${cell(u.lead.label ?? u.lead.entity)} | ${cell(`${u.lead.entity}: ${u.keyFields}`)} | ${cell(u.why)} |`);
  }
  return lines;
}

/** Dotted paths of an entity's encrypted fields at either revision: never shown. */
export function encryptedFields(...configs: Config[]): (entity: string) => ReadonlySet<string> {
  return (entity) => {
    const out = new Set<string>();
    for (const config of configs) {
      const e = config.entities.get(entity);
      if (e) for (const [name, def] of Object.entries(e.fields)) if (def.encrypted) out.add(name);
    }
    return out;
  };
}
