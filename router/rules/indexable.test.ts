import { describe, expect, it } from 'vitest';
import type { Rule } from '../config/types.ts';
import { compileRules } from './compile.ts';
import { prng, randomCondition, randomLead, randomRule } from './fuzz.ts';
import { indexableConditions, indexableKeys } from './indexable.ts';
import { compilePath } from './path.ts';

describe('indexableKeys', () => {
  it('null when no top-level equality or in-list must hold', () => {
    expect(indexableKeys([])).toBeNull();
    expect(indexableKeys([{ field: 'amount', between: [1, 2] }, { field: 'zip', startsWith: '1' }])).toBeNull();
    expect(indexableKeys([{ field: 'state', notIn: ['NY'] }, { field: 'state', notEquals: 'NJ' }])).toBeNull();
    expect(indexableKeys([{ any: [{ field: 'state', equals: 'NY' }] }])).toBeNull();
    expect(indexableKeys([{ not: { field: 'state', equals: 'NY' } }])).toBeNull();
    expect(indexableKeys([{ field: 'state', equals: 'NY', ignoreCase: true }])).toBeNull();
    expect(indexableKeys([{ field: 'state', in: ['NY'], ignoreCase: true }])).toBeNull();
  });

  it('takes an equals or in condition of the top-level list', () => {
    expect(indexableKeys([{ field: 'state', equals: 'NY' }])).toEqual({ field: 'state', values: ['NY'] });
    expect(indexableKeys([{ field: 'zip', startsWith: '1' }, { field: 'state', in: ['NY', 'NJ'] }])).toEqual({ field: 'state', values: ['NY', 'NJ'] });
    expect(indexableKeys([{ field: 'vip', equals: true }])).toEqual({ field: 'vip', values: [true] });
    expect(indexableKeys([{ field: 'tier', in: [1, 2, 2] }])).toEqual({ field: 'tier', values: [1, 2] });
    expect(indexableKeys([{ field: 'address.state', equals: 'NY', ignoreCase: false }])).toEqual({ field: 'address.state', values: ['NY'] });
  });

  it('prefers the field with the fewest values, the first one on a tie', () => {
    const rules: Rule[] = [
      { field: 'state', in: ['NY', 'NJ', 'CT'] },
      { field: 'product', in: ['solar', 'roof'] },
      { field: 'source', in: ['web', 'ads'] },
    ];
    expect(indexableKeys(rules)).toEqual({ field: 'product', values: ['solar', 'roof'] });
    expect(indexableKeys([...rules, { field: 'status', equals: 'New' }])).toEqual({ field: 'status', values: ['New'] });
  });

  it('never intersects conditions on one field (an array value can meet each through a different element)', () => {
    const rules: Rule[] = [{ field: 'tags', in: ['a', 'b', 'c'] }, { field: 'tags', in: ['b', 'c'] }];
    expect(indexableKeys(rules)).toEqual({ field: 'tags', values: ['b', 'c'] });
    const split: Rule[] = [{ field: 'tags', in: ['a', 'b'] }, { field: 'tags', in: ['b', 'c'] }];
    expect(compileRules(split).test({ tags: ['a', 'c'] })).toBe(true);
    expect(indexableKeys(split)).toEqual({ field: 'tags', values: ['a', 'b'] });
  });

  it('looks inside top-level all-groups, never inside any or not', () => {
    expect(indexableKeys([{ all: [{ field: 'zip', startsWith: '1' }, { all: [{ field: 'state', equals: 'NY' }] }] }]))
      .toEqual({ field: 'state', values: ['NY'] });
    expect(indexableKeys([{ any: [{ all: [{ field: 'state', equals: 'NY' }] }] }, { not: { all: [{ field: 'state', equals: 'NJ' }] } }])).toBeNull();
  });

  it('is sound: test(lead) true implies the lead value (or an array element) is in values', () => {
    const r = prng(7);
    let checked = 0, indexed = 0;
    for (let i = 0; i < 3000; i++) {
      // Must-hold equality/in conditions mixed with anything else, at the top and in all-groups.
      const rules: Rule[] = [];
      const n = 1 + Math.floor(r() * 4);
      for (let j = 0; j < n; j++) {
        const x = r();
        if (x < 0.45) rules.push(randomCondition(r, ['equals', 'in']));
        else if (x < 0.55) rules.push({ all: [randomCondition(r, ['equals', 'in']), randomRule(r, 1)] });
        else rules.push(randomRule(r, 2));
      }
      const key = indexableKeys(rules);
      if (!key) continue;
      indexed++;
      const compiled = compileRules(rules);
      const read = compilePath(key.field);
      const values = new Set<unknown>(key.values);
      for (let k = 0; k < 60; k++) {
        const lead = randomLead(r);
        // Steer half the leads toward the index values, so matches are frequent.
        if (r() < 0.5 && key.values.length && !key.field.includes('.')) lead[key.field] = key.values[Math.floor(r() * key.values.length)];
        if (!compiled.test(lead)) continue;
        const v = read(lead);
        const inIndex = Array.isArray(v) ? v.some((e) => values.has(e)) : values.has(v);
        if (!inIndex) expect.fail(`unsound: ${JSON.stringify(rules)} → ${JSON.stringify(key)} but ${JSON.stringify(lead)} matches`);
        checked++;
      }
    }
    expect(indexed).toBeGreaterThan(1000);
    expect(checked).toBeGreaterThan(2000);
  });
});

describe('indexableConditions', () => {
  it('lists every must-hold equals/in condition in rule order, two on one field as two', () => {
    const rules: Rule[] = [
      { field: 'state', in: ['NY', 'NJ', 'NY'] },
      { field: 'amount', between: [1, 2] },
      { all: [{ field: 'product', equals: 'solar' }, { any: [{ field: 'source', equals: 'web' }] }] },
      { field: 'tags', in: ['a', 'b'] },
      { field: 'tags', in: ['b', 'c'] },
      { not: { field: 'state', equals: 'CT' } },
      { field: 'status', equals: 'New', ignoreCase: true },
    ];
    expect(indexableConditions(rules)).toEqual([
      { field: 'state', values: ['NY', 'NJ'] },
      { field: 'product', values: ['solar'] },
      { field: 'tags', values: ['a', 'b'] },
      { field: 'tags', values: ['b', 'c'] },
    ]);
    expect(indexableConditions([])).toEqual([]);
    expect(indexableConditions([{ any: [{ field: 'state', equals: 'NY' }] }])).toEqual([]);
  });

  it('is sound for every key at once: test(lead) true implies each key holds', () => {
    const r = prng(11);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const rules: Rule[] = [];
      const n = 1 + Math.floor(r() * 4);
      for (let j = 0; j < n; j++) {
        const x = r();
        if (x < 0.5) rules.push(randomCondition(r, ['equals', 'in']));
        else if (x < 0.6) rules.push({ all: [randomCondition(r, ['equals', 'in']), randomRule(r, 1)] });
        else rules.push(randomRule(r, 2));
      }
      const keys = indexableConditions(rules);
      if (keys.length < 2) continue;
      const compiled = compileRules(rules);
      for (let k = 0; k < 60; k++) {
        const lead = randomLead(r);
        for (const key of keys) {
          if (r() < 0.6 && key.values.length && !key.field.includes('.')) lead[key.field] = key.values[Math.floor(r() * key.values.length)];
        }
        if (!compiled.test(lead)) continue;
        for (const key of keys) {
          const v = compilePath(key.field)(lead);
          const values = new Set<unknown>(key.values);
          const holds = Array.isArray(v) ? v.some((e) => values.has(e)) : values.has(v);
          if (!holds) expect.fail(`unsound: ${JSON.stringify(rules)} → ${JSON.stringify(key)} but ${JSON.stringify(lead)} matches`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
