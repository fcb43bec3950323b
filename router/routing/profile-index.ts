// Index the enabled profiles of an entity on their equality/in-list conditions, so a lead is
// evaluated only against profiles that could match it: routing cost stays flat as accounts add
// profiles split by state × product. Every must-hold `equals`/`in` condition of a profile is a
// key (indexableConditions promises: rules match ⇒ the lead's value at `field` is one of
// `values`), so a profile is a candidate only when the lead meets all of its keys.
//
// Profiles with the same key fields form a group. For a lead, each group looks up the field
// whose lists are shortest for this lead's values (state hits 200 of 10,000 state × product
// profiles, product hits 50), then keeps the profiles whose other keys the lead meets (Set
// lookups): about one candidate per lead, whatever the number of profiles.
import { indexableConditions } from '../rules/indexable.ts';
import { compilePath, type PathReader } from '../rules/path.ts';
import type { CompiledProfile } from './snapshot.ts';

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
  cp: CompiledProfile;
  keys: readonly Key[];
}

interface Group {
  /** Field positions, and for each the entries listed under every value of their key on it. */
  fields: number[];
  byValue: Map<unknown, Entry[]>[];
}

export function buildProfileIndex(profiles: readonly CompiledProfile[]): ProfileIndex {
  const enabled = profiles.filter((cp) => cp.profile.enabled);
  const unindexed: CompiledProfile[] = [];
  const fieldIds = new Map<string, number>();
  const readers: PathReader[] = [];
  const groups = new Map<string, Group>();

  for (const cp of enabled) {
    const conditions = indexableConditions(cp.profile.rules ?? []);
    if (conditions.length === 0) {
      unindexed.push(cp);
      continue;
    }
    const keys: Key[] = conditions.map((c) => {
      let id = fieldIds.get(c.field);
      if (id === undefined) {
        id = readers.length;
        fieldIds.set(c.field, id);
        readers.push(compilePath(c.field));
      }
      return { field: id, values: new Set(c.values) };
    });
    const entry: Entry = { cp, keys };
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
      group = { fields, byValue: fields.map(() => new Map()) };
      groups.set(signature, group);
    }
    fields.forEach((f, i) => {
      const byValue = group.byValue[i];
      for (const v of listed.get(f)!.values) {
        const list = byValue.get(v);
        if (list) list.push(entry);
        else byValue.set(v, [entry]);
      }
    });
  }

  const all = [...groups.values()];
  if (all.length === 0) return { candidates: () => unindexed };
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
    let hits: CompiledProfile[] | undefined;
    let arrays = false;
    for (const group of all) {
      // The field with the fewest profiles listed under this lead's value(s); none: no candidate.
      let best = -1;
      let bestSize = Infinity;
      for (let i = 0; i < group.fields.length; i++) {
        const size = listedSize(group.byValue[i], values[group.fields[i]]);
        if (size < bestSize) {
          best = i;
          bestSize = size;
          if (size === 0) break;
        }
      }
      if (bestSize === 0) continue;
      const v = values[group.fields[best]];
      const byValue = group.byValue[best];
      if (Array.isArray(v)) {
        arrays = true;
        for (const el of v) for (const e of byValue.get(el) ?? []) if (meetsAll(e, values)) (hits ??= []).push(e.cp);
      } else {
        for (const e of byValue.get(v)!) if (meetsAll(e, values)) (hits ??= []).push(e.cp);
      }
    }
    if (!hits) return unindexed;
    if (unindexed.length) hits.push(...unindexed);
    if (hits.length > 1) hits.sort((a, b) => a.order - b.order);
    // An array value can list a profile under several of its elements.
    return arrays ? hits.filter((cp, i) => i === 0 || hits[i - 1] !== cp) : hits;
  }
}

function listedSize(byValue: Map<unknown, Entry[]>, v: unknown): number {
  if (!Array.isArray(v)) return byValue.get(v)?.length ?? 0;
  let n = 0;
  for (const el of v) n += byValue.get(el)?.length ?? 0;
  return n;
}

function meetsAll(e: Entry, values: readonly unknown[]): boolean {
  for (const k of e.keys) {
    const v = values[k.field];
    if (Array.isArray(v) ? !v.some((el) => k.values.has(el)) : !k.values.has(v)) return false;
  }
  return true;
}
