import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from './freeze.ts';
import { shareUnchanged } from './share.ts';

/** A value as YAML gives it: scalars, arrays and plain objects, a few levels deep. */
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('value'), { maxKeys: 4 }),
})).value;

/** A copy of `v` with some parts changed: the new value of a file parsed again. */
const edited = (v: unknown, rnd: () => number): unknown => {
  if (rnd() < 0.1) return rnd() < 0.5 ? 'changed' : { changed: true };
  if (Array.isArray(v)) return rnd() < 0.1 ? [...v.map((x) => edited(x, rnd)), 'added'] : v.map((x) => edited(x, rnd));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).filter(() => rnd() > 0.05).map(([k, x]) => [k, edited(x, rnd)]));
  return v;
};

/** Every object of `v`, as [path, object]. */
function objects(v: unknown, path = '$', out: [string, object][] = []): [string, object][] {
  if (typeof v !== 'object' || v === null) return out;
  out.push([path, v]);
  for (const [k, x] of Object.entries(v)) objects(x, `${path}.${k}`, out);
  return out;
}

describe('shareUnchanged', () => {
  it('keeps the new value as it reads, reusing every previous part it equals and nothing else', () => {
    fc.assert(fc.property(yamlValue, fc.integer(), (before, seed) => {
      let s = seed;
      const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const previous = deepFreeze(structuredClone(before));
      const next = edited(structuredClone(before), rnd);
      const expected = structuredClone(next);
      const shared = shareUnchanged(next, previous);
      expect(shared).toStrictEqual(expected);
      // Each object of the result is the previous one at its path when they are equal, a new one otherwise.
      const old = new Map(objects(previous));
      for (const [path, o] of objects(shared)) {
        const was = old.get(path);
        const equal = was !== undefined && Array.isArray(was) === Array.isArray(o) && JSON.stringify(was) === JSON.stringify(o);
        expect(o === was, path).toBe(equal);
      }
    }), { numRuns: 300 });
  });

  it('gives the previous value back when nothing changed, and a new one when keys moved', () => {
    const previous = deepFreeze({ id: 'p', partners: [{ partner: 'acme', rules: [{ field: 'state', in: ['CA'] }] }] });
    expect(shareUnchanged(structuredClone(previous), previous)).toBe(previous);
    const moved = { partners: structuredClone(previous.partners), id: 'p' };
    const shared = shareUnchanged(moved, previous);
    expect(shared).not.toBe(previous);
    expect(shared.partners).toBe(previous.partners);
  });

  it('shares the untouched assignments of a profile whose one cap changed', () => {
    const previous = deepFreeze({ id: 'p', description: 'a', partners: [{ partner: 'acme', caps: { day: 5 }, rules: [{ field: 'state', equals: 'CA' }] }, { partner: 'nw', rules: [] }] });
    const next = structuredClone(previous) as { description: string; partners: { caps?: { day: number } }[] };
    next.description = 'b';
    next.partners[0].caps = { day: 6 };
    const shared = shareUnchanged(next, previous);
    expect(shared.partners).not.toBe(previous.partners);
    expect(shared.partners[1]).toBe(previous.partners[1]);
    expect((shared.partners[0] as { rules: unknown }).rules).toBe(previous.partners[0].rules);
    expect(shared.partners[0].caps).toEqual({ day: 6 });
  });
});
