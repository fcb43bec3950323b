// Pure: caps + clock + timezone -> the counters to check and count (key, limit, expiry, label).
// Calendar windows follow the local clock of `timezone` (DST days last 23 or 25 hours); custom
// periods (`every: 36h`) are fixed lengths aligned to the Unix epoch.
import type { Caps } from '../config/types.ts';
import { EVERY_UNITS, parseDuration } from '../config/duration.ts';
import type { CapCounter, WindowName } from './types.ts';
import { formatOffset, instantOfWall, offsetMs, pad2, repeatedHourFold, wallTime, type WallTime } from './zoned.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface CapCountersArgs {
  /** Store key prefix, e.g. `leadroute:`. */
  prefix: string;
  partner: string;
  /** `partner` (partner-wide caps, across profiles) or `profile:<profileId>` (an assignment's caps). */
  scope: string;
  caps: Caps;
  /** IANA zone for calendar windows; choosing partner / entity / UTC is the caller's job. */
  timezone: string;
  now: Date;
}

/**
 * One counter per configured window, in the order hour, day, week, month, lifetime, custom.
 * Key: `${prefix}cap:{${partner}}:${scope}:${window}:${windowId}`; the `{partner}` hash tag keeps
 * every counter of a reservation in one Redis Cluster slot.
 */
export function capCounters(args: CapCountersArgs): CapCounter[] {
  const { prefix, partner, scope, caps, timezone } = args;
  if (!partner || /[{}]/.test(partner)) throw new Error(`cap counters: invalid partner id "${partner}"`);
  const t = args.now.getTime();
  if (!Number.isFinite(t)) throw new Error('cap counters: invalid clock');
  const who = scope === 'partner' ? `partner ${partner}` : `${scope.replace(/^profile:/, '')}/${partner}`;
  const out: CapCounter[] = [];

  const add = (window: WindowName, windowId: string, limit: number, expireAt: number | null, labelWindow: string = window) => {
    const key = `${prefix}cap:{${partner}}:${scope}:${window}:${windowId}`;
    const same = out.find((c) => c.key === key);
    // Two identical custom periods share one counter: the stricter limit wins.
    if (same) same.limit = Math.min(same.limit, limit);
    else out.push({ key, limit, expireAt, label: `${who} ${labelWindow}` });
  };

  if (caps.hour !== undefined || caps.day !== undefined || caps.week !== undefined || caps.month !== undefined) {
    const w = wallTime(timezone, t);
    if (caps.hour !== undefined) {
      const h = hourWindow(timezone, t, w);
      add('hour', h.id, caps.hour, h.end);
    }
    if (caps.day !== undefined) {
      add('day', dateId(w.year, w.month, w.day), caps.day, instantOfWall(timezone, Date.UTC(w.year, w.month - 1, w.day + 1)));
    }
    if (caps.week !== undefined) {
      const dow = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
      const monday = Date.UTC(w.year, w.month - 1, w.day - ((dow + 6) % 7));
      add('week', isoWeekId(monday), caps.week, instantOfWall(timezone, monday + 7 * DAY));
    }
    if (caps.month !== undefined) {
      add('month', `${w.year}-${pad2(w.month)}`, caps.month, instantOfWall(timezone, Date.UTC(w.year, w.month, 1)));
    }
  }
  if (caps.lifetime !== undefined) add('lifetime', 'all', caps.lifetime, null);
  for (const c of caps.custom ?? []) {
    // The loader refuses bad periods (INVALID_DURATION); a config that skipped it must still fail loudly.
    const every = parseDuration(c.every, EVERY_UNITS);
    if (every === null) throw new Error(`cap counters: invalid custom period "${c.every}"`);
    const index = Math.floor(t / every);
    add(`every:${c.every}`, String(index), c.max, (index + 1) * every, `every ${c.every}`);
  }
  return out;
}

/**
 * capCounters for one partner, scope, caps and timezone, remembered while every window stays
 * the same: counters change only when a window rolls over (at the earliest `expireAt`), so the
 * decisions of one window reuse them instead of reading the zone's clock for each lead. The
 * counters are frozen (they are shared). A clock that moves back recomputes; so does a new prefix.
 */
export function capCountersMemo(fixed: Omit<CapCountersArgs, 'prefix' | 'now'>): (prefix: string, now: Date) => readonly CapCounter[] {
  let last: { prefix: string; from: number; until: number; counters: readonly CapCounter[] } | undefined;
  return (prefix, now) => {
    const t = now.getTime();
    if (last && last.prefix === prefix && last.from <= t && t < last.until) return last.counters;
    const counters = capCounters({ ...fixed, prefix, now });
    let until = Infinity;
    for (const c of counters) {
      Object.freeze(c);
      if (c.expireAt !== null && c.expireAt < until) until = c.expireAt;
    }
    last = { prefix, from: t, until, counters: Object.freeze(counters) };
    return last.counters;
  };
}

function dateId(year: number, month: number, day: number): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** ISO 8601 week of the Monday at wall value `monday`: `2026-W10`. */
function isoWeekId(monday: number): string {
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY / 7) + 1;
  return `${year}-W${pad2(week)}`;
}

/**
 * The local hour `2026-03-08T14`. When clocks go back into this hour it happens twice; each
 * occurrence is its own window, told apart by its UTC offset (`2026-11-01T01-04:00`, then `-05:00`).
 */
function hourWindow(timezone: string, t: number, w: WallTime): { id: string; end: number } {
  const start = Date.UTC(w.year, w.month - 1, w.day, w.hour);
  let id = `${dateId(w.year, w.month, w.day)}T${pad2(w.hour)}`;
  let end = instantOfWall(timezone, start + HOUR);
  const fold = repeatedHourFold(timezone, start);
  if (fold !== null) {
    id += formatOffset(offsetMs(timezone, t));
    if (t < fold) end = Math.min(end, fold);
  }
  return { id, end };
}
