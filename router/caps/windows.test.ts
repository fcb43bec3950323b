import { describe, expect, it } from 'vitest';
import type { Caps } from '../config/types.ts';
import { capCounters, capCountersMemo } from './windows.ts';

const HOUR = 3_600_000;

function counters(caps: Caps, timezone: string, at: string, scope = 'partner') {
  return capCounters({ prefix: 'lr:', partner: 'acme', scope, caps, timezone, now: new Date(at) });
}

/** The one counter of a single-window cap: its window id (what follows the window name), key and end as ISO. */
function one(window: 'hour' | 'day' | 'week' | 'month' | 'lifetime', timezone: string, at: string) {
  const [c] = counters({ [window]: 1 }, timezone, at);
  const head = `lr:cap:{acme}:partner:${window}:`;
  expect(c.key.startsWith(head)).toBe(true);
  return { id: c.key.slice(head.length), key: c.key, end: c.expireAt === null ? null : new Date(c.expireAt).toISOString() };
}
const day = (tz: string, at: string) => one('day', tz, at);
const hour = (tz: string, at: string) => one('hour', tz, at);
const week = (tz: string, at: string) => one('week', tz, at);
const month = (tz: string, at: string) => one('month', tz, at);

describe('capCounters: keys and labels', () => {
  it('builds one hash-tagged key per window, in order', () => {
    const cs = counters({ hour: 1, day: 2, week: 3, month: 4, lifetime: 5, custom: [{ every: '36h', max: 6 }] }, 'UTC', '2026-03-08T14:30:00Z');
    expect(cs.map((c) => [c.key, c.limit, c.label])).toEqual([
      ['lr:cap:{acme}:partner:hour:2026-03-08T14', 1, 'partner acme hour'],
      ['lr:cap:{acme}:partner:day:2026-03-08', 2, 'partner acme day'],
      ['lr:cap:{acme}:partner:week:2026-W10', 3, 'partner acme week'],
      ['lr:cap:{acme}:partner:month:2026-03', 4, 'partner acme month'],
      ['lr:cap:{acme}:partner:lifetime:all', 5, 'partner acme lifetime'],
      [`lr:cap:{acme}:partner:every:36h:${Math.floor(Date.parse('2026-03-08T14:30:00Z') / (36 * HOUR))}`, 6, 'partner acme every 36h'],
    ]);
    expect(cs[4].expireAt).toBeNull();
  });

  it('labels a profile scope as profile/partner', () => {
    const [c] = counters({ month: 1000 }, 'UTC', '2026-03-08T14:30:00Z', 'profile:residential-east');
    expect(c.key).toBe('lr:cap:{acme}:profile:residential-east:month:2026-03');
    expect(c.label).toBe('residential-east/acme month');
  });

  it('no caps, no counters; a zero cap is a counter with limit 0', () => {
    expect(counters({}, 'UTC', '2026-03-08T00:00:00Z')).toEqual([]);
    expect(counters({ day: 0 }, 'UTC', '2026-03-08T00:00:00Z').map((c) => c.limit)).toEqual([0]);
  });

  it('two identical custom periods share one counter with the stricter limit', () => {
    const cs = counters({ custom: [{ every: '36h', max: 9 }, { every: '36h', max: 4 }, { every: '90m', max: 2 }] }, 'UTC', '2026-03-08T00:00:00Z');
    expect(cs.map((c) => c.limit)).toEqual([4, 2]);
  });

  it('refuses a partner id that would break the hash tag, and an unknown timezone', () => {
    expect(() => capCounters({ prefix: '', partner: 'a}b', scope: 'partner', caps: { day: 1 }, timezone: 'UTC', now: new Date() })).toThrow(/partner/);
    expect(() => counters({ day: 1 }, 'Mars/Olympus_Mons', '2026-03-08T00:00:00Z')).toThrow(RangeError);
  });

  it('the same instant falls on different local days in different zones', () => {
    expect(day('UTC', '2026-03-09T02:00:00Z').id).toBe('2026-03-09');
    expect(day('America/Los_Angeles', '2026-03-09T02:00:00Z').id).toBe('2026-03-08');
    expect(day('Asia/Tokyo', '2026-03-08T16:00:00Z').id).toBe('2026-03-09');
  });
});

describe('capCounters: days across DST changes', () => {
  it('America/New_York 2026-03-08 (spring forward) lasts 23 hours', () => {
    const d = day('America/New_York', '2026-03-08T12:00:00Z');
    expect(d.id).toBe('2026-03-08');
    expect(d.end).toBe('2026-03-09T04:00:00.000Z'); // midnight EDT
    expect(day('America/New_York', '2026-03-08T04:59:59Z').id).toBe('2026-03-07');
    expect(day('America/New_York', '2026-03-08T05:00:00Z').end).toBe('2026-03-09T04:00:00.000Z');
    expect(Date.parse('2026-03-09T04:00:00Z') - Date.parse('2026-03-08T05:00:00Z')).toBe(23 * HOUR);
  });

  it('America/New_York 2026-11-01 (fall back) lasts 25 hours', () => {
    expect(day('America/New_York', '2026-11-01T04:00:00Z').id).toBe('2026-11-01');
    expect(day('America/New_York', '2026-10-31T12:00:00Z').end).toBe('2026-11-01T04:00:00.000Z'); // midnight EDT
    const d = day('America/New_York', '2026-11-01T06:30:00Z'); // 01:30 EST, the second time round
    expect(d.id).toBe('2026-11-01');
    expect(d.end).toBe('2026-11-02T05:00:00.000Z'); // midnight EST
    expect(day('America/New_York', '2026-11-02T04:59:59.999Z').id).toBe('2026-11-01');
    expect(day('America/New_York', '2026-11-02T05:00:00Z').id).toBe('2026-11-02');
  });

  it('Europe/London around its changes', () => {
    expect(day('Europe/London', '2026-03-29T12:00:00Z').end).toBe('2026-03-29T23:00:00.000Z'); // midnight BST
    expect(day('Europe/London', '2026-03-29T23:30:00Z').id).toBe('2026-03-30');
    expect(day('Europe/London', '2026-10-25T12:00:00Z').end).toBe('2026-10-26T00:00:00.000Z'); // midnight GMT
    expect(day('Europe/London', '2026-10-24T23:30:00Z').id).toBe('2026-10-25');
  });

  it('Australia/Lord_Howe shifts by half an hour', () => {
    // DST ends 2026-04-05 02:00 (+11) -> 01:30 (+10:30): the day lasts 24.5 hours.
    const d = day('Australia/Lord_Howe', '2026-04-05T00:00:00Z');
    expect(d.id).toBe('2026-04-05');
    expect(d.end).toBe('2026-04-05T13:30:00.000Z');
    expect(day('Australia/Lord_Howe', '2026-04-04T12:59:59Z').id).toBe('2026-04-04');
  });

  it('a midnight that does not exist: the day starts when the clocks jump', () => {
    // America/Santiago springs forward at 00:00 -> 01:00 on 2026-09-06.
    const d = day('America/Santiago', '2026-09-06T03:30:00Z');
    expect(d.id).toBe('2026-09-05');
    expect(d.end).toBe('2026-09-06T04:00:00.000Z');
    expect(day('America/Santiago', '2026-09-06T04:00:00Z').id).toBe('2026-09-06');
  });
});

describe('capCounters: hours across DST changes', () => {
  it('plain hours follow the local clock, also in half-hour zones', () => {
    expect(hour('America/New_York', '2026-03-08T18:15:00Z')).toMatchObject({ id: '2026-03-08T14', end: '2026-03-08T19:00:00.000Z' });
    expect(hour('Asia/Kolkata', '2026-03-08T18:15:00Z')).toMatchObject({ id: '2026-03-08T23', end: '2026-03-08T18:30:00.000Z' });
  });

  it('the hour before a spring-forward gap ends when the clocks jump', () => {
    expect(hour('America/New_York', '2026-03-08T06:30:00Z')).toMatchObject({ id: '2026-03-08T01', end: '2026-03-08T07:00:00.000Z' });
    expect(hour('America/New_York', '2026-03-08T07:00:00Z')).toMatchObject({ id: '2026-03-08T03', end: '2026-03-08T08:00:00.000Z' });
  });

  it('an hour lived twice (fall back) is two windows, told apart by the offset', () => {
    const first = hour('America/New_York', '2026-11-01T05:30:00Z'); // 01:30 EDT
    const second = hour('America/New_York', '2026-11-01T06:30:00Z'); // 01:30 EST
    expect(first).toMatchObject({ id: '2026-11-01T01-04:00', end: '2026-11-01T06:00:00.000Z' });
    expect(second).toMatchObject({ id: '2026-11-01T01-05:00', end: '2026-11-01T07:00:00.000Z' });
    expect(hour('America/New_York', '2026-11-01T04:30:00Z')).toMatchObject({ id: '2026-11-01T00', end: '2026-11-01T05:00:00.000Z' });
    expect(hour('America/New_York', '2026-11-01T07:30:00Z')).toMatchObject({ id: '2026-11-01T02', end: '2026-11-01T08:00:00.000Z' });
  });

  it('a half-hour fold (Lord Howe) splits its hour the same way', () => {
    expect(hour('Australia/Lord_Howe', '2026-04-04T14:30:00Z')).toMatchObject({ id: '2026-04-05T01+11:00', end: '2026-04-04T15:00:00.000Z' });
    expect(hour('Australia/Lord_Howe', '2026-04-04T15:10:00Z')).toMatchObject({ id: '2026-04-05T01+10:30', end: '2026-04-04T15:30:00.000Z' });
  });
});

describe('capCounters: weeks and months', () => {
  it('weeks start on the local Monday and carry its ISO week', () => {
    expect(week('UTC', '2026-03-08T23:59:59Z')).toMatchObject({ id: '2026-W10', end: '2026-03-09T00:00:00.000Z' });
    expect(week('UTC', '2026-03-09T00:00:00Z')).toMatchObject({ id: '2026-W11', end: '2026-03-16T00:00:00.000Z' });
    // Sunday evening in New York is already Monday in UTC.
    expect(week('America/New_York', '2026-03-09T02:00:00Z')).toMatchObject({ id: '2026-W10', end: '2026-03-09T04:00:00.000Z' });
  });

  it('ISO weeks across the year end', () => {
    expect(week('UTC', '2026-12-31T12:00:00Z')).toMatchObject({ id: '2026-W53', end: '2027-01-04T00:00:00.000Z' });
    expect(week('UTC', '2027-01-03T12:00:00Z').id).toBe('2026-W53');
    expect(week('UTC', '2027-01-04T00:00:00Z').id).toBe('2027-W01');
    expect(week('UTC', '2024-12-30T12:00:00Z').id).toBe('2025-W01'); // Monday of week 1 of 2025
    expect(week('UTC', '2021-01-03T12:00:00Z').id).toBe('2020-W53');
  });

  it('a week containing a DST change lasts 167 or 169 hours', () => {
    const spring = week('America/New_York', '2026-03-04T12:00:00Z');
    expect(spring.end).toBe('2026-03-09T04:00:00.000Z');
    const fall = week('America/New_York', '2026-10-28T12:00:00Z');
    expect(fall).toMatchObject({ id: '2026-W44', end: '2026-11-02T05:00:00.000Z' });
  });

  it('months start on the 1st in local time, Dec -> Jan and leap February included', () => {
    expect(month('UTC', '2026-12-31T23:59:59.999Z')).toMatchObject({ id: '2026-12', end: '2027-01-01T00:00:00.000Z' });
    expect(month('UTC', '2027-01-01T00:00:00Z').id).toBe('2027-01');
    expect(month('America/New_York', '2027-01-01T03:00:00Z')).toMatchObject({ id: '2026-12', end: '2027-01-01T05:00:00.000Z' });
    expect(month('UTC', '2028-02-29T12:00:00Z')).toMatchObject({ id: '2028-02', end: '2028-03-01T00:00:00.000Z' });
    expect(month('UTC', '2027-02-28T12:00:00Z').end).toBe('2027-03-01T00:00:00.000Z');
    expect(day('UTC', '2028-02-28T12:00:00Z')).toMatchObject({ id: '2028-02-28', end: '2028-02-29T00:00:00.000Z' });
    expect(day('UTC', '2028-02-29T12:00:00Z')).toMatchObject({ id: '2028-02-29', end: '2028-03-01T00:00:00.000Z' });
  });

  it('a month ending on a DST change: October in London ends at midnight GMT', () => {
    expect(month('Europe/London', '2026-10-15T12:00:00Z').end).toBe('2026-11-01T00:00:00.000Z');
    expect(month('Europe/London', '2026-03-15T12:00:00Z').end).toBe('2026-03-31T23:00:00.000Z'); // midnight BST
    expect(month('Europe/London', '2026-03-31T23:30:00Z').id).toBe('2026-04');
  });
});

describe('capCounters: custom periods and lifetime', () => {
  it('custom periods are fixed lengths aligned to the Unix epoch, whatever the timezone', () => {
    const at = '2026-03-08T14:30:00Z';
    const t = Date.parse(at);
    const [c] = counters({ custom: [{ every: '36h', max: 3 }] }, 'America/New_York', at);
    const index = Math.floor(t / (36 * HOUR));
    expect(c.key).toBe(`lr:cap:{acme}:partner:every:36h:${index}`);
    expect(c.expireAt).toBe((index + 1) * 36 * HOUR);
    expect(counters({ custom: [{ every: '36h', max: 3 }] }, 'UTC', at)[0].key).toBe(c.key);
    // The next period starts exactly at the previous one's end.
    const next = counters({ custom: [{ every: '36h', max: 3 }] }, 'UTC', new Date(c.expireAt!).toISOString())[0];
    expect(next.key).toBe(`lr:cap:{acme}:partner:every:36h:${index + 1}`);
    expect(counters({ custom: [{ every: '36h', max: 3 }] }, 'UTC', new Date(c.expireAt! - 1).toISOString())[0].key).toBe(c.key);
  });

  it('lifetime never expires', () => {
    expect(one('lifetime', 'UTC', '2026-03-08T00:00:00Z')).toMatchObject({ id: 'all', end: null });
  });
});

describe('capCounters: every window ends where the next begins', () => {
  it('holds through a whole year, every 37 minutes, in zones with odd DST rules', () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham'];
    const caps: Caps = { hour: 1, day: 1, week: 1, month: 1 };
    const keysAt = (tz: string, t: number) => counters(caps, tz, new Date(t).toISOString()).map((c) => c.key);
    const start = Date.parse('2026-01-01T00:00:00Z');
    const broken: string[] = [];
    const checked = new Set<string>();
    for (const tz of zones) {
      for (let t = start; t < start + 366 * 24 * HOUR; t += 37 * 60_000) {
        for (const [i, c] of counters(caps, tz, new Date(t).toISOString()).entries()) {
          const end = c.expireAt!;
          if (end > t && checked.has(`${c.key}@${end}`)) continue;
          checked.add(`${c.key}@${end}`);
          // The window lasts until its end and not a millisecond longer.
          if (!(end > t) || keysAt(tz, end - 1)[i] !== c.key || keysAt(tz, end)[i] === c.key) {
            broken.push(`${tz} at ${new Date(t).toISOString()}: ${c.key} ends ${new Date(end).toISOString()}`);
          }
        }
      }
    }
    expect(broken.slice(0, 5)).toEqual([]);
  });
});

describe('capCountersMemo', () => {
  it('answers what capCounters answers at every instant, across DST changes, clocks moving back and new prefixes', () => {
    const caps: Caps = { hour: 1, day: 2, week: 3, month: 4, lifetime: 5, custom: [{ every: '90m', max: 6 }] };
    const starts = ['2026-03-07T20:00:00Z', '2026-10-31T20:00:00Z', '2026-03-28T20:00:00Z', '2026-04-04T10:00:00Z', '2026-12-31T20:00:00Z'];
    let reused = 0;
    for (const timezone of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']) {
      const memo = capCountersMemo({ partner: 'acme', scope: 'profile:e/p', caps, timezone });
      for (const start of starts) {
        let t = Date.parse(start);
        for (let i = 0; i < 400; i++) {
          // Mostly forward in 7-minute steps; now and then back an hour, or another prefix.
          t += i % 50 === 49 ? -HOUR : 7 * 60_000;
          const prefix = i % 97 === 96 ? 'other:' : 'lr:';
          const now = new Date(t);
          const got = memo(prefix, now);
          if (memo(prefix, now) === got) reused++;
          expect(got).toEqual(capCounters({ prefix, partner: 'acme', scope: 'profile:e/p', caps, timezone, now }));
        }
      }
    }
    expect(reused).toBe(5 * 5 * 400);
  });

  it('hands out frozen counters and still refuses an invalid clock', () => {
    const memo = capCountersMemo({ partner: 'acme', scope: 'partner', caps: { day: 1 }, timezone: 'UTC' });
    const [c] = memo('lr:', new Date('2026-03-08T00:00:00Z'));
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => memo('lr:', new Date(Number.NaN))).toThrow(/clock/);
  });
});
