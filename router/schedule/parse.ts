// A partner's (or an assignment's) opening hours, as written in the profiles:
//   schedule: { mon-fri: "08:00-18:00", sat: ["09:00-12:00", "13:00-15:00"], closed: [2026-12-25] }
// Days are mon…sun, alone or as a range (`mon-fri`, `fri-mon` wraps). A range of hours whose end
// is not after its start runs past midnight (`"22:00-02:00"`): the shift belongs to the day it
// starts on. `closed` dates (in the schedule's timezone) cancel the shifts starting on them.
// Days not named are closed. Pure: parse once at load, evaluate with open.ts.

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;

/** One shift: minutes from Monday 00:00 local (start) and its length in minutes. */
interface Shift {
  /** 0 = Monday … 6 = Sunday. */
  day: number;
  /** Minutes after local midnight of `day`. */
  start: number;
  /** Minutes after local midnight of `day`; above 1440 when the shift runs past midnight. */
  end: number;
}

export interface Schedule {
  /** Sorted by day, then start. */
  shifts: readonly Shift[];
  /** Local dates (YYYY-MM-DD) whose shifts do not open. */
  closed: ReadonlySet<string>;
}

/** A problem found in a schedule, at a path below the `schedule` key. */
export interface ScheduleIssue {
  code: 'INVALID_SCHEDULE_DAY' | 'INVALID_SCHEDULE_TIME' | 'SCHEDULE_OVERLAP' | 'INVALID_SCHEDULE_DATE';
  path: readonly (string | number)[];
  message: string;
  hint?: string;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_OF_DAY = '24:00';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function minutesOf(text: string, end: boolean): number | null {
  if (end && text === END_OF_DAY) return DAY_MINUTES;
  const m = TIME.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** `mon` → [0]; `mon-fri` → [0..4]; `fri-mon` → [4, 5, 6, 0]; null when not days. */
export function parseDays(key: string): number[] | null {
  const [from, to, ...rest] = key.split('-');
  if (rest.length) return null;
  const a = DAYS.indexOf(from as (typeof DAYS)[number]);
  if (a < 0) return null;
  if (to === undefined) return [a];
  const b = DAYS.indexOf(to as (typeof DAYS)[number]);
  if (b < 0 || b === a) return null;
  const out: number[] = [];
  for (let d = a; ; d = (d + 1) % 7) {
    out.push(d);
    if (d === b) return out;
  }
}

/** `"08:00-18:00"` → start and end minutes (end past 1440 overnight); null when malformed. */
function parseRange(text: string): { start: number; end: number } | null {
  const [a, b, ...rest] = text.split('-').map((s) => s.trim());
  if (rest.length || a === undefined || b === undefined) return null;
  const start = minutesOf(a, false);
  const end = minutesOf(b, true);
  if (start === null || end === null || start === end) return null;
  return { start, end: end > start ? end : end + DAY_MINUTES };
}

function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const fmt = (min: number) => `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** Parse a schedule; issues carry the path of the offending key or value below `schedule`. */
export function parseSchedule(raw: unknown): { schedule: Schedule; issues: ScheduleIssue[] } {
  const issues: ScheduleIssue[] = [];
  const shifts: (Shift & { path: (string | number)[] })[] = [];
  const closed = new Set<string>();
  const obj = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'closed') {
      (Array.isArray(value) ? value : []).forEach((d, i) => {
        const text = d instanceof Date ? d.toISOString().slice(0, 10) : String(d);
        if (isRealDate(text)) closed.add(text);
        else issues.push({ code: 'INVALID_SCHEDULE_DATE', path: ['closed', i], message: `closed: ${JSON.stringify(d)} is not a date`, hint: 'write dates as YYYY-MM-DD, e.g. 2026-12-25' });
      });
      continue;
    }
    const days = parseDays(key);
    if (!days) {
      issues.push({ code: 'INVALID_SCHEDULE_DAY', path: [key], message: `schedule: '${key}' is not a day or a range of days`, hint: 'use mon, tue, wed, thu, fri, sat, sun, or a range such as mon-fri' });
      continue;
    }
    const ranges = Array.isArray(value) ? value : [value];
    ranges.forEach((r, i) => {
      const path = Array.isArray(value) ? [key, i] : [key];
      const range = typeof r === 'string' ? parseRange(r) : null;
      if (!range) {
        issues.push({ code: 'INVALID_SCHEDULE_TIME', path, message: `schedule ${key}: ${JSON.stringify(r)} is not a range of hours`, hint: 'write "HH:MM-HH:MM" on a 24-hour clock, e.g. "08:00-18:00"; "22:00-02:00" runs past midnight' });
        return;
      }
      for (const day of days) shifts.push({ day, ...range, path });
    });
  }
  shifts.sort((a, b) => a.day - b.day || a.start - b.start);
  // Overlaps, around the week: each shift as minutes from Monday 00:00, the last one wrapping.
  for (let i = 0; i < shifts.length; i++) {
    const a = shifts[i];
    const b = shifts[(i + 1) % shifts.length];
    if (shifts.length < 2) break;
    const aEnd = a.day * DAY_MINUTES + a.end;
    const bStart = b.day * DAY_MINUTES + b.start + (i + 1 === shifts.length ? WEEK_MINUTES : 0);
    if (aEnd > bStart) {
      issues.push({
        code: 'SCHEDULE_OVERLAP', path: b.path,
        message: `schedule: ${DAYS[b.day]} ${fmt(b.start)}-${fmt(b.end)} overlaps ${DAYS[a.day]} ${fmt(a.start)}-${fmt(a.end)}`,
        hint: 'a day named twice (mon-fri and mon) or an overnight shift may cover the same hours: shorten one',
      });
    }
  }
  return { schedule: { shifts: shifts.map(({ day, start, end }) => ({ day, start, end })), closed }, issues };
}

/** Minutes of the week during which both schedules are open, ignoring closed dates (0: never). */
export function overlapMinutes(a: Schedule, b: Schedule): number {
  const spans = (s: Schedule) => s.shifts.flatMap(({ day, start, end }) => {
    const from = day * DAY_MINUTES + start, to = day * DAY_MINUTES + end;
    return to > WEEK_MINUTES ? [[from, WEEK_MINUTES], [0, to - WEEK_MINUTES]] : [[from, to]];
  });
  let total = 0;
  for (const [a1, a2] of spans(a)) for (const [b1, b2] of spans(b)) total += Math.max(0, Math.min(a2, b2) - Math.max(a1, b1));
  return total;
}
