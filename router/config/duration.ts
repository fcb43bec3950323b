// Durations in the profile files, a whole number and a unit. Which units a setting takes follows
// the schema: webhook `timeout` takes ms, s or m (`1500ms`, `10s`); a custom cap's `every` takes
// m, h or d (`90m`, `36h`, `14d`). Zero is never a duration.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;

export const TIMEOUT_UNITS: readonly DurationUnit[] = ['ms', 's', 'm'];
export const EVERY_UNITS: readonly DurationUnit[] = ['m', 'h', 'd'];

const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** Milliseconds, or null when `text` is not a positive duration in one of `units`. */
export function parseDuration(text: unknown, units: readonly DurationUnit[] = Object.keys(UNIT_MS) as DurationUnit[]): number | null {
  if (typeof text !== 'string') return null;
  const m = DURATION.exec(text);
  if (m === null || !units.includes(m[2] as DurationUnit)) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}
