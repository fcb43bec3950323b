// Wall-clock arithmetic in an IANA timezone with nothing but Intl (no tz database of our own).
// A "wall" value is the local clock reading encoded as if it were UTC epoch ms, so calendar
// arithmetic (next midnight, next 1st) is plain Date.UTC arithmetic; turning a wall value back
// into an instant is where DST is handled. Assumes at most one offset change within ±1 day of
// any instant, which holds for every zone in use today.

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number; // 0-23
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    // Constructing a formatter is the expensive part; one per zone. Throws RangeError on an unknown zone.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The local clock reading at instant `t` (epoch ms). */
export function wallTime(timezone: string, t: number): WallTime {
  const w: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(timezone).formatToParts(t)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      w[p.type] = Number(p.value);
    }
  }
  return w;
}

/** The local clock reading at `t` as a wall value (ms, sub-second part kept). */
function wallMs(timezone: string, t: number): number {
  const w = wallTime(timezone, t);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) + (((t % 1000) + 1000) % 1000);
}

/** UTC offset at instant `t` in ms (local = UTC + offset). */
export function offsetMs(timezone: string, t: number): number {
  return wallMs(timezone, t) - t;
}

/** `+05:30`, `-04:00`. */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offset) / 60_000);
  return `${sign}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Window ends repeat for every lead of a window, so the DST work is done once per zone and boundary.
const memo = new Map<string, number | null>();

function remember<T extends number | null>(key: string, compute: () => T): T {
  const hit = memo.get(key);
  if (hit !== undefined) return hit as T;
  if (memo.size >= 10_000) memo.clear();
  const v = compute();
  memo.set(key, v);
  return v;
}

/**
 * The earliest instant whose local clock reads `wall` or later. When `wall` falls in a
 * spring-forward gap this is the moment of the jump; when it occurs twice (fall back), the first.
 */
export function instantOfWall(timezone: string, wall: number): number {
  return remember(`i|${timezone}|${wall}`, () => {
    // The instant sought lies within [wall - 14h, wall + 12h]: these two offsets bracket it.
    const before = offsetMs(timezone, wall - DAY);
    const after = offsetMs(timezone, wall + DAY);
    if (before === after) return wall - before;
    const change = transitionBetween(timezone, wall - DAY, wall + DAY);
    // Reached under the old offset before the change, else at the change or later under the new one.
    return wall - before < change ? wall - before : Math.max(change, wall - after);
  });
}

/** The instant the offset changes between `lo` and `hi` (offsets differ at the two ends). */
function transitionBetween(timezone: string, lo: number, hi: number): number {
  const from = offsetMs(timezone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(timezone, mid) === from) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * When the clocks go back into the local hour starting at wall value `hourStart` (so that hour
 * happens twice), the instant they go back; else null.
 */
export function repeatedHourFold(timezone: string, hourStart: number): number | null {
  return remember(`f|${timezone}|${hourStart}`, () => {
    const before = offsetMs(timezone, hourStart - DAY);
    const after = offsetMs(timezone, hourStart + DAY);
    if (before <= after) return null; // no change, or a spring-forward gap: nothing repeats
    const fold = transitionBetween(timezone, hourStart - DAY, hourStart + DAY);
    // The hour is lived under the old offset before the fold and again under the new one after.
    return hourStart - before < fold && fold < hourStart + HOUR - after ? fold : null;
  });
}
