// The two ends of value-wire.ts in one process: what the holder rebuilds equals what was sent,
// keeps what did not change the same objects, and holds exactly what the sender thinks it holds.
import { describe, expect, it } from 'vitest';
import { prng } from '../testing/prng.ts';
import { deepFreeze } from './freeze.ts';
import { shareUnchanged } from './share.ts';
import { createValueHolder, createValueSender, type Sent } from './value-wire.ts';

type Doc = { kind: 'Profile'; value: Record<string, unknown> };

const assignment = (partner: string, n: number) => ({ partner, priority: n, rules: [{ field: 'state', in: ['CA', `S${n}`] }], caps: { day: n } });
const profile = (id: string, n: number) => ({
  kind: 'Profile', id, description: `d${n}`, rules: [{ field: 'product', equals: id }],
  partners: [assignment('acme', n % 3), assignment('nw', 1), assignment('zeta', 2)],
});

function takeIn(holder: ReturnType<typeof createValueHolder>, sent: Sent) {
  for (const [n, bytes] of sent.values) holder.add(n, bytes);
  const docs = sent.docs.map(([, n]) => holder.get(n) as Record<string, unknown>);
  holder.drop(sent.dropped);
  return docs;
}

describe('value-wire: a ValueSender and a ValueHolder', () => {
  it('rebuild every document, share what did not change, and hold the same objects on both sides over random edits', () => {
    const sender = createValueSender();
    const holder = createValueHolder();
    const rnd = prng(21);
    let docs: Doc[] = [];
    let taken: Record<string, unknown>[] = [];
    for (let step = 0; step < 200; step++) {
      const next: Doc[] = [];
      for (let i = 0; i < 6; i++) {
        const before = docs.find((d) => d.value.id === `p${i}`);
        const roll = rnd();
        if (roll < 0.1) continue; // removed
        if (before && roll < 0.5) {
          next.push(before); // unchanged file
          continue;
        }
        // A file read again: a new parse, sharing with the file's previous value what is equal.
        const fresh = profile(`p${i}`, Math.floor(rnd() * 4));
        if (rnd() < 0.3) fresh.partners.reverse();
        next.push({ kind: 'Profile', value: deepFreeze(before ? shareUnchanged(fresh, before.value) : fresh) });
      }
      const sent = sender.send(next);
      const got = takeIn(holder, sent);
      expect(got, `step ${step}`).toEqual(next.map((d) => d.value));
      // An object the sender kept is the holder's object from the step before.
      next.forEach((d, i) => {
        const was = docs.findIndex((x) => x.value.partners === d.value.partners);
        if (was >= 0) expect(got[i].partners).toBe(taken[was].partners);
      });
      expect(holder.size).toBe(sender.size);
      expect(Object.isFrozen(got[0]?.partners)).toBe(got.length === 0 ? false : true);
      docs = next;
      taken = got;
    }
    takeIn(holder, sender.send([]));
    expect(sender.size).toBe(0);
    expect(holder.size).toBe(0);
  });

  it('sends a document whose one assignment changed as its top level and that assignment, naming the rest', () => {
    const sender = createValueSender();
    const holder = createValueHolder();
    const first = deepFreeze(profile('p', 0));
    const [before] = takeIn(holder, sender.send([{ kind: 'Profile', value: first }]));
    const edited = profile('p', 0);
    edited.partners[1] = assignment('nw', 5);
    const second = deepFreeze(shareUnchanged(edited, first));
    const sent = sender.send([{ kind: 'Profile', value: second }]);
    const [after] = takeIn(holder, sent);
    expect(after).toEqual(second);
    const partners = (v: Record<string, unknown>) => v.partners as unknown[];
    expect(partners(after)[0]).toBe(partners(before)[0]);
    expect(partners(after)[2]).toBe(partners(before)[2]);
    expect(partners(after)[1]).not.toBe(partners(before)[1]);
    expect(after.rules).toBe(before.rules);
    // The old value and its changed assignment (with its rule list and caps) are let go of.
    expect(sent.dropped.length).toBeGreaterThan(0);
    expect(holder.size).toBe(sender.size);
  });
});
