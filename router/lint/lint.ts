// Lints: things a valid tree may do but probably did not mean. Pure: config, its snapshot and
// the sample/test leads in, problems out (warnings and info only, never errors).
import { sortProblems, withSeverity } from '../config/problems.ts';
import type { Caps, Config, DocPath, Problem, Profile, SourcePos } from '../config/types.ts';
import { checkLead } from '../leads/check-lead.ts';
import { overlapMinutes } from '../schedule/parse.ts';
import type { CompiledAssignment, CompiledProfile, Snapshot } from '../routing/snapshot.ts';
import { LINT_CODES, type LintCode } from './codes.ts';
import type { SampleLead } from './samples.ts';

function lint(code: LintCode, at: SourcePos, message: string, hint?: string): Problem {
  return withSeverity(LINT_CODES[code].severity, code, at, message, hint);
}

function hasCaps(caps: Caps | undefined): boolean {
  if (!caps) return false;
  const { custom, ...windows } = caps;
  return Object.values(windows).some((v) => v !== undefined) || (custom?.length ?? 0) > 0;
}

/** Where a profile's node sits; the profile's file when its document is not among `docs`. */
function profilePos(config: Config, profile: Profile, path: DocPath): SourcePos {
  const doc =
    config.docs.find((d) => d.kind === 'Profile' && d.value === profile) ??
    config.docs.find((d) => {
      const v = d.value as Partial<Profile> | null;
      return d.kind === 'Profile' && v?.id === profile.id && v?.entity === profile.entity;
    });
  return doc ? doc.pos(path) : { file: config.dir, line: 1, col: 1 };
}

function sampleName(s: SampleLead, i: number): string {
  return s.label ?? `sample #${i + 1}`;
}

export function lintConfig(config: Config, snapshot: Snapshot, samples: readonly SampleLead[]): Problem[] {
  const problems: Problem[] = [];
  const valid = validSamples(config, samples, problems);

  for (const entityId of config.entities.keys()) {
    const ce = snapshot.entity(entityId);
    if (!ce) continue;
    const enabled = ce.profiles.filter((cp) => cp.profile.enabled);
    for (const cp of enabled) {
      noActivePartner(config, cp, problems);
      unreachableAssignments(config, cp, problems);
      neverOpen(config, cp, problems);
    }
    const leads = valid.filter((s) => s.entity === entityId);
    if (leads.length) matchLints(config, enabled, leads, problems);
  }
  return sortProblems(problems);
}

/** Samples of a known entity that the router would accept; the others become SAMPLE_INVALID. */
function validSamples(config: Config, samples: readonly SampleLead[], problems: Problem[]): (SampleLead & { name: string })[] {
  const out: (SampleLead & { name: string })[] = [];
  samples.forEach((s, i) => {
    const name = sampleName(s, i);
    const at = s.at ?? { file: config.dir, line: 1, col: 1 };
    const entity = config.entities.get(s.entity);
    if (!entity) {
      const known = [...config.entities.keys()].join(', ');
      problems.push(lint('SAMPLE_INVALID', at, `${name}: unknown entity '${s.entity}'`, `known entities: ${known}`));
      return;
    }
    const errors = checkLead(entity, s.lead);
    if (errors.length) {
      problems.push(lint('SAMPLE_INVALID', at, `${name} is not a valid ${s.entity} lead: ${errors.map((e) => e.message).join('; ')}`));
      return;
    }
    out.push({ ...s, name });
  });
  return out;
}

function noActivePartner(config: Config, cp: CompiledProfile, problems: Problem[]): void {
  if (cp.assignments.some((ca) => ca.assignment.active && ca.partner.active)) return;
  const p = cp.profile;
  const why = p.partners.length ? 'every assignment or its partner is inactive' : 'it assigns no partner';
  problems.push(
    lint(
      'PROFILE_NO_ACTIVE_PARTNER',
      profilePos(config, p, p.partners.length ? ['partners'] : ['id']),
      `profile ${p.id} is enabled but has no active partner (${why}): it routes nothing`,
      'activate a partner, or set `enabled: false` on the profile',
    ),
  );
}

/** Always eligible and never full: takes every lead its profile matches. */
function alwaysTakes(ca: CompiledAssignment): boolean {
  return (
    ca.assignment.active &&
    ca.partner.active &&
    !(ca.assignment.rules?.length) &&
    !hasCaps(ca.assignment.caps) &&
    !hasCaps(ca.partner.caps) &&
    ca.schedules.length === 0
  );
}

function unreachableAssignments(config: Config, cp: CompiledProfile, problems: Problem[]): void {
  if (cp.profile.strategy !== 'first-match') return;
  // Assignments are sorted highest priority first: the first one that always takes the lead
  // shadows every active assignment of strictly lower priority (equal priorities take turns).
  const shadow = cp.assignments.find(alwaysTakes);
  if (!shadow) return;
  const top = shadow.assignment.priority;
  for (const ca of cp.assignments) {
    if (ca.assignment.priority >= top || !ca.assignment.active || !ca.partner.active) continue;
    const s = shadow.partner.id;
    problems.push(
      lint(
        'ASSIGNMENT_UNREACHABLE',
        profilePos(config, cp.profile, ['partners', ca.position]),
        `${ca.partner.id} (priority ${ca.assignment.priority}) in profile ${cp.profile.id} can never be chosen first: ` +
          `${s} (priority ${top}) has no rules and no caps, so it always takes the lead; ${ca.partner.id} only gets leads ${s} rejects`,
        `give ${s} rules or caps, or give both the same priority so they take turns`,
      ),
    );
  }
}

/** Schedules that never open: no hours at all, or an assignment's hours outside its partner's. */
function neverOpen(config: Config, cp: CompiledProfile, problems: Problem[]): void {
  for (const ca of cp.assignments) {
    if (!ca.assignment.active || !ca.partner.active || ca.schedules.length === 0) continue;
    const empty = ca.schedules.findIndex((s) => s.shifts.length === 0);
    const [first, second] = ca.schedules;
    const disjoint = empty < 0 && second !== undefined && overlapMinutes(first, second) === 0;
    if (empty < 0 && !disjoint) continue;
    // The partner's own schedule comes first; it is reported at the assignment that meets it.
    const whose = empty === 0 && ca.partner.schedule ? `partner ${ca.partner.id}'s schedule names no hours` : empty >= 0 ? 'its schedule names no hours' : `its schedule shares no hour with partner ${ca.partner.id}'s`;
    problems.push(
      lint(
        'SCHEDULE_NEVER_OPEN',
        profilePos(config, cp.profile, ['partners', ca.position, ...(ca.assignment.schedule ? ['schedule'] : [])]),
        `${ca.partner.id} in profile ${cp.profile.id} is never open: ${whose}`,
        'give the schedule the days and hours the partner takes leads, e.g. mon-fri: "08:00-18:00"',
      ),
    );
  }
}

function matchLints(
  config: Config,
  enabled: readonly CompiledProfile[],
  leads: readonly (SampleLead & { name: string })[],
  problems: Problem[],
): void {
  const matchedBy = new Map<CompiledProfile, number>();
  // Per pair of profiles (in file order): the first lead both match, and how many do.
  const overlaps = new Map<string, { a: CompiledProfile; b: CompiledProfile; first: string; count: number }>();
  for (const s of leads) {
    const matching = enabled.filter((cp) => cp.rules.test(s.lead));
    for (const cp of matching) matchedBy.set(cp, (matchedBy.get(cp) ?? 0) + 1);
    for (let i = 0; i < matching.length; i++) {
      for (let j = i + 1; j < matching.length; j++) {
        const key = `${matching[i].profile.id}\u0000${matching[j].profile.id}`;
        const o = overlaps.get(key);
        if (o) o.count++;
        else overlaps.set(key, { a: matching[i], b: matching[j], first: s.name, count: 1 });
      }
    }
  }
  for (const o of overlaps.values()) {
    const more = o.count > 1 ? ` (and ${o.count - 1} more lead${o.count > 2 ? 's' : ''})` : '';
    problems.push(
      lint(
        'PROFILES_OVERLAP',
        profilePos(config, o.b.profile, ['rules']),
        `profiles ${o.a.profile.id} and ${o.b.profile.id} both match ${o.first}${more}: both will route it`,
        'fine when both should get such leads; otherwise make their rules exclusive',
      ),
    );
  }
  for (const cp of enabled) {
    if (matchedBy.has(cp)) continue;
    const p = cp.profile;
    problems.push(
      lint(
        'PROFILE_NEVER_MATCHED',
        profilePos(config, p, ['rules']),
        `profile ${p.id} matches none of the ${leads.length} ${p.entity} sample and test lead${leads.length === 1 ? '' : 's'}`,
        'add a sample lead (samples/*.jsonl) or a routing test case it should route, or check its rules',
      ),
    );
  }
}
