// Index the enabled profiles of an entity on their equality/in-list conditions, so a lead is
// evaluated only against profiles that could match it: routing cost stays flat as accounts add
// profiles split by state × product. Every must-hold `equals`/`in` condition of a profile is a
// key (indexableConditions promises: rules match ⇒ the lead's value at `field` is one of
// `values`), so a profile is a candidate only when the lead meets all of its keys.
//
// Profiles with the same key fields form a group, held in nested maps, one level per field
// (state → product → profiles): a lead walks down with its own values, so finding its one
// profile among 10,000 costs a map lookup per field. A profile whose in-lists would make too
// many combinations goes in the group's `loose` part instead: there the lead looks up the field
// whose list is shortest for its value, and keeps the profiles whose other keys it meets.
import { indexableConditions } from '../rules/indexable.ts';
import { compilePath, type PathReader } from '../rules/path.ts';
import type { CompiledProfile } from './compiled.ts';

export interface ProfileIndex {
  /** Enabled profiles that could match the lead, in file order. */
  candidates(lead: Readonly<Record<string, unknown>>): readonly CompiledProfile[];
}

interface Key {
  /** Position of the field in the index's readers. */
  field: number;
  values: ReadonlySet<unknown>;
}

interface Entry {
  /** The profile's position in the list. */
  at: number;
  /** Every key of the profile (loose entries check them all). */
  keys: readonly Key[];
  /** Keys the nested maps do not stand for: a second condition on one field. */
  extra: readonly Key[];
}

/** Nested maps, one level per field of the group; the last level holds the entries. */
type Level = Map<unknown, Level | Entry[]>;

interface Group {
  fields: number[];
  tree: Level;
  /** Per field, the loose entries listed under every value of their key on it. */
  loose: Map<unknown, Entry[]>[] | null;
}

/** A profile whose keys make more combinations than this is loose (in-lists of 50 states × 20 products). */
const MAX_COMBINATIONS = 64;

/**
 * Each profile's must-hold conditions, with their values as sets. Kept per rule list: a reload
 * keeps the objects of what did not change, even in an edited file, so the same list gives the
 * same conditions (the very array), which is how the index knows it can keep its structure.
 */
const conditionsByRules = new WeakMap<object, readonly { field: string; values: ReadonlySet<unknown> }[]>();
/** Profiles without rules share one list, and so one (empty) set of conditions. */
const NO_RULES: readonly unknown[] = Object.freeze([]);

function conditionsOf(cp: CompiledProfile): readonly { field: string; values: ReadonlySet<unknown> }[] {
  const rules = cp.profile.rules ?? NO_RULES;
  let found = conditionsByRules.get(rules);
  if (!found) {
    found = indexableConditions(cp.profile.rules ?? []).map((c) => ({ field: c.field, values: new Set(c.values) }));
    conditionsByRules.set(rules, found);
  }
  return found;
}

/** What an index was built from: per position, whether the profile is enabled and its conditions. */
interface Built {
  maxCombinations: number;
  enabled: readonly boolean[];
  conditions: readonly (readonly { field: string; values: ReadonlySet<unknown> }[])[];
  core: Core;
}

/** The index's structure, over positions in the profile list: it outlives the list it was built for. */
interface Core {
  readers: readonly PathReader[];
  groups: readonly Group[];
  /** Enabled profiles without a key, and every enabled profile, by position. */
  unindexed: readonly number[];
  enabled: readonly number[];
}

const built = new WeakMap<ProfileIndex, Built>();

/**
 * The index of `profiles`. With the `previous` index of the same entity: when every profile is
 * enabled or not as before and has the same conditions (its rule list is the same object), the
 * previous structure serves the new list, so a reload that changed no profile's conditions
 * rebuilds nothing.
 */
export function buildProfileIndex(
  profiles: readonly CompiledProfile[],
  opts: { maxCombinations?: number } = {},
  previous?: ProfileIndex,
): ProfileIndex {
  const maxCombinations = opts.maxCombinations ?? MAX_COMBINATIONS;
  const enabled = profiles.map((cp) => cp.profile.enabled);
  const conditions = profiles.map((cp, i) => (enabled[i] ? conditionsOf(cp) : NONE));
  const before = previous && built.get(previous);
  const same = before !== undefined && before.maxCombinations === maxCombinations && before.enabled.length === profiles.length &&
    enabled.every((e, i) => e === before.enabled[i] && conditions[i] === before.conditions[i]);
  const core = same ? before.core : buildCore(conditions, maxCombinations);
  const index = bind(core, profiles);
  built.set(index, { maxCombinations, enabled, conditions, core });
  return index;
}

const NONE: readonly { field: string; values: ReadonlySet<unknown> }[] = [];

function buildCore(conditionsAt: Built['conditions'], maxCombinations: number): Core {
  const unindexed: number[] = [];
  const enabled: number[] = [];
  const fieldIds = new Map<string, number>();
  const readers: PathReader[] = [];
  const groups = new Map<string, Group>();

  conditionsAt.forEach((conditions, at) => {
    if (conditions === NONE) return; // disabled
    enabled.push(at);
    if (conditions.length === 0) {
      unindexed.push(at);
      return;
    }
    const keys: Key[] = conditions.map((c) => {
      let id = fieldIds.get(c.field);
      if (id === undefined) {
        id = readers.length;
        fieldIds.set(c.field, id);
        readers.push(compilePath(c.field));
      }
      return { field: id, values: c.values };
    });
    // Per field, the key with the fewest values lists the profile (two keys on one field are
    // never intersected: an array value can meet each through a different element).
    const listed = new Map<number, Key>();
    for (const k of keys) {
      const seen = listed.get(k.field);
      if (!seen || k.values.size < seen.values.size) listed.set(k.field, k);
    }
    const fields = [...listed.keys()].sort((a, b) => a - b);
    const signature = fields.join(',');
    let group = groups.get(signature);
    if (!group) {
      group = { fields, tree: new Map(), loose: null };
      groups.set(signature, group);
    }
    const chosen = fields.map((f) => listed.get(f)!);
    const entry: Entry = { at, keys, extra: keys.filter((k) => !chosen.includes(k)) };
    const combinations = chosen.reduce((n, k) => n * k.values.size, 1);
    if (combinations <= maxCombinations) {
      plant(group.tree, chosen, 0, entry);
    } else {
      const loose = (group.loose ??= fields.map(() => new Map<unknown, Entry[]>()));
      chosen.forEach((k, i) => {
        for (const v of k.values) {
          const list = loose[i].get(v);
          if (list) list.push(entry);
          else loose[i].set(v, [entry]);
        }
      });
    }
  });
  return { readers, groups: [...groups.values()], unindexed, enabled };
}

/** The index's answers, in profiles of `profiles`. */
function bind(core: Core, profiles: readonly CompiledProfile[]): ProfileIndex {
  const unindexed = core.unindexed.map((at) => profiles[at]);
  const enabled = core.enabled.map((at) => profiles[at]);
  const { readers, groups } = core;
  if (groups.length === 0) return { candidates: () => unindexed };
  return {
    candidates(lead) {
      try {
        return lookup(lead);
      } catch {
        return enabled; // a lead the index cannot read (hostile getters): evaluate every profile
      }
    },
  };

  function lookup(lead: Readonly<Record<string, unknown>>): readonly CompiledProfile[] {
    const values = readers.map((read) => read(lead));
    const found: Found = { hits: undefined, arrays: false };
    for (const group of groups) {
      walk(group.tree, group.fields, 0, values, found);
      if (group.loose) looseHits(group.loose, group.fields, values, found);
    }
    const { hits } = found;
    if (!hits) return unindexed;
    if (core.unindexed.length) hits.push(...core.unindexed);
    if (hits.length > 1) hits.sort((a, b) => a - b);
    // An array value can reach a profile through several of its elements.
    const positions = found.arrays ? hits.filter((at, i) => i === 0 || hits[i - 1] !== at) : hits;
    return positions.map((at) => profiles[at]);
  }
}

interface Found {
  /** Positions of the profiles found. */
  hits: number[] | undefined;
  arrays: boolean;
}

function plant(level: Level, chosen: readonly Key[], depth: number, entry: Entry): void {
  const last = depth === chosen.length - 1;
  for (const v of chosen[depth].values) {
    let next = level.get(v);
    if (!next) level.set(v, (next = last ? [] : new Map()));
    if (last) (next as Entry[]).push(entry);
    else plant(next as Level, chosen, depth + 1, entry);
  }
}

/** Down the nested maps with the lead's value (or each element of an array value) per field. */
function walk(level: Level, fields: readonly number[], depth: number, values: readonly unknown[], found: Found): void {
  const v = values[fields[depth]];
  const last = depth === fields.length - 1;
  if (Array.isArray(v)) {
    found.arrays = true;
    for (const el of v) {
      const next = level.get(el);
      if (next) { if (last) take(next as Entry[], values, found); else walk(next as Level, fields, depth + 1, values, found); }
    }
    return;
  }
  const next = level.get(v);
  if (next) { if (last) take(next as Entry[], values, found); else walk(next as Level, fields, depth + 1, values, found); }
}

function take(entries: readonly Entry[], values: readonly unknown[], found: Found): void {
  for (const e of entries) if (e.extra.length === 0 || meetsAll(e.extra, values)) (found.hits ??= []).push(e.at);
}

/** Loose entries: the field whose lists are shortest for this lead, then the other keys. */
function looseHits(loose: readonly Map<unknown, Entry[]>[], fields: readonly number[], values: readonly unknown[], found: Found): void {
  let best = -1;
  let bestSize = Infinity;
  for (let i = 0; i < fields.length; i++) {
    const size = listedSize(loose[i], values[fields[i]]);
    if (size < bestSize) {
      best = i;
      bestSize = size;
      if (size === 0) return;
    }
  }
  const v = values[fields[best]];
  const byValue = loose[best];
  if (Array.isArray(v)) {
    found.arrays = true;
    for (const el of v) for (const e of byValue.get(el) ?? []) if (meetsAll(e.keys, values)) (found.hits ??= []).push(e.at);
  } else {
    for (const e of byValue.get(v)!) if (meetsAll(e.keys, values)) (found.hits ??= []).push(e.at);
  }
}

function listedSize(byValue: Map<unknown, Entry[]>, v: unknown): number {
  if (!Array.isArray(v)) return byValue.get(v)?.length ?? 0;
  let n = 0;
  for (const el of v) n += byValue.get(el)?.length ?? 0;
  return n;
}

function meetsAll(keys: readonly Key[], values: readonly unknown[]): boolean {
  for (const k of keys) {
    const v = values[k.field];
    if (Array.isArray(v) ? !v.some((el) => k.values.has(el)) : !k.values.has(v)) return false;
  }
  return true;
}
