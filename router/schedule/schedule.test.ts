import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { combinedState, formatOpening, scheduleState } from './open.ts';
import { overlapMinutes, parseDays, parseSchedule } from './parse.ts';

const LA = 'America/Los_Angeles';
const at = (iso: string) => Date.parse(iso);
const parse = (raw: unknown) => {
  const { schedule, issues } = parseSchedule(raw);
  expect(issues).toEqual([]);
  return schedule;
};

describe('parseSchedule', () => {
  it('reads days, ranges of days (wrapping), lists of hours and closed dates', () => {
    expect(parseDays('mon-fri')).toEqual([0, 1, 2, 3, 4]);
    expect(parseDays('fri-mon')).toEqual([4, 5, 6, 0]);
    expect(parseDays('sun')).toEqual([6]);
    const s = parse({ 'mon-fri': '08:00-18:00', sat: ['09:00-12:00', '13:00-15:00'], sun: '22:00-02:00', closed: ['2026-12-25'] });
    expect(s.shifts).toHaveLength(8);
    expect(s.shifts.at(-1)).toEqual({ day: 6, start: 22 * 60, end: 26 * 60 });
    expect([...s.closed]).toEqual(['2026-12-25']);
  });

  it('names bad days, times, dates and overlaps, at the key or value at fault', () => {
    const { issues } = parseSchedule({
      monday: '08:00-18:00', 'mon-mon': '08:00-09:00', tue: '8am-6pm', wed: '25:00-26:00', thu: '09:00-09:00',
      fri: ['08:00-12:00', '11:00-13:00'], closed: ['2026-02-30', 'xmas'],
    });
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['INVALID_SCHEDULE_DAY', 'monday'],
      ['INVALID_SCHEDULE_DAY', 'mon-mon'],
      ['INVALID_SCHEDULE_TIME', 'tue'],
      ['INVALID_SCHEDULE_TIME', 'wed'],
      ['INVALID_SCHEDULE_TIME', 'thu'],
      ['INVALID_SCHEDULE_DATE', 'closed.0'],
      ['INVALID_SCHEDULE_DATE', 'closed.1'],
      ['SCHEDULE_OVERLAP', 'fri.1'],
    ]);
  });

  it('hours that overlap, on a day named twice or through an overnight shift, are refused; split shifts are not', () => {
    expect(parseSchedule({ 'mon-fri': '08:00-18:00', mon: '17:00-20:00' }).issues.map((i) => i.code)).toEqual(['SCHEDULE_OVERLAP']);
    expect(parseSchedule({ 'mon-fri': '08:00-18:00', mon: '19:00-20:00' }).issues).toEqual([]);
    expect(parseSchedule({ mon: '22:00-03:00', tue: '02:00-05:00' }).issues.map((i) => i.code)).toEqual(['SCHEDULE_OVERLAP']);
    // Sunday night into Monday morning wraps around the week.
    expect(parseSchedule({ sun: '22:00-03:00', mon: '02:00-05:00' }).issues.map((i) => i.code)).toEqual(['SCHEDULE_OVERLAP']);
    expect(parseSchedule({ sun: '22:00-03:00', mon: '03:00-05:00' }).issues).toEqual([]);
  });

  it('overlapMinutes: how long two schedules are open together in a week', () => {
    const a = parse({ 'mon-fri': '08:00-18:00' });
    expect(overlapMinutes(a, parse({ 'mon-fri': '09:00-17:00' }))).toBe(5 * 8 * 60);
    expect(overlapMinutes(a, parse({ 'sat-sun': '09:00-17:00' }))).toBe(0);
    expect(overlapMinutes(parse({ sun: '23:00-01:00' }), parse({ mon: '00:00-00:30' }))).toBe(30);
  });
});

describe('scheduleState', () => {
  const weekdays = parse({ 'mon-fri': '08:00-18:00', sat: '09:00-13:00', closed: ['2026-12-25'] });

  it('open inside the hours, in the partner\'s timezone; closed outside, until the next opening', () => {
    // Mon 2026-12-07 10:00 PST = 18:00Z.
    expect(scheduleState(weekdays, LA, at('2026-12-07T18:00:00Z'))).toEqual({ open: true });
    // Mon 18:00 PST sharp: closed (the end is exclusive) until Tue 08:00 PST.
    expect(scheduleState(weekdays, LA, at('2026-12-08T02:00:00Z'))).toEqual({ open: false, until: at('2026-12-08T16:00:00Z') });
    // Sat 13:30 → Mon 08:00.
    expect(scheduleState(weekdays, LA, at('2026-12-12T21:30:00Z'))).toEqual({ open: false, until: at('2026-12-14T16:00:00Z') });
  });

  it('a closed date cancels its shifts; the next opening skips it', () => {
    // Thu 2026-12-24 18:30 PST → Fri 25 closed → Sat 26 09:00.
    const s = scheduleState(weekdays, LA, at('2026-12-25T02:30:00Z'));
    expect(s).toEqual({ open: false, until: at('2026-12-26T17:00:00Z') });
    expect(scheduleState(weekdays, LA, at('2026-12-25T18:00:00Z')).open).toBe(false);
  });

  it('overnight shifts run past midnight and belong to the day they start on', () => {
    const nights = parse({ fri: '22:00-02:00', closed: ['2026-12-25'] });
    expect(scheduleState(nights, 'UTC', at('2026-12-11T23:00:00Z')).open).toBe(true); // Fri 23:00
    expect(scheduleState(nights, 'UTC', at('2026-12-12T01:59:00Z')).open).toBe(true); // Sat 01:59
    expect(scheduleState(nights, 'UTC', at('2026-12-12T02:00:00Z')).open).toBe(false);
    // Fri 25 is closed: its night shift does not open, the next is Fri Jan 1.
    expect(scheduleState(nights, 'UTC', at('2026-12-25T23:00:00Z'))).toEqual({ open: false, until: at('2027-01-01T22:00:00Z') });
  });

  it('DST: 08:00 is 08:00 on the wall clock on both sides of a change', () => {
    const daily = parse({ 'mon-sun': '08:00-18:00' });
    // Spring forward in Los Angeles on Sun 2026-03-08: 08:00 PST (16:00Z) the day before, 08:00 PDT (15:00Z) that day.
    expect(scheduleState(daily, LA, at('2026-03-07T02:00:00Z'))).toEqual({ open: false, until: at('2026-03-07T16:00:00Z') });
    expect(scheduleState(daily, LA, at('2026-03-08T02:00:00Z'))).toEqual({ open: false, until: at('2026-03-08T15:00:00Z') });
    expect(scheduleState(daily, LA, at('2026-03-08T15:30:00Z')).open).toBe(true);
    // Fall back on Sun 2026-11-01: 17:59 PST is 01:59Z next day, still open; 18:00 PST closes.
    expect(scheduleState(daily, LA, at('2026-11-02T01:59:00Z')).open).toBe(true);
    expect(scheduleState(daily, LA, at('2026-11-02T02:00:00Z')).open).toBe(false);
  });

  it('a schedule with no hours never opens', () => {
    expect(scheduleState(parse({ closed: ['2026-12-25'] }), LA, at('2026-12-07T18:00:00Z'))).toEqual({ open: false, until: null });
  });

  it('property: closed exactly when no shift covers the local minute, and "until" is the first open minute after', () => {
    const schedule = parse({ 'mon-thu': '08:00-12:00', fri: '22:00-02:00', sun: ['00:00-01:00', '23:30-24:00'] });
    fc.assert(fc.property(fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') }), (t) => {
      const state = scheduleState(schedule, LA, t);
      if (state.open || state.until === null) return;
      expect(state.until).toBeGreaterThan(t);
      expect(scheduleState(schedule, LA, state.until).open).toBe(true);
      // Closed a minute before it opens (when that minute is after t).
      if (state.until - 60_000 > t) expect(scheduleState(schedule, LA, state.until - 60_000).open).toBe(false);
    }), { numRuns: 300 });
  });
});

describe('combinedState and formatOpening', () => {
  it('an assignment schedule narrows its partner\'s: open when both are, else when both next are', () => {
    const partner = parse({ 'mon-fri': '08:00-18:00' });
    const assignment = parse({ 'mon-fri': '12:00-20:00' });
    expect(combinedState([partner, assignment], 'UTC', at('2026-12-07T13:00:00Z'))).toEqual({ open: true });
    expect(combinedState([partner, assignment], 'UTC', at('2026-12-07T09:00:00Z'))).toEqual({ open: false, until: at('2026-12-07T12:00:00Z') });
    expect(combinedState([partner, assignment], 'UTC', at('2026-12-07T19:00:00Z'))).toEqual({ open: false, until: at('2026-12-08T12:00:00Z') });
    expect(combinedState([partner, parse({ sat: '09:00-10:00' })], 'UTC', at('2026-12-07T09:00:00Z'))).toEqual({ open: false, until: null });
  });

  it('says the local day and time, with the date when a week or more away', () => {
    expect(formatOpening(at('2026-12-14T16:00:00Z'), LA, at('2026-12-12T21:30:00Z'))).toBe('Mon 08:00 America/Los_Angeles');
    expect(formatOpening(at('2027-01-01T22:00:00Z'), 'UTC', at('2026-12-25T23:00:00Z'))).toBe('Fri 2027-01-01 22:00 UTC');
  });
});
