// Durations as written in profile files: `36h`, `1500ms`, `1h30m`.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Milliseconds in a duration made of `<number><unit>` parts (units ms, s, m, h, d). Throws on anything else. */
export function parseDuration(s: string): number {
  const text = s.trim();
  if (!text) throw new Error(`invalid duration "${s}": empty`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m) throw new Error(`invalid duration "${s}" at "${text.slice(at)}": expected a number and a unit (ms, s, m, h, d)`);
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return Math.round(total);
}
