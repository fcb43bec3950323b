import { describe, expect, it } from 'vitest';
import type { ProfileTrace } from '../routing/types.ts';
import { decodeTrace, encodeTrace } from './trace-codec.ts';

// What the API shows: the trace as JSON.
const asJson = (t: ProfileTrace[]) => JSON.parse(JSON.stringify(t)) as unknown;
const roundTrip = (t: ProfileTrace[]) => decodeTrace(encodeTrace(t));

const failure = (at: string, message: string, extra: object = {}) =>
  ({ at, field: 'zip', operator: 'startsWith' as const, expected: '2', actual: '79546', message, ...extra });

describe('trace codec', () => {
  const trace: ProfileTrace[] = [
    {
      profile: 'p1', name: 'P one', strategy: 'first-match', partners: [
        { partner: 'a', priority: 11, outcome: 'selected', message: 'a selected (priority 11)' },
        { partner: 'b', priority: 11, outcome: 'eligible', reason: 'not-chosen', message: 'b eligible but not chosen: a took the lead (first-match)' },
        { partner: 'c', priority: 9, outcome: 'skipped', reason: 'rules', failed: failure('partners[2].rules[0]', 'zip "79546" does not start with "2"'), message: 'c skipped: zip "79546" does not start with "2" (at partners[2].rules[0])' },
        { partner: 'd', priority: 9, outcome: 'skipped', reason: 'cap', cap: { label: 'day', limit: 10, used: 10 }, message: 'd skipped: cap day is full (10/10)' },
        { partner: 'e', priority: 8, outcome: 'skipped', reason: 'inactive', message: 'e skipped: inactive in this profile' },
        { partner: 'f', priority: 8, outcome: 'skipped', reason: 'partner-inactive', message: 'f skipped: partner is inactive' },
        { partner: 'g', priority: 7, outcome: 'skipped', reason: 'excluded', message: 'g skipped: already tried for this lead' },
        { partner: 'h', priority: 7, outcome: 'skipped', reason: 'rules', message: 'h skipped: rules do not match' },
        // A failure without the lead's value (missing field), and one with null: kept apart.
        { partner: 'i', priority: 6, outcome: 'skipped', reason: 'rules', failed: { at: 'rules[0]', field: 'zip', operator: 'any', message: 'no branch' }, message: 'i skipped: no branch (at rules[0])' },
        { partner: 'j', priority: 6, outcome: 'skipped', reason: 'rules', failed: failure('rules[1]', 'zip null', { actual: null }), message: 'j skipped: zip null (at rules[1])' },
      ],
      outcome: 'matched', message: 'profile p1 matched',
    },
    {
      profile: 'p2', name: 'P two', strategy: 'send-to-all', partners: [
        { partner: 'a', priority: 1, outcome: 'eligible', message: 'a eligible (priority 1)' },
      ],
      outcome: 'matched', message: 'profile p2 matched; no partner could take the lead',
    },
    { profile: 'p3', name: 'P3', strategy: 'first-match', partners: [], outcome: 'skipped', reason: 'disabled', message: 'profile p3 skipped: disabled' },
    { profile: 'p4', name: 'P4', strategy: 'first-match', partners: [], outcome: 'skipped', reason: 'rules', failed: failure('rules[0]', 'state "TX" is not in [NY]'), message: 'profile p4 skipped: state "TX" is not in [NY] (at rules[0])' },
    { profile: 'p5', name: 'P5', strategy: 'first-match', partners: [], outcome: 'skipped', reason: 'rules', message: 'profile p5 skipped: rules do not match' },
  ];

  it('decodes to the same JSON, every kind of message included', () => {
    expect(roundTrip(trace)).toEqual(asJson(trace));
    expect(JSON.stringify(roundTrip(trace)[0].partners[9].failed)).toContain('"actual":null');
    expect(roundTrip(trace)[0].partners[8].failed).not.toHaveProperty('actual');
  });

  it('leaves out messages that say what their fields say, and keeps any other wording', () => {
    const stored = encodeTrace(trace);
    expect(stored).not.toContain('selected (priority 11)');
    expect(stored).not.toContain('(at partners[2].rules[0])');
    expect(stored.length).toBeLessThan(JSON.stringify(trace).length / 2);

    const odd: ProfileTrace[] = [{
      profile: 'p', name: 'P', strategy: 'first-match', outcome: 'matched', message: 'profile p matched, said differently',
      partners: [{ partner: 'a', priority: 1, outcome: 'selected', message: 'a picked' }],
    }];
    expect(encodeTrace(odd)).toContain('a picked');
    expect(roundTrip(odd)).toEqual(asJson(odd));
  });

  it('keeps the order of the fields the routing code writes, message last', () => {
    const p = roundTrip(trace)[0].partners[2];
    expect(Object.keys(p)).toEqual(['partner', 'priority', 'outcome', 'reason', 'failed', 'message']);
    expect(Object.keys(roundTrip(trace)[3])).toEqual(['profile', 'name', 'strategy', 'partners', 'outcome', 'reason', 'failed', 'message']);
  });
});

describe('decodeLead with either trace format', () => {
  it('reads the compact trace field, and a record saved before it (trace inside `lead`)', async () => {
    const { decodeLead } = await import('./redis-store.ts');
    const trace: ProfileTrace[] = [{
      profile: 'p', name: 'P', strategy: 'first-match', outcome: 'matched', message: 'profile p matched',
      partners: [{ partner: 'a', priority: 1, outcome: 'selected', message: 'a selected (priority 1)' }],
    }];
    const fixed = { leadId: 'L1', entity: 'e', receivedAt: '2026-01-01T00:00:00.000Z', test: false, status: 'routed' };
    const now = decodeLead({ lead: JSON.stringify(fixed), t: encodeTrace(trace), state: 'pending', nr: '0', na: '0' });
    const before = decodeLead({ lead: JSON.stringify({ ...fixed, trace }), state: 'pending', nr: '0', na: '0' });
    expect(now).toEqual(before);
    expect(now?.trace).toEqual(asJson(trace));
  });
});
