// Config scale: how long load + validate (YAML parse with positions, JSON Schema, semantic checks,
// freeze) takes for a generated tree of N profiles × 20 partners. The tree is bench/gen-tree.ts's
// (one entity, profiles split by state × product, 20 partners with webhook delivery, 2–4
// conditions per assignment, caps), so every bench measures the same shape of files.
//
//   npx tsx bench/config-scale.ts [PROFILES=1000] [RUNS=5]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../router/config/load.ts';
import { writeTree, type TreeInfo } from './gen-tree.ts';

export interface ProfileTreeOptions {
  profiles: number;
  /** Assignments per profile, at most 20 (default 20). */
  partnersPerProfile?: number;
  seed?: number;
}

/** Writes a realistic generated profiles tree into `dir` (created when missing). */
export function generateProfileTree(dir: string, opts: ProfileTreeOptions): Promise<TreeInfo> {
  return writeTree(dir, {
    profiles: opts.profiles,
    partnersPerProfile: opts.partnersPerProfile ?? 20,
    webhookUrl: 'https://hooks.partner.example/leads',
    caps: 'huge',
    seed: opts.seed,
  });
}

export interface ScaleMeasurement {
  profiles: number;
  assignments: number;
  /** The first load in this process: includes compiling the JSON Schemas. */
  coldMs: number;
  /** CPU time (user + system) of the first load: less sensitive to a busy machine than wall time. */
  coldCpuMs: number;
  warmCpuMs: number;
  /** Later loads: median and best. */
  medianMs: number;
  bestMs: number;
}

export async function measureConfigScale(profiles: number, runs = 5): Promise<ScaleMeasurement> {
  const dir = await mkdtemp(path.join(tmpdir(), 'leadroute-config-scale-'));
  try {
    await generateProfileTree(dir, { profiles });
    const times: number[] = [];
    const cpu: number[] = [];
    let assignments = 0;
    for (let i = 0; i <= runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await loadConfig(dir);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (!result.ok) {
        const first = result.problems.slice(0, 3).map((p) => `${p.file}:${p.line}:${p.col} ${p.code} ${p.message}`);
        throw new Error(`the generated tree does not load: ${first.join('; ')}`);
      }
      assignments = result.config.profiles.reduce((n, p) => n + p.partners.length, 0);
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    const warmCpu = cpu.slice(1).sort((a, b) => a - b);
    return {
      profiles, assignments, coldMs: times[0], medianMs: warm[Math.floor(warm.length / 2)], bestMs: warm[0],
      coldCpuMs: cpu[0], warmCpuMs: warmCpu[Math.floor(warmCpu.length / 2)],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const profiles = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 5);
  const m = await measureConfigScale(profiles, runs);
  console.log(
    `config-scale: ${m.profiles} profiles, ${m.assignments} assignments: load + validate ` +
      `cold ${m.coldMs.toFixed(0)} ms (cpu ${m.coldCpuMs.toFixed(0)} ms, schema compile included), ` +
      `warm median ${m.medianMs.toFixed(0)} ms (cpu ${m.warmCpuMs.toFixed(0)} ms; best ${m.bestMs.toFixed(0)} ms; ${runs} runs)`,
  );
}
