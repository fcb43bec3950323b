// A Snapshot is the compiled, immutable form of one loaded Config: rules compiled to closures,
// assignments sorted by priority, delivery settings resolved, profiles indexed. The router swaps
// whole snapshots on reload; a request keeps the one it started with.
import type { Config, Delivery, Entity, FieldDef, Profile, Rule, ScheduleSpec } from '../config/types.ts';
import { parseSchedule, type Schedule } from '../schedule/parse.ts';
import { compileDedupe, type CompiledDedupe } from '../dedupe/fingerprint.ts';
import { dedupeKeyFrom } from '../dedupe/key.ts';
import { assignmentCapScope } from './cap-scope.ts';
import { compileRules } from '../rules/compile.ts';
import { resolveEnvRefs } from '../env-refs.ts';
import type { CompiledAssignment, CompiledProfile } from './compiled.ts';
import { buildProfileIndex, type ProfileIndex } from './profile-index.ts';

export type { CompiledAssignment, CompiledProfile };

export interface CompiledEntity {
  entity: Entity;
  profiles: readonly CompiledProfile[];
  index: ProfileIndex;
  /** Dotted paths of encrypted fields: never logged. */
  encryptedPaths: readonly string[];
  /** The entity's `duplicates`: a repeat within the window is refused with 409. */
  duplicates?: CompiledDedupe;
}

export interface Snapshot {
  config: Config;
  hash: string;
  loadedAt: Date;
  entity(id: string): CompiledEntity | undefined;
  profile(entityId: string, profileId: string): CompiledProfile | undefined;
  /** Environment variables referenced by deliveries but not set. */
  missingEnv: readonly string[];
  /** The HMAC key of duplicate checks (DEDUPE_KEY; a key of this process when unset). */
  dedupeKey: Buffer;
  /** Whether any entity, partner or assignment has a duplicate check. */
  usesDedupe: boolean;
}

export function compileSnapshot(
  config: Config,
  opts: { env?: NodeJS.ProcessEnv; loadedAt?: Date } = {},
): Snapshot {
  const env = opts.env ?? process.env;
  const missing = new Set<string>();
  // Most assignments use their partner's delivery: resolve each delivery object once.
  const resolved = new Map<Delivery, Delivery>();
  const resolve = (delivery: Delivery): Delivery => {
    let value = resolved.get(delivery);
    if (value === undefined) {
      const r = resolveEnvRefs(delivery, env);
      for (const name of r.missing) missing.add(name);
      // Unresolved, the channel sees the missing variable and refuses to send an empty secret.
      value = r.missing.length ? delivery : r.value;
      resolved.set(delivery, value);
    }
    return value;
  };

  // A partner's schedule is shared by its assignments: parse each once.
  const parsed = new Map<ScheduleSpec, Schedule>();
  const schedule = (spec: ScheduleSpec): Schedule => {
    let value = parsed.get(spec);
    if (!value) parsed.set(spec, (value = parseSchedule(spec).schedule));
    return value;
  };

  const entities = new Map<string, CompiledEntity>();
  for (const entity of config.entities.values()) {
    const own = config.profiles.filter((p) => p.entity === entity.id);
    const profiles = own.map((p, order) => compileProfile(p, order, entity, config, resolve, schedule));
    entities.set(entity.id, {
      entity,
      profiles,
      index: buildProfileIndex(profiles),
      encryptedPaths: encryptedPaths(entity.fields),
      ...(entity.duplicates ? { duplicates: compileDedupe(entity.duplicates) } : {}),
    });
  }

  const byProfile = new Map<string, CompiledProfile>();
  for (const ce of entities.values()) for (const cp of ce.profiles) byProfile.set(`${ce.entity.id}/${cp.profile.id}`, cp);

  return Object.freeze({
    config,
    hash: config.hash,
    loadedAt: opts.loadedAt ?? new Date(),
    entity: (id: string) => entities.get(id),
    profile: (entityId: string, profileId: string) => byProfile.get(`${entityId}/${profileId}`),
    missingEnv: [...missing].sort(),
    dedupeKey: dedupeKeyFrom(env),
    usesDedupe: [...entities.values()].some((ce) => ce.duplicates || ce.profiles.some((cp) => cp.assignments.some((ca) => ca.dedupe.length))),
  });
}

/** Frozen, like a loaded config's lists: compileRules leaves it for later like the others. */
const NO_RULES: readonly Rule[] = Object.freeze([]);

function compileProfile(
  profile: Profile,
  order: number,
  entity: Entity,
  config: Config,
  resolve: (d: Delivery) => Delivery,
  schedule: (spec: ScheduleSpec) => Schedule,
): CompiledProfile {
  const assignments: CompiledAssignment[] = [];
  profile.partners.forEach((assignment, position) => {
    const partner = config.partners.get(assignment.partner);
    if (!partner) return; // the loader reports UNKNOWN_PARTNER; a valid config never gets here
    assignments.push({
      assignment,
      partner,
      rules: compileRules(assignment.rules ?? NO_RULES, { at: `partners[${position}].rules` }),
      delivery: resolve(assignment.delivery ?? partner.delivery),
      timezone: partner.timezone ?? entity.timezone ?? 'UTC',
      position,
      schedules: [partner.schedule, assignment.schedule].filter((x): x is ScheduleSpec => x !== undefined).map(schedule),
      weight: assignment.weight ?? 1,
      dedupe: [
        ...(partner.dedupe ? [{ scope: 'partner', rule: compileDedupe(partner.dedupe) }] : []),
        ...(assignment.dedupe ? [{ scope: assignmentCapScope(profile), rule: compileDedupe(assignment.dedupe) }] : []),
      ],
      countersAt: undefined,
    });
  });
  // Stable sort: equal priorities keep file order (the round-robin rotates from there).
  assignments.sort((a, b) => b.assignment.priority - a.assignment.priority);
  return { profile, order, rules: compileRules(profile.rules ?? NO_RULES, { at: 'rules' }), assignments };
}

function encryptedPaths(fields: Readonly<Record<string, FieldDef>>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(fields)) {
    const path = prefix + name;
    if (def.encrypted) out.push(path);
    if (def.fields) out.push(...encryptedPaths(def.fields, `${path}.`));
  }
  return out;
}
