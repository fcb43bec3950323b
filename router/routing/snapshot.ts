// A Snapshot is the compiled, immutable form of one loaded Config: rules compiled to closures,
// assignments sorted by priority, delivery settings resolved, profiles indexed. The router swaps
// whole snapshots on reload; a request keeps the one it started with. Compiling with the
// previous snapshot reuses what did not change: a profile whose own document, entity and
// partners are the same objects (an unchanged file keeps its objects across loads), and the
// compiled rules of every rule list that is the same object.
import type { Config, Delivery, Entity, FieldDef, Profile, Rule, ScheduleSpec } from '../config/types.ts';
import { auctionOf } from './auction.ts';
import { parseSchedule, type Schedule } from '../schedule/parse.ts';
import { compileDedupe, type CompiledDedupe } from '../dedupe/fingerprint.ts';
import { dedupeKeyFrom } from '../dedupe/key.ts';
import { assignmentCapScope } from './cap-scope.ts';
import { compileRules } from '../rules/compile.ts';
import type { CompiledRules } from '../rules/types.ts';
import { resolveEnvRefs } from '../env-refs.ts';
import type { CompiledAssignment, CompiledProfile } from './compiled.ts';
import { buildProfileIndex, type ProfileIndex } from './profile-index.ts';

export type { CompiledAssignment, CompiledProfile };

export interface CompiledEntity {
  entity: Entity;
  profiles: readonly CompiledProfile[];
  /** The profiles by id. */
  byId: ReadonlyMap<string, CompiledProfile>;
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
  /** Environment variables referenced by deliveries (and pings) but not set. */
  missingEnv: readonly string[];
  /** The HMAC key of duplicate checks (DEDUPE_KEY; a key of this process when unset). */
  dedupeKey: Buffer;
  /** Whether any entity, partner or assignment has a duplicate check. */
  usesDedupe: boolean;
}

export interface CompileOptions {
  env?: NodeJS.ProcessEnv;
  loadedAt?: Date;
  /** The snapshot being served: what did not change is taken from it. */
  previous?: Snapshot;
}

/** A delivery with its `${ENV}` references resolved, and the variables it names that are not set. */
interface Resolved {
  value: Delivery;
  missing: readonly string[];
}

/** What a compile keeps for the next one: resolved deliveries (per env) and compiled entities. */
interface Reusable {
  env: NodeJS.ProcessEnv;
  resolved: WeakMap<Delivery, Resolved>;
  entities: ReadonlyMap<string, CompiledEntity>;
}
const reusable = new WeakMap<Snapshot, Reusable>();

export function compileSnapshot(config: Config, opts: CompileOptions = {}): Snapshot {
  const steps = compileSteps(config, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** compileSnapshot, yielding to the event loop every `sliceMs` of work: for reloads under load. */
export async function compileSnapshotInSlices(config: Config, opts: CompileOptions & { sliceMs?: number } = {}): Promise<Snapshot> {
  const sliceMs = opts.sliceMs ?? 8;
  const steps = compileSteps(config, opts);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
    }
  }
}

/** The compile, a step per profile compiled. */
function* compileSteps(config: Config, opts: CompileOptions): Generator<void, Snapshot> {
  const env = opts.env ?? process.env;
  const prior = opts.previous ? reusable.get(opts.previous) : undefined;
  const reuse = prior && prior.env === env ? prior : undefined;
  const missing = new Set<string>();
  // Most assignments use their partner's delivery: resolve each delivery object once, and keep it
  // for the next compile with this env (an unchanged delivery stays the same object).
  const resolved = reuse?.resolved ?? new WeakMap<Delivery, Resolved>();
  const resolve = (delivery: Delivery): Resolved => {
    let entry = resolved.get(delivery);
    if (entry === undefined) {
      const r = resolveEnvRefs(delivery, env);
      // Unresolved, the channel sees the missing variable and refuses to send an empty secret.
      entry = { value: r.missing.length ? delivery : r.value, missing: r.missing };
      resolved.set(delivery, entry);
    }
    return entry;
  };

  // A partner's schedule is shared by its assignments: parse each once.
  const parsed = new Map<ScheduleSpec, Schedule>();
  const schedule = (spec: ScheduleSpec): Schedule => {
    let value = parsed.get(spec);
    if (!value) parsed.set(spec, (value = parseSchedule(spec).schedule));
    return value;
  };

  // Partners are few: when every one is the object the previous compile saw, a kept profile's
  // assignments need no check one by one.
  const priorPartners = opts.previous?.config.partners;
  const partnersSame = priorPartners !== undefined && priorPartners.size === config.partners.size &&
    [...config.partners].every(([id, partner]) => priorPartners.get(id) === partner);

  const entities = new Map<string, CompiledEntity>();
  for (const entity of config.entities.values()) {
    const own = config.profiles.filter((p) => p.entity === entity.id);
    const before = reuse?.entities.get(entity.id);
    const kept = before?.entity === entity ? new Map(before.profiles.map((cp) => [cp.profile, cp])) : undefined;
    let same = kept !== undefined && own.length === before!.profiles.length;
    const profiles: CompiledProfile[] = [];
    for (const [order, p] of own.entries()) {
      const old = kept?.get(p);
      if (old && (partnersSame || old.assignments.every((a) => config.partners.get(a.assignment.partner) === a.partner))) {
        for (const name of old.missingEnv) missing.add(name);
        same &&= old.order === order;
        profiles.push(old.order === order ? old : { ...old, order });
        if (order % 128 === 127) yield; // a thousand kept profiles are a few ms of work: let requests in
        continue;
      }
      same = false;
      const cp = compileProfile(p, order, entity, config, resolve, schedule, env);
      for (const name of cp.missingEnv) missing.add(name);
      profiles.push(cp);
      yield;
    }
    entities.set(entity.id, same ? before! : {
      entity,
      profiles,
      byId: new Map(profiles.map((cp) => [cp.profile.id, cp])),
      index: buildProfileIndex(profiles, {}, before?.index),
      encryptedPaths: encryptedPaths(entity.fields),
      ...(entity.duplicates ? { duplicates: compileDedupe(entity.duplicates) } : {}),
    });
  }

  // Pings resolve their `${ENV}` references when sent (router/auction/ping-client.ts); an unset one
  // is reported here too (an assignment's own ping with its profile, compileProfile).
  for (const p of config.partners.values()) if (p.ping) for (const name of resolveEnvRefs(p.ping, env).missing) missing.add(name);

  const snapshot: Snapshot = Object.freeze({
    config,
    hash: config.hash,
    loadedAt: opts.loadedAt ?? new Date(),
    entity: (id: string) => entities.get(id),
    profile: (entityId: string, profileId: string) => entities.get(entityId)?.byId.get(profileId),
    missingEnv: [...missing].sort(),
    dedupeKey: dedupeKeyFrom(env),
    usesDedupe: [...entities.values()].some((ce) => ce.duplicates || ce.profiles.some((cp) => cp.usesDedupe)),
  });
  reusable.set(snapshot, { env, resolved, entities });
  return snapshot;
}

/** Frozen, like a loaded config's lists: compileRules leaves it for later like the others. */
const NO_RULES: readonly Rule[] = Object.freeze([]);

/**
 * Compiled rule lists by list and path. A loaded list is frozen and stays the same object while
 * it does not change, even in an edited file (config/share.ts): a profile compiled again after
 * its description changed keeps its compiled rules, generated code and all.
 */
const compiledRules = new WeakMap<readonly Rule[], Map<string, CompiledRules>>();

function rulesOf(rules: readonly Rule[], at: string): CompiledRules {
  if (!Object.isFrozen(rules)) return compileRules(rules, { at });
  let byPath = compiledRules.get(rules);
  if (byPath === undefined) compiledRules.set(rules, (byPath = new Map<string, CompiledRules>()));
  let compiled = byPath.get(at);
  if (compiled === undefined) byPath.set(at, (compiled = compileRules(rules, { at })));
  return compiled;
}

function compileProfile(
  profile: Profile,
  order: number,
  entity: Entity,
  config: Config,
  resolve: (d: Delivery) => Resolved,
  schedule: (spec: ScheduleSpec) => Schedule,
  env: NodeJS.ProcessEnv,
): CompiledProfile {
  const assignments: CompiledAssignment[] = [];
  const missingEnv = new Set<string>();
  profile.partners.forEach((assignment, position) => {
    const partner = config.partners.get(assignment.partner);
    if (!partner) return; // the loader reports UNKNOWN_PARTNER; a valid config never gets here
    const delivery = resolve(assignment.delivery ?? partner.delivery);
    for (const name of delivery.missing) missingEnv.add(name);
    if (assignment.ping) for (const name of resolveEnvRefs(assignment.ping, env).missing) missingEnv.add(name);
    assignments.push({
      assignment,
      partner,
      rules: rulesOf(assignment.rules ?? NO_RULES, `partners[${position}].rules`),
      delivery: delivery.value,
      timezone: partner.timezone ?? entity.timezone ?? 'UTC',
      position,
      schedules: [partner.schedule, assignment.schedule].filter((x): x is ScheduleSpec => x !== undefined).map(schedule),
      weight: assignment.weight ?? 1,
      dedupe: [
        ...(partner.dedupe ? [{ scope: 'partner', rule: compileDedupe(partner.dedupe) }] : []),
        ...(assignment.dedupe ? [{ scope: assignmentCapScope(profile), rule: compileDedupe(assignment.dedupe) }] : []),
      ],
      ping: assignment.ping ?? partner.ping,
      countersAt: undefined,
    });
  });
  // Stable sort: equal priorities keep file order (the round-robin rotates from there).
  assignments.sort((a, b) => b.assignment.priority - a.assignment.priority);
  const auction = profile.strategy === 'ping-post' ? auctionOf(profile.auction) : undefined;
  const usesDedupe = assignments.some((a) => a.dedupe.length > 0);
  return { profile, order, rules: rulesOf(profile.rules ?? NO_RULES, 'rules'), assignments, auction, usesDedupe, missingEnv: [...missingEnv] };
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
