// Every cap window through the HTTP API with an injected clock: a partner with a cap of 1 takes
// the first lead, the next ones spill to the backup partner until the window rolls over, exactly
// at the local boundary (DST days of 23 and 25 hours, month and year ends, Monday weeks).
import { describe, expect, it } from 'vitest';
import type { Caps, Partner } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { assign, config, harness, partner, postJson, profile, validLead } from './test-fixtures.ts';

function setup(caps: { assignment?: Caps; partner?: Caps }, partnerExtra: Partial<Partner> = {}) {
  let clock = new Date(0);
  const snapshot = compileSnapshot(
    config(
      [profile('east', [assign('acme', 10, caps.assignment ? { caps: caps.assignment } : {}), assign('backup', 1)])],
      [partner('acme', { ...partnerExtra, ...(caps.partner ? { caps: caps.partner } : {}) }), partner('backup')],
    ),
    { env: {} },
  );
  const h = harness({ now: () => clock, caps: createMemoryCapStore({ now: () => clock.getTime() }) }, snapshot);
  /** The partner that gets a lead posted at `at`. */
  return async (at: string): Promise<string> => {
    clock = new Date(at);
    const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead));
    expect(res.status).toBe(202);
    return (await res.json()).routes[0].partner;
  };
}

// The entity's timezone is America/New_York (test-fixtures).
describe('cap windows over HTTP (injected clock)', () => {
  it('hour: resets at the top of the local hour', async () => {
    const post = setup({ assignment: { hour: 1 } });
    expect(await post('2026-03-10T15:20:00Z')).toBe('acme');
    expect(await post('2026-03-10T15:59:59.999Z')).toBe('backup');
    expect(await post('2026-03-10T16:00:00Z')).toBe('acme');
  });

  it('day on the spring-forward DST day (23 h): resets at the next local midnight, 04:00Z', async () => {
    const post = setup({ assignment: { day: 1 } });
    expect(await post('2026-03-08T05:00:00Z')).toBe('acme'); // 00:00 EST
    expect(await post('2026-03-09T03:59:59.999Z')).toBe('backup'); // 23:59 EDT, same local day
    expect(await post('2026-03-09T04:00:00Z')).toBe('acme'); // 00:00 EDT
  });

  it('day on the fall-back DST day (25 h): resets at the next local midnight, 05:00Z', async () => {
    const post = setup({ assignment: { day: 1 } });
    expect(await post('2026-11-01T04:00:00Z')).toBe('acme'); // 00:00 EDT
    expect(await post('2026-11-02T04:30:00Z')).toBe('backup'); // 23:30 EST, still Nov 1
    expect(await post('2026-11-02T05:00:00Z')).toBe('acme');
  });

  it("day in the partner's timezone, not the entity's", async () => {
    const post = setup({ partner: { day: 1 } }, { timezone: 'Asia/Tokyo' });
    expect(await post('2026-03-10T10:00:00Z')).toBe('acme'); // 19:00 in Tokyo
    expect(await post('2026-03-10T14:59:59Z')).toBe('backup');
    expect(await post('2026-03-10T15:00:00Z')).toBe('acme'); // midnight in Tokyo
  });

  it('week: resets on Monday 00:00 local', async () => {
    const post = setup({ assignment: { week: 1 } });
    expect(await post('2026-03-10T15:00:00Z')).toBe('acme'); // Tuesday
    expect(await post('2026-03-16T03:59:59Z')).toBe('backup'); // Sunday 23:59 EDT
    expect(await post('2026-03-16T04:00:00Z')).toBe('acme'); // Monday 00:00 EDT
  });

  it('month: resets on the 1st at local midnight, across the year end too', async () => {
    const post = setup({ assignment: { month: 1 } });
    expect(await post('2026-03-31T12:00:00Z')).toBe('acme');
    expect(await post('2026-04-01T03:59:59Z')).toBe('backup'); // still March in New York
    expect(await post('2026-04-01T04:00:00Z')).toBe('acme');
    expect(await post('2026-12-31T23:00:00Z')).toBe('acme');
    expect(await post('2027-01-01T04:59:59Z')).toBe('backup'); // still December (EST)
    expect(await post('2027-01-01T05:00:00Z')).toBe('acme');
  });

  it('lifetime: never resets', async () => {
    const post = setup({ partner: { lifetime: 1 } });
    expect(await post('2026-03-10T15:00:00Z')).toBe('acme');
    expect(await post('2027-06-01T00:00:00Z')).toBe('backup');
  });

  it('custom period (every: 36h): fixed windows aligned to the Unix epoch', async () => {
    const post = setup({ assignment: { custom: [{ every: '36h', max: 1 }] } });
    const period = 36 * 3_600_000;
    const start = Math.ceil(Date.parse('2026-03-10T00:00:00Z') / period) * period;
    expect(await post(new Date(start).toISOString())).toBe('acme');
    expect(await post(new Date(start + period - 1).toISOString())).toBe('backup');
    expect(await post(new Date(start + period).toISOString())).toBe('acme');
  });

  it('assignment caps and partner-wide caps both apply: the stricter one refuses', async () => {
    const post = setup({ assignment: { day: 5 }, partner: { hour: 1 } });
    expect(await post('2026-03-10T15:00:00Z')).toBe('acme');
    expect(await post('2026-03-10T15:30:00Z')).toBe('backup');
    expect(await post('2026-03-10T16:00:00Z')).toBe('acme');
  });
});
