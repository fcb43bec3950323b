// `npm run bench`: every benchmark side by side with its baseline, one table, bench/results.json.
//   --only rules,http,config,routing,reload   sections to run (default all)
//   --duration S                              HTTP load window in seconds (default 10)
//   --smoke                                   tiny inputs, sub-second windows (the smoke test)
//   --out FILE                                where results go (default bench/results.json)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext } from './context.ts';
import { collectTargets, formatTable, SECTIONS } from './report.ts';
import type { BenchResults, SectionName, SectionResult } from './report.ts';

export interface BenchOptions {
  only: SectionName[];
  durationS: number;
  smoke: boolean;
  out: string;
}

const DEFAULT_OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { only: [...SECTIONS], durationS: 10, smoke: false, out: DEFAULT_OUT };
  let durationSet = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--only') {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !SECTIONS.includes(n as SectionName));
      if (unknown.length || !names.length) throw new UsageError(`--only takes a list of ${SECTIONS.join(', ')} (got ${unknown.join(', ') || 'nothing'})`);
      opts.only = SECTIONS.filter((s) => names.includes(s));
    } else if (flag === '--duration') {
      const d = Number(value());
      if (!Number.isFinite(d) || d <= 0) throw new UsageError('--duration takes a number of seconds > 0');
      opts.durationS = d;
      durationSet = true;
    } else if (flag === '--smoke') {
      opts.smoke = true;
    } else if (flag === '--out') {
      opts.out = path.resolve(value());
    } else {
      throw new UsageError(`unknown option ${argv[i]} (options: --only ${SECTIONS.join(',')}, --duration S, --smoke, --out FILE)`);
    }
  }
  if (opts.smoke && !durationSet) opts.durationS = 1;
  return opts;
}

// Loaded on demand: a section only needs its own parts of the router.
const SECTION_MODULES: Record<SectionName, () => Promise<(ctx: BenchContext) => Promise<SectionResult>>> = {
  rules: async () => (await import('./sections/rules.ts')).rulesSection,
  config: async () => (await import('./sections/config.ts')).configSection,
  routing: async () => (await import('./sections/routing.ts')).routingSection,
  http: async () => (await import('./sections/http.ts')).httpSection,
  reload: async () => (await import('./sections/reload.ts')).reloadSection,
};

export async function runBench(opts: BenchOptions, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<BenchResults> {
  const started = new Date();
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'leadroute-bench-'));
  const ctx: BenchContext = { smoke: opts.smoke, durationS: opts.durationS, log, tmpDir };
  const sections: BenchResults['sections'] = {};
  try {
    for (const name of opts.only) {
      const t0 = performance.now();
      log(`── ${name}`);
      sections[name] = await (await SECTION_MODULES[name]())(ctx);
      log(`── ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  const targets = collectTargets(sections);
  const cpus = os.cpus();
  const finished = new Date();
  const results: BenchResults = {
    schema: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: (finished.getTime() - started.getTime()) / 1000,
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
    },
    options: { only: opts.only, durationS: opts.durationS, smoke: opts.smoke },
    sections,
    targets,
    summary: { met: targets.filter((t) => t.met).length, missed: targets.filter((t) => !t.met).length },
  };
  await writeFile(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let opts: BenchOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  const results = await runBench(opts);
  process.stdout.write(`${formatTable(results)}\n`);
  process.stderr.write(`results written to ${path.relative(process.cwd(), opts.out) || opts.out}\n`);
  // Targets missed are findings, not a failure of the run.
  process.exit(0);
}
