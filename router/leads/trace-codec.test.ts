import { describe, expect, it } from 'vitest';
import type { Condition } from '../config/types.ts';
import { compileRules } from '../rules/compile.ts';
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

describe('trace codec: schedules and budgets', () => {
  it('keeps when a closed partner opens and what a lead over budget would have cost, and rebuilds their messages', () => {
    const closed = { partner: 'helios', priority: 5, outcome: 'skipped' as const, reason: 'closed' as const, message: 'helios skipped: closed until Mon 07:00 America/Denver', opensAt: '2026-12-14T14:00:00.000Z', opens: 'Mon 07:00 America/Denver' };
    const never = { partner: 'nobody', priority: 5, outcome: 'skipped' as const, reason: 'closed' as const, message: 'nobody skipped: closed (its schedule never opens)', opensAt: null, opens: null };
    const over = { partner: 'acme', priority: 10, outcome: 'skipped' as const, reason: 'budget' as const, cap: { label: 'partner acme day', limit: 500, used: 480 }, price: 42.5, message: 'acme skipped: budget partner acme day would be passed (480 of 500 spent, this lead costs 42.5)' };
    const trace: ProfileTrace[] = [{ profile: 'p', name: 'P', strategy: 'first-match', outcome: 'matched', partners: [closed, never, over], message: 'profile p matched; no partner could take the lead' }];
    const stored = encodeTrace(trace);
    expect(stored).not.toContain('closed until');
    expect(stored).not.toContain('would be passed');
    expect(decodeTrace(stored)).toEqual(trace);
  });
});

describe('decodeLead with either trace format', () => {
  it('reads the compact trace field, and a record saved before it (trace inside `lead`)', async () => {
    const { decodeLead } = await import('./redis-codec.ts');
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

describe('trace codec: failures worded by their condition', () => {
  // Every operator, with and without ignoreCase, against values of the right type, the wrong
  // type, nested ones and lists: the stored failure leaves its words out and gets them back.
  const conditions: Condition[] = [
    { field: 'state', equals: 'NY' }, { field: 'state', equals: 'ny', ignoreCase: true }, { field: 'state', notEquals: 'TX' },
    { field: 'name', contains: 'Lee' }, { field: 'name', notContains: 'lee', ignoreCase: true }, { field: 'zip', startsWith: '9' },
    { field: 'zip', endsWith: '01' }, { field: 'state', in: ['NY', 'NJ'] }, { field: 'state', in: ['ny'], ignoreCase: true },
    { field: 'state', notIn: ['TX', 'CA'] }, { field: 'amount', between: [10, 20] }, { field: 'amount', gt: 5 },
    { field: 'amount', gte: 5 }, { field: 'amount', lt: 5 }, { field: 'amount', lte: 5 }, { field: 'zip', matches: '^9[0-6]' },
    { field: 'zip', matches: '^AB', ignoreCase: true }, { field: 'notes', empty: true }, { field: 'notes', empty: false },
    { field: 'address.city', equals: 'Albany' }, { field: 'tags', contains: 'vip' }, { field: 'veteran', equals: true },
  ];
  const values: Record<string, unknown>[] = [
    { state: 'TX', name: 'Ann Lee', zip: '10001', amount: 3, notes: 'x', address: { city: 'Buffalo' }, tags: ['new'], veteran: false },
    { state: 'ny', name: 'ANN LEE', zip: 'ab123', amount: '15', notes: '', address: 'none', tags: 'vip?', veteran: 'yes' },
    { state: 7, name: ['x'], zip: 90210, amount: 25.5, notes: [], address: { city: 'albany' }, tags: [], veteran: null },
  ];

  it('rebuilds every message exactly and stores none of them', () => {
    let failures = 0;
    for (const [i, c] of conditions.entries()) {
      const rules = compileRules([c]);
      for (const lead of values) {
        const failed = rules.explain(lead);
        if (!failed) continue;
        failures++;
        const trace: ProfileTrace[] = [{
          profile: 'p', name: 'P', strategy: 'first-match', outcome: 'skipped', reason: 'rules', failed,
          message: `profile p skipped: ${failed.message} (at ${failed.at})`,
          partners: [{ partner: 'a', priority: 1, outcome: 'skipped', reason: 'rules', failed, message: `a skipped: ${failed.message} (at ${failed.at})` }],
        }];
        const stored = encodeTrace(trace);
        if (failed.actual !== undefined) expect(stored, `condition ${i}`).not.toContain(JSON.stringify(failed.message).slice(1, -1));
        expect(roundTrip(trace), `condition ${i}: ${failed.message}`).toEqual(asJson(trace));
      }
    }
    expect(failures).toBeGreaterThan(40);
  });

  it('clips a whole lead value stored before routing clipped them, its words rebuilt from the whole', () => {
    const long = `${'9'.repeat(200)}x`;
    const failed = compileRules([{ field: 'zip', startsWith: '1' }]).explain({ zip: long })!;
    expect(failed.actual).toBe(long);
    const trace: ProfileTrace[] = [{ profile: 'p', name: 'P', strategy: 'first-match', outcome: 'skipped', reason: 'rules', failed, message: 'x', partners: [] }];
    const back = roundTrip(trace)[0].failed!;
    expect(back.actual).toBe(`${'9'.repeat(63)}…`);
    expect(back.message).toBe(failed.message);
  });

  it('keeps the words of a failure that was copied or built by hand', () => {
    const failed = compileRules([{ field: 'zip', startsWith: '9' }]).explain({ zip: '10001' })!;
    const copy = { ...failed, message: 'zip is not from the west' };
    const trace: ProfileTrace[] = [{ profile: 'p', name: 'P', strategy: 'first-match', outcome: 'skipped', reason: 'rules', failed: copy, message: 'x', partners: [] }];
    expect(encodeTrace(trace)).toContain('zip is not from the west');
    expect(roundTrip(trace)).toEqual(asJson(trace));
  });
});

describe('trace codec: ping-post traces', () => {
  it('keeps the words of every bid, no-bid and the auction outcome through a round trip', () => {
    const trace: ProfileTrace[] = [{
      profile: 'auction', name: 'Auction', strategy: 'ping-post', outcome: 'matched', auction: 'won by a at 12',
      message: 'profile auction matched; auction won by a at 12',
      partners: [
        { partner: 'a', priority: 10, outcome: 'selected', bid: 12, message: 'a selected: bid 12, the highest (priority 10)' },
        { partner: 'b', priority: 5, outcome: 'eligible', reason: 'outbid', bid: 9, message: 'b bid 9: outbid by a' },
        { partner: 'c', priority: 5, outcome: 'skipped', reason: 'no-bid', noBid: 'HTTP 500', message: 'c no bid: HTTP 500' },
        { partner: 'd', priority: 5, outcome: 'skipped', reason: 'below-min', bid: 3, minBid: 5, message: 'd bid 3: below the minimum bid 5' },
      ],
    }];
    const back = roundTrip(trace);
    expect(back[0].message).toBe(trace[0].message);
    expect(back[0].partners.map((p) => p.message)).toEqual(trace[0].partners.map((p) => p.message));
  });
});
