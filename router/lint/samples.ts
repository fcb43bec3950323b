// Sample leads: the corpus the linter, `diff:routing` and reviewers reason about. They come from
// `samples/*.jsonl` beside the profiles, from `--leads FILE.jsonl`, and from the RoutingTest cases.
//
// One JSON object per line (blank lines are skipped), in one of three forms:
//   {"entity": "mortgage", "lead": {...}, "name": "optional label"}   explicit
//   {"entity": "mortgage", "email": "...", "state": "NY"}             a bare lead; `entity` is taken out
//   {"email": "...", "state": "NY"}                                   in `mortgage.jsonl`: the file's name
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { withSeverity } from '../config/problems.ts';
import type { Config, Problem, SourcePos } from '../config/types.ts';
import { LINT_CODES } from './codes.ts';

export interface SampleLead {
  entity: string;
  lead: Readonly<Record<string, unknown>>;
  /** Where the lead is written: a samples line or a routing test case's `lead`. */
  at?: SourcePos;
  /** How reports name the lead: `profiles/samples/mortgage.jsonl:3`, `test "NY purchase"`. */
  label?: string;
}

export interface Samples {
  samples: SampleLead[];
  problems: Problem[];
}

const WRAPPER_KEYS = new Set(['entity', 'lead', 'name']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(at: SourcePos, message: string, hint?: string): Problem {
  return withSeverity(LINT_CODES.SAMPLE_INVALID.severity, 'SAMPLE_INVALID', at, message, hint);
}

/** Parses one JSONL text. `file` is the path shown in labels and problems. Pure. */
export function parseSamples(text: string, file: string): Samples {
  const samples: SampleLead[] = [];
  const problems: Problem[] = [];
  const stem = path.basename(file).replace(/\.jsonl?$/i, '');
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const at: SourcePos = { file, line: i + 1, col: raw.length - raw.trimStart().length + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(invalid(at, `not valid JSON: ${(err as Error).message}`));
      return;
    }
    if (!isObject(value)) {
      problems.push(invalid(at, 'each line must be a JSON object (a lead, or {"entity": ..., "lead": {...}})'));
      return;
    }
    let entity: unknown;
    let lead: Record<string, unknown>;
    let label = `${file}:${i + 1}`;
    if (isObject(value.lead) && Object.keys(value).every((k) => WRAPPER_KEYS.has(k))) {
      entity = value.entity;
      lead = value.lead;
      if (typeof value.name === 'string' && value.name) label = `${label} (${value.name})`;
    } else {
      const { entity: e, ...rest } = value;
      entity = e;
      lead = rest;
    }
    if (entity === undefined) entity = stem;
    if (typeof entity !== 'string' || !entity) {
      problems.push(invalid(at, '"entity" must be a non-empty string'));
      return;
    }
    samples.push({ entity, lead, at, label });
  });
  return { samples, problems };
}

/** Reads `samples/*.jsonl` in `dir` (none is fine). File paths are shown relative to `cwd`. */
export async function loadSamples(dir: string, opts: { cwd?: string } = {}): Promise<Samples> {
  const cwd = opts.cwd ?? process.cwd();
  const samplesDir = path.join(dir, 'samples');
  let names: string[];
  try {
    names = (await readdir(samplesDir, { withFileTypes: true }))
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.jsonl'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return { samples: [], problems: [] };
    }
    throw err;
  }
  const out: Samples = { samples: [], problems: [] };
  for (const name of names) {
    const abs = path.join(samplesDir, name);
    const shown = path.relative(cwd, abs) || abs;
    const parsed = parseSamples(await readFile(abs, 'utf8'), shown);
    out.samples.push(...parsed.samples);
    out.problems.push(...parsed.problems);
  }
  return out;
}

/** Every RoutingTest case's lead, labelled with its case name and positioned at its `lead`. */
export function routingTestLeads(config: Config): SampleLead[] {
  const out: SampleLead[] = [];
  for (const doc of config.routingTests) {
    doc.value.cases.forEach((c, i) => {
      out.push({
        entity: doc.value.entity,
        lead: c.lead,
        at: doc.pos(['cases', i, 'lead']),
        label: `test "${c.name}"`,
      });
    });
  }
  return out;
}
