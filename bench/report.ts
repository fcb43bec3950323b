// What a bench section hands back, the targets beside the figures, and the printed table.
// Every figure that matters is a ratio against a baseline measured in the same run: absolute
// rates drift from one shared machine to the next, ratios much less.

export type SectionName = 'rules' | 'config' | 'routing' | 'http' | 'reload';
export const SECTIONS: readonly SectionName[] = ['rules', 'config', 'routing', 'http', 'reload'];

export interface Goal {
  /** As printed, e.g. `≥ 200×`. */
  text: string;
  met: boolean;
}

export interface Row {
  label: string;
  /** The figure as a number (null when there is none, e.g. a baseline's delivery). */
  value: number | null;
  unit: string;
  /** The figure as printed. */
  display: string;
  goal?: Goal;
}

export interface SectionResult {
  name: SectionName;
  title: string;
  rows: Row[];
  /** Inputs and raw figures (what was measured on what), for results.json. */
  details: Record<string, unknown>;
  /** Lines printed under the section's rows (what the inputs were). */
  notes: string[];
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  machine: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; memoryGB: number };
  options: { only: SectionName[]; durationS: number; smoke: boolean };
  sections: Partial<Record<SectionName, SectionResult>>;
  targets: { section: SectionName; label: string; goal: string; value: number | null; display: string; met: boolean }[];
  summary: { met: number; missed: number };
}

export function row(label: string, value: number | null, unit: string, display?: string, goal?: Goal): Row {
  return { label, value, unit, display: display ?? formatValue(value, unit), ...(goal ? { goal } : {}) };
}

export const atLeast = (value: number | null, min: number, text: string): Goal => ({ text, met: value !== null && value >= min });
export const atMost = (value: number | null, max: number, text: string): Goal => ({ text, met: value !== null && value <= max });

export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  switch (unit) {
    case '×': return `${value >= 100 ? Math.round(value) : value.toFixed(value >= 10 ? 1 : 2)}×`;
    case '%': return `${(value * 100).toFixed(0)} %`;
    case 'ms': return `${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2)} ms`;
    case 's': return `${value.toFixed(2)} s`;
    case 'MB': return `${value.toFixed(0)} MB`;
    case '': return Math.round(value).toLocaleString('en-US');
    default: return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  }
}

export function collectTargets(sections: Partial<Record<SectionName, SectionResult>>): BenchResults['targets'] {
  const out: BenchResults['targets'] = [];
  for (const name of SECTIONS) {
    for (const r of sections[name]?.rows ?? []) {
      if (r.goal) out.push({ section: name, label: r.label, goal: r.goal.text, value: r.value, display: r.display, met: r.goal.met });
    }
  }
  return out;
}

/** The table as plain text (also what goes into the README's Performance section). */
export function formatTable(results: BenchResults): string {
  const lines: string[] = [];
  const width = { label: 52, figure: 16, goal: 12 };
  for (const name of SECTIONS) {
    const s = results.sections[name];
    if (!s) continue;
    lines.push('', s.title);
    for (const r of s.rows) {
      const mark = r.goal ? (r.goal.met ? 'met' : 'MISSED') : '';
      lines.push(`  ${r.label.padEnd(width.label)} ${r.display.padStart(width.figure)}   ${(r.goal?.text ?? '').padEnd(width.goal)} ${mark}`.trimEnd());
    }
    for (const n of s.notes) lines.push(`  · ${n}`);
  }
  const m = results.machine;
  lines.push(
    '',
    `targets: ${results.summary.met} met, ${results.summary.missed} missed` +
      ` — node ${m.node}, ${m.cpus} × ${m.cpuModel}, ${results.seconds.toFixed(0)} s${results.options.smoke ? ' (smoke: tiny inputs, figures meaningless)' : ''}`,
  );
  return lines.join('\n');
}
