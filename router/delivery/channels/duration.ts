// Durations in delivery settings: `1500ms`, `10s`, `2m`, `1h` (decimals allowed, e.g. `1.5s`).

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds for a duration string; undefined when absent or not a positive duration. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  return ms > 0 ? ms : undefined;
}
