// Index the enabled profiles of an entity on one equality/in-list condition each, so a lead is
// evaluated only against profiles that could match it: routing cost stays flat as accounts add
// profiles split by state × product. Sound because indexableKeys promises: rules match ⇒ the
// lead's value at `field` is one of `values`.
import { indexableKeys } from '../rules/indexable.ts';
import { compilePath } from '../rules/path.ts';
import type { CompiledProfile } from './snapshot.ts';

export interface ProfileIndex {
  /** Enabled profiles that could match the lead, in file order. */
  candidates(lead: Readonly<Record<string, unknown>>): readonly CompiledProfile[];
}

interface FieldIndex {
  read: (lead: Readonly<Record<string, unknown>>) => unknown;
  byValue: Map<unknown, CompiledProfile[]>;
}

export function buildProfileIndex(profiles: readonly CompiledProfile[]): ProfileIndex {
  const unindexed: CompiledProfile[] = [];
  const fields = new Map<string, FieldIndex>();
  for (const cp of profiles) {
    if (!cp.profile.enabled) continue;
    const key = indexableKeys(cp.profile.rules ?? []);
    if (!key) {
      unindexed.push(cp);
      continue;
    }
    let fi = fields.get(key.field);
    if (!fi) {
      fi = { read: compilePath(key.field), byValue: new Map() };
      fields.set(key.field, fi);
    }
    for (const v of new Set(key.values)) {
      const list = fi.byValue.get(v);
      if (list) list.push(cp);
      else fi.byValue.set(v, [cp]);
    }
  }
  const indexes = [...fields.values()];
  if (indexes.length === 0) return { candidates: () => unindexed };

  return {
    candidates(lead) {
      let hits: CompiledProfile[] | undefined;
      for (const fi of indexes) {
        const value = fi.read(lead);
        if (Array.isArray(value)) {
          for (const v of value) {
            const list = fi.byValue.get(v);
            if (list) (hits ??= []).push(...list);
          }
        } else {
          const list = fi.byValue.get(value);
          if (list) (hits ??= []).push(...list);
        }
      }
      if (!hits) return unindexed;
      if (unindexed.length) hits.push(...unindexed);
      return dedupeInOrder(hits);
    },
  };
}

function dedupeInOrder(list: CompiledProfile[]): CompiledProfile[] {
  if (list.length > 1) list.sort((a, b) => a.order - b.order);
  return list.filter((cp, i) => i === 0 || list[i - 1] !== cp);
}
