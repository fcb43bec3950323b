// Is a schedule open at an instant, and if not, when does it open next? Local time comes from
// Intl (caps/zoned.ts), so the answer is DST-correct: "08:00" is 08:00 on the partner's wall
// clock whatever its offset that day.
import { instantOfWall, pad2, wallTime } from '../caps/zoned.ts';
import { DAYS, type Schedule } from './parse.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export type ScheduleState = { open: true } | { open: false; until: number | null };

const dateKey = (wallDay: number) => new Date(wallDay).toISOString().slice(0, 10);
/** 0 = Monday for a wall-day value (midnight, as UTC ms). */
const weekday = (wallDay: number) => (new Date(wallDay).getUTCDay() + 6) % 7;

export function scheduleState(s: Schedule, timezone: string, at: number): ScheduleState {
  const w = wallTime(timezone, at);
  const today = Date.UTC(w.year, w.month - 1, w.day);
  const minute = w.hour * 60 + w.minute;
  // A shift of today, or one of yesterday still running past midnight.
  for (const [day, offset] of [[today, 0], [today - DAY_MS, 1440]] as const) {
    if (s.closed.has(dateKey(day))) continue;
    const wd = weekday(day);
    for (const sh of s.shifts) {
      if (sh.day === wd && sh.start <= minute + offset && minute + offset < sh.end) return { open: true };
    }
  }
  return { open: false, until: nextOpening(s, timezone, at, today) };
}

/** The first shift start after `at`, skipping closed dates; null when the schedule never opens. */
function nextOpening(s: Schedule, timezone: string, at: number, today: number): number | null {
  if (s.shifts.length === 0) return null;
  const horizon = 8 + s.closed.size; // a week, plus one day for every closed date in the way
  for (let k = 0; k <= horizon; k++) {
    const day = today + k * DAY_MS;
    if (s.closed.has(dateKey(day))) continue;
    const wd = weekday(day);
    for (const sh of s.shifts) {
      if (sh.day !== wd) continue;
      const t = instantOfWall(timezone, day + sh.start * MINUTE_MS);
      if (t > at) return t;
    }
  }
  return null;
}

/**
 * Several schedules that must all be open (a partner's and an assignment's): open when each is;
 * otherwise the first instant at which all of them are, found by jumping to each one's opening.
 */
export function combinedState(schedules: readonly Schedule[], timezone: string, at: number): ScheduleState {
  let t = at;
  for (let round = 0; round < 64; round++) {
    let latest = t;
    for (const s of schedules) {
      const st = scheduleState(s, timezone, t);
      if (st.open) continue;
      if (st.until === null) return { open: false, until: null };
      latest = Math.max(latest, st.until);
    }
    if (latest === t) return t === at ? { open: true } : { open: false, until: t };
    t = latest;
  }
  return { open: false, until: null };
}

/** "Mon 08:00 America/Los_Angeles" (with the date when it is a week or more away). */
export function formatOpening(until: number, timezone: string, from: number): string {
  const w = wallTime(timezone, until);
  const day = DAYS[weekday(Date.UTC(w.year, w.month - 1, w.day))];
  const name = day[0].toUpperCase() + day.slice(1);
  const date = until - from >= 6 * DAY_MS ? ` ${w.year}-${pad2(w.month)}-${pad2(w.day)}` : '';
  return `${name}${date} ${pad2(w.hour)}:${pad2(w.minute)} ${timezone}`;
}
