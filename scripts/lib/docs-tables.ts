// The docs tables whose source of truth is code: problem and lint codes, environment variables and
// metrics. `npm run docs` writes them between `<!-- generated:NAME:start -->` and
// `<!-- generated:NAME:end -->` markers in docs/; `--check` and scripts/docs.test.ts compare.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describeCodes } from '../../router/config/codes.ts';
import { createAuctionMetrics } from '../../router/auction/metrics.ts';
import { createDeliveryMetrics } from '../../router/delivery/metrics.ts';
import { ROUTER_ENV_VARS } from '../../router/env-vars.ts';
import { describeLintCodes } from '../../router/lint/codes.ts';
import { createMetrics } from '../../router/observability/metrics.ts';

interface GeneratedTable {
  /** The marker name: `<!-- generated:NAME:start -->`. */
  name: string;
  /** The docs file holding it, relative to the repository root. */
  file: string;
  render(): Promise<string> | string;
}

/** Escapes a table cell: `|` everywhere, and outside code spans `*` and `<` (emphasis, HTML). */
export function cell(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/\|/g, '\\|') : part.replace(/([|*])/g, '\\$1').replace(/</g, '&lt;')))
    .join('');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function codeTable(codes: readonly { code: string; severity: string; meaning: string }[]): string {
  return table(['Code', 'Severity', 'Meaning'], codes.map((c) => [`\`${c.code}\``, c.severity, cell(c.meaning)]));
}

function envTable(): string {
  return table(
    ['Variable', 'Default', 'Meaning'],
    ROUTER_ENV_VARS.map((v) => [`\`${v.name}\``, v.default === undefined ? 'unset' : `\`${v.default}\``, cell(v.description)]),
  );
}

/**
 * The metrics as the router registers them: the router's own registry with the delivery metrics
 * (attempts and the queue gauges) and the auction metrics on it, read back from prom-client rather than from the source.
 */
export async function describeMetrics(): Promise<{ name: string; type: string; labels: string[]; help: string }[]> {
  const registry = new Registry();
  createMetrics({ registry });
  // Only registers the gauges; their collect() is not called here, so any queue answers.
  createDeliveryMetrics(registry, { queue: { depth: async () => 0, deadLetterCount: async () => 0 } });
  createAuctionMetrics(registry);
  const metrics = registry.getMetricsAsArray() as unknown as {
    name: string;
    help: string;
    labelNames?: readonly string[];
    get(): Promise<{ type: string }>;
  }[];
  return Promise.all(
    metrics.map(async (m) => ({ name: m.name, type: (await m.get()).type, labels: [...(m.labelNames ?? [])], help: m.help })),
  );
}

async function metricsTable(): Promise<string> {
  const metrics = await describeMetrics();
  return table(
    ['Metric', 'Type', 'Labels', 'Meaning'],
    metrics.map((m) => [`\`${m.name}\``, m.type, m.labels.map((l) => `\`${l}\``).join(', ') || '—', cell(m.help)]),
  );
}

const GENERATED_TABLES: readonly GeneratedTable[] = [
  { name: 'problem-codes', file: 'docs/commands.md', render: () => codeTable(describeCodes()) },
  { name: 'lint-codes', file: 'docs/commands.md', render: () => codeTable(describeLintCodes()) },
  { name: 'env', file: 'docs/operations.md', render: envTable },
  { name: 'metrics', file: 'docs/operations.md', render: metricsTable },
];

const markers = (name: string) => [`<!-- generated:${name}:start -->`, `<!-- generated:${name}:end -->`] as const;

/** The text between a table's markers, or null when the markers are missing or out of order. */
export function readBlock(text: string, name: string): string | null {
  const [start, end] = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) return null;
  return text.slice(from + start.length, to).replace(/^\n/, '').replace(/\n$/, '');
}

/** `text` with the block between a table's markers replaced by `body`. */
export function writeBlock(text: string, name: string, body: string): string {
  const [start, end] = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`no ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

export interface TableDifference {
  file: string;
  name: string;
  problem: 'differs' | 'markers missing';
}

/**
 * Renders every table into the docs under `root`. With `write`, files whose tables changed are
 * rewritten; a file whose markers are missing is left alone. Returns the tables that were not
 * up to date (all of them fixed when writing, except missing markers).
 */
export async function syncDocs(root: string, opts: { write: boolean }): Promise<TableDifference[]> {
  const differences: TableDifference[] = [];
  const files = [...new Set(GENERATED_TABLES.map((t) => t.file))];
  for (const file of files) {
    const path = join(root, file);
    const original = await readFile(path, 'utf8').catch(() => null);
    let text = original ?? '';
    for (const t of GENERATED_TABLES.filter((g) => g.file === file)) {
      const current = original === null ? null : readBlock(text, t.name);
      if (current === null) {
        differences.push({ file, name: t.name, problem: 'markers missing' });
        continue;
      }
      const body = await t.render();
      if (current !== body) {
        differences.push({ file, name: t.name, problem: 'differs' });
        text = writeBlock(text, t.name, body);
      }
    }
    if (opts.write && original !== null && text !== original) await writeFile(path, text);
  }
  return differences;
}
