import { describe, expect, it } from 'vitest';
import type { Profile, Rule } from '../config/types.ts';
import { compileRules } from '../rules/compile.ts';
import { prng, randomCondition, randomLead, randomRule } from '../rules/fuzz.ts';
import { indexableConditions } from '../rules/indexable.ts';
import { buildProfileIndex } from './profile-index.ts';
import type { CompiledProfile } from './snapshot.ts';

function compiled(rules: Rule[], order: number, enabled = true): CompiledProfile {
  const profile = { id: `p${order}`, entity: 'e', name: `p${order}`, enabled, strategy: 'first-match', rules, partners: [] } as Profile;
  return { profile, order, rules: compileRules(rules), assignments: [], usesDedupe: false, missingEnv: [] };
}

const ids = (list: readonly CompiledProfile[]) => list.map((c) => c.profile.id);

describe('buildProfileIndex', () => {
  it('state × product: one candidate per lead, from either field, in file order', () => {
    const states = ['NY', 'NJ', 'CA', 'TX'];
    const profiles: CompiledProfile[] = [];
    for (let i = 0; i < 40; i++) {
      profiles.push(compiled([{ field: 'state', equals: states[i % 4] }, { field: 'product', equals: `prod-${Math.floor(i / 4)}` }, { field: 'amount', gt: 5 }], i));
    }
    const index = buildProfileIndex(profiles);
    expect(ids(index.candidates({ state: 'TX', product: 'prod-3' }))).toEqual(['p15']);
    expect(ids(index.candidates({ state: 'TX', product: 'prod-99' }))).toEqual([]);
    expect(ids(index.candidates({ state: 'ZZ', product: 'prod-3' }))).toEqual([]);
    expect(ids(index.candidates({ product: 'prod-3' }))).toEqual([]);
    // Array values: any element meets a key; each profile once, in file order.
    expect(ids(index.candidates({ state: ['TX', 'NY'], product: ['prod-3', 'prod-0', 'prod-9'] }))).toEqual(['p0', 'p3', 'p12', 'p15', 'p36', 'p39']);
  });

  it('mixes groups of different key fields, unindexed and disabled profiles', () => {
    const profiles = [
      compiled([{ field: 'state', in: ['NY', 'NJ'] }], 0),
      compiled([{ field: 'amount', gt: 1 }], 1), // no key: always a candidate
      compiled([{ field: 'product', equals: 'solar' }, { all: [{ field: 'state', equals: 'NY' }] }], 2),
      compiled([{ field: 'state', equals: 'NY' }], 3, false),
      compiled([{ field: 'tags', in: ['a', 'b'] }, { field: 'tags', in: ['b', 'c'] }], 4),
      compiled([{ field: 'state', in: [] }], 5), // can never match
      compiled([{ any: [{ field: 'state', equals: 'NY' }] }, { field: 'source', equals: 1 }], 6),
    ];
    const index = buildProfileIndex(profiles);
    expect(ids(index.candidates({ state: 'NY', product: 'solar', source: 1 }))).toEqual(['p0', 'p1', 'p2', 'p6']);
    expect(ids(index.candidates({ state: 'NJ', product: 'solar' }))).toEqual(['p0', 'p1']);
    expect(ids(index.candidates({ tags: ['a', 'c'] }))).toEqual(['p1', 'p4']);
    expect(ids(index.candidates({ tags: ['a'] }))).toEqual(['p1']);
    expect(ids(index.candidates({ source: '1' }))).toEqual(['p1']);
    expect(ids(buildProfileIndex([profiles[1], profiles[3]]).candidates({ state: 'NY' }))).toEqual(['p1']);
  });

  it('a lead it cannot read gets every enabled profile', () => {
    const profiles = [compiled([{ field: 'state', equals: 'NY' }], 0), compiled([{ field: 'state', equals: 'NJ' }], 1, false)];
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    expect(ids(buildProfileIndex(profiles).candidates({ state: revoked.proxy }))).toEqual(['p0']);
  });

  it('profiles with many combinations (loose) and few (nested maps) answer alike', () => {
    const states = Array.from({ length: 30 }, (_, i) => `S${i}`);
    const profiles = [
      compiled([{ field: 'state', in: states }, { field: 'product', in: ['a', 'b', 'c'] }], 0), // 90 combinations: loose
      compiled([{ field: 'state', equals: 'S1' }, { field: 'product', equals: 'b' }], 1),
      compiled([{ field: 'state', in: states.slice(0, 2) }, { field: 'product', in: ['c', 'd'] }, { field: 'product', in: ['d', 'e'] }], 2),
    ];
    for (const maxCombinations of [undefined, 0, 1_000]) {
      const index = buildProfileIndex(profiles, { maxCombinations });
      expect(ids(index.candidates({ state: 'S1', product: 'b' })), `max ${maxCombinations}`).toEqual(['p0', 'p1']);
      expect(ids(index.candidates({ state: 'S1', product: 'c' }))).toEqual(['p0']);
      expect(ids(index.candidates({ state: 'S1', product: ['c', 'e'] }))).toEqual(['p0', 'p2']);
      expect(ids(index.candidates({ state: 'S1', product: 'd' }))).toEqual(['p2']);
      expect(ids(index.candidates({ state: 'S29', product: ['b', 'b'] }))).toEqual(['p0']);
      expect(ids(index.candidates({ state: 'S30', product: 'b' }))).toEqual([]);
    }
  });

  it.each([[undefined], [1]])('is sound: every enabled profile whose rules hold is a candidate, once, in file order (maxCombinations %s)', (maxCombinations) => {
    const r = prng(99);
    let matched = 0, multiKey = 0;
    for (let round = 0; round < 60; round++) {
      const profiles: CompiledProfile[] = [];
      for (let i = 0; i < 30; i++) {
        const rules: Rule[] = [];
        const n = Math.floor(r() * 4);
        for (let j = 0; j < n; j++) {
          const x = r();
          if (x < 0.6) rules.push(randomCondition(r, ['equals', 'in']));
          else if (x < 0.7) rules.push({ all: [randomCondition(r, ['equals', 'in']), randomRule(r, 1)] });
          else rules.push(randomRule(r, 2));
        }
        profiles.push(compiled(rules, i, r() > 0.1));
      }
      const index = buildProfileIndex(profiles, { maxCombinations });
      for (let k = 0; k < 200; k++) {
        const lead = randomLead(r);
        // Steer most leads toward one profile's keys, so matches through several keys are frequent.
        const target = profiles[Math.floor(r() * profiles.length)];
        if (r() < 0.7) {
          for (const key of indexableConditions(target.profile.rules ?? [])) {
            if (key.field.includes('.') || key.values.length === 0) continue;
            const v = key.values[Math.floor(r() * key.values.length)];
            lead[key.field] = r() < 0.2 ? [randomLead(r).state, v] : v;
          }
        }
        const candidates = index.candidates(lead);
        const orders = candidates.map((c) => c.order);
        expect(orders).toEqual([...new Set(orders)].sort((a, b) => a - b));
        expect(candidates.every((c) => c.profile.enabled)).toBe(true);
        for (const cp of profiles) {
          if (!cp.profile.enabled || !cp.rules.test(lead)) continue;
          matched++;
          if (indexableConditions(cp.profile.rules ?? []).length > 1) multiKey++;
          if (!candidates.includes(cp)) expect.fail(`unsound: ${JSON.stringify(cp.profile.rules)} matches ${JSON.stringify(lead)} but is no candidate`);
        }
      }
    }
    expect(matched).toBeGreaterThan(1000);
    expect(multiKey).toBeGreaterThan(100); // matches through two or more keys: the intersection is tested
  });

  it('built with the previous index, answers as one built afresh, in the new profile objects, over random edits', () => {
    const r = prng(7);
    const randomRules = (): Rule[] => Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.7 ? randomCondition(r, ['equals', 'in']) : randomRule(r, 1)));
    let profiles = Array.from({ length: 25 }, (_, i) => compiled(randomRules(), i, r() > 0.1));
    let index = buildProfileIndex(profiles);
    let kept = 0;
    for (let round = 0; round < 80; round++) {
      // A reload: most profiles are new objects with the same rule list (a description changed),
      // some get new rules, some are switched off or on, and now and then one is added or removed.
      const next = profiles.map((cp, i) => {
        const x = r();
        if (x < 0.5) return compiled(cp.profile.rules as Rule[], i, cp.profile.enabled);
        if (x < 0.55) return compiled(randomRules(), i, cp.profile.enabled);
        if (x < 0.58) return compiled(cp.profile.rules as Rule[], i, !cp.profile.enabled);
        return cp;
      });
      if (r() < 0.1) next.push(compiled(randomRules(), next.length));
      if (r() < 0.1 && next.length > 1) next.pop();
      const rebuilt = buildProfileIndex(next, {}, index);
      const fresh = buildProfileIndex(next);
      for (let k = 0; k < 60; k++) {
        const lead = randomLead(r);
        const target = next[Math.floor(r() * next.length)];
        for (const key of indexableConditions(target.profile.rules ?? [])) {
          if (!key.field.includes('.') && key.values.length) lead[key.field] = key.values[Math.floor(r() * key.values.length)];
        }
        const got = rebuilt.candidates(lead);
        expect(got).toEqual(fresh.candidates(lead));
        // The profiles of this list, never those of the list the previous index was built for.
        for (const cp of got) expect(cp).toBe(next[cp.order]);
        if (got.length) kept++;
      }
      profiles = next;
      index = rebuilt;
    }
    expect(kept).toBeGreaterThan(1000);
  });
});
